/*
 * test_query_walk.c - the read-only queries of src/core/query.c after
 * round 4 (a cursor walk in aspace_for_each_vma() and aspace_validate(),
 * rt_load/rt_find called directly): aspace_for_each_vma() gives exactly
 * what repeated aspace_find_vma() gives, for every [lo, hi) on a ruler,
 * including empty and reversed ranges; early stop returns @fn's value;
 * aspace_vma_at() and aspace_find_vma() at every page.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)

struct qw_seen {
	uint64_t start[16];
	unsigned n, stop_at;
};

static int qw_step(const struct aspace_vma_info *v, void *arg)
{
	struct qw_seen *s = arg;

	if (s->n < 16)
		s->start[s->n] = v->start;
	s->n++;
	return s->n == s->stop_at ? 77 : 0;
}

TEST(query_for_each_matches_find_vma_on_a_ruler)
{
	struct aspace *as = fx_new();
	uint64_t lo, hi;

	/*
	 *  page    0 1 2 3 4 5 6 7 8 9 10 11
	 *          A A . B . . C C C . D  .
	 */
	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 3, 1, PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 6, 3, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 10, 1, PROT_READ, 0), 0);
	for (lo = 0; lo <= 12; lo++) {
		for (hi = 0; hi <= 12; hi++) {
			struct qw_seen s = { .stop_at = 0 };
			struct aspace_vma_info v;
			uint64_t want[16], a = AT(lo);
			unsigned n = 0;

			/* the reference: find_vma(lo), then its successors */
			while (!aspace_find_vma(as, a, &v) &&
			       v.start < AT(hi)) {
				want[n++] = v.start;
				a = v.end;
			}
			ASSERT_EQ(aspace_for_each_vma(as, AT(lo), AT(hi),
						      qw_step, &s), 0);
			ASSERT_EQ(s.n, n);
			for (unsigned i = 0; i < n; i++)
				ASSERT_EQ(s.start[i], want[i]);
		}
	}
	{
		struct qw_seen s = { .stop_at = 2 };

		ASSERT_EQ(aspace_for_each_vma(as, 0, UINT64_MAX, qw_step, &s),
			  77);
		ASSERT_EQ(s.n, 2);
	}
	aspace_free(as);
	return PASS;
}

TEST(query_vma_at_and_find_vma_every_page)
{
	struct aspace *as = fx_new();
	struct aspace_vma_info v;
	uint64_t p;

	ASSERT_EQ(fx_map(as, 1, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 5, 1, PROT_READ, 0), 0);
	for (p = 0; p < 8; p++) {
		int in = (p >= 1 && p < 3) || p == 5;

		memset(&v, 0xa5, sizeof(v));
		ASSERT_EQ(aspace_vma_at(as, AT(p) + 123, &v), in ? 0 : -ENOENT);
		if (in) {
			ASSERT_TRUE(v.start <= AT(p) && v.end > AT(p));
			ASSERT_TRUE(v.anon_name == NULL);
			ASSERT_EQ(v.origin, 0);
			ASSERT_EQ(v.last_change, 0);
		}
		ASSERT_EQ(aspace_find_vma(as, AT(p), &v), p < 6 ? 0 : -ENOENT);
		if (p < 6)
			ASSERT_EQ(v.start, p < 3 ? AT(1) : AT(5));
	}
	aspace_free(as);
	return PASS;
}
