/*
 * aspace.c - the address-space object: configuration defaults, creation and
 * destruction, the VMA pool and the reservation that makes commits
 * infallible, files, and the read-only queries (counters, stats, config).
 *
 * Invariant kept here: every struct vma and struct vma_ext handed out comes
 * from memory reserved by as_reserve(), so no code after a reservation
 * allocates; pool chunks live until aspace_free().
 */
#include <errno.h>
#include <string.h>

#include "vma/vma.h"

/*
 * A chunk of pooled VMAs: one as_alloc() for many VMAs, no per-VMA header.
 * The array starts on a 64-byte boundary so that each 64-byte VMA is one
 * cache line (the allocator hook only promises malloc's 16: a VMA at
 * 16 mod 64 spans two lines and costs two misses).  The allocation has
 * CHUNK_SLACK bytes beyond the array; the chunk's bookkeeping (struct
 * vma_chunk) lives in whichever side of the slack has room.  An allocator
 * giving less than 16-byte alignment gets an unaligned array.
 */
#define VMA_CHUNK_N  63
#define CHUNK_SLACK  48
#define CHUNK_BYTES  (VMA_CHUNK_N * sizeof(struct vma) + CHUNK_SLACK)
struct vma_chunk {
	struct vma_chunk *next;
	void *mem;                      /* what as_alloc() returned */
};

/* Lay out a fresh chunk allocation @mem: the VMA array in *@v. */
static struct vma_chunk *chunk_place(void *mem, struct vma **v /* OUT */)
{
	uintptr_t m = (uintptr_t)mem, a = (m + 63) & ~(uintptr_t)63;
	struct vma_chunk *c;

	_Static_assert(sizeof(struct vma) == 64 && CHUNK_SLACK >= 2 *
		       sizeof(struct vma_chunk), "chunk layout");
	if (a - m <= CHUNK_SLACK - sizeof(*c)) {
		/* the bookkeeping after the array */
		c = (struct vma_chunk *)(a + VMA_CHUNK_N * sizeof(struct vma));
	} else if (a - m <= CHUNK_SLACK) {
		c = (struct vma_chunk *)(a - sizeof(*c));   /* before it */
	} else {
		c = mem;                /* under 16-byte alignment: unaligned */
		a = m + sizeof(*c);
	}
	c->mem = mem;
	*v = (struct vma *)a;
	return c;
}

void aspace_config_init(struct aspace_config *cfg /* OUT */)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->page_size = 4096;
	cfg->task_size = 0x7ffffffff000ull;
	cfg->max_map_count = 65530;
	cfg->overcommit_memory = 0;
	cfg->overcommit_ratio = 50;
	cfg->totalram_pages = (24ull << 30) >> PAGE_SHIFT;
	cfg->thp = ASPACE_THP_MADVISE;
	cfg->rlimit_memlock = 8ull << 20;
	cfg->rlimit_as = ASPACE_RLIM_INFINITY;
	cfg->rlimit_data = ASPACE_RLIM_INFINITY;
	cfg->rlimit_stack = 8ull << 20;
	cfg->mmap_min_addr = 65536;
	cfg->dac_mmap_min_addr = 4096;
	cfg->stack_guard_gap = 1ull << 20;
	cfg->maybe_guard = true;
	cfg->pku = true;
}

/*
 * as_default_mmap_base() - 03 §4.7 without randomisation:
 * gap = RLIMIT_STACK + guard gap (unless that overflows), clamped to
 * [128 MiB, TASK_SIZE/6*5]; base = PAGE_ALIGN(TASK_SIZE - gap).
 */
uint64_t as_default_mmap_base(const struct aspace_config *cfg)
{
	uint64_t gap = cfg->rlimit_stack;
	uint64_t pad = cfg->stack_guard_gap;
	uint64_t gmin = 128ull << 20, gmax = (cfg->task_size / 6) * 5;

	if (gap + pad > gap)
		gap += pad;
	if (gap < gmin)
		gap = gmin;
	if (gap > gmax)
		gap = gmax;
	return PAGE_ALIGN(cfg->task_size - gap);
}

struct aspace *aspace_new(const struct aspace_config *cfg)
{
	struct aspace_config def;
	struct aspace *as;

