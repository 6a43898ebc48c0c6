/*
 * test_rt_basic.c - directed range-tree tests: the empty tree, entries at
 * indices 0 and UINT64_MAX, cursor walks, the leaf fill that the memory
 * target needs (ascending, descending and random insertion), and a
 * reservation made for the worst case: stores that split a node on every
 * level and grow the tree.
 */
#include <errno.h>

#include "aspace.h"
#include "rtree/rt_node.h"
#include "../../oom/oom.h"
#include "world.h"

#define V(x) ((void *)(uintptr_t)(x))

TEST(rt_empty_tree)
{
	struct rt_tree t;
	struct rt_entry e;
	uint64_t a, b;

	rt_init(&t);
	ASSERT_TRUE(!rt_load(&t, 0, &e));
	ASSERT_TRUE(!rt_find(&t, 0, &e));
	ASSERT_TRUE(!rt_find_rev(&t, UINT64_MAX, &e));
	ASSERT_TRUE(!rt_next(&t, 0, &e));
	ASSERT_TRUE(!rt_prev(&t, UINT64_MAX, &e));
	ASSERT_EQ(rt_gap_lowest(&t, 0, UINT64_MAX, UINT64_MAX, &a, &b), 0);
	ASSERT_EQ(a, 0);
	ASSERT_EQ(b, UINT64_MAX);
	ASSERT_EQ(rt_gap_highest(&t, 5, 9, 6, &a, &b), -ENOMEM);
	ASSERT_EQ(rt_gap_highest(&t, 5, 9, 5, &a, &b), 0);
	ASSERT_EQ(rt_gap_lowest(&t, 9, 5, 1, &a, &b), -ENOMEM);
	ASSERT_EQ(rt_erase(&t, 0, UINT64_MAX), 0);
	ASSERT_EQ(rt_check(&t), 0);
	ASSERT_EQ(rt_bytes(&t), 0);
	rt_destroy(&t);
	return PASS;
}

/*
 *  index  0   1 .. MAX-1  MAX
 *         A   .    .      B     two entries at the very edges
 */
TEST(rt_edge_indices)
{
	struct rt_tree t;
	struct rt_entry e;
	uint64_t a, b;

	rt_init(&t);
	ASSERT_EQ(rt_store(&t, 0, 0, V(16)), 0);
	ASSERT_EQ(rt_store(&t, UINT64_MAX, UINT64_MAX, V(32)), 0);
	ASSERT_EQ(rt_check(&t), 0);
	ASSERT_TRUE(rt_next(&t, 0, &e) == V(32));
	ASSERT_TRUE(!rt_next(&t, UINT64_MAX, &e));
	ASSERT_TRUE(!rt_prev(&t, 0, &e));
	ASSERT_TRUE(rt_prev(&t, UINT64_MAX, &e) == V(16));
	ASSERT_TRUE(rt_find(&t, 1, &e) == V(32));
	ASSERT_TRUE(rt_find_rev(&t, UINT64_MAX - 1, &e) == V(16));
	ASSERT_EQ(rt_gap_lowest(&t, 0, UINT64_MAX, UINT64_MAX - 1, &a, &b), 0);
	ASSERT_EQ(a, 1);
	ASSERT_EQ(b, UINT64_MAX - 1);
	ASSERT_EQ(rt_gap_highest(&t, 0, UINT64_MAX, UINT64_MAX, &a, &b),
		  -ENOMEM);
	/* one store over everything replaces both */
	ASSERT_EQ(rt_store(&t, 0, UINT64_MAX, V(48)), 0);
	ASSERT_EQ(rt_count(&t), 1);
	ASSERT_TRUE(rt_load(&t, 12345, &e) == V(48));
	ASSERT_EQ(e.first, 0);
	ASSERT_EQ(e.last, UINT64_MAX);
	ASSERT_EQ(rt_gap_lowest(&t, 0, UINT64_MAX, 1, &a, &b), -ENOMEM);
	/* erasing the middle splits it in two */
	ASSERT_EQ(rt_erase(&t, 1, UINT64_MAX - 1), 0);
	ASSERT_EQ(rt_count(&t), 2);
	ASSERT_EQ(rt_check(&t), 0);
	rt_destroy(&t);
	return PASS;
}

