/*
 * merge_new_test.c - spec/02 §9 scenarios 1-19, 24-26, 50-54 that the
 * core calls can build (mmap, munmap, mprotect, brk, touch, insert_vma).
 * Pages are relative to B; "/aN" is anon_vma id N (fx_layout()).
 */
#include <errno.h>
#include <stdlib.h>

#include "fixture.h"

#define RW   (PROT_READ | PROT_WRITE)
#define RO   PROT_READ

static struct aspace_file *fx_file(const char *path, uint64_t ino,
				   unsigned fl)
{
	struct aspace_file_desc d = {
		.path = path, .size = PG(64), .dev_major = 0xfe,
		.inode = ino, .flags = fl, .kind = ASPACE_FILE_REGULAR,
	};

	return aspace_file_open(&d);
}

static int fx_mapf(struct aspace *as, uint64_t p, uint64_t n, int prot,
		   int type, struct aspace_file *f, uint64_t fpage)
{
	uint64_t out;

	return aspace_mmap(as, AT(p), PG(n), prot, type | MAP_FIXED, f,
			   PG(fpage), &out);
}

/*
 *  page    0 1 2 3 4 5 6 7
 *  before  A A A A . . . .
 *  mmap [4,8) rw
 *  after   A A A A A A A A	one VMA
 */
TEST(test_merge_s01_append)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 *  before  . . . . A A A A
 *  mmap [0,4)
 *  after   A A A A A A A A	pgoff = B/4096 (next grows down)
 */
TEST(test_merge_s02_prepend)
{
	struct aspace *as = fx_new();
	struct aspace_vma_info vi;

	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p");
	ASSERT_EQ(aspace_vma_at(as, AT(0), &vi), 0);
	ASSERT_EQ(vi.pgoff, FX_B / 4096);
	aspace_free(as);
	return PASS;
}

/*
 *  before  A A A A . . . . C C C C
 *  mmap [4,8)
 *  after   A A A A A A A A A A A A	map_count 1
 */
TEST(test_merge_s03_fill_hole_unfaulted)
{
	struct aspace *as = fx_new();
	struct aspace_stats st;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p");
	aspace_stats(as, &st);
	ASSERT_EQ(st.peak_map_count, 2);
	aspace_free(as);
	return PASS;
}

/* before: [0,4) a1, [8,12) -; mmap [4,8) -> [0,12) a1 */
TEST(test_merge_s04_fill_hole_prev_faulted)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p/a1");
	aspace_free(as);
	return PASS;
}

/* before: [0,4) -, [8,12) a1; mmap [4,8) -> [0,12) a1 (next removed) */
TEST(test_merge_s05_fill_hole_next_faulted)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(8), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p/a1");
	aspace_free(as);
	return PASS;
}

/*
 *  before  a1 a1 a1 a1 .  .  .  .  a2 a2 a2 a2
 *  mmap [4,8): prev and next have different anon_vmas (rule 10)
 *  after   [0,8) a1, [8,12) a2
 */
