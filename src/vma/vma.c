/*
 * vma.c - the VMA layer proper: tree placement and lookups, the per-kind
 * hooks (close, may_split, names), anon_vma preparation with neighbour
 * reuse, the merge predicate, merging a new range (entry point A), the
 * existing-range modify (entry point B), split, expand, the munmap
 * gather/commit pair and its shortcuts (a hole inside one VMA; mmap's
 * commit that leaves the erase to the store over the range).
 *
 * Invariant: between two public calls the tree maps exactly the live VMAs;
 * inside a call every function here leaves the tree consistent with the
 * VMA structs it returns, except vma_unmap_commit_over(), whose caller
 * stores over the range before any lookup.  Nothing here allocates: VMAs,
 * extensions and tree stores come from the caller's as_reserve().  The
 * shortcuts end with exactly what the general paths leave (tree, VMAs,
 * counters, statistics): tests/unit/vma/fastpath_test.c compares them.
 */
#include <errno.h>

#include "vma/vma.h"

/*
 * Inlined copies of small exported helpers for this file's hot paths:
 * with -fPIC a call to a global function stays a call.  Each computes
 * exactly what its exported twin (named in the comment) does; vma.h has
 * the shared ones (as_sticky_bits, vma_xattr_get).
 */
static inline bool has_close(const struct vma *v)           /* vma_has_close */
{
	return v->kind != ASPACE_VMA_NORMAL;
}

static inline bool anon_pair_ok(const struct vma *prev,     /* vma_anon_pair_ok */
				const struct vma *next)
{
	return !prev->anon || !next->anon ||
		ANON_ID(prev->anon) == ANON_ID(next->anon);
}

static inline void touch_prov(struct aspace *as, struct vma *v) /* vma_touch_prov */
{
	if (as->cfg.provenance && v->ext)
		v->ext->last_change = as->call_id;
}

/* ---------------------------------------------------------------------- */
/* Kinds                                                                  */
/* ---------------------------------------------------------------------- */

bool vma_has_close(const struct vma *v)
{
	return v->kind != ASPACE_VMA_NORMAL;
}

int vma_may_split(const struct vma *v, uint64_t addr)
{
	switch (v->kind) {
	case ASPACE_VMA_VDSO:
	case ASPACE_VMA_VVAR:
	case ASPACE_VMA_VVAR_VCLOCK:
	case ASPACE_VMA_UPROBES:
		return -EINVAL;         /* special mappings never split */
	case ASPACE_VMA_HUGETLB:
		return (addr & (file_huge_size(v->file) - 1)) ? -EINVAL : 0;
	case ASPACE_VMA_SYSV_SHM:
		if (v->file && v->file->desc.kind == ASPACE_FILE_HUGETLB &&
		    (addr & (file_huge_size(v->file) - 1)))
			return -EINVAL;
		return 0;
	default:
		return 0;
	}
}

const char *vma_special_name(const struct vma *v)
{
	switch (v->kind) {
	case ASPACE_VMA_VDSO:         return "[vdso]";
	case ASPACE_VMA_VVAR:         return "[vvar]";
	case ASPACE_VMA_VVAR_VCLOCK:  return "[vvar_vclock]";
	case ASPACE_VMA_UPROBES:      return "[uprobes]";
	default:                      return NULL;
	}
}

/* ---------------------------------------------------------------------- */
/* Tree                                                                   */
/* ---------------------------------------------------------------------- */

static void tree_store(struct aspace *as, uint64_t start, uint64_t end,
		       struct vma *v)
{
	int err = rt_store(&as->tree, start, end - 1, v);

	ASSERT(err == 0);
}

/* vma_guard_remove() without the call when there are no guards (the
 * common case: no MADV_GUARD_INSTALL ever made). */
static inline void guard_remove(struct aspace *as, uint64_t start,
				uint64_t end)
{
	if (unlikely(rt_count(&as->guards)))
		vma_guard_remove(as, start, end);
}