/* Build n entries of one page separated by one-page gaps, in the order
 * given by @order (0 ascending, 1 descending, 2 random). */
static void build(struct rt_tree *t, uint64_t n, int order)
{
	uint64_t i, *idx = malloc(n * sizeof(*idx)), seed = 7;

	for (i = 0; i < n; i++)
		idx[i] = order == 1 ? n - 1 - i : i;
	if (order == 2)
		for (i = n - 1; i > 0; i--) {
			uint64_t j, x;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			j = (seed >> 33) % (i + 1);
			x = idx[i];
			idx[i] = idx[j];
			idx[j] = x;
		}
	rt_init(t);
	for (i = 0; i < n; i++)
		rt_store(t, idx[i] * 0x2000, idx[i] * 0x2000 + 0xfff,
			 V((idx[i] + 1) << 4));
	free(idx);
}

/* Check the tree built with @n entries, print and bound its bytes per
 * entry, and free it. */
static int fill_verdict(struct rt_tree *t, uint64_t n, const char *what,
			double max_bytes_per_entry)
{
	double per;

	ASSERT_EQ(rt_count(t), n);
	ASSERT_EQ(rt_check(t), 0);
	per = (double)rt_bytes(t) / n;
	fprintf(stderr, "  %s: %.2f bytes per entry, height %u\n",
		what, per, t->height);
	rt_destroy(t);
	if (per >= max_bytes_per_entry)
		FAILF("%.2f bytes per entry, want < %.1f", per,
		      max_bytes_per_entry);
	return PASS;
}

static int fill_case(int order, double max_bytes_per_entry)
{
	static const char *const name[] = { "ascending", "descending",
					    "random" };
	struct rt_tree t;

	build(&t, 200000, order);
	return fill_verdict(&t, 200000, name[order], max_bytes_per_entry);
}

/* Packed splits at the edges leave nodes full but for the slack (leaves
 * 18 of 20, inner nodes 14 of 15): close to the 27.1 bytes of a packed
 * leaf entry. */
TEST(rt_fill_ascending)
{
	return fill_case(0, 29.5);
}

TEST(rt_fill_descending)
{
	return fill_case(1, 29.5);
}

/* Random order: sharing with siblings keeps leaves ~87% full. */
TEST(rt_fill_random)
{
	return fill_case(2, 32.0);
}

/*
 * A reservation of n two-page slots filled slot by slot, as vs_kernel
 * builds its layout: each store carves the next slot from the front
 * (@from_back: the back) of the shrinking reservation, so it inserts just
 * before (after) the tree's last (first) entry.
 *
 *	before	S S S R R R R R	  (S: slots stored, R: the reservation)
 *	store	      [S]
 *	after	S S S S R R R R
 */
static void build_carve(struct rt_tree *t, uint64_t n, bool from_back)
{
	uint64_t i;

	rt_init(t);
	rt_store(t, 0, n * 0x2000 - 1, V(16));
	for (i = 0; i < n; i++) {
		uint64_t s = from_back ? n - 1 - i : i;

		rt_store(t, s * 0x2000, s * 0x2000 + 0x1fff, V((s + 2) << 4));
	}
}

static int carve_case(bool from_back, double max_bytes_per_entry)
{
	struct rt_tree t;

	build_carve(&t, 200000, from_back);
	return fill_verdict(&t, 200000, from_back ? "carve back" :
			    "carve front", max_bytes_per_entry);
}

/* Inserting just before the last entry packs like appending (the old
 * nodes were ~65% full with even splits: 37.4 B). */
TEST(rt_fill_carve_front)
{
	return carve_case(false, 29.5);
}

TEST(rt_fill_carve_back)
{
	return carve_case(true, 29.5);
}

