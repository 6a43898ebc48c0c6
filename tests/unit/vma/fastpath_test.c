/*
 * fastpath_test.c - the hot paths' shortcuts against the general code they
 * stand in for: the early-exit merge predicate (vma_can_merge_left/right)
 * against vma_merge_why_not() == 0 on random neighbours and requests that
 * differ in one or a few fields at a time, and vma_stat_move() against two
 * vma_stat_account() calls over every flag class.  Both must agree on
 * every input (issue 7, round 4: fast paths give the general result).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vma/vma.h"
#include "fixture.h"

static uint64_t fp_rng = 88172645463325252ull;

static uint64_t fp_rnd(void)
{
	fp_rng ^= fp_rng << 13;
	fp_rng ^= fp_rng >> 7;
	fp_rng ^= fp_rng << 17;
	return fp_rng;
}

/* A small pool of values per field so that equal and unequal both occur. */
static uint64_t fp_flags(void)
{
	static const uint64_t bits[] = {
		VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD,
		VM_ACCOUNT, VM_SOFTDIRTY, VM_MAYBE_GUARD, VM_SEALED, VM_LOCKED,
		VM_IO, VM_PFNMAP, VM_DONTEXPAND, VM_MIXEDMAP, VM_GROWSDOWN,
	};
	uint64_t f = VM_READ | VM_MAYREAD;
	unsigned i, n = (unsigned)(fp_rnd() % 3);

	for (i = 0; i < n; i++)
		f ^= bits[fp_rnd() % ARRAY_SIZE(bits)];
	return f;
}

static uint64_t fp_anon(void)
{
	switch (fp_rnd() % 5) {
	case 0:  return ANON_NONE;
	case 1:  return ANON_MAKE(1, false);
	case 2:  return ANON_MAKE(1, true);
	case 3:  return ANON_MAKE(2, false);
	default: return ANON_MAKE(2, true);
	}
}

TEST(vma_fastpath_merge_pred_matches_why_not)
{
	struct aspace_config cfg;
	struct vma_name *names[3];
	struct aspace_file_desc d = { .path = "/f", .kind = ASPACE_FILE_REGULAR,
				      .flags = ASPACE_O_READ };
	struct aspace_file *f = aspace_file_open(&d);
	struct vma_ext ext;
	struct vma n;
	unsigned it, agree_yes = 0, agree_no = 0;
	int c;

	ASSERT_TRUE(f != NULL);
	names[0] = vma_name_new("a");
	names[1] = vma_name_new("a");   /* equal by value, not pointer */
	names[2] = vma_name_new("b");
	ASSERT_TRUE(names[0] && names[1] && names[2]);
	for (c = 0; c < 4; c++) {
		struct aspace *as;

		aspace_config_init(&cfg);
		cfg.maybe_guard = c & 1;
		cfg.soft_dirty = (c & 2) != 0;
		cfg.soft_dirty_sticky = (c & 2) != 0;
		as = aspace_new(&cfg);
		ASSERT_TRUE(as != NULL);
		for (it = 0; it < 200000; it++) {
			struct vma_attrs a;
			bool left = fp_rnd() & 1, want, got;
			uint64_t start = PG(100), end = PG(100 + 1 + fp_rnd() % 3);
			uint64_t base = fp_rnd() % 4;

			memset(&n, 0, sizeof(n));
			memset(&a, 0, sizeof(a));
			n.flags = fp_flags();
			n.file = fp_rnd() % 3 ? NULL : f;
			n.anon = fp_anon();
			/* adjacent most of the time, a page off otherwise */
			if (left) {
				n.start = PG(90);
				n.end = start - (fp_rnd() % 8 ? 0 : PG(1));
			} else {
				n.start = end + (fp_rnd() % 8 ? 0 : PG(1));
				n.end = n.start + PG(4);
			}
			n.pgoff = base + (left ? 0 : (end - start) >> 12) +
				(fp_rnd() % 6 ? 0 : 1);
			a.pgoff = base + (left ? vma_pages(&n) : 0);
			a.flags = fp_rnd() % 2 ? n.flags : fp_flags();
			a.file = fp_rnd() % 4 ? n.file : (n.file ? NULL : f);
			a.anon = fp_rnd() % 2 ? n.anon : fp_anon();
			a.modify = fp_rnd() & 1;
			if (fp_rnd() % 3 == 0) {
				memset(&ext, 0, sizeof(ext));
				ext.name = fp_rnd() % 2 ? NULL :
					names[fp_rnd() % 3];
				ext.policy = fp_rnd() % 3 == 0;
				ext.uffd_ctx = fp_rnd() % 3 == 0;
				n.ext = &ext;
			}
			if (fp_rnd() % 3 == 0) {
				a.x.name = fp_rnd() % 2 ? NULL : names[fp_rnd() % 3];
				a.x.policy = fp_rnd() % 3 == 0;
				a.x.uffd_ctx = fp_rnd() % 3 == 0;
			} else if (n.ext) {
				a.x = vma_xattr_of(&n);
			}
			want = vma_merge_why_not(as, &n, left, start, end, &a) == 0;
			got = left ? vma_can_merge_left(as, &n, start, &a) :
				vma_can_merge_right(as, &n, start, end, &a);
			if (want != got)
				FAILF("config %d iteration %u: why_not says %d, "
				      "fast predicate %d", c, it, want, got);
			if (want)
				agree_yes++;
			else
				agree_no++;
		}
		aspace_free(as);
	}
	/* the random inputs exercised both answers */
	ASSERT_TRUE(agree_yes > 1000);
	ASSERT_TRUE(agree_no > 1000);
	vma_name_put(names[0]);
	vma_name_put(names[1]);
	vma_name_put(names[2]);
	aspace_file_put(f);
	return PASS;
}

