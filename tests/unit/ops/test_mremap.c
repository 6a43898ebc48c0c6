/*
 * test_mremap.c - aspace_mremap(): one test per row of spec/07's mremap
 * table (plus check-order tests), per verified scenario of spec/04 §16,
 * the counter rules of 04 §10, spec/02 scenarios 22-23, and the 6.18.44
 * observations recorded in docs/kernel-notes.md ("mremap").
 *
 * Pages are relative to B = 0x200000000000 (2 MiB aligned); layouts are
 * "S-E:perms[/aN]" with page numbers relative to B (mr_layout()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"

#define B        0x200000000000ull
#define PG(n)    ((uint64_t)(n) * 4096ull)
#define AT(n)    (B + PG(n))
#define RW       (PROT_READ | PROT_WRITE)
#define RO       PROT_READ
#define MAYMOVE  1
#define FIXED    2
#define DONTUNMAP ASPACE_MREMAP_DONTUNMAP
#define HUGE     (2ull << 20)

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

static struct aspace *mr_new(void)
{
	return aspace_new(NULL);
}

static int map_anon(struct aspace *as, uint64_t p, uint64_t n, int prot,
		    int extra)
{
	uint64_t out;

	return aspace_mmap(as, AT(p), PG(n), prot,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra,
			   NULL, 0, &out);
}

static int fault(struct aspace *as, uint64_t p, uint64_t n)
{
	return aspace_touch(as, AT(p), PG(n), ASPACE_TOUCH_WRITE);
}

/* mremap returning the address or the negative errno. */
static int64_t mr(struct aspace *as, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr)
{
	uint64_t out = 0xdead;
	int err = aspace_mremap(as, addr, old_len, new_len, flags, new_addr,
				&out);

	return err ? err : (int64_t)out;
}

struct lay {
	char buf[4096];
	size_t len;
	bool flags;
};

static int lay_one(const struct aspace_vma_info *v, void *arg)
{
	struct lay *l = arg;
	char fl[200];

	l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
			   "%s%lld-%lld:%c%c%c%c", l->len ? " | " : "",
			   (long long)((int64_t)(v->start - B) / 4096),
			   (long long)((int64_t)(v->end - B) / 4096),
			   (v->flags & ASPACE_VM_READ) ? 'r' : '-',
			   (v->flags & ASPACE_VM_WRITE) ? 'w' : '-',
			   (v->flags & ASPACE_VM_EXEC) ? 'x' : '-',
			   (v->flags & ASPACE_VM_MAYSHARE) ? 's' : 'p');
	if (v->anon_id)
		l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
				   "/a%llu", (unsigned long long)v->anon_id);
	if (l->flags) {
		size_t k = aspace_vmflags_str(v->flags, fl, sizeof(fl));

		if (k && fl[k - 1] == ' ')
			fl[k - 1] = '\0';
		l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
				   " %s", fl);
	}
	return 0;
}

/* The VMAs in [B, B + 4096 pages) (static buffer). */
static const char *lay(const struct aspace *as, bool flags)
{
	static struct lay l;

	l.len = 0;
	l.buf[0] = '\0';
	l.flags = flags;
	aspace_for_each_vma(as, B, B + PG(4096), lay_one, &l);
	return l.buf;
}

#define ASSERT_LAY(as, want)						\
	do {								\
		ASSERT_EQ(aspace_validate(as), 0);			\
		ASSERT_STR_EQ(lay((as), false), (want));		\
	} while (0)
#define ASSERT_LAYF(as, want)						\
	do {								\
		ASSERT_EQ(aspace_validate(as), 0);			\
		ASSERT_STR_EQ(lay((as), true), (want));			\
	} while (0)

static struct aspace_counters cnt(const struct aspace *as)
{
	struct aspace_counters c;

	aspace_counters(as, &c);
	return c;
}

/* A regular file (rw) or a hugetlbfs file. */
static struct aspace_file *mk_file(enum aspace_file_kind kind, uint64_t ino)
{
	struct aspace_file_desc d = {
		.path = kind == ASPACE_FILE_HUGETLB ? "/dev/hugepages/f" :
			"/tmp/f", .size = 1ull << 30, .dev_major = 0xfe,
		.inode = ino, .flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = kind,
	};

	return aspace_file_open(&d);
}

/* A [vdso]-like special VMA of @n pages at page @p. */
static int ins_special(struct aspace *as, uint64_t p, uint64_t n,
		       enum aspace_vma_kind kind, uint64_t flags)
{
	struct aspace_vma_desc d = {
		.start = AT(p), .end = AT(p + n), .pgoff = 0,
		.flags = flags, .kind = kind,
	};

	return aspace_insert_vma(as, &d);
}

#define VDSO_FLAGS (ASPACE_VM_READ | ASPACE_VM_EXEC | ASPACE_VM_MAYREAD | \
		    ASPACE_VM_MAYEXEC | ASPACE_VM_DONTEXPAND)

/* A hugetlb shared mapping of @mib MiB at page @p (2 MiB aligned). */
static int map_huge(struct aspace *as, uint64_t p, uint64_t mib)
{
	struct aspace_config c = *aspace_get_config(as);
	struct aspace_file *f = mk_file(ASPACE_FILE_HUGETLB, 9);
	uint64_t out;
	int err;

	(void)c;
	err = aspace_mmap(as, AT(p), mib << 20, RW, MAP_SHARED | MAP_FIXED |
			  MAP_NORESERVE, f, 0, &out);
	aspace_file_put(f);
	return err;
}

/* Fill with one-page read-only VMAs (separated by holes) far from B
 * until map_count == @want. */
static void fill_count(struct aspace *as, uint64_t want)
{
	uint64_t far = 0x100000000000ull, i = 0, out;

	while (cnt(as).map_count < want) {
		aspace_mmap(as, far + PG(2 * i), PG(1), RO, MAP_PRIVATE |
			    MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &out);
		i++;
	}
}

static struct aspace *mr_new_max(int max)
{
	struct aspace_config c;

