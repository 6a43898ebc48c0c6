/*
 * test_core_sweep.c - the allocation-failure sweep over the core calls
 * (mmap, munmap, brk, mprotect, pkey_mprotect, touch, insert_vma): for
 * every call of the corpus and every k, the k-th allocation fails; the
 * call must return -ENOMEM (brk: -ENOMEM with the old break in *out) with
 * aspace_last_oom() true, leave the smaps-style maps text and every
 * counter byte-identical and aspace_validate() passing.  When k is never
 * reached the call's normal result (taken without injection) is checked,
 * and also that the layout equals the uninjected run's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../harness.h"
#include "oom.h"
#include "../unit/vma/fixture.h"
#include "vma/vma.h"

#define RW (PROT_READ | PROT_WRITE)

static struct aspace_file *sweep_file(void);

/*
 *  page  0       8    12   14      20  22     26   30       60 62 64 66
 *        A(rw)   B(r) .    C(rw,a) .   D(lo)  .    H(heap)  E  F  G
 * (E, G r; F rw) plus a GROWSDOWN stack at 200, a file mapping at 100 and
 * a guard page at 5.
 */
static struct aspace *sweep_fixture(void)
{
	struct aspace_config cfg;
	struct aspace_file_desc d = { .path = "/lib/x.so", .size = PG(64),
				      .dev_major = 8, .inode = 5,
				      .flags = ASPACE_O_READ | ASPACE_O_WRITE };
	struct aspace_file *f;
	struct aspace *as;
	uint64_t out;

	aspace_config_init(&cfg);
	cfg.provenance = true;
	cfg.start_brk = cfg.brk = AT(30);
	as = aspace_new(&cfg);
	f = aspace_file_open(&d);
	if (!as || !f)
		abort();
	if (fx_map(as, 0, 8, RW, 0) || fx_map(as, 8, 4, PROT_READ, 0) ||
	    fx_map(as, 14, 6, RW, 0) || fx_map(as, 22, 4, RW, MAP_LOCKED) ||
	    fx_map(as, 200, 4, RW, MAP_GROWSDOWN) ||
	    aspace_mmap(as, AT(100), PG(8), PROT_READ, MAP_PRIVATE | MAP_FIXED,
			f, 0, &out) ||
	    aspace_brk(as, AT(34), &out) ||
	    fx_map(as, 60, 2, PROT_READ, 0) || fx_map(as, 62, 2, RW, 0) ||
	    fx_map(as, 64, 2, PROT_READ, 0))
		abort();
	if (aspace_touch(as, AT(14), PG(2), ASPACE_TOUCH_WRITE))
		abort();
	/* a guard page at 5 (as MADV_GUARD_INSTALL leaves it) */
	if (vma_guard_reserve(as, 1))
		abort();
	vma_guard_install(as, AT(5), AT(6));
	as_unreserve(as);
	aspace_file_put(f);
	sweep_file();
	return as;
}

/*
 * The same layout with the VMA pool drained: filler VMAs inserted until
 * the live count is a multiple of the pool chunk (63), so every VMA the
 * call creates needs a fresh chunk from the allocator.
 */
static bool sweep_drained;

static struct aspace *sweep_fixture_drained(void)
{
	struct aspace *as = sweep_fixture();
	struct aspace_counters c;
	uint64_t p = 1000;

	for (;;) {
		struct aspace_vma_desc d = {
			.start = AT(p), .end = AT(p + 1), .pgoff = AT(p) >> 12,
			.flags = ASPACE_VM_READ | ASPACE_VM_MAYREAD,
		};

		aspace_counters(as, &c);
		if (c.map_count % 63 == 0)
			break;
		if (aspace_insert_vma(as, &d))
			abort();
		p += 2;
	}
	return as;
}

static struct aspace *sweep_new(void)
{
	return sweep_drained ? sweep_fixture_drained() : sweep_fixture();
}

typedef int (*call_fn)(struct aspace *as);

/* A file description opened before any injection (the caller's fd). */
static struct aspace_file *sweep_f;

