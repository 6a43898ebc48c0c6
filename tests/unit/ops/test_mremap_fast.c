/*
 * test_mremap_fast.c - mremap's fast paths (src/ops/mremap.c: a shrink
 * that cuts the tail of one VMA, the unmap of a whole source VMA, an empty
 * FIXED destination, neighbours by cursor steps) against its general path.
 *
 * Two address spaces run the same random calls; in one, every mremap runs
 * with mremap_slow_only set.  After every call the results, every VMA
 * (range, pgoff, flags, kind, anon, name, provenance), the counters and the
 * work statistics must be identical, and both must validate.  The calls
 * are biased to the shapes the fast paths take (whole VMAs moved to free
 * areas and back, tails cut, growth in place) and mixed with what changes
 * their conditions: faults, locks, seals, guards, names, a low
 * max_map_count, provenance, shared anonymous mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define MF_MAYMOVE 1
#define MF_FIXED   2

#include "aspace.h"
#include "ops/mremap.h"
#include "../../harness.h"

#define MF_B      0x200000000000ull
#define MF_PG(n)  ((uint64_t)(n) * 4096ull)
#define MF_AT(n)  (MF_B + MF_PG(n))
#define MF_PAGES  96                    /* the area the calls touch */
#define MF_VMAS   256                   /* dump capacity */

static uint64_t mf_rng;

static uint64_t mf_rand(uint64_t n)
{
	mf_rng ^= mf_rng << 13;
	mf_rng ^= mf_rng >> 7;
	mf_rng ^= mf_rng << 17;
	return n ? mf_rng % n : 0;
}

/* One VMA as compared: everything but the file pointer's identity. */
struct mf_vma {
	uint64_t start, end, pgoff, flags, anon_id, origin, last_change;
	int kind, has_file, forked;
	char name[32];
};

struct mf_dump {
	unsigned n;
	struct mf_vma v[MF_VMAS];
};

