/*
 * core_errno_calls_test.c - one test per row of spec/07's munmap, brk,
 * mprotect and pkey_mprotect tables.
 */
#include <errno.h>

#include "../vma/fixture.h"
#include "vma/vma.h"

#define RW   (PROT_READ | PROT_WRITE)
#define TS   0x7ffffffff000ull

static struct aspace *ecfg_max(int max)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.max_map_count = max;
	return aspace_new(&cfg);
}

static int ins(struct aspace *as, uint64_t p, uint64_t n, uint64_t flags,
	       enum aspace_vma_kind kind)
{
	struct aspace_vma_desc d = {
		.start = AT(p), .end = AT(p + n), .pgoff = AT(p) >> 12,
		.flags = flags | ASPACE_VM_MAYREAD | ASPACE_VM_MAYWRITE |
			 ASPACE_VM_MAYEXEC,
		.kind = kind,
	};

	return aspace_insert_vma(as, &d);
}

/* ---- munmap ---------------------------------------------------------- */

TEST(test_munmap_e01_bad_range)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_munmap(as, AT(0) + 1, PG(1)), -EINVAL);
	ASSERT_EQ(aspace_munmap(as, TS, PG(1)), -EINVAL);
	ASSERT_EQ(aspace_munmap(as, TS - PG(1), PG(2)), -EINVAL);
	ASSERT_EQ(aspace_munmap(as, TS - PG(1), PG(1)), 0);
	aspace_free(as);
	return PASS;
}

TEST(test_munmap_e02_len_zero)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_munmap(as, AT(0), 0), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_munmap_e03_nothing_mapped)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_munmap(as, 0, PG(1)), 0);
	ASSERT_EQ(fx_map(as, 4, 4, RW, 0), 0);
	ASSERT_EQ(aspace_munmap(as, AT(0), 1), 0);      /* len 1 = a page */
	ASSERT_LAYOUT(as, "4-8:rw-p");
	ASSERT_EQ(aspace_munmap(as, AT(4), 1), 0);
	ASSERT_LAYOUT(as, "5-8:rw-p");
	aspace_free(as);
	return PASS;
}

