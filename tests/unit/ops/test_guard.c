/*
 * test_guard.c - guard regions at page level (vma/guard.c): one test per
 * rule of docs/kernel-notes.md "Guard regions", each rule observed on
 * 6.18.44 first.  A pattern string shows the marked pages of a range,
 * 'G' marked, '.' not, page by page, as the kernel checks print them
 * (tests/unit/ops/test_guard_kernel.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../vma/fixture.h"
#include "vma/guard.h"
#include "vma/vma.h"

#define RW      (PROT_READ | PROT_WRITE)
#define RD      ASPACE_TOUCH_READ
#define WR      ASPACE_TOUCH_WRITE
#define GI      ASPACE_MADV_GUARD_INSTALL
#define GR      ASPACE_MADV_GUARD_REMOVE
#define POP_RD  22
#define POP_WR  23
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED   2
#endif

/* The marked pages of [AT(p), AT(p + n)) (static buffer, n <= 63). */
static const char *gpat(const struct aspace *as, uint64_t p, unsigned n)
{
	static char buf[64];
	unsigned i;

	for (i = 0; i < n && i < sizeof(buf) - 1; i++)
		buf[i] = vma_guarded(as, AT(p + i)) ? 'G' : '.';
	buf[i] = '\0';
	return buf;
}

static struct aspace_file *gfile(uint64_t pages)
{
	struct aspace_file_desc d = {
		.path = "/tmp/g", .size = PG(pages), .dev_major = 254,
		.inode = 9, .flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = ASPACE_FILE_REGULAR,
	};

	return aspace_file_open(&d);
}

static int gmap_file(struct aspace *as, struct aspace_file *f, uint64_t p,
		     uint64_t n, int prot, int type)
{
	uint64_t out;

	return aspace_mmap(as, AT(p), PG(n), prot, type | MAP_FIXED, f, 0,
			   &out);
}

/*
 *  page     0 1 2 3 4
 *  before   A A . B B
 *  install [0,5): ENOMEM (hole), both pieces marked
 *  after    G G . G G
 */
TEST(test_guard_install_over_hole)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 3, 2, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(5), GI), -ENOMEM);
	ASSERT_STR_EQ(gpat(as, 0, 5), "GG.GG");
	ASSERT_LAYOUT_F(as, "0-2:rw-p/a1 rd wr mr mw me gu ac | "
			"3-5:rw-p/a2 rd wr mr mw me gu ac");
	ASSERT_EQ(aspace_touch(as, AT(0), 1, RD), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(4), 1, WR), -EFAULT);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(5), GR), -ENOMEM);
	ASSERT_STR_EQ(gpat(as, 0, 5), ".....");
	ASSERT_EQ(aspace_touch(as, AT(0), PG(2), WR), 0);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/*
 *  page     0 1 2 3 4 5
 *  before   A A L L A A	L locked
 *  install [0,6): EINVAL at L, [0,2) stays marked; remove: allowed on L
 */
TEST(test_guard_install_stops_at_locked)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 6, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(2), PG(2)), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(6), GI), -EINVAL);
	ASSERT_STR_EQ(gpat(as, 0, 6), "GG....");
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(6), GR), 0);
	ASSERT_STR_EQ(gpat(as, 0, 6), "......");
	/* guards under a lock: install first, then lock, then remove */
	ASSERT_EQ(aspace_madvise(as, AT(4), PG(1), GI), 0);
	ASSERT_EQ(aspace_mlock2(as, AT(4), PG(2), ASPACE_MLOCK_ONFAULT), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(6), GR), 0);
	ASSERT_STR_EQ(gpat(as, 0, 6), "......");
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* Installs merge with touching entries; removing a middle page splits. */
TEST(test_guard_entries_coalesce)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 4, 4, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(1), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(3), PG(1), GI), 0);
	ASSERT_EQ(rt_count(&as->guards), 2);
	ASSERT_EQ(aspace_madvise(as, AT(2), PG(3), GI), 0);   /* two VMAs */
	ASSERT_EQ(rt_count(&as->guards), 1);
	ASSERT_STR_EQ(gpat(as, 0, 8), ".GGGG...");
	ASSERT_EQ(aspace_madvise(as, AT(2), PG(1), GR), 0);
	ASSERT_EQ(rt_count(&as->guards), 2);
	ASSERT_STR_EQ(gpat(as, 0, 8), ".G.GG...");
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/*
 * A file-backed private VMA has no anon_vma after the install: a write
 * gives it one only if a page before the first marked page is written.
 */
