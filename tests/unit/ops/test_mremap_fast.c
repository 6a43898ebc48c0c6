/*
 * test_mremap_fast.c - mremap's fast paths (src/ops/mremap.c: a shrink
 * that cuts the tail of one VMA, the unmap of a whole source VMA, an empty
 * FIXED destination, neighbours by cursor steps) against its general path.
 *
 * Two address spaces run the same random calls; in one, every mremap runs
 * with mremap_slow_only set.  After every call the results, every VMA
 * (range, pgoff, flags, kind, anon, name, provenance), the counters and the
 * work statistics must be identical, and both must validate.  The calls
 * are biased to the shapes the fast paths take (whole VMAs moved to free
 * areas and back, tails cut, growth in place) and mixed with what changes
 * their conditions: faults, locks, seals, guards, names, a low
 * max_map_count, provenance, shared anonymous mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define MF_MAYMOVE 1
#define MF_FIXED   2

#include "aspace.h"
#include "ops/mremap.h"
#include "space_diff.h"
#include "../../harness.h"

#define MF_B      0x200000000000ull
#define MF_PG(n)  ((uint64_t)(n) * 4096ull)
#define MF_AT(n)  (MF_B + MF_PG(n))
#define MF_PAGES  96                    /* the area the calls touch */

static uint64_t mf_rng;

static uint64_t mf_rand(uint64_t n)
{
	mf_rng ^= mf_rng << 13;
	mf_rng ^= mf_rng >> 7;
	mf_rng ^= mf_rng << 17;
	return n ? mf_rng % n : 0;
}

/* A page count: mostly small, sometimes a whole slot or more. */
static uint64_t mf_len(void)
{
	static const uint64_t lens[] = { 1, 1, 2, 2, 3, 4, 4, 6, 8, 16 };

	return lens[mf_rand(sizeof(lens) / sizeof(lens[0]))];
}

/* The start of an existing VMA (or a random page) inside the area. */
static uint64_t mf_vma_page(struct aspace *as, bool *whole_len,
			    uint64_t *vpages)
{
	struct aspace_vma_info vi;
	uint64_t p = mf_rand(MF_PAGES);

	*whole_len = false;
	*vpages = 0;
	if (aspace_find_vma(as, MF_AT(p), &vi) == 0 &&
	    vi.start < MF_AT(MF_PAGES)) {
		*whole_len = true;
		*vpages = (vi.end - vi.start) / 4096;
		return (vi.start - MF_B) / 4096;
	}
	return p;
}

/* One random mremap: the same on both spaces; 0 when they disagree. */
static int mf_mremap(struct aspace *a, struct aspace *b, char *what,
		     size_t wlen)
{
	static const int flagset[] = {
		0, MF_MAYMOVE,
		MF_MAYMOVE | MF_FIXED,
		MF_MAYMOVE | MF_FIXED,
		MF_MAYMOVE | MF_FIXED,
		MF_MAYMOVE | ASPACE_MREMAP_DONTUNMAP,
		MF_MAYMOVE | MF_FIXED |
			ASPACE_MREMAP_DONTUNMAP,
	};
	bool whole;
	uint64_t vp, p = mf_vma_page(a, &whole, &vp);
	uint64_t olen = whole && mf_rand(3) ? vp : mf_len();
	uint64_t nlen, np = mf_rand(MF_PAGES);
	int flags = flagset[mf_rand(sizeof(flagset) / sizeof(flagset[0]))];
	uint64_t oa = 1, ob = 2;
	int ea, eb;

	if (!whole && mf_rand(2))
		p = mf_rand(MF_PAGES);
	switch (mf_rand(4)) {
	case 0:
		nlen = olen;
		break;
	case 1:
		nlen = olen > 1 ? olen - 1 - mf_rand(olen - 1) : olen + 1;
		break;
	case 2:
		nlen = olen + 1 + mf_rand(4);
		break;
	default:
		nlen = mf_len();
		break;
	}
	if (!mf_rand(40))
		olen = 0;
	snprintf(what, wlen, "mremap(%llu, %llu, %llu, %d, %llu)",
		 (unsigned long long)p, (unsigned long long)olen,
		 (unsigned long long)nlen, flags, (unsigned long long)np);
	mremap_slow_only = false;
	ea = aspace_mremap(a, MF_AT(p), MF_PG(olen), MF_PG(nlen), flags,
			   MF_AT(np), &oa);
	mremap_slow_only = true;
	eb = aspace_mremap(b, MF_AT(p), MF_PG(olen), MF_PG(nlen), flags,
			   MF_AT(np), &ob);
	mremap_slow_only = false;
	if (ea != eb || (!ea && oa != ob)) {
		fprintf(stderr, "  %s: fast %d %#llx, slow %d %#llx\n", what, ea,
			(unsigned long long)oa, eb, (unsigned long long)ob);
		return 0;
	}
	return 1;
}

