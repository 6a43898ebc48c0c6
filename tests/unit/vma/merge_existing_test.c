/*
 * merge_existing_test.c - spec/02 §9 scenarios 28-39, 45, 46, 48, 49
 * (entry point B through mprotect, brk and touch).  Mappings are private
 * anonymous MAP_FIXED; "/aN" is anon_vma id N.
 */
#include <errno.h>

#include "fixture.h"

#define RW   (PROT_READ | PROT_WRITE)
#define RO   PROT_READ
#define NR   MAP_NORESERVE
#define WR   ASPACE_TOUCH_WRITE

/*
 *  page    0 1 2 3 4 5 6 7 8 9 10 11
 *  before  A A A A A A A A A A A  A
 *  mprotect [4,8) r:  three VMAs; back to rw: one
 */
TEST(test_merge_s28_split_and_rejoin)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | 4-8:r--p rd mr mw me"
			" | 8-12:rw-p rd wr mr mw me ac");
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 *  before  r r r r w w w w w w w w
 *  mprotect [4,6) r           (c): prev grows, middle shrinks
 *  after   r r r r r r w w w w w w
 */
TEST(test_merge_s29_case_c_left_partial)
{
	struct aspace *as = fx_new();
	struct aspace_vma_info vi;

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 8, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(2), RO), 0);
	ASSERT_LAYOUT(as, "0-6:r--p | 6-12:rw-p");
	ASSERT_EQ(aspace_vma_at(as, AT(6), &vi), 0);
	ASSERT_EQ(vi.pgoff, AT(6) >> 12);
	aspace_free(as);
	return PASS;
}

/*
 *  before  w w w w w w w w r r r r
 *  mprotect [6,8) r           (e): middle shrinks, next grows down
 *  after   w w w w w w r r r r r r
 */
TEST(test_merge_s30_case_e_right_partial)
{
	struct aspace *as = fx_new();
	struct aspace_vma_info vi;

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(6), PG(2), RO), 0);
	ASSERT_LAYOUT(as, "0-6:rw-p | 6-12:r--p");
	ASSERT_EQ(aspace_vma_at(as, AT(6), &vi), 0);
	ASSERT_EQ(vi.pgoff, AT(6) >> 12);
	aspace_free(as);
	return PASS;
}

/* (a) both: [0,4) r, [4,8) rw, [8,12) r -> mprotect [4,8) r -> one */
TEST(test_merge_s31_case_a_both)
{
	struct aspace *as = fx_new();
	struct aspace_stats st;

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_LAYOUT(as, "0-12:r--p");
	aspace_stats(as, &st);
	ASSERT_EQ(st.vmas_created - st.vmas_freed, 1);
	aspace_free(as);
	return PASS;
}

/* (b) target without anon, middle faulted: [0,5) r -, [5,10) rw a1 */
TEST(test_merge_s32_unfaulted_left_takes_anon)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 10, RW, NR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(5), RO), 0);
	ASSERT_EQ(aspace_touch(as, AT(5), PG(5), WR), 0);
	ASSERT_LAYOUT(as, "0-5:r--p | 5-10:rw-p/a1");
	ASSERT_EQ(aspace_mprotect(as, AT(5), PG(5), RO), 0);
	ASSERT_LAYOUT(as, "0-10:r--p/a1");
	aspace_free(as);
	return PASS;
}

/* (d) mirror: [0,5) rw a1, [5,10) r - -> mprotect [0,5) r -> one */
TEST(test_merge_s33_unfaulted_right_takes_anon)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 10, RW, NR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(5), PG(5), RO), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(5), WR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(5), RO), 0);
	ASSERT_LAYOUT(as, "0-10:r--p/a1");
	aspace_free(as);
	return PASS;
}

/* both sides unfaulted: [0,3) r -, [3,6) rw a1, [6,9) r - -> one */
TEST(test_merge_s34_unfaulted_both)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 9, RO, NR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(3), PG(3), RW), 0);
	ASSERT_EQ(aspace_touch(as, AT(3), PG(3), WR), 0);
	ASSERT_LAYOUT(as, "0-3:r--p | 3-6:rw-p/a1 | 6-9:r--p");
	ASSERT_EQ(aspace_mprotect(as, AT(3), PG(3), RO), 0);
	ASSERT_LAYOUT(as, "0-9:r--p/a1");
	aspace_free(as);
	return PASS;
}

