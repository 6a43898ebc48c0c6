/*
 * touch.c - the VMA effects of page faults (spec/08 "touch", 01 §4.1,
 * 06 §3): anon_vma preparation on private write faults and THP-served
 * reads, stack growth below VM_GROWSDOWN VMAs, and -EFAULT where the
 * kernel would deliver SIGSEGV/SIGBUS.  Also the populate walk used by
 * MAP_POPULATE, MAP_LOCKED, brk under MCL_FUTURE and mprotect of locked
 * VMAs (vma_populate()).
 *
 * Pages are visited in ascending order; the first failing page ends the
 * call and earlier pages keep their effects.
 */
#include <errno.h>
#include <sys/mman.h>

#include "vma/vma.h"

/* vma_is_anonymous() in the kernel's sense (no vm_ops). */
static bool touch_anon_ops(const struct vma *v)
{
	return !v->file || v->file->desc.kind == ASPACE_FILE_DEVZERO;
}

/* Would a fault at [lo, hi) of @v be served by a PMD-size THP? */
static bool touch_thp_served(const struct aspace *as, const struct vma *v,
			     uint64_t lo, uint64_t hi)
{
	uint64_t bs, be;

	if (!touch_anon_ops(v) || (v->flags & (VM_SHARED | VM_MAYSHARE)) ||
	    (v->flags & (VM_NOHUGEPAGE | VM_HUGETLB | VM_SPECIAL)))
		return false;
	switch (as->cfg.thp) {
	case ASPACE_THP_ALWAYS:
		break;
	case ASPACE_THP_MADVISE:
		if (!(v->flags & VM_HUGEPAGE))
			return false;
		break;
	default:
		return false;
	}
	bs = (v->start + HPAGE_PMD_SIZE - 1) & ~(HPAGE_PMD_SIZE - 1);
	be = v->end & ~(HPAGE_PMD_SIZE - 1);
	if (bs >= be)
		return false;
	/* some page of [lo, hi) lies in an aligned block inside the VMA */
	return bs < hi && be > lo;
}

/* Page index past the end of the file behind @v (SIGBUS)? */
static bool touch_past_eof(const struct vma *v, uint64_t addr)
{
	uint64_t idx;

	if (!v->file || v->file->desc.kind == ASPACE_FILE_DEVZERO ||
	    v->file->desc.kind == ASPACE_FILE_NOMMAP)
		return false;
	idx = v->pgoff + ((addr - v->start) >> PAGE_SHIFT);
	return idx >= PAGE_ALIGN(v->file->desc.size) >> PAGE_SHIFT;
}

/*
 * The effect of one fault of kind @write at @addr in @v, after the access
 * check passed.  Return: 0, or -EFAULT (SIGBUS) after the effects the
 * kernel makes before failing.
 */
static int touch_fault(struct aspace *as, struct vma *v, uint64_t addr,
		       bool write)
{
	bool cow = !(v->flags & VM_SHARED) && !(v->flags & VM_MAYSHARE);

	if (v->flags & VM_HUGETLB) {
		if (!(v->flags & VM_MAYSHARE))
			vma_anon_prepare(as, v);
		if (!as->cfg.hugetlb_pages || touch_past_eof(v, addr))
			return -EFAULT;
		return 0;
	}
	if (write && cow) {
		vma_anon_prepare(as, v);        /* before the page is read */
		return touch_past_eof(v, addr) ? -EFAULT : 0;
	}
	if (!write && touch_thp_served(as, v, addr, addr + PAGE_SIZE))
		vma_anon_prepare(as, v);
	return touch_past_eof(v, addr) ? -EFAULT : 0;
}

/*
 * expand_downwards(): grow @v down to @addr (page aligned).
 * Return: 0 or -EFAULT.
 */
static int touch_grow_stack(struct aspace *as, struct vma *v, uint64_t addr)
{
	uint64_t grow = (v->start - addr) >> PAGE_SHIFT, size = v->end - addr;
	const struct aspace_config *c = &as->cfg;
	struct vma *prev;

	if (addr < c->mmap_min_addr)
		return -EFAULT;
	prev = vma_prev(as, v);
	if (prev && !(prev->flags & VM_GROWSDOWN) &&
	    (prev->flags & VM_ACCESS_FLAGS) &&
	    addr - prev->end < c->stack_guard_gap)
		return -EFAULT;
	vma_anon_prepare(as, v);        /* even if the growth then fails */
	if (grow > v->pgoff)
		return -EFAULT;
	if (!may_expand_vm(as, v->flags, grow))
		return -EFAULT;
	if (c->rlimit_stack != ASPACE_RLIM_INFINITY && size > c->rlimit_stack)
		return -EFAULT;
	if (!mlock_future_ok(as, v->flags, grow))
		return -EFAULT;
	if (as_charge(as, grow))
		return -EFAULT;
	if (!(v->flags & VM_ACCOUNT))
		as_uncharge(as, grow);  /* checked, not kept (see kernel-notes) */
	if (v->flags & VM_LOCKED)
		as->locked_vm += grow;
	vma_stat_account(as, v->flags, (int64_t)grow);
	{
		uint64_t old_start = v->start;

		v->start = addr;
		v->pgoff -= grow;
		vma_tree_update(as, v, old_start, v->end);
	}
	return 0;
}

