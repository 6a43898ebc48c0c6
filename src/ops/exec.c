/*
 * exec.c - the initial address space of execve(2) for an ELF program
 * (spec/06 §2, fs/binfmt_elf.c load_elf_binary()): the argument stack
 * relocated to the stack top and grown by 128 KiB, mmap_base, the
 * program's PT_LOAD segments (ET_EXEC at their addresses, PIE at
 * ELF_ET_DYN_BASE, loaders like mmap(NULL)) with their bss, the
 * interpreter, the vDSO block and the brk start, in the kernel's order
 * (top-down placement makes the order visible).
 *
 * The image is built in a scratch address space with the ordinary calls
 * (aspace_mmap/aspace_munmap) and swapped into the caller's only when
 * complete, so a failure leaves the caller's (empty) address space as it
 * was and nothing leaks.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vma/vma.h"

#define EXEC_STACK_TOP      0x7ffffffff000ull   /* STACK_TOP = STACK_TOP_MAX */
#define EXEC_STACK_EXPAND   (128ull << 10)      /* setup_arg_pages() */
#define EXEC_STACK_PAD      (0x3fffffull << PAGE_SHIFT)  /* stack_maxrandom */
#define EXEC_DYN_BASE(ts)   ((ts) / 3 * 2)      /* ELF_ET_DYN_BASE */
#define EXEC_VVAR_PAGES     4
#define EXEC_VCLOCK_PAGES   2
#define EXEC_VDSO_PAGES     2

#define PAGE_OFF(x)         ((x) & (PAGE_SIZE - 1))
#define PAGE_START(x)       ((x) & PAGE_MASK)

/* Loader state for one object (the exe's start/end code and data). */
struct exec_load {
	uint64_t start_code, end_code, start_data, end_data, elf_brk;
};

/* arch_pick_mmap_layout(): mmap_base with the random gap and offset. */
static void exec_mmap_layout(struct aspace *t, const struct aspace_exec_image *img)
{
	const struct aspace_config *c = &t->cfg;
	uint64_t gap = c->rlimit_stack, pad = c->stack_guard_gap;
	uint64_t gmin = 128ull << 20, gmax = c->task_size / 6 * 5;

	t->topdown = !c->legacy_layout;
	t->mmap_legacy_base = (c->mmap_legacy_base ? c->mmap_legacy_base :
			       PAGE_ALIGN(c->task_size / 3)) + img->mmap_rnd;
	if (c->mmap_base) {
		t->mmap_base = c->mmap_base;
		return;
	}
	if (img->randomize)
		pad += EXEC_STACK_PAD;
	if (gap + pad > gap)
		gap += pad;
	gap = MIN(MAX(gap, gmin), gmax);
	t->mmap_base = PAGE_ALIGN(c->task_size - gap - img->mmap_rnd);
}

/*
 * The argument stack: created one page below STACK_TOP_MAX and grown over
 * the strings, moved to the (random) stack top keeping its pgoff, then
 * grown by 128 KiB within RLIMIT_STACK (the growth lowers pgoff).
 */
