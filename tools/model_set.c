/*
 * model_set.c - PID -> address-space model for a replayed or live trace.
 *
 * Owns the tasks (threads and processes) a trace shows and the models
 * they use: one struct ms_mm per address space, reference counted by its
 * tasks (threads, CLONE_VM and vfork children share it), with the table
 * of files mapped through it (one aspace_file per distinct path, see
 * model_set.h).  Invariant: a live task has exactly one of mm != NULL or
 * exec_pending; an mm is freed with its last task, its work statistics
 * added to the set's totals first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_set.h"

struct ms_file_ent {
	char               *path;
	struct aspace_file *f;
};

struct ms_mm {
	struct aspace      *as;
	int                 refs;
	bool                brk_known;
	unsigned            mark;           /* for counting each mm once */
	struct ms_file_ent *files;
	int                 nfiles, fcap;
};

struct model_set {
	struct aspace_config cfg;
	struct ms_task     **tasks;
	int                  ntasks, cap;
	char                *initial;       /* maps= text for the first task */
	unsigned             mark;
	uint64_t             clone_seq;     /* order of clones in flight */
	struct aspace_stats  dead;          /* stats of freed models */
	struct aspace_import_error err;
};

/* ------------------------------------------------------------------ */
/* Text buffer                                                         */
/* ------------------------------------------------------------------ */

void ms_buf_add(struct ms_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap : 256;
			char *s;

			while (cap < b->len + (size_t)n + 1)
				cap *= 2;
			s = realloc(b->s, cap);
			if (!s) {
				b->oom = true;
				return;
			}
			b->s = s;
			b->cap = cap;
		}
	}
}

void ms_buf_json_str(struct ms_buf *b, const char *s)
{
	ms_buf_add(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ms_buf_add(b, "\\%c", c);
		else if (c < 0x20)
			ms_buf_add(b, "\\u%04x", c);
		else
			ms_buf_add(b, "%c", c);
	}
	ms_buf_add(b, "\"");
}

/* ------------------------------------------------------------------ */
/* Address spaces                                                      */
/* ------------------------------------------------------------------ */

static void stats_add(struct aspace_stats *to, const struct aspace_stats *s)
{
	to->merges += s->merges;
	to->splits += s->splits;
	to->vmas_created += s->vmas_created;
	to->vmas_freed += s->vmas_freed;
	if (s->peak_map_count > to->peak_map_count)
		to->peak_map_count = s->peak_map_count;
}

static struct ms_mm *mm_new(struct aspace *as)
{
	struct ms_mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->as = as;
	mm->refs = 1;
	return mm;
}

static void mm_put(struct model_set *ms, struct ms_mm *mm)
{
	struct aspace_stats st;
	int i;

	if (!mm || --mm->refs > 0)
		return;
	aspace_stats(mm->as, &st);
	stats_add(&ms->dead, &st);
	aspace_free(mm->as);
	for (i = 0; i < mm->nfiles; i++) {
		aspace_file_put(mm->files[i].f);
		free(mm->files[i].path);
	}
	free(mm->files);
	free(mm);
}

struct model_set *ms_new(const struct aspace_config *cfg)
{
	struct model_set *ms = calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	ms->cfg = *cfg;
	return ms;
}

void ms_free(struct model_set *ms)
{
	int i;

	if (!ms)
		return;
	for (i = 0; i < ms->ntasks; i++) {
		struct ms_task *t = ms->tasks[i];

		mm_put(ms, t->mm);
		free(t->exec_layout);
		free(t->final_maps);
		free(t->final_json);
		free(t);
	}
	free(ms->tasks);
	free(ms->initial);
	free(ms);
}

struct aspace_config *ms_config(struct model_set *ms)
{
	return &ms->cfg;
}

const struct aspace_import_error *ms_last_error(const struct model_set *ms)
{
	return &ms->err;
}

int ms_set_initial_layout(struct model_set *ms, const char *text)
{
	free(ms->initial);
	ms->initial = strdup(text);
	return ms->initial ? 0 : -ENOMEM;
}

