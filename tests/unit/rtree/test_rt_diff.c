/*
 * test_rt_diff.c - randomized differential test of the range tree against
 * the sorted-array reference: over 1,000,000 operations (an eighth under
 * sanitizers) across many seeds and index spaces, mixing overlapping
 * stores, erases (now and then of a wide range, emptying many leaves),
 * every lookup, iteration and gap searches at the sizes of the gaps that
 * exist.  After every operation rt_check() runs and the whole content is
 * compared.
 */
#include <errno.h>

#include "internal.h"
#include "world.h"

static int same_entry(void *v, const struct rt_entry *e, void *rv,
		      const struct rt_entry *r, const char *what, uint64_t x)
{
	if (v != rv || e->value != r->value ||
	    (v && (e->first != r->first || e->last != r->last)))
		FAILF("%s(%" PRIx64 "): tree %p %" PRIx64 "-%" PRIx64
		      ", reference %p %" PRIx64 "-%" PRIx64, what, x, v,
		      e->first, e->last, rv, r->first, r->last);
	return PASS;
}

static int check_lookups(struct world *w, uint64_t x)
{
	struct rt_entry e, r;
	void *v, *rv;

	v = rt_load(&w->t, x, &e);
	rv = ref_load(&w->ref, x, &r);
	if (!v)
		e = (struct rt_entry){ 0, 0, NULL };
	CHECK(same_entry(v, &e, rv, &r, "load", x));
	v = rt_find(&w->t, x, &e);
	rv = ref_find(&w->ref, x, &r);
	CHECK(same_entry(v, &e, rv, &r, "find", x));
	v = rt_find_rev(&w->t, x, &e);
	rv = ref_find_rev(&w->ref, x, &r);
	CHECK(same_entry(v, &e, rv, &r, "find_rev", x));
	v = rt_next(&w->t, x, &e);
	rv = ref_next(&w->ref, x, &r);
	CHECK(same_entry(v, &e, rv, &r, "next", x));
	v = rt_prev(&w->t, x, &e);
	rv = ref_prev(&w->ref, x, &r);
	CHECK(same_entry(v, &e, rv, &r, "prev", x));
	return PASS;
}

static int check_gap(struct world *w, uint64_t lo, uint64_t hi, uint64_t size)
{
	uint64_t a = 1, b = 2, ra = 3, rb = 4;
	int err, rerr;

	err = rt_gap_lowest(&w->t, lo, hi, size, &a, &b);
	rerr = ref_gap_lowest(&w->ref, lo, hi, size, &ra, &rb);
	if (err != rerr || (!err && (a != ra || b != rb)))
		FAILF("gap_lowest(%" PRIx64 ", %" PRIx64 ", %" PRIx64 "): tree"
		      " %d %" PRIx64 "-%" PRIx64 ", reference %d %" PRIx64
		      "-%" PRIx64, lo, hi, size, err, a, b, rerr, ra, rb);
	err = rt_gap_highest(&w->t, lo, hi, size, &a, &b);
	rerr = ref_gap_highest(&w->ref, lo, hi, size, &ra, &rb);
	if (err != rerr || (!err && (a != ra || b != rb)))
		FAILF("gap_highest(%" PRIx64 ", %" PRIx64 ", %" PRIx64 "): "
		      "tree %d %" PRIx64 "-%" PRIx64 ", reference %d %" PRIx64
		      "-%" PRIx64, lo, hi, size, err, a, b, rerr, ra, rb);
	return PASS;
}

/* Gap searches at every size a gap of the tree has (and one more), with a
 * random window, or the whole index space. */
static int check_gaps(struct world *w)
{
	uint64_t lo = world_index(w), hi = world_index(w), gf, gl, i, step;

	if (world_rnd(w) % 4 == 0) {
		lo = 0;
		hi = UINT64_MAX;
	} else if (lo > hi && world_rnd(w) % 8) {
		uint64_t x = lo;

		lo = hi;
		hi = x;
	}
	CHECK(check_gap(w, lo, hi, 1));
	CHECK(check_gap(w, lo, hi, 1 + world_rnd(w) % (4 * w->maxlen)));
	CHECK(check_gap(w, lo, hi, world_rnd(w)));
	CHECK(check_gap(w, lo, hi, UINT64_MAX));
	step = w->ref.n / 8 + 1;
	for (i = world_rnd(w) % step; i <= w->ref.n; i += step) {
		if (!ref_gap_at(&w->ref, i, &gf, &gl))
			continue;
		CHECK(check_gap(w, lo, hi, gl - gf + 1));
		CHECK(check_gap(w, lo, hi, gl - gf + 2));
		CHECK(check_gap(w, 0, UINT64_MAX, gl - gf + 1));
		CHECK(check_gap(w, gf, gl, gl - gf + 1));
	}
	return PASS;
}

