/*
 * test_madvise.c - aspace_madvise(): one test per row of spec/07's
 * madvise table (with check-order tests), the advice table of spec/05
 * §2.3, spec/02 scenario 40, the seal rule for discard advice, populate,
 * guard regions and the 6.18.44 observations of docs/kernel-notes.md.
 *
 * Pages are relative to B = 0x200000000000; layouts "S-E:perms[/aN] flags".
 */
#include <errno.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)
#define RO PROT_READ
#define MADV_FREE_ 8
#define MADV_WIPEONFORK_ 18
#define MADV_KEEPONFORK_ 19
#define MADV_COLD_ 20
#define MADV_PAGEOUT_ 21
#define MADV_POP_R 22
#define MADV_POP_W 23
#define MADV_DONTNEED_LOCKED_ 24

static int madv(struct aspace *as, uint64_t p, uint64_t n, int adv)
{
	return aspace_madvise(as, AT(p), PG(n), adv);
}

/* A private regular file of @pages pages, opened read-write. */
static struct aspace_file *file_new(uint64_t pages, unsigned extra)
{
	struct aspace_file_desc d = {
		.path = "/tmp/f", .size = PG(pages), .dev_major = 254,
		.inode = 7, .flags = ASPACE_O_READ | ASPACE_O_WRITE | extra,
		.kind = ASPACE_FILE_REGULAR,
	};

	return aspace_file_open(&d);
}

static int map_file(struct aspace *as, struct aspace_file *f, uint64_t p,
		    uint64_t n, int prot, int type, uint64_t fpage)
{
	uint64_t out;

	return aspace_mmap(as, AT(p), PG(n), prot, type | MAP_FIXED, f,
			   PG(fpage), &out);
}

/* Rows 1-4: argument checks, in order. */
TEST(madvise_unknown_advice_einval_even_len0)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_madvise(as, AT(0), 0, 5), -EINVAL);
	ASSERT_EQ(aspace_madvise(as, AT(0), 0, 7), -EINVAL);
	ASSERT_EQ(aspace_madvise(as, AT(0), 0, 26), -EINVAL);
	ASSERT_EQ(aspace_madvise(as, AT(0), 0, 104), -EINVAL);
	/* unknown advice beats the unaligned start */
	ASSERT_EQ(aspace_madvise(as, AT(0) + 1, 0, 5), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(madvise_hwpoison_soft_offline_unknown_on_reference_kernel)
{
	struct aspace *as = fx_new();

	/* no CONFIG_MEMORY_FAILURE on 6.18.44: EINVAL, not EPERM */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(madv(as, 0, 1, 100), -EINVAL);
	ASSERT_EQ(madv(as, 0, 1, 101), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(madvise_known_advice_len0_succeeds)
{
	static const int ok[] = { 0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15,
				  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 102,
				  103 };
	struct aspace *as = fx_new();
	unsigned i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ASSERT_EQ(aspace_madvise(as, AT(0), 0, ok[i]), 0);
	aspace_free(as);
	return PASS;
}

TEST(madvise_unaligned_start_einval_even_len0)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_madvise(as, AT(0) + 8, 0, MADV_NORMAL), -EINVAL);
	ASSERT_EQ(aspace_madvise(as, AT(0) + 8, PG(1), MADV_DONTNEED), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(madvise_len_rounding_to_zero_einval)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_madvise(as, AT(0), UINT64_MAX, MADV_NORMAL), -EINVAL);
	ASSERT_EQ(aspace_madvise(as, AT(0), UINT64_MAX - 100, MADV_NORMAL),
		  -EINVAL);
	/* wrap of start + len */
	ASSERT_EQ(aspace_madvise(as, AT(0), UINT64_MAX - AT(0) - 4095 + 4096,
				 MADV_NORMAL), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(madvise_len0_success_unmapped)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_madvise(as, AT(0), 0, MADV_DONTFORK), 0);
	aspace_free(as);
	return PASS;
}

/* Row 6: populate. */
TEST(madvise_populate_write_gives_anon_vma)
{
	struct aspace *as = fx_new();

	/*
	 *  page    0 1 2 3
	 *  before  A A A A	rw, no anon_vma
	 *  POPULATE_WRITE: anon_vma; mprotect r keeps ac [V]
	 */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_POP_W), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), RO), 0);
	ASSERT_LAYOUT_F(as, "0-4:r--p/a1 rd mr mw me ac");
	aspace_free(as);
	return PASS;
}

