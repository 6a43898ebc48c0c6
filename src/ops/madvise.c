/*
 * madvise.c - madvise(2) (spec/05 §2, spec/07 madvise table): the advice
 * list of the reference kernel, the early argument checks, the populate
 * fault loop, and the VMA walk that skips holes (remembering -ENOMEM),
 * checks the seal rule for discard advice, validates each advice per VMA
 * and changes VM_* flags through vma_modify() (split or merge).
 *
 * Partial failure is Linux's: VMAs before the failing one keep their
 * advice.  A split refused for map_count is -EAGAIN, as the kernel turns
 * that -ENOMEM into -EAGAIN.  Our own allocator's failure is reported as
 * -ENOMEM (aspace_last_oom() true) with nothing changed: every VMA, tree
 * store and extension the walk can need is reserved before the first
 * change.
 */
#include <errno.h>
#include <sys/mman.h>

#include "ops/fault.h"
#include "ops/walk.h"
#include "vma/guard.h"

/* uapi values the 6.1 host headers may lack. */
#define MADV_FREE_             8
#define MADV_WIPEONFORK_       18
#define MADV_KEEPONFORK_       19
#define MADV_COLD_             20
#define MADV_PAGEOUT_          21
#define MADV_POPULATE_READ_    22
#define MADV_POPULATE_WRITE_   23
#define MADV_DONTNEED_LOCKED_  24

/*
 * madvise_behavior_valid() on the reference kernel: 0-4, 8-25, 102, 103.
 * It is built without CONFIG_MEMORY_FAILURE, so MADV_HWPOISON (100) and
 * MADV_SOFT_OFFLINE (101) are unknown advice (EINVAL) [V] (kernel-notes).
 */
static bool madvise_known(int adv)
{
	return (adv >= MADV_NORMAL && adv <= MADV_DONTNEED) ||
		(adv >= MADV_FREE_ && adv <= ASPACE_MADV_COLLAPSE) ||
		adv == ASPACE_MADV_GUARD_INSTALL ||
		adv == ASPACE_MADV_GUARD_REMOVE;
}

/* Advice that changes vm_flags through the modify primitive. */
static bool madvise_changes_flags(int adv)
{
	switch (adv) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL:
	case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP: case MADV_DODUMP:
	case MADV_WIPEONFORK_: case MADV_KEEPONFORK_:
		return true;
	default:
		return false;
	}
}

/* is_discard() of mm/mseal.c (6.17+): advice a seal refuses. */
static bool madvise_discards(int adv)
{
	switch (adv) {
	case MADV_FREE_: case MADV_DONTNEED: case MADV_DONTNEED_LOCKED_:
	case MADV_REMOVE: case MADV_DONTFORK: case MADV_WIPEONFORK_:
	case ASPACE_MADV_GUARD_INSTALL:
		return true;
	default:
		return false;
	}
}

/* vma_is_anonymous() in the kernel's sense: no vm_ops (private /dev/zero). */
static bool madvise_anon_ops(const struct vma *v)
{
	return !v->file || v->file->desc.kind == ASPACE_FILE_DEVZERO;
}

/* vma_ksm_compatible() (mm/ksm.c). */
static bool madvise_ksm_ok(const struct vma *v)
{
	return !(v->flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
			     VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP |
			     VM_DROPPABLE));
}

/*
 * MADV_COLLAPSE.  First the VMA must be allowed a PMD-size THP for a
 * forced collapse (which ignores the sysfs mode): not VM_NOHUGEPAGE,
 * special or hugetlb; the VMA holds a whole aligned 2 MiB block (files:
 * with the block aligned in the file too); shmem (the shared-anonymous
 * object included) always, other files never (no READ_ONLY_THP_FOR_FS);
 * anonymous memory only once it has an anon_vma [S, fuzzed].  Otherwise
 * EINVAL, even when the range holds no block.  Then a piece whose rounded
 * block bounds meet (first == last) has nothing to do (0), one inside a
 * single block crossing no 2 MiB boundary is EINVAL (the kernel's block
 * count wraps) [V]; with whole blocks the result depends
 * on which pages are present, which the model does not track: it assumes
 * they are not (EINVAL) — kernel-notes.
 */