	aspace_config_init(&c);
	c.max_map_count = max;
	return aspace_new(&c);
}

/* ---------------------------------------------------------------------- */
/* spec/07 mremap table: one test per row                                 */
/* ---------------------------------------------------------------------- */

TEST(test_mremap_e01_unknown_flag)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), 8, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), -1, 0), -EINVAL);
	ASSERT_LAY(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e02_unaligned_addr)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0) + 1, PG(4), PG(2), 0, 0), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e03_new_len_zero)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), 0, 0, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), (uint64_t)-1, MAYMOVE, 0), -EINVAL);
	/* old_len within a page of 2^64 wraps to 0: a shrink to... no,
	 * an expansion of a zero-length private range: EINVAL (row 15) */
	ASSERT_EQ(mr(as, AT(0), (uint64_t)-1, PG(1), MAYMOVE, 0), -EINVAL);
	ASSERT_LAY(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e04_new_len_above_task_size)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), 1ull << 47, MAYMOVE, 0), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e05_new_addr_past_task_size)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED,
		     0x7ffffffff000ull - PG(3)), -EINVAL);
	/* without FIXED/DONTUNMAP new_addr is ignored completely */
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), 0, 0xffffffffffffff01ull),
		  (int64_t)AT(0));
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e06_new_addr_unaligned)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(20) + 8),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP, 8),
		  -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e07_new_addr_without_maymove)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), FIXED, AT(20)), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), DONTUNMAP, AT(20)), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), FIXED | DONTUNMAP, AT(20)),
		  -EINVAL);
	ASSERT_LAY(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e08_dontunmap_resize)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(2), MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e09_overlap)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(0)),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(3)),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(4), PG(4), PG(4), MAYMOVE | DONTUNMAP, AT(1)),
		  -EINVAL);
	/* touching is not overlapping */
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(4)),
		  (int64_t)AT(4));
	aspace_free(as);
	return PASS;
}

/* Row 10: FIXED/DONTUNMAP at map_count >= max - 5, before any lookup. */
TEST(test_mremap_e10_map_count_max_minus_5)
{
	struct aspace *as = mr_new_max(30);

	ASSERT_EQ(map_anon(as, 0, 8, RW, 0), 0);
	fill_count(as, 24);                     /* max - 6 */
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_EQ(cnt(as).map_count, 25);       /* source trimmed, + moved */
	ASSERT_EQ(aspace_munmap(as, AT(20), PG(2)), 0);
	fill_count(as, 25);                     /* max - 5 */
	ASSERT_EQ(mr(as, AT(2), PG(2), PG(2), MAYMOVE | FIXED, AT(20)),
		  -ENOMEM);
	ASSERT_EQ(mr(as, AT(2), PG(2), PG(2), MAYMOVE | DONTUNMAP, 0),
		  -ENOMEM);
	ASSERT_TRUE(!aspace_last_oom(as));
	/* the other modes do not look at it */
	ASSERT_EQ(mr(as, AT(2), PG(6), PG(6), 0, 0), (int64_t)AT(2));
	ASSERT_EQ(mr(as, AT(2), PG(6), PG(4), 0, 0), (int64_t)AT(2));
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* Row 10 precedes row 11 (no VMA at addr). */
TEST(test_mremap_order_e10_before_e11)
{
	struct aspace *as = mr_new_max(30);

	fill_count(as, 25);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE | FIXED, AT(20)),
		  -ENOMEM);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE, 0), -EFAULT);
	aspace_free(as);
	return PASS;
}

/* Rows 9 and 8 precede row 10. */
TEST(test_mremap_order_e09_before_e10)
{
	struct aspace *as = mr_new_max(30);

	ASSERT_EQ(map_anon(as, 0, 8, RW, 0), 0);
	fill_count(as, 29);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(2)),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(2), MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(test_mremap_e11_unmapped_addr)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 2, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(1), 0, 0), -EFAULT);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), MAYMOVE, 0), -EFAULT);
	ASSERT_EQ(mr(as, AT(6), PG(2), PG(2), MAYMOVE | DONTUNMAP, 0),
		  -EFAULT);
	/* pure move: hole at the start, and no VMA in the range at all */
	ASSERT_EQ(mr(as, AT(0), PG(6), PG(6), MAYMOVE | FIXED, AT(20)),
		  -EFAULT);
	ASSERT_EQ(mr(as, AT(8), PG(6), PG(6), MAYMOVE | FIXED, AT(20)),
		  -EFAULT);
	ASSERT_LAY(as, "2-6:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 * Row 12: a pure move through a VMA whose file has its own unmapped-area
 * hook (private /dev/zero): alone it moves; first with more after it,
 * EFAULT before anything; after an eligible piece, EFAULT (partial).
 */
static struct aspace_file *mk_devzero(void)
{
	struct aspace_file_desc d = {
		.path = "/dev/zero", .dev_major = 1, .dev_minor = 5,
		.inode = 4, .flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = ASPACE_FILE_DEVZERO,
	};

	return aspace_file_open(&d);
}

TEST(test_mremap_e12_pure_move_ineligible)
{
	struct aspace *as = mr_new();
	struct aspace_file *z = mk_devzero();
	uint64_t out;

	ASSERT_EQ(map_anon(as, 10, 2, RO, 0), 0);
	ASSERT_EQ(aspace_mmap(as, AT(12), PG(2), RW, MAP_PRIVATE | MAP_FIXED,
			      z, 0, &out), 0);
	ASSERT_EQ(map_anon(as, 14, 2, RO, MAP_NORESERVE), 0);
	/* first piece ineligible and the range goes on: nothing moves */
	ASSERT_EQ(mr(as, AT(12), PG(4), PG(4), MAYMOVE | FIXED, AT(40)),
		  -EFAULT);
	ASSERT_LAY(as, "10-12:r--p | 12-14:rw-p | 14-16:r--p");
	/* eligible first piece, ineligible second: the first stays moved */
	ASSERT_EQ(mr(as, AT(10), PG(4), PG(4), MAYMOVE | FIXED, AT(40)),
		  -EFAULT);
	ASSERT_LAY(as, "12-14:rw-p | 14-16:r--p | 40-42:r--p");
	/* alone (range ends inside it) it moves */
	ASSERT_EQ(mr(as, AT(12), PG(2), PG(2), MAYMOVE | FIXED, AT(50)),
		  (int64_t)AT(50));
	ASSERT_LAY(as, "14-16:r--p | 40-42:r--p | 50-52:rw-p");
	aspace_file_put(z);
	aspace_free(as);
	return PASS;
}

/* Row 13: a sealed VMA refuses every form, even a no-op and a shrink. */
TEST(test_mremap_e13_sealed)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), 0, 0), -EPERM);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(2), 0, 0), -EPERM);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(8), MAYMOVE, 0), -EPERM);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(20)),
		  -EPERM);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP, 0),
		  -EPERM);
	ASSERT_LAY(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}

