/*
 * mlock.c - mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2)
 * (spec/05 §4, spec/07): RLIMIT_MEMLOCK and CAP_IPC_LOCK, the per-VMA
 * VM_LOCKED/VM_LOCKONFAULT change through vma_modify() (skipping VMAs
 * mlock cannot lock), locked_vm, mm->def_flags for MCL_FUTURE, and the
 * populate that follows (its VMA effects: anon_vma on private writable
 * VMAs; a PROT_NONE VMA makes mlock return ENOMEM with VM_LOCKED set).
 *
 * Invariant: locked_vm == the pages of VM_LOCKED VMAs.  A hole ends the
 * walk with ENOMEM, VMAs before it keep their change, as in Linux; our
 * allocator's failure changes nothing (everything is reserved first).
 */
#include <errno.h>
#include <sys/mman.h>

#include "ops/fault.h"

#ifndef MCL_CURRENT
#define MCL_CURRENT 1
#define MCL_FUTURE  2
#endif

/* can_do_mlock(). */
static bool mlock_allowed(const struct aspace *as)
{
	return as->cfg.rlimit_memlock != 0 || as->cfg.cap_ipc_lock;
}

/* vma_supports_mlock(): special, hugetlb and droppable VMAs are skipped. */
static bool mlock_supported(const struct vma *v)
{
	return !(v->flags & (VM_SPECIAL | VM_DROPPABLE | VM_HUGETLB));
}

/*
 * mlock_fixup(): give the piece [lo, hi) of *@vp the lock bits @lock
 * (VM_LOCKED, VM_LOCKONFAULT or neither) and move locked_vm.
 */
static int mlock_fixup(struct aspace *as, struct vma **vp, uint64_t lo,
		       uint64_t hi, uint64_t lock)
{
	struct vma *v = *vp;
	uint64_t old = v->flags, nf = (old & ~VM_LOCKED_MASK) | lock;
	uint64_t n = (hi - lo) >> PAGE_SHIFT;
	int err;

	if (nf == old || !mlock_supported(v))
		return 0;
	err = vma_modify(as, vp, lo, hi, nf, NULL);
	if (err)
		return err;
	if (!(nf & VM_LOCKED) && (old & VM_LOCKED))
		as->locked_vm -= n;
	else if ((nf & VM_LOCKED) && !(old & VM_LOCKED))
		as->locked_vm += n;
	return 0;
}

/* Reserve what a walk over [start, end) can need: two splits. */
static int mlock_reserve(struct aspace *as, uint64_t start, uint64_t end)
{
	uint64_t k = 0;
	struct vma *v;

	for_each_vma_range(as, v, start, end)
		k++;
	return as_reserve(as, VMA_MODIFY_VMAS, VMA_MODIFY_EXTS,
			  (unsigned)MIN(k + 2, 1u << 30));
}

/* apply_vma_lock_flags(): a hole (at start or inside) is ENOMEM. */
static int mlock_apply(struct aspace *as, uint64_t start, uint64_t len,
		       uint64_t lock)
{
	uint64_t end = start + len, nstart = start, tmp;
	struct vma *v;
	int err;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	v = vma_lookup(as, start);
	if (!v)
		return -ENOMEM;
	err = mlock_reserve(as, start, end);
	if (err)
		return err;
	tmp = v->start;
	while (v && v->start < end) {
		if (v->start != tmp)
			return -ENOMEM;
		tmp = MIN(v->end, end);
		err = mlock_fixup(as, &v, nstart, tmp, lock);
		if (err)
			return err;
		tmp = v->end;
		nstart = tmp;
		v = vma_next(as, v);
	}
	return tmp < end ? -ENOMEM : 0;
}

/* Locked pages already inside [start, start + len) (count_mm_mlocked_page_nr). */
static uint64_t mlock_count_locked(const struct aspace *as, uint64_t start,
				   uint64_t len)
{
	uint64_t end = UINT64_MAX - len < start ? UINT64_MAX : start + len;
	uint64_t count = 0;
	struct vma *v;

	for_each_vma_range(as, v, start, end) {
		if (!(v->flags & VM_LOCKED))
			continue;
		count += MIN(end, v->end) - MAX(start, v->start);
	}
	return count >> PAGE_SHIFT;
}

static uint64_t mlock_limit_pages(const struct aspace *as)
{
	uint64_t r = as->cfg.rlimit_memlock;

	return r == ASPACE_RLIM_INFINITY ? UINT64_MAX : r >> PAGE_SHIFT;
}

/* do_mlock(). */
static int mlock_do(struct aspace *as, uint64_t start, uint64_t len,
		    uint64_t lock)
{
	uint64_t limit = mlock_limit_pages(as), locked;
	int err;

	if (!mlock_allowed(as))
		return -EPERM;
	len = PAGE_ALIGN(len + (start & (PAGE_SIZE - 1)));
	start &= PAGE_MASK;
	locked = (len >> PAGE_SHIFT) + as->locked_vm;
	if (locked > limit && !as->cfg.cap_ipc_lock) {
		locked -= mlock_count_locked(as, start, len);
		if (locked > limit)
			return -ENOMEM;
	}
	err = mlock_apply(as, start, len, lock);
	if (err)
		return err;
	/* __mm_populate(): EFAULT (PROT_NONE, SIGBUS) is reported as ENOMEM */
	err = fault_populate(as, start, start + len, false);
	return err == -EFAULT ? -ENOMEM : err;
}