static int exec_stack(struct aspace *t, const struct aspace_exec_image *img)
{
	uint64_t used = MAX(PAGE_ALIGN(img->stack_used), PAGE_SIZE);
	uint64_t top = PAGE_ALIGN((EXEC_STACK_TOP - img->stack_rnd) & ~0xfull);
	uint64_t rlim = t->cfg.rlimit_stack & PAGE_MASK, base, size, npages;
	uint64_t flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
		VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT;
	struct vma *v;

	if (t->cfg.read_implies_exec || img->exec_stack)
		flags |= VM_EXEC;
	flags |= t->def_flags;
	if (t->cfg.soft_dirty)
		flags |= VM_SOFTDIRTY;
	if (top < t->cfg.mmap_min_addr || used >= top - t->cfg.mmap_min_addr)
		return -ENOMEM;
	size = used;
	base = top - size;
	if (size + EXEC_STACK_EXPAND > rlim)
		base = top - MAX(rlim, size);
	else
		base = top - size - EXEC_STACK_EXPAND;
	npages = (top - base) >> PAGE_SHIFT;
	if (base < t->cfg.mmap_min_addr)
		return -EFAULT;
	if ((flags & VM_LOCKED) && !mlock_future_ok(t, flags, npages))
		return -EFAULT;
	if (as_charge(t, npages))
		return -ENOMEM;
	if (as_reserve(t, 1, as_exts_per_vma(t), 1)) {
		as_uncharge(t, npages);
		return -ENOMEM;
	}
	v = vma_alloc(t);
	v->start = base;
	v->end = top;
	v->pgoff = ((EXEC_STACK_TOP - PAGE_SIZE) >> PAGE_SHIFT) - (npages - 1);
	v->flags = flags;
	v->anon = as_new_anon(t);
	vma_insert(t, v);
	vma_stat_account(t, flags, (int64_t)npages);
	if (flags & VM_LOCKED)
		t->locked_vm += npages;
	t->start_stack = top - img->stack_used;
	return 0;
}

/* vm_brk_flags() for a bss: anonymous rw(x), MAP_FIXED. */
static int exec_bss(struct aspace *t, uint64_t start, uint64_t end, int prot)
{
	uint64_t a;

	if (end <= start)
		return 0;
	return aspace_mmap(t, start, end - start, PROT_READ | PROT_WRITE |
			   (prot & PROT_EXEC), MAP_PRIVATE | MAP_ANONYMOUS |
			   MAP_FIXED, NULL, 0, &a);
}

/*
 * elf_map() + elf_load(): map the file part of @s at @addr (the whole
 * @total first when given, the excess unmapped), then the bss pages.
 * Return: 0 and *@out the mapping address, or the errno.
 */
static int exec_load_seg(struct aspace *t, struct aspace_file *f,
			 uint64_t addr, const struct aspace_exec_segment *s,
			 int flags, uint64_t total, uint64_t *out)
{
	uint64_t map = PAGE_START(addr), zs, ze, size, a;
	int err;

	if (s->filesz) {
		size = PAGE_ALIGN(s->filesz + PAGE_OFF(s->vaddr));
		err = aspace_mmap(t, map, total ? PAGE_ALIGN(total) : size,
				  s->prot, flags, f, s->offset - PAGE_OFF(s->vaddr),
				  &a);
		if (err)
			return err;
		if (total && PAGE_ALIGN(total) > size) {
			err = aspace_munmap(t, a + size, PAGE_ALIGN(total) - size);
			if (err)
				return err;
		}
		map = a;
		zs = a + PAGE_OFF(s->vaddr) + s->filesz;
	} else {
		zs = map;
	}
	ze = map + PAGE_OFF(s->vaddr) + s->memsz;
	if (s->memsz > s->filesz) {
		err = exec_bss(t, PAGE_ALIGN(zs), PAGE_ALIGN(ze), s->prot);
		if (err)
			return err;
	}
	*out = map;
	return 0;
}

static uint64_t exec_total_size(const struct aspace_exec_object *o)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned i;

	for (i = 0; i < o->nseg; i++) {
		lo = MIN(lo, PAGE_START(o->seg[i].vaddr));
		hi = MAX(hi, o->seg[i].vaddr + o->seg[i].memsz);
	}
	return o->nseg ? hi - lo : 0;
}

/* maximum_alignment(): the largest power-of-two p_align, page aligned. */
static uint64_t exec_max_align(const struct aspace_exec_object *o)
{
	uint64_t al = 0;
	unsigned i;

	for (i = 0; i < o->nseg; i++) {
		uint64_t p = o->seg[i].align;

		if (p && !(p & (p - 1)))
			al = MAX(al, p);
	}
	return PAGE_ALIGN(al);
}

/* The program's segments (load_elf_binary()'s PT_LOAD loop). */
static int exec_program(struct aspace *t, const struct aspace_exec_image *img,
			struct exec_load *ld, uint64_t *bias_out)
{
	const struct aspace_exec_object *o = &img->exe;
	uint64_t bias = 0, total = 0, a;
	unsigned i;
	int err;

