/*
 * core_errno_mmap_test.c - one test per row of spec/07's mmap table, in
 * the kernel's order; rows that combine two failures check that the
 * earlier row wins.
 */
#include <errno.h>

#include "../vma/fixture.h"
#include "vma/vma.h"

#define RW    (PROT_READ | PROT_WRITE)
#define PA    (MAP_PRIVATE | MAP_ANONYMOUS)
#define PAF   (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static struct aspace_file *ef_file(enum aspace_file_kind kind, unsigned fl)
{
	struct aspace_file_desc d = {
		.path = "/e", .size = PG(64), .dev_major = 8, .inode = 77,
		.flags = fl, .kind = kind,
	};

	return aspace_file_open(&d);
}

static int em(struct aspace *as, uint64_t addr, uint64_t len, int prot,
	      int flags, struct aspace_file *f, uint64_t off)
{
	uint64_t out = 0;

	return aspace_mmap(as, addr, len, prot, flags, f, off, &out);
}

static struct aspace *ecfg(void (*tweak)(struct aspace_config *))
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	if (tweak)
		tweak(&cfg);
	return aspace_new(&cfg);
}

TEST(test_mmap_e01_offset_unaligned)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, PG(1), RW, MAP_PRIVATE, NULL, 1), -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, PA, NULL, 100), -EINVAL);
	ASSERT_EQ(aspace_last_oom(as), 0);
	aspace_free(as);
	return PASS;
}

/* a bad fd (NULL file) without MAP_ANONYMOUS, before the len == 0 check */
TEST(test_mmap_e02_bad_fd)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, 0, RW, MAP_PRIVATE, NULL, 0), -EBADF);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e03_hugetlb_flag_on_plain_file)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, 0, RW, MAP_PRIVATE | MAP_HUGETLB, f, 0), -EINVAL);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* anonymous MAP_HUGETLB: size 2^22 unsupported; no pool -> ENOMEM, but
 * MAP_NORESERVE takes no reservation and succeeds (kernel-notes). */
TEST(test_mmap_e04_anon_hugetlb)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(em(as, 0, PG(1), RW, PA | MAP_HUGETLB | (22 << 26), NULL, 0),
		  -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, PA | MAP_HUGETLB, NULL, 0), -ENOMEM);
	ASSERT_EQ(aspace_last_oom(as), 0);
	ASSERT_EQ(em(as, 0, 0, RW, PA | MAP_HUGETLB, NULL, 0), -EINVAL);
	ASSERT_EQ(aspace_mmap(as, 0, PG(1), RW, PA | MAP_HUGETLB |
			      MAP_NORESERVE, NULL, 0, &out), 0);
	ASSERT_EQ(out & (HPAGE_PMD_SIZE - 1), 0);
	ASSERT_EQ(em(as, 0x10000, PG(1), RW, PAF | MAP_HUGETLB |
		     MAP_NORESERVE, NULL, 0), -EINVAL);
	/* MAP_HUGE_1GB: 1 GiB long and aligned, splits only at 1 GiB */
	ASSERT_EQ(aspace_mmap(as, 0, PG(1), RW, PA | MAP_HUGETLB |
			      MAP_NORESERVE | (30 << 26), NULL, 0, &out), 0);
	ASSERT_EQ(out & ((1ull << 30) - 1), 0);
	ASSERT_EQ(aspace_mprotect(as, out, HPAGE_PMD_SIZE, PROT_READ),
		  -EINVAL);
	ASSERT_EQ(aspace_munmap(as, out + (1ull << 30) - PG(1), PG(1)), -EINVAL);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e05_lsm_refuses)
{
	SKIP("no LSM is modelled (security_mmap_file)");
}

TEST(test_mmap_e06_len_zero)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, 0, RW, PA, NULL, 0), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e07_len_wraps)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, UINT64_MAX, RW, PA, NULL, 0), -ENOMEM);
	ASSERT_EQ(em(as, 0, UINT64_MAX - 100, RW, PA, NULL, 0), -ENOMEM);
	aspace_free(as);
	return PASS;
}

/* pgoff + pages cannot wrap with 64-bit offsets; the file size limit
 * (row 16) answers the same EOVERFLOW for the largest offsets. */