TEST(vma_fastpath_stat_move_matches_two_accounts)
{
	struct aspace *a = aspace_new(NULL), *b = aspace_new(NULL);
	static const uint64_t cls[] = {
		0, VM_EXEC, VM_WRITE, VM_EXEC | VM_WRITE, VM_GROWSDOWN,
		VM_GROWSDOWN | VM_WRITE, VM_SHADOW_STACK, VM_SHARED | VM_WRITE,
		VM_SHADOW_STACK | VM_EXEC, VM_READ, VM_SHARED,
	};
	size_t i, j;

	ASSERT_TRUE(a && b);
	a->total_vm = b->total_vm = 1000;
	a->exec_vm = b->exec_vm = 100;
	a->stack_vm = b->stack_vm = 200;
	a->data_vm = b->data_vm = 300;
	for (i = 0; i < ARRAY_SIZE(cls); i++) {
		for (j = 0; j < ARRAY_SIZE(cls); j++) {
			uint64_t n = 1 + i * 7 + j;

			vma_stat_account(a, cls[i], -(int64_t)n);
			vma_stat_account(a, cls[j], (int64_t)n);
			vma_stat_move(b, cls[i], cls[j], n);
			ASSERT_EQ(a->total_vm, b->total_vm);
			ASSERT_EQ(a->exec_vm, b->exec_vm);
			ASSERT_EQ(a->stack_vm, b->stack_vm);
			ASSERT_EQ(a->data_vm, b->data_vm);
			ASSERT_EQ(a->hiwater_vm, b->hiwater_vm);
		}
	}
	aspace_free(a);
	aspace_free(b);
	return PASS;
}

/*
 * get_unmapped_area_found() chooses what get_unmapped_area() chooses, and
 * what it records holds: vma_find(a) is af.next for every a in
 * [af.lo, af.hi) and the cursor is on it (mmap's gathering starts there).
 * Random layouts with stack-like (VM_GROWSDOWN) VMAs for the guard-gap
 * retries, both layouts, hints, lengths and MAP_32BIT.
 */