/* Row 14: hugetlb alignment, and the raw new_addr even without FIXED. */
TEST(test_mremap_e14_hugetlb)
{
	struct aspace *as = mr_new();
	uint64_t h = HUGE / 4096;

	ASSERT_EQ(map_huge(as, 0, 4), 0);
	ASSERT_EQ(mr(as, AT(0), 4 << 20, 4 << 20, 0, 0x123), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), 4 << 20, 4 << 20, 0, HUGE), (int64_t)AT(0));
	ASSERT_EQ(mr(as, AT(1), PG(1), PG(1), 0, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), 4 << 20, 6 << 20, MAYMOVE, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), 4 << 20, 4 << 20, MAYMOVE | FIXED,
		     AT(8 * h) + PG(1)), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), 4 << 20, 4 << 20, MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* Row 13 precedes row 14: sealed hugetlb with a bad new_addr. */
TEST(test_mremap_order_e13_before_e14)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_huge(as, 0, 2), 0);
	ASSERT_EQ(aspace_mseal(as, AT(0), HUGE, 0), 0);
	ASSERT_EQ(mr(as, AT(0), HUGE, HUGE, 0, 0x123), -EPERM);
	aspace_free(as);
	return PASS;
}

/* Row 15: old_len 0 on a private mapping. */
TEST(test_mremap_e15_old_len_zero_private)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), 0, PG(2), MAYMOVE, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), 0, PG(2), MAYMOVE | FIXED, AT(20)), -EINVAL);
	/* growing without MAYMOVE checks it too (EXPAND) */
	ASSERT_EQ(mr(as, AT(0), 0, PG(2), 0, 0), -EINVAL);
	ASSERT_LAY(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}

/* Row 16: DONTUNMAP of VM_DONTEXPAND / VM_PFNMAP. */
TEST(test_mremap_e16_dontunmap_special)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(ins_special(as, 0, 2, ASPACE_VMA_VDSO, VDSO_FLAGS), 0);
	ASSERT_EQ(ins_special(as, 4, 1, ASPACE_VMA_VVAR, ASPACE_VM_READ |
			      ASPACE_VM_MAYREAD | ASPACE_VM_PFNMAP |
			      ASPACE_VM_IO | ASPACE_VM_DONTDUMP), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(4), PG(1), PG(1), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), -EINVAL);
	/* row 16 precedes row 17 (range past the VMA's end) */
	ASSERT_EQ(mr(as, AT(0), PG(3), PG(3), MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	aspace_free(as);
	return PASS;
}

/* Row 17: the range runs past the VMA's end (EFAULT even with MAYMOVE). */
TEST(test_mremap_e17_range_past_vma_end)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 2, 2, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(6), MAYMOVE, 0), -EFAULT);
	ASSERT_EQ(mr(as, AT(1), PG(2), PG(2), MAYMOVE | DONTUNMAP, 0),
		  -EFAULT);
	/* a FIXED shrink checks the new length only */
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(2), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_LAY(as, "20-22:rw-p");
	aspace_free(as);
	return PASS;
}

/* Row 18: growing past the largest pgoff; precedes row 19. */
TEST(test_mremap_e18_pgoff_overflow)
{
	struct aspace *as = mr_new();
	struct aspace_vma_desc d = {
		.start = AT(0), .end = AT(2), .pgoff = UINT64_MAX - 3,
		.flags = VDSO_FLAGS,
	};

	ASSERT_EQ(aspace_insert_vma(as, &d), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(8), MAYMOVE, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(3), MAYMOVE, 0), -EFAULT);
	aspace_free(as);
	return PASS;
}

/* Row 19: growing a VM_DONTEXPAND ([vdso]) or VM_PFNMAP VMA. */
TEST(test_mremap_e19_grow_dontexpand)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(ins_special(as, 0, 2, ASPACE_VMA_VDSO, VDSO_FLAGS), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(3), 0, 0), -EFAULT);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(3), MAYMOVE, 0), -EFAULT);
	aspace_free(as);
	return PASS;
}

/* Row 20: RLIMIT_MEMLOCK for a locked VMA's growth; row 19 before it,
 * row 20 before row 21. */
TEST(test_mremap_e20_grow_locked_memlock)
{
	struct aspace_config c;
	struct aspace *as;

	aspace_config_init(&c);
	c.rlimit_memlock = PG(6);
	c.rlimit_as = PG(6);
	as = aspace_new(&c);
	ASSERT_EQ(map_anon(as, 0, 4, RW, MAP_LOCKED), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(6), 0, 0), (int64_t)AT(0));
	ASSERT_EQ(mr(as, AT(0), PG(6), PG(7), 0, 0), -EAGAIN);
	ASSERT_EQ(mr(as, AT(0), PG(6), PG(7), MAYMOVE, 0), -EAGAIN);
	ASSERT_EQ(ins_special(as, 20, 1, ASPACE_VMA_VDSO, VDSO_FLAGS |
			      ASPACE_VM_LOCKED), 0);
	ASSERT_EQ(mr(as, AT(20), PG(1), PG(2), 0, 0), -EFAULT);
	ASSERT_EQ(cnt(as).locked_vm, 7);
	ASSERT_LAY(as, "0-6:rw-p/a1 | 20-21:r-xp");
	aspace_free(as);
	return PASS;
}

