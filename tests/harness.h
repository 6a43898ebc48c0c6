/*
 * harness.h - the test harness: TEST() registers a test at load time,
 * ASSERT_*() print both sides and fail the test, SKIP() skips it with a
 * reason.  tests/runner.c runs them and ends with "N passed, N failed".
 */
#ifndef ASPACE_HARNESS_H
#define ASPACE_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { PASS = 0, FAIL = 1, SKIPPED = 2 };

struct test_case {
	const char *name;
	const char *file;
	int (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
/* Set by SKIP(); read by the runner. */
extern const char *test_skip_reason;

#define TEST(name)							\
	static int name(void);						\
	static struct test_case name##_case = { #name, __FILE__, name, 0 }; \
	__attribute__((constructor)) static void name##_register(void)	\
	{ test_register(&name##_case); }				\
	static int name(void)

#define FAILF(...)							\
	do {								\
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		return FAIL;						\
	} while (0)

#define ASSERT_TRUE(c)							\
	do { if (!(c)) FAILF("expected true: %s", #c); } while (0)

#define ASSERT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b)						\
			FAILF("%s == %s: %lld (0x%llx) != %lld (0x%llx)", \
			      #a, #b, _a, (unsigned long long)_a, _b,	\
			      (unsigned long long)_b);			\
	} while (0)

#define ASSERT_NE(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a == _b)						\
			FAILF("%s != %s: both %lld", #a, #b, _a);	\
	} while (0)

#define ASSERT_STR_EQ(a, b)						\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (!_a || !_b || strcmp(_a, _b) != 0)			\
			FAILF("%s == %s:\n--- got\n%s--- expected\n%s", \
			      #a, #b, _a ? _a : "(null)\n",		\
			      _b ? _b : "(null)\n");			\
	} while (0)

#define SKIP(reason)							\
	do { test_skip_reason = (reason); return SKIPPED; } while (0)

/* Run a sub-check that returns PASS/FAIL and propagate a failure. */
#define CHECK(expr)							\
	do { int _r = (expr); if (_r != PASS) return _r; } while (0)

#endif /* ASPACE_HARNESS_H */
