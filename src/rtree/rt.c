/*
 * rt.c - PROVISIONAL sorted-array implementation of rt.h, used only until
 * the B+tree lands (issue 2).  It is simple and obviously correct, and it
 * becomes the reference implementation of the tree's differential test.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "rtree/rt.h"

struct rt_node {
	uint64_t cap;
	struct rt_entry e[];
};

void rt_init(struct rt_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void rt_destroy(struct rt_tree *t)
{
	if (t->root)
		as_free(t->root, sizeof(struct rt_node) +
			t->root->cap * sizeof(struct rt_entry));
	rt_init(t);
}

static struct rt_entry *ents(const struct rt_tree *t)
{
	return t->root ? t->root->e : NULL;
}

/* index of the first entry with last >= index */
static uint64_t lower(const struct rt_tree *t, uint64_t index)
{
	uint64_t lo = 0, hi = t->count;
	struct rt_entry *e = ents(t);

	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;

		if (e[mid].last < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void *give(const struct rt_entry *src, struct rt_entry *e)
{
	if (!src)
		return NULL;
	if (e)
		*e = *src;
	return src->value;
}

void *rt_load(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(t, index);

	if (i < t->count && ents(t)[i].first <= index)
		return give(&ents(t)[i], e);
	return NULL;
}

void *rt_find(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(t, index);

	return i < t->count ? give(&ents(t)[i], e) : NULL;
}

void *rt_find_rev(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(t, index);

	if (i < t->count && ents(t)[i].first <= index)
		return give(&ents(t)[i], e);
	return i ? give(&ents(t)[i - 1], e) : NULL;
}

void *rt_next(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(t, index);

	if (i < t->count && ents(t)[i].first <= index)
		i++;
	return i < t->count ? give(&ents(t)[i], e) : NULL;
}

void *rt_prev(const struct rt_tree *t, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(t, index);

	return i ? give(&ents(t)[i - 1], e) : NULL;
}

static int grow(struct rt_tree *t, uint64_t need)
{
	uint64_t cap = t->root ? t->root->cap : 0, ncap;
	struct rt_node *n;

	if (need <= cap)
		return 0;
	ncap = cap ? cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = as_alloc(sizeof(*n) + ncap * sizeof(struct rt_entry));
	if (!n)
		return -ENOMEM;
	n->cap = ncap;
	if (t->root) {
		memcpy(n->e, t->root->e, t->count * sizeof(struct rt_entry));
		as_free(t->root, sizeof(*n) + cap * sizeof(struct rt_entry));
	}
	t->root = n;
	t->bytes = sizeof(*n) + ncap * sizeof(struct rt_entry);
	return 0;
}

int rt_reserve(struct rt_tree *t, unsigned nstores)
{
	int err = grow(t, t->count + 2ull * (t->reserved + nstores));

	if (!err)
		t->reserved += nstores;
	return err;
}

void rt_unreserve(struct rt_tree *t)
{
	t->reserved = 0;
}

int rt_store(struct rt_tree *t, uint64_t first, uint64_t last, void *value)
{
	uint64_t i, j, k;
	struct rt_entry *e, head = { 0 }, tail = { 0 };
	int err, nnew = 0;

	ASSERT(first <= last);
	err = grow(t, t->count + 2);
	if (err) {
		ASSERT(!t->reserved);
		return err;
	}
	if (t->reserved)
		t->reserved--;
	e = ents(t);
	i = lower(t, first);
	j = i;
	while (j < t->count && e[j].first <= last)
		j++;
	/* entries i..j-1 overlap [first, last] */
	if (i < j && e[i].first < first) {
		head = e[i];
		head.last = first - 1;
		nnew++;
	}
	if (i < j && e[j - 1].last > last) {
		tail = e[j - 1];
		tail.first = last + 1;
		nnew++;
	}
	if (value)
		nnew++;
	k = i + nnew;
	memmove(&e[k], &e[j], (t->count - j) * sizeof(*e));
	t->count = t->count - (j - i) + nnew;
	if (head.value)
		e[i++] = head;
	if (value)
		e[i++] = (struct rt_entry){ first, last, value };
	if (tail.value)
		e[i++] = tail;
	return 0;
}

int rt_erase(struct rt_tree *t, uint64_t first, uint64_t last)
{
	return rt_store(t, first, last, NULL);
}

/* gap between entries (or bounds) clipped to [lo, hi] */
static bool clip(uint64_t gf, uint64_t gl, uint64_t lo, uint64_t hi,
		 uint64_t size, uint64_t *a, uint64_t *b)
{
	if (gf < lo)
		gf = lo;
	if (gl > hi)
		gl = hi;
	if (gf > gl || gl - gf + 1 < size)
		return false;
	*a = gf;
	*b = gl;
	return true;
}

int rt_gap_lowest(const struct rt_tree *t, uint64_t lo, uint64_t hi,
		  uint64_t size, uint64_t *gfirst, uint64_t *glast)
{
	struct rt_entry *e = ents(t);
	uint64_t i, prev_end = 0;
	bool have_prev = false;

	for (i = 0; i <= t->count; i++) {
		uint64_t gf = have_prev ? prev_end + 1 : 0, gl;

		if (have_prev && prev_end == UINT64_MAX)
			break;
		if (i < t->count) {
			if (e[i].first == 0) {
				have_prev = true;
				prev_end = e[i].last;
				continue;
			}
			gl = e[i].first - 1;
		} else {
			gl = UINT64_MAX;
		}
		if (gf <= gl && clip(gf, gl, lo, hi, size, gfirst, glast))
			return 0;
		if (i < t->count) {
			have_prev = true;
			prev_end = e[i].last;
		}
	}
	return -ENOMEM;
}

int rt_gap_highest(const struct rt_tree *t, uint64_t lo, uint64_t hi,
		   uint64_t size, uint64_t *gfirst, uint64_t *glast)
{
	struct rt_entry *e = ents(t);
	uint64_t i = t->count + 1;

	while (i-- > 0) {
		uint64_t gf, gl;

		if (i < t->count) {
			if (e[i].last == UINT64_MAX)
				continue;
			gf = e[i].last + 1;
		} else {
			gf = t->count ? e[t->count - 1].last + 1 : 0;
			if (t->count && e[t->count - 1].last == UINT64_MAX)
				continue;
		}
		if (i == t->count) {
			gl = UINT64_MAX;
		} else {
			gl = i + 1 < t->count ? e[i + 1].first - 1 : UINT64_MAX;
		}
		/* gap after entry i (or before entry 0 handled below) */
		if (i == t->count)
			continue;
		if (gf <= gl && clip(gf, gl, lo, hi, size, gfirst, glast))
			return 0;
	}
	/* the gap after the last entry was covered by i = count - 1; the gap
	 * before the first entry: */
	if (t->count == 0)
		return clip(0, UINT64_MAX, lo, hi, size, gfirst, glast) ?
			0 : -ENOMEM;
	if (e[0].first > 0 && clip(0, e[0].first - 1, lo, hi, size,
				   gfirst, glast))
		return 0;
	return -ENOMEM;
}

int rt_iter(const struct rt_tree *t, uint64_t lo, uint64_t hi,
	    int (*fn)(const struct rt_entry *e, void *arg), void *arg)
{
	uint64_t i;
	int r;

	for (i = lower(t, lo); i < t->count && ents(t)[i].first <= hi; i++) {
		r = fn(&ents(t)[i], arg);
		if (r)
			return r;
	}
	return 0;
}

int rt_check(const struct rt_tree *t)
{
	uint64_t i;
	struct rt_entry *e = ents(t);

	for (i = 0; i < t->count; i++) {
		if (e[i].first > e[i].last || !e[i].value ||
		    (i && e[i - 1].last >= e[i].first)) {
			fprintf(stderr, "rt: bad entry %" PRIu64 "\n", i);
			return -1;
		}
	}
	return 0;
}
