/*
 * test_kernel_facts.c - facts about the running kernel that the model and
 * the differential fuzzer rely on, asserted with raw system calls in the
 * fuzzer's kernel child (tools/fuzz.c: this binary re-executed with ASLR
 * off, RLIMIT_STACK 8 MiB).  Each test skips with a reason when the kernel
 * child cannot be started or a feature is missing.  docs/kernel-notes.md
 * explains each fact and how it was first observed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../harness.h"
#include "../../tools/fuzz.h"

#define PG        4096ull
#define MIB       (1024ull * 1024)
#define TASK_SIZE 0x7ffffffff000ull
#define ARENA     0x200000000000ull

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static int64_t kcall(struct fz_child *c, int call, uint64_t a0, uint64_t a1,
		     uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct fz_op op;

	memset(&op, 0, sizeof(op));
	op.call = (uint16_t)call;
	op.a[0] = a0;
	op.a[1] = a1;
	op.a[2] = a2;
	op.a[3] = a3;
	op.a[4] = a4;
	op.a[5] = a5;
	if (fz_child_call(c, &op))
		return -EPIPE;
	return op.kret;
}

static int64_t kmmap(struct fz_child *c, uint64_t addr, uint64_t len,
		     int prot, int flags, int fd, uint64_t off)
{
	return kcall(c, FZ_MMAP, addr, len, (uint64_t)prot, (uint64_t)flags,
		     (uint64_t)(int64_t)fd, off);
}

static int64_t ktouch(struct fz_child *c, uint64_t addr, uint64_t len,
		      int access)
{
	return kcall(c, FZ_TOUCH, addr, len, (uint64_t)access, 0, 0, 0);
}

/* Start address of the maps line containing @addr, 0 if none. */
static uint64_t vma_start_at(struct fz_child *c, uint64_t addr,
			     uint64_t *end /* OUT */)
{
	char *maps = fz_child_read(c, "maps"), *s = maps;
	uint64_t r = 0;

	while (s && *s) {
		unsigned long long a, b;

		if (sscanf(s, "%llx-%llx", &a, &b) == 2 && a <= addr && addr < b) {
			r = a;
			if (end)
				*end = b;
			break;
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	free(maps);
	return r;
}

/* The smaps VmFlags line of the VMA starting at @start ("" if none). */
static void vmflags_of(struct fz_child *c, uint64_t start, char *out,
		       size_t cap)
{
	char *smaps = fz_child_read(c, "smaps"), *s = smaps;
	bool in = false;

	out[0] = 0;
	while (s && *s) {
		unsigned long long a, b;
		char *eol = strchr(s, '\n');

		if (sscanf(s, "%llx-%llx ", &a, &b) == 2 && strchr(s, '-') &&
		    strchr(s, '-') < (eol ? eol : s + strlen(s)))
			in = a == start;
		if (in && !strncmp(s, "VmFlags:", 8)) {
			size_t n = eol ? (size_t)(eol - s) : strlen(s);

			if (n >= cap)
				n = cap - 1;
			memcpy(out, s, n);
			out[n] = 0;
			break;
		}
		s = eol ? eol + 1 : NULL;
	}
	free(smaps);
}

#define START_CHILD(c)							\
	struct fz_child *c = fz_child_start(NULL);			\
	if (!c)								\
		SKIP("cannot start the kernel child (fork/exec)")

/*
 * Without ASLR and with RLIMIT_STACK 8 MiB the top-down search starts at
 * mmap_base = 0x7ffff7fff000, where ld.so's last VMA ends (03 §4.7); a
 * one-page mapping without a hint goes to the top of the highest hole
 * below it.
 */
TEST(kfact_mmap_base_without_aslr)
{
	START_CHILD(c);
	char *maps = fz_child_read(c, "maps"), *s = maps;
	uint64_t prev_end = 0, hole_top = 0, ld_end = 0;
	int64_t got;

	while (s && *s) {
		unsigned long long a, b;

		if (sscanf(s, "%llx-%llx", &a, &b) == 2 && b <= 0x7ffff7fff000ull) {
			char *eol = strchr(s, '\n');

			if (strstr(s, "ld-linux") && (!eol || strstr(s, "ld-linux") < eol))
				ld_end = b;
			if (prev_end && a > prev_end)
				hole_top = a;   /* top of the highest hole so far */
			prev_end = b;
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	free(maps);
	if (!ld_end) {
		fz_child_stop(c);
		SKIP("no ld-linux mapping (static binary?)");
	}
	ASSERT_EQ(ld_end, 0x7ffff7fff000ull);
	if (prev_end < 0x7ffff7fff000ull)
		hole_top = 0x7ffff7fff000ull;
	got = kmmap(c, 0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz_child_stop(c);
	ASSERT_EQ(got, (int64_t)(hole_top - PG));
	return PASS;
}

/* Private anonymous mappings of a multiple of 2 MiB without a hint are
 * 2 MiB aligned (03 §4.5), whatever the THP mode. */
TEST(kfact_thp_aligns_2mib_anonymous)
{
	START_CHILD(c);
	int64_t a = kmmap(c, 0, 2 * MIB, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int64_t b = kmmap(c, 0, 4 * MIB, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	fz_child_stop(c);
	ASSERT_TRUE(a > 0 && b > 0);
	ASSERT_EQ(a % (int64_t)(2 * MIB), 0);
	ASSERT_EQ(b % (int64_t)(2 * MIB), 0);
	return PASS;
}

/* A hint inside the 256-page guard gap below a MAP_GROWSDOWN VMA is not
 * used; one page lower it is (03 §4.6). */
TEST(kfact_guard_gap_refuses_hint)
{
	START_CHILD(c);
	uint64_t g = ARENA + 1024 * PG;
	int64_t r, in_gap, below;

	r = kmmap(c, g, 4 * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	in_gap = kmmap(c, g - 256 * PG, PG, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	below = kmmap(c, g - 257 * PG, PG, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz_child_stop(c);
	ASSERT_EQ(r, (int64_t)g);
	ASSERT_NE(in_gap, (int64_t)(g - 256 * PG));
	ASSERT_EQ(below, (int64_t)(g - 257 * PG));
	return PASS;
}

/* An access far below a MAP_GROWSDOWN VMA grows it down to that page
 * (06 §3); MAP_FIXED may map right below it (no gap for MAP_FIXED). */
TEST(kfact_touch_grows_growsdown_vma)
{
	START_CHILD(c);
	uint64_t g = ARENA + 2048 * PG, end = 0;
	int64_t r, t, f;

	r = kmmap(c, g, 4 * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	t = ktouch(c, g - 100 * PG, 1, PROT_WRITE);
	ASSERT_EQ(vma_start_at(c, g, &end), g - 100 * PG);
	f = kmmap(c, g - 101 * PG, PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	fz_child_stop(c);
	ASSERT_EQ(r, (int64_t)g);
	ASSERT_EQ(t, 0);
	ASSERT_EQ(end, g + 4 * PG);
	ASSERT_EQ(f, (int64_t)(g - 101 * PG));
	return PASS;
}

/* x86: a write-only mapping is readable.  A PROT_EXEC-only mapping is
 * readable without protection keys; with PKU (ospke) it gets the
 * execute-only key and a read faults. */
TEST(kfact_touch_permissions_x86)
{
	START_CHILD(c);
	char *cpu;
	bool pku;
	int64_t w, x, wr, xr, xw;

	w = kmmap(c, ARENA, PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		  MAP_FIXED, -1, 0);
	x = kmmap(c, ARENA + 2 * PG, PG, PROT_EXEC, MAP_PRIVATE |
		  MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	wr = ktouch(c, ARENA, PG, PROT_READ);
	xr = ktouch(c, ARENA + 2 * PG, PG, PROT_READ);
	xw = ktouch(c, ARENA + 2 * PG, PG, PROT_WRITE);
	fz_child_stop(c);
	ASSERT_EQ(w, (int64_t)ARENA);
	ASSERT_EQ(x, (int64_t)(ARENA + 2 * PG));
	ASSERT_EQ(wr, 0);
	ASSERT_EQ(xw, -EFAULT);
	cpu = fz_read_text_file("/proc/cpuinfo");
	pku = cpu && strstr(cpu, " ospke");
	free(cpu);
	ASSERT_EQ(xr, pku ? -EFAULT : 0);
	return PASS;
}

/* mprotect over [A][hole][B] changes A, then fails with ENOMEM (05 §1). */
TEST(kfact_mprotect_keeps_changes_before_hole)
{
	START_CHILD(c);
	char *maps;
	int64_t r;

	kmmap(c, ARENA, 2 * PG, PROT_READ | PROT_WRITE,
	      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	kmmap(c, ARENA + 3 * PG, 2 * PG, PROT_READ | PROT_WRITE,
	      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	r = kcall(c, FZ_MPROTECT, ARENA, 5 * PG, PROT_READ, 0, 0, 0);
	maps = fz_child_read(c, "maps");
	fz_child_stop(c);
	ASSERT_EQ(r, -ENOMEM);
	ASSERT_TRUE(maps && strstr(maps, "200000000000-200000002000 r--p"));
	ASSERT_TRUE(strstr(maps, "200000003000-200000005000 rw-p"));
	free(maps);
	return PASS;
}

/* munmap's range check is against TASK_SIZE (03 §7); the accepting side
 * (munmap(TASK_SIZE - 4096, 4096)) would unmap the child's own stack. */
TEST(kfact_munmap_task_size_edge)
{
	START_CHILD(c);
	int64_t b = kcall(c, FZ_MUNMAP, TASK_SIZE, PG, 0, 0, 0, 0);
	int64_t d = kcall(c, FZ_MUNMAP, ARENA, TASK_SIZE - ARENA + PG, 0, 0,
			  0, 0);
	int64_t e = kcall(c, FZ_MUNMAP, ARENA, 0, 0, 0, 0, 0);

	fz_child_stop(c);
	ASSERT_EQ(e, -EINVAL);
	ASSERT_EQ(b, -EINVAL);
	ASSERT_EQ(d, -EINVAL);
	return PASS;
}

/* MAP_STACK sets VM_NOHUGEPAGE ("nh"), so it does not merge with plain
 * anonymous memory (03 §2). */
TEST(kfact_map_stack_sets_nohugepage)
{
	START_CHILD(c);
	char fl[256];
	uint64_t end = 0;

	kmmap(c, ARENA, 2 * PG, PROT_READ | PROT_WRITE,
	      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	kmmap(c, ARENA + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE,
	      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_STACK, -1, 0);
	vmflags_of(c, ARENA + 2 * PG, fl, sizeof(fl));
	ASSERT_EQ(vma_start_at(c, ARENA, &end), ARENA);
	fz_child_stop(c);
	ASSERT_STR_EQ(fl, "VmFlags: rd wr mr mw me ac nh ");
	ASSERT_EQ(end, ARENA + 2 * PG);
	return PASS;
}

/* A shared memfd mapping past EOF: the page holding EOF is accessible,
 * the next one raises SIGBUS (touch: EFAULT). */
TEST(kfact_memfd_sigbus_past_eof)
{
	START_CHILD(c);
	int64_t m, t0, t1;

	m = kmmap(c, ARENA, 3 * PG, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_FIXED, FZ_FD_MEMFD_RW, MIB);
	t0 = ktouch(c, ARENA, PG, PROT_WRITE);
	t1 = ktouch(c, ARENA + PG, PG, PROT_READ);
	fz_child_stop(c);
	ASSERT_EQ(m, (int64_t)ARENA);
	ASSERT_EQ(t0, 0);
	ASSERT_EQ(t1, -EFAULT);
	return PASS;
}

/* The re-executed child's bss ends at start_brk, which equals brk(0); the
 * bss VMA is not "[heap]"; the first growing brk creates a separate
 * [heap] VMA (03 §8). */
TEST(kfact_bss_is_not_heap)
{
	START_CHILD(c);
	uint64_t brk0 = fz_child_brk0(c), end = 0;
	char *maps;
	int64_t r;

	ASSERT_EQ(brk0 % PG, 0);
	ASSERT_EQ(vma_start_at(c, brk0 - 1, &end) != 0, 1);
	ASSERT_EQ(end, brk0);
	r = kcall(c, FZ_BRK, brk0 + 1, 0, 0, 0, 0, 0);
	maps = fz_child_read(c, "maps");
	fz_child_stop(c);
	ASSERT_EQ(r, (int64_t)(brk0 + 1));
	{
		char want[64];

		snprintf(want, sizeof(want), "%llx-%llx rw-p",
			 (unsigned long long)brk0,
			 (unsigned long long)(brk0 + PG));
		ASSERT_TRUE(maps && strstr(maps, want));
		ASSERT_TRUE(strstr(strstr(maps, want), "[heap]"));
	}
	free(maps);
	return PASS;
}

/* MAP_FIXED_NOREPLACE over an existing VMA: EEXIST, nothing changed. */
TEST(kfact_fixed_noreplace_eexist)
{
	START_CHILD(c);
	int64_t a, b;

	a = kmmap(c, ARENA, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		  MAP_FIXED, -1, 0);
	b = kmmap(c, ARENA + 3 * PG, 2 * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	fz_child_stop(c);
	ASSERT_EQ(a, (int64_t)ARENA);
	ASSERT_EQ(b, -EEXIST);
	return PASS;
}

/*
 * ext4 declares MAP_SYNC support (FOP_MMAP_SYNC), so MAP_SHARED_VALIDATE |
 * MAP_SYNC passes the flag-mask check on a regular ext4 file: a PROT_WRITE
 * request on an O_RDONLY descriptor fails with EACCES, and a valid one
 * fails in ext4's mmap hook with EOPNOTSUPP after a MAP_FIXED range was
 * unmapped (a hole is left).  shmem (memfd) lacks it: EOPNOTSUPP at the
 * mask check, before EACCES, and the MAP_FIXED range stays mapped.
 */
TEST(kfact_map_sync_ext4_vs_shmem)
{
	START_CHILD(c);
	int sv = 0x03 | 0x80000;        /* MAP_SHARED_VALIDATE | MAP_SYNC */
	int64_t ro, mro, base, hole, kept;
	uint64_t end = 0;

	ro = kmmap(c, 0, PG, PROT_WRITE, sv, FZ_FD_EXT4_RO, 0);
	mro = kmmap(c, 0, PG, PROT_WRITE, sv, FZ_FD_MEMFD_RO, 0);
	base = kmmap(c, ARENA, 4 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	hole = kmmap(c, ARENA + PG, PG, PROT_READ, sv | MAP_FIXED,
		     FZ_FD_EXT4_RW, 0);
	kept = kmmap(c, ARENA + 2 * PG, PG, PROT_READ, sv | MAP_FIXED,
		     FZ_FD_MEMFD_RW, 0);
	ASSERT_EQ(vma_start_at(c, ARENA, &end), ARENA);
	ASSERT_EQ(end, ARENA + PG);                    /* page 1 unmapped */
	ASSERT_EQ(vma_start_at(c, ARENA + 2 * PG, &end), ARENA + 2 * PG);
	fz_child_stop(c);
	ASSERT_EQ(ro, -EACCES);
	ASSERT_EQ(mro, -EOPNOTSUPP);
	ASSERT_EQ(base, (int64_t)ARENA);
	ASSERT_EQ(hole, -EOPNOTSUPP);
	ASSERT_EQ(kept, -EOPNOTSUPP);
	ASSERT_EQ(end, ARENA + 4 * PG);                /* pages 2-3 intact */
	return PASS;
}

/*
 * Anonymous MAP_HUGETLB with MAP_NORESERVE succeeds even with no huge page
 * in the pool (nothing is reserved at mmap time); the length is rounded up
 * to 2 MiB, the address is 2 MiB aligned, the name is
 * "/anon_hugepage (deleted)".  Without MAP_NORESERVE: ENOMEM.
 */
TEST(kfact_hugetlb_noreserve_without_pool)
{
	char *mi = fz_read_text_file("/proc/meminfo"), *p;
	uint64_t nfree = 0;

	p = mi ? strstr(mi, "HugePages_Free:") : NULL;
	if (p)
		nfree = strtoull(p + 15, NULL, 10);
	free(mi);
	if (!p || nfree)
		SKIP("needs a machine with an empty huge page pool");
	{
		START_CHILD(c);
		char *maps;
		int64_t a, b;

		a = kmmap(c, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			  MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE, -1, 0);
		b = kmmap(c, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			  MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		maps = fz_child_read(c, "maps");
		fz_child_stop(c);
		ASSERT_TRUE(a > 0);
		ASSERT_EQ(a % (int64_t)(2 * MIB), 0);
		ASSERT_EQ(b, -ENOMEM);
		{
			char want[64];

			snprintf(want, sizeof(want), "%llx-%llx ",
				 (unsigned long long)a,
				 (unsigned long long)(a + 2 * MIB));
			ASSERT_TRUE(maps && strstr(maps, want));
			ASSERT_TRUE(strstr(strstr(maps, want),
					   "/anon_hugepage (deleted)"));
		}
		free(maps);
	}
	return PASS;
}

/* The gate area is listed in /proc/PID/smaps too (last, "VmFlags: ex"),
 * although it is not a VMA: importers of smaps text must skip its block. */
TEST(kfact_smaps_lists_vsyscall_gate)
{
	START_CHILD(c);
	char *smaps = fz_child_read(c, "smaps"), *g;

	fz_child_stop(c);
	g = smaps ? strstr(smaps, "ffffffffff600000-ffffffffff601000 --xp") : NULL;
	if (!g) {
		free(smaps);
		SKIP("no vsyscall gate (vsyscall=none?)");
	}
	ASSERT_TRUE(strstr(g, "VmFlags: ex \n") != NULL);
	free(smaps);
	return PASS;
}

/* MAP_DROPPABLE VMAs are never locked: mlockall(MCL_FUTURE) does not give a
 * new droppable mapping VM_LOCKED, and mlock() of one succeeds without
 * setting it (plain anonymous memory gets "lo" in both cases). */
TEST(kfact_droppable_is_never_locked)
{
	START_CHILD(c);
	char fd[256], fa[256], fm[256];
	int64_t r0, r1, r2, r3, r4;

	r0 = kcall(c, FZ_MLOCKALL, 2 /* MCL_FUTURE */, 0, 0, 0, 0, 0);
	r1 = kmmap(c, ARENA, 2 * PG, PROT_READ | PROT_WRITE,
		   0x08 | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	r2 = kmmap(c, ARENA + 16 * PG, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	vmflags_of(c, ARENA, fd, sizeof(fd));
	vmflags_of(c, ARENA + 16 * PG, fa, sizeof(fa));
	r3 = kcall(c, FZ_MUNLOCKALL, 0, 0, 0, 0, 0, 0);
	r4 = kcall(c, FZ_MLOCK, ARENA, 2 * PG, 0, 0, 0, 0);
	vmflags_of(c, ARENA, fm, sizeof(fm));
	fz_child_stop(c);
	ASSERT_EQ(r0, 0);
	ASSERT_EQ(r1, (int64_t)ARENA);
	ASSERT_EQ(r2, (int64_t)(ARENA + 16 * PG));
	ASSERT_EQ(r3, 0);
	ASSERT_EQ(r4, 0);
	ASSERT_STR_EQ(fd, "VmFlags: rd wr mr mw me nr wf dd dp ");
	ASSERT_STR_EQ(fa, "VmFlags: rd wr mr mw me lo ac ");
	ASSERT_STR_EQ(fm, "VmFlags: rd wr mr mw me nr wf dd dp ");
	return PASS;
}

/* With PKU, mmap(PROT_EXEC) allocates the execute-only key, but
 * pkey_mprotect() refuses that key (EINVAL) like an unallocated one;
 * key 0 is accepted. */
TEST(kfact_exec_only_pkey_not_for_pkey_mprotect)
{
	char *cpu = fz_read_text_file("/proc/cpuinfo");
	bool pku = cpu && strstr(cpu, " ospke");

	free(cpu);
	if (!pku)
		SKIP("CPU without protection keys");
	{
		START_CHILD(c);
		char fl[256];
		int64_t m, k1, k0, k2;

		m = kmmap(c, ARENA, 2 * PG, PROT_EXEC, MAP_PRIVATE |
			  MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		k1 = kcall(c, FZ_PKEY_MPROTECT, ARENA, PG, PROT_READ, 1, 0, 0);
		k2 = kcall(c, FZ_PKEY_MPROTECT, ARENA, PG, PROT_READ, 2, 0, 0);
		k0 = kcall(c, FZ_PKEY_MPROTECT, ARENA, PG, PROT_READ, 0, 0, 0);
		vmflags_of(c, ARENA, fl, sizeof(fl));
		fz_child_stop(c);
		ASSERT_EQ(m, (int64_t)ARENA);
		ASSERT_EQ(k1, -EINVAL);
		ASSERT_EQ(k2, -EINVAL);
		ASSERT_EQ(k0, 0);
		ASSERT_STR_EQ(fl, "VmFlags: rd mr mw me ");
	}
	return PASS;
}

/* MADV_GUARD_INSTALL works on shared anonymous (shmem) memory too: the
 * VMA gets "gu" and an access to the page faults. */
TEST(kfact_guard_install_on_shmem)
{
	START_CHILD(c);
	char fl[256];
	int64_t m, g, t0, t1;

	m = kmmap(c, ARENA, 4 * PG, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	g = kcall(c, FZ_MADVISE, ARENA + PG, PG, 102, 0, 0, 0);
	t0 = ktouch(c, ARENA, PG, PROT_WRITE);
	t1 = ktouch(c, ARENA + PG, PG, PROT_READ);
	vmflags_of(c, ARENA, fl, sizeof(fl));
	fz_child_stop(c);
	ASSERT_EQ(m, (int64_t)ARENA);
	ASSERT_EQ(g, 0);
	ASSERT_EQ(t0, 0);
	ASSERT_EQ(t1, -EFAULT);
	ASSERT_STR_EQ(fl, "VmFlags: rd wr sh mr mw me ms gu ");
	return PASS;
}

/* MADV_COLLAPSE refuses (EINVAL) a VMA that cannot hold a 2 MiB-aligned
 * huge page, and that EINVAL wins over a hole before the VMA. */
TEST(kfact_collapse_needs_thp_suitable_vma)
{
	START_CHILD(c);
	int64_t m, a, b;

	m = kmmap(c, ARENA + PG, 26 * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	a = kcall(c, FZ_MADVISE, ARENA + 2 * PG, 2 * PG, 25, 0, 0, 0);
	b = kcall(c, FZ_MADVISE, ARENA, 8 * PG, 25, 0, 0, 0);
	fz_child_stop(c);
	ASSERT_EQ(m, (int64_t)(ARENA + PG));
	ASSERT_EQ(a, -EINVAL);
	ASSERT_EQ(b, -EINVAL);
	return PASS;
}
