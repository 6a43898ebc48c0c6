/*
 * brk.c - brk(2) (spec/03 §8): byte-granular break, shrink through the
 * munmap gather/commit, growth through an expand-only merge with the heap
 * VMA or a new anonymous VMA.  Linux never returns an errno from brk; the
 * refused call returns the old break.
 *
 * start_brk == 0 (image unknown) behaves as a process whose heap starts at
 * address 0: brk(0) reads the break, and growth is refused as a MAP_FIXED
 * below dac_mmap_min_addr would be (unless cap_sys_rawio).  Tools that
 * learn start_brk later call aspace_set_image().
 */
#include <errno.h>
#include <sys/mman.h>

#include "vma/vma.h"

/* Shrink [nA, oA): Linux sets mm->brk first and restores it on failure. */
static int brk_shrink(struct aspace *as, uint64_t brk, uint64_t na,
		      uint64_t oa)
{
	struct vma_unmap u = { .start = na, .end = oa, .check_limit = true };
	struct vma *v = vma_find(as, na);
	int err;

	if (!v || v->start >= oa)
		return -ENOMEM;         /* nothing to release: refused */
	u.have_found = true;
	u.found = v;
	err = vma_unmap_gather(as, &u);
	if (err)
		return err;
	vma_unmap_commit(as, &u);
	as->brk = brk;
	return 0;
}

/* do_brk_flags(): grow [oA, nA). */
static int brk_grow(struct aspace *as, uint64_t brk, uint64_t oa, uint64_t na)
{
	uint64_t len = na - oa, npages = len >> PAGE_SHIFT, a;
	uint64_t flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
		VM_MAYEXEC | VM_ACCOUNT | as->def_flags;
	struct vma *next, *b, *v = NULL;

	if (as->cfg.read_implies_exec)
		flags |= VM_EXEC;
	/* check_brk_limits(): a valid MAP_FIXED range, then RLIMIT_MEMLOCK */
	if (get_unmapped_area(as, NULL, false, oa, len, 0, MAP_FIXED, 0, &a))
		return -ENOMEM;
	if (!mlock_future_ok(as, as->def_flags, npages))
		return -EAGAIN;
	next = vma_find(as, oa);
	if (next && next->start < na + PAGE_SIZE + as->cfg.stack_guard_gap &&
	    na + PAGE_SIZE > vm_start_gap(as, next))
		return -ENOMEM;
	b = vma_find_prev(as, oa);
	if (b && b->end <= as->start_brk)
		b = NULL;               /* vma_prev_limit(start_brk) */
	if (!may_expand_vm(as, flags, npages))
		return -ENOMEM;
	if (as_map_count(as) > (uint64_t)as->cfg.max_map_count)
		return -ENOMEM;
	if (as_charge(as, npages))
		return -ENOMEM;
	if (b && b->end == oa) {
		struct vma_attrs at = { .flags = flags, .pgoff = oa >> PAGE_SHIFT };

		v = vma_merge_new_range(as, b, NULL, oa, na, &at, true);
	}
	if (!v) {
		v = vma_alloc(as);
		v->start = oa;
		v->end = na;
		v->pgoff = oa >> PAGE_SHIFT;
		v->flags = flags;
		vma_insert(as, v);
	}
	as->total_vm += npages;
	as->data_vm += npages;
	if (flags & VM_LOCKED)
		as->locked_vm += npages;
	if (as->cfg.soft_dirty)
		v->flags |= VM_SOFTDIRTY;
	as->brk = brk;
	if (as->def_flags & VM_LOCKED)
		vma_populate(as, oa, na);
	return 0;
}

/*
 * aspace_brk() - brk(2).
 * @as:  the address space.
 * @brk: the requested break (any value; 0 reads it).
 * @out: what the syscall returns: @brk on success, else the old break.
 *
 * Assumes: nothing.
 * Return:  0, or -ENOMEM only when our allocator failed (then *@out is the
 *          old break and nothing changed).
 * Cost:    O(log n).   Mirrors: mm/mmap.c brk(), do_brk_flags().
 */
int aspace_brk(struct aspace *as, uint64_t brk, uint64_t *out /* OUT */)
{
	uint64_t old = as->brk, na, oa, rlim = as->cfg.rlimit_data;
	int err;

	as_begin(as);
	*out = old;
	if (brk < as->start_brk)
		return 0;
	if (rlim != ASPACE_RLIM_INFINITY &&
	    (brk - as->start_brk) + (as->end_data - as->start_data) > rlim)
		return 0;
	na = PAGE_ALIGN(brk);
	oa = PAGE_ALIGN(old);
	if (na == oa) {
		as->brk = brk;
		*out = brk;
		return 0;
	}
	err = as_reserve(as, 2, 2, 4);
	if (err) {
		as_unreserve(as);
		return as_finish(as, err);
	}
	if (brk <= old)
		err = brk_shrink(as, brk, na, oa);
	else
		err = brk_grow(as, brk, oa, na);
	as_unreserve(as);
	if (!err)
		*out = brk;
	return 0;
}
