/*
 * rt_store.c - the write side of the range tree: rt_store()/rt_erase(),
 * the rebalancing that keeps every non-root node at least half full, and
 * rt_reserve().  Owns the rule that a store allocates only before its
 * first change: it fills the spare list to height + 1 nodes (the most one
 * store can take: one per level plus a new root), then commits using
 * spares only, so a failed allocation leaves the tree untouched.
 *
 * Leaf fill is kept high (docs/rtree.md): an overflowing node first
 * shares with a sibling that has room, and only when its sibling is full
 * too are the two split into three (B*-tree); at the right or left edge of
 * the tree the split packs the old nodes to capacity less a small slack,
 * so ascending or descending insertion (or carving a reservation from one
 * end) leaves nearly full nodes that the next insertion does not split
 * again, and a merge keeps free slots too, so one insert/erase pair
 * cannot split and merge every time.  Also owns the fingers' rules
 * (rt.h): an in-place store leaves one on its leaf, any rebalancing drops
 * both.
 */
#include <errno.h>
#include <string.h>

#include "rtree/rt_node.h"

/* Enough for two leaves plus the up to two entries one store adds. */
#define RT_WIN_MAX (2 * RT_LEAF_CAP + 2)

/* A change this close to a node's end at the tree's edge counts as edge
 * growth (settle()). */
#define RT_EDGE_SLACK 1u

/* Free slots a node packed at the edge keeps (node_pack()). */
#define RT_LEAF_SLACK  2u
#define RT_INNER_SLACK 1u

/* Free slots a merged node keeps (merge_fits()). */
#define RT_MERGE_SLACK 2u

static unsigned node_cap(bool leaf)
{
	return leaf ? RT_LEAF_CAP : RT_INNER_CAP;
}

static unsigned node_min(bool leaf)
{
	return leaf ? RT_LEAF_MIN : RT_INNER_MIN;
}

/* What edge packing fills a node to. */
static unsigned node_pack(bool leaf)
{
	return leaf ? RT_LEAF_CAP - RT_LEAF_SLACK : RT_INNER_CAP - RT_INNER_SLACK;
}

static void get_item(const struct rt_node *nd, bool leaf, unsigned i,
		     struct rt_item *it)
{
	if (leaf) {
		it->first = nd->l.fv[i].first;
		it->last = nd->l.last[i];
		it->gap = 0;
		it->ptr = nd->l.fv[i].val;
	} else {
		it->first = nd->i.first[i];
		it->last = nd->i.last[i];
		it->gap = nd->i.gap[i];
		it->ptr = nd->i.child[i];
	}
}

static void write_items(struct rt_node *nd, bool leaf,
			const struct rt_item *it, unsigned m)
{
	unsigned i;

	for (i = 0; i < m; i++)
		rt_set_item(nd, leaf, i, &it[i]);
	nd->n = m;
	rt_pad_keys(nd, leaf, m);
}

/*
 * The items of @nd with slots [a, b) replaced by @k items of @rep, into
 * @out.  Returns the new count.
 */
static unsigned splice(const struct rt_node *nd, bool leaf, unsigned a,
		       unsigned b, const struct rt_item *rep, unsigned k,
		       struct rt_item *out)
{
	unsigned i, m = 0;

	for (i = 0; i < a; i++)
		get_item(nd, leaf, i, &out[m++]);
	for (i = 0; i < k; i++)
		out[m++] = rep[i];
	for (i = b; i < nd->n; i++)
		get_item(nd, leaf, i, &out[m++]);
	return m;
}

/*
 * Node c->node[d] changed without changing its place in its parent:
 * refresh the summaries on the path above it, stopping once one is
 * unchanged.
 */
static void fix_summaries(struct rt_tree *t, struct rt_cursor *c, unsigned d)
{
	struct rt_item s;

	for (; d > 0; d--) {
		struct rt_node *p = c->node[d - 1];
		unsigned i = c->slot[d - 1];

		rt_summarise(c->node[d], d + 1 == t->height, &s);
		if (p->i.first[i] == s.first && p->i.last[i] == s.last &&
		    p->i.gap[i] == s.gap)
			return;
		p->i.first[i] = s.first;
		p->i.last[i] = s.last;
		p->i.gap[i] = s.gap;
	}
}

