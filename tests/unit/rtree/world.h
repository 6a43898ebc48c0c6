/*
 * world.h - shared scaffolding of the range-tree tests: a B+tree and the
 * reference side by side, a seeded generator of indices that favours the
 * edges (0, UINT64_MAX, entry boundaries), and the full comparison run
 * after every operation.
 */
#ifndef ASPACE_TEST_RT_WORLD_H
#define ASPACE_TEST_RT_WORLD_H

#include "../../harness.h"
#include "rtree/rt.h"
#include "ref.h"

/* Sanitizer builds run the same tests on fewer operations. */
#if defined(__SANITIZE_ADDRESS__)
#define RT_TEST_SAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_TEST_SAN 1
#endif
#endif
#ifndef RT_TEST_SAN
#define RT_TEST_SAN 0
#endif

struct world {
	struct rt_tree t;
	struct ref     ref;
	uint64_t       rng;
	uint64_t       base, span;   /* most indices fall in [base, base+span] */
	uint64_t       maxlen;       /* most store lengths are <= maxlen */
	uint64_t       vals;         /* values handed out so far */
	uint64_t       wild;         /* 1 in wild ranges has any length */
};

void world_init(struct world *w, uint64_t seed, uint64_t base, uint64_t span,
		uint64_t maxlen);
void world_free(struct world *w);
uint64_t world_rnd(struct world *w);
uint64_t world_index(struct world *w);
/* A random range [*first, *last], clamped at UINT64_MAX. */
void world_range(struct world *w, uint64_t *first, uint64_t *last);
void *world_value(struct world *w);
/* rt_check() plus an entry-by-entry comparison with the reference. */
int world_same(struct world *w);

#endif
