/*
 * rt_check.c - rt_check(): verifies every invariant of a range tree from
 * scratch, without trusting any cached value: entry order and bounds,
 * node fill, equal leaf depth, every inner summary against its child,
 * the entry count, the spare list and the byte count.
 */
#include <inttypes.h>

#include "rtree/rt_node.h"

#define BAD(...)							\
	do {								\
		fprintf(stderr, "rt_check: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		return -1;						\
	} while (0)

/* Structure and summaries, depth first with an explicit stack. */
static int check_nodes(const struct rt_tree *t, uint64_t *nodes)
{
	struct { const struct rt_node *nd; unsigned depth; }
		st[RT_MAX_HEIGHT * RT_INNER_CAP];
	unsigned sp = 0, i;

	*nodes = 0;
	st[sp].nd = t->root;
	st[sp++].depth = 0;
	while (sp) {
		const struct rt_node *nd = st[--sp].nd;
		unsigned depth = st[sp].depth;
		bool leaf = depth + 1 == t->height;
		unsigned cap = leaf ? RT_LEAF_CAP : RT_INNER_CAP;
		unsigned min = depth == 0 ? (leaf ? 1 : 2) :
			(leaf ? RT_LEAF_MIN : RT_INNER_MIN);

		(*nodes)++;
		if (nd->n < min || nd->n > cap)
			BAD("node at depth %u holds %u (bounds %u..%u)",
			    depth, nd->n, min, cap);
		for (i = nd->n; i < cap; i++)
			if ((leaf ? nd->l.last[i] : nd->i.last[i]) != RT_KEY_PAD)
				BAD("depth %u slot %u of %u: key %" PRIx64
				    " where padding belongs", depth, i, nd->n,
				    leaf ? nd->l.last[i] : nd->i.last[i]);
		if (leaf)
			continue;
		for (i = 0; i < nd->n; i++) {
			const struct rt_node *ch = nd->i.child[i];
			struct rt_item s;

			if (!ch)
				BAD("NULL child at depth %u", depth);
			if (ch->n == 0 || ch->n > RT_LEAF_CAP)
				BAD("child at depth %u holds %u", depth + 1,
				    ch->n);
			rt_summarise(ch, depth + 2 == t->height, &s);
			if (s.first != nd->i.first[i] ||
			    s.last != nd->i.last[i] || s.gap != nd->i.gap[i])
				BAD("depth %u slot %u: summary %" PRIx64 "-%"
				    PRIx64 " gap %" PRIx64 ", child says %"
				    PRIx64 "-%" PRIx64 " gap %" PRIx64, depth,
				    i, nd->i.first[i], nd->i.last[i],
				    nd->i.gap[i], s.first, s.last, s.gap);
			if (sp >= RT_MAX_HEIGHT * RT_INNER_CAP)
				BAD("too deep");
			st[sp].nd = ch;
			st[sp++].depth = depth + 1;
		}
	}
	return 0;
}

/* Put @c on slot @j of finger @f's leaf. */
static void cursor_at_finger(const struct rt_tree *t,
			     const struct rt_finger *f, struct rt_cursor *c,
			     unsigned j)
{
	unsigned d;

	rtc_init(c, t);
	for (d = 0; d < t->height; d++) {
		c->node[d] = f->node[d];
		c->slot[d] = d + 1 < t->height ? f->slot[d] : j;
	}
	c->depth = t->height;
}

/* A valid finger is a real path from the root to a leaf, and its range
 * [lo, hi] holds its leaf and no entry of another leaf. */
static int check_finger(const struct rt_tree *t, const struct rt_finger *f)
{
	const struct rt_node *lf;
	struct rt_cursor c;
	struct rt_entry e;
	unsigned d;

	if (!rt_finger_ok(f))
		return 0;
	if (!t->root || f->node[0] != t->root)
		BAD("finger %u does not start at the root",
		    (unsigned)(f - t->f));
	for (d = 0; d + 1 < t->height; d++)
		if (f->slot[d] >= f->node[d]->n ||
		    f->node[d]->i.child[f->slot[d]] != f->node[d + 1])
			BAD("finger %u broken at level %u",
			    (unsigned)(f - t->f), d);
	lf = f->node[t->height - 1];
	if (f->lo > lf->l.fv[0].first || f->hi < lf->l.last[lf->n - 1])
		BAD("finger range %" PRIx64 "-%" PRIx64 " misses its leaf",
		    f->lo, f->hi);
	cursor_at_finger(t, f, &c, 0);
	if (rtc_prev(&c, &e) && e.last >= f->lo)
		BAD("finger range starts at %" PRIx64 ", inside the entry"
		    " %" PRIx64 "-%" PRIx64 " before its leaf", f->lo,
		    e.first, e.last);
	cursor_at_finger(t, f, &c, lf->n - 1);
	if (rtc_next(&c, &e) && e.first <= f->hi)
		BAD("finger range ends at %" PRIx64 ", inside the entry"
		    " %" PRIx64 "-%" PRIx64 " after its leaf", f->hi,
		    e.first, e.last);
	return 0;
}

int rt_check(const struct rt_tree *t)
{
	struct rt_cursor c;
	struct rt_entry e;
	uint64_t n = 0, nodes = 0, prev_last = 0, spares = 0;
	const struct rt_node *sp;
	void *v;

	if (!t->root) {
		if (t->height || t->count)
			BAD("empty tree with height %u count %" PRIu64,
			    t->height, t->count);
	} else {
		if (t->height == 0 || t->height > RT_MAX_HEIGHT)
			BAD("height %u", t->height);
		if (check_nodes(t, &nodes))
			return -1;
	}
	if (t->fcur > 1)
		BAD("fcur %u", t->fcur);
	if (check_finger(t, &t->f[0]) || check_finger(t, &t->f[1]))
		return -1;
	rtc_init(&c, t);
	for (v = rtc_find_quiet(&c, 0, &e); v; v = rtc_next(&c, &e)) {
		if (e.first > e.last)
			BAD("entry %" PRIx64 "-%" PRIx64 " reversed",
			    e.first, e.last);
		if (n && e.first <= prev_last)
			BAD("entry %" PRIx64 "-%" PRIx64 " overlaps or is"
			    " out of order after ..%" PRIx64, e.first, e.last,
			    prev_last);
		prev_last = e.last;
		n++;
	}
	if (n != t->count)
		BAD("count %" PRIu64 ", found %" PRIu64, t->count, n);
	for (sp = t->spare; sp; sp = sp->next_spare)
		spares++;
	if (spares != t->nspare)
		BAD("nspare %u, list holds %" PRIu64, t->nspare, spares);
	if (spares < rt_spares_needed(t->height, t->count, t->reserved))
		BAD("%" PRIu64 " spares for %u reserved stores at height %u",
		    spares, t->reserved, t->height);
	if (t->bytes != (nodes + spares) * RT_NODE_SIZE)
		BAD("bytes %zu, nodes %" PRIu64 " + spares %" PRIu64
		    " of %zu", t->bytes, nodes, spares, RT_NODE_SIZE);
	return 0;
}