/* Row 21: RLIMIT_AS and RLIMIT_DATA for growth. */
TEST(test_mremap_e21_grow_rlimits)
{
	struct aspace_config c;
	struct aspace *as;

	aspace_config_init(&c);
	c.rlimit_as = PG(8);
	as = aspace_new(&c);
	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(8), 0, 0), (int64_t)AT(0));
	ASSERT_EQ(mr(as, AT(0), PG(8), PG(9), MAYMOVE, 0), -ENOMEM);
	ASSERT_TRUE(!aspace_last_oom(as));
	aspace_free(as);

	aspace_config_init(&c);
	c.rlimit_data = PG(4);
	as = aspace_new(&c);
	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 10, 4, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(5), 0, 0), -ENOMEM);
	ASSERT_EQ(mr(as, AT(10), PG(4), PG(6), 0, 0), (int64_t)AT(10));
	ASSERT_LAY(as, "0-4:rw-p | 10-16:r--p");
	aspace_free(as);
	return PASS;
}

/* Row 22: the FIXED destination cannot be unmapped. */
TEST(test_mremap_e22_fixed_destination_refused)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 20, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(22), PG(2), 0), 0);
	/* the seal refusal keeps the split made at the destination start */
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(21)),
		  -EPERM);
	ASSERT_LAY(as, "0-4:rw-p | 20-21:r--p | 21-22:r--p | 22-24:r--p");
	/* a [vdso] in the destination refuses the split */
	ASSERT_EQ(ins_special(as, 30, 2, ASPACE_VMA_VDSO, VDSO_FLAGS), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE | FIXED, AT(31)),
		  -EINVAL);
	ASSERT_LAY(as, "0-4:rw-p | 20-21:r--p | 21-22:r--p | 22-24:r--p | "
		   "30-32:r-xp");
	aspace_free(as);
	return PASS;
}

/* Row 23: DONTUNMAP's own RLIMIT_AS check for the copy. */
TEST(test_mremap_e23_dontunmap_rlimit_as)
{
	struct aspace_config c;
	struct aspace *as;

	aspace_config_init(&c);
	c.rlimit_as = PG(6);
	as = aspace_new(&c);
	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP, 0),
		  -ENOMEM);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), (int64_t)AT(20));
	ASSERT_LAY(as, "0-4:rw-p | 20-22:rw-p");
	aspace_free(as);
	return PASS;
}

/* Row 22 precedes row 23. */
TEST(test_mremap_order_e22_before_e23)
{
	struct aspace_config c;
	struct aspace *as;

	aspace_config_init(&c);
	c.rlimit_as = PG(9);
	as = aspace_new(&c);
	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 20, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(20), PG(4), 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), -EPERM);
	aspace_free(as);
	return PASS;
}

/* Row 24: no room in place and no MAYMOVE (also old_len 0 shared). */
TEST(test_mremap_e24_grow_no_room)
{
	struct aspace *as = mr_new();
	uint64_t out;

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 3, 1, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), 0, 0), -ENOMEM);
	ASSERT_TRUE(!aspace_last_oom(as));
	/* not a suffix of the VMA: cannot grow in place either */
	ASSERT_EQ(mr(as, AT(0), PG(1), PG(2), 0, 0), -ENOMEM);
	ASSERT_EQ(aspace_mmap(as, AT(10), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(mr(as, AT(11), 0, PG(2), 0, 0), -ENOMEM);
	ASSERT_LAY(as, "0-2:rw-p | 3-4:r--p | 10-14:rw-s");
	aspace_free(as);
	return PASS;
}

/* Row 25: the shrink's tail cannot be unmapped. */
TEST(test_mremap_e25_shrink_tail_refused)
{
	struct aspace *as = mr_new_max(40);

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 4, 4, RO, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(6), PG(2), 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(8), PG(2), 0, 0), -EPERM);
	/* the first VMA was split at the tail start before the refusal */
	ASSERT_LAY(as, "0-2:rw-p | 2-4:rw-p | 4-6:r--p | 6-8:r--p");
	ASSERT_EQ(ins_special(as, 10, 2, ASPACE_VMA_VDSO, VDSO_FLAGS), 0);
	ASSERT_EQ(mr(as, AT(10), PG(2), PG(1), 0, 0), -EINVAL);
	/* 3-way split of the tail at map_count == max */
	ASSERT_EQ(map_anon(as, 20, 8, RW, 0), 0);
	fill_count(as, 40);
	ASSERT_EQ(mr(as, AT(22), PG(4), PG(2), 0, 0), -ENOMEM);
	ASSERT_EQ(mr(as, AT(22), PG(6), PG(2), 0, 0), (int64_t)AT(22));
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* Row 26: no free range for a growth that must move. */
TEST(test_mremap_e26_no_free_range)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 2, 1, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), 0x7ffffffff000ull - PG(1), MAYMOVE,
		     0), -ENOMEM);
	ASSERT_TRUE(!aspace_last_oom(as));
	ASSERT_LAY(as, "0-2:rw-p | 2-3:r--p");
	aspace_free(as);
	return PASS;
}

