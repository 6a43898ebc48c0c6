/*
 * test_fork_walk.c - aspace_fork()'s one-walk copy (round 4): the
 * prefetch ring at every layout size around its depth, VM_DONTCOPY VMAs at
 * the ends and in the middle, the child's counters summed by class, and
 * an allocation-failure sweep over a layout that needs several pool
 * chunks, extensions, file references and names, so a failure in the
 * middle of the copy must give back every reference it took.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "vma/vma.h"
#include "../../harness.h"
#include "../../oom/oom.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)

/* Fixture steps must work: say which one did not. */
#define FW_DO(x)							\
	do {								\
		int fw_err_ = (x);					\
		if (fw_err_) {						\
			fprintf(stderr, "%s:%d: %s = %d\n", __FILE__,	\
				__LINE__, #x, fw_err_);			\
			abort();					\
		}							\
	} while (0)

/* The VMAs of @as in order, as (start, end, flags) triples. */
struct fw_list {
	uint64_t v[3 * 512];
	unsigned n;
};

static int fw_collect(const struct aspace_vma_info *v, void *arg)
{
	struct fw_list *l = arg;

	if (l->n >= 512)
		return -1;
	l->v[3 * l->n] = v->start;
	l->v[3 * l->n + 1] = v->end;
	l->v[3 * l->n + 2] = v->flags;
	l->n++;
	return 0;
}

/*
 * The child must hold exactly the parent's VMAs without VM_DONTCOPY, in
 * order, each with the parent's flags less VM_LOCKED/VM_LOCKONFAULT.
 */
static int fw_child_matches(const struct aspace *p, const struct aspace *c)
{
	static struct fw_list lp, lc;
	unsigned i, j = 0;

	lp.n = lc.n = 0;
	if (aspace_for_each_vma(p, 0, UINT64_MAX, fw_collect, &lp) ||
	    aspace_for_each_vma(c, 0, UINT64_MAX, fw_collect, &lc))
		return -1;
	for (i = 0; i < lp.n; i++) {
		uint64_t f = lp.v[3 * i + 2];

		if (f & ASPACE_VM_DONTCOPY)
			continue;
		if (j >= lc.n || lc.v[3 * j] != lp.v[3 * i] ||
		    lc.v[3 * j + 1] != lp.v[3 * i + 1] ||
		    lc.v[3 * j + 2] != (f & ~(uint64_t)(ASPACE_VM_LOCKED |
						     ASPACE_VM_LOCKONFAULT)))
			return -1;
		j++;
	}
	return j == lc.n ? 0 : -1;
}

/* @n one-page VMAs alternating r / rw (never merging), every VMA whose
 * index is in @dc made VM_DONTCOPY. */
static struct aspace *fw_layout(unsigned n, const unsigned *dc, unsigned ndc)
{
	struct aspace *as = fx_new();
	unsigned i;

	for (i = 0; i < n; i++)
		FW_DO(fx_map(as, 2 * i, 1, (i & 1) ? RW : PROT_READ, 0));
	for (i = 0; i < ndc; i++)
		if (dc[i] < n)
			FW_DO(aspace_madvise(as, AT(2 * dc[i]), PG(1),
					     MADV_DONTFORK));
	return as;
}

TEST(fork_walk_every_size_around_the_ring)
{
	static const unsigned sizes[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 62,
					  63, 64, 65, 127, 200 };
	unsigned s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		unsigned n = sizes[s];
		unsigned dc[3] = { 0, n / 2, n ? n - 1 : 0 };
		int with_dc;

		for (with_dc = 0; with_dc < 2; with_dc++) {
			struct aspace *as = fw_layout(n, dc, with_dc ? 3 : 0);
			struct aspace *ch = NULL;
			struct aspace_counters pc, cc;

			ASSERT_EQ(aspace_fork(as, &ch), 0);
			ASSERT_EQ(aspace_validate(ch), 0);
			ASSERT_EQ(fw_child_matches(as, ch), 0);
			aspace_counters(as, &pc);
			aspace_counters(ch, &cc);
			if (!with_dc) {
				ASSERT_EQ(cc.map_count, pc.map_count);
				ASSERT_EQ(cc.total_vm, pc.total_vm);
				ASSERT_EQ(cc.data_vm, pc.data_vm);
			} else if (n) {
				uint64_t gone = n >= 3 ? 3 : n == 2 ? 2 : 1;

				ASSERT_EQ(cc.map_count, pc.map_count - gone);
				ASSERT_EQ(cc.total_vm, pc.total_vm - gone);
			}
			aspace_free(ch);
			aspace_free(as);
		}
	}
	return PASS;
}