/*
 * refresh_up() - node path[d] was edited in place: the gaps between its
 * slots that the edit removed were at most @old_local, those it created
 * at most @new_local, every other gap is unchanged.  Refresh the
 * summaries above it (path[e] is the node at level e, slot[e] the child
 * taken there), stopping once one is unchanged, without rescanning a node
 * unless its largest gap may have been removed: the parent's old record g
 * is the node's old largest gap, so the new one is new_local if that is
 * >= g, else g if the removed gaps were all below g.
 * Cannot fail.  O(height), O(node size) per level only in the last case.
 */
static void refresh_up(struct rt_tree *t, struct rt_node *const *path,
		       const unsigned *slot, unsigned d, uint64_t old_local,
		       uint64_t new_local)
{
	unsigned h = t->height - 1;

	for (; d > 0; d--) {
		const struct rt_node *nd = path[d];
		struct rt_node *p = path[d - 1];
		unsigned i = slot[d - 1], n = nd->n;
		uint64_t ofirst = p->i.first[i], olast = p->i.last[i];
		uint64_t ogap = p->i.gap[i], first, last, gap = ogap, x;
		struct rt_item s;

		if (d == h) {
			first = nd->l.fv[0].first;
			last = nd->l.last[n - 1];
		} else {
			first = nd->i.first[0];
			last = nd->i.last[n - 1];
		}
		if (new_local >= gap) {
			gap = new_local;
		} else if (old_local >= gap) {
			rt_summarise(nd, d == h, &s);
			gap = s.gap;
		}
		if (ofirst == first && olast == last && ogap == gap)
			return;
		p->i.first[i] = first;
		p->i.last[i] = last;
		p->i.gap[i] = gap;
		/* The gaps slot i contributes to p: its own and those beside
		 * it, before (old_local) and after (new_local) the change. */
		old_local = ogap;
		new_local = gap;
		if (i > 0) {
			x = p->i.last[i - 1];
			old_local = MAX(old_local, rt_gap_between(x, ofirst));
			new_local = MAX(new_local, rt_gap_between(x, first));
		}
		if (i + 1 < p->n) {
			x = p->i.first[i + 1];
			old_local = MAX(old_local, rt_gap_between(olast, x));
			new_local = MAX(new_local, rt_gap_between(last, x));
		}
	}
}

/* Is level d's node on the right (dir > 0) or left (dir < 0) edge of the
 * tree: every ancestor slot on the path the last (first) one? */
static bool on_edge(const struct rt_cursor *c, unsigned d, int dir)
{
	unsigned j;

	for (j = 0; j < d; j++) {
		unsigned want = dir > 0 ? c->node[j]->n - 1 : 0;

		if (c->slot[j] != want)
			return false;
	}
	return true;
}

/*
 * Sizes for @total items over @k nodes, each within [min, cap]: even, or
 * packed towards the left (bias > 0: growth at the right edge) or right,
 * the packed nodes holding @pack items (cap less a little slack, so the
 * next insertion or two into them does not split them again).
 */
static void plan_sizes(unsigned total, unsigned k, unsigned min, unsigned cap,
		       unsigned pack, int bias, unsigned *size)
{
	unsigned j, rem = total;

	for (j = 0; j < k; j++) {
		unsigned left = k - 1 - j, s;

		if (bias) {
			s = MIN(pack, rem - left * min);
			if (rem > left * cap && s < rem - left * cap)
				s = rem - left * cap;  /* the rest must fit */
		} else {
			s = (rem + left) / (left + 1);    /* ceil(rem / (k-j)) */
		}
		size[j] = s;
		rem -= s;
	}
	if (bias < 0)
		for (j = 0; j < k / 2; j++) {
			unsigned x = size[j];

			size[j] = size[k - 1 - j];
			size[k - 1 - j] = x;
		}
	for (j = 0; j < k; j++)
		ASSERT(size[j] >= min && size[j] <= cap);
}