/* Row 27: a move needs map_count < max - 3 (in place growth never). */
TEST(test_mremap_e27_move_map_count)
{
	struct aspace *as = mr_new_max(30);

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 2, 1, RO, 0), 0);
	ASSERT_EQ(map_anon(as, 10, 2, RW, 0), 0);
	fill_count(as, 27);                     /* max - 3 */
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), MAYMOVE, 0), -ENOMEM);
	ASSERT_TRUE(!aspace_last_oom(as));
	ASSERT_EQ(mr(as, AT(10), PG(2), PG(4), MAYMOVE, 0), (int64_t)AT(10));
	ASSERT_EQ(aspace_munmap(as, 0x100000000000ull, PG(1)), 0);
	ASSERT_EQ(cnt(as).map_count, 26);       /* max - 4 */
	ASSERT_TRUE(mr(as, AT(0), PG(2), PG(4), MAYMOVE, 0) > 0);
	ASSERT_LAY(as, "2-3:r--p | 10-14:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 * Row 28 (spec/04 §16 scenario 15): a partial [vdso] move is refused by
 * its split hook after the FIXED destination was unmapped.
 *  page    10 11 12 13
 *  before  R  R  R  R	then mremap(vdso, 1p, 1p, FIXED, 10)
 *  after   .  R  R  R	EINVAL; [vdso] unchanged
 */
TEST(test_mremap_e28_s15_partial_vdso_move)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 10, 4, RO, 0), 0);
	ASSERT_EQ(ins_special(as, 40, 2, ASPACE_VMA_VDSO, VDSO_FLAGS), 0);
	ASSERT_EQ(mr(as, AT(40), PG(1), PG(1), MAYMOVE | FIXED, AT(10)),
		  -EINVAL);
	ASSERT_LAY(as, "11-14:r--p | 40-42:r-xp");
	/* the whole [vdso] moves, keeping its kind (and name) */
	ASSERT_EQ(mr(as, AT(40), PG(2), PG(2), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	{
		struct aspace_vma_info vi;

		ASSERT_EQ(aspace_vma_at(as, AT(20), &vi), 0);
		ASSERT_EQ(vi.kind, ASPACE_VMA_VDSO);
	}
	ASSERT_LAY(as, "11-14:r--p | 20-22:r-xp");
	aspace_free(as);
	return PASS;
}

/* Row 29: the commit charge is refused (overcommit guess, one request
 * larger than RAM + swap). */
TEST(test_mremap_e29_commit_refused)
{
	struct aspace_config c;
	struct aspace *as;

	aspace_config_init(&c);
	c.totalram_pages = 16;
	as = aspace_new(&c);
	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(30), 0, 0), -ENOMEM);
	ASSERT_TRUE(!aspace_last_oom(as));
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(12), 0, 0), (int64_t)AT(0));
	ASSERT_EQ(map_anon(as, 12, 1, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(12), PG(30), MAYMOVE, 0), -ENOMEM);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* ---------------------------------------------------------------------- */
/* spec/04 §16 verified scenarios                                         */
/* ---------------------------------------------------------------------- */

/*
 *  page    0 1 2 3
 *  before  A A A A	mremap(B, 4p, 2p, 0)
 *  after   A A . .
 */
TEST(test_mremap_s01_shrink_tail)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(2), 0, 0), (int64_t)AT(0));
	ASSERT_LAY(as, "0-2:rw-p");
	ASSERT_EQ(cnt(as).total_vm, 2);
	ASSERT_EQ(cnt(as).committed, 2);
	aspace_free(as);
	return PASS;
}

/*
 *  before  A A A A	mremap(B+1p, 2p, 1p, 0)
 *  after   A A . A	the inner shrink splits
 */
TEST(test_mremap_s02_shrink_inner_splits)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(1), PG(2), PG(1), 0, 0), (int64_t)AT(1));
	ASSERT_LAY(as, "0-2:rw-p | 3-4:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3 4 5 6 7
 *  before  A A R R . . R R	mremap(B, 8p, 1p, 0)
 *  after   A . . . . . . .	across VMAs and holes
 */
TEST(test_mremap_s03_shrink_across_vmas_and_holes)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 2, 2, RO, 0), 0);
	ASSERT_EQ(map_anon(as, 6, 2, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(8), PG(1), 0, 0), (int64_t)AT(0));
	ASSERT_LAY(as, "0-1:rw-p");
	ASSERT_EQ(cnt(as).total_vm, 1);
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3 4 5
 *  before  A A . . C C	mremap(B, 2p, 4p, 0)
 *  after   A A A A A A	both unfaulted: one VMA
 *  faulted (a1, a2):	A A A A|C C
 */
TEST(test_mremap_s04_grow_in_place_merges_next)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 4, 2, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), 0, 0), (int64_t)AT(0));
	ASSERT_LAY(as, "0-6:rw-p");
	ASSERT_EQ(cnt(as).total_vm, 6);
	ASSERT_EQ(cnt(as).committed, 6);
	aspace_free(as);

	as = mr_new();
	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 4, 2, RW, 0), 0);
	ASSERT_EQ(fault(as, 0, 2), 0);
	ASSERT_EQ(fault(as, 4, 2), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), 0, 0), (int64_t)AT(0));
	ASSERT_LAY(as, "0-4:rw-p/a1 | 4-6:rw-p/a2");
	aspace_free(as);

	/* a faulted VMA grows into an unfaulted one */
	as = mr_new();
	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 4, 2, RW, 0), 0);
	ASSERT_EQ(fault(as, 0, 2), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), 0, 0), (int64_t)AT(0));
	ASSERT_LAY(as, "0-6:rw-p/a1");
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  before  A A . R	mremap(B, 2p, 4p, 0) = ENOMEM
 *  MAYMOVE: A moves elsewhere (top-down), 4 pages
 */
TEST(test_mremap_s05_grow_blocked)
{
	struct aspace *as = mr_new();
	struct aspace_vma_info vi;
	int64_t x;

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 3, 1, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), 0, 0), -ENOMEM);
	ASSERT_LAY(as, "0-2:rw-p | 3-4:r--p");
	x = mr(as, AT(0), PG(2), PG(4), MAYMOVE, 0);
	ASSERT_TRUE(x > 0 && (uint64_t)x != AT(0));
	ASSERT_EQ(aspace_vma_at(as, (uint64_t)x, &vi), 0);
	ASSERT_EQ(vi.start, (uint64_t)x);
	ASSERT_EQ(vi.end, (uint64_t)x + PG(4));
	ASSERT_LAY(as, "3-4:r--p");
	ASSERT_EQ(cnt(as).total_vm, 5);
	ASSERT_EQ(cnt(as).committed, 4);
	aspace_free(as);
	return PASS;
}

