/*
 * test_oom_mremap.c - allocation-failure sweep over a varied corpus of
 * mremap calls (every mode of spec/04, kernel refusals with partial
 * effects included), with and without provenance (VMA extensions).
 *
 * For each case a reference run without injection gives the kernel's
 * result and layout.  Then for every k the k-th allocation of the call
 * fails: the call must return -ENOMEM with aspace_last_oom() set and
 * leave the smaps text (VmFlags) and every counter byte for byte as
 * before, with aspace_validate() OK; once k is beyond the call's
 * allocations the result must equal the reference run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../harness.h"
#include "oom.h"

#define B        0x200000000000ull
#define PG(n)    ((uint64_t)(n) * 4096ull)
#define AT(n)    (B + PG(n))
#define RW       (PROT_READ | PROT_WRITE)
#define RO       PROT_READ
#define MAYMOVE  1
#define FIXED    2
#define DONTUNMAP ASPACE_MREMAP_DONTUNMAP

static void om_map(struct aspace *as, uint64_t p, uint64_t n, int prot,
		   int extra)
{
	uint64_t out;

	aspace_mmap(as, AT(p), PG(n), prot, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_FIXED | extra, NULL, 0, &out);
}

static void om_fault(struct aspace *as, uint64_t p, uint64_t n)
{
	aspace_touch(as, AT(p), PG(n), ASPACE_TOUCH_WRITE);
}

/* Layouts the corpus starts from. */
static void su_three(struct aspace *as)          /* A A R R . . R R */
{
	om_map(as, 0, 2, RW, 0);
	om_map(as, 2, 2, RO, 0);
	om_map(as, 6, 2, RO, 0);
}

static void su_blocked(struct aspace *as)        /* A A . R, C at 10 */
{
	om_map(as, 0, 2, RW, MAP_LOCKED);
	om_map(as, 3, 1, RO, 0);
	om_map(as, 10, 2, RW, 0);
	om_map(as, 14, 2, RW, 0);
}

static void su_dest(struct aspace *as)           /* source + destination */
{
	om_map(as, 0, 8, RW, 0);
	om_fault(as, 0, 8);
	om_map(as, 20, 8, RO, 0);
	om_map(as, 30, 2, RW, 0);
}

static void su_multi(struct aspace *as)          /* 6 pieces, gaps */
{
	for (int i = 0; i < 6; i++)
		om_map(as, 3 * i, 2, (i & 1) ? RO : RW, i == 4 ? MAP_LOCKED : 0);
	om_fault(as, 0, 2);
	om_map(as, 42, 2, PROT_EXEC, 0);
}

static void su_sealed(struct aspace *as)
{
	om_map(as, 0, 2, RW, 0);
	om_map(as, 2, 2, RO, 0);
	aspace_mseal(as, AT(2), PG(2), 0);
	om_map(as, 20, 4, RO, 0);
}

static void su_remerge(struct aspace *as)
{
	om_map(as, 0, 3, RW, 0);
	om_fault(as, 0, 3);
	aspace_mremap(as, AT(1), PG(1), PG(1), MAYMOVE | FIXED, AT(20),
		      &(uint64_t){ 0 });
}

static void su_holes(struct aspace *as)
{
	om_map(as, 0, 2, RW, 0);
	om_map(as, 4, 2, RW, 0);
	om_map(as, 10, 2, RW, 0);
}

static void su_special(struct aspace *as)
{
	struct aspace_vma_desc d = {
		.start = AT(40), .end = AT(42), .kind = ASPACE_VMA_VDSO,
		.flags = ASPACE_VM_READ | ASPACE_VM_EXEC | ASPACE_VM_MAYREAD |
			ASPACE_VM_MAYEXEC | ASPACE_VM_DONTEXPAND,
	};
	uint64_t out;

	aspace_insert_vma(as, &d);
	om_map(as, 10, 4, RO, 0);
	aspace_mmap(as, AT(50), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
		    MAP_FIXED, NULL, 0, &out);
}

struct om_case {
	const char *name;
	void (*setup)(struct aspace *);
	uint64_t addr, old_len, new_len;
	int flags;
	uint64_t new_addr;
};