TEST(test_guard_touch_stops_at_first_marked_page)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = gfile(16);

	ASSERT_EQ(gmap_file(as, f, 0, 4, RW, MAP_PRIVATE), 0);
	ASSERT_EQ(gmap_file(as, f, 8, 4, RW, MAP_PRIVATE), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(10), PG(1), GI), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(4), WR), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(8), PG(4), WR), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:rw-p | 8-12:rw-p/a1");
	ASSERT_EQ(aspace_touch(as, AT(1), PG(3), RD), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), 1, ASPACE_TOUCH_EXEC), -EFAULT);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* MADV_POPULATE_READ/WRITE: -EFAULT at a marked page, earlier pages in. */
TEST(test_guard_populate_efault)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = gfile(16);

	ASSERT_EQ(fx_map(as, 20, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(22), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(20), PG(4), POP_RD), -EFAULT);
	ASSERT_EQ(aspace_madvise(as, AT(20), PG(4), POP_WR), -EFAULT);
	ASSERT_EQ(aspace_madvise(as, AT(22), PG(2), POP_WR), -EFAULT);
	ASSERT_EQ(aspace_madvise(as, AT(20), PG(2), POP_WR), 0);
	ASSERT_EQ(gmap_file(as, f, 0, 4, RW, MAP_PRIVATE), 0);
	ASSERT_EQ(gmap_file(as, f, 8, 4, RW, MAP_PRIVATE), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(10), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(4), POP_WR), -EFAULT);
	ASSERT_EQ(aspace_madvise(as, AT(8), PG(4), POP_WR), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:rw-p | 8-12:rw-p/a2 | 20-24:rw-p/a1");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/*
 * mlock's populate meets the marker: the VMA is locked, the call says
 * ENOMEM (GUP's EFAULT); MLOCK_ONFAULT and mlockall (errors ignored): 0.
 * The markers stay.
 */
TEST(test_guard_mlock_populate)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(2), PG(1), GI), 0);
	ASSERT_EQ(aspace_mlock(as, AT(0), PG(4)), -ENOMEM);
	ASSERT_LAYOUT_F(as, "0-4:rw-p/a1 rd wr mr mw me gu lo ac");
	ASSERT_EQ(aspace_munlock(as, AT(0), PG(4)), 0);
	ASSERT_EQ(aspace_mlock2(as, AT(0), PG(4), ASPACE_MLOCK_ONFAULT), 0);
	ASSERT_EQ(aspace_munlock(as, AT(0), PG(4)), 0);
	ASSERT_EQ(aspace_mlockall(as, MCL_CURRENT), 0);
	ASSERT_EQ(aspace_munlockall(as), 0);
	ASSERT_STR_EQ(gpat(as, 0, 4), "..G.");
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* mprotect and the discarding advice keep the markers. */
TEST(test_guard_kept_by_mprotect_and_discards)
{
	static const int advs[] = { MADV_DONTNEED, 8 /* FREE */, 20 /* COLD */,
				    21 /* PAGEOUT */, 24 /* DONTNEED_LOCKED */ };
	struct aspace *as = fx_new();
	unsigned i;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(2), PG(1), GI), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), PROT_NONE), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(0), PG(4), RW), 0);
	for (i = 0; i < ARRAY_SIZE(advs); i++)
		ASSERT_EQ(aspace_madvise(as, AT(0), PG(4), advs[i]), 0);
	ASSERT_STR_EQ(gpat(as, 0, 4), "..G.");
	ASSERT_EQ(aspace_touch(as, AT(2), 1, RD), -EFAULT);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* munmap, MAP_FIXED and mremap's shrink drop the markers of their range. */