TEST(madvise_populate_read_no_anon_vma)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_POP_R), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), RO), 0);
	ASSERT_LAYOUT_F(as, "0-4:r--p rd mr mw me");
	aspace_free(as);
	return PASS;
}

TEST(madvise_populate_errors)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file_new(1, 0);

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, PROT_NONE, 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_POP_W), -EINVAL);   /* read-only */
	ASSERT_EQ(madv(as, 0, 8, MADV_POP_R), -ENOMEM);   /* runs into hole */
	ASSERT_EQ(madv(as, 4, 8, MADV_POP_R), -ENOMEM);   /* starts in hole */
	ASSERT_EQ(madv(as, 8, 4, MADV_POP_R), -EINVAL);   /* PROT_NONE */
	/* private file rw, 1 page long: the second page is SIGBUS */
	ASSERT_EQ(map_file(as, f, 16, 4, RW, MAP_PRIVATE, 0), 0);
	ASSERT_EQ(madv(as, 16, 4, MADV_POP_W), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:r--p | 8-12:---p | 16-20:rw-p/a1");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* Row 7: the seal refuses discard advice on read-only anonymous VMAs. */
TEST(madvise_sealed_readonly_anon_discard_eperm)
{
	static const int discard[] = { MADV_DONTNEED, MADV_FREE_, MADV_REMOVE,
				       MADV_DONTFORK, MADV_WIPEONFORK_,
				       MADV_DONTNEED_LOCKED_,
				       ASPACE_MADV_GUARD_INSTALL };
	struct aspace *as = fx_new();
	unsigned i;

	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	for (i = 0; i < sizeof(discard) / sizeof(discard[0]); i++)
		ASSERT_EQ(madv(as, 0, 1, discard[i]), -EPERM);
	/* other advice is allowed, even when it splits the sealed VMA */
	ASSERT_EQ(madv(as, 0, 1, MADV_RANDOM), 0);
	ASSERT_LAYOUT_F(as, "0-1:r--p rd mr mw me rr sl | 1-4:r--p rd mr mw me sl");
	aspace_free(as);
	return PASS;
}

TEST(madvise_sealed_writable_or_shared_discard_allowed)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mmap(as, AT(8), PG(4), RO, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(8), PG(4), 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_DONTNEED), 0);
	ASSERT_EQ(madv(as, 8, 1, MADV_DONTNEED), 0);
	ASSERT_EQ(madv(as, 8, 1, MADV_DONTFORK), 0);
	ASSERT_EQ(madv(as, 8, 1, MADV_REMOVE), 0);
	aspace_free(as);
	return PASS;
}

TEST(madvise_seal_check_before_advice_error)
{
	struct aspace *as = fx_new();

	/* REMOVE on private anon is EINVAL, but the seal speaks first [V] */
	ASSERT_EQ(fx_map(as, 0, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_REMOVE), -EPERM);
	aspace_free(as);
	return PASS;
}

/* Row 8: advice-specific errors. */
TEST(madvise_dontneed_locked_vma_einval)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, MAP_LOCKED), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_DONTNEED), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, MADV_FREE_), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, MADV_COLD_), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, MADV_PAGEOUT_), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, MADV_REMOVE), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, ASPACE_MADV_GUARD_INSTALL), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, MADV_DONTNEED_LOCKED_), 0);
	ASSERT_EQ(madv(as, 0, 4, ASPACE_MADV_GUARD_REMOVE), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_WILLNEED), 0);
	aspace_free(as);
	return PASS;
}

