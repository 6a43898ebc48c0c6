/*
 * rt_bench.c - the range tree against glibc's tsearch (a red-black tree)
 * on the same operations in the same run, at 1e3..1e6 entries.
 *
 * Layout: entry i covers one 4 KiB page at (2i + i/64) pages, so entries
 * are separated by one-page gaps and every 64th gap is two pages.  All
 * lookups use random orders, so caches are honest.  Each figure is the
 * best of three timed batches; stores are timed on k disjoint random
 * entries (neighbour pairs for merge), then undone untimed.
 *
 * The baseline keeps the same (first, last, value) keys, allocated once
 * in one array outside the measurement, in a tsearch tree whose comparator
 * calls two ranges equal when they overlap (so tfind of [x, x] is "load").
 * What each baseline figure does:
 *   load   tfind([x, x])
 *   next   tfind of the following entry's key.  tsearch keeps no parent
 *          pointers and has no successor search, so this assumes the
 *          caller knows the next key: a lower bound of any successor
 *          search there.  aspace runs rt_next(first) from scratch.
 *   split  tdelete one key, tsearch three (head, new, tail).
 *   merge  tdelete two neighbours, tsearch one covering both + the gap.
 *   erase  tdelete one key.
 *   gap    successor walk (as "next") from a random entry until a gap of
 *          two pages: what a tree without gap summaries must do.  aspace
 *          runs rt_gap_lowest(lo, MAX, two pages).
 * Memory: aspace_bytes_per_entry is rt_bytes() / n (what the tree asks
 * as_alloc for, spares included); both *_heap_* figures are mallinfo2()
 * deltas across building the tree, so they include malloc's own overhead
 * (tsearch: one 24-byte node per entry).
 */
#define _GNU_SOURCE             /* tdestroy() */
#include <malloc.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xorshift.h"

#include "rtree/rt.h"

#define PG 4096ull

struct key {
	uint64_t first, last;
	void    *value;
};


static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t first_of(uint64_t i)
{
	return (2 * i + i / 64) * PG;
}

static int cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->last < y->first)
		return -1;
	if (x->first > y->last)
		return 1;
	return 0;
}

static void nofree(void *p)
{
	(void)p;
}

static size_t heap(void)
{
	return mallinfo2().uordblks;
}

static volatile uintptr_t sink;

/* A random permutation of 0..n-1 (n >= 1). */
static uint64_t *perm(uint64_t n)
{
	uint64_t *p = malloc(n * sizeof(*p)), i;

	for (i = 0; i < n; i++)
		p[i] = i;
	for (i = n - 1; i > 0; i--) {
		uint64_t j = rnd() % (i + 1), x = p[i];

		p[i] = p[j];
		p[j] = x;
	}
	return p;
}

static void line(const char *op, uint64_t n, double a, double b)
{
	printf("BENCH op=%s n=%llu aspace_ns=%.1f baseline=tsearch "
	       "baseline_ns=%.1f ratio=%.2f\n", op, (unsigned long long)n,
	       a, b, a / b);
}

/*
 * Best of three: start(&tm) before the timed part, stop(&tm) after it;
 * any untimed restore goes after stop().
 */
struct timing {
	double best, t0;
};

#define BEST3(tm) for (int rep_ = ((tm).best = 1e30, 0); rep_ < 3; rep_++)

static void start(struct timing *tm)
{
	tm->t0 = now();
}

static void stop(struct timing *tm)
{
	double t = now() - tm->t0;

	if (t < tm->best)
		tm->best = t;
}

