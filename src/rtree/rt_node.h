/*
 * rt_node.h - the range tree's node layout and the helpers its files share
 * (rt.c: lookups, cursors, gap search, spares; rt_store.c: store,
 * rebalance, reservation; rt_check.c: the invariant checker).  Nothing here
 * is seen outside src/rtree/.
 *
 * One node size for both kinds, so spares serve either: 488 bytes, which
 * glibc rounds to a 496-byte chunk.  The search key, last[], is one array
 * so a binary search over it touches two or three cache lines; a leaf
 * keeps each entry's first index and value side by side (fv[]), so
 * reading the entry found costs one more line, not two.  An inner node
 * keeps child[] right after last[], so the lines a descent reads are
 * contiguous (rt_prefetch_node()).  Slots of last[] past n are padded.
 *
 *   leaf   n | last[20] | fv[20] = {first, val}          8 + 20 * 24 = 488
 *   inner  n | last[15] | child[15] | first[15] | gap[15]  8 + 15 * 32 = 488
 *
 * Inner slot i summarises child i: first/last are the first index of the
 * subtree's first entry and the last index of its last entry, gap is the
 * size of the largest empty range strictly between two entries of the
 * subtree (0 when there is none).
 */
#ifndef ASPACE_RT_NODE_H
#define ASPACE_RT_NODE_H

#include "internal.h"
#include "rtree/rt.h"

#define RT_LEAF_CAP   20
#define RT_INNER_CAP  15
#define RT_LEAF_MIN   ((RT_LEAF_CAP + 1) / 2)
#define RT_INNER_MIN  ((RT_INNER_CAP + 1) / 2)

_Static_assert(RT_LEAF_MIN == RT_LEAF_MINFILL &&
	       RT_INNER_MIN == RT_INNER_MINFILL &&
	       (1u << RT_INNER_MINFILL_LOG2) == RT_INNER_MIN,
	       "rt.h's rt_spares_needed() uses the minimum fills");

struct rt_node {
	uint32_t n;                 /* slots in use */
	uint32_t pad;
	union {
		struct {
			uint64_t last[RT_LEAF_CAP];
			struct rt_fv {
				uint64_t first;
				void    *val;
			} fv[RT_LEAF_CAP];
		} l;
		struct {
			uint64_t        last[RT_INNER_CAP];
			struct rt_node *child[RT_INNER_CAP];
			uint64_t        first[RT_INNER_CAP];
			uint64_t        gap[RT_INNER_CAP];
		} i;
		struct rt_node *next_spare;
	};
};

#define RT_NODE_SIZE sizeof(struct rt_node)

/*
 * One slot of either kind, used when nodes are gathered, rebalanced and
 * written back.  For a leaf entry gap is unused and ptr is the value.
 */
struct rt_item {
	uint64_t first, last, gap;
	void    *ptr;
};

/* rt_set_item() - write slot @i of @nd (a leaf entry or an inner
 * child summary).  Cannot fail. */
static inline void rt_set_item(struct rt_node *nd, bool leaf, unsigned i,
			       const struct rt_item *it)
{
	if (leaf) {
		nd->l.fv[i].first = it->first;
		nd->l.last[i] = it->last;
		nd->l.fv[i].val = it->ptr;
	} else {
		nd->i.first[i] = it->first;
		nd->i.last[i] = it->last;
		nd->i.gap[i] = it->gap;
		nd->i.child[i] = it->ptr;
	}
}

/*
 * Key padding: the slots of last[] past n hold RT_KEY_PAD (UINT64_MAX) in
 * every node in the tree, leaf or inner (rt_check() verifies it), so a
 * search may run over the whole capacity: a padded key is never below
 * any index, so the count of keys below x is the same as over a[0..n).
 * rt_pad_keys() - pad @nd's last[] from slot @from (<= n) to its
 * capacity; every writer that sets n calls it.  Cannot fail.
 */
#define RT_KEY_PAD UINT64_MAX

static inline void rt_pad_keys(struct rt_node *nd, bool leaf, unsigned from)
{
	uint64_t *a = leaf ? nd->l.last : nd->i.last;
	unsigned i, cap = leaf ? RT_LEAF_CAP : RT_INNER_CAP;

	for (i = from; i < cap; i++)
		a[i] = RT_KEY_PAD;
}