static void note_peak(struct aspace *as)
{
	if (as_map_count(as) > as->stats.peak_map_count)
		as->stats.peak_map_count = as_map_count(as);
}

void vma_insert(struct aspace *as, struct vma *v)
{
	const struct vma *nx = rt_find(&as->tree, v->start, NULL);

	ASSERT(v->start < v->end);
	ASSERT(!nx || nx->start >= v->end);     /* one walk, not two */
	tree_store(as, v->start, v->end, v);
	note_peak(as);
}

void vma_insert_before(struct aspace *as, struct vma *v,
		       const struct vma *next)
{
	ASSERT(v->start < v->end);
	ASSERT(!next || next->start >= v->end);
	tree_store(as, v->start, v->end, v);
	note_peak(as);
}

void vma_tree_update(struct aspace *as, struct vma *v, uint64_t old_start,
		     uint64_t old_end)
{
	if (v->start <= old_start && v->end >= old_end) {
		tree_store(as, v->start, v->end, v);
		return;
	}
	ASSERT(v->start >= old_start && v->end <= old_end);
	if (old_start < v->start)
		tree_store(as, old_start, v->start, NULL);
	if (old_end > v->end)
		tree_store(as, v->end, old_end, NULL);
}

void vma_tree_remove(struct aspace *as, struct vma *v)
{
	tree_store(as, v->start, v->end, NULL);
}

struct vma *vma_find(const struct aspace *as, uint64_t addr)
{
	return rt_find(&as->tree, addr, NULL);
}

struct vma *vma_lookup(const struct aspace *as, uint64_t addr)
{
	return rt_load(&as->tree, addr, NULL);
}

struct vma *vma_next(const struct aspace *as, const struct vma *v)
{
	return rt_next(&as->tree, v->start, NULL);
}

struct vma *vma_prev(const struct aspace *as, const struct vma *v)
{
	return rt_prev(&as->tree, v->start, NULL);
}

struct vma *vma_find_prev(const struct aspace *as, uint64_t addr)
{
	if (!addr)
		return NULL;
	return rt_find_rev(&as->tree, addr - 1, NULL);
}

/* ---------------------------------------------------------------------- */
/* anon_vma                                                               */
/* ---------------------------------------------------------------------- */

/*
 * May @b reuse the anon_vma of @old, where @a immediately precedes @b and
 * @old is one of them (mm/rmap.c reusable_anon_vma)?
 */
static bool anon_reusable(const struct aspace *as, const struct vma *a,
			  const struct vma *b, const struct vma *old)
{
	struct vma_xattr xa = vma_xattr_get(a), xb = vma_xattr_get(b);
	uint64_t ign = VM_ACCESS_FLAGS | as_ignore_merge_mask(as);

	if (a->end != b->start || xa.policy != xb.policy ||
	    a->file != b->file || ((a->flags ^ b->flags) & ~ign) ||
	    b->pgoff != a->pgoff + vma_pages(a))
		return false;
	return old->anon != ANON_NONE && !ANON_FORKED(old->anon);
}

void vma_anon_prepare(struct aspace *as, struct vma *v)
{
	struct vma *n;

	if (v->anon)
		return;
	n = vma_next(as, v);
	if (n && anon_reusable(as, v, n, n)) {
		v->anon = ANON_MAKE(ANON_ID(n->anon), false);
		return;
	}
	n = vma_prev(as, v);
	if (n && anon_reusable(as, n, v, n)) {
		v->anon = ANON_MAKE(ANON_ID(n->anon), false);
		return;
	}
	v->anon = as_new_anon(as);
}

/* ---------------------------------------------------------------------- */
/* The merge predicate (02 §1)                                            */
/* ---------------------------------------------------------------------- */

/*
 * Every rule of 02 §1 (1-9) that fails for the range [start, end) with
 * attributes @a against the neighbour @n on its left (@left) or right:
 * the ASPACE_WHY_* bits, 0 when they may merge.  All rules are evaluated
 * (no short cut) so that aspace_explain() reports each failing one; the
 * merge paths only test for zero.
 */
