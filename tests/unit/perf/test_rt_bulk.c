/*
 * test_rt_bulk.c - the range tree's bulk loader (src/rtree/rt_bulk.c):
 * every size around the node capacities and level boundaries gives a
 * valid tree (rt_check) with every entry findable, every node full but
 * the last two of each level, stores keep working on the result, and an
 * allocation failure in rt_bulk_begin leaves the tree untouched.
 */
#include <errno.h>

#include "aspace.h"
#include "rtree/rt_node.h"
#include "../../oom/oom.h"
#include "../../harness.h"

#define V(x) ((void *)(uintptr_t)(x))

/* Entry i: [10i, 10i + 4] (gaps of five between entries). */
static int bulk_build(struct rt_tree *t, uint64_t n)
{
	struct rt_bulk b;
	int err = rt_bulk_begin(&b, t, n);

	if (err)
		return err;
	for (uint64_t i = 0; i < n; i++)
		rt_bulk_add(&b, 10 * i, 10 * i + 4, V(i + 1));
	rt_bulk_end(&b);
	return 0;
}

/* The fewest nodes any valid tree of n entries can have, level by level. */
static uint64_t min_nodes(uint64_t n)
{
	uint64_t total = 0, items = n;
	unsigned cap = RT_LEAF_CAP;

	while (items > 0) {
		uint64_t k = (items + cap - 1) / cap;

		total += k;
		items = k > 1 ? k : 0;
		cap = RT_INNER_CAP;
	}
	return total;
}

TEST(rt_bulk_sizes)
{
	static const uint64_t sizes[] = {
		0, 1, 2, 19, 20, 21, 29, 30, 31, 39, 40, 41, 299, 300, 301,
		309, 310, 311, 4499, 4500, 4501, 4509, 4510, 67500, 67501,
		100000,
	};

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		uint64_t n = sizes[s];
		struct rt_tree t;
		struct rt_entry e;

		rt_init(&t);
		ASSERT_EQ(bulk_build(&t, n), 0);
		if (rt_check(&t))
			FAILF("rt_check failed at n=%llu", (unsigned long long)n);
		ASSERT_EQ(rt_count(&t), n);
		/* Full nodes: the tree has the fewest nodes possible, plus the
		 * spares kept (height + 1 at most). */
		ASSERT_TRUE(rt_bytes(&t) / RT_NODE_SIZE >= min_nodes(n));
		ASSERT_TRUE(rt_bytes(&t) / RT_NODE_SIZE <=
			    min_nodes(n) + t.height + 1);
		for (uint64_t i = 0; i < n; i += 1 + i / 64) {
			ASSERT_EQ(rt_load(&t, 10 * i + 3, &e), V(i + 1));
			ASSERT_EQ(e.first, 10 * i);
			ASSERT_EQ(e.last, 10 * i + 4);
			ASSERT_TRUE(!rt_load(&t, 10 * i + 7, NULL));
		}
		if (n > 0) {
			uint64_t a, z;

			ASSERT_EQ(rt_gap_lowest(&t, 0, UINT64_MAX, 5, &a, &z), 0);
			ASSERT_EQ(a, 5);
			ASSERT_EQ(rt_gap_lowest(&t, 0, 10 * n - 6, 6, &a, &z),
				  -ENOMEM);
		}
		rt_destroy(&t);
	}
	return PASS;
}

/* Stores and erases on a bulk-built tree keep every invariant. */
TEST(rt_bulk_then_store)
{
	struct rt_tree t;
	uint64_t n = 5000;

	rt_init(&t);
	ASSERT_EQ(bulk_build(&t, n), 0);
	for (uint64_t i = 0; i < n; i += 7) {
		ASSERT_EQ(rt_store(&t, 10 * i + 1, 10 * i + 2, V(7)), 0);
		ASSERT_EQ(rt_erase(&t, 10 * i + 5, 10 * i + 9 + 10 * (i % 3)),
			  0);
	}
	if (rt_check(&t))
		FAILF("rt_check failed after stores");
	ASSERT_EQ(rt_load(&t, 1, NULL), V(7));
	ASSERT_EQ(rt_load(&t, 0, NULL), V(1));
	ASSERT_EQ(rt_load(&t, 3, NULL), V(1));
	rt_destroy(&t);
	return PASS;
}

TEST(rt_bulk_oom_changes_nothing)
{
	for (long k = 0;; k++) {
		struct rt_tree t;
		size_t before = as_bytes_in_use;
		int err;

		rt_init(&t);
		oom_fail_nth(k);
		err = bulk_build(&t, 1000);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			ASSERT_EQ(rt_check(&t), 0);
			rt_destroy(&t);
			return PASS;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_EQ(rt_count(&t), 0);
		ASSERT_TRUE(t.root == NULL);
		ASSERT_EQ(as_bytes_in_use, before);
		rt_destroy(&t);
	}
}