static int madvise_collapse(const struct vma *v, uint64_t lo, uint64_t hi)
{
	uint64_t first = (lo + HPAGE_PMD_SIZE - 1) & ~(HPAGE_PMD_SIZE - 1);
	uint64_t last = hi & ~(HPAGE_PMD_SIZE - 1);
	/* thp_vma_suitable_order() at vm_end - 2 MiB, in the kernel's
	 * unsigned arithmetic: a VMA ending below 2 MiB (mapped near address
	 * 0 by root) wraps around and passes [V, fuzz seed 62] */
	uint64_t block = (v->end - HPAGE_PMD_SIZE) & ~(HPAGE_PMD_SIZE - 1);
	bool anon = madvise_anon_ops(v);

	if (v->flags & (VM_NOHUGEPAGE | VM_SPECIAL | VM_HUGETLB))
		return -EINVAL;
	if (block < v->start || block + HPAGE_PMD_SIZE > v->end)
		return -EINVAL;
	if (!anon && ((PFN(v->start) - v->pgoff) &
		      (PFN(HPAGE_PMD_SIZE) - 1)))
		return -EINVAL;
	if (!anon && !file_is_shmem(v->file))
		return -EINVAL;
	if (anon && v->anon == ANON_NONE)
		return -EINVAL;
	/* The kernel counts the blocks as (last - first) / 2 MiB in unsigned
	 * arithmetic: a piece inside one block but crossing no boundary
	 * (last < first) wraps and fails; last == first has nothing to do. */
	if (last < first)
		return -EINVAL;
	return first < last ? -EINVAL : 0;
}

/* madvise_dontneed_free_valid_vma() and madvise_free_single_vma(). */
static int madvise_dontneed_free(const struct vma *v, uint64_t lo, int adv)
{
	if (!(v->flags & VM_HUGETLB)) {
		uint64_t forbidden = VM_PFNMAP;

		if (adv != MADV_DONTNEED_LOCKED_)
			forbidden |= VM_LOCKED;
		if (v->flags & forbidden)
			return -EINVAL;
	} else if (adv == MADV_FREE_ || (lo & (HPAGE_PMD_SIZE - 1))) {
		return -EINVAL;
	}
	if (adv == MADV_FREE_ && !madvise_anon_ops(v))
		return -EINVAL;
	return 0;
}

