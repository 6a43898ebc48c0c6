/*
 * munmap.c - munmap(2): argument checks, then the shared gather/commit of
 * src/vma (spec/03 §7, spec/07 munmap table), or for a hole inside one
 * normal VMA vma_unmap_inside(), which ends the same with one store less,
 * and for exactly one whole VMA vma_unmap_whole(), which skips the
 * neighbour steps nobody here uses (the switch that turns it off for the
 * differential test: ops/fastpath.h).
 *
 * Everything is reserved before the gathering's splits; a kernel refusal
 * (seal, map_count, may_split) keeps a split of the first VMA, as Linux.
 */
#include <errno.h>

#include "ops/fastpath.h"
#include "vma/vma.h"

bool mmap_slow_only;

/*
 * aspace_munmap() - munmap(2).
 * @as:    the address space.
 * @addr:  page aligned start.
 * @len:   bytes; rounded up to whole pages.
 *
 * Assumes: nothing; every input is checked, in the kernel's order.
 * Return:  0, or -EINVAL, -ENOMEM, -EPERM as spec/07 lists.
 * On error: a split of the first VMA made before a later refusal stays;
 *           on -ENOMEM from our allocator nothing changed.
 * Cost:    O(log n + k).   Mirrors: mm/vma.c do_vmi_munmap().
 */
int aspace_munmap(struct aspace *as, uint64_t addr, uint64_t len)
{
	uint64_t ts = as->cfg.task_size, end;
	struct rt_cursor c;
	struct vma *v;
	int err;

	as_begin(as);
	if ((addr & (PAGE_SIZE - 1)) || addr > ts || len > ts - addr)
		return as_finish(as, -EINVAL);
	end = addr + PAGE_ALIGN(len);
	if (end == addr)
		return as_finish(as, -EINVAL);
	rtc_init(&c, &as->tree);
	v = rtc_find(&c, addr, NULL);
	if (!v || v->start >= end)
		return 0;
	err = as_reserve_fast(as, 2, 2, 4);      /* does not touch the tree */
	if (unlikely(err))
		goto out;
	if (v->start == addr && v->end == end && likely(!mmap_slow_only)) {
		/* exactly one whole VMA: one store, no neighbour steps */
		err = vma_unmap_whole(as, v);
	} else if (vma_unmap_inside_applies(as, v, addr, end)) {
		/* a hole punched in one VMA: two stores, not three */
		err = vma_unmap_inside(as, v, addr, end, true);
	} else {
		struct vma_unmap u = {
			.start = addr, .end = end, .check_limit = true,
			.have_found = true, .found = v, .cur = &c,
		};

		err = vma_unmap_gather(as, &u);
		if (!err)
			vma_unmap_commit(as, &u);
	}
out:
	as_unreserve_fast(as);
	return as_finish(as, err);
}