/* 3-way split at max: ENOMEM before the seal check; the last page: ok */
TEST(test_munmap_e04_three_way_at_max)
{
	struct aspace *as = ecfg_max(2);

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(ins(as, 10, 4, ASPACE_VM_READ | ASPACE_VM_SEALED,
		      ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(aspace_munmap(as, AT(2), PG(1)), -ENOMEM);
	ASSERT_EQ(aspace_munmap(as, AT(11), PG(1)), -ENOMEM);
	ASSERT_EQ(aspace_munmap(as, AT(7), PG(1)), 0);
	ASSERT_LAYOUT(as, "0-7:rw-p | 10-14:r--p");
	/* two VMAs cut at both ends: no limit check */
	ASSERT_EQ(fx_map(as, 7, 1, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_munmap(as, AT(6), PG(2)), 0);
	aspace_free(as);
	return PASS;
}

TEST(test_munmap_e05_first_sealed)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(ins(as, 0, 4, ASPACE_VM_READ | ASPACE_VM_SEALED,
		      ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(aspace_munmap(as, AT(2), PG(4)), -EPERM);
	ASSERT_LAYOUT(as, "0-4:r--p");
	aspace_free(as);
	return PASS;
}

TEST(test_munmap_e06_first_refuses_split)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(ins(as, 0, 2, ASPACE_VM_READ | ASPACE_VM_EXEC,
		      ASPACE_VMA_VDSO), 0);
	ASSERT_EQ(aspace_munmap(as, AT(1), PG(1)), -EINVAL);
	ASSERT_EQ(aspace_munmap(as, AT(0), PG(2)), 0);
	aspace_free(as);
	return PASS;
}

/* a sealed VMA later in the range: EPERM, the first split stays */
TEST(test_munmap_e07_later_sealed_or_refusing)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(ins(as, 4, 4, ASPACE_VM_READ | ASPACE_VM_SEALED,
		      ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(aspace_munmap(as, AT(2), PG(4)), -EPERM);
	ASSERT_LAYOUT(as, "0-2:rw-p | 2-4:rw-p | 4-8:r--p");
	ASSERT_EQ(ins(as, 10, 2, ASPACE_VM_READ, ASPACE_VMA_VDSO), 0);
	ASSERT_EQ(aspace_munmap(as, AT(8), PG(3)), -EINVAL);
	aspace_free(as);
	return PASS;
}

/* ---- brk ------------------------------------------------------------- */

static struct aspace *heap_as(void (*tweak)(struct aspace_config *))
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.start_brk = cfg.brk = AT(0);
	if (tweak)
		tweak(&cfg);
	return aspace_new(&cfg);
}

TEST(test_brk_e01_below_start)
{
	struct aspace *as = heap_as(NULL);
	uint64_t b;

	ASSERT_EQ(aspace_brk(as, 0, &b), 0);
	ASSERT_EQ(b, AT(0));
	ASSERT_EQ(aspace_brk(as, AT(0) - 1, &b), 0);
	ASSERT_EQ(b, AT(0));
	ASSERT_EQ(aspace_brk(as, AT(0) + 1, &b), 0);    /* one page, unaligned */
	ASSERT_EQ(b, AT(0) + 1);
	ASSERT_LAYOUT(as, "0-1:rw-p");
	ASSERT_EQ(aspace_brk(as, AT(0) + 4000, &b), 0); /* same page: no VMA change */
	ASSERT_EQ(b, AT(0) + 4000);
	ASSERT_EQ(aspace_brk(as, AT(0), &b), 0);        /* back: no [heap] */
	ASSERT_LAYOUT(as, "");
	aspace_free(as);
	return PASS;
}

static void data8(struct aspace_config *c)
{
	c->rlimit_data = PG(8);
	c->start_data = 0x1000;
	c->end_data = 0x3000;
}

TEST(test_brk_e02_rlimit_data)
{
	struct aspace *as = heap_as(data8);
	uint64_t b;

	ASSERT_EQ(aspace_brk(as, AT(6), &b), 0);
	ASSERT_EQ(b, AT(6));
	ASSERT_EQ(aspace_brk(as, AT(6) + 1, &b), 0);
	ASSERT_EQ(b, AT(6));
	aspace_free(as);
	return PASS;
}

TEST(test_brk_e03_shrink_sealed)
{
	struct aspace *as = heap_as(NULL);
	uint64_t b;

	ASSERT_EQ(aspace_brk(as, AT(4), &b), 0);
	ASSERT_EQ(aspace_munmap(as, AT(2), PG(2)), 0);
	ASSERT_EQ(ins(as, 2, 2, ASPACE_VM_READ | ASPACE_VM_SEALED,
		      ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(aspace_brk(as, AT(1), &b), 0);
	ASSERT_EQ(b, AT(4));
	/* munmap semantics: the split of the first VMA stays */
	ASSERT_LAYOUT(as, "0-1:rw-p | 1-2:rw-p | 2-4:r--p");
	/* shrinking over a hole only: refused (nothing intersects) */
	ASSERT_EQ(aspace_munmap(as, AT(0), PG(4)), -EPERM);
	aspace_free(as);
	return PASS;
}

/* growth needs one free page (plus the guard gap below GROWSDOWN) */
TEST(test_brk_e04_next_vma_too_close)
{
	struct aspace *as = heap_as(NULL);
	uint64_t b, out;

	ASSERT_EQ(fx_map(as, 5, 1, RW, 0), 0);
	ASSERT_EQ(aspace_brk(as, AT(4) + 1, &b), 0);
	ASSERT_EQ(b, AT(0));
	ASSERT_EQ(aspace_brk(as, AT(4), &b), 0);
	ASSERT_EQ(b, AT(4));
	ASSERT_EQ(aspace_munmap(as, AT(5), PG(1)), 0);
	ASSERT_EQ(aspace_mmap(as, AT(300), PG(4), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, NULL,
			      0, &out), 0);
	/* gap start G = AT(300) - 256 pages = AT(44): needs nA + 1 page <= G */
	ASSERT_EQ(aspace_brk(as, AT(43), &b), 0);
	ASSERT_EQ(b, AT(43));
	ASSERT_EQ(aspace_brk(as, AT(43) + 1, &b), 0);
	ASSERT_EQ(b, AT(43));
	aspace_free(as);
	return PASS;
}

static void as4(struct aspace_config *c) { c->rlimit_as = PG(4); }
static void max1(struct aspace_config *c) { c->max_map_count = 1; }
static void lockfut(struct aspace_config *c) { c->rlimit_memlock = PG(2); }

TEST(test_brk_e05_limits)
{
	struct aspace *as = heap_as(as4);
	uint64_t b;

	ASSERT_EQ(aspace_brk(as, AT(4), &b), 0);
	ASSERT_EQ(b, AT(4));
	ASSERT_EQ(aspace_brk(as, AT(5), &b), 0);
	ASSERT_EQ(b, AT(4));
	aspace_free(as);

	/* map_count > max refuses even a pure extension */
	as = heap_as(max1);
	ASSERT_EQ(aspace_brk(as, AT(1), &b), 0);
	ASSERT_EQ(fx_map(as, 100, 1, RW, 0), 0);
	ASSERT_EQ(aspace_brk(as, AT(2), &b), 0);
	ASSERT_EQ(b, AT(1));
	ASSERT_EQ(aspace_munmap(as, AT(100), PG(1)), 0);
	ASSERT_EQ(aspace_brk(as, AT(2), &b), 0);
	ASSERT_EQ(b, AT(2));
	aspace_free(as);

	/* MCL_FUTURE-style def_flags: RLIMIT_MEMLOCK */
	as = heap_as(lockfut);
	as->def_flags = VM_LOCKED;
	ASSERT_EQ(aspace_brk(as, AT(2), &b), 0);
	ASSERT_EQ(b, AT(2));
	ASSERT_EQ(aspace_brk(as, AT(3), &b), 0);
	ASSERT_EQ(b, AT(2));
	aspace_free(as);
	return PASS;
}

/* ---- mprotect / pkey_mprotect ---------------------------------------- */

TEST(test_mprotect_e01_both_grows)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mprotect(as, AT(0) + 1, 0, PROT_READ |
				  PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e02_unaligned)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mprotect(as, AT(0) + 1, 0, PROT_READ), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e03_len_zero)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mprotect(as, AT(0), 0, 0x7777), 0);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), 0, PROT_READ, 5), 0);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e04_wraps)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mprotect(as, AT(0), UINT64_MAX - AT(0), 0x7777),
		  -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e05_bad_prot)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(1), 0x10), -EINVAL);
	ASSERT_EQ(fx_map(as, 0, 1, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(1), PROT_READ | 0x8), 0);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e06_nothing_mapped)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(1), PROT_READ), -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e07_growsdown_on_plain)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), PROT_READ |
				  PROT_GROWSDOWN), -EINVAL);
	aspace_free(as);
	return PASS;
}

