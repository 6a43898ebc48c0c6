/*
 * test_mmap_fast.c - the direct paths of mmap and munmap (ops/fastpath.h:
 * an mmap whose address search found the range empty with no VMA ending
 * at its start skips the gathering; a munmap of exactly one whole VMA
 * skips the neighbour steps) against the general path.
 *
 * Two address spaces run the same random calls; in one, every mmap and
 * munmap runs with mmap_slow_only set.  After every call the results,
 * every VMA (range, pgoff, flags, kind, anon, name, provenance), the
 * counters and the work statistics must be identical, and both must
 * validate.  The calls are biased to the shapes the direct paths take
 * (mmap(NULL) of a few pages into the gaps that whole-VMA munmaps leave,
 * so the new range lands next to a mergeable VMA or not) and mixed with
 * what changes their conditions: hints, MAP_FIXED, THP-sized lengths,
 * shared anonymous and locked mappings, faults (anon_vma), seals, guards,
 * names, mprotect, a low max_map_count, the commit limit, RLIMIT_AS,
 * provenance, the bottom-up layout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "ops/fastpath.h"
#include "space_diff.h"
#include "../../harness.h"

#define MP_PG(n)  ((uint64_t)(n) * 4096ull)

static uint64_t mp_rng;

static uint64_t mp_rand(uint64_t n)
{
	mp_rng ^= mp_rng << 13;
	mp_rng ^= mp_rng >> 7;
	mp_rng ^= mp_rng << 17;
	return n ? mp_rng % n : 0;
}

static struct sd_dump mp_da;          /* the fast space's VMAs */

/* A page count: mostly one or two (the gaps' sizes), sometimes more. */
static uint64_t mp_len(void)
{
	static const uint64_t lens[] = { 1, 1, 1, 1, 2, 2, 3, 4, 8, 16 };

	if (!mp_rand(40))
		return 512;             /* 2 MiB: the THP-aligned search */
	return lens[mp_rand(sizeof(lens) / sizeof(lens[0]))];
}

/* A random VMA of the fast space (from the last comparison), or NULL. */
static const struct sd_vma *mp_pick(void)
{
	return mp_da.n ? &mp_da.v[mp_rand(mp_da.n)] : NULL;
}

/* The two results agree?  Prints them when not. */
static int mp_agree(const char *what, int ea, int eb)
{
	if (ea != eb)
		fprintf(stderr, "  %s: fast %d, slow %d\n", what, ea, eb);
	return ea == eb;
}

/* Run one call on both spaces, the second with the direct paths off. */
#define MP_BOTH(ea, eb, call_a, call_b)					\
	do {								\
		mmap_slow_only = false;					\
		ea = (call_a);						\
		mmap_slow_only = true;					\
		eb = (call_b);						\
		mmap_slow_only = false;					\
	} while (0)

static int mp_mmap(struct aspace *a, struct aspace *b, char *what,
		   size_t wlen)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE,
		PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	const struct sd_vma *t = mp_pick();
	uint64_t len = MP_PG(mp_len()), hint = 0, oa = 1, ob = 2;
	int prot = prots[mp_rand(sizeof(prots) / sizeof(prots[0]))];
	int fl = MAP_PRIVATE | MAP_ANONYMOUS, ea, eb;

	switch (mp_rand(16)) {
	case 0:
		fl |= MAP_LOCKED;
		break;
	case 1:
		fl |= MAP_NORESERVE;
		break;
	case 2:
		fl = MAP_SHARED | MAP_ANONYMOUS;
		break;
	case 3:
		fl |= MAP_GROWSDOWN;
		break;
	case 4:
		fl |= MAP_32BIT;
		break;
	default:
		break;
	}
	if (t && !mp_rand(6)) {
		/* a hint at, inside or next to a VMA */
		hint = t->start + MP_PG(mp_rand(3)) - MP_PG(mp_rand(3));
		if (!mp_rand(3))
			fl |= MAP_FIXED;
	}
	snprintf(what, wlen, "mmap(%#llx, %llu, %d, %#x)",
		 (unsigned long long)hint, (unsigned long long)len, prot, fl);
	MP_BOTH(ea, eb,
		aspace_mmap(a, hint, len, prot, fl, NULL, 0, &oa),
		aspace_mmap(b, hint, len, prot, fl, NULL, 0, &ob));
	if (ea != eb || (!ea && oa != ob)) {
		fprintf(stderr, "  %s: fast %d %#llx, slow %d %#llx\n", what, ea,
			(unsigned long long)oa, eb, (unsigned long long)ob);
		return 0;
	}
	return 1;
}

