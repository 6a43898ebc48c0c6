/*
 * test_exec.c - aspace_exec(): the layout of a fresh image against what
 * 6.18.44 shows at the exec stop of `setarch -R` (ptrace, personality
 * ADDR_NO_RANDOMIZE) for /usr/bin/true (dynamic PIE) and for ld.so run
 * directly (ET_DYN without PT_INTERP); program headers as readelf -l
 * prints them on the reference machine.  Plus the argument errors, an
 * ET_EXEC program with a bss VMA, and the randomised brk rule.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define R  PROT_READ
#define RX (PROT_READ | PROT_EXEC)
#define RW (PROT_READ | PROT_WRITE)

static const struct aspace_exec_segment true_seg[] = {
	{ .vaddr = 0x0, .memsz = 0x1290, .offset = 0x0, .filesz = 0x1290,
	  .align = 0x1000, .prot = R },
	{ .vaddr = 0x2000, .memsz = 0x3d59, .offset = 0x2000, .filesz = 0x3d59,
	  .align = 0x1000, .prot = RX },
	{ .vaddr = 0x6000, .memsz = 0x1b60, .offset = 0x6000, .filesz = 0x1b60,
	  .align = 0x1000, .prot = R },
	{ .vaddr = 0x8d70, .memsz = 0x608, .offset = 0x7d70, .filesz = 0x470,
	  .align = 0x1000, .prot = RW },
};

static const struct aspace_exec_segment ld_seg[] = {
	{ .vaddr = 0x0, .memsz = 0xd58, .offset = 0x0, .filesz = 0xd58,
	  .align = 0x1000, .prot = R },
	{ .vaddr = 0x1000, .memsz = 0x25111, .offset = 0x1000,
	  .filesz = 0x25111, .align = 0x1000, .prot = RX },
	{ .vaddr = 0x27000, .memsz = 0x9c7c, .offset = 0x27000,
	  .filesz = 0x9c7c, .align = 0x1000, .prot = R },
	{ .vaddr = 0x31900, .memsz = 0x29d8, .offset = 0x31900,
	  .filesz = 0x2810, .align = 0x1000, .prot = RW },
};

static struct aspace_file *open_file(const char *path, uint64_t size,
				     uint64_t ino)
{
	struct aspace_file_desc d = {
		.path = path, .size = size, .dev_major = 254, .inode = ino,
		.flags = ASPACE_O_READ, .kind = ASPACE_FILE_REGULAR,
	};

	return aspace_file_open(&d);
}

static const char want_true[] =
"555555554000-555555556000 r--p 00000000 fe:00 248139                     /usr/bin/true\n"
"555555556000-55555555a000 r-xp 00002000 fe:00 248139                     /usr/bin/true\n"
"55555555a000-55555555c000 r--p 00006000 fe:00 248139                     /usr/bin/true\n"
"55555555c000-55555555e000 rw-p 00007000 fe:00 248139                     /usr/bin/true\n"
"7ffff7fc2000-7ffff7fc6000 r--p 00000000 00:00 0                          [vvar]\n"
"7ffff7fc6000-7ffff7fc8000 r--p 00000000 00:00 0                          [vvar_vclock]\n"
"7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0                          [vdso]\n"
"7ffff7fca000-7ffff7fcb000 r--p 00000000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
"7ffff7fcb000-7ffff7ff1000 r-xp 00001000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
"7ffff7ff1000-7ffff7ffb000 r--p 00027000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
"7ffff7ffb000-7ffff7fff000 rw-p 00031000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

TEST(exec_dynamic_pie_matches_kernel_exec_stop)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_file *exe = open_file("/usr/bin/true", 35664, 248139);
	struct aspace_file *ld = open_file(
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0x35000, 332383);
	struct aspace_exec_image img = {
		.exe = { exe, true, 4, true_seg },
		.interp = { ld, true, 4, ld_seg },
		.has_interp = true,
		.stack_used = 0x7ffffffff000ull - 0x7fffffffee30ull,
	};
	struct aspace_counters c;

	ASSERT_EQ(aspace_exec(as, &img), 0);
	ASSERT_EQ(aspace_validate(as), 0);
	ASSERT_STR_EQ(fx_maps(as, ASPACE_MAPS_VSYSCALL), want_true);
	aspace_counters(as, &c);
	ASSERT_EQ(c.start_brk, 0x55555555e000ull);   /* /proc/PID/stat [V] */
	ASSERT_EQ(c.brk, 0x55555555e000ull);
	ASSERT_EQ(c.start_stack, 0x7fffffffee30ull);
	ASSERT_EQ(c.mmap_base, 0x7ffff7fff000ull);
	ASSERT_EQ(c.map_count, 12);
	ASSERT_EQ(c.stack_vm, 33);
	ASSERT_EQ(c.total_vm, 10 + 8 + 53 + 33);
	/* the image is a normal address space: brk grows a [heap] */
	{
		uint64_t nb;

		ASSERT_EQ(aspace_brk(as, 0x55555555e000ull + 0x21000, &nb), 0);
		ASSERT_EQ(nb, 0x55555555e000ull + 0x21000);
		ASSERT_TRUE(strstr(fx_maps(as, 0), "[heap]") != NULL);
	}
	aspace_file_put(exe);
	aspace_file_put(ld);
	aspace_free(as);
	return PASS;
}