/* PROT_GROWSDOWN extends the start down to the VMA's start, also from a
 * hole just below it */
TEST(test_mprotect_e07b_growsdown_moves_start)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 4, 4, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(6), PG(1), PROT_READ |
				  PROT_GROWSDOWN), 0);
	ASSERT_LAYOUT(as, "4-7:r--p | 7-8:rw-p");
	ASSERT_EQ(aspace_mprotect(as, AT(2), PG(3), RW | PROT_GROWSDOWN), 0);
	ASSERT_LAYOUT(as, "4-5:rw-p | 5-7:r--p | 7-8:rw-p");
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e08_hole_at_start)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 1, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(3), PROT_READ), -ENOMEM);
	ASSERT_LAYOUT(as, "1-5:rw-p");
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), PROT_READ | PROT_GROWSUP),
		  -EINVAL);
	aspace_free(as);
	return PASS;
}

/* a hole between VMAs: the first keeps its change */
TEST(test_mprotect_e09_hole_inside)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 3, 2, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(5), PROT_READ), -ENOMEM);
	ASSERT_LAYOUT(as, "0-2:r--p | 3-5:rw-p");
	aspace_free(as);
	return PASS;
}

/* no VM_MAYWRITE: EACCES, after the earlier VMA changed */
TEST(test_mprotect_e10_no_maywrite)
{
	struct aspace *as = fx_new();
	struct aspace_file_desc d = { .path = "/ro", .size = PG(8),
				      .inode = 3, .flags = ASPACE_O_READ };
	struct aspace_file *f = aspace_file_open(&d);
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 2, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_mmap(as, AT(2), PG(2), PROT_READ, MAP_SHARED |
			      MAP_FIXED, f, 0, &out), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), RW), -EACCES);
	ASSERT_LAYOUT(as, "0-2:rw-p | 2-4:r--s");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e11_mdwe)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, PROT_READ | PROT_EXEC, 0), 0);
	as->mdwe_refuse_exec_gain = true;
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(2), PROT_READ), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(2), PROT_READ | PROT_EXEC),
		  -EACCES);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e12_driver_hook)
{
	SKIP("no LSM or vm_ops->mprotect hook is modelled");
}

