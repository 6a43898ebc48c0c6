/*
 * fixture.h - helpers for the VMA-layer and syscall tests: an address
 * space with the reference defaults, page arithmetic relative to a fixed
 * base B, and a compact layout string to compare against a ruler drawing.
 *
 * fx_layout() prints each VMA intersecting [B, B + 4096 pages) as
 * "S-E:perms[/aN][ flags]" with S, E page numbers relative to B, perms as
 * in /proc maps, aN the anon_vma id (a1F for a fork child) and, with
 * FX_FLAGS, the smaps VmFlags letters; VMAs are separated by " | ".
 */
#ifndef ASPACE_TEST_FIXTURE_H
#define ASPACE_TEST_FIXTURE_H

#include <stdint.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"

#define FX_B          0x200000000000ull
#define PG(n)         ((uint64_t)(n) * 4096ull)
#define AT(n)         (FX_B + PG(n))
#define FX_FLAGS      0x1u

struct aspace *fx_new(void);
struct aspace *fx_new_cfg(const struct aspace_config *cfg);

/* MAP_FIXED private anonymous [AT(p), AT(p + n)); returns the mmap result. */
int fx_map(struct aspace *as, uint64_t p, uint64_t n, int prot, int extra);

/* The layout text (static buffer, valid until the next call). */
const char *fx_layout(const struct aspace *as, unsigned opts);

/* aspace_maps() into a static buffer (opts: ASPACE_MAPS_*). */
const char *fx_maps(const struct aspace *as, unsigned opts);

/* Counters as one comparable string (static buffer). */
const char *fx_counters(const struct aspace *as);

/* Fail the test if the layout differs or validation fails. */
#define ASSERT_LAYOUT(as, want)						\
	do {								\
		ASSERT_EQ(aspace_validate(as), 0);			\
		ASSERT_STR_EQ(fx_layout((as), 0), (want));		\
	} while (0)
#define ASSERT_LAYOUT_F(as, want)					\
	do {								\
		ASSERT_EQ(aspace_validate(as), 0);			\
		ASSERT_STR_EQ(fx_layout((as), FX_FLAGS), (want));	\
	} while (0)

#endif
