/*
 * rt.h - the range tree: a B+tree of non-overlapping inclusive ranges
 * [first, last] -> non-NULL value, with gap tracking.  It plays the role of
 * the kernel's maple tree for the VMA layer (spec/01 §5).
 *
 * Invariants (checked by rt_check()):
 *  - entries are sorted by first, never overlap, first <= last, value != NULL;
 *  - every leaf is at the same depth; nodes other than the root hold at
 *    least half their capacity;
 *  - every internal slot records the first and last index and the largest
 *    gap strictly inside its child subtree, so gap searches are O(log n).
 *
 * Allocation: nodes come from as_alloc().  rt_reserve(t, n) sets aside
 * enough nodes for the next n stores, after which those stores cannot
 * fail: this is how a VMA operation plans, reserves, then commits.
 * Unused reserved nodes stay on the tree's spare list (bounded).
 * Layout, bounds and measurements: docs/rtree.md.
 */
#ifndef ASPACE_RT_H
#define ASPACE_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_node;

/* Height bound: non-root inner nodes have >= 8 children and leaves >= 10
 * entries, so 2^64 entries need fewer than 24 levels. */
#define RT_MAX_HEIGHT 24

struct rt_tree {
	struct rt_node *root;       /* NULL when empty */
	unsigned        height;     /* 0 when empty, 1 = root is a leaf */
	uint64_t        count;      /* entries */
	struct rt_node *spare;      /* free list of reserved nodes */
	unsigned        nspare;
	unsigned        reserved;   /* stores guaranteed by rt_reserve() */
	unsigned        keep;       /* spares for this many stores stay
				     * pooled between operations (0: none) */
	size_t          bytes;      /* bytes of nodes allocated (incl. spare) */
	/*
	 * The fingers: each a path to one leaf (node[0] the root, slot[d]
	 * the child taken at level d) that the last in-place stores edited
	 * or the last descending lookups (rt_load, rtc_find, rtc_find_rev
	 * and what calls them) reached.  A lookup or store that falls
	 * inside a finger's range starts at its leaf instead of descending:
	 * VMA operations look a spot up, then touch it many times, and
	 * some (mremap) alternate between two spots, hence two, the least
	 * recently used one replaced by a descent.  In-place leaf edits
	 * keep a finger valid (the other one is dropped if the edit falls
	 * in its range or its leaf); any rebalancing drops both.  [lo, hi]
	 * holds the leaf's entries, widened into the gaps on either side
	 * (at most up to the neighbouring leaves' entries).  Lookups write
	 * them (a cache, never part of the tree's content), so even reading
	 * one tree from two threads at once is not safe.  Node pointers
	 * only, so the struct may be copied or swapped.
	 */
	unsigned        fcur;       /* the finger used last */
	struct rt_finger {
		uint64_t        lo, hi;     /* lo > hi: not valid */
		struct rt_node *node[RT_MAX_HEIGHT];
		unsigned        slot[RT_MAX_HEIGHT];
	} f[2];
};

/* One entry as returned by lookups. */
struct rt_entry {
	uint64_t first, last;
	void    *value;             /* NULL: no entry found */
};

/* rt_init() - an empty tree.  Cannot fail.  O(1). */
void rt_init(struct rt_tree *t);

/*
 * rt_set_keep() - keep enough spare nodes for @nstores stores pooled
 * between operations (the default is 0: trim to height + 1 after each),
 * so a user that reserves before every operation does not allocate and
 * free nodes each time.  The pool counts in rt_bytes().  Cannot fail.
 */
void rt_set_keep(struct rt_tree *t, unsigned nstores);

/* rt_destroy() - free every node (not the values).  Cannot fail.  O(n). */
void rt_destroy(struct rt_tree *t);

/*
 * rt_load() - the entry covering @index.
 * Return: its value (and *@e filled if @e != NULL), or NULL.  O(log n).
 */
void *rt_load(const struct rt_tree *t, uint64_t index, struct rt_entry *e);

/*
 * rt_find() - the first entry with last >= @index (covering @index or the
 * next one after it): the kernel's find_vma().  Return: value or NULL.
 */
void *rt_find(const struct rt_tree *t, uint64_t index, struct rt_entry *e);

/*
 * rt_find_rev() - the last entry with first <= @index (covering @index or
 * the closest before it).  Return: value or NULL.  O(log n).
 */
void *rt_find_rev(const struct rt_tree *t, uint64_t index, struct rt_entry *e);

