/*
 * rt_bulk.c - bulk loading of the range tree: n entries given in ascending
 * order become a tree in O(n), level by level, without a descent per
 * entry.  Owns the fill plan: on every level each node is full except the
 * last two, which share what is left so both hold at least the minimum
 * (a lone node is the root and may hold less).  All nodes are allocated
 * up front (rt_bulk_begin), so adding entries cannot fail.
 *
 * Level 0 holds the entries in leaves; level d + 1 holds one slot per
 * node of level d.  Each level keeps one open node; when it reaches its
 * planned size its summary goes up one level.
 */
#include <errno.h>
#include <string.h>

#include "rtree/rt_node.h"

/* Nodes needed for @items items at @cap per node. */
static uint64_t nodes_for(uint64_t items, unsigned cap)
{
	return (items + cap - 1) / cap;
}

/* The planned size of node @idx of a level with @items items. */
static unsigned planned_size(uint64_t items, unsigned cap, unsigned min,
			     uint64_t idx)
{
	uint64_t k = nodes_for(items, cap), rem, pair;

	if (k == 1)
		return (unsigned)items;
	if (idx + 2 < k)
		return cap;
	rem = items - (k - 1) * cap;
	if (rem >= min)
		return idx + 1 == k ? (unsigned)rem : cap;
	pair = cap + rem;               /* the last two share */
	return (unsigned)(idx + 2 == k ? (pair + 1) / 2 : pair / 2);
}

/*
 * rt_bulk_begin() - plan a tree of @n entries into the empty @t and
 * allocate its nodes.
 * Return: 0, or -ENOMEM with nothing changed.  Cost: O(n / node size).
 */
int rt_bulk_begin(struct rt_bulk *b, struct rt_tree *t, uint64_t n)
{
	uint64_t items = n, nodes = 0;
	unsigned d = 0;

	ASSERT(!t->root && t->count == 0);
	memset(b, 0, sizeof(*b));
	b->t = t;
	rt_fingers_drop(t);
	b->n = n;
	while (items > 0) {
		uint64_t k = nodes_for(items, d ? RT_INNER_CAP : RT_LEAF_CAP);

		ASSERT(d < RT_MAX_HEIGHT);
		b->items[d] = items;
		nodes += k;
		d++;
		items = k > 1 ? k : 0;
	}
	b->levels = d;
	return rt_spare_fill(t, t->nspare + nodes);
}

/* A new open node for level @d, with its planned size (computed once a
 * node, not once a slot: it divides).  Returns it. */
static struct rt_node *bulk_open(struct rt_bulk *b, unsigned d)
{
	bool leaf = d == 0;

	b->open[d] = rt_spare_get(b->t);
	b->fill[d] = 0;
	b->want[d] = planned_size(b->items[d], leaf ? RT_LEAF_CAP :
				  RT_INNER_CAP, leaf ? RT_LEAF_MIN :
				  RT_INNER_MIN, b->idx[d]);
	return b->open[d];
}

static void bulk_push(struct rt_bulk *b, unsigned d, const struct rt_item *it);

/* Level @d's open node reached its planned size: close it and push its
 * summary one level up (or make it the root). */
static void bulk_close(struct rt_bulk *b, unsigned d)
{
	struct rt_node *nd = b->open[d];
	struct rt_item s;

	nd->n = b->fill[d];
	rt_pad_keys(nd, d == 0, nd->n);
	b->open[d] = NULL;
	b->fill[d] = 0;
	b->idx[d]++;
	if (d + 1 == b->levels) {
		b->t->root = nd;        /* the level of one node */
		return;
	}
	rt_summarise(nd, d == 0, &s);
	s.ptr = nd;
	bulk_push(b, d + 1, &s);
}

/* Append one slot to inner level @d's open node; close it when full. */
static void bulk_push(struct rt_bulk *b, unsigned d, const struct rt_item *it)
{
	struct rt_node *nd = b->open[d];

	if (!nd)
		nd = bulk_open(b, d);
	rt_set_item(nd, false, b->fill[d], it);
	if (++b->fill[d] == b->want[d])
		bulk_close(b, d);
}

/*
 * rt_bulk_add() - the next entry [@first, @last] -> @value (non-NULL),
 * after every entry added so far.  Cannot fail.  O(1) amortised: the
 * entry goes straight into the open leaf.
 */
void rt_bulk_add(struct rt_bulk *b, uint64_t first, uint64_t last,
		 void *value)
{
	struct rt_node *nd = b->open[0];
	unsigned i = b->fill[0];

	/* An open leaf has room left of its planned size, so fewer than n
	 * entries came; order is checked within each leaf. */
	ASSERT(first <= last && value &&
	       (nd ? first > nd->l.last[i - 1] : b->added < b->n));
	b->added++;
	if (!nd)
		nd = bulk_open(b, 0);
	nd->l.fv[i].first = first;
	nd->l.fv[i].val = value;
	nd->l.last[i] = last;
	if ((b->fill[0] = i + 1) == b->want[0])
		bulk_close(b, 0);
}

/*
 * rt_bulk_end() - publish the tree: root, height, count.  Every planned
 * entry must have been added.  Cannot fail.  O(1).
 */
void rt_bulk_end(struct rt_bulk *b)
{
	ASSERT(b->added == b->n);
	b->t->height = b->levels;
	b->t->count = b->n;
	if (!b->n)
		b->t->root = NULL;
	rt_spare_trim(b->t);
}
