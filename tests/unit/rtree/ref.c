/*
 * ref.c - the sorted-array reference range tree (ref.h).  Every operation
 * is the obvious O(n) or O(log n) one on a sorted array; gap searches walk
 * the gaps in order.  No cleverness, so a disagreement is the B+tree's bug.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ref.h"

void ref_init(struct ref *r)
{
	memset(r, 0, sizeof(*r));
}

void ref_free(struct ref *r)
{
	free(r->e);
	ref_init(r);
}

/* index of the first entry with last >= index */
static uint64_t lower(const struct ref *r, uint64_t index)
{
	uint64_t lo = 0, hi = r->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (r->e[mid].last < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void *give(const struct rt_entry *src, struct rt_entry *e)
{
	if (!src) {
		if (e)
			*e = (struct rt_entry){ 0, 0, NULL };
		return NULL;
	}
	if (e)
		*e = *src;
	return src->value;
}

void *ref_load(const struct ref *r, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(r, index);

	if (i < r->n && r->e[i].first <= index)
		return give(&r->e[i], e);
	return give(NULL, e);
}

void *ref_find(const struct ref *r, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(r, index);

	return give(i < r->n ? &r->e[i] : NULL, e);
}

void *ref_find_rev(const struct ref *r, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(r, index);

	if (i < r->n && r->e[i].first <= index)
		return give(&r->e[i], e);
	return give(i ? &r->e[i - 1] : NULL, e);
}

void *ref_next(const struct ref *r, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(r, index);

	if (i < r->n && r->e[i].first <= index)
		i++;
	return give(i < r->n ? &r->e[i] : NULL, e);
}

void *ref_prev(const struct ref *r, uint64_t index, struct rt_entry *e)
{
	uint64_t i = lower(r, index);

	return give(i ? &r->e[i - 1] : NULL, e);
}

void ref_store(struct ref *r, uint64_t first, uint64_t last, void *value)
{
	struct rt_entry head = { 0 }, tail = { 0 };
	uint64_t i, j, k, nnew = 0;

	if (r->n + 3 > r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->e = realloc(r->e, r->cap * sizeof(*r->e));
		if (!r->e)
			abort();
	}
	i = lower(r, first);
	for (j = i; j < r->n && r->e[j].first <= last; j++)
		;
	/* entries i..j-1 overlap [first, last] */
	if (i < j && r->e[i].first < first) {
		head = r->e[i];
		head.last = first - 1;
		nnew++;
	}
	if (i < j && r->e[j - 1].last > last) {
		tail = r->e[j - 1];
		tail.first = last + 1;
		nnew++;
	}
	if (value)
		nnew++;
	k = i + nnew;
	memmove(&r->e[k], &r->e[j], (r->n - j) * sizeof(*r->e));
	r->n = r->n - (j - i) + nnew;
	if (head.value)
		r->e[i++] = head;
	if (value)
		r->e[i++] = (struct rt_entry){ first, last, value };
	if (tail.value)
		r->e[i++] = tail;
}

bool ref_gap_at(const struct ref *r, uint64_t i, uint64_t *gf, uint64_t *gl)
{
	uint64_t a, b;

	/* the gap just before entry i (i == n: after the last entry) */
	if (i > r->n)
		return false;
	if (i == 0) {
		a = 0;
	} else {
		if (r->e[i - 1].last == UINT64_MAX)
			return false;
		a = r->e[i - 1].last + 1;
	}
	if (i < r->n) {
		if (r->e[i].first == a)
			return false;  /* touching: no gap here */
		b = r->e[i].first - 1;
	} else {
		b = UINT64_MAX;
	}
	*gf = a;
	*gl = b;
	return true;
}

static bool clip(uint64_t gf, uint64_t gl, uint64_t lo, uint64_t hi,
		 uint64_t size, uint64_t *a, uint64_t *b)
{
	if (gf < lo)
		gf = lo;
	if (gl > hi)
		gl = hi;
	if (gf > gl || gl - gf < size - 1)
		return false;
	*a = gf;
	*b = gl;
	return true;
}

int ref_gap_lowest(const struct ref *r, uint64_t lo, uint64_t hi,
		   uint64_t size, uint64_t *gfirst, uint64_t *glast)
{
	uint64_t i, gf, gl;

	if (!size)
		size = 1;
	for (i = 0; i <= r->n; i++)
		if (ref_gap_at(r, i, &gf, &gl) &&
		    clip(gf, gl, lo, hi, size, gfirst, glast))
			return 0;
	return -ENOMEM;
}

int ref_gap_highest(const struct ref *r, uint64_t lo, uint64_t hi,
		    uint64_t size, uint64_t *gfirst, uint64_t *glast)
{
	uint64_t i, gf, gl;
	int found = -ENOMEM;

	if (!size)
		size = 1;
	/* the last fitting gap in order */
	for (i = 0; i <= r->n; i++) {
		uint64_t a, b;

		if (!ref_gap_at(r, i, &gf, &gl))
			continue;
		if (clip(gf, gl, lo, hi, size, &a, &b)) {
			*gfirst = a;
			*glast = b;
			found = 0;
		}
	}
	return found;
}