/* rt_next() - first entry with first > @index; rt_prev() - last entry with
 * last < @index.  Return: value or NULL.  O(log n). */
void *rt_next(const struct rt_tree *t, uint64_t index, struct rt_entry *e);
void *rt_prev(const struct rt_tree *t, uint64_t index, struct rt_entry *e);

/*
 * rt_spares_needed() - nodes that @reserved pending stores can need in a
 * tree of @height holding @count entries.  Each store adds at most two
 * entries, so while the reservation lasts the tree holds at most
 * count + 2 * reserved entries, and its height never exceeds the tallest
 * tree that count allows (every node but the root at least half full, a
 * root above the leaves with two children: height h >= 2 holds at least
 * 2 * RT_LEAF_MINFILL * RT_INNER_MINFILL^(h - 2) entries).  A store needs
 * at most one new node per level plus a new root, and after a store the
 * bound for the remaining stores is no larger, so it carries over.
 * Linear in @reserved: a multi-VMA operation may reserve hundreds of
 * stores.  RT_INNER_MINFILL is a power of two, so the logarithm is a bit
 * scan.  Cannot fail.  O(1).
 */
#define RT_LEAF_MINFILL   10u       /* rt_node.h checks these against */
#define RT_INNER_MINFILL  8u        /* the node capacities */
#define RT_INNER_MINFILL_LOG2 3u

static inline uint64_t rt_spares_needed(unsigned height, uint64_t count,
					unsigned reserved)
{
	uint64_t q = (count + 2ull * reserved) / (2u * RT_LEAF_MINFILL);
	unsigned h = 1;

	if (!reserved)
		return 0;
	if (q)
		h = 2 + (63u - (unsigned)__builtin_clzll(q)) /
			RT_INNER_MINFILL_LOG2;
	if (h < height)
		h = height;
	return reserved * (h + 1ull);
}

/* The out-of-line halves of rt_reserve(), rt_unreserve() and the spare
 * trimming: called only when the spares on hand do not already settle
 * the question.  Same contracts as the inline callers. */
int rt_reserve_slow(struct rt_tree *t, unsigned nstores);
void rt_spare_trim_slow(struct rt_tree *t);

/*
 * rt_reserve() - make the next @nstores calls of rt_store() infallible.
 * Reservations add up until consumed; rt_unreserve() drops what is left.
 * Return: 0 or -ENOMEM (nothing changed).  O(1) when the spares on hand
 * already cover it (the pool kept by rt_set_keep() usually does), else
 * O(nstores * height).
 */
static inline int rt_reserve(struct rt_tree *t, unsigned nstores)
{
	unsigned r = t->reserved + nstores;

	if (t->nspare >= rt_spares_needed(t->height, t->count, r)) {
		t->reserved = r;
		return 0;
	}
	return rt_reserve_slow(t, nstores);
}

/*
 * rt_spare_trim() - free spares beyond the bound (rt.c): max(height + 1,
 * spares for max(reserved, keep) stores).  Both terms are at least
 * max(reserved, keep) * (height + 1) or height + 1, so at or below either
 * nothing is trimmed: the O(1) exit that every store takes.  Cannot fail.
 */
static inline void rt_spare_trim(struct rt_tree *t)
{
	unsigned r = t->reserved > t->keep ? t->reserved : t->keep;

	if (t->nspare <= t->height + 1u ||
	    t->nspare <= (uint64_t)r * (t->height + 1u))
		return;
	rt_spare_trim_slow(t);
}

/* rt_unreserve() - drop what is left of the reservations and trim the
 * spares to the bound.  Cannot fail.  O(1) unless spares are freed. */
static inline void rt_unreserve(struct rt_tree *t)
{
	t->reserved = 0;
	rt_spare_trim(t);
}

/*
 * rt_store() - map [@first, @last] to @value, replacing and trimming every
 * entry it overlaps; @value == NULL erases the range.
 * Return: 0, or -ENOMEM (only when no reservation covers it; the tree is
 *         then unchanged).  O(log n + k) for k entries removed.
 */
int rt_store(struct rt_tree *t, uint64_t first, uint64_t last, void *value);

/* rt_erase() - rt_store(t, first, last, NULL). */
int rt_erase(struct rt_tree *t, uint64_t first, uint64_t last);

/*
 * rt_gap_lowest() / rt_gap_highest() - the lowest / highest maximal empty
 * range that, clipped to [@lo, @hi], still holds at least @size indices.
 * Return: 0 and the clipped gap in *@gfirst..*@glast, or -ENOMEM when
 * there is none.  @size >= 1.  O(log n).
 */