static void bench(uint64_t n)
{
	struct rt_tree t;
	struct key *keys = malloc((n + 3 * n) * sizeof(*keys)), *extra;
	void *root = NULL;
	uint64_t *order = perm(n), i, j, q = 200000;
	uint64_t k = n / 4 < 50000 ? n / 4 : 50000, *pick, *qidx;
	size_t h0, h1, h2;
	struct timing ta, tb;

	extra = keys + n;
	for (i = 0; i < n; i++)
		keys[i] = (struct key){ first_of(i), first_of(i) + PG - 1,
					(void *)(uintptr_t)((i + 1) << 4) };

	/* build both in the same random order */
	h0 = heap();
	rt_init(&t);
	for (i = 0; i < n; i++) {
		struct key *e = &keys[order[i]];

		if (rt_store(&t, e->first, e->last, e->value))
			abort();
	}
	h1 = heap();
	for (i = 0; i < n; i++)
		if (!tsearch(&keys[order[i]], &root, cmp))
			abort();
	h2 = heap();
	printf("BENCH op=memory n=%llu aspace_bytes_per_entry=%.1f "
	       "baseline=tsearch baseline_bytes_per_entry=%.1f "
	       "aspace_heap_bytes_per_entry=%.1f\n", (unsigned long long)n,
	       (double)rt_bytes(&t) / n, (double)(h2 - h1) / n,
	       (double)(h1 - h0) / n);

	/* random queries: entry indices and offsets inside them */
	qidx = malloc(q * sizeof(*qidx));
	for (i = 0; i < q; i++)
		qidx[i] = rnd() % n;

	BEST3(ta) {
		start(&ta);
		for (i = 0; i < q; i++)
			sink += (uintptr_t)rt_load(&t, keys[qidx[i]].first +
						   (i & 4095), NULL);
		stop(&ta);
	}
	BEST3(tb) {
		start(&tb);
		for (i = 0; i < q; i++) {
			struct key x = { keys[qidx[i]].first + (i & 4095), 0,
					 0 };

			x.last = x.first;
			sink += (uintptr_t)tfind(&x, &root, cmp);
		}
		stop(&tb);
	}
	line("load", n, ta.best / q, tb.best / q);

	BEST3(ta) {
		start(&ta);
		for (i = 0; i < q; i++)
			sink += (uintptr_t)rt_next(&t, keys[qidx[i]].first,
						   NULL);
		stop(&ta);
	}
	BEST3(tb) {
		start(&tb);
		for (i = 0; i < q; i++) {
			uint64_t s = qidx[i] + 1 < n ? qidx[i] + 1 : qidx[i];

			sink += (uintptr_t)tfind(&keys[s], &root, cmp);
		}
		stop(&tb);
	}
	line("next", n, ta.best / q, tb.best / q);

	/* gap of two pages at or above a random entry */
	BEST3(ta) {
		start(&ta);
		for (i = 0; i < q; i++) {
			uint64_t a = 0, b;

			sink += rt_gap_lowest(&t, keys[qidx[i]].first,
					      UINT64_MAX, 2 * PG, &a, &b) + a;
		}
		stop(&ta);
	}
	BEST3(tb) {
		start(&tb);
		for (i = 0; i < q / 8; i++) {
			uint64_t s = qidx[i];
			struct key **p = tfind(&keys[s], &root, cmp);

			while (s + 1 < n) {
				struct key **nx = tfind(&keys[s + 1], &root,
							cmp);

				if ((*nx)->first - (*p)->last - 1 >= 2 * PG)
					break;
				p = nx;
				s++;
			}
			sink += s;
		}
		stop(&tb);
	}
	line("gap", n, ta.best / q, tb.best / (q / 8));

	/* stores: k disjoint random entries (pairs for merge), timed, then
	 * put back untimed */
	pick = perm(n / 2);
	BEST3(ta) {
		start(&ta);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			rt_store(&t, e->first + PG / 4, e->first + PG / 2 - 1,
				 (void *)8);
		}
		stop(&ta);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			rt_store(&t, e->first, e->last, e->value);
		}
	}
	BEST3(tb) {
		start(&tb);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]], *x = &extra[3 * i];

			tdelete(e, &root, cmp);
			x[0] = (struct key){ e->first, e->first + PG / 4 - 1,
					     e->value };
			x[1] = (struct key){ e->first + PG / 4,
					     e->first + PG / 2 - 1, (void *)8 };
			x[2] = (struct key){ e->first + PG / 2, e->last,
					     e->value };
			tsearch(&x[0], &root, cmp);
			tsearch(&x[1], &root, cmp);
			tsearch(&x[2], &root, cmp);
		}
		stop(&tb);
		for (i = 0; i < k; i++) {
			struct key *x = &extra[3 * i];

			tdelete(&x[0], &root, cmp);
			tdelete(&x[1], &root, cmp);
			tdelete(&x[2], &root, cmp);
			tsearch(&keys[2 * pick[i]], &root, cmp);
		}
	}
	line("store_split", n, ta.best / k, tb.best / k);

	BEST3(ta) {
		start(&ta);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			rt_store(&t, e->first, e[1].last, (void *)8);
		}
		stop(&ta);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			rt_store(&t, e->first, e->last, e->value);
			rt_erase(&t, e->last + 1, e[1].first - 1);
			rt_store(&t, e[1].first, e[1].last, e[1].value);
		}
	}
	BEST3(tb) {
		start(&tb);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]], *x = &extra[3 * i];

			tdelete(&e[0], &root, cmp);
			tdelete(&e[1], &root, cmp);
			*x = (struct key){ e->first, e[1].last, (void *)8 };
			tsearch(x, &root, cmp);
		}
		stop(&tb);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			tdelete(&extra[3 * i], &root, cmp);
			tsearch(&e[0], &root, cmp);
			tsearch(&e[1], &root, cmp);
		}
	}
	line("store_merge", n, ta.best / k, tb.best / k);

	BEST3(ta) {
		start(&ta);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			rt_erase(&t, e->first, e->last);
		}
		stop(&ta);
		for (i = 0; i < k; i++) {
			struct key *e = &keys[2 * pick[i]];

			rt_store(&t, e->first, e->last, e->value);
		}
	}
	BEST3(tb) {
		start(&tb);
		for (i = 0; i < k; i++)
			tdelete(&keys[2 * pick[i]], &root, cmp);
		stop(&tb);
		for (i = 0; i < k; i++)
			tsearch(&keys[2 * pick[i]], &root, cmp);
	}
	line("erase", n, ta.best / k, tb.best / k);

	if (rt_count(&t) != n || rt_check(&t))
		abort();
	for (j = 0; j < n; j++)
		if (rt_load(&t, keys[j].first, NULL) != keys[j].value)
			abort();
	rt_destroy(&t);
	tdestroy(root, nofree);
	free(pick);
	free(qidx);
	free(order);
	free(keys);
}

int main(void)
{
	uint64_t n;

	rng = 88172645463325252ull;
	for (n = 1000; n <= 1000000; n *= 10)
		bench(n);
	return 0;
}
