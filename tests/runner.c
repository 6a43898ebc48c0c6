/*
 * runner.c - runs every registered test, in name order within each file,
 * files in order.  Usage: aspace-tests [-v] [SUBSTRING...]  Runs the tests
 * whose name contains any SUBSTRING (all without arguments).  The last
 * line is "N passed, N failed" (", N skipped" when some were skipped).
 */
#include <stdlib.h>
#include <time.h>

#include "harness.h"

static struct test_case *tests;
const char *test_skip_reason;

void test_register(struct test_case *tc)
{
	tc->next = tests;
	tests = tc;
}

static int cmp_case(const void *a, const void *b)
{
	const struct test_case *x = *(struct test_case *const *)a;
	const struct test_case *y = *(struct test_case *const *)b;
	int c = strcmp(x->file, y->file);

	return c ? c : strcmp(x->name, y->name);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, verbose = 0, n = 0, i, j;
	struct test_case *tc, **all;
	double t0 = now();

	for (tc = tests; tc; tc = tc->next)
		n++;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return 2;
	i = 0;
	for (tc = tests; tc; tc = tc->next)
		all[i++] = tc;
	qsort(all, n, sizeof(*all), cmp_case);
	for (i = 0; i < n; i++) {
		int want = 1, r;
		double t;

		tc = all[i];
		for (j = 1; j < argc; j++) {
			if (strcmp(argv[j], "-v") == 0) {
				verbose = 1;
				continue;
			}
			want = 0;
		}
		for (j = 1; j < argc; j++)
			if (argv[j][0] != '-' && strstr(tc->name, argv[j]))
				want = 1;
		if (!want)
			continue;
		test_skip_reason = NULL;
		t = now();
		r = tc->fn();
		t = now() - t;
		if (r == PASS) {
			passed++;
			if (verbose || t > 5)
				printf("ok    %s (%.2fs)\n", tc->name, t);
		} else if (r == SKIPPED) {
			skipped++;
			printf("skip  %s: %s\n", tc->name,
			       test_skip_reason ? test_skip_reason : "");
		} else {
			failed++;
			printf("FAIL  %s (%s)\n", tc->name, tc->file);
		}
		fflush(stdout);
	}
	free(all);
	fprintf(stderr, "(%.1fs)\n", now() - t0);
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
