/*
 * mem_latency.c - the cost of one dependent memory access on this machine,
 * for reading vs_kernel's figures (docs/performance.md, "Floors").  A
 * lookup at N VMAs must read at least the leaf that holds the address and
 * the VMA itself, one after the other (the leaf gives the VMA's address),
 * in a working set of about 94 bytes per VMA: 6 MB at 60,000, 94 MB at
 * 1,000,000.  This measures what one such access costs at those sizes:
 * a pointer chase through a random cyclic order of the 64-byte lines of a
 * buffer, so every load waits for the one before it, as the lookup's do.
 *
 * Output, one line per size and page kind:
 *   BENCH op=dep_load mb=6 pages=4k ns=154.0
 * pages=thp: the buffer 2 MiB aligned and advised MADV_HUGEPAGE (what
 * the system's THP setting grants; AnonHugePages tells).  Best of 3
 * passes of CHASE loads, process CPU time.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "xorshift.h"

#define LINE   64u
#define HUGE   (2u << 20)
#define CHASE  2000000L
#define PASSES 3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}


/* ns per dependent load over @mb MiB; <0 when memory is short. */
static double chase(size_t mb, int thp)
{
	size_t bytes = mb << 20, lines = bytes / LINE, i;
	size_t map = bytes + HUGE;
	uint64_t *order, p = 0;
	double best = -1;
	char *raw, *buf;

	raw = mmap(NULL, map, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = malloc(lines * sizeof(*order));
	if (raw == MAP_FAILED || !order) {
		free(order);
		if (raw != MAP_FAILED)
			munmap(raw, map);
		return -1;
	}
	buf = (char *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (thp)
		madvise(buf, bytes, MADV_HUGEPAGE);
	/* a random cyclic order of the lines (Fisher-Yates) */
	for (i = 0; i < lines; i++)
		order[i] = i;
	for (i = lines - 1; i > 0; i--) {
		size_t j = rnd() % (i + 1);
		uint64_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < lines; i++)
		*(uint64_t *)(buf + order[i] * LINE) =
			order[(i + 1) % lines] * LINE;
	for (int r = 0; r < PASSES; r++) {
		double t0 = now(), t;

		for (long k = 0; k < CHASE; k++)
			p = *(volatile uint64_t *)(buf + p);
		t = (now() - t0) / CHASE;
		if (best < 0 || t < best)
			best = t;
	}
	free(order);
	munmap(raw, map);
	return p == 1 ? -1 : best;      /* p is a multiple of LINE: never 1 */
}

int main(void)
{
	static const size_t sizes[] = { 1, 6, 94 };

	rng = 0x9e3779b97f4a7c15ull;
	printf("# mem_latency: ns per dependent load (pointer chase over "
	       "random lines)\n");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int thp = 0; thp <= 1; thp++) {
			double ns = chase(sizes[s], thp);

			if (ns < 0) {
				fprintf(stderr, "mem_latency: no memory for "
					"%zu MiB\n", sizes[s]);
				return 1;
			}
			printf("BENCH op=dep_load mb=%zu pages=%s ns=%.1f\n",
			       sizes[s], thp ? "thp" : "4k", ns);
		}
	}
	return 0;
}