TEST(test_merge_s06_fill_hole_different_anon)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(aspace_touch(as, AT(8), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p/a1 | 8-12:rw-p/a2");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s07_map_stack_not_merged)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, MAP_STACK), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | "
			"4-8:rw-p rd wr mr mw me ac nh");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s08_noreserve_not_merged)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, MAP_NORESERVE), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | "
			"4-8:rw-p rd wr mr mw me nr");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s09_locked_not_merged)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, MAP_LOCKED), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | "
			"4-8:rw-p/a1 rd wr mr mw me lo ac");
	/* mlock([0,4)) populates (a1 is reused from the right neighbour)
	 * and merges through entry point B */
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(4)), 0);
	ASSERT_LAYOUT_F(as, "0-8:rw-p/a1 rd wr mr mw me lo ac");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s10_shared_anon_never_merge)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, AT(0), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(aspace_mmap(as, AT(4), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-s rd wr sh mr mw me ms | "
			"4-8:rw-s rd wr sh mr mw me ms");
	ASSERT_STR_EQ(fx_maps(as, 0),
		      "200000000000-200000004000 rw-s 00000000 00:01 1"
		      "                          /dev/zero (deleted)\n"
		      "200000004000-200000008000 rw-s 00000000 00:01 2"
		      "                          /dev/zero (deleted)\n");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s11_prot_none_merge)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, PROT_NONE, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, PROT_NONE, 0), 0);
	ASSERT_LAYOUT_F(as, "0-8:---p mr mw me");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s12_file_contiguous)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = fx_file("/f", 12, ASPACE_O_READ);

	ASSERT_EQ(fx_mapf(as, 0, 2, RO, MAP_PRIVATE, f, 0), 0);
	ASSERT_EQ(fx_mapf(as, 2, 2, RO, MAP_PRIVATE, f, 2), 0);
	ASSERT_LAYOUT(as, "0-4:r--p");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s13_file_offset_gap)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = fx_file("/f", 12, ASPACE_O_READ);

	ASSERT_EQ(fx_mapf(as, 0, 2, RO, MAP_PRIVATE, f, 0), 0);
	ASSERT_EQ(fx_mapf(as, 2, 2, RO, MAP_PRIVATE, f, 3), 0);
	ASSERT_LAYOUT(as, "0-2:r--p | 2-4:r--p");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s14_private_then_shared)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = fx_file("/f", 12, ASPACE_O_READ | ASPACE_O_WRITE);

	ASSERT_EQ(fx_mapf(as, 0, 2, RO, MAP_PRIVATE, f, 0), 0);
	ASSERT_EQ(fx_mapf(as, 2, 2, RO, MAP_SHARED, f, 2), 0);
	ASSERT_LAYOUT_F(as, "0-2:r--p rd mr mw me | 2-4:r--s rd sh mr mw me ms");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s15_two_opens_same_inode)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = fx_file("/f", 12, ASPACE_O_READ);
	struct aspace_file *g = fx_file("/f", 12, ASPACE_O_READ);

	ASSERT_EQ(fx_mapf(as, 0, 2, RO, MAP_PRIVATE, f, 0), 0);
	ASSERT_EQ(fx_mapf(as, 2, 2, RO, MAP_PRIVATE, g, 2), 0);
	ASSERT_LAYOUT(as, "0-2:r--p | 2-4:r--p");
	aspace_file_put(f);
	aspace_file_put(g);
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s16_anon_then_file)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = fx_file("/f", 12, ASPACE_O_READ);

	ASSERT_EQ(fx_map(as, 0, 2, RO, 0), 0);
	ASSERT_EQ(fx_mapf(as, 2, 2, RO, MAP_PRIVATE, f, 0), 0);
	ASSERT_LAYOUT(as, "0-2:r--p | 2-4:r--p");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/*
 *  before  A A A A A A A A A A A A	(unfaulted, then faulted a1)
 *  MAP_FIXED [4,8) identical
 *  after   one VMA [0,12)
 */
TEST(test_merge_s17_fixed_over_middle)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p");
	ASSERT_EQ(aspace_touch(as, AT(0), PG(12), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p/a1");
	aspace_free(as);
	return PASS;
}

TEST(test_merge_s18_unmap_and_remap)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(aspace_munmap(as, AT(4), PG(4)), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p | 8-12:rw-p");
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p");
	aspace_free(as);
	return PASS;
}

/* [0,8) rw gu (guard installed) -> mmap [8,12) rw -> [0,12) gu */
TEST(test_merge_s19_sticky_guard_new_range)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc d = {
		.start = AT(0), .end = AT(8), .pgoff = AT(0) >> 12,
		.flags = ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_MAYREAD |
			 ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC |
			 ASPACE_VM_ACCOUNT | ASPACE_VM_MAYBE_GUARD,
	};

	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_LAYOUT_F(as, "0-12:rw-p rd wr mr mw me gu ac");
	aspace_free(as);
	return PASS;
}