TEST(fork_walk_counters_by_class)
{
	struct aspace *as = fx_new(), *ch = NULL;
	struct aspace_counters pc, cc;
	uint64_t out;

	/*
	 *  page    0 1 2 3 | 10 11 | 20 21 22 | 30 31 | 40 .. 47 | 50 51
	 *          r-x       rw-p    rw-s       r--p    stack      rw locked
	 *  exec 4, data 2 + 2 (locked rw), stack 8, shared 3 (none)
	 */
	ASSERT_EQ(fx_map(as, 0, 4, PROT_READ | PROT_EXEC, 0), 0);
	ASSERT_EQ(fx_map(as, 10, 2, RW, 0), 0);
	ASSERT_EQ(aspace_mmap(as, AT(20), PG(3), RW,
			      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0,
			      &out), 0);
	ASSERT_EQ(fx_map(as, 30, 2, PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 40, 8, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(fx_map(as, 50, 2, RW, MAP_LOCKED), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_EQ(aspace_validate(ch), 0);     /* counters = sums of VMAs */
	aspace_counters(as, &pc);
	aspace_counters(ch, &cc);
	ASSERT_EQ(cc.total_vm, 21);
	ASSERT_EQ(cc.total_vm, pc.total_vm);
	ASSERT_EQ(cc.exec_vm, 4);
	ASSERT_EQ(cc.exec_vm, pc.exec_vm);
	ASSERT_EQ(cc.stack_vm, 8);
	ASSERT_EQ(cc.stack_vm, pc.stack_vm);
	ASSERT_EQ(cc.data_vm, 4);
	ASSERT_EQ(cc.data_vm, pc.data_vm);
	ASSERT_EQ(cc.locked_vm, 0);
	ASSERT_EQ(pc.locked_vm, 2);
	ASSERT_EQ(fw_child_matches(as, ch), 0);
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}

/*
 * 150 VMAs: two file descriptions alternating with anonymous VMAs, names,
 * provenance (an extension per VMA), DONTCOPY pieces, a guard marker and
 * locked VMAs: the copy takes three pool chunks, 150 extensions and 100
 * file references, so failures land in the middle of the copy.
 */
static struct aspace *fw_big(struct aspace_file **f0, struct aspace_file **f1)
{
	struct aspace_file_desc d = { .path = "/lib/x.so", .size = 1ull << 30,
				      .dev_major = 8, .dev_minor = 1,
				      .inode = 77, .flags = ASPACE_O_READ };
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t out;
	unsigned i;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	cfg.provenance = true;
	as = aspace_new(&cfg);
	*f0 = aspace_file_open(&d);
	d.path = "/lib/y.so";
	d.inode = 78;
	*f1 = aspace_file_open(&d);
	if (!as || !*f0 || !*f1)
		abort();
	for (i = 0; i < 150; i++) {
		int prot = (i & 2) ? RW : PROT_READ;

		if (i % 3 == 0)
			FW_DO(fx_map(as, 2 * i, 1, prot,
				     (i % 9 == 0) ? MAP_LOCKED : 0));
		else
			FW_DO(aspace_mmap(as, AT(2 * i), PG(1), prot,
					  MAP_PRIVATE | MAP_FIXED,
					  (i % 3 == 1) ? *f0 : *f1, PG(i),
					  &out));
		if (i % 21 == 0)
			FW_DO(aspace_set_anon_name(as, AT(2 * i), PG(1), "nm"));
		if (i % 25 == 5)
			FW_DO(aspace_madvise(as, AT(2 * i), PG(1),
					     MADV_DONTFORK));
	}
	FW_DO(aspace_touch(as, AT(6), PG(1), ASPACE_TOUCH_WRITE));
	FW_DO(aspace_madvise(as, AT(12), PG(1), ASPACE_MADV_GUARD_INSTALL));
	return as;
}

static int fw_count_file(const struct aspace_vma_info *v, void *arg)
{
	struct { const struct aspace_file *f; uint64_t n; } *c = arg;

	c->n += v->file == c->f;
	return 0;
}

/* VMAs of @as mapping @f. */
static uint64_t fw_file_vmas(const struct aspace *as,
			     const struct aspace_file *f)
{
	struct { const struct aspace_file *f; uint64_t n; } c = { f, 0 };

	aspace_for_each_vma(as, 0, UINT64_MAX, fw_count_file, &c);
	return c.n;
}

static char *fw_snapshot(const struct aspace *as)
{
	const char *m = fx_maps(as, ASPACE_MAPS_SMAPS);
	const char *c = fx_counters(as);
	char *s = malloc(strlen(m) + strlen(c) + 2);

	if (!s)
		abort();
	strcpy(s, m);
	strcat(s, c);
	return s;
}

TEST(fork_walk_survives_every_oom)
{
	for (long k = 0;; k++) {
		struct aspace_file *f0, *f1;
		struct aspace *as = fw_big(&f0, &f1), *ch = NULL;
		char *before = fw_snapshot(as), *after;
		uint64_t r0 = f0->refs, r1 = f1->refs;
		int err;

		oom_fail_nth(k);
		err = aspace_fork(as, &ch);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			ASSERT_EQ(aspace_validate(ch), 0);
			ASSERT_EQ(fw_child_matches(as, ch), 0);
			ASSERT_EQ(f0->refs, r0 + fw_file_vmas(ch, f0));
			ASSERT_EQ(f1->refs, r1 + fw_file_vmas(ch, f1));
			ASSERT_TRUE(fw_file_vmas(ch, f0) > 40);
			ASSERT_TRUE(k > 150);
			aspace_free(ch);
			ASSERT_EQ(f0->refs, r0);
			ASSERT_EQ(f1->refs, r1);
			free(before);
			aspace_free(as);
			aspace_file_put(f0);
			aspace_file_put(f1);
			return PASS;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_TRUE(aspace_last_oom(as));
		ASSERT_TRUE(ch == NULL);
		ASSERT_EQ(f0->refs, r0);
		ASSERT_EQ(f1->refs, r1);
		after = fw_snapshot(as);
		ASSERT_STR_EQ(after, before);
		ASSERT_EQ(aspace_validate(as), 0);
		free(after);
		free(before);
		aspace_free(as);
		aspace_file_put(f0);
		aspace_file_put(f1);
	}
}
