/*
 * mremap.h - what tests may know of mremap.c besides the public
 * aspace_mremap(): the switch that turns its fast paths off, so a test can
 * run the same calls through both and compare the results byte for byte.
 */
#ifndef ASPACE_OPS_MREMAP_H
#define ASPACE_OPS_MREMAP_H

#include <stdbool.h>

/*
 * mremap_slow_only - when true, aspace_mremap() takes the general path
 * everywhere: every unmap through the munmap gathering, every neighbour
 * through a fresh lookup.  The fast paths (a shrink that cuts the tail of
 * one VMA, the unmap of a whole source VMA, an empty FIXED destination,
 * neighbours by cursor steps) must give exactly the same address space,
 * counters, statistics and errors.  false by default; tests only.
 */
extern bool mremap_slow_only;

#endif /* ASPACE_OPS_MREMAP_H */
