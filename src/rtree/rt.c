/*
 * rt.c - the read side of the range tree (a B+tree of inclusive ranges,
 * rt_node.h): lookups, cursors, iteration, gap searches, and the spare-node
 * list the write side (rt_store.c) draws from.  Readers never allocate and
 * never recurse: every walk keeps an explicit path of at most
 * RT_MAX_HEIGHT levels.
 *
 * The spare list keeps the invariant rt_check() verifies:
 *   nspare >= rt_spares_needed(height, reserved),
 * and never holds more than max(height + 1, that, rt_spares_needed(height,
 * keep)) nodes after an operation.
 */
#include <errno.h>
#include <string.h>

#include "rtree/rt_node.h"

/* ------------------------------------------------------------------ */
/* summaries and spares                                                */

#define MAX_U64(a, b) ((a) > (b) ? (a) : (b))

/*
 * Two slots a round, and the distances first - last (the gap plus one,
 * at least 1 between disjoint sorted entries) compared instead of the
 * gaps: this rescan runs whenever a store removes a node's largest gap
 * (a mapping placed in the big free area does so at every level), and
 * this way it costs about two thirds of the plain loop's instructions.
 */
void rt_summarise(const struct rt_node *nd, bool leaf, struct rt_item *s)
{
	uint64_t dist = 1, d0, d1;
	unsigned i, n = nd->n;

	ASSERT(n > 0);
	if (leaf) {
		s->first = nd->l.fv[0].first;
		s->last = nd->l.last[n - 1];
		for (i = 1; i + 1 < n; i += 2) {
			d0 = nd->l.fv[i].first - nd->l.last[i - 1];
			d1 = nd->l.fv[i + 1].first - nd->l.last[i];
			dist = MAX_U64(dist, d0);
			dist = MAX_U64(dist, d1);
		}
		if (i < n) {
			d0 = nd->l.fv[i].first - nd->l.last[i - 1];
			dist = MAX_U64(dist, d0);
		}
		s->gap = dist - 1;
	} else {
		uint64_t gap = nd->i.gap[0];

		s->first = nd->i.first[0];
		s->last = nd->i.last[n - 1];
		for (i = 1; i + 1 < n; i += 2) {
			d0 = nd->i.first[i] - nd->i.last[i - 1];
			d1 = nd->i.first[i + 1] - nd->i.last[i];
			dist = MAX_U64(dist, d0);
			dist = MAX_U64(dist, d1);
			gap = MAX_U64(gap, nd->i.gap[i]);
			gap = MAX_U64(gap, nd->i.gap[i + 1]);
		}
		if (i < n) {
			d0 = nd->i.first[i] - nd->i.last[i - 1];
			dist = MAX_U64(dist, d0);
			gap = MAX_U64(gap, nd->i.gap[i]);
		}
		s->gap = MAX_U64(gap, dist - 1);
	}
	s->ptr = NULL;
}

/* max(height + 1, spares for the reservation, spares kept pooled): one
 * rt_spares_needed() of the larger count, as it grows with the count. */
static uint64_t spare_bound(const struct rt_tree *t)
{
	unsigned r = t->reserved > t->keep ? t->reserved : t->keep;
	uint64_t need = rt_spares_needed(t->height, t->count, r);

	return need > t->height + 1u ? need : t->height + 1u;
}

void rt_set_keep(struct rt_tree *t, unsigned nstores)
{
	t->keep = nstores;
	rt_spare_trim(t);
}

struct rt_node *rt_spare_get(struct rt_tree *t)
{
	struct rt_node *nd = t->spare;

	ASSERT(nd);
	t->spare = nd->next_spare;
	t->nspare--;
	return nd;
}

void rt_spare_put(struct rt_tree *t, struct rt_node *nd)
{
	if (t->nspare >= spare_bound(t)) {
		as_free(nd, RT_NODE_SIZE);
		t->bytes -= RT_NODE_SIZE;
		return;
	}
	nd->next_spare = t->spare;
	t->spare = nd;
	t->nspare++;
}

void rt_spare_trim_slow(struct rt_tree *t)
{
	uint64_t bound = spare_bound(t);

	while (t->nspare > bound) {
		struct rt_node *nd = rt_spare_get(t);

		as_free(nd, RT_NODE_SIZE);
		t->bytes -= RT_NODE_SIZE;
	}
}