	ld->start_code = UINT64_MAX;
	for (i = 0; i < o->nseg; i++) {
		const struct aspace_exec_segment *s = &o->seg[i];
		int flags = MAP_PRIVATE;

		if (i) {
			flags |= MAP_FIXED;
		} else if (!o->et_dyn) {
			flags |= ASPACE_MAP_FIXED_NOREPLACE;
		} else {
			uint64_t al = exec_max_align(o);

			total = exec_total_size(o);
			if (!total)
				return -EINVAL;
			if (img->has_interp) {
				bias = EXEC_DYN_BASE(t->cfg.task_size) +
					img->load_rnd;
				if (al)
					bias &= ~(al - 1);
				flags |= ASPACE_MAP_FIXED_NOREPLACE;
			} else if (al > PAGE_SIZE) {
				err = exec_load_seg(t, o->file, 0, s, flags,
						    total, &bias);
				if (err)
					return err;
				err = aspace_munmap(t, bias, total);
				if (err)
					return err;
				bias &= ~(al - 1);
				flags |= ASPACE_MAP_FIXED_NOREPLACE;
			}
			bias = PAGE_START(bias - s->vaddr);
		}
		err = exec_load_seg(t, o->file, bias + s->vaddr, s, flags,
				    total, &a);
		if (err)
			return err;
		if (!i && o->et_dyn)
			bias += a - PAGE_START(bias + s->vaddr);
		total = 0;
		if ((s->prot & PROT_EXEC) && s->vaddr < ld->start_code)
			ld->start_code = s->vaddr;
		ld->start_data = MAX(ld->start_data, s->vaddr);
		if ((s->prot & PROT_EXEC) && s->vaddr + s->filesz > ld->end_code)
			ld->end_code = s->vaddr + s->filesz;
		ld->end_data = MAX(ld->end_data, s->vaddr + s->filesz);
		ld->elf_brk = MAX(ld->elf_brk, s->vaddr + s->memsz);
	}
	if (ld->start_code == UINT64_MAX)
		ld->start_code = 0;
	ld->start_code += bias;
	ld->end_code += bias;
	ld->start_data += bias;
	ld->end_data += bias;
	ld->elf_brk += bias;
	*bias_out = bias;
	return 0;
}

/* load_elf_interp(): placed like mmap(NULL) unless it is ET_EXEC. */
static int exec_interp(struct aspace *t, const struct aspace_exec_object *o,
		       uint64_t no_base)
{
	uint64_t load = 0, total = exec_total_size(o), a;
	bool load_set = false;
	unsigned i;
	int err;

	if (!total)
		return -EINVAL;
	for (i = 0; i < o->nseg; i++) {
		const struct aspace_exec_segment *s = &o->seg[i];
		int flags = MAP_PRIVATE;

		if (!o->et_dyn || load_set)
			flags |= MAP_FIXED;
		else if (no_base)
			load = -s->vaddr;
		err = exec_load_seg(t, o->file, load + s->vaddr, s, flags,
				    total, &a);
		if (err)
			return err;
		total = 0;
		if (!load_set && o->et_dyn) {
			load = a - PAGE_START(s->vaddr);
			load_set = true;
		}
	}
	return 0;
}

/* One special mapping of the vDSO block (_install_special_mapping()). */
static void exec_special(struct aspace *t, uint64_t start, uint64_t npages,
			 uint64_t flags, enum aspace_vma_kind kind)
{
	struct vma *v = vma_alloc(t);

	v->start = start;
	v->end = start + (npages << PAGE_SHIFT);
	v->flags = flags | t->def_flags | VM_DONTEXPAND |
		(t->cfg.soft_dirty ? VM_SOFTDIRTY : 0);
	v->kind = (uint8_t)kind;
	vma_insert(t, v);
	vma_stat_account(t, v->flags, (int64_t)npages);
}