uint32_t vma_merge_why_not(const struct aspace *as, const struct vma *n,
			   bool left, uint64_t start, uint64_t end,
			   const struct vma_attrs *a)
{
	struct vma_xattr nx = vma_xattr_get(n);
	uint64_t diff = vma_flags_merge_diff(as, n->flags, a->flags);
	uint32_t why = 0;

	if (a->flags & VM_SPECIAL)
		why |= ASPACE_WHY_SPECIAL;
	if (left ? n->end != start : n->start != end)
		why |= ASPACE_WHY_GAP;
	if (nx.policy != a->x.policy)
		why |= ASPACE_WHY_POLICY;
	if (diff & ~VM_SEALED)
		why |= ASPACE_WHY_FLAGS;
	if (diff & VM_SEALED)
		why |= ASPACE_WHY_SEALED;
	if (n->file != a->file)
		why |= ASPACE_WHY_FILE;
	if (nx.uffd_ctx != a->x.uffd_ctx)
		why |= ASPACE_WHY_UFFD;
	if (!vma_name_eq(nx.name, a->x.name))
		why |= ASPACE_WHY_NAME;
	/* 01 §4.3 with T = @n and S = the request */
	if (!n->anon && a->anon) {
		if (a->modify && ANON_FORKED(a->anon))
			why |= ASPACE_WHY_ANON_FORK;
	} else if (n->anon && !a->anon) {
		if (ANON_FORKED(n->anon))
			why |= ASPACE_WHY_ANON_FORK;
	} else if (ANON_ID(n->anon) != ANON_ID(a->anon)) {
		why |= ASPACE_WHY_ANON;
	}
	if (left ? n->pgoff + vma_pages(n) != a->pgoff :
	    n->pgoff != a->pgoff + ((end - start) >> PAGE_SHIFT))
		why |= ASPACE_WHY_PGOFF;
	return why;
}

/* as_ignore_merge_mask() without the call: the hot paths' copy. */
static inline uint64_t ignore_mask_of(const struct aspace *as)
{
	return VM_SOFTDIRTY | as_sticky_bits(as);
}

/*
 * vma_merge_why_not() == 0, answered with early exits: the adjacency and
 * the fields of @n the caller's cache lines already hold first (gap, flags,
 * file, pgoff, anon), the extension last and only when either side has
 * one.  Each test is the negation of one rule there, so the two agree on
 * every input (vma_fastpath_merge_pred_matches_why_not).
 */
static bool merge_ok(const struct aspace *as, const struct vma *n, bool left,
		     uint64_t start, uint64_t end, const struct vma_attrs *a)
{
	if (left ? n->end != start : n->start != end)
		return false;
	if ((a->flags & VM_SPECIAL) ||
	    ((n->flags ^ a->flags) & ~ignore_mask_of(as)) || n->file != a->file)
		return false;
	if (left ? n->pgoff + vma_pages(n) != a->pgoff :
	    n->pgoff != a->pgoff + ((end - start) >> PAGE_SHIFT))
		return false;
	if (n->anon != a->anon) {
		if (!n->anon) {
			if (a->modify && ANON_FORKED(a->anon))
				return false;
		} else if (!a->anon) {
			if (ANON_FORKED(n->anon))
				return false;
		} else if (ANON_ID(n->anon) != ANON_ID(a->anon)) {
			return false;
		}
	}
	if (!n->ext)
		return !a->x.policy && !a->x.uffd_ctx && !a->x.name;
	return n->ext->policy == a->x.policy &&
		n->ext->uffd_ctx == a->x.uffd_ctx &&
		vma_name_eq(n->ext->name, a->x.name);
}

bool vma_can_merge_left(const struct aspace *as, const struct vma *prev,
			uint64_t start, const struct vma_attrs *a)
{
	return prev && merge_ok(as, prev, true, start, start, a);
}

bool vma_can_merge_right(const struct aspace *as, const struct vma *next,
			 uint64_t start, uint64_t end, const struct vma_attrs *a)
{
	return next && merge_ok(as, next, false, start, end, a);
}

