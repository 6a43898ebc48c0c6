/*
 * core_touch_area_test.c - aspace_touch() (anon_vma at first write, THP
 * reads, stack growth with guard gap and RLIMIT_STACK, EFAULT cases),
 * address selection (top-down placement, hint, guard gap, THP alignment,
 * bottom-up) and the /proc maps text format.
 */
#include <errno.h>
#include <string.h>

#include "../vma/fixture.h"
#include "vma/vma.h"

#define RW   (PROT_READ | PROT_WRITE)
#define MIB  (1ull << 20)
#define WR   ASPACE_TOUCH_WRITE
#define RD   ASPACE_TOUCH_READ

/* ---- touch ------------------------------------------------------------ */

TEST(test_touch_write_private_gets_anon_read_does_not)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(4), RD), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p");
	ASSERT_EQ(aspace_touch(as, AT(1), 1, WR), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p/a1");
	/* shared mappings never get one from writes */
	ASSERT_EQ(aspace_mmap(as, AT(8), PG(2), RW, MAP_SHARED | MAP_ANONYMOUS |
			      MAP_FIXED, NULL, 0, &out), 0);
	ASSERT_EQ(aspace_touch(as, AT(8), PG(2), WR), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p/a1 | 8-10:rw-s");
	aspace_free(as);
	return PASS;
}

/* permissions: write to r-- and read of PROT_NONE fault; -w- is readable */
TEST(test_touch_permissions)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 1, PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 1, 1, PROT_NONE, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 1, PROT_WRITE, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), 1, WR), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(1), 1, RD), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(2), 1, RD), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), 1, ASPACE_TOUCH_EXEC), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(5), 1, RD), -EFAULT);     /* no VMA */
	ASSERT_EQ(aspace_touch(as, AT(0), 0, WR), 0);
	aspace_free(as);
	return PASS;
}

/* pages in order: the first failing page ends the call, earlier stay */
TEST(test_touch_stops_at_first_fault)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, RW, MAP_NORESERVE), 0);
	ASSERT_EQ(fx_map(as, 2, 2, PROT_READ, MAP_NORESERVE), 0);
	ASSERT_EQ(fx_map(as, 4, 2, RW, MAP_NORESERVE), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(6), WR), -EFAULT);
	ASSERT_LAYOUT(as, "0-2:rw-p/a1 | 2-4:r--p | 4-6:rw-p");
	aspace_free(as);
	return PASS;
}

/* past the end of the file: SIGBUS -> EFAULT; a private write still
 * prepared the anon_vma before reading the page */
TEST(test_touch_past_eof)
{
	struct aspace *as = fx_new();
	struct aspace_file_desc d = { .path = "/f", .size = PG(2) - 10,
				      .inode = 4, .flags = ASPACE_O_READ };
	struct aspace_file *f = aspace_file_open(&d);
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, AT(0), PG(4), RW, MAP_PRIVATE | MAP_FIXED, f,
			      0, &out), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(2), RD), 0);
	ASSERT_EQ(aspace_touch(as, AT(2), PG(1), RD), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:rw-p");
	ASSERT_EQ(aspace_touch(as, AT(3), PG(1), WR), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:rw-p/a1");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

static struct aspace *thp_as(enum aspace_thp_mode m)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.thp = m;
	return aspace_new(&cfg);
}

/* a read served by a PMD THP prepares the anon_vma (01 §4.1) */
TEST(test_touch_thp_read)
{
	struct aspace *as = thp_as(ASPACE_THP_ALWAYS);

	/* [0, 512) pages at a 2 MiB aligned base covers one block */
	ASSERT_EQ(fx_map(as, 0, 512, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 1024, 511, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(1024), 1, RD), 0);
	ASSERT_LAYOUT(as, "0-512:rw-p | 1024-1535:rw-p");
	ASSERT_EQ(aspace_touch(as, AT(3), 1, RD), 0);
	ASSERT_LAYOUT(as, "0-512:rw-p/a1 | 1024-1535:rw-p");
	aspace_free(as);

	as = thp_as(ASPACE_THP_MADVISE);        /* needs VM_HUGEPAGE */
	ASSERT_EQ(fx_map(as, 0, 512, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(3), 1, RD), 0);
	ASSERT_LAYOUT(as, "0-512:rw-p");
	aspace_free(as);
	return PASS;
}

/*
 * Stack growth: any distance below a GROWSDOWN VMA; refused within the
 * guard gap of an accessible previous VMA; a PROT_NONE prev is ignored;
 * RLIMIT_STACK bounds the size; pgoff goes down by the pages grown.
 */
TEST(test_touch_stack_growth)
{
	struct aspace *as = fx_new();
	struct aspace_vma_info vi;
	struct aspace_counters c;

	ASSERT_EQ(fx_map(as, 1000, 4, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(aspace_touch(as, AT(900), 1, WR), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(900), &vi), 0);
	ASSERT_EQ(vi.start, AT(900));
	ASSERT_EQ(vi.pgoff, (AT(1000) >> 12) - 100);
	ASSERT_TRUE(vi.anon_id != 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.stack_vm, 104);
	ASSERT_EQ(c.committed, 104);
	/* accessible prev 255 pages below the new start: refused */
	ASSERT_EQ(fx_map(as, 600, 1, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(856), 1, RD), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(857), 1, RD), 0);
	/* PROT_NONE prev: growth up to it */
	ASSERT_EQ(aspace_mprotect(as, AT(600), PG(1), PROT_NONE), 0);
	ASSERT_EQ(aspace_touch(as, AT(601), 1, RD), 0);
	ASSERT_LAYOUT(as, "600-601:---p | 601-1004:rw-p/a1");
	aspace_free(as);
	return PASS;
}

TEST(test_touch_stack_rlimit)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.rlimit_stack = PG(300);
	as = aspace_new(&cfg);
	ASSERT_EQ(fx_map(as, 1000, 1, RW, MAP_GROWSDOWN), 0);
	/* size = end - new start: 300 pages allowed, 301 refused */
	ASSERT_EQ(aspace_touch(as, AT(700), 1, WR), -EFAULT);
	ASSERT_EQ(aspace_touch(as, AT(701), 1, WR), 0);
	ASSERT_LAYOUT(as, "701-1001:rw-p/a1");
	aspace_free(as);
	return PASS;
}

