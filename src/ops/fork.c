/*
 * fork.c - fork(2)'s copy of the address space (spec/06 §1, dup_mmap()):
 * one child VMA per parent VMA, inserted without merging, except
 * VM_DONTCOPY VMAs (left out: holes, counters without them); VM_LOCKED and
 * VM_LOCKONFAULT cleared (locked_vm 0); userfaultfd registration dropped;
 * an anon_vma becomes a fresh id marked forked, except for VM_WIPEONFORK
 * VMAs, which get none; VM_ACCOUNT pages charged again.  def_flags keeps
 * only VM_NOHUGEPAGE.  Guard markers are copied with the page tables
 * (vma/guard.c guard_fork(): not into VM_WIPEONFORK VMAs).
 *
 * The child is built completely in a new address space before it is
 * returned; any failure frees it, so the parent is never touched (fork
 * only reads it) and nothing leaks.
 */
#include <errno.h>
#include <string.h>

#include "core/vwalk.h"
#include "vma/guard.h"
#include "vma/vma.h"

/*
 * What the copy adds to the child's counters, by the flag bits the
 * exec/stack/data classification reads (account.c flags_is_*()): the
 * pages of every class are summed here and accounted once per class at
 * the end, the same totals as one vma_stat_account() per VMA.
 */
#define FORK_NCLASS 32

static unsigned fork_class(uint64_t f)
{
	return (unsigned)(((f >> 1) & 7) |              /* WRITE EXEC SHARED */
			  ((f & VM_GROWSDOWN) ? 8 : 0) |
			  ((f & VM_SHADOW_STACK) ? 16 : 0));
}

static uint64_t fork_class_flags(unsigned c)
{
	return ((uint64_t)(c & 7) << 1) | ((c & 8) ? VM_GROWSDOWN : 0) |
		((c & 16) ? VM_SHADOW_STACK : 0);
}

/* One copy: the child's VMAs so far in address order, what they charge. */
struct fork_copy {
	struct vma **v;                 /* as_alloc'd, @cap entries */
	uint64_t n, cap;
	uint64_t charge;                /* VM_ACCOUNT pages */
	uint64_t pages[FORK_NCLASS];    /* pages by fork_class() */
};

/* The copy of one parent VMA in @child (reserved): dup_mmap()'s rules. */
static struct vma *fork_copy_vma(struct aspace *child, const struct vma *pv)
{
	struct vma *v = vma_dup(child, pv);

	v->flags &= ~(VM_LOCKED_MASK | VM_UFFD_FLAGS);
	if (v->ext && v->ext->uffd_ctx) {
		struct vma_xattr x = vma_xattr_of(v);

		x.uffd_ctx = 0;
		vma_set_xattr(child, v, &x);
	}
	if (!pv->anon || (pv->flags & VM_WIPEONFORK))
		v->anon = ANON_NONE;
	else
		v->anon = ANON_MAKE(ANON_ID(as_new_anon(child)), true);
	return v;
}

/* The mm fields dup_mm() copies (the configuration came with aspace_new). */
static void fork_copy_mm(struct aspace *child, const struct aspace *parent)
{
	child->def_flags = parent->def_flags & VM_NOHUGEPAGE;
	child->hiwater_vm = parent->hiwater_vm;
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
	child->start_stack = parent->start_stack;
	child->start_code = parent->start_code;
	child->end_code = parent->end_code;
	child->start_data = parent->start_data;
	child->end_data = parent->end_data;
	child->mmap_base = parent->mmap_base;
	child->mmap_legacy_base = parent->mmap_legacy_base;
	child->topdown = parent->topdown;
	child->mdwe_refuse_exec_gain = parent->mdwe_refuse_exec_gain;
	child->exec_only_pkey = parent->exec_only_pkey;
	child->pkey_map = parent->pkey_map;
	child->next_anon_id = parent->next_anon_id;
	child->next_shmem_ino = parent->next_shmem_ino;
	child->call_id = parent->call_id;
}

/*
 * Copy every VMA of @parent that fork copies into @child's pool, in
 * address order, into @fc: one walk over the parent, its VMAs prefetched
 * before they are copied (vwalk.h).  The child's pool grows a
 * chunk at a time as the copy uses it, so each chunk is written while it
 * is in cache.  Return: 0, or -ENOMEM (allocator; as_oom(child)); the
 * copies made so far stay in @fc for fork_drop_copies().
 */
static int fork_copy_vmas(struct aspace *child, const struct aspace *parent,
			  struct fork_copy *fc)
{
	unsigned nx = as_exts_per_vma(child);
	const struct vma *pv;
	struct vwalk w;

