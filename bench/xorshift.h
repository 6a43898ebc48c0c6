/*
 * xorshift.h - the benchmarks' random numbers: Marsaglia's xorshift64
 * (shifts 13, 7, 17) over one state per program, which the program seeds
 * (any value but 0) before drawing.  Fast and repeatable: the same seed
 * gives the same workload on both sides of vs_kernel.
 */
#ifndef ASPACE_BENCH_XORSHIFT_H
#define ASPACE_BENCH_XORSHIFT_H

#include <stdint.h>

static uint64_t rng;

static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#endif /* ASPACE_BENCH_XORSHIFT_H */
