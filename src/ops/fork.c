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

#include "vma/guard.h"
#include "vma/vma.h"

/* The copy of one parent VMA in @child (reserved), appended to the
 * child's tree being bulk-loaded in address order. */
static void fork_copy_vma(struct aspace *child, struct rt_bulk *b,
			  const struct vma *pv)
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
	rt_bulk_add(b, v->start, v->end - 1, v);
	vma_stat_account(child, v->flags, (int64_t)vma_pages(v));
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

static int fork_do(struct aspace *parent, struct aspace **out)
{
	uint64_t nvmas = 0, nexts = 0, charge = 0;
	struct aspace *child;
	struct rt_cursor c;
	struct rt_bulk b;
	struct vma *pv;
	int err;

	/* Walk with a cursor (O(1) a step) and build the child's tree in
	 * one pass (rt_bulk): no descent per VMA, no per-store reservation
	 * (docs/performance.md). */
	rtc_init(&c, &parent->tree);
	for (pv = rtc_find(&c, 0, NULL); pv; pv = rtc_next(&c, NULL)) {
		if (pv->flags & VM_DONTCOPY)
			continue;
		nvmas++;
		if (pv->ext || parent->cfg.provenance)
			nexts++;
		if (pv->flags & VM_ACCOUNT)
			charge += vma_pages(pv);
	}
	child = aspace_new(&parent->cfg);
	if (!child)
		return as_oom(parent);
	fork_copy_mm(child, parent);
	if (nvmas > (1u << 30) ||
	    as_reserve(child, (unsigned)nvmas, (unsigned)nexts, 0) ||
	    rt_bulk_begin(&b, &child->tree, nvmas)) {
		aspace_free(child);
		return as_oom(parent);
	}
	/*
	 * dup_mmap() charges each VM_ACCOUNT VMA against the system-wide
	 * commitment, which still holds the parent's pages, with the copied
	 * total_vm; one refusal fails fork.
	 */
	child->committed = parent->committed;
	child->total_vm = parent->total_vm;
	err = as_charge(child, charge);
	child->committed -= parent->committed;
	child->total_vm = 0;
	if (err) {
		aspace_free(child);
		return err;
	}
	for (pv = rtc_find(&c, 0, NULL); pv; pv = rtc_next(&c, NULL))
		if (!(pv->flags & VM_DONTCOPY))
			fork_copy_vma(child, &b, pv);
	rt_bulk_end(&b);
	as_unreserve(child);
	if (guard_fork(parent, child)) {        /* copied page tables */
		aspace_free(child);
		return as_oom(parent);
	}
	memset(&child->stats, 0, sizeof(child->stats));
	child->stats.peak_map_count = as_map_count(child);
	*out = child;
	return 0;
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