/* The access check of x86 do_user_addr_fault()/access_error(). */
static bool touch_allowed(const struct aspace *as, const struct vma *v,
			  int access)
{
	bool pk_denied = as->cfg.pku && as->exec_only_pkey > 0 &&
		vma_pkey(v) == as->exec_only_pkey;

	if (access & ASPACE_TOUCH_WRITE)
		return (v->flags & VM_WRITE) && !(v->flags & VM_SHADOW_STACK) &&
			!pk_denied;
	if ((access & ASPACE_TOUCH_EXEC) && !(access & ASPACE_TOUCH_READ))
		return (v->flags & VM_EXEC) != 0;
	return (v->flags & VM_ACCESS_FLAGS) && !pk_denied;
}

static int touch_do(struct aspace *as, uint64_t addr, uint64_t len, int access)
{
	uint64_t p = addr & PAGE_MASK, end = PAGE_ALIGN(addr + len), ngrow = 0;
	bool write = access & ASPACE_TOUCH_WRITE;
	struct vma *v;
	int err;

	if (!len)
		return 0;
	if (end <= p)
		end = UINT64_MAX & PAGE_MASK;
	for_each_vma_range(as, v, p, end)
		if (v->flags & VM_GROWSDOWN)
			ngrow++;
	err = as_reserve(as, 0, 0, (unsigned)MIN(ngrow, 1u << 30));
	if (err)
		return err;
	for (; p < end; p += PAGE_SIZE) {
		v = vma_find(as, p);
		if (!v)
			return -EFAULT;
		if (v->start > p) {
			if (!(v->flags & VM_GROWSDOWN))
				return -EFAULT;
			err = touch_grow_stack(as, v, p);
			if (err)
				return err;
		}
		if (!touch_allowed(as, v, access)) {
			/* an instruction fetch first faults as a read */
			if ((access & ASPACE_TOUCH_EXEC) && !write &&
			    !(access & ASPACE_TOUCH_READ) &&
			    (v->flags & VM_ACCESS_FLAGS))
				touch_fault(as, v, p, false);
			return -EFAULT;
		}
		err = touch_fault(as, v, p, write);
		if (err)
			return err;
	}
	return 0;
}

/*
 * aspace_touch() - page-fault effects of accessing [addr, addr + len).
 * @as:     the address space.
 * @addr:   any address (rounded down to a page).
 * @len:    bytes (0: nothing).
 * @access: ASPACE_TOUCH_READ / _WRITE / _EXEC (WRITE wins over EXEC).
 *
 * Assumes: nothing.
 * Return:  0, or -EFAULT at the first page the kernel would not serve
 *          (earlier pages keep their effects), or -ENOMEM from our
 *          allocator (nothing changed).
 * Cost:    O(p log n) for p pages.   Mirrors: arch/x86/mm/fault.c,
 *          mm/memory.c, mm/mmap.c expand_downwards().
 */
int aspace_touch(struct aspace *as, uint64_t addr, uint64_t len, int access)
{
	int err;

	as_begin(as);
	err = touch_do(as, addr, len, access);
	as_unreserve(as);
	return as_finish(as, err);
}

void vma_populate(struct aspace *as, uint64_t start, uint64_t end)
{
	struct vma *v;

	for_each_vma_range(as, v, start, end) {
		uint64_t lo = MAX(start, v->start), hi = MIN(end, v->end);

		if (v->flags & (VM_IO | VM_PFNMAP | VM_LOCKONFAULT))
			continue;
		if (!(v->flags & VM_ACCESS_FLAGS))
			continue;       /* GUP fails, errors ignored */
		if ((v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE) {
			if (!(v->flags & VM_MAYSHARE) || v->flags & VM_HUGETLB)
				touch_fault(as, v, lo, true);
			continue;
		}
		if (v->flags & VM_HUGETLB) {
			touch_fault(as, v, lo, false);
			continue;
		}
		if (touch_thp_served(as, v, lo, hi))
			vma_anon_prepare(as, v);
	}
}