TEST(test_mmap_e08_offset_overflow)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, PG(2), PROT_READ, MAP_PRIVATE, f,
		     0xfffffffffffff000ull), -EOVERFLOW);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

static void max4(struct aspace_config *c) { c->max_map_count = 4; }

TEST(test_mmap_e09_map_count)
{
	struct aspace *as = ecfg(max4);
	int i;

	for (i = 0; i < 5; i++)     /* allowed at == max: reaches max + 1 */
		ASSERT_EQ(fx_map(as, 2 * i, 1, i & 1 ? RW : PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 20, 1, RW, 0), -ENOMEM);
	/* even one replacing a VMA exactly */
	ASSERT_EQ(fx_map(as, 0, 1, PROT_READ, 0), -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e10_no_address)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, 0x7ffffffff000ull + PG(1), RW, PA, NULL, 0),
		  -ENOMEM);
	ASSERT_EQ(em(as, 0x7ffffffff000ull - PG(1), PG(2), RW, PAF, NULL, 0),
		  -ENOMEM);
	ASSERT_EQ(em(as, 0, 0x7ffffffff000ull - PG(1), RW, PA, NULL, 0),
		  -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e11_fixed_unaligned)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, AT(0) + 1, PG(1), RW, PAF, NULL, 0), -EINVAL);
	aspace_free(as);
	return PASS;
}

static void rawio(struct aspace_config *c) { c->cap_sys_rawio = true; }

TEST(test_mmap_e12_below_mmap_min_addr)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, PG(1), RW, PAF, NULL, 0), -EPERM);
	ASSERT_EQ(em(as, 0x1000, PG(1), RW, PAF, NULL, 0), 0);
	aspace_free(as);
	as = ecfg(rawio);
	ASSERT_EQ(em(as, 0, PG(1), RW, PAF, NULL, 0), 0);
	aspace_free(as);
	return PASS;
}

/* EEXIST is checked before the mapping type: type 0 still EEXIST */
TEST(test_mmap_e13_fixed_noreplace_overlap)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(em(as, AT(3), PG(2), RW, PA | ASPACE_MAP_FIXED_NOREPLACE,
		     NULL, 0), -EEXIST);
	ASSERT_EQ(em(as, AT(3), PG(2), RW, MAP_ANONYMOUS |
		     ASPACE_MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
	ASSERT_EQ(em(as, AT(4), PG(2), RW, PA | ASPACE_MAP_FIXED_NOREPLACE,
		     NULL, 0), 0);
	aspace_free(as);
	return PASS;
}

static void nolock(struct aspace_config *c) { c->rlimit_memlock = 0; }
static void lock8(struct aspace_config *c) { c->rlimit_memlock = PG(8); }

TEST(test_mmap_e14_map_locked_not_allowed)
{
	struct aspace *as = ecfg(nolock);

	ASSERT_EQ(em(as, 0, PG(1), RW, PA | MAP_LOCKED, NULL, 0), -EPERM);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e15_memlock_exceeded)
{
	struct aspace *as = ecfg(lock8);

	ASSERT_EQ(em(as, 0, PG(8), RW, PA | MAP_LOCKED, NULL, 0), 0);
	ASSERT_EQ(em(as, 0, PG(1), RW, PA | MAP_LOCKED, NULL, 0), -EAGAIN);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e16_file_too_large)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, MAP_PRIVATE, f,
		     0x7ffffffffffff000ull), -EOVERFLOW);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* SHARED_VALIDATE refuses flags outside the legacy set; MAP_SYNC is
 * accepted here only by ext4-like (FOP_MMAP_SYNC) files. */