TEST(test_guard_dropped_by_unmap)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 8, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(8), GI), 0);
	ASSERT_EQ(aspace_munmap(as, AT(1), PG(1)), 0);
	ASSERT_EQ(fx_map(as, 1, 1, RW, 0), 0);
	ASSERT_STR_EQ(gpat(as, 0, 8), "G.GGGGGG");
	ASSERT_EQ(fx_map(as, 3, 1, RW, 0), 0);                  /* MAP_FIXED */
	ASSERT_STR_EQ(gpat(as, 0, 8), "G.G.GGGG");
	ASSERT_EQ(aspace_mremap(as, AT(4), PG(4), PG(1), 0, 0, &out), 0);
	ASSERT_EQ(aspace_mremap(as, AT(4), PG(1), PG(4), 0, 0, &out), 0);
	ASSERT_STR_EQ(gpat(as, 0, 8), "G.G.G...");
	ASSERT_EQ(aspace_touch(as, AT(5), PG(3), WR), 0);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* brk shrink drops the markers of the freed heap pages. */
TEST(test_guard_dropped_by_brk)
{
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t b;

	aspace_config_init(&cfg);
	cfg.start_brk = cfg.brk = AT(0);
	as = aspace_new(&cfg);
	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(aspace_brk(as, AT(8), &b), 0);
	ASSERT_EQ(b, AT(8));
	ASSERT_EQ(aspace_madvise(as, AT(6), PG(2), GI), 0);
	ASSERT_EQ(aspace_brk(as, AT(6), &b), 0);
	ASSERT_EQ(aspace_brk(as, AT(8), &b), 0);
	ASSERT_STR_EQ(gpat(as, 0, 8), "........");
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/*
 *  mremap: markers go with the pages.
 *  page     0 1 2 3     20 21 22 23     30 ... 37
 *  before   . G . G
 *  move [0,4) -> 20:          . G . G
 *  grow-move to 30 (8 pages):                 . G . G . . . .
 */
TEST(test_guard_mremap_moves_markers)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(1), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(3), PG(1), GI), 0);
	ASSERT_EQ(aspace_mremap(as, AT(0), PG(4), PG(4),
				MREMAP_MAYMOVE | MREMAP_FIXED, AT(20), &out), 0);
	ASSERT_STR_EQ(gpat(as, 20, 4), ".G.G");
	ASSERT_STR_EQ(gpat(as, 0, 4), "....");
	ASSERT_EQ(aspace_mremap(as, AT(20), PG(4), PG(8),
				MREMAP_MAYMOVE | MREMAP_FIXED, AT(30), &out), 0);
	ASSERT_STR_EQ(gpat(as, 30, 8), ".G.G....");
	ASSERT_STR_EQ(gpat(as, 20, 4), "....");
	/* a move to the adjacent range: copies merge, none is copied twice */
	ASSERT_EQ(aspace_madvise(as, AT(30), PG(8), GI), 0);
	ASSERT_EQ(aspace_mremap(as, AT(34), PG(4), PG(4),
				MREMAP_MAYMOVE | MREMAP_FIXED, AT(38), &out), 0);
	ASSERT_STR_EQ(gpat(as, 30, 12), "GGGG....GGGG");
	ASSERT_EQ(rt_count(&as->guards), 2);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* MREMAP_DONTUNMAP: the new range has the markers, the old one none. */
TEST(test_guard_mremap_dontunmap)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(1), PG(1), GI), 0);
	ASSERT_EQ(aspace_madvise(as, AT(3), PG(1), GI), 0);
	ASSERT_EQ(aspace_mremap(as, AT(0), PG(4), PG(4), MREMAP_MAYMOVE |
				MREMAP_FIXED | ASPACE_MREMAP_DONTUNMAP,
				AT(20), &out), 0);
	ASSERT_STR_EQ(gpat(as, 20, 4), ".G.G");
	ASSERT_STR_EQ(gpat(as, 0, 4), "....");
	ASSERT_EQ(aspace_touch(as, AT(0), PG(4), WR), 0);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/* A pure move across three VMAs (6.17+) carries every piece's markers. */