/*
 * May an underflowing node and a sibling holding @total items between
 * them merge into one?  Only with RT_MERGE_SLACK slots to spare, unless
 * borrowing cannot leave both at the minimum: a merge that leaves a node
 * full would be split again by the next insertion (an insert/erase pair
 * at one spot would then split and merge every time).
 */
static bool merge_fits(unsigned total, unsigned min, unsigned cap)
{
	return total < 2 * min || total + RT_MERGE_SLACK <= cap;
}

/* The new root when the old one overflows: two children under it. */
static void grow_root(struct rt_tree *t, struct rt_node *old, bool leaf,
		      const struct rt_item *it, unsigned m, int bias)
{
	struct rt_node *root = rt_spare_get(t), *nd[2];
	unsigned size[2];
	struct rt_item s;
	unsigned j, at = 0;

	plan_sizes(m, 2, node_min(leaf), node_cap(leaf), node_pack(leaf), bias,
		   size);
	nd[0] = old;
	nd[1] = rt_spare_get(t);
	for (j = 0; j < 2; j++) {
		write_items(nd[j], leaf, it + at, size[j]);
		at += size[j];
		rt_summarise(nd[j], leaf, &s);
		s.ptr = nd[j];
		rt_set_item(root, false, j, &s);
	}
	root->n = 2;
	rt_pad_keys(root, false, 2);
	t->root = root;
	t->height++;
}

/*
 * settle() - node c->node[d] must now hold items[0..m), m possibly outside
 * its bounds, the change being at items [ca, cb).  Write it, rebalancing
 * with a sibling when it over- or underflows, and carry the change up to
 * the root.  Uses only spares: the caller filled the spare list.
 */
static void settle(struct rt_tree *t, struct rt_cursor *c, unsigned d,
		   struct rt_item *items, unsigned m, unsigned ca, unsigned cb)
{
	struct rt_item win[RT_WIN_MAX], sum[3];
	struct rt_node *nodes[3];
	unsigned size[3];

