/*
 * test_guard_oom.c - the allocation-failure sweep over every call that
 * stores guard markers: for each k the k-th allocation fails; the call
 * returns -ENOMEM with aspace_last_oom() true and leaves the maps text
 * (with VmFlags), every counter and the marked pages unchanged.  The
 * fixture holds 33 marker entries (more than one leaf of the marker
 * tree) so the stores split and merge nodes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../vma/fixture.h"
#include "../../oom/oom.h"
#include "vma/vma.h"

#define RW  (PROT_READ | PROT_WRITE)
#define GI  ASPACE_MADV_GUARD_INSTALL
#define GR  ASPACE_MADV_GUARD_REMOVE
#define DONTUNMAP ASPACE_MREMAP_DONTUNMAP
#define MOVE_FIXED (1 | 2)          /* MREMAP_MAYMOVE | MREMAP_FIXED */
#define SPAN 260                    /* pages the snapshot shows */

/*
 *  page  0 ........ 64  68  70   80     100  104         200 ... 
 *        A(rw) odd  B(r) .  C(rw) .     D(rw)             E(rw)
 *        pages marked       71-73 marked  D all marked     E 201, 203
 */
static struct aspace *guard_fixture(void)
{
	struct aspace *as = fx_new();
	unsigned i;

	if (!as || fx_map(as, 0, 64, RW, 0) || fx_map(as, 64, 4, PROT_READ, 0) ||
	    fx_map(as, 70, 10, RW, 0) || fx_map(as, 100, 4, RW, 0) ||
	    fx_map(as, 200, 8, RW, 0))
		abort();
	for (i = 1; i < 64; i += 2)
		if (aspace_madvise(as, AT(i), PG(1), GI))
			abort();
	if (aspace_madvise(as, AT(71), PG(3), GI) ||
	    aspace_madvise(as, AT(100), PG(4), GI) ||
	    aspace_madvise(as, AT(201), PG(1), GI) ||
	    aspace_madvise(as, AT(203), PG(1), GI))
		abort();
	return as;
}

static char *snapshot(struct aspace *as)
{
	char *m = aspace_maps(as, ASPACE_MAPS_SMAPS);
	const char *c = fx_counters(as);
	size_t n = strlen(m) + strlen(c) + SPAN + 4;
	char *s = malloc(n), *p;
	unsigned i;

	if (!s)
		abort();
	p = s + snprintf(s, n, "%s%s\n", m, c);
	for (i = 0; i < SPAN; i++)
		*p++ = vma_guarded(as, AT(i)) ? 'G' : '.';
	*p = '\0';
	aspace_free_text(m);
	return s;
}

typedef int (*guard_call)(struct aspace *as);

static int g_install(struct aspace *as)     /* merges, spans A and B */
{ return aspace_madvise(as, AT(30), PG(38), GI); }
static int g_remove(struct aspace *as)      /* splits entries */
{
	int err = aspace_madvise(as, AT(72), PG(1), GR);

	return err ? err : aspace_madvise(as, AT(0), PG(20), GR);
}
static int g_munmap(struct aspace *as)
{ return aspace_munmap(as, AT(10), PG(21)); }
static int g_mmap_fixed(struct aspace *as)
{ return fx_map(as, 5, 50, RW, 0); }
static int g_move(struct aspace *as)        /* onto D: FIXED unmap too */
{ uint64_t o; return aspace_mremap(as, AT(0), PG(64), PG(64), MOVE_FIXED,
				   AT(90), &o); }
static int g_grow_move(struct aspace *as)
{ uint64_t o; return aspace_mremap(as, AT(70), PG(10), PG(20), 1, 0, &o); }
static int g_dontunmap(struct aspace *as)
{ uint64_t o; return aspace_mremap(as, AT(0), PG(64), PG(64),
				   MOVE_FIXED | DONTUNMAP, AT(120), &o); }
static int g_pure_move(struct aspace *as)   /* A, B and C: three pieces */
{ uint64_t o; return aspace_mremap(as, AT(0), PG(80), PG(80), MOVE_FIXED,
				   AT(120), &o); }
static int g_shrink(struct aspace *as)
{ uint64_t o; return aspace_mremap(as, AT(0), PG(64), PG(9), 0, 0, &o); }
static int g_fork(struct aspace *as)
{
	struct aspace *ch = NULL;
	int err = aspace_fork(as, &ch);

	if (!err) {
		if (aspace_validate(ch) || !vma_guarded(ch, AT(63)) ||
		    !vma_guarded(ch, AT(103)))
			abort();
		aspace_free(ch);
	}
	return err;
}