TEST(test_mmap_e17_shared_validate_unknown_flag)
{
	struct aspace *as = fx_new();
	struct aspace_file *m = ef_file(ASPACE_FILE_SHMEM,
					ASPACE_O_READ | ASPACE_O_WRITE);
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR,
					ASPACE_O_READ | ASPACE_O_WRITE);
	int sv = ASPACE_MAP_SHARED_VALIDATE;

	ASSERT_EQ(em(as, 0, PG(1), RW, sv | ASPACE_MAP_SYNC, m, 0),
		  -EOPNOTSUPP);
	ASSERT_EQ(em(as, AT(0), PG(1), RW, sv | ASPACE_MAP_FIXED_NOREPLACE, f,
		     0), -EOPNOTSUPP);
	/* plain MAP_SHARED drops it silently and keeps VM_SYNC */
	ASSERT_EQ(em(as, AT(0), PG(1), RW, MAP_SHARED | MAP_FIXED |
		     ASPACE_MAP_SYNC, m, 0), 0);
	ASSERT_LAYOUT_F(as, "0-1:rw-s rd wr sh mr mw me ms sf");
	aspace_file_put(m);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e18_shared_write_readonly_fd)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, PG(1), RW, MAP_SHARED, f, 0), -EACCES);
	ASSERT_EQ(em(as, AT(0), PG(1), PROT_READ, MAP_SHARED | MAP_FIXED, f,
		     0), 0);
	ASSERT_LAYOUT_F(as, "0-1:r--s rd mr me ms");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e19_swapfile_write)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ |
					ASPACE_O_WRITE | ASPACE_F_SWAPFILE);

	ASSERT_EQ(em(as, 0, PG(1), RW, MAP_SHARED, f, 0), -ETXTBSY);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e20_append_only)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ |
					ASPACE_O_WRITE | ASPACE_F_APPEND);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, MAP_SHARED, f, 0), -EACCES);
	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, MAP_PRIVATE, f, 0), 0);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e21_not_readable)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_WRITE);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, MAP_PRIVATE, f, 0), -EACCES);
	ASSERT_EQ(em(as, 0, PG(1), PROT_WRITE, MAP_SHARED, f, 0), -EACCES);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e22_noexec_mount)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ |
					ASPACE_F_NOEXEC);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ | PROT_EXEC, MAP_PRIVATE, f, 0),
		  -EPERM);
	ASSERT_EQ(em(as, AT(0), PG(1), PROT_READ, MAP_PRIVATE | MAP_FIXED, f,
		     0), 0);
	ASSERT_LAYOUT_F(as, "0-1:r--p rd mr mw");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e23_no_mmap_op)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_NOMMAP, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, MAP_PRIVATE, f, 0), -ENODEV);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e24_file_growsdown)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, f,
		     0), -EINVAL);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e25_bad_type)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR, ASPACE_O_READ);

	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, 0, f, 0), -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), PROT_READ, ASPACE_MAP_DROPPABLE, f, 0),
		  -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, ASPACE_MAP_SHARED_VALIDATE |
		     MAP_ANONYMOUS, NULL, 0), -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, MAP_ANONYMOUS, NULL, 0), -EINVAL);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e26_memfd_write_seal)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_SHMEM, ASPACE_O_READ |
					ASPACE_O_WRITE | ASPACE_F_SEAL_WRITE);

	ASSERT_EQ(em(as, 0, PG(1), RW, MAP_SHARED, f, 0), -EPERM);
	ASSERT_EQ(em(as, AT(0), PG(1), PROT_READ, MAP_SHARED | MAP_FIXED, f,
		     0), 0);
	ASSERT_LAYOUT_F(as, "0-1:r--s rd sh mr me ms");
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(1), RW), -EACCES);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e27_anon_type_flags)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(em(as, 0, PG(1), RW, MAP_SHARED | MAP_ANONYMOUS |
		     MAP_GROWSDOWN, NULL, 0), -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, ASPACE_MAP_DROPPABLE | MAP_ANONYMOUS |
		     MAP_LOCKED, NULL, 0), -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, ASPACE_MAP_DROPPABLE | MAP_ANONYMOUS |
		     MAP_GROWSDOWN, NULL, 0), -EINVAL);
	ASSERT_EQ(em(as, 0, PG(1), RW, ASPACE_MAP_DROPPABLE | MAP_ANONYMOUS |
		     MAP_HUGETLB, NULL, 0), -EINVAL);
	ASSERT_EQ(em(as, AT(0), PG(1), RW, ASPACE_MAP_DROPPABLE |
		     MAP_ANONYMOUS | MAP_FIXED, NULL, 0), 0);
	ASSERT_LAYOUT_F(as, "0-1:rw-p rd wr mr mw me nr wf dd dp");
	aspace_free(as);
	return PASS;
}