TEST(exec_loader_run_directly_matches_kernel)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_file *ld = open_file(
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0x35000, 332383);
	struct aspace_exec_image img = {
		.exe = { ld, true, 4, ld_seg },
		.stack_used = 0x7ffffffff000ull - 0x7fffffffee10ull,
	};
	struct aspace_counters c;
	const char *want = strstr(want_true, "7ffff7fc2000");

	ASSERT_EQ(aspace_exec(as, &img), 0);
	ASSERT_STR_EQ(fx_maps(as, ASPACE_MAPS_VSYSCALL), want);
	aspace_counters(as, &c);
	ASSERT_EQ(c.start_brk, 0x555555555000ull);   /* [V] */
	aspace_file_put(ld);
	aspace_free(as);
	return PASS;
}

TEST(exec_et_exec_with_bss_and_small_stack_rlimit)
{
	static const struct aspace_exec_segment seg[] = {
		{ .vaddr = 0x400000, .memsz = 0x1000, .offset = 0,
		  .filesz = 0x1000, .align = 0x1000, .prot = R },
		{ .vaddr = 0x401000, .memsz = 0x2000, .offset = 0x1000,
		  .filesz = 0x2000, .align = 0x1000, .prot = RX },
		{ .vaddr = 0x4a57b0, .memsz = 0x6000, .offset = 0xa47b0,
		  .filesz = 0x1000, .align = 0x1000, .prot = RW },
	};
	struct aspace_config cfg;
	struct aspace *as;
	struct aspace_file *f = open_file("/s", 0x100000, 9);
	struct aspace_exec_image img = { .exe = { f, false, 3, seg },
					 .stack_used = 0x200 };
	struct aspace_counters c;

	aspace_config_init(&cfg);
	cfg.rlimit_stack = 64 << 10;
	as = aspace_new(&cfg);
	ASSERT_EQ(aspace_exec(as, &img), 0);
	ASSERT_EQ(aspace_validate(as), 0);
	/* rw file part 4a5000-4a7000, bss VMA 4a7000-4ac000 (06 §2) */
	ASSERT_TRUE(strstr(fx_maps(as, 0),
			   "004a7000-004ac000 rw-p 00000000 00:00 0 \n") != NULL);
	aspace_counters(as, &c);
	ASSERT_EQ(c.start_brk, 0x4ac000);
	ASSERT_EQ(c.stack_vm, 16);              /* ulimit -s 64 [V] */
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(exec_randomized_brk_gap_and_errors)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_file *exe = open_file("/usr/bin/true", 35664, 248139);
	struct aspace_file *ld = open_file("/ld", 0x35000, 3);
	struct aspace_exec_image img = {
		.exe = { exe, true, 4, true_seg },
		.interp = { ld, true, 4, ld_seg },
		.has_interp = true, .stack_used = 0x1000, .randomize = true,
		.brk_rnd = 0x10000000, .load_rnd = 0x1000000,
		.mmap_rnd = 0x40000000, .stack_rnd = 0x2000000,
	};
	struct aspace_counters c;
	struct aspace_exec_image bad = { 0 };

	ASSERT_EQ(aspace_exec(as, &bad), -EINVAL);
	ASSERT_EQ(aspace_exec(as, &img), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.start_brk, 0x555555554000ull + 0x1000000 + 0xa000 +
		  0x1000 + 0x10000000);
	ASSERT_EQ(c.start_stack, 0x7ffffffff000ull - 0x2000000 - 0x1000);
	ASSERT_EQ(aspace_exec(as, &img), -EINVAL);   /* not empty */
	aspace_file_put(exe);
	aspace_file_put(ld);
	aspace_free(as);
	return PASS;
}