/*
 *  before  a1 a1 a1 .. .. .. a2 a2 a2     (middle r, unfaulted)
 *  mprotect [3,6) rw: prev and next anon differ (rule 10) -> left only
 *  after   [0,6) a1, [6,9) a2
 */
TEST(test_merge_s35_prev_next_different_anon)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 9, RW, NR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(3), PG(3), RO), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), WR), 0);
	ASSERT_EQ(aspace_touch(as, AT(6), PG(1), WR), 0);
	ASSERT_LAYOUT(as, "0-3:rw-p/a1 | 3-6:r--p | 6-9:rw-p/a2");
	ASSERT_EQ(aspace_mprotect(as, AT(3), PG(3), RW), 0);
	ASSERT_LAYOUT(as, "0-6:rw-p/a1 | 6-9:rw-p/a2");
	aspace_free(as);
	return PASS;
}

/* (e) with anon transfer: [0,8) rw a1, [8,12) r - -> mprotect [6,8) r */
TEST(test_merge_s36_right_partial_anon_transfer)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, NR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(8), PG(4), RO), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), WR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(6), PG(2), RO), 0);
	ASSERT_LAYOUT(as, "0-6:rw-p/a1 | 6-12:r--p/a1");
	aspace_free(as);
	return PASS;
}

/* strictly inside never merges: [0,4) r, [4,12) rw -> mprotect [6,8) r */
TEST(test_merge_s37_strictly_inside_never_merges)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 8, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(6), PG(2), RO), 0);
	ASSERT_LAYOUT(as, "0-4:r--p | 4-6:rw-p | 6-8:r--p | 8-12:rw-p");
	aspace_free(as);
	return PASS;
}

/* a range over three VMAs: [0,4) r, [4,8) rw, [8,12) rx -> [2,10) rw */
TEST(test_merge_s38_range_over_three)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RO | PROT_EXEC, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(2), PG(8), RW), 0);
	ASSERT_LAYOUT(as, "0-2:r--p | 2-10:rw-p | 10-12:r-xp");
	aspace_free(as);
	return PASS;
}

/* VM_ACCOUNT drop: the unfaulted piece loses ac and merges; faulted not */
TEST(test_merge_s39_account_drop)
{
	struct aspace *as = fx_new();
	struct aspace_counters c;

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.committed, 4);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_LAYOUT_F(as, "0-8:r--p rd mr mw me");
	aspace_counters(as, &c);
	ASSERT_EQ(c.committed, 0);
	aspace_free(as);

	as = fx_new();
	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(4), PG(1), WR), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_LAYOUT_F(as, "0-4:r--p rd mr mw me | 4-8:r--p/a1 rd mr mw me ac");
	aspace_free(as);
	return PASS;
}

static struct aspace *fx_small(int max)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.max_map_count = max;
	return aspace_new(&cfg);
}

/* Fill to @n VMAs with single pages that cannot merge (alternate prot). */
static void fx_fill(struct aspace *as, uint64_t from, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fx_map(as, from + 2 * (uint64_t)i, 1, i & 1 ? RO : RW, 0);
}

/*
 * At map_count == max - 1, mprotect one page strictly inside a VMA:
 * ENOMEM, map_count == max, the first split kept, no protection changed.
 */
TEST(test_merge_s45_partial_split_on_failure)
{
	struct aspace *as = fx_small(10);
	struct aspace_counters c;

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	fx_fill(as, 100, 8);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 9);
	ASSERT_EQ(aspace_mprotect(as, AT(2), PG(1), RO), -ENOMEM);
	ASSERT_EQ(aspace_last_oom(as), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 10);
	ASSERT_EQ(aspace_validate(as), 0);
	ASSERT_TRUE(!strncmp(fx_layout(as, 0), "0-2:rw-p | 2-8:rw-p", 19));
	aspace_free(as);
	return PASS;
}

/* At map_count == max, mprotect the first page to match prev (case c). */
TEST(test_merge_s46_merge_at_limit)
{
	struct aspace *as = fx_small(10);
	struct aspace_counters c;

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	fx_fill(as, 100, 8);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 10);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(1), RO), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 10);
	ASSERT_TRUE(!strncmp(fx_layout(as, 0), "0-5:r--p | 5-8:rw-p", 19));
	/* the head page of a VMA (one split) at max: ENOMEM */
	ASSERT_EQ(aspace_mprotect(as, AT(5), PG(1), PROT_NONE), -ENOMEM);
	aspace_free(as);
	return PASS;
}

