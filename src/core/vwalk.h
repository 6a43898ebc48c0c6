/*
 * vwalk.h - a walk over every VMA of an address space in address order
 * that prefetches each VMA VWALK_AHEAD entries before handing it out.
 * fork and /proc/PID/maps read every VMA once; after a while of splits and
 * merges the tree order is not the order in memory, so without this each
 * VMA is a cache miss the walk waits for (docs/performance.md, round 4).
 * One cursor runs ahead; a ring hands its VMAs out in order.  Read-only:
 * the tree must not change during the walk.
 */
#ifndef ASPACE_VWALK_H
#define ASPACE_VWALK_H

#include "vma/vma.h"

#define VWALK_AHEAD 8

struct vwalk {
	struct rt_cursor c;
	const struct vma *ring[VWALK_AHEAD];    /* fetched, not yet given */
	const struct vma *lead;                 /* the cursor's entry */
	unsigned head, fill;
};

/* vwalk_init() - a walk of @as from its first VMA.  Cannot fail.  O(log n). */
static inline void vwalk_init(struct vwalk *w, const struct aspace *as)
{
	const struct vma *v;

	w->head = w->fill = 0;
	rtc_init(&w->c, &as->tree);
	for (v = rtc_find(&w->c, 0, NULL); v && w->fill < VWALK_AHEAD;
	     v = rtc_next(&w->c, NULL)) {
		__builtin_prefetch(v);
		w->ring[w->fill++] = v;
	}
	w->lead = v;
}

/* vwalk_next() - the next VMA, or NULL after the last.  Cannot fail.
 * O(1) amortised. */
static inline const struct vma *vwalk_next(struct vwalk *w)
{
	const struct vma *v;

	if (!w->fill)
		return NULL;
	v = w->ring[w->head];
	if (w->lead) {
		__builtin_prefetch(w->lead);
		w->ring[w->head] = w->lead;
		w->lead = rtc_next(&w->c, NULL);
	} else {
		w->fill--;
	}
	w->head = (w->head + 1) % VWALK_AHEAD;
	return v;
}

#endif /* ASPACE_VWALK_H */