/*
 * aspace_mlock() - mlock(2).
 * @as:    the address space.
 * @start: any address; rounded down to a page, as Linux does.
 * @len:   bytes; the range is rounded out to whole pages.
 *
 * Assumes: nothing; every input is checked, in the kernel's order.
 * Return:  0, or -EPERM (RLIMIT_MEMLOCK 0), -ENOMEM (limit, hole, no VMA,
 *          map_count, PROT_NONE in the range), -EINVAL (wrap, may_split).
 * On error: VMAs before a hole or failing split keep VM_LOCKED (a PROT_NONE
 *           VMA keeps it too); -ENOMEM from our allocator changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/mlock.c do_mlock(), Linux 6.18.
 */
int aspace_mlock(struct aspace *as, uint64_t start, uint64_t len)
{
	int err;

	as_begin(as);
	err = mlock_do(as, start, len, VM_LOCKED);
	as_unreserve(as);
	return as_finish(as, err);
}

/*
 * aspace_mlock2() - mlock2(2): as aspace_mlock(); @flags 0 or
 * MLOCK_ONFAULT (then VM_LOCKONFAULT too, and nothing is populated).
 * Return:  -EINVAL for unknown @flags, else as aspace_mlock().
 * Cost:    O(log n + k).   Mirrors: mm/mlock.c mlock2, Linux 6.18.
 */
int aspace_mlock2(struct aspace *as, uint64_t start, uint64_t len, int flags)
{
	uint64_t lock = VM_LOCKED;
	int err;

	as_begin(as);
	if (flags & ~ASPACE_MLOCK_ONFAULT)
		return as_finish(as, -EINVAL);
	if (flags & ASPACE_MLOCK_ONFAULT)
		lock |= VM_LOCKONFAULT;
	err = mlock_do(as, start, len, lock);
	as_unreserve(as);
	return as_finish(as, err);
}

/*
 * aspace_munlock() - munlock(2): clear VM_LOCKED and VM_LOCKONFAULT.
 * Return:  0, -EINVAL (wrap, may_split), -ENOMEM (no VMA at start, hole,
 *          map_count).
 * On error: VMAs before the failure stay unlocked; our allocator's
 *           -ENOMEM changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/mlock.c munlock, Linux 6.18.
 */
int aspace_munlock(struct aspace *as, uint64_t start, uint64_t len)
{
	int err;

	as_begin(as);
	len = PAGE_ALIGN(len + (start & (PAGE_SIZE - 1)));
	start &= PAGE_MASK;
	err = mlock_apply(as, start, len, 0);
	as_unreserve(as);
	return as_finish(as, err);
}

/*
 * apply_mlockall_flags(): def_flags, then every VMA as a whole (merges
 * only: whole-VMA changes never split, so no kernel error can occur).
 */
static int mlock_all_apply(struct aspace *as, int flags)
{
	uint64_t add = 0;
	struct vma *v;
	int err;

	err = as_reserve(as, VMA_MODIFY_VMAS, VMA_MODIFY_EXTS,
			 (unsigned)MIN(as_map_count(as) + 2, 1u << 30));
	if (err)
		return err;
	as->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		as->def_flags |= VM_LOCKED;
		if (flags & ASPACE_MCL_ONFAULT)
			as->def_flags |= VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return 0;
	}
	if (flags & MCL_CURRENT) {
		add = VM_LOCKED;
		if (flags & ASPACE_MCL_ONFAULT)
			add |= VM_LOCKONFAULT;
	}
	for (v = vma_find(as, 0); v; v = vma_next(as, v)) {
		err = mlock_fixup(as, &v, v->start, v->end, add);
		ASSERT(err == 0);
	}
	return 0;
}

/*
 * aspace_mlockall() - mlockall(2).
 * @flags: MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT (not ONFAULT alone).
 *
 * Assumes: nothing.
 * Return:  0, -EINVAL (flags), -EPERM (RLIMIT_MEMLOCK 0), -ENOMEM
 *          (MCL_CURRENT and total_vm above the limit).
 * On error: nothing changed.  MCL_FUTURE makes later mmap/brk VM_LOCKED
 *           through def_flags; MCL_CURRENT alone clears it.
 * Cost:    O(n).   Mirrors: mm/mlock.c mlockall, Linux 6.18.
 */
int aspace_mlockall(struct aspace *as, int flags)
{
	int err;

	as_begin(as);
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | ASPACE_MCL_ONFAULT)) ||
	    flags == ASPACE_MCL_ONFAULT)
		return as_finish(as, -EINVAL);
	if (!mlock_allowed(as))
		return as_finish(as, -EPERM);
	if ((flags & MCL_CURRENT) && as->total_vm > mlock_limit_pages(as) &&
	    !as->cfg.cap_ipc_lock)
		return as_finish(as, -ENOMEM);
	err = mlock_all_apply(as, flags);
	as_unreserve(as);
	if (!err && (flags & MCL_CURRENT))
		fault_populate(as, 0, as->cfg.task_size, true);
	return as_finish(as, err);
}

/*
 * aspace_munlockall() - munlockall(2): def_flags and every VMA lose
 * VM_LOCKED/VM_LOCKONFAULT.
 * Return:  0, or -ENOMEM from our allocator only (nothing changed).
 * Cost:    O(n).   Mirrors: mm/mlock.c munlockall, Linux 6.18.
 */
int aspace_munlockall(struct aspace *as)
{
	int err;

	as_begin(as);
	err = as_reserve(as, VMA_MODIFY_VMAS, VMA_MODIFY_EXTS,
			 (unsigned)MIN(as_map_count(as) + 2, 1u << 30));
	if (!err) {
		struct vma *v;

		as->def_flags &= ~VM_LOCKED_MASK;
		for (v = vma_find(as, 0); v; v = vma_next(as, v))
			ASSERT(mlock_fixup(as, &v, v->start, v->end, 0) == 0);
	}
	as_unreserve(as);
	return as_finish(as, err);
}
