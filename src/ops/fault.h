/*
 * fault.h - the VMA effects of populating pages, shared by madvise
 * (MADV_POPULATE_READ/WRITE) and the mlock family (__mm_populate()).
 * Owned by the calls of issue 4 part 2 (madvise.c, mlock.c).
 */
#ifndef ASPACE_OPS_FAULT_H
#define ASPACE_OPS_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "vma/vma.h"

/*
 * fault_piece() - the VMA effects of faulting every page of [lo, hi) of
 * @v (which contains it) with write intent @write, after the caller's
 * permission checks: a private write (or a private hugetlb fault) prepares
 * the anon_vma, a read served by a PMD-size THP too.
 * Return: 0, or -EFAULT where the kernel's fault would be SIGBUS (a page
 *         past the end of the file, a hugetlb VMA without huge pages); the
 *         anon_vma is prepared before, as the kernel does.
 * Cannot fail otherwise; allocates nothing.  O(log n).
 */
int fault_piece(struct aspace *as, struct vma *v, uint64_t lo, uint64_t hi,
		bool write);

/*
 * fault_pkey_denied() - the execute-only protection key forbids data
 * access to @v (x86 arch_vma_access_permitted()).  Cannot fail.
 */
bool fault_pkey_denied(const struct aspace *as, const struct vma *v);

/*
 * fault_populate() - __mm_populate(start, end - start): for each VMA in
 * the range (holes skipped), skip VM_IO/VM_PFNMAP and VM_LOCKONFAULT VMAs,
 * fail on a PROT_NONE or pkey-denied VMA, else fault with write intent on
 * private writable VMAs.  With @ignore_errors every VMA is visited.
 * Return: 0 or -EFAULT (the first failing VMA; later VMAs untouched).
 * Cost: O(log n + k).   Mirrors: mm/gup.c __mm_populate(), Linux 6.18.
 */
int fault_populate(struct aspace *as, uint64_t start, uint64_t end,
		   bool ignore_errors);

#endif /* ASPACE_OPS_FAULT_H */
