/*
 * touch.c - the VMA effects of page faults (spec/08 "touch", 01 §4.1,
 * 06 §3): anon_vma preparation on private write faults and THP-served
 * reads, stack growth below VM_GROWSDOWN VMAs, and -EFAULT where the
 * kernel would deliver SIGSEGV/SIGBUS.  Also the populate walk used by
 * MAP_POPULATE, MAP_LOCKED, brk under MCL_FUTURE and mprotect of locked
 * VMAs (vma_populate()).
 *
 * Pages are visited in ascending order; the first failing page ends the
 * call and earlier pages keep their effects.  The per-page effect itself
 * is ops/fault.c's fault_piece(), shared with madvise and mlock.
 */
#include <errno.h>
#include <sys/mman.h>

#include "ops/fault.h"
#include "vma/vma.h"

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
		as->committed_leaked += grow;   /* never given back (kernel-notes) */
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
	bool pk_denied = fault_pkey_denied(as, v);

	if (access & ASPACE_TOUCH_WRITE)
		return (v->flags & VM_WRITE) && !(v->flags & VM_SHADOW_STACK) &&
			!pk_denied;
	if ((access & ASPACE_TOUCH_EXEC) && !(access & ASPACE_TOUCH_READ))
		return (v->flags & VM_EXEC) != 0;
	return (v->flags & VM_ACCESS_FLAGS) && !pk_denied;
}

/* The first guard page of [lo, hi), or @hi when there is none. */
static uint64_t touch_guard_stop(const struct aspace *as, uint64_t lo,
				 uint64_t hi)
{
	struct rt_entry e;

	if (!rt_count(&as->guards) || !rt_find(&as->guards, lo, &e) ||
	    e.first >= hi)
		return hi;
	return MAX(e.first, lo);
}

/*
 * Walk [addr, addr + len) VMA piece by VMA piece: the pages of one piece
 * share the access check and the fault effects (the anon_vma is prepared
 * at the piece's first page), so a piece costs what one page does.
 */
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
	while (p < end) {
		uint64_t hi, stop;

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
		hi = MIN(end, v->end);
		stop = touch_guard_stop(as, p, hi);
		if (stop == p)
			return -EFAULT;         /* a guard marker: SIGSEGV */
		if (!touch_allowed(as, v, access)) {
			/* an instruction fetch first faults as a read */
			if ((access & ASPACE_TOUCH_EXEC) && !write &&
			    !(access & ASPACE_TOUCH_READ) &&
			    (v->flags & VM_ACCESS_FLAGS))
				fault_piece(as, v, p, p + PAGE_SIZE, false);
			return -EFAULT;
		}
		err = fault_piece(as, v, p, stop, write);
		if (err)
			return err;
		if (stop < hi)
			return -EFAULT;         /* reached a guard page */
		p = hi;
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
 * Cost:    O(k log n) for k VMAs.   Mirrors: arch/x86/mm/fault.c,
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
	(void)fault_populate(as, start, end, true);     /* mm_populate() */
}
