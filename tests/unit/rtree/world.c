/*
 * world.c - the shared scaffolding of the range-tree tests (world.h).
 */
#include "world.h"

void world_init(struct world *w, uint64_t seed, uint64_t base, uint64_t span,
		uint64_t maxlen)
{
	rt_init(&w->t);
	ref_init(&w->ref);
	w->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	w->base = base;
	w->span = span;
	w->maxlen = maxlen ? maxlen : 1;
	w->vals = 0;
	w->wild = 16;
}

void world_free(struct world *w)
{
	rt_destroy(&w->t);
	ref_free(&w->ref);
}

uint64_t world_rnd(struct world *w)
{
	/* splitmix64 */
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t world_index(struct world *w)
{
	uint64_t r = world_rnd(w) % 16;

	if (r == 0)
		return world_rnd(w) % 4;
	if (r == 1)
		return UINT64_MAX - world_rnd(w) % 4;
	if (r <= 4 && w->ref.n) {
		struct rt_entry *e = &w->ref.e[world_rnd(w) % w->ref.n];
		uint64_t x = world_rnd(w) % 2 ? e->first : e->last;

		switch (world_rnd(w) % 3) {
		case 0:
			return x;
		case 1:
			return x - 1;      /* wraps at 0: an edge too */
		default:
			return x + 1;
		}
	}
	if (w->span == UINT64_MAX)
		return world_rnd(w);
	return w->base + world_rnd(w) % (w->span + 1);
}

void world_range(struct world *w, uint64_t *first, uint64_t *last)
{
	uint64_t a = world_index(w), len;

	if (world_rnd(w) % w->wild == 0)
		len = world_rnd(w);                        /* anything */
	else if (world_rnd(w) % 16 == 0)
		len = 1 + world_rnd(w) % (8 * w->maxlen);  /* wide */
	else
		len = 1 + world_rnd(w) % w->maxlen;
	if (len == 0)
		len = 1;
	*first = a;
	*last = len - 1 > UINT64_MAX - a ? UINT64_MAX : a + (len - 1);
}

void *world_value(struct world *w)
{
	return (void *)(uintptr_t)(++w->vals << 4);
}

int world_same(struct world *w)
{
	struct rt_cursor c;
	struct rt_entry e;
	struct rt_tree keep = w->t;   /* the walk below moves a finger */
	uint64_t i = 0;
	void *v;

	if (rt_check(&w->t))
		FAILF("rt_check failed");
	ASSERT_EQ(rt_count(&w->t), w->ref.n);
	rtc_init(&c, &w->t);
	for (v = rtc_find(&c, 0, &e); v; v = rtc_next(&c, &e), i++) {
		struct rt_entry *r = &w->ref.e[i];

		if (i >= w->ref.n)
			FAILF("tree has more entries than the reference");
		if (e.first != r->first || e.last != r->last ||
		    e.value != r->value)
			FAILF("entry %" PRIu64 ": tree %" PRIx64 "-%" PRIx64
			      " %p, reference %" PRIx64 "-%" PRIx64 " %p", i,
			      e.first, e.last, e.value, r->first, r->last,
			      r->value);
	}
	ASSERT_EQ(i, w->ref.n);
	/* put the fingers back (lookups only cache paths in them), so
	 * the next operation meets the fingers the last one left */
	w->t.fcur = keep.fcur;
	memcpy(w->t.f, keep.f, sizeof(keep.f));
	return PASS;
}
