/*
 * test_mremap_kernel.c - the running kernel's mremap behaviours that the
 * model copies and spec/04 lacks or gets wrong (docs/kernel-notes.md,
 * "mremap"), checked with raw system calls in this process on a private
 * region: DONTUNMAP's self-merge of an unfaulted VMA, and DONTUNMAP of
 * part of a locked VMA (whole source loses `lo`, VmLck never comes back).
 * Skips when the kernel lacks MREMAP_DONTUNMAP or locking is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../harness.h"

#define KPG 4096ul
#define KDONTUNMAP 4

/* Number of maps lines intersecting [lo, hi) and the VmFlags of the one
 * containing @at ("" if none). */
static int k_lines(unsigned long lo, unsigned long hi, unsigned long at,
		   char *flags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int n = 0, in_at = 0;

	flags[0] = '\0';
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			in_at = a <= at && at < b;
			n += a < hi && b > lo;
			continue;
		}
		if (in_at && !strncmp(line, "VmFlags:", 8)) {
			size_t k = strlen(line + 8);

			k = k < cap ? k : cap - 1;
			memcpy(flags, line + 8, k);
			flags[k] = '\0';
		}
	}
	fclose(f);
	return n;
}

static long k_vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static unsigned long k_region(unsigned long npages)
{
	void *p = mmap(NULL, npages * KPG, PROT_NONE, MAP_PRIVATE |
		       MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	munmap(p, npages * KPG);
	return (unsigned long)p;
}

TEST(test_mremap_kernel_dontunmap_self_merge)
{
	unsigned long b = k_region(16);
	char fl[256];
	void *r;

	if (!b)
		SKIP("no region");
	if (mmap((void *)b, 4 * KPG, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		 MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		SKIP("mmap failed");
	r = mremap((void *)b, 4 * KPG, 4 * KPG, MREMAP_MAYMOVE | MREMAP_FIXED |
		   KDONTUNMAP, (void *)(b + 4 * KPG));
	if (r == MAP_FAILED && errno == EINVAL) {
		munmap((void *)b, 16 * KPG);
		SKIP("kernel without MREMAP_DONTUNMAP");
	}
	ASSERT_EQ((unsigned long)r, b + 4 * KPG);
	/* one VMA [b, b + 8 pages): the copy merged with its own source */
	ASSERT_EQ(k_lines(b, b + 16 * KPG, b, fl, sizeof(fl)), 1);
	ASSERT_EQ(k_lines(b + 7 * KPG, b + 8 * KPG, b, fl, sizeof(fl)), 1);
	munmap((void *)b, 16 * KPG);
	return PASS;
}

TEST(test_mremap_kernel_dontunmap_partial_locked)
{
	unsigned long b = k_region(32);
	long lck0, lck1, lck2;
	char fl[256];
	void *r;

	if (!b)
		SKIP("no region");
	lck0 = k_vmlck_kb();
	if (mmap((void *)b, 8 * KPG, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		 MAP_ANONYMOUS | MAP_FIXED | MAP_LOCKED, -1, 0) == MAP_FAILED)
		SKIP("MAP_LOCKED refused (RLIMIT_MEMLOCK)");
	r = mremap((void *)(b + 2 * KPG), 2 * KPG, 2 * KPG, MREMAP_MAYMOVE |
		   MREMAP_FIXED | KDONTUNMAP, (void *)(b + 20 * KPG));
	if (r == MAP_FAILED && errno == EINVAL) {
		munmap((void *)b, 32 * KPG);
		SKIP("kernel without MREMAP_DONTUNMAP");
	}
	ASSERT_EQ((unsigned long)r, b + 20 * KPG);
	lck1 = k_vmlck_kb();
	/* the source is not split and all of it lost `lo` */
	ASSERT_EQ(k_lines(b, b + 8 * KPG, b, fl, sizeof(fl)), 1);
	ASSERT_TRUE(strstr(fl, " lo") == NULL && strstr(fl, "ac") != NULL);
	k_lines(b, b + 32 * KPG, b + 20 * KPG, fl, sizeof(fl));
	ASSERT_TRUE(strstr(fl, " lo") != NULL);
	ASSERT_EQ(lck1 - lck0, 40);             /* 8 + 2 pages */
	munmap((void *)b, 32 * KPG);
	lck2 = k_vmlck_kb();
	ASSERT_EQ(lck2 - lck0, 32);             /* the source's 8 pages */
	return PASS;
}