/* sticky gu on modify, whichever side had it */
TEST(test_merge_s48_sticky_guard_on_modify)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc d = {
		.start = AT(4), .end = AT(8), .pgoff = AT(4) >> 12,
		.flags = ASPACE_VM_READ | ASPACE_VM_MAYREAD |
			 ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC |
			 ASPACE_VM_MAYBE_GUARD,
	};

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);
	ASSERT_LAYOUT_F(as, "0-8:rw-p rd wr mr mw me gu ac");
	aspace_free(as);

	as = fx_new();
	d.start = AT(0);
	d.end = AT(4);
	d.pgoff = AT(0) >> 12;
	d.flags |= ASPACE_VM_WRITE | ASPACE_VM_ACCOUNT;
	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RO, 0), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p | 4-8:r--p");
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);
	ASSERT_LAYOUT_F(as, "0-8:rw-p rd wr mr mw me gu ac");
	aspace_free(as);
	return PASS;
}

/*
 * heap [h, h+4), mprotect page 3 r, brk to h+6:
 *   [h,h+3) rw, [h+3,h+4) r, [h+4,h+6) rw, all [heap]
 */
TEST(test_merge_s49_heap_readonly_page)
{
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t b;

	aspace_config_init(&cfg);
	cfg.start_brk = cfg.brk = AT(0);
	as = aspace_new(&cfg);
	ASSERT_EQ(aspace_brk(as, AT(4), &b), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(3), PG(1), RO), 0);
	ASSERT_EQ(aspace_brk(as, AT(6), &b), 0);
	ASSERT_EQ(b, AT(6));
	ASSERT_LAYOUT(as, "0-3:rw-p | 3-4:r--p | 4-6:rw-p");
	ASSERT_STR_EQ(fx_maps(as, 0),
		      "200000000000-200000003000 rw-p 00000000 00:00 0"
		      "                          [heap]\n"
		      "200000003000-200000004000 r--p 00000000 00:00 0"
		      "                          [heap]\n"
		      "200000004000-200000006000 rw-p 00000000 00:00 0"
		      "                          [heap]\n");
	aspace_free(as);
	return PASS;
}

/*
 * Provenance: a VMA remembers the call that created it (origin) and the
 * last call that split or merged it; a merge target keeps its origin.
 */
TEST(test_provenance_split_and_merge)
{
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_vma_info vi;

	aspace_config_init(&cfg);
	cfg.provenance = true;
	as = aspace_new(&cfg);
	aspace_set_call_id(as, 1);
	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	aspace_set_call_id(as, 2);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(0), &vi), 0);
	ASSERT_EQ(vi.origin, 1);
	ASSERT_EQ(vi.last_change, 2);
	ASSERT_EQ(aspace_vma_at(as, AT(8), &vi), 0);
	ASSERT_EQ(vi.origin, 1);                /* both halves keep it */
	ASSERT_EQ(vi.last_change, 2);
	aspace_set_call_id(as, 3);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p");
	ASSERT_EQ(aspace_vma_at(as, AT(0), &vi), 0);
	ASSERT_EQ(vi.origin, 1);
	ASSERT_EQ(vi.last_change, 3);
	aspace_set_call_id(as, 4);
	ASSERT_EQ(fx_map(as, 20, 1, RW, 0), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(20), &vi), 0);
	ASSERT_EQ(vi.origin, 4);
	ASSERT_EQ(vi.last_change, 4);
	aspace_free(as);

	as = fx_new();                          /* off: nothing recorded */
	aspace_set_call_id(as, 9);
	ASSERT_EQ(fx_map(as, 0, 1, RW, 0), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(0), &vi), 0);
	ASSERT_EQ(vi.origin, 0);
	aspace_free(as);
	return PASS;
}

/* stats: splits, merges, created/freed VMAs, peak map_count */
TEST(test_stats_counts)
{
	struct aspace *as = fx_new();
	struct aspace_stats st;

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RO), 0);    /* 2 splits */
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(4), RW), 0);    /* case a */
	aspace_stats(as, &st);
	ASSERT_EQ(st.splits, 2);
	ASSERT_EQ(st.merges, 1);
	ASSERT_EQ(st.vmas_created, 3);
	ASSERT_EQ(st.vmas_freed, 2);
	ASSERT_EQ(st.peak_map_count, 3);
	aspace_free(as);
	return PASS;
}