TEST(vma_fastpath_area_found_matches_lookup)
{
	unsigned round, i, noted = 0;

	for (round = 0; round < 8; round++) {
		struct aspace_config cfg;
		struct aspace *as;

		aspace_config_init(&cfg);
		cfg.legacy_layout = round & 1;
		as = aspace_new(&cfg);
		ASSERT_TRUE(as != NULL);
		for (i = 0; i < 300; i++) {
			uint64_t out, n = 1 + fp_rnd() % 64;
			int fl = MAP_PRIVATE | MAP_ANONYMOUS;

			if (fp_rnd() % 8 == 0)
				fl |= MAP_GROWSDOWN;
			if (aspace_mmap(as, 0, PG(n), PROT_READ, fl, NULL, 0,
					&out) == 0 && fp_rnd() % 3 == 0)
				aspace_munmap(as, out + PG(fp_rnd() % n), PG(1));
		}
		for (i = 0; i < 3000; i++) {
			struct area_found af;
			uint64_t want = 0, got = 0, len = PG(1 + fp_rnd() % 600);
			uint64_t hint = fp_rnd() % 2 ? 0 :
				(fp_rnd() % cfg.task_size) & ~0xfffull;
			int fl = MAP_PRIVATE | MAP_ANONYMOUS |
				(fp_rnd() % 16 == 0 ? 0x40 /* MAP_32BIT */ : 0);
			int e1, e2;

			if (fp_rnd() % 8 == 0)
				len = 2ull << 20;       /* THP-aligned search */
			e1 = get_unmapped_area(as, NULL, false, hint, len, 0, fl,
					       0, &want);
			e2 = get_unmapped_area_found(as, NULL, false, hint, len,
						     0, fl, 0, &got, &af);
			ASSERT_EQ(e1, e2);
			if (e1)
				continue;
			ASSERT_EQ(want, got);
			if (!af.ok)
				continue;
			ASSERT_TRUE(af.lo < af.hi);
			ASSERT_TRUE(vma_find(as, af.lo) == af.next);
			ASSERT_TRUE(vma_find(as, af.hi - 1) == af.next);
			ASSERT_TRUE(vma_find(as, af.lo + fp_rnd() %
					     (af.hi - af.lo)) == af.next);
			if (af.next)
				ASSERT_TRUE(rtc_entry(&af.cur, NULL) == af.next);
			if (af.lo <= got && got < af.hi)
				noted++;
		}
		aspace_free(as);
	}
	ASSERT_TRUE(noted > 1000);      /* mmap's case was exercised */
	return PASS;
}

/* Everything observable of @as in one string: maps with VmFlags,
 * counters, statistics (static buffer). */
static const char *fp_state(struct aspace *as)
{
	static char buf[1 << 16];
	struct aspace_stats st;
	char *maps = aspace_maps(as, ASPACE_MAPS_SMAPS);

	aspace_stats(as, &st);
	snprintf(buf, sizeof(buf), "%s\n%s\nmerges=%llu splits=%llu "
		 "created=%llu freed=%llu peak=%llu", maps ? maps : "(null)",
		 fx_counters(as), (unsigned long long)st.merges,
		 (unsigned long long)st.splits,
		 (unsigned long long)st.vmas_created,
		 (unsigned long long)st.vmas_freed,
		 (unsigned long long)st.peak_map_count);
	aspace_free_text(maps);
	return buf;
}

/*
 * The fast paths (munmap of a hole inside one VMA, the one-copy vma_dup,
 * mmap's single store and found-range gathering, the modify changes) are
 * taken only with provenance off; with it on, the same calls take the
 * general paths.  The same random calls on both must give the same
 * results, maps, counters and statistics after every call, including
 * map_count refusals (a low max_map_count) and sealed VMAs.
 */
TEST(vma_fastpath_matches_general_path)
{
	static char want[1 << 16];
	struct aspace_config cfg;
	struct aspace *fast, *gen;
	unsigned i, inside = 0;

	aspace_config_init(&cfg);
	cfg.max_map_count = 48;
	fast = aspace_new(&cfg);
	cfg.provenance = true;
	gen = aspace_new(&cfg);
	ASSERT_TRUE(fast && gen);
	for (i = 0; i < 20000; i++) {
		uint64_t p = fp_rnd() % 256, n = 1 + fp_rnd() % 24, out1, out2;
		int prot = (int)(fp_rnd() % 4) & (PROT_READ | PROT_WRITE);
		int op = (int)(fp_rnd() % 16), r1, r2;
		struct aspace_vma_info vi;

		if (op < 5) {
			int fl = MAP_PRIVATE | MAP_ANONYMOUS |
				(fp_rnd() % 3 ? MAP_FIXED : 0) |
				(fp_rnd() % 16 ? 0 : MAP_NORESERVE);

			r1 = aspace_mmap(fast, AT(p), PG(n), prot, fl, NULL, 0,
					 &out1);
			r2 = aspace_mmap(gen, AT(p), PG(n), prot, fl, NULL, 0,
					 &out2);
			if (!r1 && !r2)
				ASSERT_EQ(out1, out2);
		} else if (op < 11) {
			n = 1 + fp_rnd() % 3;   /* mostly holes in one VMA */
			if (aspace_vma_at(fast, AT(p), &vi) == 0 &&
			    vi.start < AT(p) && AT(p + n) < vi.end)
				inside++;
			r1 = aspace_munmap(fast, AT(p), PG(n));
			r2 = aspace_munmap(gen, AT(p), PG(n));
		} else if (op < 15) {
			r1 = aspace_mprotect(fast, AT(p), PG(n), prot);
			r2 = aspace_mprotect(gen, AT(p), PG(n), prot);
		} else {
			r1 = aspace_mseal(fast, AT(p), PG(n), 0);
			r2 = aspace_mseal(gen, AT(p), PG(n), 0);
		}
		ASSERT_EQ(r1, r2);
		snprintf(want, sizeof(want), "%s", fp_state(gen));
		if (strcmp(want, fp_state(fast)))
			FAILF("call %u (op %d): general\n%s\nfast\n%s", i, op,
			      want, fp_state(fast));
		ASSERT_EQ(aspace_validate(fast), 0);
	}
	if (inside < 1000)              /* the hole fast path ran */
		FAILF("only %u munmaps inside one VMA", inside);
	aspace_free(fast);
	aspace_free(gen);
	return PASS;
}

