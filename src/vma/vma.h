/*
 * vma.h - the internal API of the VMA layer: the address-space object
 * (struct aspace), the VMA (struct vma), files, counters, the merge and
 * split machinery, the munmap gather/commit pair, address selection and the
 * anon_vma model.  Every syscall in src/ops/ is written on top of this.
 *
 * The invariant this layer keeps: the range tree maps exactly the VMAs of
 * the address space, [start, end - 1] -> struct vma *, sorted, disjoint,
 * page aligned, non-empty; map_count == rt_count(&as->tree); the counters
 * (total_vm, data/exec/stack_vm, locked_vm, committed) equal the sums the
 * VMA flags give (spec/01 §1.2-1.3, §6).
 *
 * How an operation uses it (check, plan, reserve, commit; STYLE.md):
 *   1. run the kernel's checks that need no change to the tree;
 *   2. as_reserve(as, vmas, exts, stores): every VMA struct, extension
 *      and tree store the commit may need.  This is the only step that can
 *      fail for lack of host memory; it sets as->last_oom and changes
 *      nothing visible;
 *   3. commit with vma_modify(), vma_split(), vma_merge_new_range(),
 *      vma_unmap_gather()/vma_unmap_commit(), vma_insert() ...  These never
 *      allocate: they take from the reservation (ASSERTed).  They may still
 *      fail with the kernel's errnos (map_count, may_split), leaving the
 *      kernel's partial state;
 *   4. as_unreserve(as) (unused reservations stay pooled; harmless).
 */
#ifndef ASPACE_VMA_H
#define ASPACE_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "aspace.h"
#include "internal.h"
#include "rtree/rt.h"

/* ---------------------------------------------------------------------- */
/* Short names for the flags (values: include/aspace.h, spec/01 §3)       */
/* ---------------------------------------------------------------------- */

#define VM_NONE          0ull
#define VM_READ          ASPACE_VM_READ
#define VM_WRITE         ASPACE_VM_WRITE
#define VM_EXEC          ASPACE_VM_EXEC
#define VM_SHARED        ASPACE_VM_SHARED
#define VM_MAYREAD       ASPACE_VM_MAYREAD
#define VM_MAYWRITE      ASPACE_VM_MAYWRITE
#define VM_MAYEXEC       ASPACE_VM_MAYEXEC
#define VM_MAYSHARE      ASPACE_VM_MAYSHARE
#define VM_GROWSDOWN     ASPACE_VM_GROWSDOWN
#define VM_UFFD_MISSING  ASPACE_VM_UFFD_MISSING
#define VM_PFNMAP        ASPACE_VM_PFNMAP
#define VM_MAYBE_GUARD   ASPACE_VM_MAYBE_GUARD
#define VM_UFFD_WP       ASPACE_VM_UFFD_WP
#define VM_LOCKED        ASPACE_VM_LOCKED
#define VM_IO            ASPACE_VM_IO
#define VM_SEQ_READ      ASPACE_VM_SEQ_READ
#define VM_RAND_READ     ASPACE_VM_RAND_READ
#define VM_DONTCOPY      ASPACE_VM_DONTCOPY
#define VM_DONTEXPAND    ASPACE_VM_DONTEXPAND
#define VM_LOCKONFAULT   ASPACE_VM_LOCKONFAULT
#define VM_ACCOUNT       ASPACE_VM_ACCOUNT
#define VM_NORESERVE     ASPACE_VM_NORESERVE
#define VM_HUGETLB       ASPACE_VM_HUGETLB
#define VM_SYNC          ASPACE_VM_SYNC
#define VM_WIPEONFORK    ASPACE_VM_WIPEONFORK
#define VM_DONTDUMP      ASPACE_VM_DONTDUMP
#define VM_SOFTDIRTY     ASPACE_VM_SOFTDIRTY
#define VM_MIXEDMAP      ASPACE_VM_MIXEDMAP
#define VM_HUGEPAGE      ASPACE_VM_HUGEPAGE
#define VM_NOHUGEPAGE    ASPACE_VM_NOHUGEPAGE
#define VM_MERGEABLE     ASPACE_VM_MERGEABLE
#define VM_PKEY_MASK     ASPACE_VM_PKEY_MASK
#define VM_SHADOW_STACK  ASPACE_VM_SHADOW_STACK
#define VM_DROPPABLE     ASPACE_VM_DROPPABLE
#define VM_UFFD_MINOR    ASPACE_VM_UFFD_MINOR
#define VM_SEALED        ASPACE_VM_SEALED

#define VM_SPECIAL        ASPACE_VM_SPECIAL
#define VM_STACK          VM_GROWSDOWN
#define VM_STARTGAP_FLAGS (VM_GROWSDOWN | VM_SHADOW_STACK)
#define VM_ACCESS_FLAGS   (VM_READ | VM_WRITE | VM_EXEC)
#define VM_LOCKED_MASK    (VM_LOCKED | VM_LOCKONFAULT)
#define VM_UFFD_FLAGS     (VM_UFFD_MISSING | VM_UFFD_WP | VM_UFFD_MINOR)
#define VM_STACK_INCOMPLETE_SETUP (VM_RAND_READ | VM_SEQ_READ)