struct collect {
	struct rt_entry e[64];
	unsigned n;
};

static int collect_fn(const struct rt_entry *e, void *arg)
{
	struct collect *c = arg;

	c->e[c->n++] = *e;
	return c->n == 64;          /* stop early: exercises the return */
}

static int check_iter(struct world *w)
{
	struct collect c = { .n = 0 };
	uint64_t lo = world_index(w), hi = world_index(w), i, k = 0;
	int r;

	if (lo > hi) {
		uint64_t x = lo;

		lo = hi;
		hi = x;
	}
	r = rt_iter(&w->t, lo, hi, collect_fn, &c);
	for (i = 0; i < w->ref.n && k < 64; i++) {
		struct rt_entry *e = &w->ref.e[i];

		if (e->last < lo || e->first > hi)
			continue;
		if (k >= c.n || c.e[k].first != e->first ||
		    c.e[k].last != e->last || c.e[k].value != e->value)
			FAILF("iter(%" PRIx64 ", %" PRIx64 ") entry %" PRIu64,
			      lo, hi, k);
		k++;
	}
	ASSERT_EQ(k, c.n);
	ASSERT_EQ(r, c.n == 64);
	return PASS;
}

/* One random operation, then the full comparison. */
static int step(struct world *w, bool grow)
{
	uint64_t first, last, r = grow ? 0 : world_rnd(w) % 100;
	int i;

	if (r < 45) {
		void *v = world_value(w);

		world_range(w, &first, &last);
		ASSERT_EQ(rt_store(&w->t, first, last, v), 0);
		ref_store(&w->ref, first, last, v);
	} else if (r < 58) {
		world_range(w, &first, &last);
		if (world_rnd(w) % (w->wild * 4) == 0) {
			/* a wide erase across many leaves */
			first = world_index(w);
			last = first + world_rnd(w) % (w->span / 4 + 1);
			if (last < first)
				last = UINT64_MAX;
		}
		ASSERT_EQ(rt_erase(&w->t, first, last), 0);
		ref_store(&w->ref, first, last, NULL);
	} else if (r < 70) {
		for (i = 0; i < 4; i++)
			CHECK(check_lookups(w, world_index(w)));
	} else if (r < 80) {
		CHECK(check_gaps(w));
	} else if (r < 88) {
		CHECK(check_iter(w));
	} else if (r < 93) {
		/* reserve, then store what was reserved */
		unsigned n = 1 + world_rnd(w) % 4, j;

		ASSERT_EQ(rt_reserve(&w->t, n), 0);
		for (j = 0; j < n; j++) {
			void *v = world_value(w);

			world_range(w, &first, &last);
			ASSERT_EQ(rt_store(&w->t, first, last, v), 0);
			ref_store(&w->ref, first, last, v);
		}
	} else if (r < 95) {
		ASSERT_EQ(rt_reserve(&w->t, 1 + world_rnd(w) % 3), 0);
		rt_unreserve(&w->t);
	} else {
		/* re-store an existing entry exactly, or a piece of it */
		if (!w->ref.n)
			return PASS;
		struct rt_entry e = w->ref.e[world_rnd(w) % w->ref.n];
		void *v = world_value(w);

		if (world_rnd(w) % 2 && e.last > e.first)
			e.first += world_rnd(w) % (e.last - e.first);
		ASSERT_EQ(rt_store(&w->t, e.first, e.last, v), 0);
		ref_store(&w->ref, e.first, e.last, v);
	}
	return world_same(w);
}

static int run(uint64_t seed, uint64_t base, uint64_t span, uint64_t maxlen,
	       long ops, uint64_t wild, long grow)
{
	struct world w;
	size_t before = as_bytes_in_use;
	long i;
	int r = PASS;

	world_init(&w, seed, base, span, maxlen);
	w.wild = wild;
	for (i = 0; i < grow + ops && r == PASS; i++) {
		r = step(&w, i < grow);
		if (r != PASS)
			fprintf(stderr, "  seed %" PRIu64 " op %ld\n", seed, i);
	}
	world_free(&w);
	if (r == PASS && as_bytes_in_use != before)
		FAILF("leak: %zu bytes", as_bytes_in_use - before);
	return r;
}

#define OPS(n) ((long)(n) / (RT_TEST_SAN ? 8 : 1))