/* Growth in place ignores the stack guard gap of a GROWSDOWN VMA. */
TEST(test_mremap_s06_grow_ignores_guard_gap)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 300, 2, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(300), 0, 0), (int64_t)AT(0));
	ASSERT_LAY(as, "0-300:rw-p | 300-302:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 *  page    0..4   20 21 22 23 24 25 26 27
 *  before  A      R  R  R  R  R  R  R  R	move A to 22
 *  after   .      R  R  A  A  A  A  R  R
 */
TEST(test_mremap_s07_fixed_replaces_destination)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 20, 8, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(22)),
		  (int64_t)AT(22));
	ASSERT_LAY(as, "20-22:r--p | 22-26:rw-p | 26-28:r--p");
	ASSERT_EQ(cnt(as).total_vm, 8);
	aspace_free(as);
	return PASS;
}

/*
 * DONTUNMAP of a locked, faulted private VMA: the old VMA stays (no `lo`,
 * still `ac`, no anon_vma: the whole VMA moved), the new one is locked;
 * locked_vm 4 -> 8 pages and never comes back down.
 */
TEST(test_mremap_s08_dontunmap_locked)
{
	struct aspace *as = mr_new();
	struct aspace_vma_info vi;
	char fl[128];
	int64_t x;

	ASSERT_EQ(map_anon(as, 0, 4, RW, MAP_LOCKED), 0);
	ASSERT_LAYF(as, "0-4:rw-p/a1 rd wr mr mw me lo ac");
	ASSERT_EQ(cnt(as).locked_vm, 4);
	x = mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP, 0);
	ASSERT_TRUE(x > 0 && (uint64_t)x != AT(0));
	ASSERT_LAYF(as, "0-4:rw-p rd wr mr mw me ac");
	ASSERT_EQ(aspace_vma_at(as, (uint64_t)x, &vi), 0);
	ASSERT_EQ(vi.end - vi.start, PG(4));
	ASSERT_EQ(vi.anon_id, 1);
	aspace_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd wr mr mw me lo ac ");
	ASSERT_EQ(cnt(as).locked_vm, 8);
	ASSERT_EQ(cnt(as).committed, 8);
	ASSERT_EQ(cnt(as).total_vm, 8);
	ASSERT_EQ(aspace_munmap(as, (uint64_t)x, PG(4)), 0);
	ASSERT_EQ(cnt(as).locked_vm, 4);
	ASSERT_EQ(aspace_munmap(as, AT(0), PG(4)), 0);
	ASSERT_EQ(cnt(as).locked_vm, 4);
	ASSERT_EQ(cnt(as).committed, 0);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* DONTUNMAP|FIXED of a shared file mapping: both map the same pages. */
TEST(test_mremap_s09_dontunmap_shared_file)
{
	struct aspace *as = mr_new();
	struct aspace_file *f = mk_file(ASPACE_FILE_REGULAR, 7);
	struct aspace_vma_info a, b;
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, AT(0), PG(4), RW, MAP_SHARED | MAP_FIXED, f,
			      PG(4), &out), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP | FIXED,
		     AT(10)), (int64_t)AT(10));
	ASSERT_LAY(as, "0-4:rw-s | 10-14:rw-s");
	ASSERT_EQ(aspace_vma_at(as, AT(0), &a), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(10), &b), 0);
	ASSERT_EQ(a.pgoff, 4);
	ASSERT_EQ(b.pgoff, 4);
	ASSERT_TRUE(a.file == f && b.file == f);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3 4 5	->	20 21 22 23 24 25
 *  before  A A R R . C			A  A  R  R  .  C
 */
TEST(test_mremap_s10_multi_vma_move_with_gap)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 2, 2, RO, 0), 0);
	ASSERT_EQ(map_anon(as, 5, 1, RW, MAP_NORESERVE), 0);
	ASSERT_EQ(mr(as, AT(0), PG(6), PG(6), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_LAY(as, "20-22:rw-p | 22-24:r--p | 25-26:rw-p");
	ASSERT_EQ(cnt(as).total_vm, 5);
	aspace_free(as);
	return PASS;
}

/* Only the destinations of the pieces are unmapped: 22-24 survives. */
TEST(test_mremap_s11_destination_gap_preserved)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 4, 2, RO, 0), 0);
	ASSERT_EQ(map_anon(as, 22, 2, PROT_EXEC, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(6), PG(6), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_LAY(as, "20-22:rw-p | 22-24:--xp | 24-26:r--p");
	aspace_free(as);
	return PASS;
}

/* No rollback: the first piece moved, the sealed second refuses. */
TEST(test_mremap_s12_partial_multi_move)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 2, 2, RO, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(2), PG(2), 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(20)),
		  -EPERM);
	ASSERT_LAY(as, "2-4:r--p | 20-22:rw-p");
	ASSERT_TRUE(!aspace_last_oom(as));
	aspace_free(as);
	return PASS;
}

/* A faulted page moved out and back re-merges (pgoff contiguous again). */
TEST(test_mremap_s13_move_back_remerges)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 3, RW, 0), 0);
	ASSERT_EQ(fault(as, 0, 3), 0);
	ASSERT_EQ(mr(as, AT(1), PG(1), PG(1), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_LAY(as, "0-1:rw-p/a1 | 2-3:rw-p/a1 | 20-21:rw-p/a1");
	ASSERT_EQ(mr(as, AT(20), PG(1), PG(1), MAYMOVE | FIXED, AT(1)),
		  (int64_t)AT(1));
	ASSERT_LAY(as, "0-3:rw-p/a1");
	ASSERT_EQ(cnt(as).map_count, 1);
	aspace_free(as);
	return PASS;
}

/* Unfaulted moved next to faulted merges; faulted next to unfaulted not. */
TEST(test_mremap_s14_unfaulted_merges_faulted_not)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fault(as, 0, 2), 0);
	ASSERT_EQ(map_anon(as, 10, 2, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(10), PG(2), PG(2), MAYMOVE | FIXED, AT(2)),
		  (int64_t)AT(2));
	ASSERT_LAY(as, "0-4:rw-p/a1");
	aspace_free(as);

	as = mr_new();
	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 10, 2, RW, 0), 0);
	ASSERT_EQ(fault(as, 10, 2), 0);
	ASSERT_EQ(mr(as, AT(10), PG(2), PG(2), MAYMOVE | FIXED, AT(2)),
		  (int64_t)AT(2));
	ASSERT_LAY(as, "0-2:rw-p | 2-4:rw-p/a1");
	aspace_free(as);
	return PASS;
}

