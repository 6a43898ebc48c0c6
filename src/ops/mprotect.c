/*
 * mprotect.c - mprotect(2) and pkey_mprotect(2) (spec/05 §1, spec/07): the
 * early checks, then the per-VMA loop of mprotect_fixup(): permission
 * (VM_MAY*), MDWE, seal, accounting (VM_ACCOUNT charge/drop, RLIMIT_DATA),
 * the range modify (merge or split) and the counter moves.
 *
 * Partial failure is Linux's: VMAs before the failing one keep their new
 * protection.  Everything the loop can allocate is reserved before it.
 */
#include <errno.h>
#include <sys/mman.h>

#include "vma/vma.h"

#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

/* prot_to_vm() inlined: PROT_READ/WRITE/EXEC and VM_READ/WRITE/EXEC are
 * the same bits on Linux (checked at compile time). */
_Static_assert(PROT_READ == VM_READ && PROT_WRITE == VM_WRITE &&
	       PROT_EXEC == VM_EXEC, "PROT_* and VM_* access bits differ");
static inline uint64_t mprotect_prot_vm(int prot)
{
	return (uint64_t)(prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

/* vma_is_anonymous() in the kernel's sense: no vm_ops (/dev/zero too). */
static bool mprotect_vma_anon_ops(const struct vma *v)
{
	return !v->file || v->file->desc.kind == ASPACE_FILE_DEVZERO;
}

/* x86 arch_override_mprotect_pkey(). */
static int mprotect_pkey_for(struct aspace *as, const struct vma *v, int prot,
			     int pkey)
{
	if (pkey != -1)
		return pkey;
	if (!as->cfg.pku)
		return 0;
	if (prot == PROT_EXEC) {
		int k = as_execute_only_pkey(as);

		if (k > 0)
			return k;
	} else if ((v->flags & VM_ACCESS_FLAGS) == VM_EXEC &&
		   vma_pkey(v) == as->exec_only_pkey) {
		return 0;
	}
	return vma_pkey(v);
}

/* mprotect_fixup(): one VMA piece.  *@vp is updated to the result.
 * @c: NULL or a cursor on *@vp (consumed). */
static int mprotect_fixup(struct aspace *as, struct vma **vp, uint64_t start,
			  uint64_t end, uint64_t newflags, struct rt_cursor *c)
{
	struct vma *v = *vp;
	uint64_t oldflags = v->flags, n = (end - start) >> PAGE_SHIFT;
	uint64_t charged = 0;
	int err;

	if (v->flags & VM_SEALED)
		return -EPERM;
	if (newflags == oldflags)
		return 0;
	if (newflags & VM_WRITE) {
		if (!may_expand_vm(as, newflags, n) &&
		    may_expand_vm(as, oldflags, n))
			return -ENOMEM;
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB |
				  VM_SHARED | VM_NORESERVE))) {
			charged = n;
			if (as_charge(as, charged))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && mprotect_vma_anon_ops(v) &&
		   !v->anon) {
		newflags &= ~VM_ACCOUNT;
	}
	err = vma_modify_at(as, vp, start, end, newflags, NULL, c);
	if (err) {
		if (charged)
			as_uncharge(as, charged);
		return err;
	}
	if ((oldflags & VM_ACCOUNT) && !(newflags & VM_ACCOUNT))
		as_uncharge(as, n);
	vma_stat_move(as, oldflags, newflags, n);
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED &&
	    (newflags & VM_WRITE))
		vma_populate(as, start, end);
	return 0;
}

static int mprotect_do(struct aspace *as, uint64_t start, uint64_t len,
		       int prot, int pkey)
{
	const int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	const bool rier = as->cfg.read_implies_exec && (prot & PROT_READ);
	uint64_t end, tmp, nstart, k = 0;
	struct vma *v, *w;
	struct rt_cursor c;         /* on v until the first change */
	int reqprot, err = 0;

	prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	reqprot = prot;
	if (pkey != -1 && (pkey < 0 || pkey >= 16 || !as->cfg.pku ||
			   !(as->pkey_map & (1u << pkey))))
		return -EINVAL;
	rtc_init(&c, &as->tree);
	v = rtc_find(&c, start, NULL);
	if (!v || v->start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		start = v->start;
		if (!(v->flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (v->start > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)
			return -EINVAL;         /* no VM_GROWSUP on x86 */
	}
	/* Reserve: at most two splits; one store per piece (merge) + 2.
	 * Counted from v, stopping at the VMA that reaches end: no walk
	 * beyond what the range holds (docs/performance.md). */
	for (w = v; w && w->start < end; w = vma_next(as, w)) {
		k++;
		if (w->end >= end)
			break;
	}
	err = as_reserve_fast(as, VMA_MODIFY_VMAS, VMA_MODIFY_EXTS,
			 (unsigned)MIN(k + 2, 1u << 30));
	if (err)
		return err;

	nstart = start;
	tmp = v->start;
	for (w = v; w && w->start < end; ) {
		uint64_t newflags;
		int k2;

		if (w->start != tmp) {
			err = -ENOMEM;
			break;
		}
		if (rier && (w->flags & VM_MAYEXEC))
			prot |= PROT_EXEC;
		k2 = mprotect_pkey_for(as, w, prot, pkey);
		newflags = mprotect_prot_vm(prot) | pkey_to_vm(k2) |
			(w->flags & ~(VM_ACCESS_FLAGS | VM_PKEY_MASK));
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		if (as->mdwe_refuse_exec_gain && (newflags & VM_EXEC) &&
		    ((newflags & VM_WRITE) || !(w->flags & VM_EXEC))) {
			err = -EACCES;
			break;
		}
		tmp = MIN(w->end, end);
		err = mprotect_fixup(as, &w, nstart, tmp, newflags,
				     w == v && nstart == start ? &c : NULL);
		if (err)
			break;
		tmp = w->end;
		nstart = tmp;
		prot = reqprot;
		if (tmp >= end)
			break;          /* the next VMA starts past the range */
		w = vma_next(as, w);
	}
	if (!err && tmp < end)
		err = -ENOMEM;
	return err;
}

/*
 * aspace_pkey_mprotect() - pkey_mprotect(2).
 * @as:    the address space.
 * @start: page aligned start.
 * @len:   bytes, rounded up to pages.
 * @prot:  PROT_* (PROT_GROWSDOWN allowed), @pkey: -1 or an allocated key.
 *
 * Assumes: nothing; every input is checked in the kernel's order.
 * Return:  0, or -EINVAL, -ENOMEM, -EACCES, -EPERM (spec/07).
 * On error: VMAs before the failing one keep their new protection (and a
 *           first split stays); our allocator's -ENOMEM changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/mprotect.c do_mprotect_pkey().
 */
int aspace_pkey_mprotect(struct aspace *as, uint64_t start, uint64_t len,
			 int prot, int pkey)
{
	int err;

	as_begin(as);
	err = mprotect_do(as, start, len, prot, pkey);
	as_unreserve_fast(as);
	return as_finish(as, err);
}

/* aspace_mprotect() - mprotect(2): pkey_mprotect with pkey -1. */
int aspace_mprotect(struct aspace *as, uint64_t start, uint64_t len, int prot)
{
	return aspace_pkey_mprotect(as, start, len, prot, -1);
}