	for (;;) {
		bool leaf = d + 1 == t->height;
		unsigned cap = node_cap(leaf), min = node_min(leaf);
		struct rt_node *nd = c->node[d], *p;
		unsigned s, a, w, k, total, j, at, room_l, room_r;
		bool left, merge = false;
		int bias = 0;

		/* At the edge of the tree, growth at a node's last slot or
		 * just before it (a mapping carved from the front of the
		 * last one, as a reservation is filled slot by slot) packs
		 * the old nodes full; mirrored at the left edge. */
		if (m - cb <= RT_EDGE_SLACK && on_edge(c, d, +1))
			bias = +1;
		else if (ca <= RT_EDGE_SLACK && on_edge(c, d, -1))
			bias = -1;

		if (d == 0) {
			if (m > cap) {
				grow_root(t, nd, leaf, items, m, bias);
			} else if (m == 0) {
				rt_spare_put(t, nd);
				t->root = NULL;
				t->height = 0;
			} else if (!leaf && m == 1) {
				t->root = items[0].ptr;
				t->height--;
				rt_spare_put(t, nd);
			} else {
				write_items(nd, leaf, items, m);
			}
			return;
		}
		if (m >= min && m <= cap) {
			write_items(nd, leaf, items, m);
			fix_summaries(t, c, d);
			return;
		}

		/* Pick one sibling to share with. */
		p = c->node[d - 1];
		s = c->slot[d - 1];
		room_l = s > 0 ? cap - p->i.child[s - 1]->n : 0;
		room_r = s + 1 < p->n ? cap - p->i.child[s + 1]->n : 0;
		if (m > cap) {
			unsigned extra = m - cap, slack = cap - node_pack(leaf);

			/* at the edge a sibling counts as full once packed */
			if (bias && room_l)
				room_l = room_l > slack ? room_l - slack : 0;
			if (bias && room_r)
				room_r = room_r > slack ? room_r - slack : 0;

			if (room_l >= extra || room_r >= extra) {
				/* share: the one with more room, edge first */
				if (bias > 0)
					left = room_l >= extra;
				else if (bias < 0)
					left = room_r < extra;
				else
					left = room_l > room_r;
			} else {
				/* both full: two into three */
				left = bias > 0 ? s > 0 : s + 1 >= p->n;
			}
			a = left ? s - 1 : s;
		} else {
			/* underflow: merge if one sibling leaves room, else
			 * borrow from the fuller one */
			unsigned nl = s > 0 ? cap - room_l : 0;
			unsigned nr = s + 1 < p->n ? cap - room_r : 0;
			bool fit_l = s > 0 && merge_fits(m + nl, min, cap);
			bool fit_r = s + 1 < p->n &&
				     merge_fits(m + nr, min, cap);

			if (fit_l || fit_r)
				left = fit_l && (!fit_r || nl <= nr);
			else
				left = s + 1 >= p->n || (s > 0 && nl >= nr);
			merge = fit_l || fit_r;
			a = left ? s - 1 : s;
		}
		w = 2;

		/* Gather the window [a, a + 2) with node s's new items. */
		total = 0;
		for (j = a; j < a + w; j++) {
			if (j == s) {
				memcpy(win + total, items, m * sizeof(*items));
				total += m;
			} else {
				total += splice(p->i.child[j], leaf, 0, 0, NULL,
						0, win + total);
			}
		}
		if (m > cap)            /* packing: three once two would be
					 * fuller than cap + pack */
			k = total > (bias ? cap + node_pack(leaf) : 2 * cap) ?
			    3 : 2;
		else if (merge)
			k = 1;
		else
			k = 2, bias = 0;        /* borrow: share evenly */
		plan_sizes(total, k, min, cap, node_pack(leaf), bias, size);
		for (j = 0; j < k; j++)
			nodes[j] = j < w ? p->i.child[a + j] : rt_spare_get(t);
		for (; j < w; j++)
			rt_spare_put(t, p->i.child[a + j]);
		for (at = 0, j = 0; j < k; j++) {
			write_items(nodes[j], leaf, win + at, size[j]);
			at += size[j];
			rt_summarise(nodes[j], leaf, &sum[j]);
			sum[j].ptr = nodes[j];
		}

		/* The parent now holds the k nodes in place of the window. */
		m = splice(p, false, a, a + w, sum, k, items);
		ca = a;
		cb = a + k;
		d--;
	}
}

/*
 * Replace the entries [j0, j1) of the leaf the cursor is on by @k items
 * and rebalance.  Uses only spares.
 */
static void leaf_edit(struct rt_tree *t, struct rt_cursor *c, unsigned j0,
		      unsigned j1, const struct rt_item *rep, unsigned k)
{
	struct rt_item items[RT_WIN_MAX];
	unsigned d = t->height - 1;
	unsigned m = splice(c->node[d], true, j0, j1, rep, k, items);

	settle(t, c, d, items, m, j0, j0 + k);
}

/* The cursor at the slot where an entry starting at @index goes: before
 * the first entry with last >= index, or after the last entry. */
static void seek_insert(const struct rt_tree *t, struct rt_cursor *c,
			uint64_t index)
{
	struct rt_node *nd = t->root;
	unsigned d, i;

	for (d = 0; d + 1 < t->height; d++) {
		i = rt_lower_inner(nd, index);
		if (i == nd->n)
			i = nd->n - 1;
		c->node[d] = nd;
		c->slot[d] = i;
		nd = nd->i.child[i];
	}
	c->node[d] = nd;
	c->slot[d] = rt_lower_leaf(nd, index);
	c->depth = t->height;
}

/*
 * Remove every entry lying wholly inside [first, last], a leaf's worth at
 * a time.  Never allocates (merges only free nodes).
 */