static int mf_collect(const struct aspace_vma_info *vi, void *arg)
{
	struct mf_dump *d = arg;
	struct mf_vma *m;

	if (d->n == MF_VMAS)
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

/* Two structs of uint64_t equal?  Prints the first word that differs. */
static int mf_words_same(const char *what, const char *kind, const void *a,
			 const void *b, size_t size)
{
	uint64_t x[32], y[32];

	if (size > sizeof(x))
		return 0;
	memcpy(x, a, size);
	memcpy(y, b, size);
	for (size_t i = 0; i < size / sizeof(x[0]); i++)
		if (x[i] != y[i]) {
			fprintf(stderr, "  %s: %s word %zu: fast %llu, slow %llu\n",
				what, kind, i, (unsigned long long)x[i],
				(unsigned long long)y[i]);
			return 0;
		}
	return 1;
}

/* Both spaces identical?  Prints the first difference. */
static int mf_same(struct aspace *a, struct aspace *b, const char *what)
{
	static struct mf_dump da, db;
	struct aspace_counters ca, cb;
	struct aspace_stats sa, sb;

	da.n = db.n = 0;
	aspace_for_each_vma(a, 0, UINT64_MAX, mf_collect, &da);
	aspace_for_each_vma(b, 0, UINT64_MAX, mf_collect, &db);
	if (da.n != db.n) {
		fprintf(stderr, "  %s: %u VMAs fast, %u slow\n", what, da.n,
			db.n);
		return 0;
	}
	for (unsigned i = 0; i < da.n; i++)
		if (memcmp(&da.v[i], &db.v[i], sizeof(da.v[i]))) {
			fprintf(stderr, "  %s: VMA %u differs: fast %#llx-%#llx"
				" flags %#llx pgoff %llu, slow %#llx-%#llx flags"
				" %#llx pgoff %llu\n", what, i,
				(unsigned long long)da.v[i].start,
				(unsigned long long)da.v[i].end,
				(unsigned long long)da.v[i].flags,
				(unsigned long long)da.v[i].pgoff,
				(unsigned long long)db.v[i].start,
				(unsigned long long)db.v[i].end,
				(unsigned long long)db.v[i].flags,
				(unsigned long long)db.v[i].pgoff);
			return 0;
		}
	aspace_counters(a, &ca);
	aspace_counters(b, &cb);
	aspace_stats(a, &sa);
	aspace_stats(b, &sb);
	if (!mf_words_same(what, "counters", &ca, &cb, sizeof(ca)) ||
	    !mf_words_same(what, "stats", &sa, &sb, sizeof(sa)))
		return 0;
	if (aspace_validate(a) || aspace_validate(b)) {
		fprintf(stderr, "  %s: validate failed\n", what);
		return 0;
	}
	return 1;
}

/* A page count: mostly small, sometimes a whole slot or more. */
static uint64_t mf_len(void)
{
	static const uint64_t lens[] = { 1, 1, 2, 2, 3, 4, 4, 6, 8, 16 };

	return lens[mf_rand(sizeof(lens) / sizeof(lens[0]))];
}

/* The start of an existing VMA (or a random page) inside the area. */
static uint64_t mf_vma_page(struct aspace *as, bool *whole_len,
			    uint64_t *vpages)
{
	struct aspace_vma_info vi;
	uint64_t p = mf_rand(MF_PAGES);

	*whole_len = false;
	*vpages = 0;
	if (aspace_find_vma(as, MF_AT(p), &vi) == 0 &&
	    vi.start < MF_AT(MF_PAGES)) {
		*whole_len = true;
		*vpages = (vi.end - vi.start) / 4096;
		return (vi.start - MF_B) / 4096;
	}
	return p;
}

/* One random mremap: the same on both spaces; 0 when they disagree. */
static int mf_mremap(struct aspace *a, struct aspace *b, char *what,
		     size_t wlen)
{
	static const int flagset[] = {
		0, MF_MAYMOVE,
		MF_MAYMOVE | MF_FIXED,
		MF_MAYMOVE | MF_FIXED,
		MF_MAYMOVE | MF_FIXED,
		MF_MAYMOVE | ASPACE_MREMAP_DONTUNMAP,
		MF_MAYMOVE | MF_FIXED |
			ASPACE_MREMAP_DONTUNMAP,
	};
	bool whole;
	uint64_t vp, p = mf_vma_page(a, &whole, &vp);
	uint64_t olen = whole && mf_rand(3) ? vp : mf_len();
	uint64_t nlen, np = mf_rand(MF_PAGES);
	int flags = flagset[mf_rand(sizeof(flagset) / sizeof(flagset[0]))];
	uint64_t oa = 1, ob = 2;
	int ea, eb;

	if (!whole && mf_rand(2))
		p = mf_rand(MF_PAGES);
	switch (mf_rand(4)) {
	case 0:
		nlen = olen;
		break;
	case 1:
		nlen = olen > 1 ? olen - 1 - mf_rand(olen - 1) : olen + 1;
		break;
	case 2:
		nlen = olen + 1 + mf_rand(4);
		break;
	default:
		nlen = mf_len();
		break;
	}
	if (!mf_rand(40))
		olen = 0;
	snprintf(what, wlen, "mremap(%llu, %llu, %llu, %d, %llu)",
		 (unsigned long long)p, (unsigned long long)olen,
		 (unsigned long long)nlen, flags, (unsigned long long)np);
	mremap_slow_only = false;
	ea = aspace_mremap(a, MF_AT(p), MF_PG(olen), MF_PG(nlen), flags,
			   MF_AT(np), &oa);
	mremap_slow_only = true;
	eb = aspace_mremap(b, MF_AT(p), MF_PG(olen), MF_PG(nlen), flags,
			   MF_AT(np), &ob);
	mremap_slow_only = false;
	if (ea != eb || (!ea && oa != ob)) {
		fprintf(stderr, "  %s: fast %d %#llx, slow %d %#llx\n", what, ea,
			(unsigned long long)oa, eb, (unsigned long long)ob);
		return 0;
	}
	return 1;
}

/* One random other call on both spaces; 0 when the results differ. */
static int mf_other(struct aspace *a, struct aspace *b, char *what,
		    size_t wlen)
{
	uint64_t p = mf_rand(MF_PAGES), n = mf_len(), oa, ob;
	int ea = 0, eb = 0, r = (int)mf_rand(100);

	if (r < 40) {
		static const int prots[] = {
			PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
			PROT_READ, PROT_NONE,
		};
		int prot = prots[mf_rand(4)];
		int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

		switch (mf_rand(10)) {
		case 0:
			fl |= MAP_LOCKED;
			break;
		case 1:
			fl |= MAP_NORESERVE;
			break;
		case 2:
			fl = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
			break;
		default:
			break;
		}
		snprintf(what, wlen, "mmap(%llu, %llu, %d, %#x)",
			 (unsigned long long)p, (unsigned long long)n, prot,
			 fl);
		ea = aspace_mmap(a, MF_AT(p), MF_PG(n), prot, fl, NULL, 0, &oa);
		eb = aspace_mmap(b, MF_AT(p), MF_PG(n), prot, fl, NULL, 0, &ob);
	} else if (r < 60) {
		snprintf(what, wlen, "touch(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_touch(a, MF_AT(p), MF_PG(n), ASPACE_TOUCH_WRITE);
		eb = aspace_touch(b, MF_AT(p), MF_PG(n), ASPACE_TOUCH_WRITE);
	} else if (r < 68) {
		snprintf(what, wlen, "munmap(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_munmap(a, MF_AT(p), MF_PG(n));
		eb = aspace_munmap(b, MF_AT(p), MF_PG(n));
	} else if (r < 76) {
		snprintf(what, wlen, "mlock(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_mlock(a, MF_AT(p), MF_PG(n));
		eb = aspace_mlock(b, MF_AT(p), MF_PG(n));
	} else if (r < 84) {
		snprintf(what, wlen, "guard(%llu, 1)", (unsigned long long)p);
		ea = aspace_madvise(a, MF_AT(p), MF_PG(1),
				    ASPACE_MADV_GUARD_INSTALL);
		eb = aspace_madvise(b, MF_AT(p), MF_PG(1),
				    ASPACE_MADV_GUARD_INSTALL);
	} else if (r < 90) {
		snprintf(what, wlen, "name(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_set_anon_name(a, MF_AT(p), MF_PG(n),
					  (r & 1) ? "x" : "y");
		eb = aspace_set_anon_name(b, MF_AT(p), MF_PG(n),
					  (r & 1) ? "x" : "y");
	} else if (r < 92) {
		snprintf(what, wlen, "mseal(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_mseal(a, MF_AT(p), MF_PG(n), 0);
		eb = aspace_mseal(b, MF_AT(p), MF_PG(n), 0);
	} else {
		snprintf(what, wlen, "mprotect(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_mprotect(a, MF_AT(p), MF_PG(n), PROT_READ);
		eb = aspace_mprotect(b, MF_AT(p), MF_PG(n), PROT_READ);
	}
	if (ea != eb) {
		fprintf(stderr, "  %s: %d vs %d\n", what, ea, eb);
		return 0;
	}
	return 1;
}

/* @seeds runs of @ops calls with the configuration @cfg. */
static int mf_run(const struct aspace_config *cfg, unsigned seeds,
		  unsigned ops)
{
	char what[128];

	for (unsigned s = 1; s <= seeds; s++) {
		struct aspace *a = aspace_new(cfg), *b = aspace_new(cfg);
		int ok = 1;

		if (!a || !b)
			return 0;
		mf_rng = 0x9e3779b97f4a7c15ull * s + 1;
		for (unsigned i = 0; ok && i < ops; i++) {
			aspace_set_call_id(a, i + 1);
			aspace_set_call_id(b, i + 1);
			if (mf_rand(2))
				ok = mf_mremap(a, b, what, sizeof(what));
			else
				ok = mf_other(a, b, what, sizeof(what));
			if (ok)
				ok = mf_same(a, b, what);
			if (!ok)
				fprintf(stderr, "  seed %u call %u\n", s, i);
		}
		aspace_free(a);
		aspace_free(b);
		mremap_slow_only = false;
		if (!ok)
			return 0;
	}
	return 1;
}

TEST(mremap_fast_paths_match_general_path)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	if (!mf_run(&cfg, 40, 400))
		return FAIL;
	return PASS;
}

TEST(mremap_fast_paths_match_general_path_provenance_limits)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.provenance = true;
	cfg.anon_vma_name = true;
	cfg.max_map_count = 24;
	cfg.rlimit_memlock = 16 * 4096;
	if (!mf_run(&cfg, 40, 400))
		return FAIL;
	cfg.max_map_count = 12;
	cfg.overcommit_memory = 2;
	cfg.totalram_pages = 64;
	if (!mf_run(&cfg, 20, 400))
		return FAIL;
	return PASS;
}
