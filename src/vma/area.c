/*
 * area.c - choosing the address of a new mapping (spec/03 §4): the hint,
 * the top-down and bottom-up searches over the tree's gaps, guard gaps
 * below VM_GROWSDOWN / shadow-stack VMAs, THP alignment of large anonymous
 * mappings and of regular files, hugetlb alignment, MAP_32BIT and
 * MAP_ABOVE4G, and the final checks of __get_unmapped_area().
 *
 * Nothing here changes the address space.  get_unmapped_area_found()
 * also reports the lookup the search made near its answer (struct
 * area_found) so mmap need not repeat it.
 */
#include <errno.h>
#include <sys/mman.h>

#include "vma/vma.h"

#ifndef MAP_32BIT
#define MAP_32BIT 0x40
#endif

uint64_t vm_start_gap(const struct aspace *as, const struct vma *v)
{
	uint64_t gap = 0, s;

	if (v->flags & VM_GROWSDOWN)
		gap = as->cfg.stack_guard_gap;
	else if (v->flags & VM_SHADOW_STACK)
		gap = PAGE_SIZE;
	s = v->start - gap;
	return s > v->start ? 0 : s;
}

uint64_t vm_end_gap(const struct aspace *as, const struct vma *v)
{
	(void)as;
	return v->end;          /* no VM_GROWSUP on x86 */
}

/* One search request (the kernel's vm_unmapped_area_info). */
struct area_req {
	uint64_t len, low, high, mask, off, start_gap;
};

/*
 * The lookups below go through a caller's struct area_found when it has
 * one, so the cursor is left on the VMA they found; area_note() records
 * the addresses [lo, hi) for which that VMA is vma_find()'s answer.
 */
static const struct vma *area_find(const struct aspace *as,
				   struct area_found *af, uint64_t addr)
{
	if (!af)
		return vma_find(as, addr);
	af->ok = false;
	rtc_init(&af->cur, &as->tree);
	return rtc_find(&af->cur, addr, NULL);
}

static void area_note(struct area_found *af, const struct vma *n,
		      uint64_t lo, uint64_t hi)
{
	if (!af)
		return;
	af->next = (struct vma *)n;
	af->lo = lo;
	af->hi = hi;
	af->ok = true;
}

/* mm/mmap.c unmapped_area(): lowest fit, then guard-gap retries. */
static int area_lowest(const struct aspace *as, const struct area_req *r,
		       uint64_t *out, struct area_found *af)
{
	uint64_t need = r->len + r->mask + r->start_gap;
	uint64_t low = MAX(r->low, as->cfg.mmap_min_addr), gf, gl, cand;
	const struct vma *n;

	if (need < r->len)
		return -ENOMEM;
	for (;;) {
		if (low >= r->high ||
		    rt_gap_lowest(&as->tree, low, r->high - 1, need, &gf, &gl))
			return -ENOMEM;
		cand = gf + r->start_gap;
		cand += (r->off - cand) & r->mask;
		n = area_find(as, af, gf);
		if (n && (n->flags & VM_STARTGAP_FLAGS)) {
			if (vm_start_gap(as, n) < cand + need - 1) {
				low = n->end;
				continue;
			}
		}
		/* [gf, gl] is empty: n is vma_find() of all of it */
		area_note(af, n, gf, gl + 1);
		*out = cand;
		return 0;
	}
}

/* mm/mmap.c unmapped_area_topdown(): highest fit, top of the gap. */
static int area_highest(const struct aspace *as, const struct area_req *r,
			uint64_t *out, struct area_found *af)
{
	uint64_t need = r->len + r->mask + r->start_gap;
	uint64_t low = MAX(r->low, as->cfg.mmap_min_addr), high = r->high;
	uint64_t gf, gl, top, cand;
	const struct vma *n;

	if (need < r->len)
		return -ENOMEM;
	for (;;) {
		if (high <= low ||
		    rt_gap_highest(&as->tree, low, high - 1, need, &gf, &gl))
			return -ENOMEM;
		top = gl + 1;
		cand = top - r->len;
		cand -= (cand - r->off) & r->mask;
		n = area_find(as, af, top);
		if (n && (n->flags & VM_STARTGAP_FLAGS) &&
		    vm_start_gap(as, n) < top) {
			high = vm_start_gap(as, n);
			continue;
		}
		area_note(af, n, gf, top);      /* [gf, top) is empty */
		*out = cand;
		return 0;
	}
}

