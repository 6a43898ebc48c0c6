/*
 * runner.c - runs every registered test, in name order within each file,
 * files in order.  Usage: aspace-tests [-v] [SUBSTRING...]  Runs the tests
 * whose name contains any SUBSTRING (all without arguments).  The last
 * line is "N passed, N failed" (", N skipped" when some were skipped).
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct test_case *tests;
const char *test_skip_reason;

/* A watchdog: a test that runs longer than this fails the whole run with
 * its name and the closing line, instead of hanging CI. */
#define TEST_TIMEOUT_SECONDS 600
static const char *current_test;
static int counts[3];

static void on_timeout(int sig)
{
	char buf[512];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf), "FAIL  %s: timed out after %d s\n"
		     "%d passed, %d failed\n", current_test ? current_test : "?",
		     TEST_TIMEOUT_SECONDS, counts[0], counts[1] + 1);
	if (n > 0)
		(void)!write(1, buf, (size_t)n);
	_exit(1);
}

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
		current_test = tc->name;
		signal(SIGALRM, on_timeout);
		alarm(TEST_TIMEOUT_SECONDS);
		t = now();
		r = tc->fn();
		t = now() - t;
		alarm(0);
		if (r == PASS) {
			passed++;
			counts[0] = passed;
			if (verbose || t > 5)
				printf("ok    %s (%.2fs)\n", tc->name, t);
		} else if (r == SKIPPED) {
			skipped++;
			printf("skip  %s: %s\n", tc->name,
			       test_skip_reason ? test_skip_reason : "");
		} else {
			failed++;
			counts[1] = failed;
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