/* map_vdso(): one top-down search for the 8 pages, then three VMAs. */
static int exec_vdso(struct aspace *t)
{
	uint64_t n = EXEC_VVAR_PAGES + EXEC_VCLOCK_PAGES + EXEC_VDSO_PAGES, a;
	uint64_t vvar = VM_READ | VM_MAYREAD | VM_IO | VM_PFNMAP | VM_DONTDUMP;
	int err;

	err = get_unmapped_area(t, NULL, false, 0, n << PAGE_SHIFT, 0, 0, 0,
				&a);
	if (err)
		return err;
	err = as_reserve(t, 3, 3 * as_exts_per_vma(t), 3);
	if (err)
		return err;
	exec_special(t, a, EXEC_VVAR_PAGES, vvar, ASPACE_VMA_VVAR);
	a += EXEC_VVAR_PAGES << PAGE_SHIFT;
	exec_special(t, a, EXEC_VCLOCK_PAGES, vvar, ASPACE_VMA_VVAR_VCLOCK);
	a += EXEC_VCLOCK_PAGES << PAGE_SHIFT;
	exec_special(t, a, EXEC_VDSO_PAGES, VM_READ | VM_EXEC | VM_MAYREAD |
		     VM_MAYWRITE | VM_MAYEXEC, ASPACE_VMA_VDSO);
	return 0;
}

static int exec_build(struct aspace *t, const struct aspace_exec_image *img)
{
	struct exec_load ld = { 0 };
	uint64_t bias, brk;
	bool moved = false;
	int err;

	exec_mmap_layout(t, img);
	err = exec_stack(t, img);
	if (!err)
		err = exec_program(t, img, &ld, &bias);
	if (!err && img->has_interp)
		err = exec_interp(t, &img->interp, bias);
	if (!err)
		err = exec_vdso(t);
	as_unreserve(t);
	if (err)
		return err;
	brk = ld.elf_brk;
	if (img->exe.et_dyn && !img->has_interp) {
		brk = EXEC_DYN_BASE(t->cfg.task_size);
		moved = true;
	}
	brk = PAGE_ALIGN(brk);
	if (img->randomize) {
		if (!moved)
			brk += PAGE_SIZE;
		brk += img->brk_rnd;
	}
	t->start_brk = t->brk = brk;
	t->start_code = ld.start_code;
	t->end_code = ld.end_code;
	t->start_data = ld.start_data;
	t->end_data = ld.end_data;
	return 0;
}

/*
 * aspace_exec() - see include/aspace.h.
 * @as:  an address space without VMAs; its configuration is kept.
 * @img: the program, its interpreter and the random offsets.
 *
 * Assumes: the segments of each object are in file order, as PT_LOADs are.
 * Return:  0, -EINVAL (not empty, an object without segments), or the
 *          errno of the failing step (-ENOMEM for the stack or commit,
 *          -EEXIST for overlapping fixed segments, mmap's errnos); our
 *          allocator's failure is -ENOMEM with aspace_last_oom().
 * On error: @as unchanged.
 * Cost:    O(s log s) for s segments.   Mirrors: fs/binfmt_elf.c
 *          load_elf_binary(), fs/exec.c setup_arg_pages(), Linux 6.18.
 */
int aspace_exec(struct aspace *as, const struct aspace_exec_image *img)
{
	struct aspace *t, swap;
	int err;

	as_begin(as);
	if (as_map_count(as) || !img->exe.nseg ||
	    (img->has_interp && !img->interp.nseg))
		return as_finish(as, -EINVAL);
	t = aspace_new(&as->cfg);
	if (!t)
		return as_finish(as, as_oom(as));
	t->def_flags = as->def_flags & VM_NOHUGEPAGE;
	t->call_id = as->call_id;
	err = exec_build(t, img);
	if (err) {
		if (t->last_oom)
			as_oom(as);
		aspace_free(t);
		return as_finish(as, err);
	}
	swap = *as;
	*as = *t;
	*t = swap;
	as->last_oom = false;
	aspace_free(t);
	return 0;
}