struct ms_task *ms_task(struct model_set *ms, int pid)
{
	int i;

	for (i = ms->ntasks - 1; i >= 0; i--)
		if (ms->tasks[i]->pid == pid)
			return ms->tasks[i];
	return NULL;
}

static struct ms_task *task_add(struct model_set *ms, int pid)
{
	struct ms_task *t;

	if (ms->ntasks == ms->cap) {
		int cap = ms->cap ? 2 * ms->cap : 16;
		struct ms_task **n = realloc(ms->tasks, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		ms->tasks = n;
		ms->cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pid = pid;
	t->leader = pid;
	t->order = ms->ntasks;
	ms->tasks[ms->ntasks++] = t;
	return t;
}

/* The image fields of a config (what aspace_set_image reads) cleared. */
static void clear_image(struct aspace_config *c)
{
	c->start_brk = c->brk = c->start_stack = 0;
	c->start_code = c->end_code = c->start_data = c->end_data = 0;
}

/*
 * A fresh model from @cfg with @layout imported; brk known when the
 * config or the layout ([heap]) gives it.
 */
static int mm_build(struct model_set *ms, const struct aspace_config *cfg,
		    const char *layout, struct ms_mm **out)
{
	struct aspace *as = aspace_new(cfg);
	struct aspace_counters c;
	struct ms_mm *mm;
	int err;

	if (!as)
		return -ENOMEM;
	if (layout && *layout) {
		err = aspace_import_maps(as, layout, &ms->err);
		if (err) {
			aspace_free(as);
			return err;
		}
	}
	mm = mm_new(as);
	if (!mm) {
		aspace_free(as);
		return -ENOMEM;
	}
	aspace_counters(as, &c);
	mm->brk_known = c.start_brk != 0;
	*out = mm;
	return 0;
}

int ms_task_get(struct model_set *ms, int pid, struct ms_task **out,
		bool *created)
{
	struct ms_task *t = ms_task(ms, pid), *parent = NULL;
	struct aspace_config cfg;
	int i, err;

	if (created)
		*created = false;
	if (t) {
		*out = t;
		return 0;
	}
	/* strace shows a new child's first calls before its parent's
	 * "<... clone resumed>": the child of the latest clone in flight */
	for (i = 0; i < ms->ntasks; i++) {
		struct ms_task *p = ms->tasks[i];

		if (p->clone_pending && !p->exited &&
		    (!parent || p->clone_pending_seq > parent->clone_pending_seq))
			parent = p;
	}
	if (parent) {
		err = ms_clone(ms, parent, pid, parent->clone_pending_flags);
		if (err)
			return err;
		parent->clone_pending = false;
		t = ms_task(ms, pid);
	} else {
		bool first = ms->ntasks == 0;
		struct ms_mm *mm;

		cfg = ms->cfg;
		if (!first)
			clear_image(&cfg);
		err = mm_build(ms, &cfg, first ? ms->initial : NULL, &mm);
		if (err)
			return err;
		t = task_add(ms, pid);
		if (!t) {
			mm_put(ms, mm);
			return -ENOMEM;
		}
		t->mm = mm;
	}
	if (created)
		*created = true;
	*out = t;
	return 0;
}

void ms_note_clone(struct model_set *ms, struct ms_task *t, uint64_t flags)
{
	t->clone_pending = true;
	t->clone_pending_flags = flags;
	t->clone_pending_seq = ++ms->clone_seq;
}

struct aspace *ms_aspace(struct model_set *ms, struct ms_task *t)
{
	if (t->exited)
		return NULL;
	if (t->exec_pending && ms_exec_finish(ms, t, NULL, 0))
		return NULL;
	return t->mm ? t->mm->as : NULL;
}

int ms_clone(struct model_set *ms, struct ms_task *parent, int child,
	     uint64_t flags)
{
	const uint64_t clone_vm = 0x100, clone_thread = 0x10000;
	struct ms_task *t = ms_task(ms, child);
	struct aspace *pas;
	struct ms_mm *mm;
	int err, i;

	if (t && !t->exited)
		return 0;               /* made when its first line came */
	pas = ms_aspace(ms, parent);
	if (!pas)
		return -ESRCH;
	if (flags & clone_vm) {
		mm = parent->mm;
		mm->refs++;
	} else {
		struct aspace *cas;

		err = aspace_fork(pas, &cas);
		if (err)
			return err;
		mm = mm_new(cas);
		if (!mm) {
			aspace_free(cas);
			return -ENOMEM;
		}
		mm->brk_known = parent->mm->brk_known;
		mm->files = calloc((size_t)parent->mm->nfiles + 1, sizeof(*mm->files));
		if (!mm->files) {
			mm_put(ms, mm);
			return -ENOMEM;
		}
		mm->fcap = parent->mm->nfiles + 1;
		for (i = 0; i < parent->mm->nfiles; i++) {
			char *p = strdup(parent->mm->files[i].path);

			if (!p) {
				mm_put(ms, mm);
				return -ENOMEM;
			}
			mm->files[i].path = p;
			mm->files[i].f = aspace_file_get(parent->mm->files[i].f);
			mm->nfiles++;
		}
	}
	t = task_add(ms, child);
	if (!t) {
		mm_put(ms, mm);
		return -ENOMEM;
	}
	t->mm = mm;
	if (flags & clone_thread) {
		t->is_thread = true;
		t->leader = parent->leader;
	}
	return 0;
}

int ms_exec_begin(struct model_set *ms, struct ms_task *t, int line)
{
	int i;

	/* the other threads of the group die with the old image */
	for (i = 0; i < ms->ntasks; i++) {
		struct ms_task *u = ms->tasks[i];

		if (u != t && !u->exited && u->leader == t->leader && u->is_thread) {
			mm_put(ms, u->mm);
			u->mm = NULL;
			u->exited = true;
		}
	}
	mm_put(ms, t->mm);
	t->mm = NULL;
	t->exec_pending = true;
	t->exec_line = line;
	t->exec_layout_len = 0;
	if (t->exec_layout)
		t->exec_layout[0] = 0;
	return 0;
}

int ms_exec_layout_line(struct model_set *ms, struct ms_task *t,
			const char *text)
{
	size_t n = strlen(text);

	(void)ms;
	if (!t->exec_pending)
		return -EINVAL;
	if (t->exec_layout_len + n + 2 > t->exec_layout_cap) {
		size_t cap = t->exec_layout_cap ? t->exec_layout_cap : 4096;
		char *s;

		while (cap < t->exec_layout_len + n + 2)
			cap *= 2;
		s = realloc(t->exec_layout, cap);
		if (!s)
			return -ENOMEM;
		t->exec_layout = s;
		t->exec_layout_cap = cap;
	}
	memcpy(t->exec_layout + t->exec_layout_len, text, n);
	t->exec_layout_len += n;
	t->exec_layout[t->exec_layout_len++] = '\n';
	t->exec_layout[t->exec_layout_len] = 0;
	return 0;
}

int ms_exec_finish(struct model_set *ms, struct ms_task *t,
		   const struct aspace_config *pcfg, unsigned mask)
{
	struct aspace_config cfg = ms->cfg;
	struct ms_mm *mm;
	int err;

	if (!t->exec_pending)
		return 0;
	/* Per-process environment keys (mmap_legacy, mmap_legacy_base,
	 * rlimits, ...) of the "#@ pid=" line: @pcfg starts from the trace's
	 * config with that line's keys applied, so it is taken whole. */
	if (pcfg && (mask & MS_PCFG_OTHER))
		cfg = *pcfg;
	clear_image(&cfg);
	if (pcfg) {
		if (mask & MS_PCFG_MMAP_BASE)
			cfg.mmap_base = pcfg->mmap_base;
		if (mask & MS_PCFG_START_BRK)
			cfg.start_brk = pcfg->start_brk;
		if (mask & MS_PCFG_BRK)
			cfg.brk = pcfg->brk;
		if ((mask & MS_PCFG_START_BRK) && !(mask & MS_PCFG_BRK))
			cfg.brk = pcfg->start_brk;
		if (mask & MS_PCFG_START_STACK)
			cfg.start_stack = pcfg->start_stack;
		if (mask & MS_PCFG_CODE) {
			cfg.start_code = pcfg->start_code;
			cfg.end_code = pcfg->end_code;
		}
		if (mask & MS_PCFG_DATA) {
			cfg.start_data = pcfg->start_data;
			cfg.end_data = pcfg->end_data;
		}
	}
	err = mm_build(ms, &cfg, t->exec_layout_len ? t->exec_layout : NULL, &mm);
	if (err)
		return err;
	t->mm = mm;
	t->exec_pending = false;
	t->exec_layout_len = 0;
	return 0;
}

void ms_exit(struct model_set *ms, struct ms_task *t, int status)
{
	if (t->exited)
		return;
	if (t->exec_pending)
		ms_exec_finish(ms, t, NULL, 0);
	if (!t->is_thread && t->mm) {
		char *maps = aspace_maps(t->mm->as, 0);

		if (maps) {
			t->final_maps = strdup(maps);
			aspace_free_text(maps);
		}
		t->final_json = ms_layout_json(t->mm->as);
	}
	mm_put(ms, t->mm);
	t->mm = NULL;
	t->exited = true;
	t->exit_status = status;
}

uint64_t ms_pseudo_inode(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *path; path++) {
		h ^= (unsigned char)*path;
		h *= 0x100000001b3ull;
	}
	/* a 7-digit number: short, stable, never 0 */
	return 1000000 + h % 9000000;
}

static bool starts(const char *s, const char *pre)
{
	return !strncmp(s, pre, strlen(pre));
}

struct aspace_file *ms_file(struct model_set *ms, struct ms_task *t,
			    const char *path)
{
	static const char del[] = " (deleted)";
	struct aspace_file_desc d = { 0 };
	struct ms_mm *mm = t->mm;
	struct ms_file_ent *e;
	size_t len = strlen(path);
	char *p;
	int i;

	(void)ms;
	if (!mm)
		return NULL;
	for (i = 0; i < mm->nfiles; i++)
		if (!strcmp(mm->files[i].path, path))
			return mm->files[i].f;
	if (mm->nfiles == mm->fcap) {
		int cap = mm->fcap ? 2 * mm->fcap : 16;
		struct ms_file_ent *n = realloc(mm->files, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		mm->files = n;
		mm->fcap = cap;
	}
	p = strdup(path);
	if (!p)
		return NULL;
	d.flags = ASPACE_O_READ | ASPACE_O_WRITE;
	if (len > sizeof(del) - 1 && !strcmp(path + len - (sizeof(del) - 1), del)) {
		p[len - (sizeof(del) - 1)] = 0;
		d.flags |= ASPACE_F_DELETED;
	}
	d.path = p;
	d.size = 1ull << 62;            /* unknown: no SIGBUS past EOF */
	d.inode = ms_pseudo_inode(path);
	if (!strcmp(p, "/dev/zero"))
		d.kind = ASPACE_FILE_DEVZERO;
	else if (starts(p, "/memfd:") || starts(p, "/dev/shm/"))
		d.kind = ASPACE_FILE_SHMEM;
	else if (starts(p, "/SYSV"))
		d.kind = ASPACE_FILE_SYSV_SHM;
	else
		d.kind = ASPACE_FILE_REGULAR;
	e = &mm->files[mm->nfiles];
	e->f = aspace_file_open(&d);
	if (!e->f) {
		free(p);
		return NULL;
	}
	strcpy(p, path);
	e->path = p;
	mm->nfiles++;
	return e->f;
}

bool ms_brk_known(const struct ms_task *t)
{
	return t->mm && t->mm->brk_known;
}

void ms_set_brk_known(struct ms_task *t)
{
	if (t->mm)
		t->mm->brk_known = true;
}

int ms_for_each_task(struct model_set *ms,
		     int (*fn)(struct ms_task *t, void *arg), void *arg)
{
	int i, r;

	for (i = 0; i < ms->ntasks; i++) {
		r = fn(ms->tasks[i], arg);
		if (r)
			return r;
	}
	return 0;
}

void ms_stats(const struct model_set *ms, struct aspace_stats *out)
{
	struct model_set *m = (struct model_set *)ms;
	int i;

	*out = ms->dead;
	m->mark++;
	for (i = 0; i < ms->ntasks; i++) {
		struct ms_mm *mm = ms->tasks[i]->mm;
		struct aspace_stats st;

		if (!mm || mm->mark == m->mark)
			continue;
		mm->mark = m->mark;
		aspace_stats(mm->as, &st);
		stats_add(out, &st);
	}
}

static int count_vma(const struct aspace_vma_info *v, void *arg)
{
	(void)v;
	(*(uint64_t *)arg)++;
	return 0;
}

uint64_t ms_vma_count(struct model_set *ms)
{
	uint64_t n = 0;
	int i;

	ms->mark++;
	for (i = 0; i < ms->ntasks; i++) {
		struct ms_task *t = ms->tasks[i];

		if (t->mm && t->mm->mark != ms->mark) {
			t->mm->mark = ms->mark;
			aspace_for_each_vma(t->mm->as, 0, UINT64_MAX, count_vma, &n);
		} else if (t->exited && t->final_maps) {
			const char *s;

			for (s = t->final_maps; *s; s++)
				n += *s == '\n';
		}
	}
	return n;
}

/*
 * JSON from the maps text itself (ASPACE_MAPS_SMAPS adds VmFlags lines),
 * so the two outputs cannot disagree.
 */
char *ms_layout_json(const struct aspace *as)
{
	char *text = aspace_maps(as, ASPACE_MAPS_SMAPS);
	struct ms_buf b = { 0 };
	const char *s;
	bool open = false, first = true;

	if (!text)
		return NULL;
	ms_buf_add(&b, "[");
	for (s = text; *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		unsigned long long start, end, off, inode;
		char perms[5], dev[16];
		int name_at = 0;

		if (sscanf(s, "%llx-%llx %4s %llx %15s %llu%n", &start, &end,
			   perms, &off, dev, &inode, &name_at) >= 6 && name_at &&
		    (size_t)name_at <= len) {
			size_t at = (size_t)name_at;
			char *name;

			while (at < len && s[at] == ' ')
				at++;
			name = strndup(s + at, len - at);
			if (open)
				ms_buf_add(&b, "}");
			ms_buf_add(&b, "%s\n    {\"start\": \"0x%llx\", \"end\": \"0x%llx\", "
				   "\"perms\": \"%s\", \"offset\": \"0x%llx\", "
				   "\"dev\": \"%s\", \"inode\": %llu, \"name\": ",
				   first ? "" : ",", start, end, perms, off, dev, inode);
			ms_buf_json_str(&b, name ? name : "");
			free(name);
			open = true;
			first = false;
		} else if (open && len > 8 && !strncmp(s, "VmFlags:", 8)) {
			char *fl = strndup(s + 8, len - 8);
			char *p = fl, *q;

			while (p && *p == ' ')
				p++;
			q = p ? p + strlen(p) : NULL;
			while (q && q > p && q[-1] == ' ')
				*--q = 0;
			ms_buf_add(&b, ", \"flags\": ");
			ms_buf_json_str(&b, p ? p : "");
			free(fl);
		}
		s += len;
		if (*s == '\n')
			s++;
	}
	if (open)
		ms_buf_add(&b, "}");
	ms_buf_add(&b, "%s]", first ? "" : "\n  ");
	aspace_free_text(text);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