/* 6.18.0 (no sticky flags): the same request does not merge. */
TEST(test_merge_s19b_no_maybe_guard_config)
{
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_vma_desc d = {
		.start = AT(0), .end = AT(8), .pgoff = AT(0) >> 12,
		.flags = ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_MAYREAD |
			 ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC |
			 ASPACE_VM_ACCOUNT | ASPACE_VM_MAYBE_GUARD,
	};

	aspace_config_init(&cfg);
	cfg.maybe_guard = false;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p | 8-12:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 * [0,4) rw and [4,8) rwx; fault page 0 then page 4: the second fault
 * reuses a1 (flags differ only in EXEC); mprotect [4,8) rw -> one VMA.
 */
TEST(test_merge_s24_anon_reuse_at_fault)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW | PROT_EXEC, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), 1, ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(aspace_touch(as, AT(4), 1, ASPACE_TOUCH_WRITE), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p/a1 | 4-8:rwxp/a1");
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p/a1");
	aspace_free(as);
	return PASS;
}

static struct aspace *fx_heap(uint64_t start_page)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.start_brk = cfg.brk = AT(start_page);
	return aspace_new(&cfg);
}

/* brk then an anonymous MAP_FIXED at PAGE_ALIGN(brk) merges into [heap] */
TEST(test_merge_s25_map_at_heap_end)
{
	struct aspace *as = fx_heap(0);
	uint64_t b;

	ASSERT_EQ(aspace_brk(as, AT(2) + 100, &b), 0);
	ASSERT_EQ(b, AT(2) + 100);
	ASSERT_EQ(fx_map(as, 3, 2, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-5:rw-p");
	ASSERT_STR_EQ(fx_maps(as, 0),
		      "200000000000-200000005000 rw-p 00000000 00:00 0"
		      "                          [heap]\n");
	aspace_free(as);
	return PASS;
}

/* bss ends exactly at start_brk: the first brk makes a separate [heap] */
TEST(test_merge_s26_bss_not_merged_with_heap)
{
	struct aspace *as = fx_heap(4);
	uint64_t b;
	struct aspace_vma_desc d = {
		.start = AT(2), .end = AT(4), .pgoff = AT(2) >> 12,
		.flags = ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_MAYREAD |
			 ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC |
			 ASPACE_VM_ACCOUNT,
	};

	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(aspace_brk(as, AT(5), &b), 0);
	ASSERT_EQ(b, AT(5));
	ASSERT_LAYOUT(as, "2-4:rw-p | 4-5:rw-p");
	/* the heap itself does expand */
	ASSERT_EQ(aspace_brk(as, AT(7), &b), 0);
	ASSERT_LAYOUT(as, "2-4:rw-p | 4-7:rw-p");
	aspace_free(as);
	return PASS;
}

static struct aspace_vma_desc fx_desc(uint64_t p, uint64_t n, uint64_t flags,
				      enum aspace_vma_kind kind)
{
	struct aspace_vma_desc d = {
		.start = AT(p), .end = AT(p + n), .pgoff = AT(p) >> 12,
		.flags = flags | ASPACE_VM_MAYREAD | ASPACE_VM_MAYWRITE |
			 ASPACE_VM_MAYEXEC,
		.kind = kind,
	};

	return d;
}

/* VM_SPECIAL requests never merge (rule 1), even with equal neighbours. */
TEST(test_merge_s50_special_never_merges)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc a = fx_desc(0, 4, ASPACE_VM_READ | ASPACE_VM_IO,
					   ASPACE_VMA_NORMAL);
	struct aspace_vma_desc b = fx_desc(4, 4, ASPACE_VM_READ |
					   ASPACE_VM_WRITE | ASPACE_VM_IO,
					   ASPACE_VMA_NORMAL);

	ASSERT_EQ(aspace_insert_vma(as, &a), 0);
	ASSERT_EQ(aspace_insert_vma(as, &b), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_LAYOUT(as, "0-4:r--p | 4-8:r--p");
	aspace_free(as);
	return PASS;
}

/*
 *  before  P P P P . . . . N N N N	N has a close hook
 *  mmap [4,8)
 *  after   P P P P P P P P N N N N	merged left only; N survives
 */
TEST(test_merge_s51_next_close_hook_left_only)
{
	struct aspace *as = fx_new();
	uint64_t rw = ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_ACCOUNT;
	struct aspace_vma_desc p = fx_desc(0, 4, rw, ASPACE_VMA_NORMAL);
	struct aspace_vma_desc n = fx_desc(8, 4, rw, ASPACE_VMA_DRIVER_CLOSE);

	ASSERT_EQ(aspace_insert_vma(as, &p), 0);
	ASSERT_EQ(aspace_insert_vma(as, &n), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p | 8-12:rw-p");
	aspace_free(as);
	return PASS;
}

/* Modifying all of a close-hook VMA never merges; a partial piece may. */
TEST(test_merge_s52_middle_close_hook)
{
	struct aspace *as = fx_new();
	uint64_t rw = ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_ACCOUNT;
	struct aspace_vma_desc p = fx_desc(0, 4, rw, ASPACE_VMA_NORMAL);
	struct aspace_vma_desc m = fx_desc(4, 4, ASPACE_VM_READ,
					   ASPACE_VMA_DRIVER_CLOSE);
	struct aspace_vma_desc n = fx_desc(8, 4, rw, ASPACE_VMA_NORMAL);

	ASSERT_EQ(aspace_insert_vma(as, &p), 0);
	ASSERT_EQ(aspace_insert_vma(as, &m), 0);
	ASSERT_EQ(aspace_insert_vma(as, &n), 0);
	/* gaining write charges and sets VM_ACCOUNT: equal to neighbours */
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p | 4-8:rw-p | 8-12:rw-p");
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(2), RW), 0);
	ASSERT_LAYOUT(as, "0-6:rw-p | 6-8:r--p | 8-12:rw-p");
	aspace_free(as);
	return PASS;
}

/* Soft-dirty differences never block a merge. */
TEST(test_merge_s53_softdirty_ignored)
{
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_vma_desc p = fx_desc(0, 4, ASPACE_VM_READ |
					   ASPACE_VM_WRITE | ASPACE_VM_ACCOUNT,
					   ASPACE_VMA_NORMAL);

	aspace_config_init(&cfg);
	cfg.soft_dirty = true;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(aspace_insert_vma(as, &p), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT_F(as, "0-8:rw-p rd wr mr mw me ac sd");
	aspace_free(as);
	return PASS;
}

/* Equal names merge; different names and named vs unnamed do not. */
TEST(test_merge_s54_anon_names)
{
	struct aspace *as = fx_new();
	uint64_t rw = ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_ACCOUNT;
	struct aspace_vma_desc a = fx_desc(0, 4, rw, ASPACE_VMA_NORMAL);
	struct aspace_vma_desc b = fx_desc(4, 4, ASPACE_VM_READ,
					   ASPACE_VMA_NORMAL);
	struct aspace_vma_desc c = fx_desc(8, 4, ASPACE_VM_READ,
					   ASPACE_VMA_NORMAL);

	a.anon_name = "x";
	b.anon_name = "x";
	c.anon_name = "y";
	ASSERT_EQ(aspace_insert_vma(as, &a), 0);
	ASSERT_EQ(aspace_insert_vma(as, &b), 0);
	ASSERT_EQ(aspace_insert_vma(as, &c), 0);
	ASSERT_EQ(fx_map(as, 12, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(8), RW), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p | 8-12:rw-p | 12-16:rw-p");
	ASSERT_STR_EQ(fx_maps(as, 0),
		      "200000000000-200000008000 rw-p 00000000 00:00 0"
		      "                          [anon:x]\n"
		      "200000008000-20000000c000 rw-p 00000000 00:00 0"
		      "                          [anon:y]\n"
		      "20000000c000-200000010000 rw-p 00000000 00:00 0 \n");
	aspace_free(as);
	return PASS;
}