TEST(test_mmap_e28_mdwe)
{
	struct aspace *as = fx_new();

	as->mdwe_refuse_exec_gain = true;
	ASSERT_EQ(em(as, 0, PG(1), RW | PROT_EXEC, PA, NULL, 0), -EACCES);
	ASSERT_EQ(em(as, 0, PG(1), PROT_READ | PROT_EXEC, PA, NULL, 0), 0);
	aspace_free(as);
	return PASS;
}

static struct aspace_vma_desc sealed(uint64_t p, uint64_t n)
{
	struct aspace_vma_desc d = {
		.start = AT(p), .end = AT(p + n), .pgoff = AT(p) >> 12,
		.flags = ASPACE_VM_READ | ASPACE_VM_MAYREAD |
			 ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC |
			 ASPACE_VM_SEALED,
	};

	return d;
}

/* gathering: sealed EPERM (a first split stays), max ENOMEM, [vdso] EINVAL */
TEST(test_mmap_e29_fixed_gathering)
{
	struct aspace *as = fx_new();
	struct aspace_vma_desc s = sealed(4, 4), v = sealed(20, 2);

	ASSERT_EQ(fx_map(as, 0, 4, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_insert_vma(as, &s), 0);
	ASSERT_EQ(fx_map(as, 2, 4, RW, 0), -EPERM);
	ASSERT_LAYOUT(as, "0-2:r--p | 2-4:r--p | 4-8:r--p");
	v.flags &= ~ASPACE_VM_SEALED;
	v.kind = ASPACE_VMA_VDSO;
	ASSERT_EQ(aspace_insert_vma(as, &v), 0);
	ASSERT_EQ(fx_map(as, 21, 4, RW, 0), -EINVAL);
	aspace_free(as);

	as = ecfg(max4);
	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 10, 1, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 12, 1, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 14, 1, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 1, PROT_READ, 0), -ENOMEM);
	ASSERT_LAYOUT(as, "0-8:rw-p | 10-11:rw-p | 12-13:rw-p | 14-15:rw-p");
	aspace_free(as);
	return PASS;
}

static void as12(struct aspace_config *c) { c->rlimit_as = PG(12); }

/* RLIMIT_AS on the net growth; the gathering's split stays.  A sealed
 * VMA in the way wins over RLIMIT_AS (row 29 before 30). */
TEST(test_mmap_e30_rlimit_as)
{
	struct aspace *as = ecfg(as12);

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 8, 8, RW, 0), -ENOMEM);
	ASSERT_EQ(aspace_last_oom(as), 0);
	ASSERT_LAYOUT(as, "0-8:rw-p | 8-12:rw-p");
	ASSERT_EQ(fx_map(as, 0, 12, PROT_READ, 0), 0);   /* net 0: fine */
	aspace_free(as);
	return PASS;
}

static void never(struct aspace_config *c)
{
	c->overcommit_memory = 2;
	c->totalram_pages = 1000;
	c->overcommit_ratio = 50;
	c->cap_sys_rawio = true;
}

TEST(test_mmap_e31_commit_refused)
{
	struct aspace *as = fx_new();
	struct aspace_counters c;

	/* guess mode: one request larger than RAM + swap */
	ASSERT_EQ(em(as, 0, PG(7000000), RW, PA, NULL, 0), -ENOMEM);
	ASSERT_EQ(em(as, 0, PG(7000000), RW, PA | MAP_NORESERVE, NULL, 0), 0);
	ASSERT_EQ(em(as, 0, PG(7000000), PROT_READ, PA, NULL, 0), 0);
	/* shared anonymous: the shmem object is charged, whatever prot */
	ASSERT_EQ(em(as, 0, PG(7000000), PROT_READ, MAP_SHARED | MAP_ANONYMOUS,
		     NULL, 0), -ENOMEM);
	ASSERT_EQ(aspace_last_oom(as), 0);
	ASSERT_EQ(em(as, 0, PG(7000000), PROT_READ, MAP_SHARED | MAP_ANONYMOUS |
		     MAP_NORESERVE, NULL, 0), 0);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	as = ecfg(never);
	ASSERT_EQ(em(as, 0, PG(400), RW, PA, NULL, 0), 0);
	ASSERT_EQ(em(as, 0, PG(200), RW, PA, NULL, 0), -ENOMEM);
	aspace_counters(as, &c);
	ASSERT_EQ(c.committed, 400);
	aspace_free(as);
	return PASS;
}