/* One random other call on both spaces; 0 when the results differ. */
static int mf_other(struct aspace *a, struct aspace *b, char *what,
		    size_t wlen)
{
	uint64_t p = mf_rand(MF_PAGES), n = mf_len(), oa, ob;
	int ea = 0, eb = 0, r = (int)mf_rand(100);

	if (r < 40) {
		static const int prots[] = {
			PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
			PROT_READ, PROT_NONE,
		};
		int prot = prots[mf_rand(4)];
		int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

		switch (mf_rand(10)) {
		case 0:
			fl |= MAP_LOCKED;
			break;
		case 1:
			fl |= MAP_NORESERVE;
			break;
		case 2:
			fl = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
			break;
		default:
			break;
		}
		snprintf(what, wlen, "mmap(%llu, %llu, %d, %#x)",
			 (unsigned long long)p, (unsigned long long)n, prot,
			 fl);
		ea = aspace_mmap(a, MF_AT(p), MF_PG(n), prot, fl, NULL, 0, &oa);
		eb = aspace_mmap(b, MF_AT(p), MF_PG(n), prot, fl, NULL, 0, &ob);
	} else if (r < 60) {
		snprintf(what, wlen, "touch(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_touch(a, MF_AT(p), MF_PG(n), ASPACE_TOUCH_WRITE);
		eb = aspace_touch(b, MF_AT(p), MF_PG(n), ASPACE_TOUCH_WRITE);
	} else if (r < 68) {
		snprintf(what, wlen, "munmap(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_munmap(a, MF_AT(p), MF_PG(n));
		eb = aspace_munmap(b, MF_AT(p), MF_PG(n));
	} else if (r < 76) {
		snprintf(what, wlen, "mlock(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_mlock(a, MF_AT(p), MF_PG(n));
		eb = aspace_mlock(b, MF_AT(p), MF_PG(n));
	} else if (r < 84) {
		snprintf(what, wlen, "guard(%llu, 1)", (unsigned long long)p);
		ea = aspace_madvise(a, MF_AT(p), MF_PG(1),
				    ASPACE_MADV_GUARD_INSTALL);
		eb = aspace_madvise(b, MF_AT(p), MF_PG(1),
				    ASPACE_MADV_GUARD_INSTALL);
	} else if (r < 90) {
		snprintf(what, wlen, "name(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_set_anon_name(a, MF_AT(p), MF_PG(n),
					  (r & 1) ? "x" : "y");
		eb = aspace_set_anon_name(b, MF_AT(p), MF_PG(n),
					  (r & 1) ? "x" : "y");
	} else if (r < 92) {
		snprintf(what, wlen, "mseal(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_mseal(a, MF_AT(p), MF_PG(n), 0);
		eb = aspace_mseal(b, MF_AT(p), MF_PG(n), 0);
	} else {
		snprintf(what, wlen, "mprotect(%llu, %llu)",
			 (unsigned long long)p, (unsigned long long)n);
		ea = aspace_mprotect(a, MF_AT(p), MF_PG(n), PROT_READ);
		eb = aspace_mprotect(b, MF_AT(p), MF_PG(n), PROT_READ);
	}
	if (ea != eb) {
		fprintf(stderr, "  %s: %d vs %d\n", what, ea, eb);
		return 0;
	}
	return 1;
}

/* One step: an mremap or another call. */
static int mf_step(struct aspace *a, struct aspace *b, char *what,
		   size_t wlen)
{
	if (mf_rand(2))
		return mf_mremap(a, b, what, wlen);
	return mf_other(a, b, what, wlen);
}

static int mf_run(const struct aspace_config *cfg, unsigned seeds,
		  unsigned ops)
{
	return sd_run(cfg, seeds, ops, &mf_rng, 1, mf_step, NULL,
		      &mremap_slow_only);
}

TEST(mremap_fast_paths_match_general_path)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	if (!mf_run(&cfg, 40, 400))
		return FAIL;
	return PASS;
}

TEST(mremap_fast_paths_match_general_path_provenance_limits)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	sd_config_limits(&cfg, 0);
	if (!mf_run(&cfg, 40, 400))
		return FAIL;
	sd_config_limits(&cfg, 1);
	if (!mf_run(&cfg, 20, 400))
		return FAIL;
	return PASS;
}
