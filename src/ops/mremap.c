/*
 * mremap.c - mremap(2): the syscall's argument checks, the per-VMA checks,
 * shrink, no-op, growth in place (merging the extension with the next
 * VMA), moves of one VMA (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP)
 * and the 6.17+ pure moves that span several VMAs (spec/04, spec/07
 * mremap table).
 *
 * Owns the order of spec/07's mremap rows and the accounting of spec/04
 * §10, including two things the kernel never gives back and the model
 * therefore keeps as well: the locked_vm of a MREMAP_DONTUNMAP source
 * (as->locked_vm_leaked) and the commit charge a FIXED move that shrinks
 * takes for the size difference (as->committed_leaked).
 *
 * Every allocation is made by one as_reserve() sized for the whole call
 * (all pieces of a multi-VMA move) before the first visible change, so an
 * allocator failure leaves the address space and the counters untouched;
 * the kernel's own refusals after that point leave what Linux leaves
 * (a FIXED destination already unmapped, pieces of a pure move already
 * moved).
 */
#include <errno.h>
#include <sys/mman.h>

#include "ops/mremap.h"
#include "vma/guard.h"
#include "vma/vma.h"

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#define MREMAP_DONTUNMAP_ ASPACE_MREMAP_DONTUNMAP
#define MREMAP_VALID (MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP_)

/*
 * What one piece may need from the reservation.  A moved piece: the FIXED
 * destination gathering splits twice and erases once, the source unmap
 * likewise, the destination is one merge or one insert (one new VMA).
 * A shrink's tail: two splits and an erase.  Growth in place: one store.
 */
#define MREMAP_UNMAP_VMAS    2
#define MREMAP_UNMAP_STORES  3
#define MREMAP_MOVE_VMAS     (MREMAP_UNMAP_VMAS + 1)
#define MREMAP_MOVE_STORES   (MREMAP_UNMAP_STORES + 1)

enum mremap_type {
	MREMAP_NO_RESIZE,       /* old_len == new_len */
	MREMAP_SHRINK,          /* old_len > new_len */
	MREMAP_EXPAND,          /* old_len < new_len */
};

/* The state of one call, or of the current piece of a pure move. */
struct mremap_op {
	/* inputs; lengths page aligned by mremap_do() */
	struct aspace *as;
	uint64_t addr, old_len, new_len, new_addr;
	uint64_t flags;
	/* set by mremap_check_vma() */
	struct vma *vma;                /* the VMA containing addr */
	uint64_t delta;                 /* |new_len - old_len|, bytes */
	enum mremap_type type;
	bool populate;                  /* locked VMA grows: populate the tail */
	/*
	 * Neighbours found by cursor steps, valid while the tree is
	 * unchanged since: the VMA after @vma (growth in place), and the
	 * VMAs around an empty FIXED destination (vma_find_prev and
	 * vma_find of new_addr, for copy_vma's merge).
	 */
	bool next_known, dest_known;
	struct vma *next;
	struct vma *dprev, *dnext;
};

#define MREMAP_OP(name, as_, addr_, old_, new_, flags_, naddr_)		\
	struct mremap_op name = { .as = (as_), .addr = (addr_),		\
		.old_len = (old_), .new_len = (new_),			\
		.flags = (flags_), .new_addr = (naddr_) }

/* FIXED or DONTUNMAP: the call will map a new range (vrm_implies_new_addr). */
static bool mremap_new_addr_mode(const struct mremap_op *op)
{
	return op->flags & (MREMAP_FIXED | MREMAP_DONTUNMAP_);
}

static bool mremap_is_pure_move(const struct mremap_op *op)
{
	return (op->flags & MREMAP_FIXED) && op->old_len == op->new_len;
}

/*
 * The kernel's vma_is_anonymous(): no vm_ops.  Private /dev/zero mappings
 * are anonymous too although they print the file name.
 */
static bool mremap_vma_is_anon(const struct vma *v)
{
	return !v->file || (v->file->desc.kind == ASPACE_FILE_DEVZERO &&
			    !(v->flags & VM_MAYSHARE));
}

/* map_count against vm.max_map_count minus @slack, as signed ints. */
static bool mremap_count_at_least(const struct aspace *as, int64_t slack)
{
	return (int64_t)as_map_count(as) >= (int64_t)as->cfg.max_map_count - slack;
}

