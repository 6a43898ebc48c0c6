/*
 * mmap.c - mmap(2): the syscall wrapper's checks, do_mmap()'s flag
 * computation and validation, then mmap_region(): gather what MAP_FIXED
 * replaces, limits, commit charge, the file hook, merge or create, account.
 * The gathering starts from the address search's own lookup when it made
 * one (struct area_found), and the replaced VMAs' tree entries go with the
 * one store of the new VMA (vma_unmap_commit_over), not a separate erase.
 *
 * Owns the order of spec/03 §1 (= spec/07 mmap table).  Allocation happens
 * in one place (mmap_reserve) before the first visible change; kernel
 * refusals after gathering keep the gathering's splits, as Linux does.
 */
#include <errno.h>
#include <sys/mman.h>

#include "ops/fastpath.h"
#include "vma/vma.h"

#ifndef MAP_32BIT
#define MAP_32BIT 0x40
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MAP_STACK
#define MAP_STACK 0x20000
#endif
#define MAP_TYPE_MASK   0x0f
#define MAP_HUGE_SHIFT_ 26
#define MAP_HUGE_MASK_  0x3f

/* mm/mmap.c LEGACY_MAP_MASK: the flags plain MAP_SHARED silently keeps. */
#define LEGACY_MAP_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED |		\
	MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE | 0x4000000 /* UNINIT */ | \
	MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE |	\
	MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_32BIT |		\
	ASPACE_MAP_ABOVE4G | (int)((unsigned)MAP_HUGE_MASK_ << MAP_HUGE_SHIFT_))

#define MAX_LFS_FILESIZE 0x7fffffffffffffffull

/* The state of one mmap call, threaded through the steps. */
struct mmap_op {
	struct aspace *as;
	uint64_t addr, len;             /* len: bytes, page aligned after check */
	int prot, flags;
	struct aspace_file *file;       /* the caller's (borrowed) or NULL */
	uint64_t pgoff;
	uint64_t vm_flags;
	struct aspace_file *hidden;     /* our own shmem object (shared anon) */
	struct aspace_file *own;        /* our own hugetlb object (MAP_HUGETLB) */
	bool anon_hugetlb;
};

static bool file_is_hugetlb(const struct aspace_file *f)
{
	return f && f->desc.kind == ASPACE_FILE_HUGETLB;
}

/* file_mmap_ok(): offset + length within the file type's maximum. */
static bool mmap_file_size_ok(const struct aspace_file *f, uint64_t pgoff,
			      uint64_t len)
{
	uint64_t max = MAX_LFS_FILESIZE;

	if (f->desc.kind == ASPACE_FILE_DEVZERO ||
	    f->desc.kind == ASPACE_FILE_NOMMAP)
		max = UINT64_MAX;       /* character devices */
	if (len > max)
		return false;
	return pgoff <= (max - len) >> PAGE_SHIFT;
}