/* hugetlb: shrink 4 -> 2 MiB; grow, unaligned move, DONTUNMAP refused. */
TEST(test_mremap_s16_hugetlb)
{
	struct aspace *as = mr_new();
	uint64_t h = HUGE / 4096;

	ASSERT_EQ(map_huge(as, 0, 4), 0);
	ASSERT_EQ(mr(as, AT(0), 4 << 20, 2 << 20, 0, 0), (int64_t)AT(0));
	ASSERT_EQ(mr(as, AT(0), 2 << 20, 4 << 20, MAYMOVE, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), HUGE, HUGE, MAYMOVE | FIXED, AT(4 * h) +
		     PG(16)), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), HUGE, HUGE, MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0), HUGE, HUGE, MAYMOVE | FIXED, AT(4 * h)),
		  (int64_t)AT(4 * h));
	ASSERT_EQ(cnt(as).total_vm, h);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* The validation list of scenario 17. */
TEST(test_mremap_s17_validation)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), 8, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), FIXED, AT(20)), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(4), MAYMOVE | DONTUNMAP, 0),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(2)),
		  -EINVAL);
	ASSERT_EQ(mr(as, AT(0) + 16, PG(2), PG(2), 0, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), 0, 0, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), (uint64_t)-1, 0, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), PG(2), 1ull << 47, MAYMOVE, 0), -EINVAL);
	ASSERT_EQ(mr(as, AT(0), 0, PG(2), MAYMOVE, 0), -EINVAL);
	ASSERT_LAY(as, "0-8:rw-p");
	aspace_free(as);
	return PASS;
}

/* ---------------------------------------------------------------------- */
/* Counters (spec/04 §10) and the 6.18.44 observations                    */
/* ---------------------------------------------------------------------- */

/* Shrink by d: total, data, locked and commit all drop by d. */
TEST(test_mremap_c01_shrink_counters)
{
	struct aspace *as = mr_new();
	struct aspace_counters c;

	ASSERT_EQ(map_anon(as, 0, 8, RW, MAP_LOCKED), 0);
	ASSERT_EQ(mr(as, AT(0), PG(8), PG(3), 0, 0), (int64_t)AT(0));
	c = cnt(as);
	ASSERT_EQ(c.total_vm, 3);
	ASSERT_EQ(c.data_vm, 3);
	ASSERT_EQ(c.locked_vm, 3);
	ASSERT_EQ(c.committed, 3);
	ASSERT_EQ(c.hiwater_vm, 8);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* Grow in place by d: +d everywhere; the locked tail is populated. */
TEST(test_mremap_c02_grow_in_place_counters)
{
	struct aspace *as = mr_new();
	struct aspace_counters c;

	ASSERT_EQ(map_anon(as, 0, 2, RW, MAP_LOCKED), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(5), 0, 0), (int64_t)AT(0));
	c = cnt(as);
	ASSERT_EQ(c.total_vm, 5);
	ASSERT_EQ(c.locked_vm, 5);
	ASSERT_EQ(c.committed, 5);
	ASSERT_LAYF(as, "0-5:rw-p/a1 rd wr mr mw me lo ac");
	aspace_free(as);
	return PASS;
}

/* Move n -> n': net n' - n for total/locked/commit; hiwater not raised by
 * the moment both copies exist. */
TEST(test_mremap_c03_move_counters)
{
	struct aspace *as = mr_new();
	struct aspace_counters c;

	ASSERT_EQ(map_anon(as, 0, 4, RW, MAP_LOCKED), 0);
	ASSERT_EQ(map_anon(as, 4, 1, RO, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(6), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	c = cnt(as);
	ASSERT_EQ(c.total_vm, 7);
	ASSERT_EQ(c.locked_vm, 6);
	ASSERT_EQ(c.committed, 6);
	ASSERT_EQ(c.hiwater_vm, 7);
	ASSERT_LAYF(as, "4-5:r--p rd mr mw me | "
		    "20-26:rw-p/a1 rd wr mr mw me lo ac");
	aspace_free(as);
	return PASS;
}

/*
 * A FIXED move that shrinks an accountable mapping: the tail is released,
 * then the move charges the difference again and never gives it back
 * (6.18.44: Committed_AS stays up by the shrunk size after everything is
 * unmapped; docs/kernel-notes.md).
 */
TEST(test_mremap_c04_fixed_shrink_move_leaks_commit)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(8), PG(3), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_EQ(cnt(as).total_vm, 3);
	ASSERT_EQ(cnt(as).committed, 8);
	ASSERT_EQ(aspace_munmap(as, AT(20), PG(3)), 0);
	ASSERT_EQ(cnt(as).committed, 5);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* DONTUNMAP of n: +n total and commit; the old VMA keeps `ac`. */
TEST(test_mremap_c05_dontunmap_counters)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), (int64_t)AT(20));
	ASSERT_EQ(cnt(as).total_vm, 8);
	ASSERT_EQ(cnt(as).committed, 8);
	ASSERT_LAYF(as, "0-4:rw-p rd wr mr mw me ac | "
		    "20-24:rw-p rd wr mr mw me ac");
	ASSERT_EQ(aspace_munmap(as, AT(0), PG(40)), 0);
	ASSERT_EQ(cnt(as).committed, 0);
	aspace_free(as);
	return PASS;
}