static const struct om_case corpus[] = {
	{ "shrink across", su_three, AT(0), PG(8), PG(1), 0, 0 },
	{ "noop rounded", su_three, AT(0), PG(1), PG(1) / 2, 0, 0 },
	{ "shrink split", su_dest, AT(1), PG(4), PG(1), 0, 0 },
	{ "noop", su_three, AT(0), PG(8), PG(8), 0, 0 },
	{ "grow in place", su_blocked, AT(10), PG(2), PG(4), 0, 0 },
	{ "grow merge next", su_blocked, AT(10), PG(2), PG(4), MAYMOVE, 0 },
	{ "grow blocked", su_blocked, AT(0), PG(2), PG(4), 0, 0 },
	{ "grow move locked", su_blocked, AT(0), PG(2), PG(5), MAYMOVE, 0 },
	{ "fixed move", su_dest, AT(2), PG(3), PG(3), MAYMOVE | FIXED,
	  AT(21) },
	{ "fixed shrink move", su_dest, AT(0), PG(8), PG(3),
	  MAYMOVE | FIXED, AT(22) },
	{ "fixed grow move", su_dest, AT(4), PG(4), PG(9), MAYMOVE | FIXED,
	  AT(20) },
	{ "dontunmap hint", su_blocked, AT(0), PG(2), PG(2),
	  MAYMOVE | DONTUNMAP, AT(24) },
	{ "dontunmap fixed part", su_dest, AT(2), PG(2), PG(2),
	  MAYMOVE | DONTUNMAP | FIXED, AT(29) },
	{ "multi move", su_multi, AT(0), PG(18), PG(18), MAYMOVE | FIXED,
	  AT(30) },
	{ "multi dontunmap", su_multi, AT(1), PG(15), PG(15),
	  MAYMOVE | FIXED | DONTUNMAP, AT(60) },
	{ "partial multi sealed", su_sealed, AT(0), PG(4), PG(4),
	  MAYMOVE | FIXED, AT(21) },
	{ "sealed noop", su_sealed, AT(2), PG(2), PG(2), 0, 0 },
	{ "move back remerge", su_remerge, AT(20), PG(1), PG(1),
	  MAYMOVE | FIXED, AT(1) },
	{ "fill hole", su_holes, AT(10), PG(2), PG(2), MAYMOVE | FIXED,
	  AT(2) },
	{ "vdso partial", su_special, AT(40), PG(1), PG(1),
	  MAYMOVE | FIXED, AT(11) },
	{ "vdso whole", su_special, AT(40), PG(2), PG(2), MAYMOVE | FIXED,
	  AT(12) },
	{ "shared old_len 0", su_special, AT(51), 0, PG(2),
	  MAYMOVE | FIXED, AT(60) },
	{ "shared grow move", su_special, AT(50), PG(4), PG(8), MAYMOVE,
	  0 },
};

/* The smaps text and the counters, as one string (malloc'ed). */
static char *snapshot(const struct aspace *as)
{
	struct aspace_counters c;
	char *maps = aspace_maps(as, ASPACE_MAPS_SMAPS), *s;
	size_t n;

	aspace_counters(as, &c);
	n = (maps ? strlen(maps) : 0) + 512;
	s = malloc(n);
	snprintf(s, n, "%smap_count=%llu total=%llu hiwater=%llu locked=%llu "
		 "data=%llu exec=%llu stack=%llu committed=%llu\n",
		 maps ? maps : "(null)\n", (unsigned long long)c.map_count,
		 (unsigned long long)c.total_vm,
		 (unsigned long long)c.hiwater_vm,
		 (unsigned long long)c.locked_vm,
		 (unsigned long long)c.data_vm,
		 (unsigned long long)c.exec_vm,
		 (unsigned long long)c.stack_vm,
		 (unsigned long long)c.committed);
	aspace_free_text(maps);
	return s;
}

static struct aspace *om_setup(const struct om_case *t, bool prov)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.provenance = prov;
	as = aspace_new(&cfg);
	aspace_set_call_id(as, 1);
	t->setup(as);
	aspace_set_call_id(as, 2);
	return as;
}

static int om_run(const struct om_case *t, bool prov, long *fired)
{
	struct aspace *as = om_setup(t, prov);
	uint64_t ref_out = 0, out;
	int ref_err = aspace_mremap(as, t->addr, t->old_len, t->new_len,
				    t->flags, t->new_addr, &ref_out);
	char *ref = snapshot(as);

	if (getenv("OOM_MREMAP_DEBUG"))
		fprintf(stderr, "%s%s: %d\n", t->name, prov ? " (prov)" : "",
			ref_err);
	ASSERT_TRUE(!aspace_last_oom(as));
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	for (long k = 0;; k++) {
		char *before, *after;
		int err;

		as = om_setup(t, prov);
		before = snapshot(as);
		out = 0;
		oom_fail_nth(k);
		err = aspace_mremap(as, t->addr, t->old_len, t->new_len,
				    t->flags, t->new_addr, &out);
		oom_disarm();
		after = snapshot(as);
		if (!oom_fired()) {
			if (err != ref_err || strcmp(after, ref) != 0 ||
			    (!err && out != ref_out))
				FAILF("%s: k=%ld: result %d differs from the "
				      "reference %d", t->name, k, err, ref_err);
			ASSERT_EQ(aspace_validate(as), 0);
			free(before);
			free(after);
			free(ref);
			aspace_free(as);
			return PASS;
		}
		(*fired)++;
		if (err != -ENOMEM || !aspace_last_oom(as))
			FAILF("%s: k=%ld: err %d last_oom %d", t->name, k, err,
			      aspace_last_oom(as));
		if (strcmp(before, after) != 0)
			FAILF("%s: k=%ld changed the layout:\n--- before\n%s"
			      "--- after\n%s", t->name, k, before, after);
		ASSERT_EQ(aspace_validate(as), 0);
		free(before);
		free(after);
		aspace_free(as);
	}
}

TEST(test_oom_mremap_every_k)
{
	long fired = 0;

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		CHECK(om_run(&corpus[i], false, &fired));
		CHECK(om_run(&corpus[i], true, &fired));
	}
	/* the sweep must have injected somewhere (reservations allocate) */
	if (getenv("OOM_MREMAP_DEBUG"))
		fprintf(stderr, "%ld failures injected\n", fired);
	ASSERT_TRUE(fired > 0);
	return PASS;
}
