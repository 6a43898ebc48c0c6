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
 * reading the entry found costs one more line, not two.
 *
 *   leaf   n | last[20] | fv[20] = {first, val}          8 + 20 * 24 = 488
 *   inner  n | last[15] | first[15] | gap[15] | child[15]  8 + 15 * 32 = 488
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
			uint64_t        first[RT_INNER_CAP];
			uint64_t        gap[RT_INNER_CAP];
			struct rt_node *child[RT_INNER_CAP];
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
 * first i in a[0..n) with a[i] >= x, or n: the number of keys below x.
 * Branch-free halving over a window whose size is a power of two: the
 * first test places the window (the largest power of two <= n) at the
 * start or the end of the array, the unrolled steps halve it, each a
 * load, a compare and a conditional move (a lookup does not pay a
 * mispredicted branch per level; the jump into the steps depends only
 * on n).  About half the instructions of a loop that also tracks n.
 */
static inline unsigned rt_lower(const uint64_t *a, unsigned n, uint64_t x)
{
	unsigned step, i;

	if (!n)
		return 0;
	step = 1u << (31 - __builtin_clz(n));
	/* the keys before the window are all below x, those after it (when
	 * it starts at 0) all at least x */
	i = a[step - 1] < x ? n - step : 0;
	switch (step) {
	default:
		ASSERT(step <= 16);
		/* fall through */
	case 16:
		i = a[i + 7] < x ? i + 8 : i;
		/* fall through */
	case 8:
		i = a[i + 3] < x ? i + 4 : i;
		/* fall through */
	case 4:
		i = a[i + 1] < x ? i + 2 : i;
		/* fall through */
	case 2:
		i = a[i] < x ? i + 1 : i;
		/* fall through */
	case 1:
		break;
	}
	return i + (a[i] < x);
}

/* last i in a[0..n) with a[i] <= x, or -1; branch-free as rt_lower(). */
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
 * rt_prefetch_keys() - start loading the cache lines of @nd's last[]
 * (bytes 8..168 of a leaf, 8..128 of an inner node; up to four lines as
 * malloc aligns to 16) before the binary search needs them, so a descent
 * through a large tree waits for one memory access per level instead of
 * two or three in a row.  Cannot fail.  O(1).
 */
static inline void rt_prefetch_keys(const struct rt_node *nd)
{
	const char *p = (const char *)nd;

	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
	__builtin_prefetch(p + 128);
	__builtin_prefetch(p + 167);
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