/* sealed: EPERM even when the protection would not change; partial */
TEST(test_mprotect_e13_sealed)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 1, RW, 0), 0);
	ASSERT_EQ(ins(as, 1, 2, ASPACE_VM_READ | ASPACE_VM_WRITE |
		      ASPACE_VM_SEALED, ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(fx_map(as, 3, 1, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), PROT_READ), -EPERM);
	ASSERT_LAYOUT(as, "0-1:r--p | 1-3:rw-p | 3-4:rw-p");
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), RW), -EPERM);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e14_pfnmap_prot_none)
{
	SKIP("per-PFN permission walk: no PFN maps with page state modelled");
}

static void data4(struct aspace_config *c) { c->rlimit_data = PG(4); }

/* gaining write over RLIMIT_DATA, or a refused commit charge: ENOMEM */
TEST(test_mprotect_e15_data_limit_and_commit)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	data4(&cfg);
	as = aspace_new(&cfg);
	ASSERT_EQ(fx_map(as, 0, 8, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), RW), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(1), RW), -ENOMEM);
	ASSERT_LAYOUT(as, "0-4:rw-p | 4-8:r--p");
	aspace_free(as);

	aspace_config_init(&cfg);
	cfg.totalram_pages = 10;
	as = aspace_new(&cfg);
	ASSERT_EQ(fx_map(as, 0, 16, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(16), RW), -ENOMEM);
	ASSERT_LAYOUT(as, "0-16:r--p");
	aspace_free(as);
	return PASS;
}

/* a split at map_count == max: ENOMEM before the driver refusal */
TEST(test_mprotect_e16_split_at_max)
{
	struct aspace *as = ecfg_max(2);

	ASSERT_EQ(ins(as, 0, 2, ASPACE_VM_READ | ASPACE_VM_EXEC,
		      ASPACE_VMA_VDSO), 0);
	ASSERT_EQ(fx_map(as, 4, 2, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(1), PROT_READ), -ENOMEM);
	ASSERT_EQ(aspace_mprotect(as, AT(4), PG(1), PROT_READ), -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e17_split_refused)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(ins(as, 0, 2, ASPACE_VM_READ | ASPACE_VM_EXEC,
		      ASPACE_VMA_VDSO), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(1), PROT_READ), -EINVAL);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(2), PROT_READ), 0);
	aspace_free(as);
	return PASS;
}

TEST(test_mprotect_e18_hole_at_end)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(3), PROT_READ), -ENOMEM);
	ASSERT_LAYOUT(as, "0-2:r--p");
	aspace_free(as);
	return PASS;
}

static void nopku(struct aspace_config *c) { c->pku = false; }

/* pkey: -1 is mprotect; without PKU every other key is EINVAL; with PKU
 * only key 0 is allocated (the execute-only key is not: kernel-notes) */
TEST(test_pkey_mprotect_e_unallocated)
{
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_vma_info vi;

	aspace_config_init(&cfg);
	nopku(&cfg);
	as = aspace_new(&cfg);
	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), PG(1), PROT_READ, 0),
		  -EINVAL);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(9), PG(1), 0x10, 0), -EINVAL);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), PG(1), PROT_READ, -1), 0);
	aspace_free(as);

	as = fx_new();                  /* the reference CPU has PKU */
	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), PG(1), PROT_READ, 0), 0);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), PG(1), PROT_READ, 1),
		  -EINVAL);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), PG(1), PROT_READ, -2),
		  -EINVAL);
	/* the key is checked before the range: an empty range is EINVAL */
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(50), PG(1), PROT_READ, 3),
		  -EINVAL);
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(50), PG(1), PROT_READ, 0),
		  -ENOMEM);
	/* PROT_EXEC alone takes the execute-only key (1): reads fault */
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), PROT_EXEC), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(1), &vi), 0);
	ASSERT_EQ((vi.flags & ASPACE_VM_PKEY_MASK) >> 32, 1);
	ASSERT_EQ(aspace_touch(as, AT(1), 1, ASPACE_TOUCH_READ), -EFAULT);
	/* the execute-only key is not allocated for pkey_mprotect() */
	ASSERT_EQ(aspace_pkey_mprotect(as, AT(0), PG(1), PROT_READ, 1),
		  -EINVAL);
	/* leaving PROT_EXEC-only returns to key 0 */
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), PROT_READ), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(1), &vi), 0);
	ASSERT_EQ(vi.flags & ASPACE_VM_PKEY_MASK, 0);
	aspace_free(as);
	return PASS;
}