	if (!cfg) {
		aspace_config_init(&def);
		cfg = &def;
	}
	if (cfg->page_size != 4096 || !PAGE_ALIGNED(cfg->task_size) ||
	    !cfg->task_size)
		return NULL;
	as = as_zalloc(sizeof(*as));
	if (!as)
		return NULL;
	as->cfg = *cfg;
	rt_init(&as->tree);
	rt_init(&as->guards);
	/* Pool the tree nodes of the largest common reservation (a one-VMA
	 * mremap with MREMAP_FIXED: seven stores; mmap's six): without it
	 * every call allocates and frees spare nodes (docs/performance.md). */
	rt_set_keep(&as->tree, 7);
	as->mmap_base = cfg->mmap_base ? cfg->mmap_base :
		as_default_mmap_base(cfg);
	as->mmap_legacy_base = cfg->mmap_legacy_base ? cfg->mmap_legacy_base :
		PAGE_ALIGN(cfg->task_size / 3);
	as->topdown = !cfg->legacy_layout;
	as->next_anon_id = 1;
	as->next_shmem_ino = 1;
	as->exec_only_pkey = -1;
	as->pkey_map = 1;               /* pkey 0 is always allocated */
	aspace_set_image(as, cfg);
	return as;
}

void aspace_set_image(struct aspace *as, const struct aspace_config *cfg)
{
	as->start_brk = cfg->start_brk;
	as->brk = cfg->brk;
	as->start_stack = cfg->start_stack;
	as->start_code = cfg->start_code;
	as->end_code = cfg->end_code;
	as->start_data = cfg->start_data;
	as->end_data = cfg->end_data;
}

static int free_one(const struct rt_entry *e, void *arg)
{
	struct aspace *as = arg;
	struct vma *v = e->value;

	if (v->file && v->file->shm_owner == as)
		v->file->shm_owner = NULL;
	vma_free(as, v);
	return 0;
}

void aspace_free(struct aspace *as)
{
	struct vma_chunk *c, *cn;
	struct vma_ext *x, *xn;

	if (!as)
		return;
	rt_iter(&as->tree, 0, UINT64_MAX, free_one, as);
	rt_destroy(&as->tree);
	rt_destroy(&as->guards);
	for (x = as->free_exts; x; x = xn) {
		xn = (struct vma_ext *)x->name;
		as_free(x, sizeof(*x));
	}
	for (c = as->chunks; c; c = cn) {
		cn = c->next;
		as_free(c->mem, CHUNK_BYTES);
	}
	as_free(as, sizeof(*as));
}

const struct aspace_config *aspace_get_config(const struct aspace *as)
{
	return &as->cfg;
}

bool aspace_last_oom(const struct aspace *as)
{
	return as->last_oom;
}

/*
 * aspace_set_call_id() - the id provenance records for VMAs created, split
 * or merged from now on.  Cannot fail.  O(1).
 */
void aspace_set_call_id(struct aspace *as, uint64_t id)
{
	as->call_id = id;
}

void aspace_counters(const struct aspace *as,
		     struct aspace_counters *out /* OUT */)
{
	memset(out, 0, sizeof(*out));
	out->map_count = as_map_count(as);
	out->total_vm = as->total_vm;
	/* VmPeak: the kernel prints max(hiwater_vm, total_vm). */
	out->hiwater_vm = MAX(as->hiwater_vm, as->total_vm);
	out->locked_vm = as->locked_vm;
	out->pinned_vm = as->pinned_vm;
	out->data_vm = as->data_vm;
	out->exec_vm = as->exec_vm;
	out->stack_vm = as->stack_vm;
	out->committed = as->committed;
	out->def_flags = as->def_flags;
	out->start_brk = as->start_brk;
	out->brk = as->brk;
	out->start_stack = as->start_stack;
	out->mmap_base = as->mmap_base;
}

void aspace_stats(const struct aspace *as, struct aspace_stats *out /* OUT */)
{
	*out = as->stats;
}

/* ---------------------------------------------------------------------- */
/* Pool and reservation                                                   */
/* ---------------------------------------------------------------------- */

int as_oom(struct aspace *as)
{
	as->oom_now = true;
	as->last_oom = true;
	return -ENOMEM;
}