static struct aspace_file *sweep_file(void)
{
	struct aspace_file_desc d = { .path = "/data", .size = PG(64),
				      .dev_major = 8, .inode = 9,
				      .flags = ASPACE_O_READ | ASPACE_O_WRITE };

	if (!sweep_f)
		sweep_f = aspace_file_open(&d);
	if (!sweep_f)
		abort();
	return sweep_f;
}

static int c_mmap_anon(struct aspace *as)
{ uint64_t o; return aspace_mmap(as, 0, PG(3), RW, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &o); }
static int c_mmap_fixed_over_three(struct aspace *as)
{ return fx_map(as, 4, 12, PROT_READ, 0); }
static int c_mmap_fixed_inside(struct aspace *as)
{ return fx_map(as, 2, 2, PROT_READ, 0); }
static int c_mmap_append(struct aspace *as)
{ return fx_map(as, 12, 2, PROT_READ, 0); }
static int c_mmap_fill_hole(struct aspace *as)
{ return fx_map(as, 20, 2, RW, 0); }
static int c_mmap_prepend(struct aspace *as)
{ return fx_map(as, 196, 4, RW, MAP_GROWSDOWN); }
static int c_mmap_shared_anon(struct aspace *as)
{ uint64_t o; return aspace_mmap(as, AT(40), PG(2), RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &o); }
static int c_mmap_file_shared(struct aspace *as)
{
	uint64_t o;

	return aspace_mmap(as, AT(4), PG(4), RW, MAP_SHARED | MAP_FIXED,
			   sweep_file(), 0, &o);
}
static int c_mmap_hugetlb(struct aspace *as)
{ uint64_t o; return aspace_mmap(as, 0, PG(1), RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE, NULL, 0, &o); }
static int c_mmap_populate(struct aspace *as)
{ return fx_map(as, 42, 3, RW, MAP_POPULATE); }
static int c_munmap_middle(struct aspace *as)
{ return aspace_munmap(as, AT(2), PG(2)); }
static int c_munmap_many(struct aspace *as)
{ return aspace_munmap(as, AT(4), PG(20)); }
static int c_mprotect_inside(struct aspace *as)
{ return aspace_mprotect(as, AT(2), PG(2), PROT_READ); }
static int c_mprotect_over_hole(struct aspace *as)
{ return aspace_mprotect(as, AT(6), PG(10), PROT_NONE); }
static int c_mprotect_case_c(struct aspace *as)
{ return aspace_mprotect(as, AT(8), PG(2), RW); }
static int c_mprotect_case_e(struct aspace *as)
{ return aspace_mprotect(as, AT(6), PG(2), PROT_READ); }
static int c_mprotect_case_b(struct aspace *as)
{ return aspace_mprotect(as, AT(8), PG(4), RW); }
static int c_mprotect_case_a(struct aspace *as)
{ return aspace_mprotect(as, AT(62), PG(2), PROT_READ); }
static int c_pkey_mprotect_exec(struct aspace *as)
{ return aspace_pkey_mprotect(as, AT(0), PG(4), PROT_EXEC, -1); }
static int c_brk_grow(struct aspace *as)
{ uint64_t o; int e = aspace_brk(as, AT(40) + 5, &o); return e ? e : (o == AT(40) + 5 ? 0 : -1); }
static int c_brk_shrink(struct aspace *as)
{ uint64_t o; int e = aspace_brk(as, AT(31), &o); return e ? e : (o == AT(31) ? 0 : -1); }
static int c_touch_stack(struct aspace *as)
{ return aspace_touch(as, AT(196), PG(8), ASPACE_TOUCH_WRITE); }
static int c_touch_write(struct aspace *as)
{ return aspace_touch(as, AT(0), PG(12), ASPACE_TOUCH_WRITE); }
static int c_insert_named(struct aspace *as)
{
	struct aspace_vma_desc d = {
		.start = AT(50), .end = AT(52), .pgoff = AT(50) >> 12,
		.flags = ASPACE_VM_READ | ASPACE_VM_MAYREAD, .anon_name = "nm",
	};

	return aspace_insert_vma(as, &d);
}

