/*
 * test_rt_reserve.c - a reservation for many stores is linear in their
 * number (a 200-piece mremap reserves ~1,400 stores) and still covers the
 * worst case: with every allocation failing after rt_reserve(), that many
 * appending stores (which split leaves and grow the tree) all succeed.
 */
#include <errno.h>

#include "aspace.h"
#include "rtree/rt_node.h"
#include "../../oom/oom.h"
#include "world.h"

#define V(x) ((void *)(uintptr_t)(x))

TEST(rt_reserve_is_linear_and_sufficient)
{
	const unsigned r = 1400;
	struct rt_tree t;
	uint64_t i;

	rt_init(&t);
	for (i = 0; i < 5000; i++)
		ASSERT_EQ(rt_store(&t, i * 4, i * 4 + 1, V(i + 1)), 0);
	ASSERT_EQ(rt_reserve(&t, r), 0);
	/* linear: at most r * (height bound + 1) nodes, far below r^2 / 2 */
	ASSERT_TRUE(t.nspare <= (uint64_t)r * 8);
	oom_fail_nth(0);
	for (i = 0; i < r; i++) {
		/* each store both appends and splits an existing entry, the
		 * worst case for node growth */
		uint64_t base = (5000 + i) * 4;

		ASSERT_EQ(rt_store(&t, base, base + 1, V(base)), 0);
		ASSERT_EQ(rt_store(&t, (i % 5000) * 4 + 1, (i % 5000) * 4 + 1,
				   V(7)), 0);
		i++;
		if (i >= r)
			break;
	}
	oom_disarm();
	ASSERT_TRUE(!oom_fired());
	ASSERT_EQ(rt_check(&t), 0);
	rt_unreserve(&t);
	ASSERT_EQ(rt_check(&t), 0);
	rt_destroy(&t);
	return PASS;
}