TEST(rt_cursor_walk)
{
	struct rt_tree t;
	struct rt_cursor c;
	struct rt_entry e;
	uint64_t n = 5000, i = 0;
	void *v;

	build(&t, n, 2);
	rtc_init(&c, &t);
	ASSERT_TRUE(!rtc_entry(&c, &e));
	for (v = rtc_find(&c, 0, &e); v; v = rtc_next(&c, &e), i++) {
		ASSERT_EQ(e.first, i * 0x2000);
		ASSERT_TRUE(rtc_entry(&c, NULL) == v);
	}
	ASSERT_EQ(i, n);
	for (v = rtc_find_rev(&c, UINT64_MAX, &e); v; v = rtc_prev(&c, &e))
		ASSERT_EQ(e.first, --i * 0x2000);
	ASSERT_EQ(i, 0);
	/* in a gap: find goes forward, find_rev back */
	ASSERT_TRUE(rtc_find(&c, 0x1800, &e) == V(2 << 4));
	ASSERT_TRUE(rtc_find_rev(&c, 0x1800, &e) == V(1 << 4));
	ASSERT_TRUE(!rtc_find(&c, n * 0x2000, &e));
	rt_destroy(&t);
	return PASS;
}

/*
 * Worst case for a reservation: a bulk-loaded tree of height 3 with every
 * node full, the root too; each erase in the middle of an entry near the
 * left end splits a leaf whose siblings are full, and the split climbs to
 * the root.  (Appends no longer fill nodes: edge packing leaves slack.)
 */
TEST(rt_reserve_worst_case)
{
	struct rt_tree t;
	struct rt_bulk b;
	uint64_t n = (uint64_t)RT_LEAF_CAP * RT_INNER_CAP * RT_INNER_CAP;
	uint64_t i, before;
	unsigned h0, k;

	oom_fail_nth(-1);
	before = as_bytes_in_use;
	rt_init(&t);
	ASSERT_EQ(rt_bulk_begin(&b, &t, n), 0);
	for (i = 0; i < n; i++)
		rt_bulk_add(&b, i * 0x10, i * 0x10 + 7, V((i + 1) << 4));
	rt_bulk_end(&b);
	i = n - 1;
	ASSERT_EQ(t.height, 3);
	ASSERT_EQ(t.root->n, RT_INNER_CAP);
	ASSERT_EQ(t.root->i.child[0]->n, RT_INNER_CAP);
	ASSERT_EQ(t.root->i.child[0]->i.child[0]->n, RT_LEAF_CAP);
	h0 = t.height;
	rt_unreserve(&t);
	ASSERT_EQ(rt_reserve(&t, 4), 0);
	for (k = 0; k < 4; k++) {
		uint64_t x = (1 + k * 3) * 0x10;
		int err;

		oom_fail_nth(0);     /* any allocation would fail */
		err = rt_erase(&t, x + 2, x + 3);
		oom_disarm();
		ASSERT_EQ(err, 0);
		ASSERT_TRUE(!oom_fired());
		ASSERT_EQ(rt_check(&t), 0);
	}
	ASSERT_EQ(t.height, h0 + 1);
	ASSERT_EQ(rt_count(&t), i + 1 + 4);
	rt_destroy(&t);
	aspace_set_allocator(NULL, NULL, NULL);
	ASSERT_EQ(as_bytes_in_use, before);
	return PASS;
}

/*
 * Lookup, then store at the same spot (what a VMA operation does): the
 * lookup leaves a finger on the leaf it reached (rt_load, rt_find,
 * rt_find_rev in turn), and the store after it starts from that finger
 * instead of descending (or from the other finger, when that one is on
 * the same leaf and its range holds the store).  A descent would write
 * its path into the least recently used finger with a range widened to
 * the neighbouring leaves, so "the current finger is one of the two the
 * lookup left, unchanged" shows the store did not descend.  Also the
 * reservation fast path: with the spares on hand, rt_reserve() allocates
 * nothing.
 */