/*
 * Guard markers (installed by madvise through vma_guard_install()): an
 * access faults before any other effect; unmapping drops the markers.
 */
TEST(test_touch_guard_pages)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(vma_guard_reserve(as, 1), 0);
	vma_guard_install(as, AT(2), AT(3));
	as_unreserve(as);
	ASSERT_EQ(aspace_touch(as, AT(2), 1, RD), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:rw-p");
	ASSERT_EQ(aspace_touch(as, AT(0), PG(4), WR), -EFAULT);
	ASSERT_LAYOUT(as, "0-4:rw-p/a1");
	ASSERT_EQ(aspace_touch(as, AT(3), PG(1), WR), 0);
	/* MAP_FIXED over it drops the marker */
	ASSERT_EQ(fx_map(as, 2, 1, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(2), 1, WR), 0);
	ASSERT_TRUE(!vma_guarded(as, AT(2)));
	aspace_free(as);
	return PASS;
}

/* ---- address selection ------------------------------------------------ */

TEST(test_area_topdown_below_mmap_base)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, 0, PG(4), RW, MAP_PRIVATE | MAP_ANONYMOUS,
			      NULL, 0, &out), 0);
	ASSERT_EQ(out, 0x7ffff7fff000ull - PG(4));
	/* the next one goes right below and merges */
	ASSERT_EQ(aspace_mmap(as, 0, PG(4), RW, MAP_PRIVATE | MAP_ANONYMOUS,
			      NULL, 0, &out), 0);
	ASSERT_EQ(out, 0x7ffff7fff000ull - PG(8));
	aspace_free(as);
	return PASS;
}

/* 2 MiB multiples are THP aligned (round_down(top - len, 2 MiB)) */
TEST(test_area_thp_alignment)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, 0, 2 * MIB, RW, MAP_PRIVATE | MAP_ANONYMOUS,
			      NULL, 0, &out), 0);
	/* top 0x7ffff7fff000: round_down(top - 2 MiB, 2 MiB) */
	ASSERT_EQ(out, 0x7ffff7c00000ull);
	ASSERT_EQ(aspace_mmap(as, 0, 2 * MIB + PG(1), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS, NULL, 0, &out), 0);
	ASSERT_EQ(out, 0x7ffff7c00000ull - 2 * MIB - PG(1));
	aspace_free(as);
	return PASS;
}

/* hints: taken when free; rounded to mmap_min_addr; refused in the guard
 * gap below a GROWSDOWN VMA */
