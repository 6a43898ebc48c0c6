/*
 * fault.c - what populating pages does to VMAs (01 §4.1): the anon_vma a
 * private write fault prepares, the one a PMD-size THP read prepares, and
 * the SIGBUS-type failures (past EOF, hugetlb without pages) that GUP
 * reports as -EFAULT.  madvise(MADV_POPULATE_*) and mlock use it; pages
 * themselves are not modelled, so one VMA piece costs O(1) whatever its
 * length.
 */
#include <errno.h>

#include "ops/fault.h"
#include "vma/guard.h"

/* vma_is_anonymous() in the kernel's sense: no vm_ops (private /dev/zero). */
static bool fault_anon_ops(const struct vma *v)
{
	return !v->file || v->file->desc.kind == ASPACE_FILE_DEVZERO;
}

/*
 * Would a read of some page of [lo, hi) be served by a PMD-size THP?
 * Private anonymous, THP allowed for the VMA, and a whole aligned 2 MiB
 * block of the VMA meets [lo, hi).
 */
static bool fault_thp_read(const struct aspace *as, const struct vma *v,
			   uint64_t lo, uint64_t hi)
{
	uint64_t first = (v->start + HPAGE_PMD_SIZE - 1) & ~(HPAGE_PMD_SIZE - 1);
	uint64_t last = v->end & ~(HPAGE_PMD_SIZE - 1);
	bool mode_ok = as->cfg.thp == ASPACE_THP_ALWAYS ||
		(as->cfg.thp == ASPACE_THP_MADVISE && (v->flags & VM_HUGEPAGE));

	if (!fault_anon_ops(v) || (v->flags & (VM_MAYSHARE | VM_NOHUGEPAGE |
					       VM_HUGETLB | VM_SPECIAL)))
		return false;
	return mode_ok && first < last && first < hi && last > lo;
}

/* Does some page of @v below @hi lie past the end of its file (SIGBUS)? */
static bool fault_past_eof(const struct vma *v, uint64_t hi)
{
	uint64_t npages, last_idx;

	if (!v->file || v->file->desc.kind == ASPACE_FILE_DEVZERO)
		return false;
	npages = PAGE_ALIGN(v->file->desc.size) >> PAGE_SHIFT;
	last_idx = v->pgoff + ((hi - v->start) >> PAGE_SHIFT) - 1;
	return last_idx >= npages;
}

int fault_piece(struct aspace *as, struct vma *v, uint64_t lo, uint64_t hi,
		bool write)
{
	bool private = !(v->flags & VM_MAYSHARE);

	if (v->flags & VM_HUGETLB) {
		if (private)
			vma_anon_prepare(as, v);
		if (!as->cfg.hugetlb_pages)
			return -EFAULT;
	} else if (write && private) {
		vma_anon_prepare(as, v);
	} else if (!write && fault_thp_read(as, v, lo, hi)) {
		vma_anon_prepare(as, v);
	}
	return fault_past_eof(v, hi) ? -EFAULT : 0;
}

bool fault_pkey_denied(const struct aspace *as, const struct vma *v)
{
	return as->cfg.pku && as->exec_only_pkey > 0 &&
		vma_pkey(v) == as->exec_only_pkey;
}

/*
 * fault_populate() - see fault.h.  populate_vma_page_range() faults with
 * FOLL_FORCE on accessible VMAs, so only PROT_NONE (and the pkey check of
 * check_vma_flags()) refuses.  A guard marker ends the VMA's
 * populate with -EFAULT (mlock reports it as -ENOMEM; mlockall and the
 * ignore_errors callers go on with the next VMA).
 */
int fault_populate(struct aspace *as, uint64_t start, uint64_t end,
		   bool ignore_errors)
{
	struct vma *v;
	int err;

	for_each_vma_range(as, v, start, end) {
		uint64_t lo = MAX(start, v->start), hi = MIN(end, v->end), g;
		bool write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;

		if (v->flags & (VM_IO | VM_PFNMAP | VM_LOCKONFAULT))
			continue;

		if (!(v->flags & VM_ACCESS_FLAGS) || fault_pkey_denied(as, v)) {
			err = -EFAULT;
		} else if (guard_first(as, lo, hi, &g)) {
			/* GUP stops at a guard marker (SIGSEGV: -EFAULT);
			 * the pages before it are faulted */
			err = g > lo ? fault_piece(as, v, lo, g, write) : 0;
			if (!err)
				err = -EFAULT;
		} else {
			err = fault_piece(as, v, lo, hi, write);
		}
		if (err && !ignore_errors)
			return err;
	}
	return 0;
}