static void remove_inside(struct rt_tree *t, uint64_t first, uint64_t last)
{
	struct rt_cursor c;
	struct rt_entry e;

	rtc_init(&c, t);
	for (;;) {
		struct rt_node *lf;
		unsigned j, j2;

		if (!rtc_find_quiet(&c, first, &e))
			return;
		if (e.first < first && !rtc_next(&c, &e))
			return;
		if (e.last > last)
			return;
		lf = c.node[t->height - 1];
		j = c.slot[t->height - 1];
		for (j2 = j + 1; j2 < lf->n && lf->l.last[j2] <= last; j2++)
			;
		t->count -= j2 - j;
		leaf_edit(t, &c, j, j2, NULL, 0);
	}
}

/* Move leaf slots [from, from + cnt) to [to, to + cnt) (overlapping
 * either way).  A plain loop for a few slots, where the two libc calls
 * cost more than the copy; memmove() for longer runs (callgrind: ~8
 * instructions a slot in the loop, ~25 a call plus ~1 a slot in libc). */
static inline void leaf_shift(struct rt_node *nd, unsigned to, unsigned from,
			      unsigned cnt)
{
	unsigned x;

	if (cnt > 4) {
		memmove(&nd->l.last[to], &nd->l.last[from],
			cnt * sizeof(nd->l.last[0]));
		memmove(&nd->l.fv[to], &nd->l.fv[from],
			cnt * sizeof(nd->l.fv[0]));
	} else if (to < from) {
		for (x = 0; x < cnt; x++) {
			nd->l.last[to + x] = nd->l.last[from + x];
			nd->l.fv[to + x] = nd->l.fv[from + x];
		}
	} else {
		for (x = cnt; x-- > 0;) {
			nd->l.last[to + x] = nd->l.last[from + x];
			nd->l.fv[to + x] = nd->l.fv[from + x];
		}
	}
}

/*
 * store_in_leaf() - the common store, done in place: every entry that
 * [first, last] overlaps lies in one leaf, and that leaf stays within its
 * bounds.  The leaf is the finger's when the range lies in the finger's
 * range, else one descent finds it, writing its path straight into the
 * finger (cleared meanwhile).  The leaf's arrays are shifted in place and
 * the summaries refreshed only as far up as they change (usually not past
 * the leaf).  On success the finger is this leaf.
 * Return: true if done; false (nothing changed, the finger possibly
 * cleared) when the general path (remove_inside, rebalancing) is needed,
 * with *@past the first index past the leaf's range when the store
 * failed only because it reaches beyond that (else 0).
 * Never allocates.
 */