#define HPAGE_PMD_SIZE   (2ull << 20)      /* THP / hugetlb huge page */

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * One open file description.  Identity is the pointer.  Refcounted: the
 * creator's handle and every VMA mapping it hold one reference each.
 * A hidden shmem object (shared anonymous mapping, MAP_SHARED of
 * /dev/zero) carries its commit charge: uncharged from @shm_owner when the
 * last reference goes (the kernel uncharges at inode eviction).
 */
struct aspace_file {
	struct aspace_file_desc desc;   /* desc.path is owned (as_strdup) */
	uint64_t refs;
	uint64_t shm_charged;           /* pages charged at creation */
	struct aspace *shm_owner;       /* whose committed holds the charge */
	unsigned huge_shift;            /* hugetlb page size: 21 (default), 30 */
};

/* file_huge_size() - the huge page size of a hugetlbfs file (2 MiB unless
 * it was made for MAP_HUGE_1GB).  Cannot fail. */
static inline uint64_t file_huge_size(const struct aspace_file *f)
{
	return f && f->huge_shift ? 1ull << f->huge_shift : (2ull << 20);
}

/*
 * file_new_shmem() - the hidden shmem object of a shared anonymous mapping
 * (`/dev/zero (deleted)`, dev 00:01, a fresh model inode), @size bytes.
 * Return: one reference, or NULL (allocator; as->last_oom is not set).
 * Cost: O(1).
 */
struct aspace_file *file_new_shmem(struct aspace *as, uint64_t size);

/* file_is_shmem() - shmem semantics: SHMEM kind, or a hidden /dev/zero
 * object.  Cannot fail. */
bool file_is_shmem(const struct aspace_file *f);

/* ---------------------------------------------------------------------- */
/* The VMA                                                                */
/* ---------------------------------------------------------------------- */

/* A refcounted, immutable anon_vma_name string (compared by value). */
struct vma_name {
	uint64_t refs;
	size_t   len;                   /* strlen(s) */
	char     s[];
};

/*
 * The rarely used attributes, NULL in the common case.  Owned by exactly
 * one VMA (a split copies it from the reservation).  A VMA whose extension
 * would be all zero has ext == NULL (vma_ext_normalize()).
 */
struct vma_ext {
	struct vma_name *name;          /* PR_SET_VMA_ANON_NAME; NULL none */
	uint64_t policy;                /* mempolicy value id; 0 = default */
	uint64_t uffd_ctx;              /* userfaultfd context id; 0 none */
	uint64_t origin;                /* provenance: creating call id */
	uint64_t last_change;           /* provenance: last split/merge call */
};

/*
 * The attributes of a VMA that merging compares besides flags/file/pgoff:
 * name (by string), policy (by value), uffd ctx (identity).  A request
 * passes the values the piece should end with.
 */
struct vma_xattr {
	const struct vma_name *name;
	uint64_t policy;
	uint64_t uffd_ctx;
};

/*
 * anon_vma model (spec/01 §4): 0 = none, else (id << 1) | forked.
 */
#define ANON_NONE          0ull
#define ANON_MAKE(id, f)   (((uint64_t)(id) << 1) | ((f) ? 1u : 0u))
#define ANON_ID(a)         ((a) >> 1)
#define ANON_FORKED(a)     (((a) & 1u) != 0)

/* 64 bytes; struct vma lives in pooled chunks (no malloc header), one
 * cache line each (the chunk's array is 64-byte aligned, aspace.c). */
struct vma {
	uint64_t start, end;            /* [start, end), page aligned */
	uint64_t pgoff;                 /* pages */
	uint64_t flags;                 /* VM_* */
	struct aspace_file *file;       /* NULL: private anonymous */
	uint64_t anon;                  /* ANON_* encoding */
	struct vma_ext *ext;            /* NULL in the common case; also the
					 * free-list link while pooled */
	uint8_t  kind;                  /* enum aspace_vma_kind */
	uint8_t  pad[7];
};

