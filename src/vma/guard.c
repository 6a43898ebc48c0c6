/*
 * guard.c - the page-level guard markers of MADV_GUARD_INSTALL: which
 * pages fault, how installs coalesce, how mremap carries markers to the
 * new address, which markers a fork child inherits, and the invariant
 * aspace_validate() checks.  The set lives in as->guards (vma.h) and its
 * primitive stores (vma_guard_reserve/_install/_remove, vma_guarded) in
 * core/aspace.c; the unmap commit (vma.c) drops the markers of what it
 * unmaps.
 *
 * Invariant: entries are page aligned, disjoint and never touch (an
 * install merges with its neighbours), and every marked page lies inside
 * a VMA.  An address space that never installed a marker has an empty
 * tree and pays one test per hook.
 */
#include <errno.h>
#include <inttypes.h>

#include "vma/guard.h"

bool guard_first(const struct aspace *as, uint64_t start, uint64_t end,
		 uint64_t *addr /* OUT */)
{
	struct rt_entry e;

	if (!guard_any(as) || start >= end)
		return false;
	if (!rt_find(&as->guards, start, &e) || e.first >= end)
		return false;
	*addr = MAX(e.first, start);
	return true;
}

static int guard_count_one(const struct rt_entry *e, void *arg)
{
	(void)e;
	(*(uint64_t *)arg)++;
	return 0;
}

uint64_t guard_count(const struct aspace *as, uint64_t start, uint64_t end)
{
	uint64_t n = 0;

	if (!guard_any(as) || start >= end)
		return 0;
	rt_iter(&as->guards, start, end - 1, guard_count_one, &n);
	return n;
}

void guard_install(struct aspace *as, uint64_t start, uint64_t end)
{
	struct rt_entry e;

	ASSERT(start < end && PAGE_ALIGNED(start) && PAGE_ALIGNED(end));
	/*
	 *	before:	[ g ]....[ g ]
	 *	install      [......]	touching both
	 *	after:	[ g ..........]	one entry, one store
	 */
	if (start && rt_load(&as->guards, start - 1, &e))
		start = e.first;
	if (rt_load(&as->guards, end, &e))
		end = e.last + 1;
	vma_guard_install(as, start, end);
}

int guard_reserve_move(struct aspace *as, uint64_t start, uint64_t end,
		       unsigned nunmaps)
{
	uint64_t n;

	if (!guard_any(as))
		return 0;
	n = guard_count(as, start, end) + nunmaps;
	if (n > (1u << 30))
		return as_oom(as);
	return vma_guard_reserve(as, (unsigned)n);
}

void guard_move(struct aspace *as, uint64_t from, uint64_t len, uint64_t to)
{
	uint64_t pos = from, end = from + len;
	struct rt_entry e;

	if (!guard_any(as))
		return;
	ASSERT(to + len <= from || to >= end);
	/*
	 * Clip each entry to [pos, end): an install at the destination may
	 * merge with a source entry it touches (a move to the adjacent
	 * range), which must not be copied twice.
	 */
	while (pos < end && rt_find(&as->guards, pos, &e) && e.first < end) {
		uint64_t s = MAX(e.first, pos), t = MIN(e.last + 1, end);

		guard_install(as, to + (s - from), to + (t - from));
		pos = t;
	}
}

/* ---------------------------------------------------------------------- */
/* fork                                                                   */
/* ---------------------------------------------------------------------- */

/* Does copy_page_range() run for @v, carrying its markers to the child? */
static bool guard_forks(const struct aspace *parent, const struct vma *v)
{
	if (v->flags & (VM_DONTCOPY | VM_WIPEONFORK))
		return false;
	/* VM_MAYBE_GUARD is in VM_COPY_ON_FORK; before it, page tables of
	 * a VMA without anon_vma were not copied (refaulted instead). */
	return parent->cfg.maybe_guard || v->anon;
}

/*
 * The inherited ranges in ascending order, adjacent pieces coalesced:
 * counted when @b is NULL, else added to @b.  Return: the count.
 */
static uint64_t guard_fork_walk(const struct aspace *parent, struct rt_bulk *b)
{
	uint64_t n = 0, ps = 0, pe = 0, pos = 0;
	void *mark = rt_find(&parent->guards, 0, NULL);
	struct rt_entry e;

	while (rt_find(&parent->guards, pos, &e)) {
		uint64_t end = e.last + 1;
		const struct vma *v;

		for_each_vma_range(parent, v, e.first, end) {
			uint64_t s = MAX(v->start, e.first), t = MIN(v->end, end);

			if (!guard_forks(parent, v))
				continue;
			if (pe && s == pe) {
				pe = t;
				continue;
			}
			if (pe) {
				if (b)
					rt_bulk_add(b, ps, pe - 1, mark);
				n++;
			}
			ps = s;
			pe = t;
		}
		if (!end)
			break;
		pos = end;
	}
	if (pe) {
		if (b)
			rt_bulk_add(b, ps, pe - 1, mark);
		n++;
	}
	return n;
}

int guard_fork(const struct aspace *parent, struct aspace *child)
{
	struct rt_bulk b;
	uint64_t n;

	if (!guard_any(parent))
		return 0;
	n = guard_fork_walk(parent, NULL);
	if (!n)
		return 0;
	if (rt_bulk_begin(&b, &child->guards, n))
		return -ENOMEM;
	guard_fork_walk(parent, &b);
	rt_bulk_end(&b);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Validation                                                             */
/* ---------------------------------------------------------------------- */

#define GUARD_BAD(...)							\
	do {								\
		fprintf(stderr, "guard_check: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		return -1;						\
	} while (0)

int guard_check(const struct aspace *as)
{
	uint64_t pos = 0, prev_end = 0;
	struct rt_entry e;

	if (!guard_any(as))
		return 0;
	if (rt_check(&as->guards))
		GUARD_BAD("marker tree check failed");
	while (rt_find(&as->guards, pos, &e)) {
		uint64_t p = e.first, end = e.last + 1;

		if (!PAGE_ALIGNED(e.first) || !PAGE_ALIGNED(end) || !end)
			GUARD_BAD("marker %" PRIx64 "-%" PRIx64 " not page aligned",
				  e.first, end);
		if (prev_end && e.first <= prev_end)
			GUARD_BAD("markers touch at %" PRIx64 " (not coalesced)",
				  e.first);
		while (p < end) {
			const struct vma *v = vma_lookup(as, p);

			if (!v)
				GUARD_BAD("marker at %" PRIx64 " outside any VMA",
					  p);
			p = v->end;
		}
		prev_end = end;
		pos = end;
	}
	return 0;
}