/* The hint test shared by both layouts: fits below the next VMA's gap. */
static bool hint_fits(const struct aspace *as, uint64_t addr, uint64_t len,
		      uint64_t end, struct area_found *af)
{
	const struct vma *v;

	if (end - len < addr)
		return false;
	v = area_find(as, af, addr);
	if (v && addr + len > vm_start_gap(as, v))
		return false;
	area_note(af, v, addr, addr + 1);
	return true;
}

/* arch_get_unmapped_area() (x86 bottom-up). */
static int search_bottomup(const struct aspace *as, uint64_t addr,
			   uint64_t len, uint64_t off, uint64_t mask,
			   int mflags, uint64_t vm_flags, uint64_t *out,
			   struct area_found *af)
{
	struct area_req r = { .len = len, .mask = mask, .off = off };

	if (mflags & MAP_FIXED) {
		*out = addr;
		return 0;
	}
	if (mflags & MAP_32BIT) {
		r.low = 0x40000000;
		r.high = 0x80000000;
	} else {
		r.low = as->mmap_legacy_base;
		r.high = as->cfg.task_size;
	}
	if (len > r.high)
		return -ENOMEM;
	if (addr) {
		addr = PAGE_ALIGN(addr);
		if (hint_fits(as, addr, len, r.high, af)) {
			*out = addr;
			return 0;
		}
	}
	r.start_gap = (vm_flags & VM_SHADOW_STACK) ? PAGE_SIZE : 0;
	return area_lowest(as, &r, out, af);
}

/* arch_get_unmapped_area_topdown() (x86). */
static int search_topdown(const struct aspace *as, uint64_t addr,
			  uint64_t len, uint64_t off, uint64_t mask,
			  int mflags, uint64_t vm_flags, uint64_t *out,
			  struct area_found *af)
{
	uint64_t ts = as->cfg.task_size, hint = addr;
	struct area_req r = { .len = len, .mask = mask, .off = off };

	if (len > ts)
		return -ENOMEM;
	if (mflags & MAP_FIXED) {
		*out = addr;
		return 0;
	}
	if (mflags & MAP_32BIT)
		goto bottomup;
	if (addr) {
		addr &= PAGE_MASK;
		if (hint_fits(as, addr, len, ts, af)) {
			*out = addr;
			return 0;
		}
	}
	r.low = (mflags & ASPACE_MAP_ABOVE4G) ? (4ull << 30) : PAGE_SIZE;
	r.high = as->mmap_base;
	r.start_gap = (vm_flags & VM_SHADOW_STACK) ? PAGE_SIZE : 0;
	if (!area_highest(as, &r, out, af))
		return 0;
bottomup:
	return search_bottomup(as, hint, len, off, mask, mflags, 0, out, af);
}

/* mm_get_unmapped_area_vmflags(). */
static int search(const struct aspace *as, uint64_t addr, uint64_t len,
		  uint64_t off, uint64_t mask, int mflags, uint64_t vm_flags,
		  uint64_t *out, struct area_found *af)
{
	if (as->topdown)
		return search_topdown(as, addr, len, off, mask, mflags,
				      vm_flags, out, af);
	return search_bottomup(as, addr, len, off, mask, mflags, vm_flags, out,
			       af);
}

/*
 * __thp_get_unmapped_area(): search for len + 2 MiB and align so that
 * addr ≡ off (mod 2 MiB).  Return: 0 and *out, or -1 to retry unpadded.
 */
static int search_thp(const struct aspace *as, uint64_t addr, uint64_t len,
		      uint64_t off, int mflags, uint64_t vm_flags,
		      uint64_t *out, struct area_found *af)
{
	uint64_t size = HPAGE_PMD_SIZE, off_end = off + len;
	uint64_t off_align = (off + size - 1) & ~(size - 1);
	uint64_t len_pad = len + size, ret, off_sub;

	if (off_end <= off_align || off_end - off_align < size)
		return -1;
	if (len_pad < len || off + len_pad < off)
		return -1;
	if (search(as, addr, len_pad, off, 0, mflags, vm_flags, &ret, af))
		return -1;
	if (ret == addr) {
		*out = addr;
		return 0;
	}
	off_sub = (off - ret) & (size - 1);
	if (as->topdown && !off_sub)
		ret += size;
	else
		ret += off_sub;
	*out = ret;
	return 0;
}

