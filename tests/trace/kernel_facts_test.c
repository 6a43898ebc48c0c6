/*
 * kernel_facts_test.c - facts about the running kernel that `aspace trace`
 * relies on or works around (docs/kernel-notes.md, "aspace trace" notes):
 * which /proc/PID/stat fields hold the process image, mremap's new_address
 * as a hint with MREMAP_DONTUNMAP, and the anon_vma a huge-zero-page read
 * creates without showing in smaps.  Run in this process; each is fast.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../harness.h"
#include "../../tools/ptrace_proc.h"

/* The smaps entry of the VMA starting at @start: Anonymous and VmFlags. */
static int smaps_of(uint64_t start, uint64_t *anon_kb, uint64_t *flags)
{
	struct proc_vmas v = { 0 };
	char *text = proc_read(getpid(), "smaps", NULL);
	size_t i;
	int found = 0;

	if (!text || proc_parse_smaps(text, &v))
		return 0;
	for (i = 0; i < v.n; i++) {
		if (v.v[i].start == start) {
			*anon_kb = v.v[i].anon_kb;
			*flags = v.v[i].flags;
			found = 1;
		}
	}
	proc_vmas_free(&v);
	free(text);
	return found;
}

TEST(trace_kernel_stat_47_is_start_brk_48_is_arg_start)
{
	uint64_t f[PSTAT_MAX + 1], brk_now = (uint64_t)syscall(SYS_brk, 0);
	struct proc_vmas v = { 0 };
	char *text = proc_read(getpid(), "maps", NULL);
	size_t i;
	int in_stack = 0;

	ASSERT_EQ(proc_stat_fields(getpid(), f), 0);
	/* start_brk: page aligned, at or below the break */
	ASSERT_TRUE(f[PSTAT_START_BRK] != 0);
	ASSERT_EQ(f[PSTAT_START_BRK] & 4095, 0);
	ASSERT_TRUE(f[PSTAT_START_BRK] <= brk_now);
	/* field 48 is arg_start (in the stack), not the current break */
	ASSERT_TRUE(text != NULL);
	ASSERT_EQ(proc_parse_smaps(text, &v), 0);
	for (i = 0; i < v.n; i++)
		if (v.v[i].start <= f[48] && f[48] < v.v[i].end &&
		    v.v[i].name_len == 7 && !memcmp(v.v[i].name, "[stack]", 7))
			in_stack = 1;
	ASSERT_TRUE(in_stack);
	ASSERT_TRUE(f[48] != brk_now);
	/* start_stack (28) and start_code (26) too */
	ASSERT_TRUE(f[PSTAT_START_STACK] > f[48] - (1u << 20));
	ASSERT_TRUE(f[PSTAT_START_CODE] < f[PSTAT_END_CODE]);
	proc_vmas_free(&v);
	free(text);
	return PASS;
}

TEST(trace_kernel_mremap_dontunmap_uses_new_address_as_hint)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hint = (char *)0x300000000000ull, *q;

	ASSERT_TRUE(p != MAP_FAILED);
	/* the hint must be free */
	ASSERT_TRUE(mmap(hint, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED_NOREPLACE, -1, 0) == hint);
	munmap(hint, 4096);
	q = mremap(p, 4096, 4096, MREMAP_MAYMOVE | 4 /* DONTUNMAP */, hint);
	if (q == MAP_FAILED && errno == EINVAL)
		SKIP("MREMAP_DONTUNMAP not supported");
	ASSERT_TRUE(q == hint);         /* strace 6.1 does not print it */
	munmap(p, 4096);
	munmap(q, 4096);
	return PASS;
}

TEST(trace_kernel_huge_zero_page_read_gives_anon_vma_not_in_smaps)
{
	const uint64_t huge = 2u << 20;
	char *r = mmap(NULL, 4 * huge, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p;
	volatile char c;
	uint64_t anon = 1, flags = 0;

	ASSERT_TRUE(r != MAP_FAILED);
	p = (char *)(((uintptr_t)r + huge - 1) & ~(uintptr_t)(huge - 1));
	if (madvise(p, 2 * huge, MADV_HUGEPAGE))
		SKIP("no THP (MADV_HUGEPAGE refused)");
	c = p[100];
	(void)c;
	/* split the VMA so that smaps shows [p, p + 2 huge) on its own */
	ASSERT_EQ(mprotect(p, 2 * huge, PROT_READ), 0);
	if (!smaps_of((uint64_t)(uintptr_t)p, &anon, &flags))
		FAILF("no smaps entry at %p", (void *)p);
	if (!(flags & (1ull << 29)))
		SKIP("VMA not marked hg");
	/* no anonymous page is counted ... */
	ASSERT_EQ(anon, 0);
	/* ... yet the VMA has an anon_vma: mprotect without PROT_WRITE keeps
	 * VM_ACCOUNT (ac) only on an anonymous VMA that has one (01 §1.5) */
	ASSERT_TRUE(flags & (1ull << 20));
	munmap(r, 4 * huge);
	return PASS;
}