TEST(madvise_free_file_einval_remove_eacces)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file_new(8, 0);
	uint64_t out;

	ASSERT_EQ(map_file(as, f, 0, 4, RW, MAP_PRIVATE, 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_FREE_), -EINVAL);
	ASSERT_EQ(madv(as, 0, 4, MADV_REMOVE), -EACCES);   /* not shared */
	ASSERT_EQ(madv(as, 0, 4, MADV_WIPEONFORK_), -EINVAL);
	ASSERT_EQ(map_file(as, f, 8, 4, RW, MAP_SHARED, 0), 0);
	ASSERT_EQ(madv(as, 8, 4, MADV_REMOVE), 0);
	ASSERT_EQ(madv(as, 8, 4, MADV_FREE_), -EINVAL);
	/* private anon: REMOVE without a file is EINVAL */
	ASSERT_EQ(fx_map(as, 16, 4, RW, 0), 0);
	ASSERT_EQ(madv(as, 16, 4, MADV_REMOVE), -EINVAL);
	ASSERT_EQ(madv(as, 16, 4, MADV_FREE_), 0);
	/* shared anon: WIPEONFORK refused */
	ASSERT_EQ(aspace_mmap(as, AT(24), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(madv(as, 24, 4, MADV_WIPEONFORK_), -EINVAL);
	ASSERT_EQ(madv(as, 24, 4, MADV_FREE_), -EINVAL);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* Rows 9-10: split failures of flag-changing advice. */
TEST(madvise_split_at_max_map_count_eagain)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.max_map_count = 2;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 4, RO, 0), 0);
	ASSERT_EQ(madv(as, 1, 1, MADV_DONTFORK), -EAGAIN);
	ASSERT_LAYOUT(as, "0-4:rw-p | 8-12:r--p");
	/* a whole VMA needs no split */
	ASSERT_EQ(madv(as, 8, 4, MADV_DONTFORK), 0);
	aspace_free(as);
	return PASS;
}

TEST(madvise_partial_vdso_split_refused_einval)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc d = {
		.start = AT(0), .end = AT(2), .flags = ASPACE_VM_READ |
		ASPACE_VM_EXEC | ASPACE_VM_MAYREAD | ASPACE_VM_MAYWRITE |
		ASPACE_VM_MAYEXEC | ASPACE_VM_DONTEXPAND,
		.kind = ASPACE_VMA_VDSO,
	};

	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(madv(as, 0, 1, MADV_RANDOM), -EINVAL);
	ASSERT_EQ(madv(as, 0, 2, MADV_DONTDUMP), 0);   /* whole: no split */
	ASSERT_EQ(madv(as, 0, 2, MADV_DODUMP), -EINVAL);  /* VM_SPECIAL */
	aspace_free(as);
	return PASS;
}

/* Row 11: holes. */
TEST(madvise_dontfork_over_hole_advises_both_enomem)
{
	struct aspace *as = fx_new();

	/*
	 *  page    0 1 2 3 4 5 6 7 8 9
	 *  before  A A A A . . C C C C
	 *  DONTFORK [0,10): both get dc, ENOMEM [V]
	 */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 6, 4, RO, 0), 0);
	ASSERT_EQ(madv(as, 0, 10, MADV_DONTFORK), -ENOMEM);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me dc ac | 6-10:r--p rd mr mw me dc");
	/* hole before the first VMA and after the last */
	ASSERT_EQ(madv(as, 0, 12, MADV_DOFORK), -ENOMEM);
	ASSERT_EQ(aspace_madvise(as, AT(0) - PG(2), PG(4), MADV_RANDOM), -ENOMEM);
	ASSERT_LAYOUT_F(as, "0-2:rw-p rd wr mr mw me rr ac | 2-4:rw-p rd wr mr mw me ac | 6-10:r--p rd mr mw me");
	/* entirely unmapped */
	ASSERT_EQ(madv(as, 20, 4, MADV_NORMAL), -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(madvise_error_wins_over_hole)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 6, 4, RW, MAP_LOCKED), 0);
	ASSERT_EQ(madv(as, 0, 10, MADV_DONTNEED), -EINVAL);
	aspace_free(as);
	return PASS;
}

