/*
 * test_explain.c - aspace_explain(): one test per merge rule of spec/02 §1
 * (the pair is built with the library, the reason mask is exactly that
 * rule, the text names it), the choice of the pair around an address, and
 * provenance kept through split, merge, mremap moves and fork.
 *
 * Policy and userfaultfd contexts have no public setter yet (no mbind or
 * userfaultfd in the model); those two tests set the attribute with the
 * VMA layer's own vma_set_xattr().
 */
#include <errno.h>
#include <string.h>
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif
#include <sys/mman.h>

#include "vma/vma.h"
#include "../unit/vma/fixture.h"

static char text[4096];

/* Explain the pair whose boundary is AT(@p); check mask and a text part. */
static int expect(struct aspace *as, uint64_t p, uint32_t why,
		  const char *needle)
{
	struct aspace_explain e;

	ASSERT_EQ(aspace_validate(as), 0);
	ASSERT_EQ(aspace_explain(as, AT(p), &e), 0);
	ASSERT_TRUE(e.has_right);
	ASSERT_EQ(e.right.start, AT(p));
	aspace_explain_text(&e, text, sizeof(text));
	if (e.why != why)
		FAILF("why 0x%x, expected 0x%x; layout %s\n%s", e.why, why,
		      fx_layout(as, FX_FLAGS), text);
	if (needle && !strstr(text, needle))
		FAILF("text lacks \"%s\":\n%s", needle, text);
	return PASS;
}

/* A fresh file description (regular file, readable and writable). */
static struct aspace_file *file(const char *path)
{
	struct aspace_file_desc d = {
		.path = path, .size = 1 << 24, .dev_major = 8, .inode = 42,
		.flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = ASPACE_FILE_REGULAR,
	};

	return aspace_file_open(&d);
}

static int map_file(struct aspace *as, struct aspace_file *f, uint64_t p,
		    uint64_t n, uint64_t off_pages)
{
	uint64_t out;

	return aspace_mmap(as, AT(p), PG(n), PROT_READ, MAP_PRIVATE | MAP_FIXED,
			   f, PG(off_pages), &out);
}

static int insert(struct aspace *as, uint64_t p, uint64_t n, uint64_t flags,
		  enum aspace_vma_kind kind)
{
	struct aspace_vma_desc d = {
		.start = AT(p), .end = AT(p + n), .pgoff = (AT(p)) >> 12,
		.flags = flags, .kind = kind,
	};

