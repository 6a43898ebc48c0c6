/*
 * walk.h - the argument check and the hole-skipping VMA walk shared by
 * madvise(2), mseal(2) and prctl(PR_SET_VMA_ANON_NAME) (mm/madvise.c
 * madvise_walk_vmas()).  Owned with madvise.c, mseal.c, anon_name.c.
 */
#ifndef ASPACE_OPS_WALK_H
#define ASPACE_OPS_WALK_H

#include <stdint.h>

#include "vma/vma.h"

/*
 * walk_range_check() - @start page aligned, @len rounded up to pages
 * without wrapping to 0 (unless it is 0), start + len not wrapping.
 * Return: 0 and *@end (== @start for an empty range), or -EINVAL.
 */
int walk_range_check(uint64_t start, uint64_t len, uint64_t *end /* OUT */);

/* walk_count() - number of VMAs intersecting [start, end).  O(log n + k). */
uint64_t walk_count(const struct aspace *as, uint64_t start, uint64_t end);

/*
 * One VMA piece [lo, hi) of *@vp.  Return 0 or an errno that stops the
 * walk; set *@vp to the VMA holding the piece afterwards (after a merge).
 */
typedef int (*walk_fn)(struct aspace *as, struct vma **vp, uint64_t lo,
		       uint64_t hi, void *arg);

/*
 * walk_vmas() - call @fn for every piece of [start, end) that is mapped,
 * in address order.  Holes are skipped.
 * Return: the first error of @fn (earlier pieces keep their change), else
 *         -ENOMEM if some part of the range was unmapped, else 0.
 * Cost: O(log n + k) plus @fn.   Mirrors: mm/madvise.c madvise_walk_vmas().
 */
int walk_vmas(struct aspace *as, uint64_t start, uint64_t end, walk_fn fn,
	      void *arg);

#endif /* ASPACE_OPS_WALK_H */