static int mp_munmap(struct aspace *a, struct aspace *b, char *what,
		     size_t wlen)
{
	const struct sd_vma *t = mp_pick();
	uint64_t s, len;
	int ea, eb;

	if (!t)
		return 1;
	s = t->start;
	len = t->end - t->start;
	switch (mp_rand(8)) {
	case 0:         /* its first pages */
		len = MP_PG(1 + mp_rand(len / 4096));
		break;
	case 1:         /* from inside it, on past it */
		s += MP_PG(mp_rand(len / 4096));
		len = MP_PG(mp_len());
		break;
	case 2:         /* from a page before it */
		s -= MP_PG(1);
		len += MP_PG(mp_rand(2));
		break;
	default:        /* exactly the whole VMA */
		break;
	}
	snprintf(what, wlen, "munmap(%#llx, %llu)", (unsigned long long)s,
		 (unsigned long long)len);
	MP_BOTH(ea, eb, aspace_munmap(a, s, len), aspace_munmap(b, s, len));
	return mp_agree(what, ea, eb);
}

/* One random other call on both spaces; 0 when the results differ. */
static int mp_other(struct aspace *a, struct aspace *b, char *what,
		    size_t wlen)
{
	const struct sd_vma *t = mp_pick();
	uint64_t s, n;
	int ea, eb, r = (int)mp_rand(100);

	if (!t)
		return 1;
	s = t->start + MP_PG(mp_rand((t->end - t->start) / 4096));
	n = MP_PG(1 + mp_rand(2));
	if (r < 30) {
		snprintf(what, wlen, "touch(%#llx)", (unsigned long long)s);
		MP_BOTH(ea, eb, aspace_touch(a, s, n, ASPACE_TOUCH_WRITE),
			aspace_touch(b, s, n, ASPACE_TOUCH_WRITE));
	} else if (r < 55) {
		int prot = (r & 1) ? PROT_READ : PROT_READ | PROT_WRITE;

		snprintf(what, wlen, "mprotect(%#llx, %d)",
			 (unsigned long long)s, prot);
		MP_BOTH(ea, eb, aspace_mprotect(a, s, n, prot),
			aspace_mprotect(b, s, n, prot));
	} else if (r < 65) {
		snprintf(what, wlen, "mlock(%#llx)", (unsigned long long)s);
		MP_BOTH(ea, eb, aspace_mlock(a, s, n), aspace_mlock(b, s, n));
	} else if (r < 75) {
		snprintf(what, wlen, "guard(%#llx)", (unsigned long long)s);
		MP_BOTH(ea, eb,
			aspace_madvise(a, s, MP_PG(1),
				       ASPACE_MADV_GUARD_INSTALL),
			aspace_madvise(b, s, MP_PG(1),
				       ASPACE_MADV_GUARD_INSTALL));
	} else if (r < 88) {
		const char *nm = (r & 1) ? "x" : "y";

		snprintf(what, wlen, "name(%#llx)", (unsigned long long)s);
		MP_BOTH(ea, eb, aspace_set_anon_name(a, s, n, nm),
			aspace_set_anon_name(b, s, n, nm));
	} else {
		/* a whole VMA sealed: its munmap must refuse alike */
		snprintf(what, wlen, "mseal(%#llx)",
			 (unsigned long long)t->start);
		MP_BOTH(ea, eb, aspace_mseal(a, t->start, t->end - t->start, 0),
			aspace_mseal(b, t->start, t->end - t->start, 0));
	}
	return mp_agree(what, ea, eb);
}

/* One step: an mmap, a munmap or another call. */
static int mp_step(struct aspace *a, struct aspace *b, char *what,
		   size_t wlen)
{
	unsigned r = (unsigned)mp_rand(10);

	if (r < 4)
		return mp_mmap(a, b, what, wlen);
	if (r < 7)
		return mp_munmap(a, b, what, wlen);
	return mp_other(a, b, what, wlen);
}

static int mp_run(const struct aspace_config *cfg, unsigned seeds,
		  unsigned ops)
{
	return sd_run(cfg, seeds, ops, &mp_rng, 7, mp_step, &mp_da,
		      &mmap_slow_only);
}

TEST(mmap_fast_paths_match_general_path)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	if (!mp_run(&cfg, 40, 500))
		return FAIL;
	cfg.legacy_layout = true;
	if (!mp_run(&cfg, 20, 500))
		return FAIL;
	return PASS;
}

TEST(mmap_fast_paths_match_general_path_provenance_limits)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	sd_config_limits(&cfg, 0);
	cfg.soft_dirty = true;
	if (!mp_run(&cfg, 30, 500))
		return FAIL;
	sd_config_limits(&cfg, 1);
	cfg.rlimit_as = 600 * 4096;
	if (!mp_run(&cfg, 20, 500))
		return FAIL;
	return PASS;
}
