/*
 * test_oom_calls.c - the allocation-failure sweep over madvise, the mlock
 * family, mseal, anon names, fork and exec: for every k the k-th
 * allocation fails; the call must return -ENOMEM with aspace_last_oom()
 * true and leave the maps text (with VmFlags) and every counter
 * byte-identical, and aspace_validate() passing.  When k is never reached
 * the call's normal result is checked.
 *
 * madvise reports our allocator's failure as -ENOMEM (not the kernel's
 * EAGAIN, which is kept for map_count refusals): aspace_last_oom() tells
 * the two apart, and nothing has changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../harness.h"
#include "oom.h"
#include "../unit/vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)

/* A B C D: four VMAs with holes between, some faulted, named, sealed. */
static struct aspace *calls_fixture(void)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	cfg.provenance = true;
	as = aspace_new(&cfg);
	if (!as)
		abort();
	if (fx_map(as, 0, 8, RW, 0) || fx_map(as, 8, 4, PROT_READ, 0) ||
	    fx_map(as, 14, 6, RW, 0) || fx_map(as, 22, 4, RW, MAP_LOCKED))
		abort();
	if (aspace_touch(as, AT(14), PG(2), ASPACE_TOUCH_WRITE) ||
	    aspace_set_anon_name(as, AT(16), PG(2), "n") ||
	    aspace_mseal(as, AT(24), PG(2), 0))
		abort();
	return as;
}

typedef int (*call_fn)(struct aspace *as);

static int c_madv_split(struct aspace *as)
{ return aspace_madvise(as, AT(2), PG(16), MADV_DONTFORK); }
static int c_madv_guard(struct aspace *as)
{ return aspace_madvise(as, AT(0), PG(20), ASPACE_MADV_GUARD_INSTALL); }
static int c_madv_pop(struct aspace *as)
{ return aspace_madvise(as, AT(0), PG(8), 23); }
static int c_mlock(struct aspace *as)
{ return aspace_mlock(as, AT(1), PG(6)); }
static int c_mlock2(struct aspace *as)
{ return aspace_mlock2(as, AT(15), PG(2), ASPACE_MLOCK_ONFAULT); }
static int c_munlock(struct aspace *as)
{ return aspace_munlock(as, AT(23), PG(2)); }
static int c_mlockall(struct aspace *as)
{ return aspace_mlockall(as, 3); }
static int c_munlockall(struct aspace *as)
{ return aspace_munlockall(as); }
static int c_mseal(struct aspace *as)
{ return aspace_mseal(as, AT(3), PG(2), 0); }
static int c_name(struct aspace *as)
{ return aspace_set_anon_name(as, AT(1), PG(18), "other"); }
static int c_unname(struct aspace *as)
{ return aspace_set_anon_name(as, AT(15), PG(2), NULL); }

static int c_fork(struct aspace *as)
{
	struct aspace *ch = NULL;
	int err = aspace_fork(as, &ch);

	if (!err) {
		if (aspace_validate(ch))
			return -EUCLEAN;
		aspace_free(ch);
	}
	return err;
}

/* Maps with VmFlags plus the counters, as one string (malloc'ed). */
static char *snapshot(const struct aspace *as)
{
	const char *m = fx_maps(as, ASPACE_MAPS_SMAPS);
	const char *c = fx_counters(as);
	char *s = malloc(strlen(m) + strlen(c) + 2);

	strcpy(s, m);
	strcat(s, c);
	return s;
}

static int sweep(call_fn fn, int want)
{
	for (long k = 0;; k++) {
		struct aspace *as = calls_fixture();
		char *before = snapshot(as), *after;
		int err;

		oom_fail_nth(k);
		err = fn(as);
		oom_disarm();
		if (!oom_fired()) {
			if (getenv("OOM_CALLS_DEBUG"))
				fprintf(stderr, "sweep: %ld failure points\n", k);
			ASSERT_EQ(err, want);
			ASSERT_EQ(aspace_validate(as), 0);
			free(before);
			aspace_free(as);
			return PASS;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_TRUE(aspace_last_oom(as));
		after = snapshot(as);
		ASSERT_STR_EQ(after, before);
		ASSERT_EQ(aspace_validate(as), 0);
		free(after);
		free(before);
		aspace_free(as);
	}
}

TEST(oom_calls_madvise_split_merge)   { return sweep(c_madv_split, -ENOMEM); }
TEST(oom_calls_madvise_guard)         { return sweep(c_madv_guard, -ENOMEM); }
TEST(oom_calls_madvise_populate)      { return sweep(c_madv_pop, 0); }
TEST(oom_calls_mlock)                 { return sweep(c_mlock, 0); }
TEST(oom_calls_mlock2)                { return sweep(c_mlock2, 0); }
TEST(oom_calls_munlock)               { return sweep(c_munlock, 0); }
TEST(oom_calls_mlockall)              { return sweep(c_mlockall, 0); }
TEST(oom_calls_munlockall)            { return sweep(c_munlockall, 0); }
TEST(oom_calls_mseal)                 { return sweep(c_mseal, 0); }
TEST(oom_calls_anon_name)             { return sweep(c_name, -ENOMEM); }
TEST(oom_calls_anon_unname)           { return sweep(c_unname, 0); }
TEST(oom_calls_fork)                  { return sweep(c_fork, 0); }

TEST(oom_calls_exec)
{
	static const struct aspace_exec_segment seg[] = {
		{ .vaddr = 0, .memsz = 0x1290, .filesz = 0x1290,
		  .align = 0x1000, .prot = PROT_READ },
		{ .vaddr = 0x2000, .memsz = 0x3d59, .offset = 0x2000,
		  .filesz = 0x3d59, .align = 0x1000,
		  .prot = PROT_READ | PROT_EXEC },
		{ .vaddr = 0x8d70, .memsz = 0x3000, .offset = 0x7d70,
		  .filesz = 0x470, .align = 0x1000, .prot = RW },
	};
	struct aspace_file_desc d = { .path = "/x", .size = 0x10000,
				      .flags = ASPACE_O_READ };

	for (long k = 0;; k++) {
		struct aspace *as = aspace_new(NULL);
		struct aspace_file *f = aspace_file_open(&d);
		struct aspace_exec_image img = {
			.exe = { f, true, 3, seg }, .interp = { f, true, 3, seg },
			.has_interp = true, .stack_used = 0x800,
		};
		char *before = snapshot(as), *after;
		int err;

		oom_fail_nth(k);
		err = aspace_exec(as, &img);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			ASSERT_EQ(aspace_validate(as), 0);
			free(before);
			aspace_file_put(f);
			aspace_free(as);
			return PASS;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_TRUE(aspace_last_oom(as));
		after = snapshot(as);
		ASSERT_STR_EQ(after, before);
		free(after);
		free(before);
		aspace_file_put(f);
		aspace_free(as);
	}
}