/* spec/02 scenario 40. */
TEST(madvise_scenario40_dontfork_split_dofork_merge)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(madv(as, 4, 4, MADV_DONTFORK), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac | 4-8:rw-p rd wr mr mw me dc ac | 8-12:rw-p rd wr mr mw me ac");
	ASSERT_EQ(madv(as, 4, 4, MADV_DOFORK), 0);
	ASSERT_LAYOUT_F(as, "0-12:rw-p rd wr mr mw me ac");
	aspace_free(as);
	return PASS;
}

TEST(madvise_flag_advice_letters)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_SEQUENTIAL), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_DONTDUMP), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_HUGEPAGE), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_MERGEABLE), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_WIPEONFORK_), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me sr ac wf dd hg mg");
	ASSERT_EQ(madv(as, 0, 4, MADV_RANDOM), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_NOHUGEPAGE), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_UNMERGEABLE), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_KEEPONFORK_), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_DODUMP), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me rr ac nh");
	ASSERT_EQ(madv(as, 0, 4, MADV_NORMAL), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p rd wr mr mw me ac nh");
	aspace_free(as);
	return PASS;
}

TEST(madvise_mergeable_only_ksm_eligible)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, AT(0), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(madv(as, 0, 4, MADV_MERGEABLE), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-s rd wr sh mr mw me ms");
	aspace_free(as);
	return PASS;
}

TEST(madvise_guard_install_sets_gu_whole_vma_and_anon_vma)
{
	struct aspace *as = fx_new();

	/*
	 *  page    0 1 2 3
	 *  before  A A B B	A rw a1 (faulted), B rw rr unfaulted
	 *  GUARD_INSTALL [2,3), GUARD_REMOVE, NORMAL [2,4):
	 *  B got its own anon_vma: no merge back, gu on all of B [V]
	 */
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(madv(as, 2, 2, MADV_RANDOM), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), 1, ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(madv(as, 2, 1, ASPACE_MADV_GUARD_INSTALL), 0);
	ASSERT_EQ(madv(as, 2, 1, ASPACE_MADV_GUARD_REMOVE), 0);
	ASSERT_EQ(madv(as, 2, 2, MADV_NORMAL), 0);
	ASSERT_LAYOUT_F(as, "0-2:rw-p/a1 rd wr mr mw me ac | 2-4:rw-p/a2 rd wr mr mw me gu ac");
	aspace_free(as);
	return PASS;
}