static const struct { const char *name; call_fn fn; } corpus[] = {
	{ "mmap_anon", c_mmap_anon },
	{ "mmap_fixed_over_three", c_mmap_fixed_over_three },
	{ "mmap_fixed_inside", c_mmap_fixed_inside },
	{ "mmap_append", c_mmap_append },
	{ "mmap_fill_hole", c_mmap_fill_hole },
	{ "mmap_prepend", c_mmap_prepend },
	{ "mmap_shared_anon", c_mmap_shared_anon },
	{ "mmap_file_shared", c_mmap_file_shared },
	{ "mmap_hugetlb", c_mmap_hugetlb },
	{ "mmap_populate", c_mmap_populate },
	{ "munmap_middle", c_munmap_middle },
	{ "munmap_many", c_munmap_many },
	{ "mprotect_inside", c_mprotect_inside },
	{ "mprotect_over_hole", c_mprotect_over_hole },
	{ "mprotect_case_c", c_mprotect_case_c },
	{ "mprotect_case_e", c_mprotect_case_e },
	{ "mprotect_case_b", c_mprotect_case_b },
	{ "mprotect_case_a", c_mprotect_case_a },
	{ "pkey_mprotect_exec", c_pkey_mprotect_exec },
	{ "brk_grow", c_brk_grow },
	{ "brk_shrink", c_brk_shrink },
	{ "touch_stack", c_touch_stack },
	{ "touch_write", c_touch_write },
	{ "insert_named", c_insert_named },
};

static char *snapshot(struct aspace *as)
{
	char *m = aspace_maps(as, ASPACE_MAPS_SMAPS);
	const char *c = fx_counters(as);
	size_t n = strlen(m) + strlen(c) + 4;
	char *s = malloc(n);

	if (!s)
		abort();
	snprintf(s, n, "%s%s%s\n", m, c, vma_guarded(as, AT(5)) ? " g" : "");
	aspace_free_text(m);
	return s;
}

static long sweep_fired;     /* injected failures seen, over the corpus */

static int sweep_one(int i)
{
	struct aspace *as = sweep_new();
	char *want;
	int want_err, k;

	want_err = corpus[i].fn(as);
	want = snapshot(as);
	aspace_free(as);
	for (k = 0;; k++) {
		char *before, *after;
		int err;

		as = sweep_new();
		before = snapshot(as);
		oom_fail_nth(k);
		err = corpus[i].fn(as);
		oom_disarm();
		after = snapshot(as);
		if (!oom_fired()) {
			if (err != want_err || strcmp(after, want))
				FAILF("%s: uninjected run differs (%d vs %d)",
				      corpus[i].name, err, want_err);
			ASSERT_EQ(aspace_validate(as), 0);
			free(before);
			free(after);
			aspace_free(as);
			break;
		}
		sweep_fired++;
		if (err != -ENOMEM || !aspace_last_oom(as))
			FAILF("%s, k=%d: err %d, last_oom %d", corpus[i].name,
			      k, err, aspace_last_oom(as));
		if (strcmp(before, after))
			FAILF("%s, k=%d: changed\n--- before\n%s--- after\n%s",
			      corpus[i].name, k, before, after);
		ASSERT_EQ(aspace_validate(as), 0);
		free(before);
		free(after);
		aspace_free(as);
	}
	free(want);
	return PASS;
}

TEST(test_oom_core_sweep)
{
	size_t i;

	sweep_fired = 0;
	for (sweep_drained = false;; sweep_drained = true) {
		for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
			CHECK(sweep_one((int)i));
		if (sweep_drained)
			break;
	}
	/* the fixture's pools are warm, so most calls allocate little, but
	 * every call that creates VMAs, names or files must have been hit */
	if (sweep_fired < 30)
		FAILF("only %ld injected failures over the corpus", sweep_fired);
	return PASS;
}

/* brk reports our allocator's failure with the old break in *out */
TEST(test_oom_core_brk_out)
{
	struct aspace *as = sweep_fixture();
	uint64_t o = 0;
	int err;

	oom_fail_nth(0);
	err = aspace_brk(as, AT(60), &o);
	oom_disarm();
	if (oom_fired()) {
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_EQ(o, AT(34));
		ASSERT_TRUE(aspace_last_oom(as));
	}
	aspace_free(as);
	return PASS;
}