/* Dense: a few hundred indices, many overlaps, trees of 1-3 levels. */
TEST(rt_diff_dense)
{
	for (uint64_t s = 1; s <= 35; s++)
		CHECK(run(s, 0, 300 + s * 20, 1 + s % 12, OPS(20000), 16, 0));
	return PASS;
}

/* Sparse: short ranges over a wide space, so the tree grows to thousands
 * of entries and 3-4 levels; wide erases shrink it again. */
TEST(rt_diff_deep)
{
	for (uint64_t s = 1; s <= 3; s++)
		CHECK(run(100 + s, 1ull << 40, 1ull << 22, 4, OPS(5000),
			  8192, OPS(3000 + 500 * s)));
	return PASS;
}

/* The whole 64-bit space, ranges of any length, edges 0 and UINT64_MAX. */
TEST(rt_diff_huge)
{
	for (uint64_t s = 1; s <= 12; s++)
		CHECK(run(200 + s, 0, UINT64_MAX, 1ull << (4 * s), OPS(15000), 16 * s, 0));
	return PASS;
}

/* Near the top of the space: entries ending at UINT64_MAX are common. */
TEST(rt_diff_top)
{
	for (uint64_t s = 1; s <= 12; s++)
		CHECK(run(300 + s, UINT64_MAX - 500, 500, 1 + s, OPS(10000), 16, 0));
	return PASS;
}

/*
 * One store or erase next to the last one (*at drifts a little each
 * time), then every lookup at and around its ends: the finger (rt.h)
 * serves most of these without a descent, including indices in the gaps
 * just outside its leaf.
 */
static int finger_step(struct world *w, uint64_t *at)
{
	uint64_t first, last, x, r = world_rnd(w) % 8;
	void *v = r < 5 ? world_value(w) : NULL;

	*at += world_rnd(w) % 64;
	*at -= 32;
	if (*at < w->base || *at > w->base + w->span)
		*at = w->base + w->span / 2;
	first = *at + world_rnd(w) % 16;
	last = first + world_rnd(w) % (r == 7 ? 64 : 6);
	ASSERT_EQ(rt_store(&w->t, first, last, v), 0);
	ref_store(&w->ref, first, last, v);
	for (x = first - 2; x != last + 3; x++)
		CHECK(check_lookups(w, x));
	for (int i = 0; i < 4; i++)
		CHECK(check_lookups(w, *at - 64 + world_rnd(w) % 160));
	return world_same(w);
}

/*
 * A tree of thousands of entries grown at random, then operations at one
 * drifting spot (@two false: as a VMA operation does: finger hits, and
 * stores that rebalance and must drop it), or at two spots in turn (@two:
 * as mremap moves a mapping from one place to another and back: a store
 * or erase at one, lookups at both, so each finger (rt.h) serves one spot
 * and the least recently used one is replaced; now and then the spots
 * come within a few entries of each other (one leaf, or neighbouring
 * leaves whose finger ranges share a gap), where a store through one
 * finger must drop the other).  rt_check() after every operation
 * verifies the fingers.
 */
static int finger_run(uint64_t seed, bool two)
{
	struct world w;
	size_t before = as_bytes_in_use;
	uint64_t at[2] = { 0, 0 };
	long i;
	int r = PASS;

	world_init(&w, seed, 1ull << 32, 1ull << 16, 4);
	w.wild = 8192;
	for (i = 0; i < OPS(4000) && r == PASS; i++)
		r = step(&w, true);
	at[1] = w.base + w.span / 4;
	for (i = 0; i < OPS(two ? 8000 : 6000) && r == PASS; i++) {
		uint64_t *a = &at[two && (i & 1)], *b = &at[!(two && (i & 1))];

		if (two && world_rnd(&w) % 64 == 0)
			*b = *a + world_rnd(&w) % 96;   /* close by */
		r = finger_step(&w, a);
		for (int j = 0; two && j < 2 && r == PASS; j++)
			r = check_lookups(&w, *b - 8 + world_rnd(&w) % 24);
	}
	if (r != PASS)
		fprintf(stderr, "  seed %" PRIu64 " op %ld\n", seed, i);
	world_free(&w);
	CHECK(r);
	if (as_bytes_in_use != before)
		FAILF("leak: %zu bytes", as_bytes_in_use - before);
	return PASS;
}

TEST(rt_diff_finger)
{
	for (uint64_t s = 1; s <= 3; s++)
		CHECK(finger_run(400 + s, false));
	return PASS;
}

TEST(rt_diff_two_fingers)
{
	for (uint64_t s = 1; s <= 3; s++)
		CHECK(finger_run(500 + s, true));
	return PASS;
}