bool vma_anon_pair_ok(const struct vma *prev, const struct vma *next)
{
	return !prev->anon || !next->anon ||
		ANON_ID(prev->anon) == ANON_ID(next->anon);
}

/* ---------------------------------------------------------------------- */
/* Expand and merge a new range (02 §2, §6.1)                             */
/* ---------------------------------------------------------------------- */

/* vma_expand(), inlined into vma_merge_new_range() (-fPIC keeps a call
 * to the global one out of line even in this file). */
static inline void expand(struct aspace *as, struct vma *v, uint64_t start,
			  uint64_t end, uint64_t pgoff, struct vma *next,
			  bool remove_next)
{
	ASSERT(start <= v->start && end >= v->end);
	if (remove_next) {
		ASSERT(next && next != v && end == next->end);
		if (!v->anon)
			v->anon = next->anon;
		v->flags |= next->flags & as_sticky_bits(as);
	}
	v->start = start;
	v->end = end;
	v->pgoff = pgoff;
	tree_store(as, start, end, v);    /* overwrites next when removed */
	if (remove_next)
		vma_free(as, next);
	touch_prov(as, v);
}

void vma_expand(struct aspace *as, struct vma *v, uint64_t start,
		uint64_t end, uint64_t pgoff, struct vma *next,
		bool remove_next)
{
	expand(as, v, start, end, pgoff, next, remove_next);
}

struct vma *vma_merge_new_range(struct aspace *as, struct vma *prev,
				struct vma *next, uint64_t start, uint64_t end,
				const struct vma_attrs *a, bool expand_only)
{
	uint64_t pglen = (end - start) >> PAGE_SHIFT;
	uint64_t nstart = start, nend = end, pgoff = a->pgoff;
	bool left, right, remove_next = false;
	struct vma *target;

	if ((a->flags & VM_SPECIAL) || (!prev && !next))
		return NULL;
	left = prev && merge_ok(as, prev, true, start, start, a);
	right = !expand_only && next &&
		merge_ok(as, next, false, start, end, a) &&
		(!left || anon_pair_ok(prev, next));
	if (!left && !right)
		return NULL;
	if (right) {
		/*
		 * Rt only:        [ new ][next]   -> next grows down
		 */
		target = next;
		nend = next->end;
		pgoff = next->pgoff - pglen;
	}
	if (left) {
		/*
		 * L only:   [prev][ new ]          -> prev grows up
		 * both:     [prev][ new ][next]    -> prev swallows next,
		 *           unless next has a close hook (then L only)
		 */
		target = prev;
		nstart = prev->start;
		pgoff = prev->pgoff;
		if (right && has_close(next))
			nend = end;
		else if (right)
			remove_next = true;
	}
	if (!target->anon && !remove_next)
		target->anon = a->anon;
	else if (!target->anon && remove_next && !next->anon)
		target->anon = a->anon;
	target->flags |= a->flags & as_sticky_bits(as);
	expand(as, target, nstart, nend, pgoff, next, remove_next);
	as->stats.merges++;
	return target;
}

/* ---------------------------------------------------------------------- */
/* Split (02 §5)                                                          */
/* ---------------------------------------------------------------------- */

/* vma_split_nolimit(), inlined into this file's callers. */
static inline int split_nolimit(struct aspace *as, struct vma *v,
				uint64_t addr, struct vma **upper)
{
	struct vma *n;
	int err;

	ASSERT(v->start < addr && addr < v->end && PAGE_ALIGNED(addr));
	if (v->kind != ASPACE_VMA_NORMAL) {     /* normal VMAs always split */
		err = vma_may_split(v, addr);
		if (err)
			return err;
	}
	n = vma_dup(as, v);
	n->start = addr;
	n->pgoff += (addr - v->start) >> PAGE_SHIFT;
	v->end = addr;
	tree_store(as, n->start, n->end, n);
	note_peak(as);
	as->stats.splits++;
	if (as->cfg.provenance) {
		touch_prov(as, v);
		touch_prov(as, n);
	}
	if (upper)
		*upper = n;
	return 0;
}

