/*
 * space_diff.c - sd_same(), sd_run(), sd_config_limits(): see
 * space_diff.h.
 */
#include <stdio.h>
#include <string.h>

#include "space_diff.h"

static int sd_collect(const struct aspace_vma_info *vi, void *arg)
{
	struct sd_dump *d = arg;
	struct sd_vma *m;

	if (d->n == SD_VMAS)
		return 1;
	m = &d->v[d->n++];
	memset(m, 0, sizeof(*m));
	m->start = vi->start;
	m->end = vi->end;
	m->pgoff = vi->pgoff;
	m->flags = vi->flags;
	m->anon_id = vi->anon_id;
	m->origin = vi->origin;
	m->last_change = vi->last_change;
	m->kind = (int)vi->kind;
	m->has_file = vi->file != NULL;
	m->forked = vi->anon_forked;
	if (vi->anon_name)
		snprintf(m->name, sizeof(m->name), "%s", vi->anon_name);
	return 0;
}

/* Two structs equal word by word?  Prints the first word that differs. */
static int sd_words_same(const char *what, const char *kind, const void *a,
			 const void *b, size_t size)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i + 8 <= size; i += 8) {
		uint64_t p, q;

		memcpy(&p, x + i, 8);
		memcpy(&q, y + i, 8);
		if (p != q) {
			fprintf(stderr, "  %s: %s word %zu: fast %llu, slow "
				"%llu\n", what, kind, i / 8,
				(unsigned long long)p, (unsigned long long)q);
			return 0;
		}
	}
	return 1;
}

int sd_same(struct aspace *fast, struct aspace *slow, const char *what,
	    struct sd_dump *dump)
{
	static struct sd_dump da, db;
	struct aspace_counters ca, cb;
	struct aspace_stats sa, sb;
	struct sd_dump *d = dump ? dump : &da;

	d->n = db.n = 0;
	aspace_for_each_vma(fast, 0, UINT64_MAX, sd_collect, d);
	aspace_for_each_vma(slow, 0, UINT64_MAX, sd_collect, &db);
	if (d->n != db.n) {
		fprintf(stderr, "  %s: %u VMAs fast, %u slow\n", what, d->n,
			db.n);
		return 0;
	}
	for (unsigned i = 0; i < d->n; i++)
		if (memcmp(&d->v[i], &db.v[i], sizeof(db.v[i]))) {
			fprintf(stderr, "  %s: VMA %u differs: fast %#llx-%#llx"
				" flags %#llx pgoff %llu anon %llu, slow "
				"%#llx-%#llx flags %#llx pgoff %llu anon %llu\n",
				what, i,
				(unsigned long long)d->v[i].start,
				(unsigned long long)d->v[i].end,
				(unsigned long long)d->v[i].flags,
				(unsigned long long)d->v[i].pgoff,
				(unsigned long long)d->v[i].anon_id,
				(unsigned long long)db.v[i].start,
				(unsigned long long)db.v[i].end,
				(unsigned long long)db.v[i].flags,
				(unsigned long long)db.v[i].pgoff,
				(unsigned long long)db.v[i].anon_id);
			return 0;
		}
	aspace_counters(fast, &ca);
	aspace_counters(slow, &cb);
	aspace_stats(fast, &sa);
	aspace_stats(slow, &sb);
	if (!sd_words_same(what, "counters", &ca, &cb, sizeof(ca)) ||
	    !sd_words_same(what, "stats", &sa, &sb, sizeof(sa)))
		return 0;
	if (aspace_validate(fast) || aspace_validate(slow)) {
		fprintf(stderr, "  %s: validate failed\n", what);
		return 0;
	}
	return 1;
}

int sd_run(const struct aspace_config *cfg, unsigned seeds, unsigned ops,
	   uint64_t *rng, uint64_t salt, sd_step_fn step,
	   struct sd_dump *dump, bool *slow_only)
{
	char what[128];

	for (unsigned s = 1; s <= seeds; s++) {
		struct aspace *a = aspace_new(cfg), *b = aspace_new(cfg);
		int ok = 1;

		if (!a || !b)
			return 0;
		*rng = 0x9e3779b97f4a7c15ull * s + salt;
		if (dump)
			dump->n = 0;
		for (unsigned i = 0; ok && i < ops; i++) {
			aspace_set_call_id(a, i + 1);
			aspace_set_call_id(b, i + 1);
			ok = step(a, b, what, sizeof(what));
			if (ok)
				ok = sd_same(a, b, what, dump);
			if (!ok)
				fprintf(stderr, "  seed %u call %u\n", s, i);
		}
		aspace_free(a);
		aspace_free(b);
		*slow_only = false;
		if (!ok)
			return 0;
	}
	return 1;
}

void sd_config_limits(struct aspace_config *cfg, int stage)
{
	cfg->provenance = true;
	cfg->anon_vma_name = true;
	cfg->max_map_count = 24;
	cfg->rlimit_memlock = 16 * 4096;
	if (stage < 1)
		return;
	cfg->max_map_count = 12;
	cfg->overcommit_memory = 2;
	cfg->totalram_pages = 64;
}
