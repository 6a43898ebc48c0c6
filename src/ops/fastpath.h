/*
 * fastpath.h - what tests may know of mmap.c and munmap.c besides the
 * public calls: the switch that turns their direct paths off, so a test can
 * run the same calls through both and compare the results byte for byte.
 */
#ifndef ASPACE_OPS_FASTPATH_H
#define ASPACE_OPS_FASTPATH_H

#include <stdbool.h>

/*
 * mmap_slow_only - when true, aspace_mmap() and aspace_munmap() take the
 * general path everywhere: mmap gathers the range the address search
 * found empty (and looks up its left neighbour), munmap gathers and
 * commits one whole VMA through vma_unmap_gather()/vma_unmap_commit().
 * The direct paths must give exactly the same address space, counters,
 * statistics and errors.  false by default; tests only.
 */
extern bool mmap_slow_only;

#endif /* ASPACE_OPS_FASTPATH_H */