TEST(test_area_hint_rules)
{
	struct aspace *as = fx_new();
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, AT(10) + 5, PG(1), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS, NULL, 0, &out), 0);
	ASSERT_EQ(out, AT(10));
	ASSERT_EQ(aspace_mmap(as, 0x2000, PG(1), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS, NULL, 0, &out), 0);
	ASSERT_EQ(out, 0x10000);
	ASSERT_EQ(fx_map(as, 1000, 4, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(aspace_mmap(as, AT(1000 - 256), PG(1), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS, NULL, 0, &out), 0);
	ASSERT_NE(out, AT(1000 - 256));
	ASSERT_EQ(aspace_mmap(as, AT(1000 - 257), PG(1), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS, NULL, 0, &out), 0);
	ASSERT_EQ(out, AT(1000 - 257));
	aspace_free(as);
	return PASS;
}

/* a search stops 256 pages below a GROWSDOWN VMA that ends a gap */
TEST(test_area_search_respects_guard_gap)
{
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t out, base = 0x7ffff7fff000ull;

	aspace_config_init(&cfg);
	as = aspace_new(&cfg);
	ASSERT_EQ(aspace_mmap(as, base - PG(4), PG(4), RW, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, NULL,
			      0, &out), 0);
	ASSERT_EQ(aspace_mmap(as, 0, PG(200), RW, MAP_PRIVATE | MAP_ANONYMOUS,
			      NULL, 0, &out), 0);
	ASSERT_EQ(out, base - PG(4) - PG(256) - PG(200));
	aspace_free(as);
	return PASS;
}

TEST(test_area_bottom_up_legacy)
{
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t out;

	aspace_config_init(&cfg);
	cfg.legacy_layout = true;
	as = aspace_new(&cfg);
	ASSERT_EQ(aspace_mmap(as, 0, PG(2), RW, MAP_PRIVATE | MAP_ANONYMOUS,
			      NULL, 0, &out), 0);
	ASSERT_EQ(out, 0x2aaaaaaab000ull);
	ASSERT_EQ(aspace_mmap(as, 0, PG(1), PROT_READ, MAP_PRIVATE |
			      MAP_ANONYMOUS, NULL, 0, &out), 0);
	ASSERT_EQ(out, 0x2aaaaaaab000ull + PG(2));
	aspace_free(as);
	return PASS;
}

TEST(test_area_mmap_base_from_rlimit_stack)
{
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_counters c;

	aspace_config_init(&cfg);
	cfg.rlimit_stack = ASPACE_RLIM_INFINITY;
	as = aspace_new(&cfg);
	aspace_counters(as, &c);
	ASSERT_EQ(c.mmap_base, 0x155555556000ull);
	aspace_free(as);
	aspace_config_init(&cfg);
	cfg.rlimit_stack = 4000000000ull * 1024;
	as = aspace_new(&cfg);
	aspace_counters(as, &c);
	ASSERT_EQ(c.mmap_base, 0x7c46534ff000ull);
	aspace_free(as);
	return PASS;
}

/* ---- maps text -------------------------------------------------------- */

TEST(test_maps_format)
{
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_file_desc d = { .path = "/usr/lib/a\\nb.so", .size = PG(8),
				      .dev_major = 0xfe, .dev_minor = 1,
				      .inode = 131, .flags = ASPACE_O_READ |
				      ASPACE_F_DELETED };
	struct aspace_file *f;
	uint64_t out;

	aspace_config_init(&cfg);
	cfg.start_stack = AT(21);
	as = aspace_new(&cfg);
	d.path = "/usr/lib/a\nb.so";
	f = aspace_file_open(&d);
	ASSERT_EQ(aspace_mmap(as, AT(0), PG(2), PROT_READ | PROT_EXEC,
			      MAP_PRIVATE | MAP_FIXED, f, PG(1), &out), 0);
	ASSERT_EQ(fx_map(as, 20, 2, RW, MAP_GROWSDOWN), 0);
	ASSERT_EQ(fx_map(as, 30, 1, PROT_NONE, 0), 0);
	ASSERT_STR_EQ(fx_maps(as, ASPACE_MAPS_VSYSCALL | ASPACE_MAPS_SMAPS),
		      "200000000000-200000002000 r-xp 00001000 fe:01 131"
		      "                        /usr/lib/a\\012b.so (deleted)\n"
		      "VmFlags: rd ex mr mw me \n"
		      "200000014000-200000016000 rw-p 00000000 00:00 0"
		      "                          [stack]\n"
		      "VmFlags: rd wr mr mw me gd ac \n"
		      "20000001e000-20000001f000 ---p 00000000 00:00 0 \n"
		      "VmFlags: mr mw me \n"
		      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
		      "                  [vsyscall]\n"
		      "VmFlags: ex \n");
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(test_maps_vmflags_str)
{
	char buf[256];

	ASSERT_EQ(aspace_vmflags_str(0x3full | ASPACE_VM_SEALED |
				     (3ull << 32) | (1ull << 36), buf,
				     sizeof(buf)), 24);
	ASSERT_STR_EQ(buf, "rd wr ex sh mr mw ?? sl ");
	ASSERT_EQ(aspace_vmflags_str(ASPACE_VM_READ, buf, 2), 3);
	ASSERT_STR_EQ(buf, "r");
	return PASS;
}

/*
 * personality READ_IMPLIES_EXEC (observed on 6.18.44 with personality()):
 * PROT_READ mmaps and mprotects gain exec, write-only ones do not, brk's
 * heap is rwx.
 */
TEST(test_read_implies_exec)
{
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t b;

	aspace_config_init(&cfg);
	cfg.read_implies_exec = true;
	cfg.start_brk = cfg.brk = AT(100);
	as = aspace_new(&cfg);
	ASSERT_EQ(fx_map(as, 0, 1, PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 1, 1, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 1, PROT_WRITE, 0), 0);
	ASSERT_EQ(fx_map(as, 3, 1, PROT_WRITE, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), PROT_READ), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(3), PG(1), RW), 0);
	ASSERT_EQ(aspace_brk(as, AT(140), &b), 0);
	ASSERT_LAYOUT(as, "0-2:r-xp | 2-3:-w-p | 3-4:rwxp | 100-140:rwxp");
	aspace_free(as);
	return PASS;
}