/*
 * DONTUNMAP of part of a locked VMA (6.18.44): the source is not split;
 * the whole of it loses `lo` while locked_vm only grows by the moved
 * pages: all 8 locked pages of the source stay counted for good.
 *  page    0 1 2 3 4 5 6 7	  20 21
 *  before  L L L L L L L L
 *  after   A A A A A A A A	  L  L	 (A: same VMA, `lo` gone)
 */
TEST(test_mremap_c06_dontunmap_partial_locked)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 8, RW, MAP_LOCKED), 0);
	ASSERT_EQ(mr(as, AT(2), PG(2), PG(2), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), (int64_t)AT(20));
	ASSERT_LAYF(as, "0-8:rw-p/a1 rd wr mr mw me ac | "
		    "20-22:rw-p/a1 rd wr mr mw me lo ac");
	ASSERT_EQ(cnt(as).locked_vm, 10);
	ASSERT_EQ(aspace_munmap(as, AT(0), PG(64)), 0);
	ASSERT_EQ(cnt(as).locked_vm, 8);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/*
 * DONTUNMAP of an unfaulted VMA to right after (or before) itself: the
 * destination's re-based pgoff is contiguous with the source, which it
 * merges with (6.18.44: one VMA [0, 8); no self-merge guard as in 6.12.y).
 */
TEST(test_mremap_c07_dontunmap_self_merge)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | DONTUNMAP | FIXED,
		     AT(4)), (int64_t)AT(4));
	ASSERT_LAY(as, "0-8:rw-p");
	ASSERT_EQ(cnt(as).total_vm, 8);
	ASSERT_EQ(cnt(as).committed, 8);
	aspace_free(as);

	as = mr_new();
	ASSERT_EQ(map_anon(as, 4, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(4), PG(4), PG(4), MAYMOVE | DONTUNMAP | FIXED,
		     AT(0)), (int64_t)AT(0));
	ASSERT_LAY(as, "0-8:rw-p");
	aspace_free(as);
	return PASS;
}

/* Moving the tail of an unfaulted VMA to right after itself: merge with
 * the source, then the source range is unmapped (6.18.44). */
TEST(test_mremap_c08_unfaulted_move_next_to_itself)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(2), PG(2), PG(2), MAYMOVE | FIXED, AT(4)),
		  (int64_t)AT(4));
	ASSERT_LAY(as, "0-2:rw-p | 4-6:rw-p");
	ASSERT_EQ(cnt(as).committed, 4);
	aspace_free(as);
	return PASS;
}

/* DONTUNMAP of part of a faulted VMA keeps its anon_vma. */
TEST(test_mremap_c09_dontunmap_partial_keeps_anon)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fault(as, 0, 4), 0);
	ASSERT_EQ(mr(as, AT(0), PG(2), PG(2), MAYMOVE | DONTUNMAP | FIXED,
		     AT(20)), (int64_t)AT(20));
	ASSERT_LAY(as, "0-4:rw-p/a1 | 20-22:rw-p/a1");
	aspace_free(as);
	return PASS;
}

/* old_len 0 on a shared mapping: a second VMA of the same object at the
 * pgoff of addr; nothing unmapped (6.18.44: VmSize + new_len). */
TEST(test_mremap_c10_old_len_zero_shared)
{
	struct aspace *as = mr_new();
	struct aspace_vma_info a, b;
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, AT(0), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(mr(as, AT(1), 0, PG(2), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_LAY(as, "0-4:rw-s | 20-22:rw-s");
	ASSERT_EQ(aspace_vma_at(as, AT(0), &a), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(20), &b), 0);
	ASSERT_TRUE(a.file == b.file);
	ASSERT_EQ(b.pgoff, 1);
	ASSERT_EQ(cnt(as).total_vm, 6);
	aspace_free(as);
	return PASS;
}

/* spec/02 scenario 22: a faulted VMA moved keeps the pgoff of its old
 * address, so new neighbours do not merge with it. */
TEST(test_mremap_m22_moved_faulted_no_merge)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fault(as, 0, 4), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_EQ(map_anon(as, 24, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 16, 4, RW, 0), 0);
	ASSERT_LAY(as, "16-20:rw-p | 20-24:rw-p/a1 | 24-28:rw-p");
	aspace_free(as);
	return PASS;
}

/* spec/02 scenario 23: unfaulted, its pgoff is re-based: one VMA. */
TEST(test_mremap_m23_moved_unfaulted_merges)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(0), PG(4), PG(4), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_EQ(map_anon(as, 24, 4, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 16, 4, RW, 0), 0);
	ASSERT_LAY(as, "16-28:rw-p");
	aspace_free(as);
	return PASS;
}

/* An unfaulted VMA moved into a hole fills it (3-way merge). */
TEST(test_mremap_m_unfaulted_fills_hole)
{
	struct aspace *as = mr_new();

	ASSERT_EQ(map_anon(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 4, 2, RW, 0), 0);
	ASSERT_EQ(map_anon(as, 10, 2, RW, 0), 0);
	ASSERT_EQ(mr(as, AT(10), PG(2), PG(2), MAYMOVE | FIXED, AT(2)),
		  (int64_t)AT(2));
	ASSERT_LAY(as, "0-6:rw-p");
	ASSERT_EQ(cnt(as).map_count, 1);
	aspace_free(as);
	return PASS;
}

/* A moved part of the [stack]-like GROWSDOWN VMA keeps `gd`. */
TEST(test_mremap_m_growsdown_keeps_gd)
{
	struct aspace *as = mr_new();
	struct aspace_vma_info vi;

	ASSERT_EQ(map_anon(as, 100, 4, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(mr(as, AT(102), PG(2), PG(2), MAYMOVE | FIXED, AT(20)),
		  (int64_t)AT(20));
	ASSERT_EQ(aspace_vma_at(as, AT(20), &vi), 0);
	ASSERT_TRUE(vi.flags & ASPACE_VM_GROWSDOWN);
	ASSERT_EQ(cnt(as).stack_vm, 4);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}
