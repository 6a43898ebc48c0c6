/*
 * guard.h - guard regions at page level (MADV_GUARD_INSTALL/_REMOVE): the
 * set of marked pages the kernel keeps as PTE markers, and what each
 * operation does to it.  The set is as->guards (declared in vma.h): page
 * ranges [first, last] -> a dummy non-NULL value, disjoint and coalesced
 * (two entries never touch), every page inside some VMA.  Empty unless
 * madvise installed a marker; every function here is O(1) then.
 *
 * Rules (verified on 6.18.44, docs/kernel-notes.md "Guard regions"):
 *  - an access to a marked page faults (SIGSEGV), populate reports
 *    -EFAULT there (mlock: -ENOMEM);
 *  - unmapping drops the markers of the range (munmap, MAP_FIXED, brk,
 *    mremap shrink); mprotect, mlock, DONTNEED/FREE/COLD/PAGEOUT keep them;
 *  - mremap moves them with the pages (DONTUNMAP: the old range keeps
 *    none);
 *  - fork copies them into every child VMA except VM_WIPEONFORK ones (and
 *    VM_DONTCOPY VMAs, which the child lacks).
 */
#ifndef ASPACE_VMA_GUARD_H
#define ASPACE_VMA_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "vma/vma.h"

/* guard_any() - does @as hold any marker?  Cannot fail.  O(1). */
static inline bool guard_any(const struct aspace *as)
{
	return rt_count(&as->guards) != 0;
}

/*
 * guard_first() - the lowest marked page of [start, end).
 * Return: true and *@addr, or false when the range holds none.
 * Cost: O(1) without markers, else O(log g).
 */
bool guard_first(const struct aspace *as, uint64_t start, uint64_t end,
		 uint64_t *addr /* OUT */);

/*
 * guard_count() - the marker entries meeting [start, end): the stores a
 * move of that range needs.  Cannot fail.  O(log g + m).
 */
uint64_t guard_count(const struct aspace *as, uint64_t start, uint64_t end);

/*
 * guard_install() - mark every page of [start, end) (page aligned, inside
 * VMAs the caller checked), merging with touching entries.
 * Assumes: one guard store reserved (vma_guard_reserve()).
 * Cannot fail.  O(log g).
 */
void guard_install(struct aspace *as, uint64_t start, uint64_t end);

/*
 * guard_reserve_move() - reserve the guard stores an mremap needs:
 * @nunmaps erasures plus one store per marker entry of [start, end) (the
 * range that may move).  Nothing is reserved when @as has no marker.
 * Return: 0 or -ENOMEM (as_oom(); nothing changed).  O(log g + m).
 */
int guard_reserve_move(struct aspace *as, uint64_t start, uint64_t end,
		       unsigned nunmaps);

/*
 * guard_move() - the markers of [from, from + len) also mark the same
 * pages at @to (page tables moved by mremap).  The destination holds no
 * marker and does not overlap the source; the caller then unmaps the
 * source (or, for MREMAP_DONTUNMAP, removes its markers).
 * Assumes: guard_count(from, from + len) stores reserved.
 * Cannot fail.  O((m + 1) log g).
 */
void guard_move(struct aspace *as, uint64_t from, uint64_t len, uint64_t to);

/*
 * guard_fork() - give @child (being built by fork, VMAs in place) the
 * markers of @parent that copy_page_range() copies: those in VMAs the
 * child has (not VM_DONTCOPY) that are not VM_WIPEONFORK; with
 * config.maybe_guard off (kernels before VM_MAYBE_GUARD), only those in
 * VMAs with an anon_vma.
 * Return: 0, or -ENOMEM when the allocator fails (@child's marker set is
 *         then empty; the caller frees it).  @parent is only read.
 * Cost: O(g + k) for the k parent VMAs holding markers.
 */
int guard_fork(const struct aspace *parent, struct aspace *child);

/*
 * guard_check() - the marker set is well formed: page aligned, coalesced,
 * every marked page inside a VMA.  Return: 0, or -1 after printing the
 * first problem to stderr.  O(g log n).
 */
int guard_check(const struct aspace *as);

#endif /* ASPACE_VMA_GUARD_H */