/* do_mmap()'s file branch: rows 23-34. */
static int mmap_check_file(struct mmap_op *op)
{
	const struct aspace_file_desc *d = &op->file->desc;
	unsigned fl = d->flags;
	int type = op->flags & MAP_TYPE_MASK;
	/* ext4-like files declare FOP_MMAP_SYNC (DAX capable): MAP_SYNC
	 * passes here and is refused by the mmap hook when not DAX. */
	int mask = LEGACY_MAP_MASK |
		(d->kind == ASPACE_FILE_REGULAR ? ASPACE_MAP_SYNC : 0);

	if (!mmap_file_size_ok(op->file, op->pgoff, op->len))
		return -EOVERFLOW;
	switch (type) {
	case MAP_SHARED:
		op->flags &= LEGACY_MAP_MASK;
		/* fall through */
	case ASPACE_MAP_SHARED_VALIDATE:
		if (op->flags & ~mask)
			return -EOPNOTSUPP;
		if (op->prot & PROT_WRITE) {
			if (!(fl & ASPACE_O_WRITE))
				return -EACCES;
			if (fl & ASPACE_F_SWAPFILE)
				return -ETXTBSY;
		}
		if ((fl & ASPACE_F_APPEND) && (fl & ASPACE_O_WRITE))
			return -EACCES;
		op->vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (!(fl & ASPACE_O_WRITE))
			op->vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		/* fall through */
	case MAP_PRIVATE:
		if (!(fl & ASPACE_O_READ))
			return -EACCES;
		if (fl & ASPACE_F_NOEXEC) {
			if (op->vm_flags & VM_EXEC)
				return -EPERM;
			op->vm_flags &= ~VM_MAYEXEC;
		}
		if (d->kind == ASPACE_FILE_NOMMAP)
			return -ENODEV;
		if (op->vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* memfd write seals (mm/memfd.c check_write_seal) */
	if ((fl & ASPACE_F_SEAL_WRITE) && (op->vm_flags & VM_SHARED)) {
		if (op->vm_flags & VM_WRITE)
			return -EPERM;
		op->vm_flags &= ~VM_MAYWRITE;
	}
	return 0;
}

/* do_mmap()'s anonymous branch: rows 35-38. */
static int mmap_check_anon(struct mmap_op *op)
{
	switch (op->flags & MAP_TYPE_MASK) {
	case MAP_SHARED:
		if (op->vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		op->pgoff = 0;
		op->vm_flags |= VM_SHARED | VM_MAYSHARE;
		return 0;
	case ASPACE_MAP_DROPPABLE:
		if ((op->flags & MAP_LOCKED) || (op->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
		op->vm_flags |= VM_DROPPABLE | VM_NORESERVE | VM_WIPEONFORK |
			VM_DONTDUMP;
		/* fall through */
	case MAP_PRIVATE:
		op->pgoff = op->addr >> PAGE_SHIFT;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * The file's mmap_prepare/mmap hook (row 45), run after the old pages are
 * gone: ext4 refuses VM_SYNC, hugetlbfs wants aligned offsets and huge
 * pages for a reservation, a shared anonymous object is charged.
 */
static int mmap_hook(struct mmap_op *op, const struct aspace_file *f)
{
	if (op->hidden) {       /* shmem_zero_setup() */
		if (!(op->vm_flags & VM_NORESERVE))
			return as_charge(op->as, op->len >> PAGE_SHIFT);
		return 0;
	}
	if (!f)
		return 0;
	if (f->desc.kind == ASPACE_FILE_REGULAR && (op->vm_flags & VM_SYNC))
		return -EOPNOTSUPP;
	if (file_is_hugetlb(f)) {
		uint64_t hs = file_huge_size(f);

		if (op->pgoff & ((hs >> PAGE_SHIFT) - 1))
			return -EINVAL;
		/* config.hugetlb_pages counts 2 MiB pages; no 1 GiB pool */
		if (!(op->vm_flags & VM_NORESERVE) &&
		    (hs != HPAGE_PMD_SIZE ||
		     op->len / hs > op->as->cfg.hugetlb_pages))
			return -ENOMEM;
	}
	return 0;
}

/* Populate after mapping (mm_populate): only its VMA effects matter. */
static void mmap_populate(struct mmap_op *op, uint64_t a, uint64_t vm_flags)
{
	if ((vm_flags & VM_LOCKED) ||
	    (op->flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE)
		vma_populate(op->as, a, a + op->len);
}

/*
 * mmap_region() (mm/vma.c __mmap_region): everything after the address is
 * known.  Return: 0 or the errno; *out the address.
 */
static int mmap_region(struct mmap_op *op, uint64_t a,
		       struct area_found *af)
{
	struct aspace *as = op->as;
	struct vma_unmap u = { .start = a, .end = a + op->len,
			       .check_limit = true };
	uint64_t pglen = op->len >> PAGE_SHIFT, charged = 0;
	struct aspace_file *f = op->file;
	struct vma *v = NULL;
	bool accountable;
	int err;

	if (as->mdwe_refuse_exec_gain && (op->vm_flags & VM_EXEC) &&
	    (op->vm_flags & VM_WRITE))
		return -EACCES;
	if ((op->vm_flags & VM_SHARED) &&
	    (!f || f->desc.kind == ASPACE_FILE_DEVZERO)) {
		op->hidden = file_new_shmem(as, op->len);
		if (!op->hidden)
			return as_oom(as);
	}
	/* Reserve: two gathering splits, the new VMA, their extensions. */
	err = as_reserve_fast(as, 3, 3, 6);
	if (err)
		return err;

	if (af->ok && af->lo < a && a < af->hi &&
	    (!af->next || af->next->start >= u.end) &&
	    likely(!mmap_slow_only)) {
		/*
		 * The search found [a, a + len) empty, and vma_find() of a - 1
		 * is the VMA after it too, so no VMA ends at a: there is
		 * nothing to gather and no left neighbour that could merge
		 * (a non-adjacent prev and none decide every merge alike).
		 */
		u.next = af->next;
	} else {
		if (af->ok && af->lo <= a && a < af->hi) {
			/* the address search already found vma_find(a) */
			u.have_found = true;
			u.found = af->next;
			u.cur = &af->cur;
		}
		err = vma_unmap_gather(as, &u);
		if (err)
			return err;
	}
	if (!may_expand_vm(as, op->vm_flags, pglen - u.npages))
		return -ENOMEM;
	accountable = !file_is_hugetlb(f) && flags_accountable(op->vm_flags);
	if (accountable) {
		charged = pglen - u.naccount;
		if (charged && as_charge(as, charged))
			return -ENOMEM;
		op->vm_flags |= VM_ACCOUNT;
	}

	/* The old mappings go away now, whatever happens next.  Their tree
	 * entries stay until the new VMA (or the merged neighbour) is stored
	 * over [a, a + len): nothing below looks the tree up before that. */
	vma_unmap_commit_over(as, &u);
	if (accountable)
		as->committed += u.naccount;    /* transferred, not freed */

	err = mmap_hook(op, f);
	if (err) {
		if (u.count)
			vma_tree_erase(as, a, a + op->len);
		if (accountable) {
			/* Linux gives back the new charge only: the pages
			 * taken over from the removed VMAs stay charged */
			as_uncharge(as, charged);
			as->committed_leaked += u.naccount;
		}
		return err;     /* the range is left unmapped, as Linux */
	}
	if (file_is_hugetlb(f))
		op->vm_flags |= VM_HUGETLB | VM_DONTEXPAND;

	if (u.prev || u.next) {
		struct vma_attrs at = {
			.flags = op->vm_flags, .file = f, .pgoff = op->pgoff,
		};

		v = vma_merge_new_range(as, u.prev, u.next, a, a + op->len,
					&at, false);
	}
	if (!v) {
		v = vma_alloc(as);
		v->start = a;
		v->end = a + op->len;
		v->pgoff = op->pgoff;
		v->flags = op->vm_flags;
		if (op->hidden) {
			v->file = op->hidden;
			op->hidden = NULL;
			if (!(op->vm_flags & VM_NORESERVE)) {
				v->file->shm_charged = pglen;
				v->file->shm_owner = as;
				as->shm_committed += pglen;
			}
		} else if (f) {
			v->file = aspace_file_get(f);
		}
		if (file_is_hugetlb(f))
			v->kind = ASPACE_VMA_HUGETLB;
		else if (f && f->desc.kind == ASPACE_FILE_SYSV_SHM)
			v->kind = ASPACE_VMA_SYSV_SHM;
		vma_insert_before(as, v, u.next);   /* gathered: empty */
	}

	/* __mmap_complete() */
	vma_stat_account(as, v->flags, (int64_t)pglen);
	if (v->flags & VM_LOCKED) {
		/* vma_supports_mlock(): not special, droppable, hugetlb */
		if (v->flags & (VM_SPECIAL | VM_DROPPABLE | VM_HUGETLB))
			v->flags &= ~VM_LOCKED_MASK;
		else
			as->locked_vm += pglen;
	}
	if (as->cfg.soft_dirty)
		v->flags |= VM_SOFTDIRTY;
	mmap_populate(op, a, op->vm_flags);
	return 0;
}

/* The syscall wrapper and do_mmap(), rows 1-22 and the type switch. */
static int mmap_do(struct mmap_op *op, uint64_t *out)
{
	struct aspace *as = op->as;
	uint64_t a, hsize = HPAGE_PMD_SIZE;
	struct area_found af;   /* the search's lookup, for the gathering */
	int pkey = 0, err;

	if (op->pgoff & (PAGE_SIZE - 1))
		return -EINVAL;
	op->pgoff >>= PAGE_SHIFT;
	if (!(op->flags & MAP_ANONYMOUS)) {
		if (!op->file)
			return -EBADF;
		if (file_is_hugetlb(op->file)) {
			hsize = file_huge_size(op->file);
			op->len = (op->len + hsize - 1) & ~(hsize - 1);
		}
		else if (op->flags & MAP_HUGETLB)
			return -EINVAL;
	} else {
		op->file = NULL;
		if (op->flags & MAP_HUGETLB) {
			int lg = (op->flags >> MAP_HUGE_SHIFT_) & MAP_HUGE_MASK_;

			if (lg != 0 && lg != 21 && lg != 30)
				return -EINVAL;
			if (lg == 30)
				hsize = 1ull << 30;
			op->len = (op->len + hsize - 1) & ~(hsize - 1);
			op->anon_hugetlb = true;
		}
	}
	if (!op->len)
		return -EINVAL;
	if ((op->prot & PROT_READ) && as->cfg.read_implies_exec &&
	    !(op->file && (op->file->desc.flags & ASPACE_F_NOEXEC)))
		op->prot |= PROT_EXEC;
	if (op->flags & ASPACE_MAP_FIXED_NOREPLACE)
		op->flags |= MAP_FIXED;
	if (!(op->flags & MAP_FIXED)) {
		op->addr &= PAGE_MASK;
		if (op->addr && op->addr < as->cfg.mmap_min_addr)
			op->addr = PAGE_ALIGN(as->cfg.mmap_min_addr);
	}
	op->len = PAGE_ALIGN(op->len);
	if (!op->len)
		return -ENOMEM;
	if (op->pgoff + (op->len >> PAGE_SHIFT) < op->pgoff)
		return -EOVERFLOW;
	if (as_map_count(as) > (uint64_t)as->cfg.max_map_count)
		return -ENOMEM;

	if (op->anon_hugetlb) {
		/*
		 * hugetlb_file_setup(): a hidden object on the internal
		 * hugetlbfs mount of that page size (devices 00:11 and 00:12
		 * on the reference machine, in boot order).
		 */
		struct aspace_file_desc d = {
			.path = "/anon_hugepage (deleted)", .size = op->len,
			.dev_minor = hsize == HPAGE_PMD_SIZE ? 0x11 : 0x12,
			.inode = as->next_shmem_ino++,
			.flags = ASPACE_O_READ | ASPACE_O_WRITE,
			.kind = ASPACE_FILE_HUGETLB,
		};

		op->own = aspace_file_open(&d);
		if (!op->own)
			return as_oom(as);
		op->own->huge_shift = hsize == HPAGE_PMD_SIZE ? 21 : 30;
		op->file = op->own;
	}

	err = get_unmapped_area_found(as, op->file, !op->file &&
				      (op->flags & MAP_SHARED), op->addr,
				      op->len, op->pgoff, op->flags, 0, &a,
				      &af);
	if (err)
		return err;
	op->addr = a;           /* anonymous pgoff derives from it */
	if ((op->flags & ASPACE_MAP_FIXED_NOREPLACE)) {
		struct vma *v = vma_find(as, a);

		if (v && v->start < a + op->len)
			return -EEXIST;
	}
	if (op->prot == PROT_EXEC)
		pkey = as_execute_only_pkey(as);
	op->vm_flags = prot_to_vm(op->prot) | pkey_to_vm(pkey) |
		as->def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (op->flags & MAP_GROWSDOWN)
		op->vm_flags |= VM_GROWSDOWN;
	if (op->flags & MAP_LOCKED)
		op->vm_flags |= VM_LOCKED;
	if (op->flags & ASPACE_MAP_SYNC)
		op->vm_flags |= VM_SYNC;
	if (op->flags & MAP_STACK)
		op->vm_flags |= VM_NOHUGEPAGE;
	if ((op->flags & MAP_LOCKED) && !as->cfg.rlimit_memlock &&
	    !as->cfg.cap_ipc_lock)
		return -EPERM;
	if (!mlock_future_ok(as, op->vm_flags, op->len >> PAGE_SHIFT))
		return -EAGAIN;
	if (op->file)
		err = mmap_check_file(op);
	else
		err = mmap_check_anon(op);
	if (err)
		return err;
	if (op->flags & MAP_NORESERVE) {
		if (as->cfg.overcommit_memory != 2)
			op->vm_flags |= VM_NORESERVE;
		if (file_is_hugetlb(op->file))
			op->vm_flags |= VM_NORESERVE;
	}
	err = mmap_region(op, a, &af);
	if (err)
		return err;
	*out = a;
	return 0;
}

/*
 * aspace_mmap() - mmap(2); see include/aspace.h.
 * Return:  0 and *@out, or the kernel's errno in its order (spec/07).
 * On error: splits made while gathering MAP_FIXED victims stay; a refusal
 *           of the file hook leaves the range unmapped (as Linux); -ENOMEM
 *           from our allocator changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/mmap.c do_mmap(), mm/vma.c
 *          __mmap_region().
 */
int aspace_mmap(struct aspace *as, uint64_t addr, uint64_t len, int prot,
		int flags, struct aspace_file *file, uint64_t off,
		uint64_t *out /* OUT */)
{
	struct mmap_op op = {
		.as = as, .addr = addr, .len = len, .prot = prot,
		.flags = flags, .file = file, .pgoff = off,
	};
	int pkey = as->exec_only_pkey;
	uint64_t ino = as->next_shmem_ino;
	int err;

	as_begin(as);
	err = mmap_do(&op, out);
	if (unlikely(op.hidden || op.own)) {
		/* VMAs hold their own references */
		aspace_file_put(op.hidden);
		aspace_file_put(op.own);
	}
	if (err && as->oom_now) {
		/* our allocator failed: not even the execute-only key or a
		 * model inode number may have been used up */
		as->exec_only_pkey = pkey;
		as->next_shmem_ino = ino;
	}
	as_unreserve_fast(as);
	return as_finish(as, err);
}
