/*
 * test_mlock.c - the mlock family: one test per row of spec/07's mlock,
 * mlock2, munlock, mlockall and munlockall tables, spec/05 §4 rules,
 * spec/02 scenario 9, and the 6.18.44 observations (PROT_NONE, partial
 * locking before a hole, mlock(B+1, 0)).
 */
#include <errno.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)
#define RO PROT_READ

static uint64_t locked(const struct aspace *as)
{
	struct aspace_counters c;

	aspace_counters(as, &c);
	return c.locked_vm;
}

static struct aspace *with_memlock(uint64_t bytes, bool cap)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.rlimit_memlock = bytes;
	cfg.cap_ipc_lock = cap;
	return fx_new_cfg(&cfg);
}

TEST(mlock_rlimit_zero_eperm)
{
	struct aspace *as = with_memlock(0, false);

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(1)), -EPERM);
	ASSERT_EQ(aspace_mlock2(as, AT(0), PG(1), 0), -EPERM);
	ASSERT_EQ(aspace_mlockall(as, 1), -EPERM);
	/* munlock has no such check */
	ASSERT_EQ(aspace_munlock(as, AT(0), PG(1)), 0);
	aspace_free(as);
	as = with_memlock(0, true);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(1)), 0);
	aspace_free(as);
	return PASS;
}

TEST(mlock_over_rlimit_enomem_counts_already_locked)
{
	struct aspace *as = with_memlock(PG(4), false);

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(5)), -ENOMEM);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(3)), 0);
	/* 3 locked + 4 requested, 2 of them already locked: 5 > 4 */
	ASSERT_EQ(aspace_mlock(as, AT(1), PG(4)), -ENOMEM);
	/* 3 + 3 - 2 = 4 <= 4 */
	ASSERT_EQ(aspace_mlock(as, AT(1), PG(3)), 0);
	ASSERT_EQ(locked(as), 4);
	aspace_free(as);
	return PASS;
}

TEST(mlock_wrap_unprivileged_enomem_privileged_einval)
{
	struct aspace *as = with_memlock(PG(4), false);

	ASSERT_EQ(aspace_mlock(as, AT(4), UINT64_MAX - AT(2)), -ENOMEM);
	aspace_free(as);
	as = with_memlock(PG(4), true);
	ASSERT_EQ(aspace_mlock(as, AT(4), UINT64_MAX - AT(2)), -EINVAL);
	ASSERT_EQ(aspace_munlock(as, AT(4), UINT64_MAX - AT(2)), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(mlock_len0_and_rounding)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), 0), 0);
	ASSERT_EQ(locked(as), 0);
	/* mlock(B+1, 0) locks page 0 [V] */
	ASSERT_EQ(aspace_mlock(as, AT(0) + 1, 0), 0);
	ASSERT_LAYOUT_F(as, "0-1:rw-p/a1 rd wr mr mw me lo ac | 1-4:rw-p rd wr mr mw me ac");
	ASSERT_EQ(locked(as), 1);
	ASSERT_EQ(aspace_munlock(as, AT(0), 0), 0);
	ASSERT_EQ(locked(as), 1);
	aspace_free(as);
	return PASS;
}

TEST(mlock_no_vma_at_start_enomem_nothing_changed)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 2, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(4)), -ENOMEM);
	ASSERT_EQ(aspace_munlock(as, AT(0), PG(4)), -ENOMEM);
	ASSERT_LAYOUT_F(as, "2-6:rw-p rd wr mr mw me ac");
	ASSERT_EQ(locked(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(mlock_hole_inside_partial_enomem)
{
	struct aspace *as = fx_new();

	/*
	 *  page    0 1 2 3 4 5
	 *  before  A A A A . .
	 *  mlock [3,5): page 3 locked, ENOMEM [V]
	 */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(3), PG(2)), -ENOMEM);
	ASSERT_LAYOUT_F(as, "0-3:rw-p rd wr mr mw me ac | 3-4:rw-p rd wr mr mw me lo ac");
	ASSERT_EQ(locked(as), 1);
	ASSERT_EQ(fx_map(as, 6, 2, RW, 0), 0);
	ASSERT_EQ(aspace_munlock(as, AT(3), PG(5)), -ENOMEM);
	ASSERT_EQ(locked(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(mlock_split_failure_at_max_enomem)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.max_map_count = 1;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(1), PG(1)), -ENOMEM);
	ASSERT_EQ(aspace_mseal(as, AT(1), PG(1), 0), -ENOMEM);
	ASSERT_LAYOUT(as, "0-4:rw-p");
	ASSERT_EQ(locked(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(mlock_prot_none_sets_lo_but_enomem)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, PROT_NONE, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(4)), -ENOMEM);
	ASSERT_LAYOUT_F(as, "0-4:---p mr mw me lo");
	ASSERT_EQ(locked(as), 4);
	ASSERT_EQ(aspace_munlock(as, AT(0), PG(4)), 0);
	/* MLOCK_ONFAULT populates nothing: success [V] */
	ASSERT_EQ(aspace_mlock2(as, AT(0), PG(4), ASPACE_MLOCK_ONFAULT), 0);
	ASSERT_LAYOUT_F(as, "0-4:---p mr mw me lo lf");
	ASSERT_EQ(locked(as), 4);
	aspace_free(as);
	return PASS;
}