int as_reserve(struct aspace *as, unsigned nvmas, unsigned nexts,
	       unsigned nstores)
{
	while (as->nfree_vmas < nvmas) {
		void *mem = as_alloc(CHUNK_BYTES);
		struct vma_chunk *c;
		struct vma *arr;
		int i;

		if (!mem)
			return as_oom(as);
		c = chunk_place(mem, &arr);
		c->next = as->chunks;
		as->chunks = c;
		for (i = VMA_CHUNK_N - 1; i >= 0; i--) {
			arr[i].ext = (struct vma_ext *)as->free_vmas;
			as->free_vmas = &arr[i];
		}
		as->nfree_vmas += VMA_CHUNK_N;
	}
	while (as->nfree_exts < nexts) {
		struct vma_ext *x = as_alloc(sizeof(*x));

		if (!x)
			return as_oom(as);
		x->name = (struct vma_name *)as->free_exts;
		as->free_exts = x;
		as->nfree_exts++;
	}
	if (nstores && rt_reserve(&as->tree, nstores))
		return as_oom(as);
	/* an unmap in the commit drops guard markers: one store */
	if (nstores && rt_count(&as->guards) && rt_reserve(&as->guards, 1))
		return as_oom(as);
	return 0;
}

void as_unreserve(struct aspace *as)
{
	/* with nothing reserved and no spare node, rt_unreserve() of the
	 * guard tree changes nothing (the common case: no guards) */
	as_unreserve_fast(as);
}

/* ---------------------------------------------------------------------- */
/* Guard regions                                                          */
/* ---------------------------------------------------------------------- */

/* The value guard entries map to (any non-NULL pointer). */
static char guard_mark;

int vma_guard_reserve(struct aspace *as, unsigned nstores)
{
	if (nstores && rt_reserve(&as->guards, nstores))
		return as_oom(as);
	return 0;
}

void vma_guard_install(struct aspace *as, uint64_t start, uint64_t end)
{
	int err;

	ASSERT(start < end && PAGE_ALIGNED(start) && PAGE_ALIGNED(end));
	err = rt_store(&as->guards, start, end - 1, &guard_mark);
	ASSERT(err == 0);
}

void vma_guard_remove(struct aspace *as, uint64_t start, uint64_t end)
{
	int err;

	if (!rt_count(&as->guards) || start >= end)
		return;
	err = rt_store(&as->guards, start, end - 1, NULL);
	ASSERT(err == 0);
}

bool vma_guarded(const struct aspace *as, uint64_t addr)
{
	return rt_count(&as->guards) && rt_load(&as->guards, addr, NULL);
}

struct vma *vma_alloc(struct aspace *as)
{
	struct vma *v = as->free_vmas;

	ASSERT(v);
	as->free_vmas = (struct vma *)v->ext;
	as->nfree_vmas--;
	memset(v, 0, sizeof(*v));
	as->stats.vmas_created++;
	if (as->cfg.provenance) {
		struct vma_ext *x = as->free_exts;

		ASSERT(x);
		as->free_exts = (struct vma_ext *)x->name;
		as->nfree_exts--;
		memset(x, 0, sizeof(*x));
		x->origin = x->last_change = as->call_id;
		v->ext = x;
	}
	return v;
}

static struct vma_ext *ext_alloc(struct aspace *as)
{
	struct vma_ext *x = as->free_exts;

	ASSERT(x);
	as->free_exts = (struct vma_ext *)x->name;
	as->nfree_exts--;
	memset(x, 0, sizeof(*x));
	return x;
}

static void ext_free(struct aspace *as, struct vma_ext *x)
{
	vma_name_put(x->name);
	x->name = (struct vma_name *)as->free_exts;
	as->free_exts = x;
	as->nfree_exts++;
}

void vma_free(struct aspace *as, struct vma *v)
{
	if (v->file)
		aspace_file_put(v->file);
	if (v->ext)
		ext_free(as, v->ext);
	v->file = NULL;
	v->ext = (struct vma_ext *)as->free_vmas;
	as->free_vmas = v;
	as->nfree_vmas++;
	as->stats.vmas_freed++;
}

struct vma *vma_dup(struct aspace *as, const struct vma *src)
{
	struct vma *v;
	struct vma_ext *keep;

	if (!src->ext && !as->cfg.provenance) {
		/* the common case: one copy, no zeroing first (vma_alloc's
		 * memset is overwritten whole) */
		v = as->free_vmas;
		ASSERT(v);
		as->free_vmas = (struct vma *)v->ext;
		as->nfree_vmas--;
		as->stats.vmas_created++;
		*v = *src;
		if (v->file)
			aspace_file_get(v->file);
		return v;
	}
	v = vma_alloc(as);
	keep = v->ext;