/* vma_split(), inlined into this file's callers. */
static inline int split_limit(struct aspace *as, struct vma *v,
			      uint64_t addr, struct vma **upper)
{
	if (as_map_count(as) >= (uint64_t)as->cfg.max_map_count)
		return -ENOMEM;
	return split_nolimit(as, v, addr, upper);
}

int vma_split_nolimit(struct aspace *as, struct vma *v, uint64_t addr,
		      struct vma **upper /* OUT, may be NULL */)
{
	return split_nolimit(as, v, addr, upper);
}

int vma_split(struct aspace *as, struct vma *v, uint64_t addr,
	      struct vma **upper /* OUT, may be NULL */)
{
	return split_limit(as, v, addr, upper);
}

/* ---------------------------------------------------------------------- */
/* Modify part of an existing VMA (02 §3, 05 §0)                          */
/* ---------------------------------------------------------------------- */

/* Give the target @t the anon of @src if it has none (dup_anon_vma). */
static void take_anon(struct vma *t, const struct vma *src)
{
	if (!t->anon && src->anon)
		t->anon = src->anon;
}

/*
 * Try cases (a)-(e).  @c: NULL, or a cursor on @v (the neighbours are its
 * steps; it is consumed).  Return: the merged VMA, or NULL when no merge
 * applies (nothing changed).
 */
static struct vma *modify_merge(struct aspace *as, struct vma *v,
				uint64_t start, uint64_t end,
				const struct vma_attrs *a, struct rt_cursor *c)
{
	bool left_side = start == v->start, right_side = end == v->end;
	struct vma *prev = NULL, *next = NULL, *res;
	uint64_t sticky = as_sticky_bits(as);
	bool ml = false, mr = false;

	if ((a->flags & VM_SPECIAL) || (!left_side && !right_side))
		return NULL;            /* strictly inside never merges */
	if (left_side) {
		prev = c ? rtc_prev(c, NULL) : vma_prev(as, v);
		ml = prev && merge_ok(as, prev, true, start, start, a);
		/* back onto v for the next step (a step is cheaper than
		 * copying the cursor); before the first VMA the cursor is
		 * on no entry and cannot step */
		if (c && right_side) {
			if (prev)
				rtc_next(c, NULL);
			else
				c = NULL;
		}
	}
	if (right_side) {
		next = c ? rtc_next(c, NULL) : vma_next(as, v);
		mr = next && merge_ok(as, next, false, start, end, a) &&
			(!ml || anon_pair_ok(prev, next));
	}
	if (!ml && !mr)
		return NULL;
	if (left_side && right_side && has_close(v))
		return NULL;            /* middle cannot be deleted */
	if (ml && mr && has_close(next))
		mr = false;             /* next cannot be deleted: left only */

	if (ml && mr) {
		/*
		 * (a)  [prev][*middle*][next]  -> [prev..............]
		 */
		take_anon(prev, next->anon ? next : v);
		prev->flags |= (next->flags | a->flags) & sticky;
		prev->end = next->end;
		tree_store(as, prev->start, prev->end, prev);
		vma_free(as, v);
		vma_free(as, next);
		res = prev;
	} else if (ml) {
		/*
		 * (b)  [prev][*middle*]        -> [prev.........]
		 * (c)  [prev][^^^***]          -> [prev....][***]
		 */
		take_anon(prev, v);
		prev->flags |= a->flags & sticky;
		prev->end = end;
		tree_store(as, prev->start, prev->end, prev);
		if (right_side) {
			vma_free(as, v);
		} else {
			v->pgoff += (end - v->start) >> PAGE_SHIFT;
			v->start = end;
			touch_prov(as, v);
		}
		res = prev;
	} else {
		/*
		 * (d)  [*middle*][next]        -> [.........next]
		 * (e)  [***^^^][next]          -> [***][....next]
		 */
		take_anon(next, v);
		next->flags |= a->flags & sticky;
		next->pgoff -= (next->start - start) >> PAGE_SHIFT;
		next->start = start;
		tree_store(as, next->start, next->end, next);
		if (left_side) {
			vma_free(as, v);
		} else {
			v->end = start;
			touch_prov(as, v);
		}
		res = next;
	}
	touch_prov(as, res);
	as->stats.merges++;
	return res;
}

