/*
 * apply.c - one trace record applied to the model set (see apply.h).
 *
 * Owns the mapping from strace's view of a call (arguments, RESULT) to
 * the aspace_*() calls, the comparison of the two results, the rules that
 * bring a model back in step after a divergence, the process events
 * (clone/fork/vfork/execve/exit) and the `#@` header keys.
 *
 * Invariant: every record that names a model call is counted exactly once
 * as applied or skipped; a divergence is reported exactly once.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

#define PROT_RWX        7
#define MAP_SHARED_     0x01
#define MAP_PRIVATE_    0x02
#define MAP_FIXED_      0x10
#define MAP_ANON_       0x20
#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_   2
#define CLONE_VM_       0x100ull
#define CLONE_VFORK_    0x4000ull
#define SIGCHLD_        17
#define PR_SET_VMA_     0x53564d41
#define SHM_RDONLY_     010000
#define SHM_RND_        020000
#define SHM_REMAP_      040000
#define SHM_EXEC_       0100000
#define PAGE_SZ         4096ull
#define PG_ALIGN(x)     (((x) + PAGE_SZ - 1) & ~(PAGE_SZ - 1))

/* A SysV segment seen in shmget. */
struct apply_shm {
	int64_t  id;
	uint64_t key, size;
};

void apply_init(struct apply_ctx *ctx, struct model_set *ms)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ms = ms;
}

void apply_fini(struct apply_ctx *ctx)
{
	free(ctx->shm);
	ctx->shm = NULL;
	ctx->nshm = ctx->shm_cap = 0;
}

const char *apply_result_str(int64_t v, bool addr, char *buf, size_t cap)
{
	if (v < 0 && v > -4096) {
		const char *n = trace_errno_name((int)-v);

		if (n)
			snprintf(buf, cap, "-1 %s", n);
		else
			snprintf(buf, cap, "-1 (errno %d)", (int)-v);
	} else if (addr) {
		snprintf(buf, cap, "0x%llx", (unsigned long long)v);
	} else {
		snprintf(buf, cap, "%lld", (long long)v);
	}
	return buf;
}

void apply_print_div(FILE *f, const struct apply_divergence *d)
{
	char a[64], b[64];

	fprintf(f, "%d: ", d->line);
	if (d->pid)
		fprintf(f, "pid %d: ", d->pid);
	fprintf(f, "%s: model %s, trace %s", d->call ? d->call : "?",
		apply_result_str(d->model, d->model_is_addr, a, sizeof(a)),
		apply_result_str(d->trace, d->trace_is_addr, b, sizeof(b)));
	if (d->note)
		fprintf(f, " (%s)", d->note);
	fprintf(f, "\n");
}

static void warn(struct apply_ctx *ctx, int line, const char *msg)
{
	ctx->st.warnings++;
	if (ctx->on_warning)
		ctx->on_warning(ctx->arg, line, msg);
	else
		fprintf(stderr, "%s%s%d: warning: %s\n",
			ctx->trace_name ? ctx->trace_name : "",
			ctx->trace_name ? ":" : "", line, msg);
}

static void diverge(struct apply_ctx *ctx, const struct call_rec *r,
		    int64_t model, bool addr, const char *note, bool followed)
{
	struct apply_divergence d = { 0 };

	d.line = r->line;
	d.pid = r->pid;
	d.call = r->text ? r->text : r->name;
	d.model = model;
	d.trace = r->ret;
	d.model_is_addr = addr && model >= 0;
	d.trace_is_addr = addr && r->ret >= 0;
	d.note = note;
	d.followed = followed;
	ctx->st.divergences++;
	if (ctx->on_divergence)
		ctx->on_divergence(ctx->arg, &d);
	else
		apply_print_div(stderr, &d);
}

/* Compare and report; true when they differ. */
static bool compare(struct apply_ctx *ctx, const struct call_rec *r,
		    int64_t model, bool addr, const char *note)
{
	if (r->ret_unknown) {
		ctx->st.unknown++;
		return false;
	}
	if (model == r->ret)
		return false;
	diverge(ctx, r, model, addr, note, false);
	return true;
}