static int sweep(guard_call call, const char *want_after)
{
	for (long k = 0;; k++) {
		struct aspace *as = guard_fixture();
		char *before = snapshot(as), *after;
		int err;

		oom_fail_nth(k);
		err = call(as);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			ASSERT_EQ(aspace_validate(as), 0);
			after = snapshot(as);
			if (want_after)
				ASSERT_STR_EQ(after + strlen(after) - SPAN,
					      want_after);
			free(after);
			free(before);
			aspace_free(as);
			return PASS;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_TRUE(aspace_last_oom(as));
		ASSERT_EQ(aspace_validate(as), 0);
		after = snapshot(as);
		ASSERT_STR_EQ(after, before);
		free(after);
		free(before);
		aspace_free(as);
	}
}

/* The marked pages after a call: ranges [from, to) of 'G' on '.'. */
static const char *marks(const unsigned (*r)[2], unsigned n)
{
	static char buf[SPAN + 1];
	unsigned i, p;

	memset(buf, '.', SPAN);
	buf[SPAN] = '\0';
	for (i = 0; i < n; i++)
		for (p = r[i][0]; p < r[i][1]; p++)
			buf[p] = 'G';
	return buf;
}

/* Odd pages of [lo, hi) shifted by @shift, appended to @r. */
static unsigned odd_pages(unsigned (*r)[2], unsigned n, unsigned lo,
			  unsigned hi, unsigned shift)
{
	for (unsigned p = lo | 1; p < hi; p += 2) {
		r[n][0] = p + shift;
		r[n][1] = p + shift + 1;
		n++;
	}
	return n;
}

TEST(test_guard_oom_install)
{
	static unsigned r[64][2];
	unsigned n = odd_pages(r, 0, 0, 30, 0);

	memcpy(r[n++], (unsigned[2]){ 30, 64 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 64, 68 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 71, 74 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 100, 104 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 201, 202 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 203, 204 }, sizeof(r[0]));
	return sweep(g_install, marks(r, n));
}

TEST(test_guard_oom_remove)
{
	static unsigned r[64][2];
	unsigned n = odd_pages(r, 0, 20, 64, 0);

	memcpy(r[n++], (unsigned[2]){ 71, 72 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 73, 74 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 100, 104 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 201, 202 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 203, 204 }, sizeof(r[0]));
	return sweep(g_remove, marks(r, n));
}

TEST(test_guard_oom_munmap)  { return sweep(g_munmap, NULL); }
TEST(test_guard_oom_mmap_fixed) { return sweep(g_mmap_fixed, NULL); }

TEST(test_guard_oom_mremap_move)
{
	static unsigned r[64][2];
	unsigned n = 0;

	memcpy(r[n++], (unsigned[2]){ 71, 74 }, sizeof(r[0]));
	n = odd_pages(r, n, 0, 64, 90);           /* D's markers unmapped */
	memcpy(r[n++], (unsigned[2]){ 201, 202 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 203, 204 }, sizeof(r[0]));
	return sweep(g_move, marks(r, n));
}

TEST(test_guard_oom_mremap_grow_move) { return sweep(g_grow_move, NULL); }

TEST(test_guard_oom_mremap_dontunmap)
{
	static unsigned r[64][2];
	unsigned n = 0;

	memcpy(r[n++], (unsigned[2]){ 71, 74 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 100, 104 }, sizeof(r[0]));
	n = odd_pages(r, n, 0, 64, 120);
	memcpy(r[n++], (unsigned[2]){ 201, 202 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 203, 204 }, sizeof(r[0]));
	return sweep(g_dontunmap, marks(r, n));
}

TEST(test_guard_oom_mremap_pure_move)
{
	static unsigned r[64][2];
	unsigned n = 0;

	memcpy(r[n++], (unsigned[2]){ 100, 104 }, sizeof(r[0]));
	n = odd_pages(r, n, 0, 64, 120);
	memcpy(r[n++], (unsigned[2]){ 191, 194 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 201, 202 }, sizeof(r[0]));
	memcpy(r[n++], (unsigned[2]){ 203, 204 }, sizeof(r[0]));
	return sweep(g_pure_move, marks(r, n));
}

TEST(test_guard_oom_mremap_shrink) { return sweep(g_shrink, NULL); }
TEST(test_guard_oom_fork) { return sweep(g_fork, NULL); }
