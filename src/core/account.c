/*
 * account.c - the mm-wide counters and limits of spec/01 §1.2-1.5: the
 * exec/stack/data classification, vm_stat_account, RLIMIT_AS/DATA
 * (may_expand_vm), RLIMIT_MEMLOCK (mlock_future_ok) and commit charging
 * under the three overcommit policies.
 *
 * Invariant: total_vm, data_vm, exec_vm, stack_vm, locked_vm and committed
 * change only through these helpers, so aspace_validate() can recompute
 * them from the VMAs.
 */
#include <errno.h>
#include <sys/mman.h>

#include "vma/vma.h"

/* The classification, inlined here (the exported flags_is_*() are not:
 * -fPIC keeps calls to global functions out of line). */
static inline bool is_exec(uint64_t f)
{
	return (f & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC;
}

static inline bool is_stack(uint64_t f)
{
	return (f & VM_STACK) == VM_STACK || (f & VM_SHADOW_STACK);
}

static inline bool is_data(uint64_t f)
{
	return (f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
}

bool flags_is_exec(uint64_t f)
{
	return is_exec(f);
}

bool flags_is_stack(uint64_t f)
{
	return is_stack(f);
}

bool flags_is_data(uint64_t f)
{
	return is_data(f);
}

/* The class counter of @f (exec, stack, data, in that order of
 * precedence), or NULL. */
static inline uint64_t *stat_class(struct aspace *as, uint64_t f)
{
	if (is_exec(f))
		return &as->exec_vm;
	if (is_stack(f))
		return &as->stack_vm;
	if (is_data(f))
		return &as->data_vm;
	return NULL;
}

/* vma_stat_account(), inlined into this file's callers (-fPIC keeps a
 * call to the global one out of line even here). */
static inline void stat_account(struct aspace *as, uint64_t flags,
				int64_t npages)
{
	uint64_t *cls = stat_class(as, flags);

	as->total_vm += (uint64_t)npages;
	if (cls)
		*cls += (uint64_t)npages;
}

void vma_stat_account(struct aspace *as, uint64_t flags, int64_t npages)
{
	stat_account(as, flags, npages);
}

void vma_stat_move(struct aspace *as, uint64_t oldflags, uint64_t newflags,
		   uint64_t npages)
{
	uint64_t *from = stat_class(as, oldflags), *to = stat_class(as, newflags);

	if (from == to)
		return;
	if (from)
		*from -= npages;
	if (to)
		*to += npages;
}

void vma_account_add(struct aspace *as, uint64_t flags, uint64_t npages)
{
	stat_account(as, flags, (int64_t)npages);
	if (flags & VM_LOCKED)
		as->locked_vm += npages;
	if (flags & VM_ACCOUNT)
		as->committed += npages;
}

void vma_account_remove(struct aspace *as, uint64_t flags, uint64_t npages)
{
	stat_account(as, flags, -(int64_t)npages);
	if (flags & VM_LOCKED)
		as->locked_vm -= npages;
	if (flags & VM_ACCOUNT)
		as->committed -= npages;
}

static uint64_t rlim_pages(uint64_t rlim)
{
	return rlim == ASPACE_RLIM_INFINITY ? UINT64_MAX : rlim >> PAGE_SHIFT;
}

bool may_expand_vm(const struct aspace *as, uint64_t flags, uint64_t npages)
{
	if (as->total_vm + npages > rlim_pages(as->cfg.rlimit_as))
		return false;
	if (is_data(flags) &&
	    as->data_vm + npages > rlim_pages(as->cfg.rlimit_data)) {
		/* The Valgrind exception needs a hard limit above the soft
		 * one; the model's limits are soft == hard. */
		return false;
	}
	return true;
}

bool flags_accountable(uint64_t flags)
{
	if (flags & VM_HUGETLB)
		return false;
	return (flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

/*
 * The overcommit policy (mm/util.c __vm_enough_memory).  Mode 2 compares
 * this address space's committed pages (the model has no global counter)
 * against the commit limit minus the admin reserve (8 MiB, skipped for
 * privileged callers: cap_sys_rawio stands for root) and the user reserve
 * min(total_vm/32, 128 MiB).
 */
int as_charge(struct aspace *as, uint64_t npages)
{
	const struct aspace_config *c = &as->cfg;
	uint64_t allowed, reserve;

	as->committed += npages;
	switch (c->overcommit_memory) {
	case 1:
		return 0;
	case 0:
		if (npages > c->totalram_pages + c->total_swap_pages)
			goto refuse;
		return 0;
	default:
		break;
	}
	if (c->overcommit_kbytes)
		allowed = c->overcommit_kbytes >> (PAGE_SHIFT - 10);
	else
		allowed = c->totalram_pages * (uint64_t)c->overcommit_ratio / 100;
	allowed += c->total_swap_pages;
	if (!c->cap_sys_rawio)
		allowed -= MIN(allowed, (8192ull >> (PAGE_SHIFT - 10)));
	reserve = MIN(as->total_vm / 32, 131072ull >> (PAGE_SHIFT - 10));
	allowed -= MIN(allowed, reserve);
	if (as->committed < allowed)
		return 0;
refuse:
	as->committed -= npages;
	return -ENOMEM;
}

void as_uncharge(struct aspace *as, uint64_t npages)
{
	ASSERT(as->committed >= npages);
	as->committed -= npages;
}

bool mlock_future_ok(const struct aspace *as, uint64_t flags, uint64_t npages)
{
	if (!(flags & VM_LOCKED) || as->cfg.cap_ipc_lock)
		return true;
	return as->locked_vm + npages <= rlim_pages(as->cfg.rlimit_memlock);
}

uint64_t as_sticky_mask(const struct aspace *as)
{
	return as_sticky_bits(as);
}

uint64_t as_ignore_merge_mask(const struct aspace *as)
{
	return VM_SOFTDIRTY | as_sticky_bits(as);
}

uint64_t as_new_anon(struct aspace *as)
{
	return ANON_MAKE(as->next_anon_id++, false);
}

uint64_t prot_to_vm(int prot)
{
	uint64_t f = 0;

	if (prot & PROT_READ)
		f |= VM_READ;
	if (prot & PROT_WRITE)
		f |= VM_WRITE;
	if (prot & PROT_EXEC)
		f |= VM_EXEC;
	return f;
}

int as_execute_only_pkey(struct aspace *as)
{
	int k;

	if (!as->cfg.pku)
		return 0;
	if (as->exec_only_pkey >= 0)
		return as->exec_only_pkey;
	for (k = 1; k < 16; k++) {
		/* observed: the key is not "allocated" for pkey_mprotect() */
		if (!(as->pkey_map & (1u << k))) {
			as->exec_only_pkey = k;
			return k;
		}
	}
	return 0;
}