	*v = *src;
	v->ext = NULL;
	if (v->file)
		aspace_file_get(v->file);
	if (src->ext) {
		v->ext = keep ? keep : ext_alloc(as);
		*v->ext = *src->ext;
		vma_name_get(v->ext->name);
	} else if (keep) {
		ext_free(as, keep);
	}
	return v;
}

static bool ext_empty(const struct vma_ext *x)
{
	return !x->name && !x->policy && !x->uffd_ctx && !x->origin &&
		!x->last_change;
}

void vma_set_xattr(struct aspace *as, struct vma *v, const struct vma_xattr *x)
{
	struct vma_name *old;

	if (!v->ext) {
		if (!x->name && !x->policy && !x->uffd_ctx)
			return;
		v->ext = ext_alloc(as);
	}
	old = v->ext->name;
	v->ext->name = vma_name_get(x->name);
	vma_name_put(old);
	v->ext->policy = x->policy;
	v->ext->uffd_ctx = x->uffd_ctx;
	if (ext_empty(v->ext)) {
		ext_free(as, v->ext);
		v->ext = NULL;
	}
}

void vma_touch_prov(struct aspace *as, struct vma *v)
{
	if (as->cfg.provenance && v->ext)
		v->ext->last_change = as->call_id;
}

struct vma_xattr vma_xattr_of(const struct vma *v)
{
	return vma_xattr_get(v);
}

/* ---------------------------------------------------------------------- */
/* Names                                                                  */
/* ---------------------------------------------------------------------- */

struct vma_name *vma_name_new(const char *s)
{
	size_t len = strlen(s);
	struct vma_name *n = as_alloc(sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	n->refs = 1;
	n->len = len;
	memcpy(n->s, s, len + 1);
	return n;
}

struct vma_name *vma_name_get(const struct vma_name *n)
{
	struct vma_name *m = (struct vma_name *)n;

	if (m)
		m->refs++;
	return m;
}

void vma_name_put(struct vma_name *n)
{
	if (n && --n->refs == 0)
		as_free(n, sizeof(*n) + n->len + 1);
}

bool vma_name_eq(const struct vma_name *a, const struct vma_name *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

static struct aspace_file *file_alloc(const struct aspace_file_desc *d,
				      const char *path)
{
	struct aspace_file *f = as_zalloc(sizeof(*f));
	char *p;

	if (!f)
		return NULL;
	p = as_strdup(path ? path : "");
	if (!p) {
		as_free(f, sizeof(*f));
		return NULL;
	}
	f->desc = *d;
	f->desc.path = p;
	f->refs = 1;
	return f;
}

struct aspace_file *aspace_file_open(const struct aspace_file_desc *desc)
{
	return file_alloc(desc, desc->path);
}

struct aspace_file *file_new_shmem(struct aspace *as, uint64_t size)
{
	struct aspace_file_desc d = {
		.path = "/dev/zero (deleted)",
		.size = size,
		.dev_major = 0, .dev_minor = 1,
		.inode = as->next_shmem_ino,
		.flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = ASPACE_FILE_SHMEM,
	};
	struct aspace_file *f = file_alloc(&d, d.path);

	if (f)
		as->next_shmem_ino++;
	return f;
}

bool file_is_shmem(const struct aspace_file *f)
{
	return f && f->desc.kind == ASPACE_FILE_SHMEM;
}

struct aspace_file *aspace_file_get(struct aspace_file *f)
{
	if (f)
		f->refs++;
	return f;
}

void aspace_file_put(struct aspace_file *f)
{
	if (!f || --f->refs)
		return;
	if (f->shm_owner) {
		as_uncharge(f->shm_owner, f->shm_charged);
		f->shm_owner->shm_committed -= f->shm_charged;
	}
	as_strfree((char *)f->desc.path);
	as_free(f, sizeof(*f));
}

const struct aspace_file_desc *aspace_file_desc_of(const struct aspace_file *f)
{
	return &f->desc;
}

/* ---------------------------------------------------------------------- */
/* Errno names                                                            */
/* ---------------------------------------------------------------------- */

const char *aspace_errno_name(int err)
{
	static const struct { int e; const char *n; } tab[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ ETXTBSY, "ETXTBSY" }, { EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EUCLEAN, "EUCLEAN" },
		{ ENOSYS, "ENOSYS" }, { ESRCH, "ESRCH" },
		{ EHWPOISON, "EHWPOISON" },
	};
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < ARRAY_SIZE(tab); i++)
		if (tab[i].e == err)
			return tab[i].n;
	return "?";
}