/*
 * rt_lower_leaf() / rt_lower_inner() - the first slot of @nd whose last
 * index is >= @x (the count of keys below @x), or n, by a fixed sequence
 * of halvings over the node's capacity (20 -> 10 -> 5 -> 3 -> 2 -> 1,
 * 15 -> 8 -> 4 -> 2 -> 1; key padding makes the result that of a search
 * over a[0..n)).  Each step a load, a compare and a mask, with no jump
 * at all: the search over a[0..n) these replace jumped into its
 * unrolled steps by n (an indirect jump, mispredicted as n varies)
 * after a bit scan and a shift, ~49 instructions a node against ~20;
 * and written as conditional moves gcc turned the last steps into
 * branches, which a binary search mispredicts half the time.
 * rt_lower4() - four halvings from a[0]: step k adds @hk when the last
 * key of the lower half is below x (hk = len / 2, then len -= hk, down
 * to 1).  Constants once inlined.  Cannot fail.
 */
static inline __attribute__((always_inline))
unsigned rt_lower4(const uint64_t *a, uint64_t x, unsigned h1, unsigned h2,
		   unsigned h3, unsigned h4)
{
	unsigned i = 0;

	i += h1 & -(unsigned)(a[i + h1 - 1] < x);
	i += h2 & -(unsigned)(a[i + h2 - 1] < x);
	i += h3 & -(unsigned)(a[i + h3 - 1] < x);
	i += h4 & -(unsigned)(a[i + h4 - 1] < x);
	return i + (a[i] < x);
}

_Static_assert(RT_LEAF_CAP == 20 && RT_INNER_CAP == 15,
	       "rt_lower_leaf()/rt_lower_inner() halve these capacities");

static inline unsigned rt_lower_leaf(const struct rt_node *nd, uint64_t x)
{
	unsigned i = 10 & -(unsigned)(nd->l.last[9] < x);       /* 20 -> 10 */

	return i + rt_lower4(nd->l.last + i, x, 5, 2, 1, 1);
}

static inline unsigned rt_lower_inner(const struct rt_node *nd, uint64_t x)
{
	return rt_lower4(nd->i.last, x, 7, 4, 2, 1);
}

/* rt_root_last() - the last index of the tree's last entry (the root's
 * last key); @t not empty.  A descent that passes it finds a slot in
 * every node below.  Cannot fail.  O(1). */
static inline uint64_t rt_root_last(const struct rt_tree *t)
{
	const struct rt_node *r = t->root;

	return t->height == 1 ? r->l.last[r->n - 1] : r->i.last[r->n - 1];
}

/* last i in a[0..n) with a[i] <= x, or -1; branch-free halving. */
static inline int rt_upper_rev(const uint64_t *a, unsigned n, uint64_t x)
{
	const uint64_t *base = a;

	if (!n)
		return -1;
	while (n > 1) {
		unsigned half = n / 2;

		base = base[half] <= x ? base + half : base;
		n -= half;
	}
	return (int)(base - a) + (*base <= x) - 1;
}

/*
 * rt_finger_find() - a finger (rt.h) that is valid and whose range
 * [lo, hi] holds [@lo, @hi], the most recently used first, else NULL.
 * Entries before its leaf end below its lo, entries after it start above
 * its hi, so a store of [lo, hi] touches only this leaf, and a lookup of
 * an index in it finds its answer there or learns there is none on that
 * side (callers check which side they need).  Cannot fail.  O(1).
 */
static inline struct rt_finger *rt_finger_find(const struct rt_tree *t,
					       uint64_t lo, uint64_t hi)
{
	/* an invalid finger's range is empty (lo > hi): no test of its own */
	if (lo >= t->f[0].lo && hi <= t->f[0].hi)
		return (struct rt_finger *)&t->f[0];
	if (lo >= t->f[1].lo && hi <= t->f[1].hi)
		return (struct rt_finger *)&t->f[1];
	return NULL;
}

/* rt_finger_ok() - is @f valid?  rt_finger_drop() - make it invalid. */
static inline bool rt_finger_ok(const struct rt_finger *f)
{
	return f->lo <= f->hi;
}

static inline void rt_finger_drop(struct rt_finger *f)
{
	f->lo = 1;
	f->hi = 0;
}

/* rt_finger_other() - the finger that is not @f. */
static inline struct rt_finger *rt_finger_other(const struct rt_tree *t,
						const struct rt_finger *f)
{
	return (struct rt_finger *)(f == &t->f[0] ? &t->f[1] : &t->f[0]);
}

/* rt_finger_use() - make @f the most recently used finger.  Fingers are a
 * cache that lookups of a const tree update too.  Cannot fail. */