/*
 * get_unmapped_area() with MAP_FIXED goes straight to the final checks
 * for every file but hugetlbfs (area.c): the answer must be the address
 * itself or the checks' errno in __get_unmapped_area()'s order, for
 * every file kind, layout, placement flag and length the searches it
 * skips would have seen (THP-sized, task_size, beyond).
 */
TEST(vma_fastpath_fixed_area_is_the_address)
{
	static const int kinds[] = {
		-1, ASPACE_FILE_REGULAR, ASPACE_FILE_SHMEM, ASPACE_FILE_DEVZERO,
		ASPACE_FILE_SYSV_SHM,
	};
	struct aspace_config cfg;
	unsigned it, ok = 0, refused = 0;
	int layout;

	for (layout = 0; layout < 2; layout++) {
		struct aspace *as;

		aspace_config_init(&cfg);
		cfg.legacy_layout = layout;
		as = aspace_new(&cfg);
		ASSERT_TRUE(as != NULL);
		ASSERT_EQ(fx_map(as, 0, 8, PROT_READ, 0), 0);
		for (it = 0; it < 100000; it++) {
			int kind = kinds[fp_rnd() % ARRAY_SIZE(kinds)];
			struct aspace_file_desc d = { .path = "/f",
				.kind = kind < 0 ? 0 : kind,
				.flags = ASPACE_O_READ };
			struct aspace_file *f = kind < 0 ? NULL :
				aspace_file_open(&d);
			uint64_t ts = cfg.task_size, addr, len, out = 1;
			int mflags = MAP_FIXED | (fp_rnd() & 1 ? MAP_SHARED : 0);
			bool shared_anon = !f && (fp_rnd() & 1);
			int want, got;

			ASSERT_TRUE(kind < 0 || f != NULL);
			switch (fp_rnd() % 6) {
			case 0:  addr = 0; break;
			case 1:  addr = fp_rnd() % PG(4); break;
			case 2:  addr = ts - PG(fp_rnd() % 1024); break;
			case 3:  addr = -(uint64_t)(fp_rnd() % 8192); break;
			case 4:  addr = AT(fp_rnd() % 64); break;
			default: addr = fp_rnd() % ts; break;
			}
			switch (fp_rnd() % 5) {
			case 0:  len = HPAGE_PMD_SIZE * (1 + fp_rnd() % 4); break;
			case 1:  len = ts - PG(fp_rnd() % 3); break;
			case 2:  len = ts + PG(fp_rnd() % 3); break;
			default: len = PG(1 + fp_rnd() % 16); break;
			}
			if (len > ts)
				want = -ENOMEM;
			else if (addr >= (uint64_t)-MAX_ERRNO)
				want = (int)(int64_t)addr;
			else if (addr > ts - len)
				want = -ENOMEM;
			else if (!PAGE_ALIGNED(addr))
				want = -EINVAL;
			else if (addr < cfg.dac_mmap_min_addr &&
				 !cfg.cap_sys_rawio)
				want = -EPERM;
			else
				want = 0;
			got = get_unmapped_area(as, f, shared_anon, addr, len,
						fp_rnd() % 1024, mflags, 0, &out);
			aspace_file_put(f);
			if (got != want || (!got && out != addr))
				FAILF("layout %d kind %d addr %#llx len %#llx "
				      "flags %#x: got %d %#llx, want %d", layout,
				      kind, (unsigned long long)addr,
				      (unsigned long long)len, mflags, got,
				      (unsigned long long)out, want);
			if (got)
				refused++;
			else
				ok++;
		}
		aspace_free(as);
	}
	ASSERT_TRUE(ok > 10000 && refused > 10000);
	return PASS;
}