	return aspace_insert_vma(as, &d);
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON_RW_FLAGS (ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_MAYREAD | \
		       ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC)

/*
 *  page    0 1 2 3
 *  insert  A A B B	both VM_IO|VM_PFNMAP, otherwise identical
 */
TEST(explain_rule1_special)
{
	struct aspace *as = fx_new();
	uint64_t fl = ANON_RW_FLAGS | ASPACE_VM_IO | ASPACE_VM_PFNMAP;

	ASSERT_EQ(insert(as, 0, 2, fl, ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(insert(as, 2, 2, fl, ASPACE_VMA_NORMAL), 0);
	CHECK(expect(as, 2, ASPACE_WHY_SPECIAL, "special mapping"));
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3 4
 *  file    A A . B B	offsets 0-1 and 2-3: contiguous, but a hole
 */
TEST(explain_rule2_gap)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file("/lib/x.so");
	struct aspace_explain e;

	ASSERT_EQ(map_file(as, f, 0, 2, 0), 0);
	ASSERT_EQ(map_file(as, f, 3, 2, 2), 0);
	CHECK(expect(as, 3, ASPACE_WHY_GAP, "a hole of 4096 bytes"));
	/* an address in the hole explains the same pair */
	ASSERT_EQ(aspace_explain(as, AT(2) + 100, &e), 0);
	ASSERT_EQ(e.left.start, AT(0));
	ASSERT_EQ(e.right.start, AT(3));
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* Give [AT(p), ...)'s VMA the xattr @x (no public mbind/userfaultfd). */
static void set_xattr(struct aspace *as, uint64_t p, uint64_t policy,
		      uint64_t uffd)
{
	struct vma *v = vma_lookup(as, AT(p));
	struct vma_xattr x = vma_xattr_of(v);

	x.policy = policy;
	x.uffd_ctx = uffd;
	ASSERT(as_reserve(as, 0, 1, 0) == 0);
	vma_set_xattr(as, v, &x);
	as_unreserve(as);
}

/*
 *  page    0 1 2 3
 *  insert  A A B B	B has NUMA policy 7
 */
TEST(explain_rule3_policy)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(insert(as, 0, 2, ANON_RW_FLAGS, ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(insert(as, 2, 2, ANON_RW_FLAGS, ASPACE_VMA_NORMAL), 0);
	set_xattr(as, 2, 7, 0);
	CHECK(expect(as, 2, ASPACE_WHY_POLICY, "NUMA memory policy"));
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  mmap    A A A A	rw
 *  mlock       ^ ^	-> A A | B B, B locked
 */
TEST(explain_rule4_flags)
{
	struct aspace *as = fx_new();
	struct aspace_explain e;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mlock(as, AT(2), PG(2)), 0);
	CHECK(expect(as, 2, ASPACE_WHY_FLAGS, "only right has VM_LOCKED"));
	ASSERT_EQ(aspace_explain(as, AT(2), &e), 0);
	ASSERT_EQ(e.flags_diff, ASPACE_VM_LOCKED);
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  mmap    A A A A
 *  mprot       ^ ^	PROT_NONE: a guard costs protection and VM_ACCOUNT
 */
TEST(explain_rule4_flags_guard)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mprotect(as, AT(2), PG(2), PROT_NONE), 0);
	CHECK(expect(as, 2, ASPACE_WHY_FLAGS,
		     "only left has VM_READ, VM_WRITE, VM_ACCOUNT"));
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  mmap    A A A A
 *  mseal       ^ ^	-> only VM_SEALED differs: rule "sealed", not "flags"
 */
TEST(explain_rule4_sealed)
{
	struct aspace *as = fx_new();
	struct aspace_explain e;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mseal(as, AT(2), PG(2), 0), 0);
	CHECK(expect(as, 2, ASPACE_WHY_SEALED, "right is mseal'ed, left is not"));
	ASSERT_EQ(aspace_explain(as, AT(2), &e), 0);
	ASSERT_EQ(e.flags_diff, ASPACE_VM_SEALED);
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  file    A A B B	same path, two open file descriptions, offsets 0-3
 */
TEST(explain_rule5_file)
{
	struct aspace *as = fx_new();
	struct aspace_file *f1 = file("/data/x"), *f2 = file("/data/x");

	ASSERT_EQ(map_file(as, f1, 0, 2, 0), 0);
	ASSERT_EQ(map_file(as, f2, 2, 2, 2), 0);
	CHECK(expect(as, 2, ASPACE_WHY_FILE, "another open file description"));
	aspace_file_put(f1);
	aspace_file_put(f2);
	aspace_free(as);
	return PASS;
}

/* Anonymous and a file: "file" (and pgoff, which differs by nature). */
TEST(explain_rule5_file_vs_anon)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file("/data/y");

	ASSERT_EQ(fx_map(as, 0, 2, PROT_READ, 0), 0);
	ASSERT_EQ(map_file(as, f, 2, 2, (AT(2)) >> 12), 0);
	CHECK(expect(as, 2, ASPACE_WHY_FILE, "left anonymous, right /data/y"));
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(explain_rule6_uffd)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(insert(as, 0, 2, ANON_RW_FLAGS, ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(insert(as, 2, 2, ANON_RW_FLAGS, ASPACE_VMA_NORMAL), 0);
	set_xattr(as, 0, 0, 3);
	CHECK(expect(as, 2, ASPACE_WHY_UFFD, "userfaultfd context"));
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  mmap    A A A A
 *  name        ^ ^	"cache"
 */
TEST(explain_rule7_name)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(2), PG(2), "cache"), 0);
	CHECK(expect(as, 2, ASPACE_WHY_NAME,
		     "left \"(none)\", right \"cache\""));
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3 4 5
 *  mmap    A A . . B B	each written: a1, a2
 *  mmap        N N	joins A (rule 10 stops B): A A A A | B B
 */
TEST(explain_rule8_anon)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(fx_map(as, 4, 2, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(4), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(fx_map(as, 2, 2, RW, 0), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p/a1 | 4-6:rw-p/a2");
	CHECK(expect(as, 4, ASPACE_WHY_ANON, "different anon_vma: left 1, "
		     "right 2 (both were written to separately)"));
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3 4 5
 *  parent  A A A A		written (a1), then fork
 *  child   A A A A N N	a fresh mmap next to the forked anon stays apart
 */
TEST(explain_rule8_anon_fork)
{
	struct aspace *as = fx_new(), *child = NULL;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(aspace_fork(as, &child), 0);
	ASSERT_EQ(fx_map(child, 4, 2, RW, 0), 0);
	CHECK(expect(child, 4, ASPACE_WHY_ANON_FORK, "(fork child), right none"));
	aspace_free(child);
	aspace_free(as);
	return PASS;
}

/*
 *  page    0 1 2 3
 *  file    A A B B	one description, offsets 0-1 then 5-6
 */
TEST(explain_rule9_pgoff)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file("/lib/z.so");

	ASSERT_EQ(map_file(as, f, 0, 2, 0), 0);
	ASSERT_EQ(map_file(as, f, 2, 2, 5), 0);
	CHECK(expect(as, 2, ASPACE_WHY_PGOFF, "ends at 0x2, right pgoff is 0x5"));
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

/* Two driver mappings with close hooks: the predicate holds, 02 §4 not. */
TEST(explain_close_hook)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(insert(as, 0, 2, ANON_RW_FLAGS, ASPACE_VMA_DRIVER_CLOSE), 0);
	ASSERT_EQ(insert(as, 2, 2, ANON_RW_FLAGS, ASPACE_VMA_DRIVER_CLOSE), 0);
	CHECK(expect(as, 2, ASPACE_WHY_CLOSE, "close hook"));
	aspace_free(as);
	return PASS;
}

/* Soft-dirty and VM_MAYBE_GUARD differences are ignored on 6.18.44. */
TEST(explain_softdirty_and_guard_ignored)
{
	struct aspace *as = fx_new();
	struct aspace_explain e;

	ASSERT_EQ(insert(as, 0, 2, ANON_RW_FLAGS | ASPACE_VM_SOFTDIRTY,
			 ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(insert(as, 2, 2, ANON_RW_FLAGS | ASPACE_VM_MAYBE_GUARD,
			 ASPACE_VMA_NORMAL), 0);
	CHECK(expect(as, 2, 0, "ignored (not a reason): VM_MAYBE_GUARD, "
		     "VM_SOFTDIRTY differ"));
	ASSERT_EQ(aspace_explain(as, AT(2), &e), 0);
	ASSERT_EQ(e.flags_ignored, ASPACE_VM_MAYBE_GUARD | ASPACE_VM_SOFTDIRTY);
	ASSERT_EQ(e.flags_diff, 0);
	aspace_free(as);
	return PASS;
}

/*
 * A mergeable pair (why 0) really merges at the next chance, and a pair
 * with a reason does not: the explanation follows the merge code.
 *  insert  A A B B	identical, never merged (insert does not merge)
 *  mprotect B r, then rw again: the second call merges B into A
 */
TEST(explain_mergeable_pair_merges)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(insert(as, 0, 2, ANON_RW_FLAGS | ASPACE_VM_ACCOUNT,
			 ASPACE_VMA_NORMAL), 0);
	ASSERT_EQ(insert(as, 2, 2, ANON_RW_FLAGS | ASPACE_VM_ACCOUNT,
			 ASPACE_VMA_NORMAL), 0);
	CHECK(expect(as, 2, 0, "no rule keeps them apart"));
	ASSERT_EQ(aspace_mprotect(as, AT(2), PG(2), PROT_READ), 0);
	CHECK(expect(as, 2, ASPACE_WHY_FLAGS, "only left has VM_WRITE"));
	ASSERT_EQ(aspace_mprotect(as, AT(2), PG(2), RW), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}

/* Several rules at once are all reported. */
TEST(explain_several_rules)
{
	struct aspace *as = fx_new();
	struct aspace_file *f = file("/lib/w.so");

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(aspace_touch(as, AT(0), PG(1), ASPACE_TOUCH_WRITE), 0);
	ASSERT_EQ(map_file(as, f, 2, 2, 9), 0);
	CHECK(expect(as, 2, ASPACE_WHY_FLAGS | ASPACE_WHY_FILE |
		     ASPACE_WHY_PGOFF, "- different file"));
	ASSERT_TRUE(strstr(text, "- flags differ") != NULL);
	ASSERT_TRUE(strstr(text, "- pgoff not contiguous") != NULL);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(explain_pair_choice)
{
	struct aspace *as = fx_new();
	struct aspace_explain e;

	ASSERT_EQ(aspace_explain(as, AT(0), &e), -ENOENT);
	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 2, PROT_READ, 0), 0);
	ASSERT_EQ(fx_map(as, 6, 2, RW, 0), 0);
	/* inside the first VMA: it and the next */
	ASSERT_EQ(aspace_explain(as, AT(1), &e), 0);
	ASSERT_EQ(e.left.start, AT(0));
	ASSERT_EQ(e.right.start, AT(2));
	/* at a start: the previous one and it */
	ASSERT_EQ(aspace_explain(as, AT(2), &e), 0);
	ASSERT_EQ(e.left.start, AT(0));
	/* at the first VMA's start: it and the next */
	ASSERT_EQ(aspace_explain(as, AT(0), &e), 0);
	ASSERT_EQ(e.right.start, AT(2));
	/* the last VMA: no right */
	ASSERT_EQ(aspace_explain(as, AT(7), &e), 0);
	ASSERT_TRUE(!e.has_right);
	aspace_explain_text(&e, text, sizeof(text));
	ASSERT_TRUE(strstr(text, "no VMA after it") != NULL);
	/* before everything */
	ASSERT_EQ(aspace_explain(as, AT(0) - PG(5), &e), -ENOENT);
	/* explicit pair */
	ASSERT_EQ(aspace_explain_pair(as, AT(2), AT(6), &e), 0);
	ASSERT_TRUE(e.why & ASPACE_WHY_GAP);
	ASSERT_EQ(aspace_explain_pair(as, AT(6), AT(2), &e), -EINVAL);
	ASSERT_EQ(aspace_explain_pair(as, AT(1), AT(2), &e), -ENOENT);
	aspace_free(as);
	return PASS;
}

TEST(explain_text_truncates_like_snprintf)
{
	struct aspace *as = fx_new();
	struct aspace_explain e;
	char small[16];
	size_t need;

	ASSERT_EQ(fx_map(as, 0, 2, RW, 0), 0);
	ASSERT_EQ(fx_map(as, 2, 2, PROT_READ, 0), 0);
	ASSERT_EQ(aspace_explain(as, AT(2), &e), 0);
	need = aspace_explain_text(&e, text, sizeof(text));
	ASSERT_EQ(need, strlen(text));
	ASSERT_EQ(aspace_explain_text(&e, small, sizeof(small)), need);
	ASSERT_EQ(strlen(small), sizeof(small) - 1);
	ASSERT_EQ(strncmp(small, text, sizeof(small) - 1), 0);
	ASSERT_EQ(aspace_explain_text(&e, NULL, 0), need);
	aspace_free(as);
	return PASS;
}

TEST(explain_names)
{
	uint32_t b;

	for (b = 1; b < (1u << ASPACE_WHY_NBITS); b <<= 1) {
		ASSERT_TRUE(aspace_why_name(b) != NULL);
		ASSERT_TRUE(aspace_why_text(b) != NULL);
	}
	ASSERT_TRUE(aspace_why_name(3) == NULL);
	ASSERT_TRUE(aspace_why_name(1u << ASPACE_WHY_NBITS) == NULL);
	ASSERT_STR_EQ(aspace_vmflag_name(ASPACE_VM_SEALED), "VM_SEALED");
	ASSERT_TRUE(aspace_vmflag_name(3) == NULL);
	return PASS;
}

/*
 * Provenance: origin survives split, merge, mremap move and fork;
 * last_change is the call that split/merged/moved it.
 *  call 1  mmap [0,4)
 *  call 2  mprotect [1,2) r      -> 0-1 | 1-2 | 2-4, all origin 1, last 2
 *  call 3  mremap [2,4) to 10    -> origin 1, last 3
 *  call 4  mprotect [1,2) rw     -> 0-2 merged: origin 1, last 4
 *  fork                          -> child VMAs keep origin 1
 */
TEST(explain_provenance_kept)
{
	struct aspace_config cfg;
	struct aspace *as, *child = NULL;
	struct aspace_vma_info v;
	uint64_t out;

	aspace_config_init(&cfg);
	cfg.provenance = true;
	as = fx_new_cfg(&cfg);
	aspace_set_call_id(as, 1);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	aspace_set_call_id(as, 2);
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), PROT_READ), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(3), &v), 0);
	ASSERT_EQ(v.origin, 1);
	ASSERT_EQ(v.last_change, 2);
	aspace_set_call_id(as, 3);
	ASSERT_EQ(aspace_mremap(as, AT(2), PG(2), PG(2),
				MREMAP_MAYMOVE | MREMAP_FIXED, AT(10), &out), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(10), &v), 0);
	ASSERT_EQ(v.origin, 1);
	ASSERT_EQ(v.last_change, 3);
	aspace_set_call_id(as, 4);
	ASSERT_EQ(aspace_mprotect(as, AT(1), PG(1), RW), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(1), &v), 0);
	ASSERT_EQ(v.start, AT(0));
	ASSERT_EQ(v.end, AT(2));
	ASSERT_EQ(v.origin, 1);
	ASSERT_EQ(v.last_change, 4);
	aspace_set_call_id(as, 5);
	ASSERT_EQ(fx_map(as, 20, 1, RW, 0), 0);
	ASSERT_EQ(aspace_fork(as, &child), 0);
	ASSERT_EQ(aspace_vma_at(child, AT(10), &v), 0);
	ASSERT_EQ(v.origin, 1);
	ASSERT_EQ(v.last_change, 3);
	ASSERT_EQ(aspace_vma_at(child, AT(20), &v), 0);
	ASSERT_EQ(v.origin, 5);
	aspace_free(child);
	aspace_free(as);
	/* off: zero everywhere */
	as = fx_new();
	aspace_set_call_id(as, 9);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_vma_at(as, AT(0), &v), 0);
	ASSERT_EQ(v.origin, 0);
	ASSERT_EQ(v.last_change, 0);
	aspace_free(as);
	return PASS;
}