TEST(mlock2_bad_flags_einval_first)
{
	struct aspace *as = with_memlock(0, false);

	ASSERT_EQ(aspace_mlock2(as, AT(0), PG(1), 2), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(mlock2_onfault_toggle_keeps_locked_vm)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock2(as, AT(0), PG(4), ASPACE_MLOCK_ONFAULT), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me lo lf ac");
	ASSERT_EQ(locked(as), 4);
	ASSERT_EQ(aspace_mlock2(as, AT(0), PG(4), 0), 0);
	/* mlock populates a private writable VMA: anon_vma */
	ASSERT_LAYOUT_F(as, "0-4:rw-p/a1 rd wr mr mw me lo ac");
	ASSERT_EQ(locked(as), 4);
	aspace_free(as);
	return PASS;
}

TEST(mlock_scenario9_map_locked_then_mlock_merges)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, MAP_LOCKED), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | 4-8:rw-p/a1 rd wr mr mw me lo ac");
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(4)), 0);
	ASSERT_LAYOUT_F(as, "0-8:rw-p/a1 rd wr mr mw me lo ac");
	ASSERT_EQ(locked(as), 8);
	aspace_free(as);
	return PASS;
}

TEST(mlock_skips_special_vmas)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc d = {
		.start = AT(0), .end = AT(4), .flags = ASPACE_VM_READ |
		ASPACE_VM_MAYREAD | ASPACE_VM_IO | ASPACE_VM_PFNMAP |
		ASPACE_VM_DONTEXPAND | ASPACE_VM_DONTDUMP,
		.kind = ASPACE_VMA_VVAR,
	};

	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(aspace_mlock(as, AT(1), PG(1)), 0);
	ASSERT_EQ(aspace_mlockall(as, 1), 0);
	ASSERT_LAYOUT(as, "0-4:r--p");
	ASSERT_EQ(locked(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(mlockall_flag_checks)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mlockall(as, 0), -EINVAL);
	ASSERT_EQ(aspace_mlockall(as, 8), -EINVAL);
	ASSERT_EQ(aspace_mlockall(as, ASPACE_MCL_ONFAULT), -EINVAL);
	aspace_free(as);
	as = with_memlock(0, false);
	ASSERT_EQ(aspace_mlockall(as, 8), -EINVAL);    /* before EPERM */
	ASSERT_EQ(aspace_mlockall(as, 2), -EPERM);
	aspace_free(as);
	return PASS;
}

TEST(mlockall_current_over_limit_enomem)
{
	struct aspace *as = with_memlock(PG(4), false);
	struct aspace_counters c;

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(aspace_mlockall(as, 1), -ENOMEM);
	ASSERT_EQ(aspace_mlockall(as, 2), 0);        /* FUTURE only: fine */
	aspace_counters(as, &c);
	ASSERT_EQ(c.def_flags, ASPACE_VM_LOCKED);
	ASSERT_EQ(locked(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(mlockall_current_and_future_then_munlockall)
{
	struct aspace *as = fx_new();
	struct aspace_counters c;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, PROT_NONE, 0), 0);
	ASSERT_EQ(aspace_mlockall(as, 1 | 2), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p/a1 rd wr mr mw me lo ac | 8-12:---p mr mw me lo");
	ASSERT_EQ(locked(as), 8);
	/* MCL_FUTURE: a new mapping is locked */
	ASSERT_EQ(fx_map(as, 4, 2, RW, 0), 0);
	ASSERT_LAYOUT_F(as, "0-6:rw-p/a1 rd wr mr mw me lo ac | 8-12:---p mr mw me lo");
	ASSERT_EQ(locked(as), 10);
	/* MCL_CURRENT alone cancels MCL_FUTURE [V] */
	ASSERT_EQ(aspace_mlockall(as, 1), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.def_flags, 0);
	ASSERT_EQ(aspace_mlockall(as, 2 | ASPACE_MCL_ONFAULT), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.def_flags, ASPACE_VM_LOCKED | ASPACE_VM_LOCKONFAULT);
	ASSERT_EQ(aspace_munlockall(as), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.def_flags, 0);
	ASSERT_EQ(locked(as), 0);
	ASSERT_LAYOUT_F(as, "0-6:rw-p/a1 rd wr mr mw me ac | 8-12:---p mr mw me");
	aspace_free(as);
	return PASS;
}

TEST(mlockall_future_rlimit_zero_later_mmap_eagain)
{
	struct aspace *as = with_memlock(PG(4), false);
	uint64_t out;

	ASSERT_EQ(aspace_mlockall(as, 2), 0);
	ASSERT_EQ(aspace_mmap(as, 0, PG(8), RW, MAP_PRIVATE | MAP_ANONYMOUS,
			      NULL, 0, &out), -EAGAIN);
	aspace_free(as);
	return PASS;
}