static inline __attribute__((always_inline))
bool store_in_leaf(struct rt_tree *t, uint64_t first, uint64_t last,
		   void *value, uint64_t *past)
{
	struct rt_finger *f, *o;
	uint64_t lo = 0, hi = UINT64_MAX;   /* the leaf's finger range */
	uint64_t old_local, new_local, g, tail_last = 0;
	void *tail_val = NULL;
	struct rt_node *nd;
	unsigned d, i, j, j2, k, m, n, h, p, p0, pe;
	bool descended = false, head, tail;

	if (!t->root)
		return false;
	h = t->height - 1;
	f = rt_finger_find(t, first, last);
	if (f) {
		nd = f->node[h];
		hi = f->hi;       /* last <= hi: the store stays here */
	} else {
		f = rt_finger_spare(t);
		nd = t->root;
		for (d = 0; d < h; d++) {
			i = rt_lower_inner(nd, first);
			if (i == nd->n)
				i = nd->n - 1;
			/* the deepest level's neighbours are the closest */
			if (i + 1 < nd->n)
				hi = nd->i.first[i + 1] - 1;
			if (i > 0)
				lo = nd->i.last[i - 1] + 1;
			f->node[d] = nd;
			f->slot[d] = i;
			nd = nd->i.child[i];
			rt_prefetch_node(nd, d + 1 == h);
		}
		f->node[h] = nd;
		descended = true;
	}
	n = nd->n;
	j = rt_lower_leaf(nd, first);
	for (j2 = j; j2 < n && nd->l.fv[j2].first <= last; j2++)
		;
	if (j2 == n && last > hi) {
		*past = hi + 1;         /* first <= hi < last: see rt_store() */
		return false;           /* reaches into the next leaf */
	}
	/* What stays of the first and last entry overlapped: a head below
	 * first and a tail above last (both of one entry when it covers the
	 * range and more on both sides). */
	head = j < j2 && nd->l.fv[j].first < first;
	tail = j < j2 && nd->l.last[j2 - 1] > last;
	k = head + (value != NULL) + tail;
	m = n - (j2 - j) + k;
	if (m > RT_LEAF_CAP || m == 0 || (h > 0 && m < RT_LEAF_MIN))
		return false;           /* over- or underflow: rebalance */
	if (tail) {
		tail_last = nd->l.last[j2 - 1];
		tail_val = nd->l.fv[j2 - 1].val;
	}

	/* The gaps before slots j..j2 (those inside [1, n - 1]) go, except
	 * the one before a head (its first index stays) and the one after a
	 * tail (its last stays): a split removes none. */
	old_local = 0;
	p0 = head ? j + 1 : (j ? j : 1);
	pe = tail ? j2 - 1 : (j2 < n - 1 ? j2 : n - 1);
	for (p = p0; p <= pe; p++) {
		g = rt_gap_between(nd->l.last[p - 1], nd->l.fv[p].first);
		old_local = g > old_local ? g : old_local;
	}
	if (j2 != j + k && j2 < n)
		leaf_shift(nd, j + k, j2, n - j2);
	/* Slot j keeps its first index and value when it becomes the head:
	 * the shift wrote only slots from j + k >= j + 1 on. */
	i = j;
	if (head)
		nd->l.last[i++] = first - 1;
	if (value) {
		nd->l.fv[i].first = first;
		nd->l.fv[i].val = value;
		nd->l.last[i++] = last;
	}
	if (tail) {
		nd->l.fv[i].first = last + 1;
		nd->l.fv[i].val = tail_val;
		nd->l.last[i] = tail_last;
	}
	nd->n = m;
	/* Pad the slots it gave up (n - m: at most 2 but for an erase of
	 * many entries, whose loop gcc would turn into a memset call). */
	if (m < n) {
		nd->l.last[m] = RT_KEY_PAD;
		if (m + 1 < n) {
			nd->l.last[m + 1] = RT_KEY_PAD;
			for (p = m + 2; p < n; p++)
				nd->l.last[p] = RT_KEY_PAD;
		}
	}
	t->count = t->count + m - n;
	/* The gaps before slots j..j + k (inside [1, m - 1]) are new, but
	 * for the same two; between head, new entry and tail they are 0. */
	new_local = 0;
	pe = tail ? j + k - 1 : (j + k < m - 1 ? j + k : m - 1);
	for (p = p0; p <= pe; p++) {
		g = rt_gap_between(nd->l.last[p - 1], nd->l.fv[p].first);
		new_local = g > new_local ? g : new_local;
	}
	refresh_up(t, f->node, f->slot, h, old_local, new_local);
	/* The path is still valid: the next store nearby starts here.  The
	 * other finger stays valid unless it is on this leaf (whose entries
	 * may now reach past its range) or its range holds the new entry. */
	if (descended) {
		f->lo = lo;
		f->hi = hi;
	}
	o = rt_finger_other(t, f);
	if (o->node[h] == nd || (first <= o->hi && last >= o->lo))
		rt_finger_drop(o);
	rt_finger_use(t, f);
	return true;
}

/* store_in_leaf() out of line, for the rare second try (rt_store()): the
 * common first try stays inlined there. */
static __attribute__((noinline))
bool store_in_leaf_retry(struct rt_tree *t, uint64_t first, uint64_t last,
			 void *value, uint64_t *past)
{
	return store_in_leaf(t, first, last, value, past);
}

