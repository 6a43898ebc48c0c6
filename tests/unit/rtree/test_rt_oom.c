/*
 * test_rt_oom.c - allocation failure injection for the range tree.  For
 * every operation of a random run and every k, the k-th allocation fails:
 * the operation must return -ENOMEM and leave the tree exactly as before
 * (content, rt_check(), bytes); then k + 1 is tried until the operation
 * makes no k-th allocation and succeeds.  After a successful rt_reserve(n)
 * the n stores must not allocate at all.  No byte may leak.
 */
#include <errno.h>

#include "aspace.h"
#include "rtree/rt_node.h"
#include "../../oom/oom.h"
#include "world.h"

static long injected;           /* failures injected and survived */

/* Apply one store (value may be NULL) under every failure point. */
static int store_every_k(struct world *w, uint64_t first, uint64_t last,
			 void *v)
{
	for (long k = 0;; k++) {
		size_t bytes = rt_bytes(&w->t), heap = as_bytes_in_use;
		int err;

		oom_fail_nth(k);
		err = rt_store(&w->t, first, last, v);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			ref_store(&w->ref, first, last, v);
			return world_same(w);
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_EQ(rt_bytes(&w->t), bytes);
		ASSERT_EQ(as_bytes_in_use, heap);
		injected++;
		CHECK(world_same(w));
	}
}

/* rt_reserve(n) under every failure point, then n stores that must not
 * allocate: every allocation they tried would fail. */
static int reserve_every_k(struct world *w, unsigned n)
{
	for (long k = 0;; k++) {
		size_t bytes = rt_bytes(&w->t);
		int err;

		oom_fail_nth(k);
		err = rt_reserve(&w->t, n);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			break;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_EQ(rt_bytes(&w->t), bytes);
		CHECK(world_same(w));
		injected++;
	}
	for (unsigned j = 0; j < n; j++) {
		uint64_t first, last;
		void *v = world_rnd(w) % 4 ? world_value(w) : NULL;
		int err;

		world_range(w, &first, &last);
		oom_fail_nth(0);
		err = rt_store(&w->t, first, last, v);
		oom_disarm();
		ASSERT_EQ(err, 0);
		ASSERT_TRUE(!oom_fired());
		ref_store(&w->ref, first, last, v);
		CHECK(world_same(w));
	}
	return PASS;
}

static int oom_run(uint64_t seed, uint64_t span, uint64_t maxlen, long ops)
{
	struct world w;
	size_t before;
	int r = PASS;

	oom_fail_nth(-1);         /* install the counting allocator first */
	before = as_bytes_in_use;
	world_init(&w, seed, 0, span, maxlen);
	w.wild = 512;
	for (long i = 0; i < ops && r == PASS; i++) {
		uint64_t first, last, x = world_rnd(&w) % 10;

		world_range(&w, &first, &last);
		if (x < 6)
			r = store_every_k(&w, first, last, world_value(&w));
		else if (x < 8)
			r = store_every_k(&w, first, last, NULL);
		else if (x < 9)
			r = reserve_every_k(&w, 1 + world_rnd(&w) % 5);
		else
			rt_unreserve(&w.t);
		if (r != PASS)
			fprintf(stderr, "  seed %" PRIu64 " op %ld\n", seed, i);
	}
	world_free(&w);
	aspace_set_allocator(NULL, NULL, NULL);
	if (r == PASS && as_bytes_in_use != before)
		FAILF("leak: %zu bytes", as_bytes_in_use - before);
	return r;
}

TEST(rt_oom_every_store)
{
	long ops = RT_TEST_SAN ? 1500 : 6000;

	injected = 0;
	for (uint64_t s = 1; s <= 6; s++)
		CHECK(oom_run(400 + s, s < 4 ? 2000 : 1ull << 20, 3 + s, ops));
	fprintf(stderr, "  %ld failures injected\n", injected);
	ASSERT_TRUE(injected > (RT_TEST_SAN ? 200 : 1000));
	return PASS;
}

/* Splitting one entry by an erase needs a node: must fail cleanly too. */
TEST(rt_oom_erase_middle)
{
	struct world w;

	oom_fail_nth(-1);
	world_init(&w, 1, 0, 1000, 1);
	for (uint64_t i = 0; i < RT_LEAF_CAP; i++)
		CHECK(store_every_k(&w, i * 10, i * 10 + 5, world_value(&w)));
	/* the first split of a full root leaf uses the spares kept; the
	 * next erases must allocate again */
	injected = 0;
	for (uint64_t i = 0; i < 6; i++)
		CHECK(store_every_k(&w, i * 10 + 2, i * 10 + 3, NULL));
	ASSERT_EQ(rt_count(&w.t), RT_LEAF_CAP + 6);
	ASSERT_TRUE(injected > 0);
	world_free(&w);
	aspace_set_allocator(NULL, NULL, NULL);
	return PASS;
}