/*
 * hugetlbfs placement (6.13+): the length and a FIXED address must be
 * huge-page aligned, a hint is aligned up, then the mm's own search runs
 * with the hint and a huge-page alignment mask: so MAP_32BIT skips the
 * hint in the top-down layout and tests it against its 1-2 GiB window
 * [V: fuzz errors seed 52544, anonymous MAP_HUGETLB|MAP_32BIT with a
 * hint above 4 GiB: kernel 0x40000000].
 */
static int search_hugetlb(const struct aspace *as,
			  const struct aspace_file *f, uint64_t addr,
			  uint64_t len, int mflags, uint64_t *out,
			  struct area_found *af)
{
	uint64_t hmask = file_huge_size(f) - 1;

	if (len & hmask)
		return -EINVAL;
	if (mflags & MAP_FIXED) {
		if (addr & hmask)
			return -EINVAL;
		*out = addr;
		return 0;
	}
	if (addr)
		addr = (addr + hmask) & ~hmask;
	/* the search's mask is page-granular (PAGE_MASK & ~huge mask): the
	 * gap it needs is len + 2 MiB - 4 KiB, so an exactly fitting gap is
	 * found [V: fuzz errors seed 53419] */
	return search(as, addr, len, 0, hmask & PAGE_MASK, mflags, 0, out,
		      af);
}

int get_unmapped_area(const struct aspace *as, const struct aspace_file *file,
		      bool shared_anon, uint64_t addr, uint64_t len,
		      uint64_t pgoff, int mflags, uint64_t vm_flags,
		      uint64_t *out /* OUT */)
{
	return get_unmapped_area_found(as, file, shared_anon, addr, len, pgoff,
				       mflags, vm_flags, out, NULL);
}

int get_unmapped_area_found(const struct aspace *as,
			    const struct aspace_file *file, bool shared_anon,
			    uint64_t addr, uint64_t len, uint64_t pgoff,
			    int mflags, uint64_t vm_flags,
			    uint64_t *out /* OUT */,
			    struct area_found *af /* OUT, may be NULL */)
{
	uint64_t a = 0, ts = as->cfg.task_size;
	int err;

	if (af)
		af->ok = false;
	if (len > ts)
		return -ENOMEM;
	if (!file)
		pgoff = 0;
	if (file && file->desc.kind == ASPACE_FILE_HUGETLB) {
		err = search_hugetlb(as, file, addr, len, mflags, &a, af);
	} else if (mflags & MAP_FIXED) {
		/* every search below returns a MAP_FIXED address as given
		 * (len <= task_size was checked): straight to the checks */
		err = 0;
		a = addr;
	} else if (file && (file->desc.kind == ASPACE_FILE_REGULAR ||
			    (file->desc.kind == ASPACE_FILE_DEVZERO &&
			     !shared_anon && !(mflags & MAP_SHARED)))) {
		/* thp_get_unmapped_area(): ext4 and private /dev/zero */
		err = 0;
		if (search_thp(as, addr, len, pgoff << PAGE_SHIFT, mflags,
			       vm_flags, &a, af))
			err = search(as, addr, len, pgoff << PAGE_SHIFT, 0,
				     mflags, vm_flags, &a, af);
	} else if (file || shared_anon) {
		/* shmem (huge=never), SysV, drivers: the mm default */
		err = search(as, addr, len, pgoff << PAGE_SHIFT, 0, mflags,
			     vm_flags, &a, af);
	} else if (!addr && (len & (HPAGE_PMD_SIZE - 1)) == 0) {
		/* large anonymous mappings are THP aligned */
		err = 0;
		if (search_thp(as, addr, len, 0, mflags, vm_flags, &a, af))
			err = search(as, addr, len, 0, 0, mflags, vm_flags, &a,
				     af);
	} else {
		err = search(as, addr, len, 0, 0, mflags, vm_flags, &a, af);
	}
	if (err)
		return err;
	/* IS_ERR_VALUE() comes first: a MAP_FIXED address in the last
	 * 4095 bytes is returned as the negative errno it spells
	 * (docs/kernel-notes.md, "mmap at an error-valued address"). */
	if (a >= (uint64_t)-MAX_ERRNO)
		return (int)(int64_t)a;
	if (a > ts - len)
		return -ENOMEM;
	if (!PAGE_ALIGNED(a))
		return -EINVAL;
	if (a < as->cfg.dac_mmap_min_addr && !as->cfg.cap_sys_rawio)
		return -EPERM;
	*out = a;
	return 0;
}