bool mremap_slow_only;

/*
 * do_vmi_munmap()'s own argument checks as mremap calls it (FIXED
 * destination, shrink tail, source).  Return: 0 with *@len page aligned,
 * or -EINVAL.
 */
static int mremap_munmap_check(const struct aspace *as, uint64_t start,
			       uint64_t *len)
{
	uint64_t ts = as->cfg.task_size;

	if ((start & (PAGE_SIZE - 1)) || start > ts || *len > ts - start)
		return -EINVAL;
	*len = PAGE_ALIGN(*len);
	return *len ? 0 : -EINVAL;
}

/*
 * do_vmi_munmap() as mremap calls it: the argument checks, then the shared
 * gathering with the 3-way-split map_count check.  Return: 0 or its errno;
 * kernel refusals keep a first split (spec/03 §7).  @hint: NULL or a live
 * VMA; when it contains @start it is vma_find(start) and saves the
 * gather's lookup.
 */
static int mremap_munmap(struct aspace *as, uint64_t start, uint64_t len,
			 struct vma *hint)
{
	struct vma_unmap u = { .start = start, .check_limit = true };
	int err;

	err = mremap_munmap_check(as, start, &len);
	if (err)
		return err;
	u.end = start + len;
	if (hint && hint->start <= start && start < hint->end) {
		u.have_found = true;
		u.found = hint;
	}
	err = vma_unmap_gather(as, &u);
	if (!err)
		vma_unmap_commit(as, &u);
	return err;
}

/*
 * The unmap of [start, v->end), the tail of @v, as mremap_munmap() does
 * it (gather: one split at start, the upper VMA gathered; commit: counters
 * down, the VMA freed, the range erased, its guard markers dropped) in one
 * tree store: the split's VMA is only counted (splits, created, freed,
 * the peak map_count it reached), never made.  The caller checked what the
 * gather would refuse: @v not sealed, may_split at start.  Cannot fail
 * (1 store reserved).
 */
static void mremap_cut_tail(struct aspace *as, struct vma *v, uint64_t start)
{
	uint64_t end = v->end;

	ASSERT(v->start < start && start < end);
	if (as_map_count(as) + 1 > as->stats.peak_map_count)
		as->stats.peak_map_count = as_map_count(as) + 1;
	as->stats.splits++;
	as->stats.vmas_created++;
	as->stats.vmas_freed++;
	if (as->total_vm > as->hiwater_vm)
		as->hiwater_vm = as->total_vm;
	vma_account_remove(as, v->flags, (end - start) >> PAGE_SHIFT);
	v->end = start;
	vma_touch_prov(as, v);
	vma_tree_update(as, v, v->start, end);
	vma_guard_remove(as, start, end);
}

/*
 * The shrink's unmap of [addr + new_len, addr + old_len).  When that is the
 * tail of op->vma, it is cut in one store (op->vma stays); otherwise the
 * general unmap runs and op->vma is looked up again.
 * Return: 0, the unmap's errno, or -EFAULT when addr is no longer mapped.
 */
static int mremap_shrink_tail(struct mremap_op *op)
{
	struct vma *v = op->vma;
	uint64_t start = op->addr + op->new_len, len = op->delta;
	int err;

	if (!mremap_slow_only && v->end == op->addr + op->old_len &&
	    !mremap_munmap_check(op->as, start, &len) && len == op->delta &&
	    !(v->flags & VM_SEALED) && !vma_may_split(v, start)) {
		mremap_cut_tail(op->as, v, start);
		return 0;
	}
	err = mremap_munmap(op->as, start, op->delta, v);
	if (err)
		return err;
	op->vma = vma_lookup(op->as, op->addr);
	return op->vma ? 0 : -EFAULT;
}

/* ---------------------------------------------------------------------- */
/* Checks                                                                  */
/* ---------------------------------------------------------------------- */