/* madvise_remove(): punch a hole in the backing file. */
static int madvise_remove(const struct vma *v, uint64_t lo, uint64_t hi)
{
	/* s_maxbytes: ext4 with extents and 4 KiB blocks ((2^32 - 1) blocks),
	 * MAX_LFS_FILESIZE for tmpfs and hugetlbfs */
	uint64_t maxbytes = v->file && v->file->desc.kind == ASPACE_FILE_REGULAR ?
		0xffffffff000ull : 0x7fffffffffffffffull;
	uint64_t offset;

	if (v->flags & VM_LOCKED)
		return -EINVAL;
	if (!v->file)
		return -EINVAL;
	if ((v->flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
		return -EACCES;
	/* vfs_fallocate(): a negative (signed) file offset first [V: fuzz
	 * errors seeds 50617, 50690: /dev/zero shared at offset 2^63] */
	offset = (lo - v->start) + (v->pgoff << PAGE_SHIFT);
	if ((int64_t)offset < 0)
		return -EINVAL;
	if (v->file->desc.flags & ASPACE_F_SWAPFILE)
		return -ETXTBSY;        /* vfs_fallocate() on a swap file */
	/* the punched range must end within the file system's largest file
	 * size [V: fuzz errors seed 103, a shared ext4 mapping at file
	 * offset 16 TiB] */
	if (offset + (hi - lo) > maxbytes || offset + (hi - lo) < offset)
		return -EFBIG;
	return 0;                       /* ext4, tmpfs, hugetlbfs punch holes */
}

/*
 * The new vm_flags of a flag-changing advice, or an errno.  MERGEABLE on a
 * VMA KSM cannot use and UNMERGEABLE on one without VM_MERGEABLE leave
 * the flags as they are (success, no change).
 */
static int madvise_new_flags(const struct vma *v, int adv, uint64_t *out)
{
	uint64_t f = v->flags;

	switch (adv) {
	case MADV_NORMAL:
		f &= ~(VM_RAND_READ | VM_SEQ_READ);
		break;
	case MADV_SEQUENTIAL:
		f = (f & ~VM_RAND_READ) | VM_SEQ_READ;
		break;
	case MADV_RANDOM:
		f = (f & ~VM_SEQ_READ) | VM_RAND_READ;
		break;
	case MADV_DONTFORK:
		f |= VM_DONTCOPY;
		break;
	case MADV_DOFORK:
		if (f & VM_IO)
			return -EINVAL;
		f &= ~VM_DONTCOPY;
		break;
	case MADV_WIPEONFORK_:
		if (v->file || (f & VM_SHARED))
			return -EINVAL;
		f |= VM_WIPEONFORK;
		break;
	case MADV_KEEPONFORK_:
		if (f & VM_DROPPABLE)
			return -EINVAL;
		f &= ~VM_WIPEONFORK;
		break;
	case MADV_DONTDUMP:
		f |= VM_DONTDUMP;
		break;
	case MADV_DODUMP:
		if ((!(f & VM_HUGETLB) && (f & VM_SPECIAL)) ||
		    (f & VM_DROPPABLE))
			return -EINVAL;
		f &= ~VM_DONTDUMP;
		break;
	case MADV_MERGEABLE:
		if (madvise_ksm_ok(v))
			f |= VM_MERGEABLE;
		break;
	case MADV_UNMERGEABLE:
		f &= ~VM_MERGEABLE;
		break;
	case MADV_HUGEPAGE:
		f = (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		break;
	case MADV_NOHUGEPAGE:
		f = (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		break;
	}
	*out = f;
	return 0;
}

/*
 * madvise_vma_behavior(): one VMA piece [lo, hi) of *@vp.  *@vp is the
 * VMA holding the piece afterwards (a merge may have replaced it).
 */
static int madvise_vma(struct aspace *as, struct vma **vp, uint64_t lo,
		       uint64_t hi, void *arg)
{
	int adv = *(const int *)arg;
	struct vma *v = *vp;
	uint64_t nf;
	int err;

	if ((v->flags & VM_SEALED) && madvise_discards(adv) &&
	    madvise_anon_ops(v) && !(v->flags & VM_WRITE))
		return -EPERM;
	switch (adv) {
	case MADV_REMOVE:
		return madvise_remove(v, lo, hi);
	case MADV_WILLNEED:
		return 0;
	case MADV_COLD_:
	case MADV_PAGEOUT_:
		return (v->flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) ?
			-EINVAL : 0;
	case MADV_FREE_:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED_:
		return madvise_dontneed_free(v, lo, adv);
	case ASPACE_MADV_COLLAPSE:
		return madvise_collapse(v, lo, hi);
	case ASPACE_MADV_GUARD_INSTALL:
		if (v->flags & (VM_SPECIAL | VM_HUGETLB | VM_LOCKED))
			return -EINVAL;
		/* The sticky flag goes on the whole VMA: no split. */
		if (as->cfg.maybe_guard)
			v->flags |= VM_MAYBE_GUARD;
		if (madvise_anon_ops(v))
			vma_anon_prepare(as, v);
		guard_install(as, lo, hi);      /* present pages zapped first */
		return 0;
	case ASPACE_MADV_GUARD_REMOVE:
		if (v->flags & (VM_SPECIAL | VM_HUGETLB))
			return -EINVAL;
		vma_guard_remove(as, lo, hi);   /* VM_LOCKED allowed */
		return 0;
	}
	err = madvise_new_flags(v, adv, &nf);
	if (err || nf == v->flags)
		return err;
	err = vma_modify(as, vp, lo, hi, nf, NULL);
	return err == -ENOMEM ? -EAGAIN : err;
}

/*
 * madvise_populate(): fault in [start, end) page by page; the first VMA
 * that is missing (ENOMEM) or refuses the access (EINVAL) ends the loop,
 * and so does a guard marker (EFAULT, as GUP's SIGSEGV; verified);
 * earlier pages keep their effects.  No VMA is split or merged.
 */
static int madvise_populate(struct aspace *as, uint64_t start, uint64_t end,
			    bool write)
{
	uint64_t pos = start;

	while (pos < end) {
		struct vma *v = vma_lookup(as, pos);
		uint64_t hi, g;
		int err;

		if (!v)
			return -ENOMEM;
		if ((v->flags & (VM_IO | VM_PFNMAP)) ||
		    (write && (!(v->flags & VM_WRITE) ||
			       (v->flags & VM_SHADOW_STACK))) ||
		    (!write && !(v->flags & VM_READ)) ||
		    fault_pkey_denied(as, v))
			return -EINVAL;
		hi = MIN(end, v->end);
		/* a guard marker ends the walk: pages before it are faulted */
		if (guard_first(as, pos, hi, &g)) {
			err = g > pos ? fault_piece(as, v, pos, g, write) : 0;
			return err ? err : -EFAULT;
		}
		err = fault_piece(as, v, pos, hi, write);
		if (err)
			return err;
		pos = hi;
	}
	return 0;
}

static int madvise_do(struct aspace *as, uint64_t start, uint64_t len,
		      int adv)
{
	uint64_t end;
	int err;

	if (!madvise_known(adv))
		return -EINVAL;
	err = walk_range_check(start, len, &end);
	if (err || end == start)
		return err;
	if (adv == MADV_POPULATE_READ_ || adv == MADV_POPULATE_WRITE_)
		return madvise_populate(as, start, end,
					adv == MADV_POPULATE_WRITE_);
	if (madvise_changes_flags(adv)) {
		uint64_t k = walk_count(as, start, end);

		err = as_reserve(as, VMA_MODIFY_VMAS, VMA_MODIFY_EXTS,
				 (unsigned)MIN(k + 2, 1u << 30));
		if (err)
			return err;
	}
	/* one marker store per VMA piece */
	if (adv == ASPACE_MADV_GUARD_INSTALL ||
	    (adv == ASPACE_MADV_GUARD_REMOVE && guard_any(as))) {
		uint64_t k = walk_count(as, start, end);

		err = vma_guard_reserve(as, (unsigned)MIN(k, 1u << 30));
		if (err)
			return err;
	}
	return walk_vmas(as, start, end, madvise_vma, &adv);
}

/*
 * aspace_madvise() - madvise(2).
 * @as:     the address space.
 * @start:  page aligned start.
 * @len:    bytes, rounded up to pages.
 * @advice: MADV_* (x86-64 values; ASPACE_MADV_* for the newer ones).
 *
 * Assumes: nothing; every input is checked in the kernel's order.
 * Return:  0, or -EINVAL, -ENOMEM (hole), -EAGAIN (split at map_count),
 *          -EPERM (seal), -EACCES, -EFAULT, -ETXTBSY (spec/07).
 * On error: VMAs before the failing one keep their advice (and a first
 *           split stays); -ENOMEM from our allocator (aspace_last_oom())
 *           changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/madvise.c do_madvise(), Linux 6.18.
 */
int aspace_madvise(struct aspace *as, uint64_t start, uint64_t len, int advice)
{
	int err;

	as_begin(as);
	err = madvise_do(as, start, len, advice);
	as_unreserve(as);
	return as_finish(as, err);
}
