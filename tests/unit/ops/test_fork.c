/*
 * test_fork.c - aspace_fork(): spec/06 §1's table rows, the child's mm
 * counters, spec/02 scenarios 20, 21 and 27 (forked anon_vmas and merging).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)

static int wr(struct aspace *as, uint64_t p, uint64_t n)
{
	return aspace_touch(as, AT(p), PG(n), ASPACE_TOUCH_WRITE);
}

TEST(fork_copies_without_merging_and_skips_dontcopy)
{
	struct aspace *as = fx_new(), *ch;
	struct aspace_counters pc, cc;

	/*
	 *  page    0 1 2 3 4 5 6 7 8 9
	 *  parent  A A A A D D C C C C	D = DONTFORK (split from one VMA)
	 *  child   A A A A . . C C C C	hole; A and C not merged
	 */
	ASSERT_EQ(fx_map(as, 0, 10, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(4), PG(2), MADV_DONTFORK), 0);
	ASSERT_EQ(wr(as, 0, 1), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_LAYOUT(ch, "0-4:rw-p/a2F | 6-10:rw-p");
	ASSERT_LAYOUT(as, "0-4:rw-p/a1 | 4-6:rw-p | 6-10:rw-p");
	aspace_counters(as, &pc);
	aspace_counters(ch, &cc);
	ASSERT_EQ(cc.map_count, 2);
	ASSERT_EQ(cc.total_vm, pc.total_vm - 2);
	ASSERT_EQ(cc.data_vm, pc.data_vm - 2);
	ASSERT_EQ(cc.committed, 8);
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}

TEST(fork_wipeonfork_no_anon_locked_cleared_def_flags)
{
	struct aspace *as = fx_new(), *ch;
	struct aspace_counters cc;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(4), 18 /* WIPEONFORK */), 0);
	ASSERT_EQ(wr(as, 0, 4), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, MAP_LOCKED), 0);
	ASSERT_EQ(aspace_mlockall(as, 2 /* MCL_FUTURE */), 0);
	ASSERT_EQ(aspace_madvise(as, AT(8), PG(4), MADV_NOHUGEPAGE), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_LAYOUT_F(ch, "0-4:rw-p rd wr mr mw me ac wf | 8-12:rw-p/a3F rd wr mr mw me ac nh");
	aspace_counters(ch, &cc);
	ASSERT_EQ(cc.locked_vm, 0);
	ASSERT_EQ(cc.def_flags, 0);
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}

TEST(fork_keeps_seal_guard_and_names)
{
	struct aspace_config cfg;
	struct aspace *as, *ch;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(1), ASPACE_MADV_GUARD_INSTALL), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(4), "heap2"), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_LAYOUT_F(ch, "0-4:rw-p/a2F rd wr mr mw me gu ac sl");
	ASSERT_TRUE(strstr(fx_maps(ch, 0), "[anon:heap2]") != NULL);
	ASSERT_EQ(aspace_munmap(ch, AT(0), PG(4)), -EPERM);
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}

TEST(fork_commit_refused_enomem_parent_unchanged)
{
	struct aspace_config cfg;
	struct aspace *as, *ch = NULL;
	char before[8192];

	aspace_config_init(&cfg);
	cfg.overcommit_memory = 2;
	cfg.overcommit_ratio = 0;
	cfg.totalram_pages = 0;
	cfg.total_swap_pages = 5000;
	cfg.cap_sys_rawio = true;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(fx_map(as, 0, 3000, RW, 0), 0);
	snprintf(before, sizeof(before), "%s", fx_counters(as));
	ASSERT_EQ(aspace_fork(as, &ch), -ENOMEM);
	ASSERT_TRUE(ch == NULL);
	ASSERT_TRUE(!aspace_last_oom(as));
	ASSERT_STR_EQ(fx_counters(as), before);
	aspace_free(as);
	return PASS;
}

TEST(fork_scenario20_child_target_forked)
{
	struct aspace *as = fx_new(), *ch;

	/*
	 *  parent  [0,4) rw a1, [8,12) rw -;  fork
	 *  child mmap [4,8): [0,4) a1F stays, [4,12) merged right [V]
	 *  parent, same: [0,12)
	 */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(wr(as, 0, 4), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RW, 0), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_EQ(fx_map(ch, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(ch, "0-4:rw-p/a2F | 4-12:rw-p");
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p/a1");
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}

TEST(fork_scenario21_child_own_anon_merges)
{
	struct aspace *as = fx_new(), *ch;

	ASSERT_EQ(fx_map(as, 100, 4, RW, 0), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_EQ(fx_map(ch, 0, 4, RW, 0), 0);
	ASSERT_EQ(wr(ch, 0, 4), 0);
	ASSERT_EQ(fx_map(ch, 4, 4, RW, 0), 0);
	ASSERT_LAYOUT(ch, "0-8:rw-p/a1 | 100-104:rw-p");
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}

TEST(fork_scenario27_forked_source_no_merge)
{
	struct aspace *as = fx_new(), *ch;

	/* parent [0,5) rw a1; child maps [5,10) rwx -, mprotect [0,5) rwx */
	ASSERT_EQ(fx_map(as, 0, 5, RW, 0), 0);
	ASSERT_EQ(wr(as, 0, 5), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_EQ(wr(ch, 0, 5), 0);
	ASSERT_EQ(fx_map(ch, 5, 5, RW | PROT_EXEC, 0), 0);
	ASSERT_EQ(aspace_mprotect(ch, AT(0), PG(5), RW | PROT_EXEC), 0);
	ASSERT_LAYOUT(ch, "0-5:rwxp/a2F | 5-10:rwxp");
	aspace_free(ch);
	aspace_free(as);
	return PASS;
}