int rt_spare_fill(struct rt_tree *t, uint64_t want)
{
	unsigned added = 0;

	while (t->nspare < want) {
		struct rt_node *nd = as_alloc(RT_NODE_SIZE);

		if (!nd) {
			while (added--) {
				nd = rt_spare_get(t);
				as_free(nd, RT_NODE_SIZE);
				t->bytes -= RT_NODE_SIZE;
			}
			return -ENOMEM;
		}
		t->bytes += RT_NODE_SIZE;
		nd->next_spare = t->spare;
		t->spare = nd;
		t->nspare++;
		added++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* init / destroy                                                      */

void rt_init(struct rt_tree *t)
{
	memset(t, 0, sizeof(*t));
	rt_fingers_drop(t);
}

void rt_destroy(struct rt_tree *t)
{
	/* Depth-first with an explicit stack: each level holds at most the
	 * children of one node still to visit. */
	struct { struct rt_node *nd; unsigned depth; }
		st[RT_MAX_HEIGHT * RT_INNER_CAP];
	unsigned sp = 0, i;

	if (t->root)
		st[sp++] = (typeof(st[0])){ t->root, 0 };
	while (sp) {
		struct rt_node *nd = st[--sp].nd;
		unsigned depth = st[sp].depth;

		if (depth + 1 < t->height)
			for (i = 0; i < nd->n; i++)
				st[sp++] = (typeof(st[0])){ nd->i.child[i],
							    depth + 1 };
		as_free(nd, RT_NODE_SIZE);
	}
	while (t->spare)
		as_free(rt_spare_get(t), RT_NODE_SIZE);
	rt_init(t);
}

/* ------------------------------------------------------------------ */
/* cursors                                                             */

void rtc_init(struct rt_cursor *c, const struct rt_tree *t)
{
	c->t = t;
	c->depth = 0;
}

static void *cursor_give(struct rt_cursor *c, struct rt_entry *e)
{
	const struct rt_node *lf = c->node[c->depth - 1];
	unsigned j = c->slot[c->depth - 1];

	if (e) {
		e->first = lf->l.fv[j].first;
		e->last = lf->l.last[j];
		e->value = lf->l.fv[j].val;
	}
	return lf->l.fv[j].val;
}

static void *cursor_none(struct rt_cursor *c, struct rt_entry *e)
{
	c->depth = 0;
	if (e)
		*e = (struct rt_entry){ 0, 0, NULL };
	return NULL;
}

void *rtc_entry(const struct rt_cursor *c, struct rt_entry *e)
{
	if (!c->depth) {
		if (e)
			*e = (struct rt_entry){ 0, 0, NULL };
		return NULL;
	}
	return cursor_give((struct rt_cursor *)c, e);
}

/*
 * A descending lookup's finger covers just the leaf's own entries, from
 * its first entry's first index to its last entry's last: both are in
 * lines the descent already prefetched (rt_prefetch_node()), where
 * widening it into the gaps around the leaf would cost a compare and a
 * load a level.  (An in-place store's descent, which reads the
 * neighbouring summaries anyway, widens its finger up to the neighbours.)
 * @f holds the path down to @nd; it becomes the most recent finger.
 */
static void finger_set_leaf(const struct rt_tree *t, struct rt_finger *f,
			    const struct rt_node *nd)
{
	f->lo = nd->l.fv[0].first;
	f->hi = nd->l.last[nd->n - 1];
	rt_finger_use(t, f);
}

/*
 * find_at() - rtc_find(); when @finger, a hit makes that finger the most
 * recent and a descent writes its path into the other one as it goes.
 * Inlined into both callers so the finger test folds away.
 */
static inline __attribute__((always_inline))
void *find_at(struct rt_cursor *c, uint64_t index, struct rt_entry *e,
	      bool finger)
{
	const struct rt_tree *t = c->t;
	struct rt_node *nd = t->root;
	struct rt_finger *f;
	unsigned d, i;

	if (!nd)
		return cursor_none(c, e);
	f = rt_finger_find(t, index, index);
	if (f && f->node[t->height - 1]->l.last[
			f->node[t->height - 1]->n - 1] >= index) {
		/* not after its leaf */
		if (finger)
			rt_finger_use(t, f);
		rt_finger_path(t, f, c);
		d = t->height - 1;
		nd = f->node[d];
		goto leaf;
	}
	if (index > rt_root_last(t))
		return cursor_none(c, e);       /* after the last entry */
	f = finger ? rt_finger_spare(t) : NULL;
	for (d = 0; d + 1 < t->height; d++) {
		/* below the root, index <= the subtree's last index */
		i = rt_lower_inner(nd, index);
		c->node[d] = nd;
		c->slot[d] = i;
		if (finger) {
			f->node[d] = nd;
			f->slot[d] = i;
		}
		nd = nd->i.child[i];
		rt_prefetch_node(nd, d + 2 == t->height);
	}
	if (finger) {
		f->node[d] = nd;
		finger_set_leaf(t, f, nd);
	}
leaf:
	i = rt_lower_leaf(nd, index);
	if (i == nd->n)
		return cursor_none(c, e);
	c->node[d] = nd;
	c->slot[d] = i;
	c->depth = t->height;
	return cursor_give(c, e);
}

void *rtc_find(struct rt_cursor *c, uint64_t index, struct rt_entry *e)
{
	return find_at(c, index, e, true);
}

void *rtc_find_quiet(struct rt_cursor *c, uint64_t index, struct rt_entry *e)
{
	return find_at(c, index, e, false);
}

/* rtc_find_rev(), updating the fingers as rtc_find() does. */
void *rtc_find_rev(struct rt_cursor *c, uint64_t index, struct rt_entry *e)
{
	const struct rt_tree *t = c->t;
	struct rt_node *nd = t->root;
	struct rt_finger *f;
	unsigned d;
	int i;

	if (!nd)
		return cursor_none(c, e);
	f = rt_finger_find(t, index, index);
	if (f && f->node[t->height - 1]->l.fv[0].first <= index) {
		/* not before its leaf */
		rt_finger_use(t, f);
		rt_finger_path(t, f, c);
		d = t->height - 1;
		nd = f->node[d];
		goto leaf;
	}
	f = rt_finger_spare(t);
	for (d = 0; d + 1 < t->height; d++) {
		i = rt_upper_rev(nd->i.first, nd->n, index);
		if (i < 0)
			return cursor_none(c, e);
		c->node[d] = nd;
		c->slot[d] = i;
		f->node[d] = nd;
		f->slot[d] = i;
		nd = nd->i.child[i];
	}
	f->node[d] = nd;
	finger_set_leaf(t, f, nd);
leaf:
	i = rt_upper_rev_leaf(nd, index);
	if (i < 0)
		return cursor_none(c, e);
	c->node[d] = nd;
	c->slot[d] = i;
	c->depth = t->height;
	return cursor_give(c, e);
}

void *rtc_next(struct rt_cursor *c, struct rt_entry *e)
{
	unsigned h = c->depth, d;

	if (!h)
		return cursor_none(c, e);
	if (c->slot[h - 1] + 1 < c->node[h - 1]->n) {
		c->slot[h - 1]++;
		return cursor_give(c, e);
	}
	for (d = h - 1; d-- > 0;)
		if (c->slot[d] + 1 < c->node[d]->n)
			break;
	if (d == (unsigned)-1)
		return cursor_none(c, e);
	c->slot[d]++;
	for (; d + 1 < h; d++) {
		c->node[d + 1] = c->node[d]->i.child[c->slot[d]];
		c->slot[d + 1] = 0;
	}
	return cursor_give(c, e);
}

void *rtc_prev(struct rt_cursor *c, struct rt_entry *e)
{
	unsigned h = c->depth, d;

	if (!h)
		return cursor_none(c, e);
	if (c->slot[h - 1] > 0) {
		c->slot[h - 1]--;
		return cursor_give(c, e);
	}
	for (d = h - 1; d-- > 0;)
		if (c->slot[d] > 0)
			break;
	if (d == (unsigned)-1)
		return cursor_none(c, e);
	c->slot[d]--;
	for (; d + 1 < h; d++) {
		c->node[d + 1] = c->node[d]->i.child[c->slot[d]];
		c->slot[d + 1] = c->node[d + 1]->n - 1;
	}
	return cursor_give(c, e);
}

/* ------------------------------------------------------------------ */
/* point lookups                                                       */

/* rt_load(), updating the fingers as find_at() does when @finger;
 * inlined into both callers as find_at() is. */
static inline __attribute__((always_inline))
void *load_at(const struct rt_tree *t, uint64_t index, struct rt_entry *e,
	      bool finger)
{
	const struct rt_node *nd = t->root;
	struct rt_finger *f;
	unsigned d, i;

	if (!nd)
		return NULL;
	f = rt_finger_find(t, index, index);
	if (f) {
		if (finger)
			rt_finger_use(t, f);
		nd = f->node[t->height - 1];
		goto leaf;
	}
	if (index > rt_root_last(t))
		return NULL;                    /* past the end */
	f = finger ? rt_finger_spare(t) : NULL;
	for (d = 0; d + 1 < t->height; d++) {
		/* below the root, index <= the subtree's last index */
		i = rt_lower_inner(nd, index);
		if (finger) {
			f->node[d] = (struct rt_node *)nd;
			f->slot[d] = i;
		}
		/* In the gap before child i, the leaf's first entry says so
		 * too: not reading first[i] here saves a cache line a level. */
		nd = nd->i.child[i];
		rt_prefetch_node(nd, d + 2 == t->height);
	}
	if (finger) {
		f->node[d] = (struct rt_node *)nd;
		finger_set_leaf(t, f, nd);
	}
leaf:
	/* i == n only after a finger's leaf, in the gap its range holds */
	i = rt_lower_leaf(nd, index);
	if (i == nd->n || nd->l.fv[i].first > index)
		return NULL;
	if (e) {
		e->first = nd->l.fv[i].first;
		e->last = nd->l.last[i];
		e->value = nd->l.fv[i].val;
	}
	return nd->l.fv[i].val;
}

void *rt_load(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	return load_at(t, index, e, true);
}

void *rt_load_quiet(const struct rt_tree *t, uint64_t index,
		    struct rt_entry *e)
{
	return load_at(t, index, e, false);
}

void *rt_find(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	struct rt_cursor c;

	rtc_init(&c, t);
	return rtc_find(&c, index, e);
}

void *rt_find_rev(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	struct rt_cursor c;

	rtc_init(&c, t);
	return rtc_find_rev(&c, index, e);
}

void *rt_next(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	struct rt_cursor c;
	struct rt_entry x;

	if (index == UINT64_MAX)
		return cursor_none(&c, e);
	rtc_init(&c, t);
	if (!rtc_find(&c, index + 1, &x))
		return cursor_none(&c, e);
	if (x.first <= index)         /* covers index too: take the next */
		return rtc_next(&c, e);
	if (e)
		*e = x;
	return x.value;
}

void *rt_prev(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	struct rt_cursor c;
	struct rt_entry x;

	if (index == 0)
		return cursor_none(&c, e);
	rtc_init(&c, t);
	if (!rtc_find_rev(&c, index - 1, &x))
		return cursor_none(&c, e);
	if (x.last >= index)          /* covers index too: take the previous */
		return rtc_prev(&c, e);
	if (e)
		*e = x;
	return x.value;
}

int rt_iter(const struct rt_tree *t, uint64_t lo, uint64_t hi,
	    int (*fn)(const struct rt_entry *e, void *arg), void *arg)
{
	struct rt_cursor c;
	struct rt_entry e;
	void *v;
	int r;

	rtc_init(&c, t);
	for (v = rtc_find(&c, lo, &e); v && e.first <= hi;
	     v = rtc_next(&c, &e)) {
		r = fn(&e, arg);
		if (r)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* gap search                                                          */

struct gap_query {
	uint64_t lo, hi, size;      /* size >= 1 */
	uint64_t *gfirst, *glast;
};

/* Does the gap [a, b] (a <= b), clipped to [lo, hi], hold size indices?
 * If so, report the clipped gap. */
static bool gap_fits(const struct gap_query *q, uint64_t a, uint64_t b)
{
	uint64_t x = a > q->lo ? a : q->lo, y = b < q->hi ? b : q->hi;

	if (x > y || y - x < q->size - 1)
		return false;
	*q->gfirst = x;
	*q->glast = y;
	return true;
}

/* Can the interior of a subtree [f, l] with largest gap g hold a fitting
 * gap?  Interior gaps lie within [f + 1, l - 1]. */
static bool subtree_may_fit(const struct gap_query *q, uint64_t f,
			    uint64_t l, uint64_t g)
{
	uint64_t x, y;

	if (g < q->size)
		return false;
	/* g >= 1: at least two entries, so f + 1 <= l - 1 */
	x = f + 1 > q->lo ? f + 1 : q->lo;
	y = l - 1 < q->hi ? l - 1 : q->hi;
	return x <= y && y - x >= q->size - 1;
}

/* The lowest fitting gap strictly between entries of the tree. */
static bool gap_lowest_inside(const struct rt_tree *t,
			      const struct gap_query *q)
{
	struct { const struct rt_node *nd; unsigned i; } st[RT_MAX_HEIGHT];
	unsigned sp = 0, leafd = t->height - 1, i;

	st[0].nd = t->root;
	st[0].i = 0;
	for (;;) {
		const struct rt_node *nd = st[sp].nd;

		if (sp == leafd) {
			for (i = 1; i < nd->n; i++) {
				uint64_t a = nd->l.last[i - 1], b = nd->l.fv[i].first;

				if (a >= q->hi)  /* every later gap is above hi */
					return false;
				if (b - a > 1 && gap_fits(q, a + 1, b - 1))
					return true;
			}
			goto pop;
		}
		for (i = st[sp].i; i < nd->n; i++) {
			if (i > 0) {
				uint64_t a = nd->i.last[i - 1], b = nd->i.first[i];

				if (a >= q->hi)
					return false;
				if (b - a > 1 && gap_fits(q, a + 1, b - 1))
					return true;
			}
			if (nd->i.last[i] < q->lo)
				continue;
			if (nd->i.first[i] >= q->hi)
				return false;
			if (!subtree_may_fit(q, nd->i.first[i], nd->i.last[i],
					     nd->i.gap[i]))
				continue;
			st[sp].i = i + 1;
			sp++;
			st[sp].nd = nd->i.child[i];
			st[sp].i = 0;
			goto next;
		}
pop:
		if (sp == 0)
			return false;
		sp--;
next:
		;
	}
}

/* The highest fitting gap strictly between entries of the tree. */
static bool gap_highest_inside(const struct rt_tree *t,
			       const struct gap_query *q)
{
	struct { const struct rt_node *nd; unsigned i; } st[RT_MAX_HEIGHT];
	unsigned sp = 0, leafd = t->height - 1, i;

	st[0].nd = t->root;
	st[0].i = t->root->n;
	for (;;) {
		const struct rt_node *nd = st[sp].nd;

		if (sp == leafd) {
			for (i = nd->n; i-- > 1;) {
				uint64_t a = nd->l.last[i - 1], b = nd->l.fv[i].first;

				if (b <= q->lo)  /* every earlier gap is below lo */
					return false;
				if (b - a > 1 && gap_fits(q, a + 1, b - 1))
					return true;
			}
			goto pop;
		}
		for (i = st[sp].i; i-- > 0;) {
			if (i + 1 < nd->n) {
				uint64_t a = nd->i.last[i], b = nd->i.first[i + 1];

				if (b <= q->lo)
					return false;
				if (b - a > 1 && gap_fits(q, a + 1, b - 1))
					return true;
			}
			if (nd->i.first[i] > q->hi)
				continue;
			if (nd->i.last[i] <= q->lo)
				return false;
			if (!subtree_may_fit(q, nd->i.first[i], nd->i.last[i],
					     nd->i.gap[i]))
				continue;
			st[sp].i = i;
			sp++;
			st[sp].nd = nd->i.child[i];
			st[sp].i = st[sp].nd->n;
			goto next;
		}
pop:
		if (sp == 0)
			return false;
		sp--;
next:
		;
	}
}

/* Gaps in order: before the first entry, between entries, after the
 * last; the lowest search takes them forwards, the highest backwards. */
static int gap_search(const struct rt_tree *t, struct gap_query *q,
		      bool highest)
{
	const struct rt_node *r = t->root;
	struct { uint64_t first, last; } s;
	bool before, after;

	if (q->lo > q->hi)
		return -ENOMEM;
	if (!r)
		return gap_fits(q, 0, UINT64_MAX) ? 0 : -ENOMEM;
	/* the tree's first and last index (not rt_summarise(): its gap
	 * scan of the root is not needed here) */
	s.first = t->height == 1 ? r->l.fv[0].first : r->i.first[0];
	s.last = rt_root_last(t);
	before = !highest && s.first > 0 && gap_fits(q, 0, s.first - 1);
	if (before)
		return 0;
	after = highest && s.last < UINT64_MAX &&
		gap_fits(q, s.last + 1, UINT64_MAX);
	if (after)
		return 0;
	if (highest ? gap_highest_inside(t, q) : gap_lowest_inside(t, q))
		return 0;
	if (highest)
		before = s.first > 0 && gap_fits(q, 0, s.first - 1);
	else
		after = s.last < UINT64_MAX &&
			gap_fits(q, s.last + 1, UINT64_MAX);
	return before || after ? 0 : -ENOMEM;
}

int rt_gap_lowest(const struct rt_tree *t, uint64_t lo, uint64_t hi,
		  uint64_t size, uint64_t *gfirst, uint64_t *glast)
{
	struct gap_query q = { lo, hi, size ? size : 1, gfirst, glast };

	return gap_search(t, &q, false);
}

int rt_gap_highest(const struct rt_tree *t, uint64_t lo, uint64_t hi,
		   uint64_t size, uint64_t *gfirst, uint64_t *glast)
{
	struct gap_query q = { lo, hi, size ? size : 1, gfirst, glast };

	return gap_search(t, &q, true);
}