TEST(rt_lookup_then_store_reuses_finger)
{
	struct rt_tree t;
	struct rt_entry e;
	uint64_t i, n = 20000, rng = 7, hits = 0;

	rt_init(&t);
	rt_set_keep(&t, 7);
	for (i = 0; i < n; i++)   /* one-page entries, one-page gaps */
		ASSERT_EQ(rt_store(&t, 2 * i * 4096, (2 * i + 1) * 4096 - 1,
				   V(16 * (i + 1))), 0);
	ASSERT_TRUE(t.height >= 3);
	/* fill the pool kept between operations (rt_set_keep) once */
	ASSERT_EQ(rt_reserve(&t, 1), 0);
	rt_unreserve(&t);
	for (i = 0; i < 3000; i++) {
		uint64_t k, x, h = t.height - 1;
		struct rt_finger was[2];
		const struct rt_finger *f;
		void *v;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		k = 1 + (rng >> 33) % (n - 2);
		x = 2 * k * 4096 + ((rng >> 20) % 4096);
		switch (i % 3) {
		case 0:
			v = rt_load(&t, x, &e);
			break;
		case 1:
			v = rt_find(&t, x, &e);
			break;
		default:
			v = rt_find_rev(&t, x, &e);
			break;
		}
		ASSERT_TRUE(v != NULL);
		ASSERT_TRUE(e.first <= x && x <= e.last);
		f = &t.f[t.fcur];
		ASSERT_TRUE(f->lo <= e.first && e.last <= f->hi);
		memcpy(was, t.f, sizeof(was));

		/* split the entry at x (mprotect of its upper part) */
		if (x > e.first) {
			size_t bytes = rt_bytes(&t);
			/* a full leaf splits: that store rebalances */
			bool full = f->node[h]->n == RT_LEAF_CAP;

			oom_fail_nth(0);        /* no allocation may happen */
			ASSERT_EQ(rt_reserve(&t, 1), 0);
			ASSERT_TRUE(!oom_fired());
			ASSERT_EQ(rt_store(&t, x, e.last, V(8)), 0);
			oom_disarm();
			ASSERT_EQ(rt_bytes(&t), bytes);
			ASSERT_EQ(rt_count(&t), n + 1);
			f = &t.f[t.fcur];
			if (!full && (f->node[h] != was[t.fcur].node[h] ||
			    f->lo != was[t.fcur].lo || f->hi != was[t.fcur].hi))
				FAILF("store after lookup %" PRIu64 " descended"
				      " (x %" PRIx64 ", entry %" PRIx64 "-%"
				      PRIx64 ", finger %u %" PRIx64 "-%" PRIx64
				      ", before %" PRIx64 "-%" PRIx64 " / %"
				      PRIx64 "-%" PRIx64 ", leaf n %u)", i, x,
				      e.first, e.last, t.fcur, f->lo, f->hi,
				      was[0].lo, was[0].hi, was[1].lo,
				      was[1].hi, f->node[h]->n);
			hits += !full;
			/* and merge it back */
			ASSERT_EQ(rt_store(&t, e.first, e.last, e.value), 0);
			ASSERT_EQ(rt_count(&t), n);
			rt_unreserve(&t);
		}
		if (i % 100 == 0)
			ASSERT_EQ(rt_check(&t), 0);
	}
	ASSERT_EQ(rt_check(&t), 0);
	ASSERT_TRUE(hits > 1000);
	rt_destroy(&t);
	return PASS;
}

/*
 * A store that merges a leaf's last entry with the next leaf's first ones
 * (vma_expand over three VMAs across a leaf boundary) is done in place:
 * the part in the next leaf erased, then the rest stored in the first
 * leaf; no rebalancing (which drops both fingers), no allocation, and
 * the content that of one store (checked entry by entry around it).
 */