TEST(madvise_guard_install_file_no_anon_vma)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file_new(16, 0);

	/* the same on a private file VMA merges back: no anon_vma [V] */
	ASSERT_EQ(map_file(as, f, 0, 4, RW, MAP_PRIVATE, 0), 0);
	ASSERT_EQ(madv(as, 2, 2, MADV_RANDOM), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), 1, ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(madv(as, 2, 1, ASPACE_MADV_GUARD_INSTALL), 0);
	ASSERT_EQ(madv(as, 2, 1, ASPACE_MADV_GUARD_REMOVE), 0);
	ASSERT_EQ(madv(as, 2, 2, MADV_NORMAL), 0);
	ASSERT_LAYOUT_F(as, "0-4:rw-p/a1 rd wr mr mw me gu ac");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(madvise_collapse)
{
	struct aspace *as = fx_new();

	/*
	 * All [V] on 6.18.44 (kernel-notes "MADV_COLLAPSE"):
	 * a VMA without a whole aligned 2 MiB block is not eligible: EINVAL,
	 * faulted or not.
	 */
	ASSERT_EQ(fx_map(as, 0, 16, RW, 0), 0);
	ASSERT_EQ(madv(as, 0, 16, ASPACE_MADV_COLLAPSE), -EINVAL);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(madv(as, 0, 16, ASPACE_MADV_COLLAPSE), -EINVAL);
	/* a 4 MiB block-aligned VMA without anon_vma: EINVAL */
	ASSERT_EQ(fx_map(as, 1024, 1024, RW, 0), 0);
	ASSERT_EQ(madv(as, 1024, 16, ASPACE_MADV_COLLAPSE), -EINVAL);
	ASSERT_EQ(madv(as, 1024, 1024, ASPACE_MADV_COLLAPSE), -EINVAL);
	/* faulted: a piece whose rounded block bounds meet has nothing to do */
	ASSERT_EQ(aspace_touch(as, AT(1025), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(madv(as, 1024, 16, ASPACE_MADV_COLLAPSE), 0);
	ASSERT_EQ(madv(as, 1025, 511, ASPACE_MADV_COLLAPSE), 0);
	ASSERT_EQ(madv(as, 1025, 600, ASPACE_MADV_COLLAPSE), 0);
	/* inside one block, crossing no boundary: the block count wraps */
	ASSERT_EQ(madv(as, 1025, 16, ASPACE_MADV_COLLAPSE), -EINVAL);
	/* whole blocks: page state decides; the model assumes none present */
	ASSERT_EQ(madv(as, 1024, 1024, ASPACE_MADV_COLLAPSE), -EINVAL);
	ASSERT_EQ(madv(as, 1024, 512, MADV_NOHUGEPAGE), 0);
	ASSERT_EQ(madv(as, 1024, 16, ASPACE_MADV_COLLAPSE), -EINVAL);
	aspace_free(as);
	return PASS;
}

/*
 * MADV_REMOVE's vfs_fallocate() refuses a negative (signed) file offset
 * with EINVAL before the largest-file-size check (EFBIG); only device
 * mappings (/dev/zero shared: shmem) can sit at such an offset
 * (fuzz_regress_remove_negative_offset checks it against the kernel).
 */
TEST(madvise_remove_negative_offset_einval_first)
{
	struct aspace *as = fx_new();
	struct aspace_file_desc dz = {
		.path = "/dev/zero", .dev_major = 0, .dev_minor = 5,
		.inode = 4, .flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = ASPACE_FILE_DEVZERO,
	};
	struct aspace_file *z = aspace_file_open(&dz);
	struct aspace_file *f = file_new(8, 0);
	uint64_t out;

	ASSERT_TRUE(z != NULL && f != NULL);
	/* offset 2^63: negative as loff_t */
	ASSERT_EQ(aspace_mmap(as, AT(0), PG(2), RW, MAP_SHARED | MAP_FIXED, z,
			      1ull << 63, &out), 0);
	ASSERT_EQ(madv(as, 0, 2, MADV_REMOVE), -EINVAL);
	/* 2^63 - 2 pages: positive, but the range ends past the largest
	 * file size: EFBIG */
	ASSERT_EQ(aspace_mmap(as, AT(4), PG(4), RW, MAP_SHARED | MAP_FIXED, z,
			      (1ull << 63) - PG(2), &out), 0);
	ASSERT_EQ(madv(as, 4, 4, MADV_REMOVE), -EFBIG);
	ASSERT_EQ(madv(as, 4, 2, MADV_REMOVE), -EFBIG);  /* ends at 2^63 */
	ASSERT_EQ(madv(as, 4, 1, MADV_REMOVE), 0);
	/* a regular file cannot be mapped at such an offset (file_mmap_ok:
	 * EOVERFLOW): only device mappings reach the new check */
	ASSERT_EQ(map_file(as, f, 12, 2, RW, MAP_SHARED, 1ull << 51),
		  -EOVERFLOW);
	aspace_file_put(z);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}