static inline uint64_t vma_pages(const struct vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

/* vma_has_close() - the kind has a vm_ops->close hook (02 §4). */
bool vma_has_close(const struct vma *v);

/*
 * vma_may_split() - the driver's may_split hook at @addr (02 §5 step 2).
 * Return: 0, or -EINVAL (special mappings; hugetlb off a 2 MiB boundary).
 */
int vma_may_split(const struct vma *v, uint64_t addr);

/* vma_special_name() - "[vdso]", "[vvar]", ... or NULL. */
const char *vma_special_name(const struct vma *v);

/* vma_xattr_of() - the xattr view of @v (all zero without ext). */
struct vma_xattr vma_xattr_of(const struct vma *v);

/* vma_xattr_get() - vma_xattr_of() inlined, for hot paths.  O(1). */
static inline struct vma_xattr vma_xattr_get(const struct vma *v)
{
	struct vma_xattr x = { 0 };

	if (v->ext) {
		x.name = v->ext->name;
		x.policy = v->ext->policy;
		x.uffd_ctx = v->ext->uffd_ctx;
	}
	return x;
}

/* vma_name_get()/put() - take/drop a reference to a name; get of NULL is
 * NULL.  vma_name_new() - a name with one reference, or NULL (allocator). */
struct vma_name *vma_name_new(const char *s);
struct vma_name *vma_name_get(const struct vma_name *n);
void vma_name_put(struct vma_name *n);
bool vma_name_eq(const struct vma_name *a, const struct vma_name *b);

/* ---------------------------------------------------------------------- */
/* The address space                                                      */
/* ---------------------------------------------------------------------- */

struct vma_chunk;   /* pool chunk of VMAs */

struct aspace {
	struct aspace_config cfg;       /* image fields live in the counters */
	struct rt_tree tree;            /* [start, end-1] -> struct vma * */

	/* mm counters (pages unless stated), spec/01 §1.1 */
	uint64_t total_vm, hiwater_vm, locked_vm, pinned_vm;
	uint64_t data_vm, exec_vm, stack_vm;
	uint64_t committed;             /* VM_ACCOUNT pages + shmem charges */
	uint64_t shm_committed;         /* the shmem part of committed */
	/* What Linux never gives back (mremap, spec/04 §9-§10): locked_vm of
	 * VMAs that lost VM_LOCKED without a decrement (MREMAP_DONTUNMAP), and
	 * commit charges no VMA carries (a FIXED move that shrinks). */
	uint64_t locked_vm_leaked, committed_leaked;
	uint64_t def_flags;             /* VM_LOCKED/VM_LOCKONFAULT (MCL_FUTURE) */
	uint64_t start_brk, brk, start_stack;
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t mmap_base, mmap_legacy_base;
	bool     topdown;               /* MMF_TOPDOWN */
	bool     mdwe_refuse_exec_gain; /* PR_SET_MDWE (no public setter yet) */

	/* protection keys (x86 PKU): the execute-only key, the allocated set */
	int      exec_only_pkey;        /* -1 until a PROT_EXEC-only mapping */
	uint16_t pkey_map;              /* bit k: pkey k allocated */

	/* anon_vma ids and model inode numbers */
	uint64_t next_anon_id;          /* next fresh id, starts at 1 */
	uint64_t next_shmem_ino;

	/* bookkeeping */
	struct aspace_stats stats;
	bool     last_oom;              /* last failing call: allocator */
	bool     oom_now;               /* this call hit the allocator */
	uint64_t call_id;               /* provenance: the current call */

	/* Guard regions (MADV_GUARD_INSTALL markers): page ranges whose every
	 * access faults, [first, last] -> GUARD_MARK.  Empty unless madvise
	 * installs some; unmapping a range drops its markers. */
	struct rt_tree guards;

	/* VMA pool and reservation */
	struct vma_chunk *chunks;
	struct vma *free_vmas;          /* linked through ->ext */
	uint64_t nfree_vmas;
	struct vma_ext *free_exts;      /* linked through ->name */
	uint64_t nfree_exts;
};

/* The VM_IGNORE_MERGE and VM_STICKY masks the configuration selects
 * (spec/01 §3.1).  Cannot fail. */
uint64_t as_sticky_mask(const struct aspace *as);
uint64_t as_ignore_merge_mask(const struct aspace *as);

/* as_sticky_bits() - as_sticky_mask() inlined, for hot paths.  O(1). */
static inline uint64_t as_sticky_bits(const struct aspace *as)
{
	uint64_t m = 0;

	if (as->cfg.maybe_guard)
		m |= VM_MAYBE_GUARD;
	if (as->cfg.soft_dirty && as->cfg.soft_dirty_sticky)
		m |= VM_SOFTDIRTY;
	return m;
}

/* as_map_count() - number of VMAs.  O(1). */
static inline uint64_t as_map_count(const struct aspace *as)
{
	return rt_count(&as->tree);
}

/*
 * as_reserve() - make the next commit infallible: at least @nvmas free VMA
 * structs, @nexts free extensions and @nstores tree stores.  Reservations
 * add up in the tree; VMAs/exts are simply pooled.
 * Return: 0, or -ENOMEM with as->last_oom = true (nothing visible changed).
 * Cost: O(nvmas + nexts + tree cost of nstores).
 */
int as_reserve(struct aspace *as, unsigned nvmas, unsigned nexts,
	       unsigned nstores);

/* as_unreserve() - drop what is left of the tree reservation.  Cannot fail. */
void as_unreserve(struct aspace *as);

/* as_oom() - record an allocator failure and return -ENOMEM. */
int as_oom(struct aspace *as);

/*
 * as_reserve_fast()/as_unreserve_fast() - as_reserve()/as_unreserve()
 * with the common case inlined: the pools already hold the VMAs and
 * extensions and no guard markers exist, so only the tree's reservation
 * (itself inline while its spares suffice) is left.  Same contracts.
 */
static inline int as_reserve_fast(struct aspace *as, unsigned nvmas,
				  unsigned nexts, unsigned nstores)
{
	if (as->nfree_vmas >= nvmas && as->nfree_exts >= nexts && nstores &&
	    !rt_count(&as->guards))
		return rt_reserve(&as->tree, nstores) ? as_oom(as) : 0;
	return as_reserve(as, nvmas, nexts, nstores);
}

static inline void as_unreserve_fast(struct aspace *as)
{
	rt_unreserve(&as->tree);
	if (as->guards.reserved || as->guards.nspare)
		rt_unreserve(&as->guards);
}

/*
 * as_begin()/as_finish() - bracket every public mutating call: as_finish()
 * sets last_oom for a failing call (true iff as_oom() ran in between) and
 * returns @err.  Cannot fail.
 */
static inline void as_begin(struct aspace *as)
{
	as->oom_now = false;
}

static inline int as_finish(struct aspace *as, int err)
{
	if (err < 0)
		as->last_oom = as->oom_now;
	return err;
}

/* as_exts_needed() - extensions a new VMA needs: 1 with provenance on. */
static inline unsigned as_exts_per_vma(const struct aspace *as)
{
	return as->cfg.provenance ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* VMA objects and the tree                                               */
/* ---------------------------------------------------------------------- */

/*
 * vma_alloc() - a zeroed VMA from the reserved pool (ASSERTs a
 * reservation).  With provenance on it gets an ext with origin =
 * last_change = as->call_id.  Counts stats.vmas_created.  Cannot fail.
 */
struct vma *vma_alloc(struct aspace *as);

/*
 * vma_free() - drop the VMA's file reference and extension and return it
 * to the pool.  It must not be in the tree.  Counts stats.vmas_freed.
 * Cannot fail.
 */
void vma_free(struct aspace *as, struct vma *v);

/*
 * vma_dup() - a copy of @src for address space @as (fork, split): takes a
 * file reference, copies the extension (reserved) and name reference.
 * Not inserted.  Cannot fail (needs 1 VMA, 1 ext if @src has one).
 */
struct vma *vma_dup(struct aspace *as, const struct vma *src);

/*
 * vma_set_xattr() - give @v the extended attributes @x (keeping its
 * provenance), allocating an ext from the reservation if needed and
 * dropping it when everything is zero.  Cannot fail (1 ext reserved).
 */
void vma_set_xattr(struct aspace *as, struct vma *v, const struct vma_xattr *x);

/* vma_touch_prov() - record the current call as @v's last change. */
void vma_touch_prov(struct aspace *as, struct vma *v);

/*
 * vma_insert() - put @v into the tree at [v->start, v->end); the range must
 * be empty.  Updates peak_map_count.  Does not touch counters.
 * Cannot fail (1 store reserved).  O(log n).
 */
void vma_insert(struct aspace *as, struct vma *v);

/*
 * vma_insert_before() - vma_insert() for a caller that knows @next, the
 * first VMA ending after v->start (NULL: none), from its own lookup: the
 * emptiness of [v->start, v->end) is checked against it instead of a
 * fresh descent.  Same effect as vma_insert().
 * Assumes: the tree unchanged since that lookup but for erasures inside
 *          [v->start, v->end), or entries there of VMAs that
 *          vma_unmap_commit_over() freed (the store replaces them);
 *          1 store reserved.
 * Cannot fail.  O(log n): the store only.
 */
void vma_insert_before(struct aspace *as, struct vma *v,
		       const struct vma *next);

/*
 * vma_tree_update() - @v's range changed (grew over, or shrank inside,
 * its old range); store the new range.  Entries it now overlaps are
 * overwritten (they must be VMAs the caller removes).  @old_start/@old_end:
 * the previous range, whose no longer covered parts are erased.
 * The new range must contain the old one or lie inside it.
 * Cannot fail (2 stores reserved).  O(log n).
 */
void vma_tree_update(struct aspace *as, struct vma *v, uint64_t old_start,
		     uint64_t old_end);

/* vma_tree_remove() - erase @v's range from the tree (not freed).
 * Cannot fail (1 store reserved). */
void vma_tree_remove(struct aspace *as, struct vma *v);

/* Lookups, O(log n).  NULL when there is none. */
struct vma *vma_find(const struct aspace *as, uint64_t addr);   /* end > addr */
struct vma *vma_lookup(const struct aspace *as, uint64_t addr); /* contains */
struct vma *vma_next(const struct aspace *as, const struct vma *v);
struct vma *vma_prev(const struct aspace *as, const struct vma *v);
/* the last VMA with start < addr (may contain addr) */
struct vma *vma_find_prev(const struct aspace *as, uint64_t addr);

/* Iterate over the VMAs intersecting [lo, hi) (none when lo >= hi). */
#define for_each_vma_range(as, v, lo, hi)				\
	for ((v) = (lo) < (hi) ? vma_find((as), (lo)) : NULL;		\
	     (v) && (v)->start < (hi); (v) = vma_next((as), (v)))

/* ---------------------------------------------------------------------- */
/* Guard regions (MADV_GUARD_INSTALL / _REMOVE)                           */
/* ---------------------------------------------------------------------- */

/*
 * vma_guard_reserve() - make the next @nstores guard installs/removals
 * infallible.  as_reserve() already reserves the one store an unmap needs
 * when guards exist.
 * Return: 0 or -ENOMEM (as_oom(); nothing changed).  O(nstores log g).
 */
int vma_guard_reserve(struct aspace *as, unsigned nstores);

/*
 * vma_guard_install()/vma_guard_remove() - mark / unmark the pages of
 * [start, end) (page aligned) as guard pages.  The caller checked the
 * VMAs (madvise's rules) and set VM_MAYBE_GUARD.
 * Cannot fail (1 guard store reserved).  O(log g).
 */
void vma_guard_install(struct aspace *as, uint64_t start, uint64_t end);
void vma_guard_remove(struct aspace *as, uint64_t start, uint64_t end);

/* vma_guarded() - is the page at @addr a guard page?  O(log g). */
bool vma_guarded(const struct aspace *as, uint64_t addr);

/* ---------------------------------------------------------------------- */
/* Counters and limits (spec/01 §1.2-1.5)                                 */
/* ---------------------------------------------------------------------- */

/* vma_stat_account() - total_vm and the class of @flags += @npages
 * (negative to remove); hiwater_vm raised before a decrease. */
void vma_stat_account(struct aspace *as, uint64_t flags, int64_t npages);

/*
 * vma_stat_move() - @npages change from @oldflags to @newflags: the same
 * counters as vma_stat_account(as, oldflags, -npages) followed by
 * vma_stat_account(as, newflags, npages), in one step (total_vm is
 * unchanged; at most two class counters move).  Cannot fail.  O(1).
 */
void vma_stat_move(struct aspace *as, uint64_t oldflags, uint64_t newflags,
		   uint64_t npages);

/* vma_account_add()/vma_account_remove() - every counter for @npages of a
 * VMA with @flags: stat, locked_vm (VM_LOCKED), committed (VM_ACCOUNT). */
void vma_account_add(struct aspace *as, uint64_t flags, uint64_t npages);
void vma_account_remove(struct aspace *as, uint64_t flags, uint64_t npages);

/* flags_is_exec/stack/data() - the classification of 01 §1.2. */
bool flags_is_exec(uint64_t f);
bool flags_is_stack(uint64_t f);
bool flags_is_data(uint64_t f);

/*
 * may_expand_vm() - RLIMIT_AS, then RLIMIT_DATA for data @flags, for
 * @npages more (mm/mmap.c may_expand_vm).  Return: true if allowed.
 */
bool may_expand_vm(const struct aspace *as, uint64_t flags, uint64_t npages);

/* flags_accountable() - private, writable, not NORESERVE, not hugetlb. */
bool flags_accountable(uint64_t flags);

/*
 * as_charge() - security_vm_enough_memory: charge @npages to committed
 * under the overcommit policy.  Return: 0 or -ENOMEM (nothing charged).
 * as_uncharge() - give them back.  Cannot fail.
 */
int as_charge(struct aspace *as, uint64_t npages);
void as_uncharge(struct aspace *as, uint64_t npages);

/*
 * mlock_future_ok() - may @npages more be locked (RLIMIT_MEMLOCK, CAP_IPC_LOCK)
 * given @flags (only VM_LOCKED counts)?  mm/mmap.c mlock_future_ok().
 */
bool mlock_future_ok(const struct aspace *as, uint64_t flags, uint64_t npages);

/* ---------------------------------------------------------------------- */
/* anon_vma                                                                */
/* ---------------------------------------------------------------------- */

/* as_new_anon() - a fresh anon (forked = false).  Cannot fail. */
uint64_t as_new_anon(struct aspace *as);

/*
 * vma_anon_prepare() - anon_vma_prepare(): give @v an anon_vma if it has
 * none, reusing the next, then the previous neighbour's (01 §4.1).
 * Cannot fail.  O(log n).
 */
void vma_anon_prepare(struct aspace *as, struct vma *v);

/* ---------------------------------------------------------------------- */
/* Merging (spec/02 §1-§3)                                                 */
/* ---------------------------------------------------------------------- */

/*
 * What a new range or a modified piece would be.  @anon is the anon of the
 * VMA being modified (ANON_NONE for a new mmap range; mremap destinations
 * pass the source's).
 */
struct vma_attrs {
	uint64_t flags;
	struct aspace_file *file;
	uint64_t pgoff;                 /* of the first page of the range */
	uint64_t anon;
	struct vma_xattr x;
	bool     modify;                /* a piece of an existing VMA (entry B):
					 * its forked anon refuses case 1 */
};

/*
 * vma_merge_why_not() - the pairwise predicate (02 §1 rules 1-9) as the
 * set of rules that fail: ASPACE_WHY_* bits (include/aspace.h), 0 when the
 * range [start, end) with @a may join @n, its left (@left: n->end must be
 * start) or right (n->start must be end) neighbour.  Every rule is
 * evaluated; the merge paths and aspace_explain() share this one code path.
 * Cannot fail.  Cost: O(1) (name comparison: O(length)).
 */
uint32_t vma_merge_why_not(const struct aspace *as, const struct vma *n,
			   bool left, uint64_t start, uint64_t end,
			   const struct vma_attrs *a);

/* vma_flags_merge_diff() - the flag bits rule 4 compares that differ. */
static inline uint64_t vma_flags_merge_diff(const struct aspace *as,
					    uint64_t f1, uint64_t f2)
{
	return (f1 ^ f2) & ~as_ignore_merge_mask(as);
}

/*
 * vma_can_merge_left()/right() - the pairwise predicate (02 §1 rules 2-9)
 * for a range [start, end) with @a against a left (@prev) or right (@next)
 * neighbour.  Special flags in the request are the caller's check.
 */
bool vma_can_merge_left(const struct aspace *as, const struct vma *prev,
			uint64_t start, const struct vma_attrs *a);
bool vma_can_merge_right(const struct aspace *as, const struct vma *next,
			 uint64_t start, uint64_t end, const struct vma_attrs *a);

/* vma_anon_pair_ok() - rule 10: prev and next not two different anons. */
bool vma_anon_pair_ok(const struct vma *prev, const struct vma *next);

/*
 * vma_merge_new_range() - entry point A (02 §2): try to merge a new range
 * [start, end) with attributes @a into @prev (the VMA ending at or before
 * start) and/or @next (starting at or after end).  @expand_only: brk mode
 * (left only).  Sticky bits OR-ed; result flags = target's | sticky.
 * Return: the VMA now covering [start, end), or NULL (no merge: nothing
 * changed).  Counters are not touched (caller accounts pages(range)).
 * Assumes: [start, end) is empty in the tree; 1 store reserved.
 * Cost: O(log n).   Mirrors: mm/vma.c vma_merge_new_range().
 */
struct vma *vma_merge_new_range(struct aspace *as, struct vma *prev,
				struct vma *next, uint64_t start, uint64_t end,
				const struct vma_attrs *a, bool expand_only);

/*
 * vma_expand() - grow @v to [start, end) ⊇ its range with pgoff @pgoff,
 * swallowing @next when @remove_next (then end == next->end).  Anon taken
 * from @next if @v has none; sticky bits of @next OR-ed.  Never checks
 * max_map_count.  Cannot fail (1 store reserved).
 * Mirrors: mm/vma.c vma_expand().
 */
void vma_expand(struct aspace *as, struct vma *v, uint64_t start,
		uint64_t end, uint64_t pgoff, struct vma *next,
		bool remove_next);

/*
 * vma_split() - split @v at @addr (v->start < addr < v->end): @v keeps
 * [start, addr), the new VMA [addr, end) is returned in *@upper.  Checks
 * map_count >= max_map_count (ENOMEM) then may_split (EINVAL).
 * vma_split_nolimit() skips the map_count check (munmap gathering).
 * Return: 0 or the errno; nothing changed on error.
 * Assumes: 1 VMA, 1 ext (if @v has one), 1 store reserved.
 * Mirrors: mm/vma.c split_vma() / __split_vma().
 */
int vma_split(struct aspace *as, struct vma *v, uint64_t addr,
	      struct vma **upper /* OUT, may be NULL */);
int vma_split_nolimit(struct aspace *as, struct vma *v, uint64_t addr,
		      struct vma **upper /* OUT, may be NULL */);

/*
 * vma_modify() - entry point B (02 §3, 05 §0): give the piece
 * [start, end) of @v (which contains it) the attributes @flags / @x.
 * Tries the existing-range merge (cases a-e), else splits (map_count check
 * before may_split; a first split stays when the second fails).  On
 * success the returned VMA (*@vp) covers exactly the piece, or more if it
 * merged; its flags are @flags | the sticky bits of every participant; @x is
 * written when it differs.  @x NULL keeps the current xattrs.
 * Counters are the caller's (flags class changes, locked_vm); map_count and
 * stats.merges/splits are kept here.
 * Return: 0, -ENOMEM (map_count) or -EINVAL (may_split).
 * Assumes: reservation of VMA_MODIFY_VMAS VMAs, VMA_MODIFY_EXTS exts and
 *          VMA_MODIFY_STORES stores per call.
 * Cost: O(log n).   Mirrors: mm/vma.c vma_modify().
 */
#define VMA_MODIFY_VMAS   2
#define VMA_MODIFY_EXTS   3
#define VMA_MODIFY_STORES 3
int vma_modify(struct aspace *as, struct vma **vp /* IN/OUT */,
	       uint64_t start, uint64_t end, uint64_t flags,
	       const struct vma_xattr *x);

/*
 * vma_modify_at() - vma_modify() for a caller holding a cursor @c on *@vp
 * (from rtc_find(), the tree unchanged since): the merge finds the
 * neighbours by stepping it instead of two lookups.  Same result, return,
 * assumptions and cost as vma_modify(); @c is invalid afterwards.
 */
int vma_modify_at(struct aspace *as, struct vma **vp /* IN/OUT */,
		  uint64_t start, uint64_t end, uint64_t flags,
		  const struct vma_xattr *x, struct rt_cursor *c);

/* ---------------------------------------------------------------------- */
/* Unmapping (spec/03 §7, used by munmap, MAP_FIXED, brk, mremap)         */
/* ---------------------------------------------------------------------- */

struct vma_unmap {
	/* inputs */
	uint64_t start, end;            /* page aligned, start < end */
	bool     check_limit;           /* munmap: 3-way split map_count check */
	bool     have_found;            /* @found holds vma_find(start) ... */
	struct vma *found;              /* ... which the caller looked up */
	struct rt_cursor *cur;          /* NULL, or a cursor on @found (the
					 * tree unchanged since); consumed */
	/* after vma_unmap_gather(): the VMAs inside [start, end) */
	struct vma *first, *last;       /* NULL when nothing is mapped */
	struct vma *prev, *next;        /* neighbours outside the range */
	uint64_t count;                 /* VMAs gathered */
	uint64_t npages;                /* their pages */
	uint64_t nlocked, naccount;     /* VM_LOCKED / VM_ACCOUNT pages */
	uint64_t ndata;                 /* pages classified data */
};

/*
 * vma_unmap_gather() - munmap's gathering in kernel order (03 §7 step 4):
 * first VMA cut at both ends at map_count >= max (if @check_limit) → ENOMEM;
 * sealed → EPERM; split at start (may_split → EINVAL); then each VMA:
 * sealed → EPERM; split at end (EINVAL).  Splits made before an error stay.
 * On success the VMAs in [start, end) are exactly first..last.
 * A caller that already looked up vma_find(start) passes it in @found
 * with @have_found set, saving the descent; with a cursor on it in @cur
 * (rtc_find()), the neighbours are cursor steps instead of descents.
 * Return: 0 or the errno.  Assumes: 2 VMAs (+exts) and 2 stores reserved.
 * Cost: O(log n + k).   Mirrors: mm/vma.c vms_gather_munmap_vmas().
 */
int vma_unmap_gather(struct aspace *as, struct vma_unmap *u);

/*
 * vma_unmap_commit() - remove the gathered VMAs: counters down (hiwater
 * first), VM_ACCOUNT pages uncharged, tree erased, VMAs freed.
 * Cannot fail (1 store reserved).  O(log n + k).
 */
void vma_unmap_commit(struct aspace *as, struct vma_unmap *u);

/*
 * vma_unmap_inside() - vma_unmap_gather() and vma_unmap_commit() at once
 * for [start, end) strictly inside @v (v->start < start, end < v->end),
 * when vma_unmap_inside_applies(): the same checks in the same order
 * (map_count when @check_limit → -ENOMEM, sealed → -EPERM; may_split
 * cannot refuse a normal VMA), then one new VMA for [end, v->end) and two
 * stores instead of two splits and an erase.  Tree, VMAs, counters and
 * statistics end as the general pair leaves them (splits += 2, the
 * transient middle VMA counted as created, freed and in the peak).
 * Return: 0 or the errno; nothing changed on error.
 * Assumes: as vma_unmap_gather() (2 VMAs, 2 stores reserved).
 * Cost: O(log n).
 */
int vma_unmap_inside(struct aspace *as, struct vma *v, uint64_t start,
		     uint64_t end, bool check_limit);

/* vma_unmap_inside_applies() - the shape and the features (a normal VMA,
 * no extension, provenance off) vma_unmap_inside() handles.  O(1). */
static inline bool vma_unmap_inside_applies(const struct aspace *as,
					    const struct vma *v,
					    uint64_t start, uint64_t end)
{
	return v->start < start && end < v->end && start < end &&
		v->kind == ASPACE_VMA_NORMAL && !v->ext && !as->cfg.provenance;
}

/*
 * vma_unmap_whole() - vma_unmap_gather() and vma_unmap_commit() at once
 * for [v->start, v->end), exactly one whole VMA (munmap of a mapping as
 * it was made): the gathering's only check for that shape (sealed →
 * -EPERM), then the commit, without the neighbours' lookups the general
 * pair makes for its callers.  Tree, VMAs, counters and statistics end as
 * the general pair leaves them.
 * Return: 0 or -EPERM; nothing changed on error.
 * Assumes: 1 store reserved.  Cost: O(log n): the erase only.
 */
int vma_unmap_whole(struct aspace *as, struct vma *v);

/*
 * vma_unmap_commit_over() - vma_unmap_commit() for a caller that stores a
 * VMA over all of [u->start, u->end) next (mmap replacing what was there:
 * one store instead of an erase and a store).  Everything but the erase:
 * the gathered VMAs are freed while their tree entries stay, so between
 * this and that store the caller makes no lookup, and on a failure in
 * between it erases the range with vma_tree_erase(as, u->start, u->end).
 * Cannot fail (no store).  O(k).
 */
void vma_unmap_commit_over(struct aspace *as, struct vma_unmap *u);

/* vma_tree_erase() - erase [start, end) from the tree (the VMAs there are
 * the caller's).  Cannot fail (1 store reserved).  O(log n). */
void vma_tree_erase(struct aspace *as, uint64_t start, uint64_t end);

/* ---------------------------------------------------------------------- */
/* Address selection (spec/03 §4)                                          */
/* ---------------------------------------------------------------------- */

/* vm_start_gap()/vm_end_gap() - a VMA's start/end including guard gaps. */
uint64_t vm_start_gap(const struct aspace *as, const struct vma *v);
uint64_t vm_end_gap(const struct aspace *as, const struct vma *v);

/*
 * get_unmapped_area() - choose the address of a new mapping of @len bytes
 * (03 §4): MAP_FIXED returns @addr; else the hint, THP alignment for
 * anonymous private mappings of a 2 MiB multiple, top-down or bottom-up
 * search, MAP_32BIT, MAP_ABOVE4G, hugetlb alignment; then the checks of
 * rows 17-19 (past TASK_SIZE ENOMEM, unaligned EINVAL, below
 * dac_mmap_min_addr EPERM).
 * @mflags: MAP_* flags; @vm_flags: the VM_* the mapping will have (shadow
 * stack gap); @file: NULL for anonymous (MAP_SHARED|MAP_ANONYMOUS passes
 * NULL and @shared_anon = true).
 * Return: 0 and *@out, or -ENOMEM/-EINVAL/-EPERM.  Cost: O(log n).
 * Mirrors: mm/mmap.c __get_unmapped_area(), arch/x86/kernel/sys_x86_64.c.
 */
int get_unmapped_area(const struct aspace *as, const struct aspace_file *file,
		      bool shared_anon, uint64_t addr, uint64_t len,
		      uint64_t pgoff, int mflags, uint64_t vm_flags,
		      uint64_t *out /* OUT */);

/*
 * What the address search looked up on its way: for every address a in
 * [lo, hi), vma_find(a) is @next, and @cur is a cursor on it (valid while
 * the tree is unchanged).  @ok false: nothing recorded.
 */
struct area_found {
	bool ok;
	uint64_t lo, hi;
	struct vma *next;
	struct rt_cursor cur;
};

/*
 * get_unmapped_area_found() - get_unmapped_area(), also recording in *@af
 * (NULL: not) the lookup it made near the chosen address, so that mmap
 * can start its gathering there instead of descending again.  Same
 * result and errors as get_unmapped_area().  Cost: O(log n).
 */
int get_unmapped_area_found(const struct aspace *as,
			    const struct aspace_file *file, bool shared_anon,
			    uint64_t addr, uint64_t len, uint64_t pgoff,
			    int mflags, uint64_t vm_flags,
			    uint64_t *out /* OUT */,
			    struct area_found *af /* OUT, may be NULL */);

/* as_default_mmap_base() - mmap_base without randomisation (03 §4.7). */
uint64_t as_default_mmap_base(const struct aspace_config *cfg);

/* ---------------------------------------------------------------------- */
/* Flag helpers                                                            */
/* ---------------------------------------------------------------------- */

/* prot_to_vm() - VM_READ/WRITE/EXEC of PROT_* bits. */
uint64_t prot_to_vm(int prot);

/* pkey_to_vm() / vma_pkey() - the VM_PKEY_BIT* encoding of a key. */
static inline uint64_t pkey_to_vm(int pkey)
{
	return ((uint64_t)pkey << ASPACE_VM_PKEY_SHIFT) & VM_PKEY_MASK;
}

static inline int vma_pkey(const struct vma *v)
{
	return (int)((v->flags & VM_PKEY_MASK) >> ASPACE_VM_PKEY_SHIFT);
}

/*
 * as_execute_only_pkey() - the mm's execute-only key, chosen (lowest free
 * key) on first use; 0 when PKU is off or no key is free.  It is not
 * marked allocated: pkey_mprotect() refuses it (observed on 6.18.44).
 * Cannot fail.  Mirrors: arch/x86/mm/pkeys.c __execute_only_pkey().
 */
int as_execute_only_pkey(struct aspace *as);

/*
 * vma_populate() - the VMA effects of populating [start, end) (MAP_POPULATE,
 * MAP_LOCKED, mlock): write faults on private writable VMAs prepare their
 * anon_vma; THP-served reads too.  Errors are ignored, as the kernel's
 * populate does.  Cannot fail.  O(log n + k).
 */
void vma_populate(struct aspace *as, uint64_t start, uint64_t end);

/* vma_is_anonymous() - no file (private anonymous). */
static inline bool vma_is_anonymous(const struct vma *v)
{
	return v->file == NULL;
}

#endif /* ASPACE_VMA_H */