int rt_gap_lowest(const struct rt_tree *t, uint64_t lo, uint64_t hi,
		  uint64_t size, uint64_t *gfirst, uint64_t *glast);
int rt_gap_highest(const struct rt_tree *t, uint64_t lo, uint64_t hi,
		   uint64_t size, uint64_t *gfirst, uint64_t *glast);

/*
 * rt_iter() - call @fn for every entry intersecting [@lo, @hi] in order;
 * stops when @fn returns non-zero and returns that.  @fn must not modify
 * the tree.  O(log n + k).
 */
int rt_iter(const struct rt_tree *t, uint64_t lo, uint64_t hi,
	    int (*fn)(const struct rt_entry *e, void *arg), void *arg);

/*
 * A cursor: the path from the root to one entry, so a lookup can be
 * followed by next/prev steps in O(1) amortised.  Valid until the tree is
 * modified.  At most RT_MAX_HEIGHT levels.
 */

struct rt_cursor {
	const struct rt_tree *t;
	unsigned        depth;      /* t->height when on an entry, else 0 */
	struct rt_node *node[RT_MAX_HEIGHT];
	unsigned        slot[RT_MAX_HEIGHT];
};

/* rtc_init() - a cursor on @t, on no entry.  Cannot fail.  O(1). */
void rtc_init(struct rt_cursor *c, const struct rt_tree *t);

/*
 * rtc_find() - put @c on the first entry with last >= @index;
 * rtc_find_rev() - on the last entry with first <= @index.
 * Return: its value (*@e filled if @e != NULL), or NULL and @c on no
 *         entry.  O(log n).
 */
void *rtc_find(struct rt_cursor *c, uint64_t index, struct rt_entry *e);
void *rtc_find_rev(struct rt_cursor *c, uint64_t index, struct rt_entry *e);

/*
 * rtc_next() / rtc_prev() - move @c to the following / preceding entry.
 * Assumes: @c is on an entry and the tree was not modified since.
 * Return: its value (*@e filled if @e != NULL), or NULL and @c on no entry
 *         at either end.  O(1) amortised, O(log n) worst.
 */
void *rtc_next(struct rt_cursor *c, struct rt_entry *e);
void *rtc_prev(struct rt_cursor *c, struct rt_entry *e);

/* rtc_entry() - the entry @c is on, or NULL.  O(1). */
void *rtc_entry(const struct rt_cursor *c, struct rt_entry *e);

/* rt_count() - entries.  rt_bytes() - bytes of nodes owned.  O(1). */
static inline uint64_t rt_count(const struct rt_tree *t) { return t->count; }
static inline size_t rt_bytes(const struct rt_tree *t) { return t->bytes; }

/*
 * Bulk loading (rt_bulk.c): build a tree from entries given in ascending
 * order in O(n), with every node full but the last two of each level
 * (fork copies a whole address space this way).
 *   rt_bulk_begin(&b, t, n)  allocates every node the n entries need
 *                            (-ENOMEM: nothing changed); @t must be empty;
 *   rt_bulk_add(&b, ...)     exactly n times, ascending and disjoint;
 *                            cannot fail;
 *   rt_bulk_end(&b)          the tree is complete.  Cannot fail.
 * The tree must not be used between begin and end.
 */
struct rt_bulk {
	struct rt_tree *t;
	unsigned        levels;                 /* height of the result */
	uint64_t        n, added;
	uint64_t        items[RT_MAX_HEIGHT];   /* items of level d (0: leaves) */
	uint64_t        idx[RT_MAX_HEIGHT];     /* open node's index in level */
	unsigned        fill[RT_MAX_HEIGHT];    /* items in the open node */
	unsigned        want[RT_MAX_HEIGHT];    /* its planned size */
	struct rt_node *open[RT_MAX_HEIGHT];
};

int rt_bulk_begin(struct rt_bulk *b, struct rt_tree *t, uint64_t n);
void rt_bulk_add(struct rt_bulk *b, uint64_t first, uint64_t last,
		 void *value);
void rt_bulk_end(struct rt_bulk *b);

/*
 * rt_check() - verify every invariant of the tree.
 * Return: 0, or -1 after printing what is wrong to stderr.  O(n).
 */
int rt_check(const struct rt_tree *t);

#endif /* ASPACE_RT_H */
