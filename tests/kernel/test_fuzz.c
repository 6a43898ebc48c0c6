/*
 * test_fuzz.c - the differential fuzzer in `make test`: a bounded campaign
 * per profile against the running kernel (tools/fuzz.c), plus the listing
 * format round trip and a kernel-only smoke run that need no model.
 *
 * Budget: about 150 seeds x 300 calls in the default profile (30-60 s
 * without sanitizers), a few dozen seeds in the others; under ASan/UBSan
 * the seed counts are divided by about 15 (each child is an ASan process).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../harness.h"
#include "../../tools/fuzz.h"

#if defined(__SANITIZE_ADDRESS__)
#define FZ_SAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_SAN 1
#endif
#endif
#ifndef FZ_SAN
#define FZ_SAN 0
#endif

#define SEEDS(n)  (FZ_SAN ? ((n) / 15 + 1) : (n))

/* Every argument kind survives fz_format_op() -> fz_parse_op(). */
TEST(fuzz_listing_round_trip)
{
	static const struct fz_op ops[] = {
		{ .call = FZ_MMAP, .a = { 0, 8192, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0 } },
		{ .call = FZ_MMAP, .a = { 0x200000003000ull, 4096, 0x1ff,
			0x3 | MAP_FIXED | 0x100000 | 0x4000000 | (1u << 26) | 0x800,
			FZ_FD_MEMFD_RO, 0x7000 } },
		{ .call = FZ_MMAP, .a = { 1, UINT64_MAX, 0, 0, FZ_FD_BAD,
			1ull << 63 } },
		{ .call = FZ_MMAP, .a = { 0, 4096, PROT_EXEC, 0x08 | 0x20 | 0x80,
			FZ_FD_EXT4_RW, 0 } },
		{ .call = FZ_MUNMAP, .a = { 0x7ffff7fbf000ull, 0 } },
		{ .call = FZ_MPROTECT, .a = { 0x200000000000ull, 12288,
			PROT_READ | PROT_GROWSDOWN | 0x10 } },
		{ .call = FZ_BRK, .a = { 0x555555573001ull } },
		{ .call = FZ_BRK, .a = { 0 } },
		{ .call = FZ_TOUCH, .a = { 0x200000000001ull, 3, PROT_WRITE } },
	};
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct fz_op back;
		int k;

		fz_format_op(&ops[i], false, buf, sizeof(buf));
		ASSERT_EQ(fz_parse_op(buf, &back), 0);
		ASSERT_EQ(back.call, ops[i].call);
		for (k = 0; k < 6; k++) {
			uint64_t want = ops[i].a[k];

			/* descriptors and flags are 32-bit in the kernel ABI */
			if ((ops[i].call == FZ_MMAP && (k == 3 || k == 4)))
				want = (uint64_t)(int64_t)(int32_t)want;
			if (back.a[k] != want && !(ops[i].call == FZ_MMAP &&
						   k == 3 && back.a[k] ==
						   (want & 0xffffffffu)))
				FAILF("%s: arg %d: %#llx != %#llx", buf, k,
				      (unsigned long long)back.a[k],
				      (unsigned long long)want);
		}
	}
	/* A result after " = " is ignored; garbage is refused. */
	ASSERT_EQ(fz_parse_op("munmap(0x1000, 4096) = -1 EINVAL (x)", &(struct fz_op){ 0 }), 0);
	ASSERT_EQ(fz_parse_op("munmap(0x1000)", &(struct fz_op){ 0 }), -EINVAL);
	ASSERT_EQ(fz_parse_op("mmap(NULL, 1, PROT_BOGUS, 0, -1, 0)", &(struct fz_op){ 0 }), -EINVAL);
	ASSERT_EQ(fz_parse_op("frob(1)", &(struct fz_op){ 0 }), -EINVAL);
	return PASS;
}

/* The kernel side alone: every profile runs without killing its child
 * (the guard keeps calls off the child's own memory). */
TEST(fuzz_kernel_only_smoke)
{
	enum fz_profile p;

	for (p = 0; p < FZ_NPROFILES; p++) {
		struct fz_options o;
		struct fz_stats st;
		int r;

		fz_options_init(&o);
		o.kernel_only = true;
		o.seed_first = 1;
		o.seed_last = SEEDS(6);
		o.nops = 200;
		o.profile = p;
		r = fz_campaign(&o, &st);
		if (r == -ECHILD)
			SKIP("cannot start the kernel child");
		ASSERT_EQ(r, 0);
		ASSERT_EQ(st.failed_seeds, 0);
		ASSERT_EQ(st.ops, (o.seed_last - o.seed_first + 1) * 200);
		ASSERT_TRUE(st.skipped * 20 < st.ops);   /* < 5% wasted */
		ASSERT_TRUE(st.ok > 0 && st.errors > 0);
	}
	return PASS;
}

static int campaign(enum fz_profile p, uint64_t seeds, int nops)
{
	struct fz_options o;
	struct fz_stats st;
	int r;

	fz_options_init(&o);
	o.seed_first = 1;
	o.seed_last = seeds;
	o.nops = nops;
	o.profile = p;
	o.max_failures = 3;
	o.out = stdout;
	r = fz_campaign(&o, &st);
	if (r == -ECHILD)
		SKIP("cannot start the kernel child");
	printf("      fuzz profile %d: %llu seeds, %llu calls, %llu failing, "
	       "%.1fs\n", (int)p, (unsigned long long)st.seeds,
	       (unsigned long long)st.ops,
	       (unsigned long long)st.failed_seeds, st.seconds);
	ASSERT_EQ(r, 0);
	ASSERT_EQ(st.failed_seeds, 0);
	return PASS;
}

TEST(fuzz_campaign_default)
{
	return campaign(FZ_PROFILE_DEFAULT, SEEDS(150), 300);
}

TEST(fuzz_campaign_errors)
{
	return campaign(FZ_PROFILE_ERRORS, SEEDS(40), 300);
}

TEST(fuzz_campaign_limits)
{
	return campaign(FZ_PROFILE_LIMITS, SEEDS(40), 300);
}

/* A listing with setup lines replays without divergence. */
TEST(fuzz_replay_listing_agrees)
{
	static const char listing[] =
		"# comment\n"
		"#@ rlimit_memlock=65536\n"
		"#@ cap_ipc_lock=0\n"
		"mmap(0x200000000000, 16384, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x200000000000\n"
		"touch(0x200000000000, 4096, PROT_WRITE) = 0\n"
		"mprotect(0x200000001000, 4096, PROT_READ) = 0\n"
		"mmap(NULL, 65536, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, "
		"-1, 0) = -1 EAGAIN (Resource temporarily unavailable)\n"
		"munmap(0x200000000000, 8192) = 0\n";
	int r;

	r = fz_replay_listing(listing, stdout);
	if (r == -ECHILD)
		SKIP("cannot start the kernel child");
	ASSERT_EQ(r, 0);
	ASSERT_EQ(fz_replay_listing("munmap(1, 2, 3)\n", NULL), -EINVAL);
	return PASS;
}