/* The file an fd argument names: its -y path, else "fd:N". */
static struct aspace_file *arg_file(struct apply_ctx *ctx, struct ms_task *t,
				    const struct call_rec *r, int i)
{
	char name[32];
	const char *path = r->paths[i];

	if ((int64_t)r->args[i] < 0)
		return NULL;
	if (!path) {
		snprintf(name, sizeof(name), "fd:%lld", (long long)r->args[i]);
		path = name;
		if (!ctx->warned_fd) {
			ctx->warned_fd = true;
			warn(ctx, r->line, "file descriptors without -y paths: "
			     "files are named fd:N (one file per fd number)");
		}
	}
	return ms_file(ctx->ms, t, path);
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */
/* ------------------------------------------------------------------ */

static int do_mmap(struct apply_ctx *ctx, struct ms_task *t,
		   struct aspace *as, const struct call_rec *r)
{
	uint64_t addr = r->args[0], len = r->args[1], off = r->args[5], out = 0;
	int prot = (int)r->args[2], flags = (int)r->args[3];
	struct aspace_file *f = NULL;
	int64_t m;
	int err;

	if (!(flags & MAP_ANON_)) {
		f = arg_file(ctx, t, r, 4);
		if (!f && (int64_t)r->args[4] >= 0)
			return -ENOMEM;
	}
	err = aspace_mmap(as, addr, len, prot, flags, f, off, &out);
	m = err ? err : (int64_t)out;
	if (!compare(ctx, r, m, true, NULL))
		return 0;
	/* keep in step: the mapping goes where the trace says */
	if (!err)
		aspace_munmap(as, out, PG_ALIGN(len));
	if (r->ret >= 0) {
		int fl = (flags & ~(int)ASPACE_MAP_FIXED_NOREPLACE) | MAP_FIXED_;

		aspace_mmap(as, (uint64_t)r->ret, len, prot, fl, f, off, &out);
	}
	return 0;
}

static int do_mremap(struct apply_ctx *ctx, struct aspace *as,
		     const struct call_rec *r)
{
	uint64_t new_addr = r->nargs >= 5 ? r->args[4] : 0, out = 0;
	int flags = (int)r->args[3];
	int64_t m;
	int err;

	err = aspace_mremap(as, r->args[0], r->args[1], r->args[2], flags,
			    new_addr, &out);
	m = err ? err : (int64_t)out;
	if (!compare(ctx, r, m, true, NULL))
		return 0;
	if (r->ret < 0)
		return 0;       /* cannot undo a remap the kernel refused */
	if (!err)
		aspace_mremap(as, out, r->args[2], r->args[2],
			      MREMAP_MAYMOVE_ | MREMAP_FIXED_,
			      (uint64_t)r->ret, &out);
	else
		aspace_mremap(as, r->args[0], r->args[1], r->args[2],
			      MREMAP_MAYMOVE_ | MREMAP_FIXED_,
			      (uint64_t)r->ret, &out);
	return 0;
}

/*
 * Bring the model's break to @want (the trace's): through brk() when the
 * model allows it, else by force: the heap pages between the two breaks
 * are mapped (MAP_FIXED, brk's flags) or unmapped, and the break is set.
 */
static void brk_follow(struct aspace *as, uint64_t want)
{
	struct aspace_config img = *aspace_get_config(as);
	struct aspace_counters c;
	uint64_t out = 0, lo, hi;

	aspace_brk(as, want, &out);
	if (out == want)
		return;
	aspace_counters(as, &c);
	lo = PG_ALIGN(c.brk);
	hi = PG_ALIGN(want);
	if (hi > lo)
		aspace_mmap(as, lo, hi - lo, 3, MAP_PRIVATE_ | MAP_FIXED_ | MAP_ANON_,
			    NULL, 0, &out);
	else if (lo > hi)
		aspace_munmap(as, hi, lo - hi);
	img.start_brk = c.start_brk;
	img.brk = want;
	aspace_set_image(as, &img);
}

static int do_brk(struct apply_ctx *ctx, struct ms_task *t, struct aspace *as,
		  const struct call_rec *r)
{
	uint64_t out = 0;
	int err;

	if (!ms_brk_known(t) && !r->ret_unknown && r->ret > 0) {
		/* spec/08 "Unknown brk": the first brk sets both */
		struct aspace_config img = *aspace_get_config(as);

		img.start_brk = img.brk = (uint64_t)r->ret;
		aspace_set_image(as, &img);
		ms_set_brk_known(t);
		if (r->args[0] && r->args[0] == (uint64_t)r->ret) {
			diverge(ctx, r, (int64_t)r->ret, true,
				"start_brk unknown: the heap this brk grew is "
				"not in the model", true);
			return 0;
		}
	}
	err = aspace_brk(as, r->args[0], &out);
	if (err)
		return err;             /* our allocator: input cannot go on */
	if (!compare(ctx, r, (int64_t)out, true, NULL))
		return 0;
	if (r->ret > 0)
		brk_follow(as, (uint64_t)r->ret);
	return 0;
}

static struct apply_shm *shm_find(struct apply_ctx *ctx, int64_t id)
{
	int i;

	for (i = 0; i < ctx->nshm; i++)
		if (ctx->shm[i].id == id)
			return &ctx->shm[i];
	return NULL;
}

static int do_shmget(struct apply_ctx *ctx, const struct call_rec *r)
{
	struct apply_shm *s;

	if (r->ret_unknown || r->ret < 0)
		return 0;
	s = shm_find(ctx, r->ret);
	if (!s) {
		if (ctx->nshm == ctx->shm_cap) {
			int cap = ctx->shm_cap ? 2 * ctx->shm_cap : 8;
			struct apply_shm *n = realloc(ctx->shm, (size_t)cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			ctx->shm = n;
			ctx->shm_cap = cap;
		}
		s = &ctx->shm[ctx->nshm++];
		s->id = r->ret;
	}
	s->key = r->args[0];
	s->size = r->args[1];
	return 0;
}

/*
 * shmat as a shared mapping of the segment's file (06 §5): placement like
 * mmap, SHM_RND rounds down, overlap without SHM_REMAP is EINVAL.
 */
static int do_shmat(struct apply_ctx *ctx, struct aspace *as,
		    const struct call_rec *r)
{
	struct apply_shm *s = shm_find(ctx, (int64_t)r->args[0]);
	uint64_t addr = r->args[1], shmflg = r->args[2], out = 0;
	struct aspace_file_desc d = { 0 };
	int prot = (shmflg & SHM_RDONLY_) ? 1 : 3, flags = MAP_SHARED_;
	struct aspace_file *f;
	char path[40];
	int64_t m;
	int err;

	if (shmflg & SHM_EXEC_)
		prot |= 4;
	if (!s) {
		diverge(ctx, r, -EINVAL, true,
			"segment size unknown: no shmget for this id in the trace",
			false);
		return 0;
	}
	/* every shmat opens the segment anew (its own description, read-only
	 * with SHM_RDONLY); the inode is the segment id, dev the shm mount */
	snprintf(path, sizeof(path), "/SYSV%08llx",
		 (unsigned long long)(s->key & 0xffffffffull));
	d.path = path;
	d.size = s->size;
	d.dev_minor = 1;
	d.inode = (uint64_t)s->id;
	d.flags = ASPACE_O_READ | ASPACE_F_DELETED |
		  ((shmflg & SHM_RDONLY_) ? 0 : ASPACE_O_WRITE);
	d.kind = ASPACE_FILE_SYSV_SHM;
	f = aspace_file_open(&d);
	if (!f)
		return -ENOMEM;
	if (shmflg & SHM_RND_)
		addr &= ~(PAGE_SZ - 1);
	if (addr & (PAGE_SZ - 1)) {
		err = -EINVAL;
	} else {
		if (addr)
			flags |= (shmflg & SHM_REMAP_) ? MAP_FIXED_ :
				 ASPACE_MAP_FIXED_NOREPLACE;
		err = aspace_mmap(as, addr, s->size, prot, flags, f, 0, &out);
		if (err == -EEXIST)
			err = -EINVAL;
	}
	m = err ? err : (int64_t)out;
	if (compare(ctx, r, m, true, NULL) && r->ret >= 0) {
		if (!err)
			aspace_munmap(as, out, PG_ALIGN(s->size));
		aspace_mmap(as, (uint64_t)r->ret, s->size, prot,
			    MAP_SHARED_ | MAP_FIXED_, f, 0, &out);
	}
	aspace_file_put(f);     /* the VMAs hold their own references */
	return 0;
}

/* shmdt: the attachment at addr and its continuing pieces (06 §5). */
static int do_shmdt(struct apply_ctx *ctx, struct aspace *as,
		    const struct call_rec *r)
{
	struct aspace_vma_info v;
	struct aspace_file *seg;
	uint64_t addr = r->args[0], next_pgoff;
	int64_t m = -EINVAL;

	if (!aspace_vma_at(as, addr, &v) && v.start == addr && v.file &&
	    v.pgoff == 0 &&
	    aspace_file_desc_of(v.file)->kind == ASPACE_FILE_SYSV_SHM) {
		seg = v.file;
		m = 0;
		for (;;) {
			next_pgoff = v.pgoff + (v.end - v.start) / PAGE_SZ;
			aspace_munmap(as, v.start, v.end - v.start);
			if (aspace_find_vma(as, v.start, &v) || v.file != seg ||
			    v.pgoff != next_pgoff)
				break;
		}
	}
	compare(ctx, r, m, false, NULL);
	return 0;
}

static int do_process_madvise(struct apply_ctx *ctx, struct ms_task *t,
			      struct aspace *as, const struct call_rec *r)
{
	int64_t total = 0;
	int i, err;

	if (r->paths[0] && !strncmp(r->paths[0], "pid:", 4) &&
	    atoi(r->paths[0] + 4) != t->leader && atoi(r->paths[0] + 4) != t->pid) {
		ctx->st.skipped++;      /* another process: not modelled */
		return 0;
	}
	for (i = 0; i < r->niov; i++) {
		err = aspace_madvise(as, r->iov[i].base, r->iov[i].len,
				     (int)r->args[3]);
		if (err) {
			if (!total)
				total = err;
			break;
		}
		total += (int64_t)r->iov[i].len;
	}
	compare(ctx, r, total, false, NULL);
	return 0;
}

/* Run a call that changes the model of @t. */
static int model_call(struct apply_ctx *ctx, struct ms_task *t,
		      struct aspace *as, const struct call_rec *r)
{
	const uint64_t *a = r->args;
	int err;

	switch (r->sys) {
	case TS_MMAP:
		return do_mmap(ctx, t, as, r);
	case TS_MREMAP:
		return do_mremap(ctx, as, r);
	case TS_BRK:
		return do_brk(ctx, t, as, r);
	case TS_SHMAT:
		return do_shmat(ctx, as, r);
	case TS_SHMDT:
		return do_shmdt(ctx, as, r);
	case TS_PROCESS_MADVISE:
		return do_process_madvise(ctx, t, as, r);
	case TS_MUNMAP:
		err = aspace_munmap(as, a[0], a[1]);
		break;
	case TS_MPROTECT:
		err = aspace_mprotect(as, a[0], a[1], (int)a[2]);
		break;
	case TS_PKEY_MPROTECT:
		err = aspace_pkey_mprotect(as, a[0], a[1], (int)a[2], (int)a[3]);
		break;
	case TS_MADVISE:
		err = aspace_madvise(as, a[0], a[1], (int)a[2]);
		break;
	case TS_MLOCK:
		err = aspace_mlock(as, a[0], a[1]);
		break;
	case TS_MLOCK2:
		err = aspace_mlock2(as, a[0], a[1], (int)a[2]);
		break;
	case TS_MUNLOCK:
		err = aspace_munlock(as, a[0], a[1]);
		break;
	case TS_MLOCKALL:
		err = aspace_mlockall(as, (int)a[0]);
		break;
	case TS_MUNLOCKALL:
		err = aspace_munlockall(as);
		break;
	case TS_MSEAL:
		err = aspace_mseal(as, a[0], a[1], (unsigned long)a[2]);
		break;
	case TS_PRCTL:
		err = aspace_set_anon_name(as, a[2], a[3], r->strs[4]);
		break;
	case TS_TOUCH:
		err = aspace_touch(as, a[0], a[1], (int)(a[2] & PROT_RWX));
		break;
	default:
		return 0;
	}
	compare(ctx, r, err, false, NULL);
	return 0;
}

/* Clone flags of a fork-like call. */
static uint64_t clone_flags(const struct call_rec *r)
{
	switch (r->sys) {
	case TS_FORK:
		return SIGCHLD_;
	case TS_VFORK:
		return CLONE_VM_ | CLONE_VFORK_ | SIGCHLD_;
	default:
		return r->nargs ? r->args[0] : SIGCHLD_;
	}
}

static int apply_call(struct apply_ctx *ctx, const struct call_rec *r,
		      struct trace_error *e)
{
	struct ms_task *t;
	struct aspace *as;
	int err;

	if (r->sys == TS_OTHER) {
		ctx->st.skipped++;
		return 0;
	}
	if (r->sys == TS_PRCTL && r->args[1] != 0) {
		ctx->st.skipped++;      /* PR_SET_VMA with another attribute */
		return 0;
	}
	if (r->sys == TS_SHMGET) {
		ctx->st.skipped++;
		return do_shmget(ctx, r);
	}
	err = ms_task_get(ctx->ms, r->pid, &t, NULL);
	if (err)
		goto fail;
	if (t->exited) {
		warn(ctx, r->line, "call of a task that has exited: skipped");
		ctx->st.skipped++;
		return 0;
	}
	ctx->st.applied++;
	switch (r->sys) {
	case TS_CLONE: case TS_CLONE3: case TS_FORK: case TS_VFORK:
		t->clone_pending = false;
		if (r->ret_unknown || r->ret <= 0)
			return 0;
		err = ms_clone(ctx->ms, t, (int)r->ret, clone_flags(r));
		if (err && err != -ENOMEM) {
			warn(ctx, r->line, "fork of the model failed");
			return 0;
		}
		goto check;
	case TS_EXECVE: case TS_EXECVEAT:
		if (r->ret_unknown || r->ret != 0)
			return 0;
		err = ms_exec_begin(ctx->ms, t, r->line);
		goto check;
	case TS_EXIT: case TS_EXIT_GROUP:
		return 0;       /* the task dies at its "+++ exited" line */
	default:
		break;
	}
	as = ms_aspace(ctx->ms, t);
	if (!as) {
		err = -EINVAL;
		goto fail;
	}
	err = model_call(ctx, t, as, r);
check:
	if (!err)
		return 0;
fail:
	if (err == -EINVAL) {
		const struct aspace_import_error *ie = ms_last_error(ctx->ms);

		e->line = ie->line;
		e->column = ie->column;
		snprintf(e->msg, sizeof(e->msg), "layout after execve: %s", ie->msg);
	} else {
		e->line = r->line;
		e->column = 1;
		snprintf(e->msg, sizeof(e->msg), "%s", err == -ENOMEM ?
			 "out of memory" : "cannot build the model");
	}
	return err;
}

/* ------------------------------------------------------------------ */
/* Header keys                                                         */
/* ------------------------------------------------------------------ */

static int hdr_fail(struct trace_error *e, const struct call_rec *r, int i,
		    const char *msg)
{
	e->line = r->line;
	e->column = r->kv[i].column;
	snprintf(e->msg, sizeof(e->msg), "%s: %s", r->kv[i].key, msg);
	return -EINVAL;
}

static bool hdr_num(const char *v, uint64_t *out)
{
	char *end;

	if (!*v || *v == '-')
		return false;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return !*end && !errno;
}

/* "6.18.44" -> the flags that follow the release (spec/01 §3.1). */
static bool hdr_kernel(const char *v, struct aspace_config *cfg)
{
	unsigned a = 0, b = 0, c = 0;

	if (sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		return false;
	if (a > 6 || (a == 6 && b >= 19)) {
		cfg->maybe_guard = true;
		cfg->soft_dirty_sticky = true;
	} else if (a == 6 && b == 18) {
		/* the sticky-flag backport is in 6.18.44, not in 6.18.0 */
		cfg->maybe_guard = c >= 44;
		cfg->soft_dirty_sticky = false;
	} else {
		cfg->maybe_guard = false;
		cfg->soft_dirty_sticky = false;
	}
	return true;
}

int apply_header_config(const struct call_rec *r, struct aspace_config *cfg,
			const char **maps_path, unsigned *mask,
			struct trace_error *e)
{
	static const struct {
		const char *key;
		size_t off;
		int kind;       /* 0 u64, 1 rlimit, 2 bool, 3 int */
		unsigned mask;
	} keys[] = {
#define K(k, f, kind, m) { k, offsetof(struct aspace_config, f), kind, m }
		K("page_size", page_size, 0, MS_PCFG_OTHER),
		K("task_size", task_size, 0, MS_PCFG_OTHER),
		K("mmap_base", mmap_base, 0, MS_PCFG_MMAP_BASE),
		K("mmap_legacy", legacy_layout, 2, MS_PCFG_OTHER),
		K("max_map_count", max_map_count, 3, MS_PCFG_OTHER),
		K("overcommit", overcommit_memory, 3, MS_PCFG_OTHER),
		K("rlimit_memlock", rlimit_memlock, 1, MS_PCFG_OTHER),
		K("rlimit_as", rlimit_as, 1, MS_PCFG_OTHER),
		K("rlimit_data", rlimit_data, 1, MS_PCFG_OTHER),
		K("rlimit_stack", rlimit_stack, 1, MS_PCFG_OTHER),
		K("cap_ipc_lock", cap_ipc_lock, 2, MS_PCFG_OTHER),
		K("cap_sys_rawio", cap_sys_rawio, 2, MS_PCFG_OTHER),
		K("mmap_min_addr", mmap_min_addr, 0, MS_PCFG_OTHER),
		K("dac_mmap_min_addr", dac_mmap_min_addr, 0, MS_PCFG_OTHER),
		K("anon_vma_name", anon_vma_name, 2, MS_PCFG_OTHER),
		K("soft_dirty", soft_dirty, 2, MS_PCFG_OTHER),
		K("mmap_legacy_base", mmap_legacy_base, 0, MS_PCFG_OTHER),
		K("stack_guard_gap", stack_guard_gap, 0, MS_PCFG_OTHER),
		K("start_brk", start_brk, 0, MS_PCFG_START_BRK),
		K("brk", brk, 0, MS_PCFG_BRK),
		K("start_stack", start_stack, 0, MS_PCFG_START_STACK),
		K("start_data", start_data, 0, MS_PCFG_DATA),
		K("end_data", end_data, 0, MS_PCFG_DATA),
		K("start_code", start_code, 0, MS_PCFG_CODE),
		K("end_code", end_code, 0, MS_PCFG_CODE),
#undef K
	};
	int i;
	size_t k;

	for (i = 0; i < r->nkv; i++) {
		const char *key = r->kv[i].key, *v = r->kv[i].val;
		uint64_t n;

		if (!strcmp(key, "pid"))
			continue;
		if (!strcmp(key, "maps")) {
			if (maps_path)
				*maps_path = v;
			continue;
		}
		if (!strcmp(key, "kernel")) {
			if (!hdr_kernel(v, cfg))
				return hdr_fail(e, r, i, "expected a version like 6.18.44");
			continue;
		}
		if (!strcmp(key, "thp")) {
			if (!strcmp(v, "always"))
				cfg->thp = ASPACE_THP_ALWAYS;
			else if (!strcmp(v, "madvise"))
				cfg->thp = ASPACE_THP_MADVISE;
			else if (!strcmp(v, "never"))
				cfg->thp = ASPACE_THP_NEVER;
			else
				return hdr_fail(e, r, i, "expected always, madvise or never");
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(keys[k].key, key))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return hdr_fail(e, r, i, "unknown header key");
		if (keys[k].kind == 1 && !strcmp(v, "unlimited"))
			n = ASPACE_RLIM_INFINITY;
		else if (!hdr_num(v, &n))
			return hdr_fail(e, r, i, "expected a number");
		switch (keys[k].kind) {
		case 0: case 1:
			*(uint64_t *)((char *)cfg + keys[k].off) = n;
			break;
		case 2:
			if (n > 1)
				return hdr_fail(e, r, i, "expected 0 or 1");
			*(bool *)((char *)cfg + keys[k].off) = n != 0;
			break;
		default:
			if (n > 0x7fffffff)
				return hdr_fail(e, r, i, "number too large");
			*(int *)((char *)cfg + keys[k].off) = (int)n;
		}
		if (!strcmp(key, "overcommit") && n > 2)
			return hdr_fail(e, r, i, "expected 0, 1 or 2");
		if (!strcmp(key, "page_size") && n != 4096)
			return hdr_fail(e, r, i, "only 4096 is supported");
		if (mask)
			*mask |= keys[k].mask;
	}
	return 0;
}

/* "#@ pid=N ..." after an execve: that process's values. */
static int apply_pid_header(struct apply_ctx *ctx, const struct call_rec *r,
			    struct trace_error *e)
{
	struct aspace_config pcfg = *ms_config(ctx->ms);
	struct ms_task *t;
	unsigned mask = 0;
	uint64_t pid = 0;
	int i, err;

	for (i = 0; i < r->nkv; i++)
		if (!strcmp(r->kv[i].key, "pid") &&
		    (!hdr_num(r->kv[i].val, &pid) || pid > 0x7fffffff))
			return hdr_fail(e, r, i, "expected a process id");
	err = apply_header_config(r, &pcfg, NULL, &mask, e);
	if (err)
		return err;
	err = ms_task_get(ctx->ms, (int)pid, &t, NULL);
	if (!err && t->exec_pending) {
		err = ms_exec_finish(ctx->ms, t, &pcfg, mask);
	} else if (!err && t->mm) {
		/* no execve before it: set the image of the current model */
		struct aspace *as = ms_aspace(ctx->ms, t);
		struct aspace_config img = *aspace_get_config(as);

		if (mask & MS_PCFG_START_BRK)
			img.start_brk = img.brk = pcfg.start_brk;
		if (mask & MS_PCFG_BRK)
			img.brk = pcfg.brk;
		if (mask & MS_PCFG_START_STACK)
			img.start_stack = pcfg.start_stack;
		aspace_set_image(as, &img);
		if (mask & MS_PCFG_START_BRK)
			ms_set_brk_known(t);
		if (mask & (MS_PCFG_MMAP_BASE | MS_PCFG_OTHER))
			warn(ctx, r->line, "#@ pid= line without execve: only "
			     "the image keys are used");
	}
	if (err == -EINVAL) {
		const struct aspace_import_error *ie = ms_last_error(ctx->ms);

		e->line = ie->line;
		e->column = ie->column;
		snprintf(e->msg, sizeof(e->msg), "layout after execve: %s", ie->msg);
	} else if (err) {
		e->line = r->line;
		e->column = 1;
		snprintf(e->msg, sizeof(e->msg), "cannot build the model");
	}
	return err;
}

int apply_record(struct apply_ctx *ctx, const struct call_rec *rec,
		 struct trace_error *err)
{
	struct ms_task *t;
	int i, r;

	memset(err, 0, sizeof(*err));
	switch (rec->kind) {
	case REC_CALL:
		return apply_call(ctx, rec, err);
	case REC_UNFINISHED:
		if (rec->sys == TS_CLONE || rec->sys == TS_CLONE3 ||
		    rec->sys == TS_FORK || rec->sys == TS_VFORK) {
			r = ms_task_get(ctx->ms, rec->pid, &t, NULL);
			if (r)
				break;
			ms_note_clone(ctx->ms, t, clone_flags(rec));
		}
		return 0;
	case REC_EXIT:
		t = ms_task(ctx->ms, rec->pid);
		if (t)
			ms_exit(ctx->ms, t, rec->exit_status);
		return 0;
	case REC_HEADER:
		for (i = 0; i < rec->nkv; i++)
			if (!strcmp(rec->kv[i].key, "pid"))
				return apply_pid_header(ctx, rec, err);
		return 0;
	case REC_LAYOUT:
		r = ms_task_get(ctx->ms, rec->pid, &t, NULL);
		if (!r)
			r = ms_exec_layout_line(ctx->ms, t, rec->layout);
		if (r == -EINVAL) {
			err->line = rec->line;
			err->column = 1;
			snprintf(err->msg, sizeof(err->msg),
				 "layout line (#|) without a preceding execve");
		}
		return r;
	default:
		return 0;
	}
	err->line = rec->line;
	err->column = 1;
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -ENOMEM;
}
