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
	const struct vma_ext *x = v->ext;

	out->start = v->start;
	out->end = v->end;
	out->pgoff = v->pgoff;
	out->flags = v->flags;
	out->file = v->file;
	out->kind = (enum aspace_vma_kind)v->kind;
	out->anon_id = ANON_ID(v->anon);
	out->anon_forked = ANON_FORKED(v->anon);
	if (!x) {                       /* the common case: no extension */
		out->anon_name = NULL;
		out->origin = 0;
		out->last_change = 0;
		return;
	}
	out->anon_name = x->name ? x->name->s : NULL;
	out->origin = x->origin;
	out->last_change = x->last_change;
}

/*
 * aspace_find_vma() - find_vma(): the first VMA ending above @addr.
 * @as:   the address space.
 * @addr: any address.
 * @out:  that VMA's attributes.
 *
 * Assumes: nothing.
 * Return:  0, or -ENOENT when no VMA ends above @addr.
 * Cost:    O(log n): one tree descent (rt_find, as vma_find()).
 */
int aspace_find_vma(const struct aspace *as, uint64_t addr,
		    struct aspace_vma_info *out /* OUT */)
{
	const struct vma *v = rt_find(&as->tree, addr, NULL);

	if (!v)
		return -ENOENT;
	info_of(v, out);
	return 0;
}

/*
 * aspace_vma_at() - the VMA containing @addr (vma_lookup()).
 * @as:   the address space.
 * @addr: any address.
 * @out:  that VMA's attributes.
 *
 * Assumes: nothing.
 * Return:  0, or -ENOENT when no VMA contains @addr.
 * Cost:    O(log n): one tree descent (rt_load, as vma_lookup()), then
 *          the VMA's one or two cache lines.
 */
int aspace_vma_at(const struct aspace *as, uint64_t addr,
		  struct aspace_vma_info *out /* OUT */)
{
	const struct vma *v = rt_load(&as->tree, addr, NULL);

	if (!v)
		return -ENOENT;
	info_of(v, out);
	return 0;
}

/*
 * aspace_for_each_vma() - call @fn for every VMA that find_vma(@lo) and
 * its successors give while they start below @hi, in address order.
 * @fn:  gets each VMA's attributes; must not modify @as (the walk holds a
 *       cursor on the tree).
 *
 * Assumes: nothing.
 * Return:  0, or the first non-zero value @fn returned (the walk stops).
 * Cost:    O(log n + k) for k VMAs.
 */
int aspace_for_each_vma(const struct aspace *as, uint64_t lo, uint64_t hi,
			int (*fn)(const struct aspace_vma_info *v, void *arg),
			void *arg)
{
	struct aspace_vma_info info;
	const struct vma *v;
	struct rt_cursor c;
	int r;

	/* A cursor walk: O(log n + k), not a descent per VMA. */
	rtc_init(&c, &as->tree);
	for (v = rtc_find(&c, lo, NULL); v && v->start < hi;
	     v = rtc_next(&c, NULL)) {
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

/*
 * aspace_validate() - check every invariant: the tree (rt_check), each
 * VMA's range against its entry, order, alignment, the counters against
 * the sums of the VMAs, no empty extension, the guard markers.
 *
 * Assumes: nothing.
 * Return:  0, or -EUCLEAN after printing the first violation to stderr.
 * Cost:    O(n) (a cursor walk) plus rt_check and guard_check.
 */
int aspace_validate(const struct aspace *as)
{
	uint64_t n = 0, total = 0, data = 0, exec = 0, stack = 0, locked = 0;
	uint64_t acct = 0, prev_end = 0;
	const struct vma *v;
	struct rt_cursor c;
	struct rt_entry e;

	if (rt_check(&as->tree))
		BAD("range tree check failed");
	rtc_init(&c, &as->tree);
	for (v = rtc_find(&c, 0, &e); v; v = rtc_next(&c, &e)) {
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
