/*
 * insert.c - aspace_insert_vma(): place one VMA as described, without
 * merging and without limit checks (exec layouts, imports of
 * /proc/PID/maps, special mappings).  The counters follow its flags.
 */
#include <errno.h>

#include "vma/vma.h"

/*
 * aspace_insert_vma() - insert one VMA into a hole.
 * @as: the address space.
 * @d:  the VMA; a file reference is taken, the name copied.
 *
 * Assumes: nothing; the descriptor is checked.
 * Return:  0; -EINVAL (malformed: unaligned, empty, past task_size, bad
 *          kind); -EEXIST (overlap); -ENOMEM (allocator: nothing changed).
 * Cost:    O(log n).
 */
int aspace_insert_vma(struct aspace *as, const struct aspace_vma_desc *d)
{
	struct vma_name *name = NULL;
	struct vma *v;
	int err;

	as_begin(as);
	if (!PAGE_ALIGNED(d->start) || !PAGE_ALIGNED(d->end) ||
	    d->start >= d->end || d->end > as->cfg.task_size ||
	    (unsigned)d->kind > ASPACE_VMA_DRIVER_CLOSE ||
	    d->pgoff + ((d->end - d->start) >> PAGE_SHIFT) < d->pgoff)
		return as_finish(as, -EINVAL);
	v = vma_find(as, d->start);
	if (v && v->start < d->end)
		return as_finish(as, -EEXIST);
	if (d->anon_name) {
		name = vma_name_new(d->anon_name);
		if (!name)
			return as_finish(as, as_oom(as));
	}
	err = as_reserve(as, 1, 2, 1);
	if (err) {
		vma_name_put(name);
		as_unreserve(as);
		return as_finish(as, err);
	}
	v = vma_alloc(as);
	v->start = d->start;
	v->end = d->end;
	v->pgoff = d->pgoff;
	v->flags = d->flags;
	v->file = aspace_file_get(d->file);
	v->kind = (uint8_t)d->kind;
	if (d->has_anon)
		v->anon = ANON_MAKE(ANON_ID(as_new_anon(as)), d->anon_forked);
	if (name) {
		struct vma_xattr x = { .name = name };

		vma_set_xattr(as, v, &x);
		vma_name_put(name);
	}
	vma_insert(as, v);
	vma_account_add(as, v->flags, vma_pages(v));
	as_unreserve(as);
	return 0;
}