/* check_mremap_params(): spec/04 §2.1 rows 1-9 (lengths already aligned). */
static int mremap_check_params(const struct mremap_op *op)
{
	uint64_t ts = op->as->cfg.task_size;
	uint64_t old_end = op->addr + op->old_len;      /* wraps as Linux */
	uint64_t new_end = op->new_addr + op->new_len;

	if (op->flags & ~(uint64_t)MREMAP_VALID)
		return -EINVAL;
	if (op->addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!op->new_len)
		return -EINVAL;
	if (op->new_len > ts)
		return -EINVAL;
	if (!mremap_new_addr_mode(op))
		return 0;
	if (op->new_addr > ts - op->new_len)
		return -EINVAL;
	if (op->new_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(op->flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((op->flags & MREMAP_DONTUNMAP_) && op->old_len != op->new_len)
		return -EINVAL;
	if (old_end > op->new_addr && new_end > op->addr)
		return -EINVAL;         /* ranges overlap */
	return 0;
}

/*
 * check_prep_vma(): spec/04 §2.2 for op->vma, which contains op->addr (or
 * is NULL).  Sets delta, type, new_addr (= addr outside new-address mode)
 * and populate; rounds hugetlb lengths.  Changes nothing else.
 */
static int mremap_check_vma(struct mremap_op *op)
{
	const struct vma *v = op->vma;
	uint64_t old_len, pgoff;

	if (!v)
		return -EFAULT;
	if (v->flags & VM_SEALED)
		return -EPERM;
	if (v->flags & VM_HUGETLB) {
		uint64_t hm = HPAGE_PMD_SIZE - 1;

		op->old_len = (op->old_len + hm) & ~hm;
		op->new_len = (op->new_len + hm) & ~hm;
		if ((op->addr & hm) || (op->new_addr & hm) ||
		    op->new_len > op->old_len)
			return -EINVAL;
	}
	op->delta = op->old_len > op->new_len ? op->old_len - op->new_len :
		op->new_len - op->old_len;
	op->type = !op->delta ? MREMAP_NO_RESIZE :
		op->old_len > op->new_len ? MREMAP_SHRINK : MREMAP_EXPAND;
	if (!mremap_new_addr_mode(op))
		op->new_addr = op->addr;
	if (op->type != MREMAP_EXPAND && !mremap_new_addr_mode(op))
		return 0;

	old_len = op->old_len;
	if (!old_len && !(v->flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;         /* "duplicate" a private mapping */
	if ((op->flags & MREMAP_DONTUNMAP_) &&
	    (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	if (op->type == MREMAP_SHRINK)
		old_len = op->new_len;  /* the tail may cross boundaries */
	if (old_len > v->end - op->addr)
		return -EFAULT;
	if (op->new_len == old_len)
		return 0;
	if (v->flags & VM_LOCKED)
		op->populate = true;
	pgoff = v->pgoff + ((op->addr - v->start) >> PAGE_SHIFT);
	if (pgoff + (op->new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (v->flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if (!mlock_future_ok(op->as, v->flags, op->delta >> PAGE_SHIFT))
		return -EAGAIN;
	if (!may_expand_vm(op->as, v->flags, op->delta >> PAGE_SHIFT))
		return -ENOMEM;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Moving one VMA                                                          */
/* ---------------------------------------------------------------------- */

/*
 * vrm_set_new_addr(): the destination.  FIXED gives new_addr (after the
 * final checks of get_unmapped_area), DONTUNMAP alone uses it as a hint,
 * a growth that must move searches from scratch; the file's placement
 * rules apply (pgoff of addr, MAP_SHARED for VM_MAYSHARE).
 */
static int mremap_set_new_addr(struct mremap_op *op)
{
	const struct vma *v = op->vma;
	uint64_t pgoff = v->pgoff + ((op->addr - v->start) >> PAGE_SHIFT);
	uint64_t hint = mremap_new_addr_mode(op) ? op->new_addr : 0, res;
	int mflags = 0, err;

	if (op->flags & MREMAP_FIXED)
		mflags |= MAP_FIXED;
	if (v->flags & VM_MAYSHARE)
		mflags |= MAP_SHARED;
	err = get_unmapped_area(op->as, v->file, false, hint, op->new_len,
				pgoff, mflags, 0, &res);
	if (err)
		return err;
	op->new_addr = res;
	return 0;
}

/*
 * vma_find(@addr), and vma_find_prev(@addr) in *@prev, in one descent
 * (the second is a cursor step back from the first).  Cannot fail.
 */
static struct vma *mremap_find_around(const struct aspace *as, uint64_t addr,
				      struct vma **prev /* OUT */)
{
	struct rt_cursor c;
	struct vma *v;

	rtc_init(&c, &as->tree);
	v = rtc_find(&c, addr, NULL);
	if (!v)
		*prev = vma_find_prev(as, addr);
	else
		*prev = v->start < addr ? v : rtc_prev(&c, NULL);
	return v;
}

/*
 * copy_vma(): give [new_addr, new_addr + new_len) the source's attributes,
 * merging with the VMAs around the destination if the new-range rules
 * allow (02 §2), else inserting a copy.  An unfaulted anonymous source
 * gets pgoff = new_addr / 4096, a faulted one keeps its own.  If the merge
 * swallowed or extended the source itself (only an unfaulted source can be
 * contiguous with its destination), op->vma becomes the merged VMA.
 * Return: the destination VMA.  Cannot fail (1 VMA, 1 ext, 1 store).
 */
static struct vma *mremap_copy_vma(struct mremap_op *op)
{
	struct aspace *as = op->as;
	struct vma *v = op->vma, *prev, *next, *n = NULL;
	uint64_t vstart = v->start, start = op->new_addr;
	uint64_t end = start + op->new_len;
	struct vma_attrs a = {
		.flags = v->flags,
		.file = v->file,
		.pgoff = v->pgoff + ((op->addr - v->start) >> PAGE_SHIFT),
		.anon = v->anon,
		.x = vma_xattr_get(v),
		/* vmg.copied_from: a forked source refuses to give its
		 * anon_vma to a target without one, as a modified piece */
		.modify = true,
	};

	if (mremap_vma_is_anon(v) && !v->anon)
		a.pgoff = start >> PAGE_SHIFT;
	if (op->dest_known) {
		prev = op->dprev;
		next = op->dnext;
	} else if (!mremap_slow_only) {
		next = mremap_find_around(as, start, &prev);
	} else {
		prev = vma_find_prev(as, start);
		next = vma_find(as, start);
	}
	ASSERT(!next || next->start >= end);
	if (prev || next)
		n = vma_merge_new_range(as, prev, next, start, end, &a, false);
	if (n) {
		if (vstart >= n->start && vstart < n->end)
			op->vma = n;    /* the source took part in the merge */
		return n;
	}
	n = vma_dup(as, v);
	n->start = start;
	n->end = end;
	n->pgoff = a.pgoff;
	vma_touch_prov(as, n);
	if (!mremap_slow_only)
		vma_insert_before(as, n, next);  /* unchanged since found */
	else
		vma_insert(as, n);
	return n;
}

/*
 * mremap_userfaultfd_prep(): the model has no UFFD_FEATURE_EVENT_REMAP,
 * so a moved VMA loses its userfaultfd context and VM_UFFD_* (04 §15).
 */
static void mremap_drop_uffd(struct aspace *as, struct vma *n)
{
	struct vma_xattr x = vma_xattr_get(n);

	if (!x.uffd_ctx)
		return;
	x.uffd_ctx = 0;
	vma_set_xattr(as, n, &x);
	n->flags &= ~VM_UFFD_FLAGS;
}

/*
 * dontunmap_complete(): the source keeps its bounds; the whole source VMA
 * (not only the moved range) loses VM_LOCKED/VM_LOCKONFAULT without
 * locked_vm going down (04 §9, verified: the pages stay counted for
 * good); if the whole VMA moved it drops its anon_vma.
 */
static void mremap_dontunmap_complete(struct mremap_op *op, struct vma *n)
{
	struct vma *v = op->vma;

	if (v->flags & VM_LOCKED)
		op->as->locked_vm_leaked += vma_pages(v);
	v->flags &= ~VM_LOCKED_MASK;
	if (n != v && op->addr == v->start &&
	    op->addr + op->old_len == v->end)
		v->anon = ANON_NONE;
}

/*
 * unmap_source_vma(): unmap [addr, addr + old_len) with VM_ACCOUNT hidden
 * so the moved pages are not uncharged; the pieces left on either side
 * get VM_ACCOUNT back.
 */
static void mremap_unmap_source(struct mremap_op *op)
{
	struct aspace *as = op->as;
	struct vma *v = op->vma;
	bool acct = (v->flags & VM_ACCOUNT) &&
		!(op->flags & MREMAP_DONTUNMAP_);
	uint64_t vs = v->start, ve = v->end, end = op->addr + op->old_len;
	int err;

	if (acct)
		v->flags &= ~VM_ACCOUNT;
	if (!mremap_slow_only && vs == op->addr && ve == end && op->old_len &&
	    !(v->flags & VM_SEALED)) {
		/* the whole VMA (not sealed: it cannot refuse) */
		err = vma_unmap_whole(as, v);
		ASSERT(err == 0);
		return;
	}
	/* op->vma is live; when it still contains addr it is vma_find(addr) */
	err = mremap_munmap(as, op->addr, op->old_len, v);
	if (err) {
		/* old_len 0 (shared "duplicate"): nothing is unmapped and
		 * the kernel re-credits the pages it did not unmap. */
		as->committed += op->old_len >> PAGE_SHIFT;
		as->committed_leaked += op->old_len >> PAGE_SHIFT;
		return;
	}
	if (acct && vs < op->addr)
		vma_find_prev(as, op->addr)->flags |= VM_ACCOUNT;
	if (acct && ve > end)
		vma_find(as, end)->flags |= VM_ACCOUNT;
}

/*
 * move_vma(): spec/04 §7 steps 5-12 for op->vma, whose range
 * [addr, addr + old_len) goes to op->new_addr with new_len bytes.
 * Return: 0, -ENOMEM (map_count, commit) or the driver's may_split errno;
 * nothing changed on error.
 */
static int mremap_move_vma(struct mremap_op *op)
{
	struct aspace *as = op->as;
	struct vma *v = op->vma, *n;
	uint64_t hiwater, charged = 0, npages = op->new_len >> PAGE_SHIFT;
	int err = 0;

	if (mremap_count_at_least(as, 3))
		return -ENOMEM;
	if (v->start != op->addr)
		err = vma_may_split(v, op->addr);
	if (!err && v->end != op->addr + op->old_len)
		err = vma_may_split(v, op->addr + op->old_len);
	if (err)
		return err;
	if (v->flags & VM_ACCOUNT) {
		charged = (op->flags & MREMAP_DONTUNMAP_) ? npages :
			op->delta >> PAGE_SHIFT;
		if (as_charge(as, charged))
			return -ENOMEM;
		/*
		 * A FIXED move that shrank already released the tail; the
		 * delta charged here is never given back (verified on
		 * 6.18.44: Committed_AS stays up by the shrunk size).
		 */
		if (op->type == MREMAP_SHRINK)
			as->committed_leaked += charged;
	}

	n = mremap_copy_vma(op);
	mremap_drop_uffd(as, n);
	/* guard markers travel with the page tables */
	guard_move(as, op->addr, op->old_len, op->new_addr);

	/* total_vm briefly counts both copies: keep the high-water mark */
	hiwater = as->hiwater_vm;
	vma_stat_account(as, op->vma->flags, (int64_t)npages);
	if (op->vma->flags & VM_LOCKED)
		as->locked_vm += npages;
	if (op->flags & MREMAP_DONTUNMAP_) {
		mremap_dontunmap_complete(op, n);
		vma_guard_remove(as, op->addr, op->addr + op->old_len);
	} else {
		mremap_unmap_source(op);
	}
	as->hiwater_vm = hiwater;
	return 0;
}

/*
 * The FIXED destination's unmap.  When nothing is mapped in
 * [new_addr, new_addr + new_len) the unmap changes nothing: its argument
 * checks alone run, and the cursor that showed the range empty gives
 * copy_vma's neighbours (op->dest_known).  Otherwise the general unmap
 * runs (from the VMA found) and op->vma is looked up again.
 * Return: 0, the unmap's errno, or -EFAULT when addr is no longer mapped.
 */
static int mremap_unmap_dest(struct mremap_op *op)
{
	struct aspace *as = op->as;
	uint64_t len = op->new_len;
	struct vma *d;
	int err;

	if (mremap_slow_only) {
		d = NULL;
	} else {
		err = mremap_munmap_check(as, op->new_addr, &len);
		if (err)
			return err;
		d = mremap_find_around(as, op->new_addr, &op->dprev);
		if (!d || d->start >= op->new_addr + len) {
			op->dnext = d;
			op->dest_known = true;
			return 0;
		}
	}
	err = mremap_munmap(as, op->new_addr, op->new_len, d);
	if (err)
		return err;
	op->vma = vma_lookup(as, op->addr);
	return op->vma ? 0 : -EFAULT;
}

/*
 * mremap_to(): spec/04 §7 steps 1-4 (FIXED unmap, shrink, DONTUNMAP limit,
 * destination), then the move.  Return: 0 with op->new_addr the
 * destination, or the errno; a FIXED destination unmapped before a later
 * refusal stays unmapped.
 */
static int mremap_to(struct mremap_op *op)
{
	struct aspace *as = op->as;
	int err;

	if (op->flags & MREMAP_FIXED) {
		err = mremap_unmap_dest(op);
		if (err)
			return err;
	}
	if (op->type == MREMAP_SHRINK) {
		err = mremap_shrink_tail(op);
		if (err)
			return err;
		op->old_len = op->new_len;
		op->dest_known = false;
	}
	if ((op->flags & MREMAP_DONTUNMAP_) &&
	    !may_expand_vm(as, op->vma->flags, op->old_len >> PAGE_SHIFT))
		return -ENOMEM;
	err = mremap_set_new_addr(op);
	if (err)
		return err;
	return mremap_move_vma(op);
}

/* ---------------------------------------------------------------------- */
/* Resizing without a new address                                         */
/* ---------------------------------------------------------------------- */

/* vrm_can_expand_in_place(): a suffix of the VMA, free room after it. */
static bool mremap_can_expand_in_place(const struct mremap_op *op)
{
	const struct vma *v = op->vma, *n;
	uint64_t end = v->end + op->delta, res;

	if (v->end - op->addr != op->old_len)
		return false;
	if (end < v->end)
		return false;
	n = op->next_known ? op->next : vma_find(op->as, v->end);
	if (n && n->start < end)
		return false;
	/* a MAP_FIXED-style check of [vm_start, end): no guard gap */
	return get_unmapped_area(op->as, NULL, false, v->start,
				 end - v->start, 0, MAP_FIXED, 0, &res) == 0;
}

/*
 * expand_vma_in_place(): charge, then merge the extension [end, end+delta)
 * with the VMA itself and, when compatible, the next VMA (vma_merge_extend).
 * Return: 0 or -ENOMEM (commit; a VM_SPECIAL VMA that cannot merge).
 */
static int mremap_expand_in_place(struct mremap_op *op)
{
	struct aspace *as = op->as;
	struct vma *v = op->vma, *n;
	uint64_t npages = op->delta >> PAGE_SHIFT;
	struct vma_attrs a = {
		.flags = v->flags,
		.file = v->file,
		.pgoff = v->pgoff + vma_pages(v),
		.anon = v->anon,
		.x = vma_xattr_get(v),
	};

	if ((v->flags & VM_ACCOUNT) && as_charge(as, npages))
		return -ENOMEM;
	/*
	 *	before:	[ vma ]......[next]
	 *	after:	[ vma .......][next]	or, compatible next,
	 *		[ vma ...............]	next freed
	 */
	n = vma_merge_new_range(as, v, op->next_known ? op->next :
				vma_find(as, v->end), v->end,
				v->end + op->delta, &a, false);
	if (!n) {
		if (v->flags & VM_ACCOUNT)
			as_uncharge(as, npages);
		return -ENOMEM;
	}
	op->vma = n;
	vma_stat_account(as, n->flags, (int64_t)npages);
	if (n->flags & VM_LOCKED)
		as->locked_vm += npages;
	return 0;
}

/* mremap_at(): no-op, shrink, or grow (in place, else move if allowed). */
static int mremap_at(struct mremap_op *op)
{
	switch (op->type) {
	case MREMAP_NO_RESIZE:
		return 0;
	case MREMAP_SHRINK:
		return mremap_shrink_tail(op);
	case MREMAP_EXPAND:
		break;
	}
	if (mremap_can_expand_in_place(op))
		return mremap_expand_in_place(op);
	if (!(op->flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	{
		int err = mremap_set_new_addr(op);

		if (err)
			return err;
	}
	return mremap_move_vma(op);
}

/* ---------------------------------------------------------------------- */
/* Pure moves (6.17+, several VMAs)                                       */
/* ---------------------------------------------------------------------- */

/*
 * vma_multi_allowed(): not userfaultfd-armed, and either anonymous or a
 * file whose get_unmapped_area honours MAP_FIXED (none, shmem, hugetlbfs,
 * thp_get_unmapped_area of regular files).  Private /dev/zero
 * (get_unmapped_area_zero) and SysV shm (shm_get_unmapped_area) are not.
 */
static bool mremap_multi_allowed(const struct vma *v)
{
	if ((v->flags & VM_UFFD_FLAGS) || vma_xattr_get(v).uffd_ctx)
		return false;
	if (!v->file)
		return true;
	switch (v->file->desc.kind) {
	case ASPACE_FILE_REGULAR:
	case ASPACE_FILE_SHMEM:
	case ASPACE_FILE_HUGETLB:
		return true;
	default:
		return false;
	}
}

/*
 * remap_move(): FIXED with old_len == new_len.  Each VMA piece of
 * [addr, addr + len) goes to the previous destination's end plus the
 * source gap before it; no rollback when a later piece fails (04 §8).
 * @first: vma_find(addr).
 * Return: 0 with *@res the first destination, or the errno.
 */
static int mremap_pure_move(struct mremap_op *op, struct vma *first,
			    uint64_t *res)
{
	struct aspace *as = op->as;
	uint64_t start = op->addr, end = op->addr + op->old_len;
	uint64_t target = op->new_addr, last_end = 0;
	bool seen = false;
	struct vma *v;
	int err;

	/*
	 * The kernel's iterator resumes after the old end of the VMA it last
	 * found and stops once that reaches @end: a piece that merged with
	 * its own source (an unfaulted VMA moved right behind itself) is not
	 * found again.
	 */
	for (v = first; v && v->start < end;
	     v = last_end < end ? vma_find(as, last_end) : NULL) {
		uint64_t a = MAX(v->start, start);
		uint64_t len = MIN(end, v->end) - a;
		uint64_t offset = seen ? v->start - last_end : 0;
		MREMAP_OP(piece, as, a, len, len, op->flags, target + offset);

		if (!seen && start < v->start)
			return -EFAULT;         /* hole at the start */
		last_end = v->end;
		piece.vma = v;
		if ((seen || v->end < end) && !mremap_multi_allowed(v))
			return -EFAULT;
		err = mremap_check_vma(&piece);
		if (!err)
			err = mremap_to(&piece);
		if (err)
			return err;             /* earlier pieces stay moved */
		if (!seen)
			*res = piece.new_addr;
		seen = true;
		target = piece.new_addr + piece.new_len;
	}
	return seen ? 0 : -EFAULT;
}

/*
 * The pieces a pure move may touch: the VMAs intersecting the source
 * range (an upper bound: the walk may stop early).  @v: the VMA @c was
 * put on by rtc_find(start); the cursor steps on from there, not beyond
 * the VMA that reaches @end (@c is not used afterwards).
 */
static uint64_t mremap_count_pieces(struct rt_cursor *c, const struct vma *v,
				    uint64_t start, uint64_t end)
{
	uint64_t k = 0;

	if (end <= start)
		return 0;
	for (; v && v->start < end; v = rtc_next(c, NULL)) {
		k++;
		if (v->end >= end)
			break;          /* the next one starts past the range */
	}
	return k;
}

/* One piece's reservation: what mremap_to() may take for @op. */
static void mremap_piece_needs(const struct mremap_op *op, unsigned *vmas,
			       unsigned *stores)
{
	*vmas += MREMAP_MOVE_VMAS;
	*stores += MREMAP_MOVE_STORES;
	if (op->flags & MREMAP_FIXED) {
		*vmas += MREMAP_UNMAP_VMAS;
		*stores += MREMAP_UNMAP_STORES;
	}
}

/* as_reserve() for @vmas VMAs (and one ext each, plus slack); the pools
 * usually hold them already (as_reserve_fast(): the same contract). */
static int mremap_reserve(struct aspace *as, unsigned vmas, unsigned stores)
{
	return as_reserve_fast(as, vmas, vmas + 1, stores);
}

/* ---------------------------------------------------------------------- */
/* The call                                                               */
/* ---------------------------------------------------------------------- */

/* do_mremap().  Return: 0 with *@res the result address, or the errno. */
static int mremap_do(struct mremap_op *op, uint64_t *res)
{
	struct aspace *as = op->as;
	unsigned vmas = 0, stores = 0;
	struct rt_cursor c;
	struct vma *v;
	int err;

	op->old_len = PAGE_ALIGN(op->old_len);
	op->new_len = PAGE_ALIGN(op->new_len);
	err = mremap_check_params(op);
	if (err)
		return err;
	/* room for the worst case: both ranges split in three (max - 5) */
	if (mremap_new_addr_mode(op) && mremap_count_at_least(as, 5))
		return -ENOMEM;

	rtc_init(&c, &as->tree);
	v = rtc_find(&c, op->addr, NULL);
	if (mremap_is_pure_move(op)) {
		uint64_t k = mremap_count_pieces(&c, v, op->addr,
						 op->addr + op->old_len);

		if (k > 65536u * 256u)
			return as_oom(as);      /* beyond any reservation */
		mremap_piece_needs(op, &vmas, &stores);
		err = mremap_reserve(as, vmas * (unsigned)k,
				     stores * (unsigned)k);
		if (!err)
			err = guard_reserve_move(as, op->addr,
						 op->addr + op->old_len,
						 3 * (unsigned)k);
		if (err)
			return err;
		return mremap_pure_move(op, v, res);
	}

	op->vma = v && v->start <= op->addr ? v : NULL;
	err = mremap_check_vma(op);
	if (err)
		return err;
	if (op->type == MREMAP_EXPAND && !mremap_new_addr_mode(op) &&
	    !mremap_slow_only) {
		op->next = rtc_next(&c, NULL);  /* before the tree changes */
		op->next_known = true;
	}
	if (mremap_new_addr_mode(op) || op->type == MREMAP_EXPAND)
		mremap_piece_needs(op, &vmas, &stores);
	if (op->type == MREMAP_SHRINK) {
		vmas += MREMAP_UNMAP_VMAS;
		stores += MREMAP_UNMAP_STORES;
	}
	if (vmas || stores) {
		/* guard stores: up to three unmaps and the moved markers */
		err = mremap_reserve(as, vmas, stores);
		if (!err)
			err = guard_reserve_move(as, op->addr,
						 op->addr + op->old_len, 3);
		if (err)
			return err;
	}
	err = mremap_new_addr_mode(op) ? mremap_to(op) : mremap_at(op);
	if (err)
		return err;
	/* mm_populate() of the grown tail of a locked VMA */
	if (op->populate && op->new_len > op->old_len)
		vma_populate(as, op->new_addr + op->old_len,
			     op->new_addr + op->new_len);
	*res = op->new_addr;
	return 0;
}

/*
 * aspace_mremap() - mremap(2) with MREMAP_MAYMOVE, MREMAP_FIXED and
 * MREMAP_DONTUNMAP (spec/04).
 * @as:       the address space.
 * @addr:     start of the old range; must be page aligned.
 * @old_len:  bytes, rounded up to pages (0: "duplicate" a shared mapping).
 * @new_len:  bytes, rounded up to pages; not 0.
 * @flags:    MREMAP_* bits.
 * @new_addr: the destination with FIXED, a hint with DONTUNMAP alone,
 *            otherwise ignored (but checked for hugetlb alignment).
 * @out:      the (possibly new) start on success.
 *
 * Assumes: nothing; every input is checked, in the kernel's order.
 * Return:  0, or -EINVAL, -EFAULT, -EPERM, -EAGAIN, -ENOMEM as spec/07's
 *          mremap table lists.
 * On error: what Linux leaves: a FIXED destination already unmapped, a
 *           split kept by a refused unmap, the pieces of a pure multi-VMA
 *           move already moved.  On -ENOMEM from our allocator (see
 *           aspace_last_oom()) nothing changed.
 * Cost:    O(k log n) for k VMAs touched; the reservation of a pure move
 *          grows with the number of pieces.
 * Mirrors: mm/mremap.c do_mremap(), Linux 6.18.
 */
int aspace_mremap(struct aspace *as, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr,
		  uint64_t *out /* OUT */)
{
	MREMAP_OP(op, as, addr, old_len, new_len,
		  (uint64_t)(int64_t)flags, new_addr);
	uint64_t res = 0;
	int err;

	as_begin(as);
	err = mremap_do(&op, &res);
	as_unreserve(as);
	if (!err)
		*out = res;
	return as_finish(as, err);
}