int rt_store(struct rt_tree *t, uint64_t first, uint64_t last, void *value)
{
	struct rt_item rep[3];
	struct rt_cursor c;
	struct rt_entry e;
	bool grows = value != NULL;
	uint64_t past = 0, past_e = 0;
	unsigned k = 0, h;
	int err;

	ASSERT(first <= last);
	/* With height + 1 spares in hand (nearly always: a reservation or
	 * the kept pool) nothing needs allocating; otherwise a store that
	 * can add an entry fills the spares, and so does an erase of the
	 * middle of one entry. */
	if (t->nspare < t->height + 1u) {
		if (!value && rt_load_quiet(t, first, &e) &&
		    e.first < first && e.last > last)
			grows = true;
		if (grows) {
			err = rt_spare_fill(t, t->height + 1u);
			if (err)
				return err;   /* nothing changed */
		}
	}
	/* Point of no return: below, only spares are used. */

	if (store_in_leaf(t, first, last, value, &past))
		goto out;
	/*
	 * Reaching past the leaf (a merge of a leaf's last VMA with the
	 * next leaf's first ones): erase the part past it in place first,
	 * then the rest of the store fits in the leaf, as its range now
	 * reaches the next leaf's new first entry.  The same content as one
	 * store: [past, last] is overwritten by it anyway.  The erase only
	 * removes or trims (no entry of the next leaf starts below past, so
	 * none is split), so it never needs a spare; if either step does not
	 * fit in place the general path below finishes the store (the erase
	 * done or not, the result is the same).
	 */
	if (past && store_in_leaf_retry(t, past, last, NULL, &past_e) &&
	    store_in_leaf_retry(t, first, last, value, &past_e))
		goto out;
	rt_fingers_drop(t);     /* rebalancing may move or free nodes */
	remove_inside(t, first, last);

	rtc_init(&c, t);
	if (rtc_find_quiet(&c, first, &e) && e.first < first && e.last > last) {
		/* One entry covers [first, last] and more on both sides. */
		rep[k++] = (struct rt_item){ e.first, first - 1, 0, e.value };
		if (value)
			rep[k++] = (struct rt_item){ first, last, 0, value };
		rep[k++] = (struct rt_item){ last + 1, e.last, 0, e.value };
		h = t->height - 1;
		leaf_edit(t, &c, c.slot[h], c.slot[h] + 1, rep, k);
		t->count += k - 1;
		goto out;
	}
	if (c.depth && e.first < first) {
		/* trim the entry reaching into the range from below */
		h = t->height - 1;
		c.node[h]->l.last[c.slot[h]] = first - 1;
		fix_summaries(t, &c, h);
		rtc_next(&c, &e);
	}
	if (c.depth && e.first <= last) {
		/* trim the entry reaching out of the range above */
		ASSERT(e.last > last);
		h = t->height - 1;
		c.node[h]->l.fv[c.slot[h]].first = last + 1;
		fix_summaries(t, &c, h);
	}
	if (value) {
		rep[0] = (struct rt_item){ first, last, 0, value };
		if (!t->root) {
			struct rt_node *nd = rt_spare_get(t);

			write_items(nd, true, rep, 1);
			t->root = nd;
			t->height = 1;
		} else {
			seek_insert(t, &c, first);
			h = t->height - 1;
			leaf_edit(t, &c, c.slot[h], c.slot[h], rep, 1);
		}
		t->count++;
	}
out:
	if (t->reserved)
		t->reserved--;
	rt_spare_trim(t);
	return 0;
}

int rt_erase(struct rt_tree *t, uint64_t first, uint64_t last)
{
	return rt_store(t, first, last, NULL);
}

int rt_reserve_slow(struct rt_tree *t, unsigned nstores)
{
	int err = rt_spare_fill(t, rt_spares_needed(t->height, t->count,
						    t->reserved + nstores));

	if (err)
		return err;
	t->reserved += nstores;
	return 0;
}