TEST(test_guard_mremap_pure_move)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 2, PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 5, 2, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(1), PG(6), GI), -ENOMEM);
	ASSERT_EQ(aspace_mremap(as, AT(0), PG(7), PG(7),
				MREMAP_MAYMOVE | MREMAP_FIXED, AT(20), &out), 0);
	ASSERT_STR_EQ(gpat(as, 20, 7), ".GGG.GG");
	ASSERT_STR_EQ(gpat(as, 0, 7), ".......");
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

/*
 * fork: markers are copied into every child VMA (6.18.44: VM_MAYBE_GUARD
 * is in VM_COPY_ON_FORK, so file-backed ones too) except VM_WIPEONFORK
 * ones; a VM_DONTCOPY VMA is absent.
 *  page   0-3 anon   10-13 wipeonfork   20-23 file private
 *         30-33 file shared   40-43 shared anon   50-53 dontfork
 */
TEST(test_guard_fork_copies)
{
	struct aspace *as = fx_new(), *ch = NULL;
	struct aspace_file *f = gfile(16);
	uint64_t out;
	unsigned i;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 10, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(10), PG(4), 18), 0);   /* WIPEONFORK */
	ASSERT_EQ(gmap_file(as, f, 20, 4, RW, MAP_PRIVATE), 0);
	ASSERT_EQ(gmap_file(as, f, 30, 4, RW, MAP_SHARED), 0);
	ASSERT_EQ(aspace_mmap(as, AT(40), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(fx_map(as, 50, 4, RW, 0), 0);
	ASSERT_EQ(aspace_madvise(as, AT(50), PG(4), MADV_DONTFORK), 0);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(aspace_madvise(as, AT(10 * i + 1), PG(1), GI), 0);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_EQ(aspace_validate(ch), 0);
	ASSERT_STR_EQ(gpat(ch, 0, 4), ".G..");
	ASSERT_STR_EQ(gpat(ch, 10, 4), "....");
	ASSERT_STR_EQ(gpat(ch, 20, 4), ".G..");
	ASSERT_STR_EQ(gpat(ch, 30, 4), ".G..");
	ASSERT_STR_EQ(gpat(ch, 40, 4), ".G..");
	ASSERT_STR_EQ(gpat(ch, 50, 4), "....");
	ASSERT_EQ(aspace_touch(ch, AT(21), 1, RD), -EFAULT);
	ASSERT_STR_EQ(gpat(as, 50, 4), ".G..");                /* parent kept */
	/* the child's markers are its own */
	ASSERT_EQ(aspace_madvise(ch, AT(33), PG(1), GI), 0);
	ASSERT_STR_EQ(gpat(as, 30, 4), ".G..");
	aspace_free(ch);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* Adjacent copied VMAs give one child entry; without VM_MAYBE_GUARD only
 * VMAs with an anon_vma carry markers (copy_page_range skipped). */
TEST(test_guard_fork_coalesces_and_old_rule)
{
	struct aspace_config cfg;
	struct aspace *as, *ch = NULL;
	struct aspace_file *f = gfile(16);

	aspace_config_init(&cfg);
	cfg.maybe_guard = false;
	as = aspace_new(&cfg);
	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 2, PROT_READ, 0), 0);
	ASSERT_EQ(gmap_file(as, f, 4, 2, RW, MAP_SHARED), 0);
	ASSERT_EQ(aspace_madvise(as, AT(0), PG(6), GI), 0);
	ASSERT_EQ(rt_count(&as->guards), 1);
	ASSERT_EQ(aspace_fork(as, &ch), 0);
	ASSERT_STR_EQ(gpat(ch, 0, 6), "GGGG..");
	ASSERT_EQ(rt_count(&ch->guards), 1);
	ASSERT_EQ(aspace_validate(ch), 0);
	aspace_free(ch);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* aspace_validate() refuses a marker outside every VMA. */
TEST(test_guard_validate_stray_marker)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(vma_guard_reserve(as, 1), 0);
	vma_guard_install(as, AT(1), AT(3));
	as_unreserve(as);
	fprintf(stderr, "(expected complaint follows)\n");
	ASSERT_EQ(aspace_validate(as), -EUCLEAN);
	aspace_free(as);
	return PASS;
}
