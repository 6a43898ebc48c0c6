/*
 * mseal.c - mseal(2) (spec/05 §5, spec/07 mseal table): argument checks,
 * the all-or-nothing hole check, then VM_SEALED on every piece through
 * vma_modify() (split, or merge with sealed neighbours).
 *
 * What a seal forbids is checked by the calls it forbids: munmap and
 * MAP_FIXED (vma_unmap_gather), mprotect (per VMA), mremap, brk shrink,
 * and madvise's discard advice (madvise.c).  Sealing is permanent.
 */
#include <errno.h>

#include "ops/walk.h"

/* range_contains_unmapped(): any page of [start, end) outside every VMA. */
static bool mseal_has_hole(const struct aspace *as, uint64_t start,
			   uint64_t end)
{
	uint64_t prev_end = start;
	struct vma *v;

	for_each_vma_range(as, v, start, end) {
		if (v->start > prev_end)
			return true;
		prev_end = v->end;
	}
	return prev_end < end;
}

static int mseal_do(struct aspace *as, uint64_t start, uint64_t len,
		    unsigned long flags)
{
	uint64_t end, k, pos;
	struct vma *v;
	int err;

	if (flags)
		return -EINVAL;
	err = walk_range_check(start, len, &end);
	if (err || end == start)
		return err;
	if (mseal_has_hole(as, start, end))
		return -ENOMEM;
	k = walk_count(as, start, end);
	err = as_reserve(as, VMA_MODIFY_VMAS, VMA_MODIFY_EXTS,
			 (unsigned)MIN(k + 2, 1u << 30));
	if (err)
		return err;
	/* mseal_apply(): already sealed pieces are left alone. */
	pos = start;
	for (v = vma_find(as, start); v && v->start < end; v = vma_next(as, v)) {
		uint64_t hi = MIN(v->end, end);

		if (!(v->flags & VM_SEALED)) {
			err = vma_modify(as, &v, pos, hi, v->flags | VM_SEALED,
					 NULL);
			if (err)
				return err;
		}
		pos = v->end;
	}
	return 0;
}

/*
 * aspace_mseal() - mseal(2).
 * @as:    the address space.
 * @start: page aligned start.
 * @len:   bytes, rounded up to pages.
 * @flags: must be 0.
 *
 * Assumes: nothing; every input is checked in the kernel's order.
 * Return:  0, or -EINVAL (flags, alignment, wrap, may_split), -ENOMEM
 *          (a hole: nothing changed; a split at map_count: partial).
 * On error: a split refusal keeps the pieces sealed before it; our
 *           allocator's -ENOMEM changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/mseal.c do_mseal(), Linux 6.18.
 */
int aspace_mseal(struct aspace *as, uint64_t start, uint64_t len,
		 unsigned long flags)
{
	int err;

	as_begin(as);
	err = mseal_do(as, start, len, flags);
	as_unreserve(as);
	return as_finish(as, err);
}