int vma_modify(struct aspace *as, struct vma **vp /* IN/OUT */,
	       uint64_t start, uint64_t end, uint64_t flags,
	       const struct vma_xattr *x)
{
	return vma_modify_at(as, vp, start, end, flags, x, NULL);
}

int vma_modify_at(struct aspace *as, struct vma **vp /* IN/OUT */,
		  uint64_t start, uint64_t end, uint64_t flags,
		  const struct vma_xattr *x, struct rt_cursor *c)
{
	struct vma *v = *vp, *res;
	int err;

	ASSERT(v->start <= start && start < end && end <= v->end);
	ASSERT(!c || rtc_entry(c, NULL) == v);
	/* a piece strictly inside v never merges: no attributes needed */
	if (start == v->start || end == v->end) {
		struct vma_attrs a = {
			.flags = flags,
			.file = v->file,
			.pgoff = v->pgoff + ((start - v->start) >> PAGE_SHIFT),
			.anon = v->anon,
			.x = x ? *x : vma_xattr_get(v),
			.modify = true,
		};

		res = modify_merge(as, v, start, end, &a, c);
		if (res) {
			res->flags = flags | (res->flags & as_sticky_bits(as));
			*vp = res;
			return 0;
		}
	}
	/* (f) no merge: split off what lies outside the piece. */
	if (v->start < start) {
		err = split_limit(as, v, start, &v);
		if (err)
			return err;
		*vp = v;
	}
	if (v->end > end) {
		err = split_limit(as, v, end, NULL);
		if (err)
			return err;
	}
	v->flags = flags;
	if (x)
		vma_set_xattr(as, v, x);
	*vp = v;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Unmap (03 §7)                                                          */
/* ---------------------------------------------------------------------- */

int vma_unmap_gather(struct aspace *as, struct vma_unmap *u)
{
	struct rt_cursor c, *cp = NULL;   /* on the VMA in hand, while the
					   * tree is unchanged */
	struct vma *v, *w, *nx;
	int err;

	if (u->have_found) {
		v = u->found;
		cp = u->cur;
	} else {
		rtc_init(&c, &as->tree);
		v = rtc_find(&c, u->start, NULL);
		cp = &c;
	}
	u->first = u->last = NULL;
	u->count = u->npages = u->nlocked = u->naccount = u->ndata = 0;
	u->next = v;
	if (!v || v->start >= u->end) {
		/* nothing mapped: the left neighbour is the entry before v
		 * (the cursor is on v), or the last one when v is NULL */
		u->prev = v && cp ? rtc_prev(cp, NULL) :
			vma_find_prev(as, u->start);
		return 0;
	}
	if (v->start < u->start) {
		/* v is the last VMA starting below start: the neighbour on
		 * the left, and after the split its lower part still is. */
		u->prev = v;
		if (u->check_limit && v->end > u->end &&
		    as_map_count(as) >= (uint64_t)as->cfg.max_map_count)
			return -ENOMEM;
		if (v->flags & VM_SEALED)
			return -EPERM;
		err = split_nolimit(as, v, u->start, &v);
		if (err)
			return err;
		cp = NULL;                      /* the tree changed */
	} else if (cp) {
		/* nothing between start and v: the VMA before v */
		struct rt_cursor pc = *cp;      /* cp stays on v */

		u->prev = rtc_prev(&pc, NULL);
	} else {
		u->prev = vma_prev(as, v);
	}
	for (w = v; w && w->start < u->end; w = nx) {
		if (w->flags & VM_SEALED)
			return -EPERM;
		if (w->end > u->end) {
			/* the upper part is the next VMA, and the last */
			err = split_nolimit(as, w, u->end, &nx);
			if (err)
				return err;
			cp = NULL;
		} else {
			nx = cp ? rtc_next(cp, NULL) : vma_next(as, w);
		}
		if (!u->first)
			u->first = w;
		u->last = w;
		u->count++;
		u->npages += vma_pages(w);
		if (w->flags & VM_LOCKED)
			u->nlocked += vma_pages(w);
		if (w->flags & VM_ACCOUNT)
			u->naccount += vma_pages(w);
		if (flags_is_data(w->flags) && !flags_is_exec(w->flags))
			u->ndata += vma_pages(w);
	}
	u->next = w;
	return 0;
}

int vma_unmap_inside(struct aspace *as, struct vma *v, uint64_t start,
		     uint64_t end, bool check_limit)
{
	uint64_t count = as_map_count(as);
	struct vma *m;

	ASSERT(vma_unmap_inside_applies(as, v, start, end));
	/* vma_unmap_gather()'s checks for this shape, in its order */
	if (check_limit && count >= (uint64_t)as->cfg.max_map_count)
		return -ENOMEM;
	if (v->flags & VM_SEALED)
		return -EPERM;
	/*
	 *  [v...........]  ->  [v..]      [m..]
	 *       ^start ^end         hole
	 * The general path splits twice (v | middle | m) and erases the
	 * middle: three stores.  Here: m stored, the hole erased.
	 */
	m = vma_dup(as, v);
	m->start = end;
	m->pgoff += (end - v->start) >> PAGE_SHIFT;
	v->end = start;
	tree_store(as, end, m->end, m);
	tree_store(as, start, end, NULL);
	/* the statistics the general path leaves: two splits, a middle VMA
	 * made and freed, the peak with it still mapped */
	if (count + 2 > as->stats.peak_map_count)
		as->stats.peak_map_count = count + 2;
	as->stats.splits += 2;
	as->stats.vmas_created++;
	as->stats.vmas_freed++;
	/* vma_unmap_commit() of the middle */
	if (as->total_vm > as->hiwater_vm)
		as->hiwater_vm = as->total_vm;
	vma_account_remove(as, v->flags, (end - start) >> PAGE_SHIFT);
	guard_remove(as, start, end);
	return 0;
}

int vma_unmap_whole(struct aspace *as, struct vma *v)
{
	uint64_t start = v->start, end = v->end;

	/* vma_unmap_gather()'s only check for this shape: no split at
	 * either end, so neither map_count nor may_split is asked */
	if (unlikely(v->flags & VM_SEALED))
		return -EPERM;
	/* vma_unmap_commit() of first == last == v, in its order */
	if (as->total_vm > as->hiwater_vm)
		as->hiwater_vm = as->total_vm;
	vma_account_remove(as, v->flags, vma_pages(v));
	vma_free(as, v);
	tree_store(as, start, end, NULL);
	guard_remove(as, start, end);
	return 0;
}

/* vma_unmap_commit() with the tree erase optional (@erase). */
static void unmap_commit(struct aspace *as, struct vma_unmap *u, bool erase)
{
	struct vma *w = u->first, *nx;
	uint64_t start, end;

	if (!w)
		return;
	start = u->first->start;
	end = u->last->end;
	if (as->total_vm > as->hiwater_vm)
		as->hiwater_vm = as->total_vm;
	for (;;) {
		nx = w == u->last ? NULL : vma_next(as, w);
		vma_account_remove(as, w->flags, vma_pages(w));
		vma_free(as, w);
		if (!nx)
			break;
		w = nx;
	}
	if (erase)
		tree_store(as, start, end, NULL);
	guard_remove(as, start, end);   /* markers go with the pages */
	u->first = u->last = NULL;
}

void vma_unmap_commit(struct aspace *as, struct vma_unmap *u)
{
	unmap_commit(as, u, true);
}

void vma_unmap_commit_over(struct aspace *as, struct vma_unmap *u)
{
	unmap_commit(as, u, false);
}

void vma_tree_erase(struct aspace *as, uint64_t start, uint64_t end)
{
	tree_store(as, start, end, NULL);
}
