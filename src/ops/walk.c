/*
 * walk.c - the range check and the VMA walk of madvise-like calls: holes
 * are skipped and remembered, the first per-VMA error wins.  The walk
 * continues after the VMA the callback returns, so a merge that swallowed
 * the next VMA is not visited twice.
 */
#include <errno.h>

#include "ops/walk.h"

int walk_range_check(uint64_t start, uint64_t len, uint64_t *end /* OUT */)
{
	uint64_t alen = PAGE_ALIGN(len);

	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len && !alen)
		return -EINVAL;
	if (start + alen < start)
		return -EINVAL;
	*end = start + alen;
	return 0;
}

uint64_t walk_count(const struct aspace *as, uint64_t start, uint64_t end)
{
	uint64_t k = 0;
	struct vma *v;

	for_each_vma_range(as, v, start, end)
		k++;
	return k;
}

int walk_vmas(struct aspace *as, uint64_t start, uint64_t end, walk_fn fn,
	      void *arg)
{
	uint64_t pos = start;
	int unmapped = 0, err;
	struct vma *v;

	for (v = vma_find(as, pos);; v = vma_next(as, v)) {
		uint64_t hi;

		if (!v)
			return -ENOMEM;
		if (pos < v->start) {
			unmapped = -ENOMEM;
			pos = v->start;
			if (pos >= end)
				break;
		}
		hi = MIN(v->end, end);
		err = fn(as, &v, pos, hi, arg);
		if (err)
			return err;
		pos = MAX(hi, v->end);
		if (pos >= end)
			break;
	}
	return unmapped;
}