TEST(rt_store_across_leaves_in_place)
{
	struct rt_tree t;
	struct rt_cursor c;
	struct rt_entry e;
	uint64_t i, n = 4000, k, cross = 0, fast = 0;

	rt_init(&t);
	rt_set_keep(&t, 7);
	for (i = 0; i < n; i++)   /* one-page entries, one-page gaps */
		ASSERT_EQ(rt_store(&t, 2 * i * 4096, (2 * i + 1) * 4096 - 1,
				   V(16 * (i + 1))), 0);
	ASSERT_EQ(rt_reserve(&t, 7), 0);    /* fill the kept pool */
	rt_unreserve(&t);
	for (k = 1; k + 3 < n; k += 3) {
		uint64_t a = 2 * k * 4096, b = (2 * (k + 2) + 1) * 4096 - 1;
		unsigned h = t.height - 1;
		struct rt_node *la, *lb;
		size_t bytes = rt_bytes(&t);

		rtc_init(&c, &t);
		ASSERT_TRUE(rtc_find(&c, a, NULL) != NULL);
		la = c.node[h];
		ASSERT_TRUE(rtc_find(&c, b, NULL) != NULL);
		lb = c.node[h];
		oom_fail_nth(0);        /* no allocation may happen */
		ASSERT_EQ(rt_reserve(&t, 1), 0);
		ASSERT_EQ(rt_store(&t, a, b, V(8)), 0);   /* 3 -> 1 */
		ASSERT_TRUE(!oom_fired());
		oom_disarm();
		ASSERT_TRUE(rt_bytes(&t) <= bytes);   /* a merge may free */
		ASSERT_EQ(rt_count(&t), n - 2);
		if (la != lb) {
			cross++;
			fast += rt_finger_ok(&t.f[0]) || rt_finger_ok(&t.f[1]);
		}
		ASSERT_TRUE(rt_load(&t, a - 4096 - 1, &e) != NULL);
		ASSERT_EQ(e.value, V(16 * k));
		ASSERT_TRUE(rt_load(&t, a + 4096, &e) != NULL);
		ASSERT_TRUE(e.first == a && e.last == b && e.value == V(8));
		ASSERT_TRUE(rt_load(&t, b + 1, NULL) == NULL);
		ASSERT_TRUE(rt_load(&t, b + 4096 + 1, &e) != NULL);
		ASSERT_EQ(e.value, V(16 * (k + 4)));
		ASSERT_EQ(rt_check(&t), 0);
		/* and split it back */
		for (i = k; i < k + 3; i++)
			ASSERT_EQ(rt_store(&t, 2 * i * 4096, (2 * i + 1) * 4096 -
					   1, V(16 * (i + 1))), 0);
		ASSERT_EQ(rt_erase(&t, (2 * k + 1) * 4096, 2 * (k + 1) * 4096
				   - 1), 0);
		ASSERT_EQ(rt_erase(&t, (2 * k + 3) * 4096, 2 * (k + 2) * 4096
				   - 1), 0);
		rt_unreserve(&t);
		ASSERT_EQ(rt_count(&t), n);
	}
	ASSERT_EQ(rt_check(&t), 0);
	/* most leaves hold 10 or more past a merge (else it rebalances) */
	ASSERT_TRUE(cross >= 100);     /* 222 */
	ASSERT_TRUE(fast * 4 >= cross * 3);
	rt_destroy(&t);
	return PASS;
}

/* rt_lower_leaf(), rt_lower_inner() (over a node padded past n, as in
 * the tree) and rt_upper_rev() (the searches inside every node) against
 * a linear scan: every size a node can have, keys with ties, x at,
 * between and beyond them, and the largest key UINT64_MAX. */
TEST(rt_lower_matches_scan)
{
	static struct rt_node nd;
	unsigned n, i, want, top;

	for (top = 0; top < 2; top++)
	for (n = 0; n <= RT_LEAF_CAP; n++) {
		uint64_t *a = nd.l.last;
		bool inner = n <= RT_INNER_CAP;

		for (i = 0; i < n; i++)
			a[i] = 10 + 4 * i - (i % 3 == 2 ? 4 : 0);  /* ties */
		if (top && n)
			a[n - 1] = UINT64_MAX;
		nd.n = n;
		rt_pad_keys(&nd, true, n);
		for (uint64_t x = 0; x <= 10 + 4 * n + 2; x++) {
			for (want = 0; want < n && a[want] < x; want++)
				;
			ASSERT_EQ(rt_lower_leaf(&nd, x), want);
			if (inner)      /* i.last is l.last: padded too */
				ASSERT_EQ(rt_lower_inner(&nd, x), want);
			for (want = 0; want < n && a[want] <= x; want++)
				;
			ASSERT_EQ(rt_upper_rev(a, n, x), (int)want - 1);
		}
		ASSERT_EQ(rt_upper_rev(a, n, UINT64_MAX), (int)n - 1);
		want = n && a[n - 1] == UINT64_MAX ? n - 1 : n;
		ASSERT_EQ(rt_lower_leaf(&nd, UINT64_MAX), want);
		if (inner)
			ASSERT_EQ(rt_lower_inner(&nd, UINT64_MAX), want);
	}
	return PASS;
}
