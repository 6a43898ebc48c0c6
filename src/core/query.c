/*
 * query.c - read-only views of an address space: find_vma, vma_at,
 * iteration, and aspace_validate(), which recomputes every counter from
 * the VMAs and checks the tree (spec/01 §6 invariants 1, 2 and 5).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "vma/guard.h"
#include "vma/vma.h"

static void info_of(const struct vma *v, struct aspace_vma_info *out)
{
	out->start = v->start;
	out->end = v->end;
	out->pgoff = v->pgoff;
	out->flags = v->flags;
	out->file = v->file;
	out->kind = (enum aspace_vma_kind)v->kind;
	out->anon_id = ANON_ID(v->anon);
	out->anon_forked = ANON_FORKED(v->anon);
	out->anon_name = v->ext && v->ext->name ? v->ext->name->s : NULL;
	out->origin = v->ext ? v->ext->origin : 0;
	out->last_change = v->ext ? v->ext->last_change : 0;
}

int aspace_find_vma(const struct aspace *as, uint64_t addr,
		    struct aspace_vma_info *out /* OUT */)
{
	const struct vma *v = vma_find(as, addr);

	if (!v)
		return -ENOENT;
	info_of(v, out);
	return 0;
}

int aspace_vma_at(const struct aspace *as, uint64_t addr,
		  struct aspace_vma_info *out /* OUT */)
{
	const struct vma *v = vma_lookup(as, addr);

	if (!v)
		return -ENOENT;
	info_of(v, out);
	return 0;
}

int aspace_for_each_vma(const struct aspace *as, uint64_t lo, uint64_t hi,
			int (*fn)(const struct aspace_vma_info *v, void *arg),
			void *arg)
{
	struct aspace_vma_info info;
	const struct vma *v;
	int r;

	for (v = vma_find(as, lo); v && v->start < hi; v = vma_next(as, v)) {
		info_of(v, &info);
		r = fn(&info, arg);
		if (r)
			return r;
	}
	return 0;
}

#define BAD(...)							\
	do {								\
		fprintf(stderr, "aspace_validate: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		return -EUCLEAN;					\
	} while (0)

int aspace_validate(const struct aspace *as)
{
	uint64_t n = 0, total = 0, data = 0, exec = 0, stack = 0, locked = 0;
	uint64_t acct = 0, prev_end = 0;
	const struct vma *v;
	struct rt_entry e;

	if (rt_check(&as->tree))
		BAD("range tree check failed");
	for (v = rt_find(&as->tree, 0, &e); v; v = rt_next(&as->tree, e.first, &e)) {
		uint64_t p = vma_pages(v);

		if (e.first != v->start || e.last != v->end - 1)
			BAD("tree range %" PRIx64 "-%" PRIx64 " != vma %" PRIx64
			    "-%" PRIx64, e.first, e.last + 1, v->start, v->end);
		if (!PAGE_ALIGNED(v->start) || !PAGE_ALIGNED(v->end) ||
		    v->start >= v->end)
			BAD("malformed vma %" PRIx64 "-%" PRIx64, v->start, v->end);
		if (n && v->start < prev_end)
			BAD("overlap at %" PRIx64, v->start);
		prev_end = v->end;
		n++;
		total += p;
		if (flags_is_exec(v->flags))
			exec += p;
		else if (flags_is_stack(v->flags))
			stack += p;
		else if (flags_is_data(v->flags))
			data += p;
		if (v->flags & VM_LOCKED)
			locked += p;
		if (v->flags & VM_ACCOUNT)
			acct += p;
		if (v->ext && !v->ext->name && !v->ext->policy &&
		    !v->ext->uffd_ctx && !as->cfg.provenance)
			BAD("empty extension at %" PRIx64, v->start);
	}
	if (n != as_map_count(as))
		BAD("map_count %" PRIu64 " != %" PRIu64 " VMAs",
		    as_map_count(as), n);
	if (total != as->total_vm)
		BAD("total_vm %" PRIu64 " != %" PRIu64, as->total_vm, total);
	if (data != as->data_vm)
		BAD("data_vm %" PRIu64 " != %" PRIu64, as->data_vm, data);
	if (exec != as->exec_vm)
		BAD("exec_vm %" PRIu64 " != %" PRIu64, as->exec_vm, exec);
	if (stack != as->stack_vm)
		BAD("stack_vm %" PRIu64 " != %" PRIu64, as->stack_vm, stack);
	if (locked + as->locked_vm_leaked != as->locked_vm)
		BAD("locked_vm %" PRIu64 " != %" PRIu64, as->locked_vm, locked);
	if (acct + as->shm_committed + as->committed_leaked != as->committed)
		BAD("committed %" PRIu64 " != %" PRIu64 " accounted + %" PRIu64
		    " shmem", as->committed, acct, as->shm_committed);
	if (guard_check(as))
		BAD("guard markers (above)");
	return 0;
}
