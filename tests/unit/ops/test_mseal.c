/*
 * test_mseal.c - aspace_mseal(): spec/07's mseal rows in order, spec/02
 * scenario 47, what a seal blocks (spec/05 §5.2) and the partial split of
 * a refused munmap.
 */
#include <errno.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)

TEST(mseal_argument_rows_in_order)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mseal(as, AT(0) + 1, PG(1), 1), -EINVAL); /* flags */
	ASSERT_EQ(aspace_mseal(as, AT(0) + 1, PG(1), 0), -EINVAL);
	ASSERT_EQ(aspace_mseal(as, AT(0), UINT64_MAX, 0), -EINVAL);
	ASSERT_EQ(aspace_mseal(as, AT(0), (uint64_t)0 - AT(0) + PG(1), 0),
		  -EINVAL);
	ASSERT_EQ(aspace_mseal(as, AT(0), 0, 0), 0);       /* unmapped, len 0 */
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(1), 0), -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(mseal_any_hole_enomem_nothing_changed)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 6, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(10), 0), -ENOMEM);  /* middle */
	ASSERT_EQ(aspace_mseal(as, AT(6), PG(6), 0), -ENOMEM);   /* end */
	ASSERT_EQ(aspace_mseal(as, AT(0) - PG(1), PG(3), 0), -ENOMEM); /* start */
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | 6-10:rw-p rd wr mr mw me ac");
	aspace_free(as);
	return PASS;
}

TEST(mseal_scenario47_split_then_merge)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(4), PG(4), 0), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | 4-8:rw-p rd wr mr mw me ac sl | 8-12:rw-p rd wr mr mw me ac");
	ASSERT_EQ(aspace_mseal(as, AT(8), PG(4), 0), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | 4-12:rw-p rd wr mr mw me ac sl");
	ASSERT_EQ(aspace_mseal(as, AT(4), PG(8), 0), 0);  /* reseal: no-op */
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	ASSERT_LAYOUT_F(as, "0-12:rw-p rd wr mr mw me ac sl");
	aspace_free(as);
	return PASS;
}

TEST(mseal_blocks_munmap_mprotect_fixed_mmap)
{
	struct aspace *as = fx_new();

	/*
	 *  page    0 1 2 3 4 5
	 *  before  A A A A S S	S sealed
	 *  munmap [2,6): EPERM, A split at 2 stays [V]
	 */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 2, RW, MAP_NORESERVE), 0);
	ASSERT_EQ(aspace_mseal(as, AT(4), PG(2), 0), 0);
	ASSERT_EQ(aspace_munmap(as, AT(2), PG(4)), -EPERM);
	ASSERT_LAYOUT(as, "0-2:rw-p | 2-4:rw-p | 4-6:rw-p");
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(2), PROT_READ), -EPERM);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(2), RW), -EPERM);
	ASSERT_EQ(fx_map(as, 4, 1, RW, 0), -EPERM);
	/* mlock and madvise of non-discard kinds are fine */
	ASSERT_EQ(aspace_mlock(as, AT(4), PG(1)), 0);
	ASSERT_EQ(aspace_munlock(as, AT(4), PG(1)), 0);
	ASSERT_LAYOUT(as, "0-2:rw-p | 2-4:rw-p | 4-6:rw-p/a1");
	aspace_free(as);
	return PASS;
}

TEST(mseal_partial_vdso_split_einval)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc d = {
		.start = AT(0), .end = AT(2), .flags = ASPACE_VM_READ |
		ASPACE_VM_EXEC | ASPACE_VM_MAYREAD | ASPACE_VM_MAYWRITE |
		ASPACE_VM_MAYEXEC | ASPACE_VM_DONTEXPAND,
		.kind = ASPACE_VMA_VDSO,
	};

	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(1), 0), -EINVAL);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(2), 0), 0);
	aspace_free(as);
	return PASS;
}