static inline void rt_finger_use(const struct rt_tree *t,
				 const struct rt_finger *f)
{
	((struct rt_tree *)t)->fcur = f != &t->f[0];
}

/* rt_finger_spare() - the least recently used finger, dropped, for a
 * descent to write its path into (rt_finger_use() once complete). */
static inline struct rt_finger *rt_finger_spare(const struct rt_tree *t)
{
	struct rt_finger *f = (struct rt_finger *)(t->fcur ? &t->f[0] :
						   &t->f[1]);

	rt_finger_drop(f);
	return f;
}

/* rt_fingers_drop() - forget both fingers (nodes move or go).  O(1). */
static inline void rt_fingers_drop(struct rt_tree *t)
{
	rt_finger_drop(&t->f[0]);
	rt_finger_drop(&t->f[1]);
}

/* rt_finger_path() - copy @f's inner path into @c (levels above the
 * leaf).  Cannot fail.  O(height). */
static inline void rt_finger_path(const struct rt_tree *t,
				  const struct rt_finger *f,
				  struct rt_cursor *c)
{
	unsigned d;

	for (d = 0; d + 1 < t->height; d++) {
		c->node[d] = f->node[d];
		c->slot[d] = f->slot[d];
	}
}

/*
 * rt_prefetch_node() - start loading every line a descent reads of @nd:
 * an inner node's last[] and child[] (bytes 8..248, contiguous for this),
 * a leaf whole (its last[] and fv[], 8..488: the entry the search picks
 * is somewhere in fv[]).  Issued as the descent reaches the node, so it
 * waits for one memory access a level (the lines arrive together)
 * instead of two or three in a row: the keys, then the child pointer or
 * the entry once the search has picked its slot.  Lines 64 bytes apart
 * and the last byte, as malloc aligns only to 16.  Cannot fail.  O(1).
 */
static inline __attribute__((always_inline))
void rt_prefetch_node(const struct rt_node *nd, bool leaf)
{
	/* always_inline: gcc 12 finds a function of prefetches alone to be
	 * "const" and drops its calls when it does not inline it early */
	const char *p = (const char *)nd;

	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
	__builtin_prefetch(p + 128);
	__builtin_prefetch(p + 192);
	if (!leaf) {
		__builtin_prefetch(p + 247);
		return;
	}
	__builtin_prefetch(p + 256);
	__builtin_prefetch(p + 320);
	__builtin_prefetch(p + 384);
	__builtin_prefetch(p + 448);
	__builtin_prefetch(p + 487);
}

/* rt_upper_rev() over a leaf's first indices (strided in fv[]). */
static inline int rt_upper_rev_leaf(const struct rt_node *nd, uint64_t x)
{
	const struct rt_fv *base = nd->l.fv;
	unsigned n = nd->n;

	if (!n)
		return -1;
	while (n > 1) {
		unsigned half = n / 2;

		base = base[half].first <= x ? base + half : base;
		n -= half;
	}
	return (int)(base - nd->l.fv) + (base->first <= x) - 1;
}

/* The size of the gap between an entry ending at @last and the next one
 * starting at @first (first > last): 0 when they touch. */
static inline uint64_t rt_gap_between(uint64_t last, uint64_t first)
{
	return first - last - 1;
}

/*
 * rt_summarise() - the summary (first, last, largest interior gap) of a
 * node holding at least one slot, as its parent's slot records it.
 * Cannot fail.  O(node size).
 */
void rt_summarise(const struct rt_node *nd, bool leaf, struct rt_item *s);

/* rt_load_quiet() / rtc_find_quiet() - rt_load() / rtc_find() that leave
 * the finger where it is (rt_check() and rt_store()'s allocation check
 * must not move it).  Same contracts otherwise. */
void *rt_load_quiet(const struct rt_tree *t, uint64_t index,
		    struct rt_entry *e);
void *rtc_find_quiet(struct rt_cursor *c, uint64_t index, struct rt_entry *e);

/* rt_spare_get() - a node from the spare list; the caller made sure there
 * is one.  rt_spare_put() - return a node, freeing it if the list is at its
 * bound.  Cannot fail.  O(1). */
struct rt_node *rt_spare_get(struct rt_tree *t);
void rt_spare_put(struct rt_tree *t, struct rt_node *nd);

/* rt_spare_fill() - allocate spares until there are @want.
 * Return: 0, or -ENOMEM after freeing what this call allocated. */
int rt_spare_fill(struct rt_tree *t, uint64_t want);

#endif /* ASPACE_RT_NODE_H */