/* ext4 refuses VM_SYNC in its hook, after the old range was unmapped */
TEST(test_mmap_e32_hook_refuses_sync)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR,
					ASPACE_O_READ | ASPACE_O_WRITE);

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(em(as, AT(2), PG(2), RW, MAP_SHARED | MAP_FIXED |
		     ASPACE_MAP_SYNC, f, 0), -EOPNOTSUPP);
	ASSERT_LAYOUT(as, "0-2:rw-p | 4-8:rw-p");
	ASSERT_EQ(em(as, 0, PG(2), RW, MAP_PRIVATE | ASPACE_MAP_SYNC, f, 0),
		  -EOPNOTSUPP);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* check order: MAP_FIXED over a sealed VMA with RLIMIT_AS also exceeded
 * gives EPERM (gathering, row 29, before the limits, row 30) */
TEST(test_mmap_e29b_sealed_before_rlimit_as)
{
	struct aspace *as = ecfg(as12);
	struct aspace_vma_desc s = sealed(0, 4);

	ASSERT_EQ(aspace_insert_vma(as, &s), 0);
	ASSERT_EQ(fx_map(as, 2, 20, RW, 0), -EPERM);
	ASSERT_EQ(fx_map(as, 4, 20, RW, 0), -ENOMEM);
	ASSERT_LAYOUT(as, "0-4:r--p");
	aspace_free(as);
	return PASS;
}

/*
 * Not in spec/07 (docs/kernel-notes.md, "mmap at an error-valued
 * address"): the placement's result is tested with IS_ERR_VALUE() before
 * the TASK_SIZE and alignment checks, so a MAP_FIXED address in the last
 * 4095 bytes comes back as the errno it spells; the page-aligned
 * 0xfffffffffffff000 is not such a value and gets ENOMEM (TASK_SIZE -
 * len is tested before alignment, so an unaligned address just below the
 * range gets ENOMEM too).  Nothing is changed.  fuzz_regress_error_valued_addr
 * checks the same calls against the kernel.
 */
TEST(test_mmap_error_valued_fixed_address)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = ef_file(ASPACE_FILE_REGULAR,
					ASPACE_O_READ | ASPACE_O_WRITE);
	struct aspace_counters c0, c1;

	ASSERT_TRUE(f != NULL);
	aspace_counters(as, &c0);
	ASSERT_EQ(em(as, 0xfffffffffffffd9cull, PG(4), PROT_WRITE,
		     PAF | MAP_NORESERVE, NULL, 0), -612);
	ASSERT_EQ(em(as, 0xfffffffffffff001ull, PG(1), RW, PAF, NULL, 0),
		  -4095);
	ASSERT_EQ(em(as, 0xffffffffffffffffull, PG(1), RW,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL,
		     0), -1);
	ASSERT_EQ(em(as, 0xfffffffffffffe00ull, PG(2), RW,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), -512);
	ASSERT_EQ(em(as, 0xfffffffffffff800ull, PG(1), PROT_READ,
		     MAP_SHARED | MAP_FIXED, f, 0), -2048);
	ASSERT_EQ(em(as, 0xfffffffffffff000ull, PG(1), RW, PAF, NULL, 0),
		  -ENOMEM);
	ASSERT_EQ(em(as, 0xffffffffffffe001ull, PG(1), RW, PAF, NULL, 0),
		  -ENOMEM);
	/* without MAP_FIXED the hint is only a hint */
	ASSERT_EQ(em(as, 0xfffffffffffffd9cull, PG(1), RW, PA, NULL, 0), 0);
	aspace_counters(as, &c1);
	ASSERT_EQ(c1.map_count, c0.map_count + 1);
	ASSERT_EQ(aspace_last_oom(as), 0);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}