	vwalk_init(&w, parent);
	while ((pv = vwalk_next(&w))) {
		uint64_t f = pv->flags, np;

		if (f & VM_DONTCOPY)
			continue;
		np = vma_pages(pv);
		if ((!child->nfree_vmas ||
		     child->nfree_exts < (pv->ext ? 1 : nx)) &&
		    as_reserve(child, 1, pv->ext ? 1 : nx, 0))
			return -ENOMEM;
		ASSERT(fc->n < fc->cap);
		fc->v[fc->n++] = fork_copy_vma(child, pv);
		if (f & VM_ACCOUNT)
			fc->charge += np;
		fc->pages[fork_class(f)] += np;
	}
	return 0;
}

/* Give back the copies not (yet) in the child's tree.  Cannot fail. */
static void fork_drop_copies(struct aspace *child, struct fork_copy *fc)
{
	while (fc->n)
		vma_free(child, fc->v[--fc->n]);
}

static int fork_do(struct aspace *parent, struct aspace **out)
{
	struct fork_copy fc = { .cap = as_map_count(parent) };
	struct aspace *child;
	struct rt_bulk b;
	bool refused = false;
	uint64_t i;
	unsigned k;
	int err;

	/*
	 * One walk over the parent copies its VMAs (and counts what the
	 * checks need); then the child's tree is bulk-loaded from the
	 * copies in order (rt_bulk: no descent per VMA, no per-store
	 * reservation).  Every allocation comes before the commit charge
	 * check, as before; until the tree holds the copies they are
	 * dropped by hand on failure.
	 */
	child = aspace_new(&parent->cfg);
	if (!child)
		return as_oom(parent);
	fork_copy_mm(child, parent);
	if (fc.cap > SIZE_MAX / sizeof(*fc.v) / 2)
		goto free_child;
	fc.v = as_alloc((size_t)(fc.cap ? fc.cap : 1) * sizeof(*fc.v));
	if (!fc.v)
		goto free_child;
	if (fork_copy_vmas(child, parent, &fc) ||
	    rt_bulk_begin(&b, &child->tree, fc.n))
		goto drop_copies;
	/*
	 * dup_mmap() charges each VM_ACCOUNT VMA against the system-wide
	 * commitment, which still holds the parent's pages, with the copied
	 * total_vm; one refusal fails fork.
	 */
	child->committed = parent->committed;
	child->total_vm = parent->total_vm;
	err = as_charge(child, fc.charge);
	child->committed -= parent->committed;
	child->total_vm = 0;
	if (err) {
		refused = true;         /* the policy refused: not our OOM */
		goto drop_copies;
	}
	for (i = 0; i < fc.n; i++) {
		struct vma *v = fc.v[i];

		if (i + VWALK_AHEAD < fc.n)
			__builtin_prefetch(fc.v[i + VWALK_AHEAD]);
		rt_bulk_add(&b, v->start, v->end - 1, v);
	}
	rt_bulk_end(&b);
	for (k = 0; k < FORK_NCLASS; k++)
		if (fc.pages[k])
			vma_stat_account(child, fork_class_flags(k),
					 (int64_t)fc.pages[k]);
	as_free(fc.v, (size_t)(fc.cap ? fc.cap : 1) * sizeof(*fc.v));
	as_unreserve(child);
	if (guard_fork(parent, child)) {        /* copied page tables */
		aspace_free(child);
		return as_oom(parent);
	}
	memset(&child->stats, 0, sizeof(child->stats));
	child->stats.peak_map_count = as_map_count(child);
	*out = child;
	return 0;

drop_copies:
	fork_drop_copies(child, &fc);
	as_free(fc.v, (size_t)(fc.cap ? fc.cap : 1) * sizeof(*fc.v));
free_child:
	aspace_free(child);
	return refused ? -ENOMEM : as_oom(parent);
}

/*
 * aspace_fork() - the child's address space as dup_mmap() makes it.
 * @parent: the address space to copy; only read.
 * @child:  the new address space on success (free with aspace_free()).
 *
 * Assumes: nothing.
 * Return:  0, or -ENOMEM: the commit charge of the child's VM_ACCOUNT
 *          pages is refused (overcommit policy), or our allocator failed
 *          (aspace_last_oom(@parent) true).
 * On error: *@child untouched, the parent unchanged, nothing leaked.
 * Cost:    O(n log n).   Mirrors: kernel/fork.c dup_mm(), mm/mmap.c
 *          dup_mmap(), Linux 6.18.
 */
int aspace_fork(struct aspace *parent, struct aspace **child /* OUT */)
{
	int err;

	as_begin(parent);
	err = fork_do(parent, child);
	return as_finish(parent, err);
}
