/*
 * trace.c - `aspace trace`: run a command under ptrace and mirror its
 * address spaces into the model while it runs.
 *
 * Every traced call becomes one line of strace text (trace_write.c); that
 * line is written to the -o file, parsed back with the replay parser and
 * applied to the model set with the replay applier.  The live mirror and a
 * later `aspace replay` of the recording therefore run the very same code
 * on the very same text, which is what makes a recording replay to the
 * same layouts.
 *
 * What the kernel does without a system call is reconciled from
 * /proc/PID/smaps and written as `touch` lines before the call that needs
 * it: a VMA whose smaps shows anonymous pages while its model has no
 * anon_vma gets a write touch on one page; a VM_GROWSDOWN VMA whose start
 * moved down gets a touch at its new start.  With --check every each
 * traced call starts with such a reconcile and a comparison of the model
 * with the kernel's layout (the state after the previous call plus faults);
 * with --check end smaps is read only when the call's outcome can depend
 * on a VMA whose anon_vma state is not known (docs/trace.md), and at exit.
 *
 * Invariant: a line is applied to the model in the order it is written;
 * calls of tasks sharing an address space are serialised by the engine
 * (ptrace_run.c), so that order is the kernel's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aspace.h"
#include "apply.h"
#include "model_set.h"
#include "ptrace_proc.h"
#include "ptrace_run.h"
#include "insight.h"
#include "tools.h"
#include "trace_write.h"
#include "tracefmt.h"

#define PG 4096ull
#define TASK_SIZE_X86 0x7ffffffff000ull

/* Where an address space stands: tasks using it and what was checked. */
struct tr_mm {
	struct aspace *as;
	int            live;        /* traced tasks using it */
	int            last_line;   /* last call applied to it */
	char          *last_call;   /* its text */
	char          *last_diff;   /* the last layout difference reported */
	struct tr_mm  *next;
};

/* Per traced task (pt_task.user). */
struct tr_task {
	struct tr_mm *mm;           /* NULL before the first exec */
	char         *exec_text;    /* layout + pid lines, written at exit */
	struct tw_buf argtext;      /* pointer arguments read at entry */
	char          path[PATH_MAX + 32];
	bool          has_path;
	bool          clone_written;
	bool          exit_group;
	bool          final_done;
};

/* One model VMA, as reconcile needs it. */
struct mvma {
	uint64_t start, end, flags, anon;
};

struct tracer {
	/* options */
	const char   *out_path;
	const char   *json_path;
	const char   *final_path;   /* --final-maps: the kernel's last layouts */
	FILE         *final_out;
	bool          check_every;
	bool          report;       /* --report: `aspace report` at the end */
	const char   *report_json;  /* --report-json FILE */
	const char   *report_html;  /* --html FILE */
	char        **argv;
	/* the trace */
	FILE         *out;
	int           lineno;
	struct trace_parser *tp;
	struct call_rec rec;
	struct aspace_config cfg;
	struct model_set *ms;
	struct apply_ctx actx;
	struct tw_buf line;
	/* state */
	struct tr_mm *mms;
	char         *smaps;
	size_t        smaps_cap;
	struct proc_vmas kv;
	struct mvma  *mv;
	size_t        nmv, mv_cap;
	uint64_t      rlimit_stack;
	bool          randomize;
	bool          legacy_sysctl;
	/* numbers for the summary */
	uint64_t      processes, layout_divs, call_divs, smaps_reads, touches;
	uint64_t      peak_vmas, checks, internal_errors, unsynced;
	double        t0;
	bool          tty, progress_shown;
	int           status;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fprintf(stderr, "aspace trace: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		fprintf(stderr, "aspace trace: out of memory\n");
		exit(2);
	}
	return p;
}

static void progress_clear(struct tracer *tr)
{
	if (tr->progress_shown) {
		fprintf(stderr, "\r\033[K");
		tr->progress_shown = false;
	}
}

/* ------------------------------------------------------------------ */
/* Address spaces                                                      */
/* ------------------------------------------------------------------ */

static struct tr_mm *mm_ref(struct tracer *tr, struct aspace *as)
{
	struct tr_mm *m;

	if (!as)
		return NULL;
	for (m = tr->mms; m; m = m->next)
		if (m->as == as)
			break;
	if (!m) {
		m = xcalloc(1, sizeof(*m));
		m->as = as;
		m->next = tr->mms;
		tr->mms = m;
	}
	m->live++;
	return m;
}

static void mm_unref(struct tracer *tr, struct tr_mm *m)
{
	struct tr_mm **pp;

	if (!m || --m->live > 0)
		return;
	for (pp = &tr->mms; *pp && *pp != m; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = m->next;
	free(m->last_call);
	free(m->last_diff);
	free(m);
}

static struct tr_task *tt_of(struct pt_task *t)
{
	if (!t->user)
		t->user = xcalloc(1, sizeof(struct tr_task));
	return t->user;
}

/* The model of @tid's address space now (after the lines applied). */
static struct aspace *model_of(struct tracer *tr, pid_t tid)
{
	struct ms_task *mt;

	if (!tr->ms)
		return NULL;
	mt = ms_task(tr->ms, (int)tid);
	return mt ? ms_aspace(tr->ms, mt) : NULL;
}

/* Point @t at the model its lines now go to (after exec or clone). */
static void task_rebind(struct tracer *tr, struct pt_task *t)
{
	struct tr_task *tt = tt_of(t);
	struct aspace *as = model_of(tr, t->tid);

	if (tt->mm && tt->mm->as == as)
		return;
	mm_unref(tr, tt->mm);
	tt->mm = mm_ref(tr, as);
	t->turn = as;
}

/* ------------------------------------------------------------------ */
/* Lines: write, parse back, apply                                     */
/* ------------------------------------------------------------------ */

static void on_divergence(void *arg, const struct apply_divergence *d)
{
	struct tracer *tr = arg;

	progress_clear(tr);
	tr->call_divs++;
	fprintf(stderr, "aspace trace: divergence at line %d: ", d->line);
	apply_print_div(stderr, d);
}

static void on_warning(void *arg, int line, const char *msg)
{
	struct tracer *tr = arg;

	progress_clear(tr);
	fprintf(stderr, "aspace trace: line %d: warning: %s\n", line, msg);
}

static void model_set_start(struct tracer *tr)
{
	if (tr->ms)
		return;
	tr->ms = ms_new(&tr->cfg);
	if (!tr->ms) {
		fprintf(stderr, "aspace trace: out of memory\n");
		exit(2);
	}
	apply_init(&tr->actx, tr->ms);
	tr->actx.on_divergence = on_divergence;
	tr->actx.on_warning = on_warning;
	tr->actx.arg = tr;
	tr->actx.trace_name = tr->out_path;
}

static void emit_one(struct tracer *tr, const char *s, size_t len)
{
	struct trace_error err;
	char *line = strndup(s, len);
	int r;

	if (!line) {
		fprintf(stderr, "aspace trace: out of memory\n");
		exit(2);
	}
	tr->lineno++;
	if (tr->out) {
		fwrite(line, 1, len, tr->out);
		fputc('\n', tr->out);
	}
	memset(&err, 0, sizeof(err));
	r = tp_parse_line(tr->tp, line, tr->lineno, &tr->rec, &err);
	if (r == 0 && tr->rec.kind == REC_HEADER && !tr->ms) {
		r = apply_header_config(&tr->rec, &tr->cfg, NULL, NULL, &err);
	} else if (r == 0 && tr->rec.kind != REC_NONE) {
		model_set_start(tr);
		r = apply_record(&tr->actx, &tr->rec, &err);
	}
	if (r) {
		progress_clear(tr);
		tr->internal_errors++;
		fprintf(stderr, "aspace trace: line %d: %s (column %d): %s\n",
			tr->lineno, r == -2 || r == -ENOMEM ? "out of memory" :
			"not accepted", err.column, err.msg);
		fprintf(stderr, "  %s\n", line);
	}
	rec_clear(&tr->rec);
	free(line);
}

/* Write and apply every line of @text. */
static void emit(struct tracer *tr, const char *text)
{
	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t len = eol ? (size_t)(eol - text) : strlen(text);

		emit_one(tr, text, len);
		text += len + (eol ? 1 : 0);
	}
}

/* ------------------------------------------------------------------ */
/* The environment: header lines                                       */
/* ------------------------------------------------------------------ */

static const char *limit_str(uint64_t v, char *buf, size_t cap)
{
	if (v == UINT64_MAX)
		return "unlimited";
	snprintf(buf, cap, "%" PRIu64, v);
	return buf;
}

static uint64_t read_sysctl(const char *path, uint64_t dflt)
{
	FILE *f = fopen(path, "r");
	unsigned long long v;

	if (!f)
		return dflt;
	if (fscanf(f, "%llu", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/* Whether prctl(PR_SET_VMA_ANON_NAME) works here (CONFIG_ANON_VMA_NAME). */
static bool have_anon_vma_name(void)
{
	void *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = prctl(PT_PR_SET_VMA, 0, (unsigned long)p, PG, "x") == 0;
	munmap(p, PG);
	return ok;
}

/* The effective mmap_min_addr: where a hint of one page lands. */
static uint64_t probe_mmap_min_addr(void)
{
	void *p = mmap((void *)PG, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	uint64_t v = 65536;

	if (p == MAP_FAILED)
		return v;
	if ((uint64_t)(uintptr_t)p < 0x100000000ull)
		v = (uint64_t)(uintptr_t)p;
	munmap(p, PG);
	return v;
}

static uint64_t stack_guard_gap_bytes(void)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char line[4096], *p;
	uint64_t pages = 256;

	if (f) {
		if (fgets(line, sizeof(line), f)) {
			p = strstr(line, "stack_guard_gap=");
			if (p)
				pages = strtoull(p + 16, NULL, 0);
		}
		fclose(f);
	}
	return pages * PG;
}

static void write_header(struct tracer *tr)
{
	struct tw_buf *b = &tr->line;
	struct utsname u;
	char rel[65], thp[32] = "madvise", l1[32], l2[32], l3[32], l4[32];
	uint64_t memlock = 0, as = 0, data = 0, caps = 0;
	size_t i;
	FILE *f;

	uname(&u);
	for (i = 0; i < sizeof(rel) - 1 && ((u.release[i] >= '0' &&
	     u.release[i] <= '9') || u.release[i] == '.'); i++)
		rel[i] = u.release[i];
	rel[i] = 0;
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		char line[128], *o, *c;

		if (fgets(line, sizeof(line), f) && (o = strchr(line, '[')) &&
		    (c = strchr(o, ']')) && c - o - 1 < (long)sizeof(thp)) {
			memcpy(thp, o + 1, (size_t)(c - o - 1));
			thp[c - o - 1] = 0;
		}
		fclose(f);
	}
	proc_rlimit(getpid(), "Max stack size", &tr->rlimit_stack);
	proc_rlimit(getpid(), "Max locked memory", &memlock);
	proc_rlimit(getpid(), "Max address space", &as);
	proc_rlimit(getpid(), "Max data size", &data);
	proc_cap_eff(getpid(), &caps);
	tr->randomize = read_sysctl("/proc/sys/kernel/randomize_va_space", 2);
	tr->legacy_sysctl = read_sysctl("/proc/sys/vm/legacy_va_layout", 0);
	b->len = 0;
	tw_printf(b, "# aspace trace of");
	for (i = 0; tr->argv[i]; i++) {
		tw_printf(b, " ");
		tw_quote(b, tr->argv[i], strlen(tr->argv[i]), false);
	}
	tw_printf(b, "\n#@ kernel=%s page_size=4096 max_map_count=%" PRIu64
		  " overcommit=%" PRIu64 " thp=%s\n", rel,
		  read_sysctl("/proc/sys/vm/max_map_count", 65530),
		  read_sysctl("/proc/sys/vm/overcommit_memory", 0), thp);
	tw_printf(b, "#@ rlimit_stack=%s rlimit_memlock=%s rlimit_as=%s "
		  "rlimit_data=%s\n",
		  limit_str(tr->rlimit_stack, l1, sizeof(l1)),
		  limit_str(memlock, l2, sizeof(l2)),
		  limit_str(as, l3, sizeof(l3)), limit_str(data, l4, sizeof(l4)));
	tw_printf(b, "#@ cap_ipc_lock=%d cap_sys_rawio=%d mmap_min_addr=%" PRIu64
		  " dac_mmap_min_addr=%" PRIu64 " stack_guard_gap=%" PRIu64
		  " anon_vma_name=%d mmap_legacy=%d\n",
		  (int)((caps >> 14) & 1), (int)((caps >> 17) & 1),
		  probe_mmap_min_addr(),
		  read_sysctl("/proc/sys/vm/mmap_min_addr", 4096),
		  stack_guard_gap_bytes(), have_anon_vma_name() ? 1 : 0,
		  tr->legacy_sysctl ? 1 : 0);
	emit(tr, b->p);
}

/* ------------------------------------------------------------------ */
/* The layout after execve                                             */
/* ------------------------------------------------------------------ */

/*
 * mmap_base as the kernel chose it at this exec (03 §4.7): the formula
 * with the process's RLIMIT_STACK gives the highest possible base; the
 * random part (rnd, up to 2^28 pages) is read back from the layout: the
 * first top-down mapping of a fresh mm (ld.so, or the vDSO block of a
 * static binary) ends exactly at mmap_base, so the base is the highest VMA
 * end inside [base_max - rnd_max, base_max].  The stack is above that
 * window (its top lies at most 16 GiB below TASK_SIZE, the window's top at
 * least 16 GiB + 9 MiB below) and is excluded by name as well.
 */
/* /proc/PID/personality (hex); 0 when unreadable. */
static unsigned long proc_personality(pid_t pid)
{
	char *t = proc_read(pid, "personality", NULL);
	unsigned long v = t ? strtoul(t, NULL, 16) : 0;

	free(t);
	return v;
}

static uint64_t derive_mmap_base(struct tracer *tr, pid_t pid, bool *found)
{
	uint64_t stack = tr->rlimit_stack, gap, pad, hi, lo, best = 0;
	bool rnd = tr->randomize && !(proc_personality(pid) & 0x0040000);
	size_t i;

	proc_rlimit(pid, "Max stack size", &stack);
	gap = stack;
	pad = 1048576 + (rnd ? 0x3fffffull * PG : 0);
	if (gap + pad >= gap)
		gap += pad;
	if (gap < 128ull << 20)
		gap = 128ull << 20;
	if (gap > TASK_SIZE_X86 / 6 * 5)
		gap = TASK_SIZE_X86 / 6 * 5;
	hi = (TASK_SIZE_X86 - gap + PG - 1) & ~(PG - 1);
	lo = rnd ? hi - ((1ull << 28) - 1) * PG : hi;
	for (i = 0; i < tr->kv.n; i++) {
		const struct proc_vma *v = &tr->kv.v[i];

		if (v->name_len == 7 && !memcmp(v->name, "[stack]", 7))
			continue;
		if (v->end >= lo && v->end <= hi && v->end > best)
			best = v->end;
	}
	*found = best != 0;
	return best ? best : hi;
}

/*
 * The bottom-up base of a legacy layout (vm.legacy_va_layout, or the
 * ADDR_COMPAT_LAYOUT personality): PAGE_ALIGN(TASK_SIZE / 3) + rnd; the
 * first bottom-up mapping (ld.so) starts there, so it is the lowest VMA
 * start in [base, base + rnd_max].  Return: 0 when not legacy.
 */
static uint64_t derive_legacy_base(struct tracer *tr, pid_t pid)
{
	unsigned long pers = proc_personality(pid);
	bool rnd = tr->randomize && !(pers & 0x0040000);
	uint64_t lo = (TASK_SIZE_X86 / 3 + PG - 1) & ~(PG - 1), hi, best = 0;
	size_t i;

	if (!tr->legacy_sysctl && !(pers & 0x0200000))
		return 0;
	hi = rnd ? lo + ((1ull << 28) - 1) * PG : lo;
	for (i = 0; i < tr->kv.n; i++) {
		uint64_t s = tr->kv.v[i].start;

		if (s >= lo && s <= hi && (!best || s < best))
			best = s;
	}
	return best ? best : lo;
}

/* At the exec stop: the new layout and the values the model needs. */
static void capture_exec(struct tracer *tr, struct pt_task *t)
{
	struct tr_task *tt = tt_of(t);
	uint64_t f[PSTAT_MAX + 1];
	struct tw_buf b = { 0 };
	char prefix[32];
	long n;
	bool found;
	uint64_t base, legacy;

	free(tt->exec_text);
	tt->exec_text = NULL;
	n = proc_read_into(t->tid, "smaps", &tr->smaps, &tr->smaps_cap);
	if (n < 0 || proc_parse_smaps(tr->smaps, &tr->kv) < 0) {
		fprintf(stderr, "aspace trace: pid %d: cannot read its layout "
			"after execve\n", (int)t->tid);
		return;
	}
	tr->smaps_reads++;
	snprintf(prefix, sizeof(prefix), "#| %d ", (int)t->tid);
	proc_smaps_layout(tr->smaps, prefix, &b);
	base = derive_mmap_base(tr, t->tid, &found);
	if (proc_stat_fields(t->tid, f) < 0)
		memset(f, 0, sizeof(f));
	/* a fresh image: brk == start_brk (man 5 proc: field 47 is
	 * start_brk; 48 is arg_start, not the current break) */
	tw_printf(&b, "#@ pid=%d mmap_base=%#" PRIx64 " start_brk=%#" PRIx64
		  " brk=%#" PRIx64 " start_stack=%#" PRIx64
		  " start_code=%#" PRIx64 " end_code=%#" PRIx64
		  " start_data=%#" PRIx64 " end_data=%#" PRIx64 "\n",
		  (int)t->tid, base, f[PSTAT_START_BRK], f[PSTAT_START_BRK],
		  f[PSTAT_START_STACK], f[PSTAT_START_CODE], f[PSTAT_END_CODE],
		  f[PSTAT_START_DATA], f[PSTAT_END_DATA]);
	legacy = derive_legacy_base(tr, t->tid);
	if (legacy) {
		b.len--;        /* continue the #@ line */
		tw_printf(&b, " mmap_legacy=1 mmap_legacy_base=%#" PRIx64 "\n",
			  legacy);
	}
	if (!found && !legacy)
		tw_printf(&b, "# warning: no mapping ends in the mmap_base "
			  "window; using the formula's top\n");
	tt->exec_text = b.p;
}

/* ------------------------------------------------------------------ */
/* Reconcile and compare                                               */
/* ------------------------------------------------------------------ */

static int collect_vma(const struct aspace_vma_info *v, void *arg)
{
	struct tracer *tr = arg;

	if (tr->nmv == tr->mv_cap) {
		size_t nc = tr->mv_cap ? tr->mv_cap * 2 : 256;
		struct mvma *p = realloc(tr->mv, nc * sizeof(*p));

		if (!p) {
			fprintf(stderr, "aspace trace: out of memory\n");
			exit(2);
		}
		tr->mv = p;
		tr->mv_cap = nc;
	}
	tr->mv[tr->nmv].start = v->start;
	tr->mv[tr->nmv].end = v->end;
	tr->mv[tr->nmv].flags = v->flags;
	tr->mv[tr->nmv].anon = v->anon_id;
	tr->nmv++;
	return 0;
}

static void model_vmas(struct tracer *tr, struct aspace *as, uint64_t lo,
		       uint64_t hi)
{
	tr->nmv = 0;
	aspace_for_each_vma(as, lo, hi, collect_vma, tr);
}

/* A VMA the kernel may have given an anon_vma since we last looked. */
static bool mvma_uncertain(const struct mvma *m)
{
	return !(m->flags & ASPACE_VM_MAYSHARE) && !m->anon &&
	       (m->flags & ASPACE_VM_WRITE);
}

/*
 * Whether the outcome of a call on [lo, hi) can depend on state the model
 * does not know: an anon_vma-less writable private VMA next to or inside
 * the range (merges and VM_ACCOUNT depend on anon_vma), or a stack that may
 * have grown towards it.
 */
static bool range_involved(struct tracer *tr, struct aspace *as, uint64_t lo,
			   uint64_t hi)
{
	const struct aspace_config *cfg = aspace_get_config(as);
	uint64_t reach = cfg->rlimit_stack == ASPACE_RLIM_INFINITY ?
		UINT64_MAX / 4 : cfg->rlimit_stack;
	size_t i;

	lo = lo > PG ? lo - PG : 0;
	hi = hi + PG < hi ? UINT64_MAX : hi + PG;
	model_vmas(tr, as, lo, hi + reach + cfg->stack_guard_gap);
	for (i = 0; i < tr->nmv; i++) {
		const struct mvma *m = &tr->mv[i];

		if (m->start < hi && m->end > lo && mvma_uncertain(m))
			return true;
		if ((m->flags & ASPACE_VM_GROWSDOWN) && lo < m->end)
			return true;
	}
	return false;
}

/*
 * Whether any VMA's anon_vma state is unknown (fork copies it: a child's
 * VMA is a "fork child" exactly when the parent's had an anon_vma).  Stack
 * growth is not a reason: the child's stack is reconciled in the child.
 */
static bool any_uncertain(struct tracer *tr, struct aspace *as)
{
	size_t i;

	model_vmas(tr, as, 0, UINT64_MAX);
	for (i = 0; i < tr->nmv; i++)
		if (mvma_uncertain(&tr->mv[i]))
			return true;
	return false;
}

static void touch_line(struct tracer *tr, pid_t tid, uint64_t addr)
{
	tr->line.len = 0;
	tw_touch(&tr->line, tid, addr, PG, TW_TOUCH_WRITE, 0);
	tr->touches++;
	emit(tr, tr->line.p);
}

/* Excluded ranges: VMAs the current call itself changes (post-state). */
struct excl {
	uint64_t lo[2], hi[2];
	int n;
};

static bool excluded(const struct excl *x, uint64_t s, uint64_t e)
{
	int i;

	for (i = 0; x && i < x->n; i++)
		if (s < x->hi[i] && e > x->lo[i])
			return true;
	return false;
}

/*
 * Bring the model's fault state in line with tr->kv (parsed smaps of the
 * task), writing touch lines, for the kernel VMAs meeting [lo, hi).
 * @x: model VMAs the call in progress changes (their state comes from the
 *     call, not from faults), or NULL.
 */
static void reconcile(struct tracer *tr, pid_t tid, struct aspace *as,
		      uint64_t lo, uint64_t hi, const struct excl *x)
{
	size_t i, j;

	/* stack growth first: it also gives the stack its anon_vma */
	for (i = 0; i < tr->kv.n; i++) {
		const struct proc_vma *k = &tr->kv.v[i];
		struct aspace_vma_info m;

		if (!(k->flags & ASPACE_VM_GROWSDOWN) || k->end <= lo ||
		    k->start >= hi)
			continue;
		if (aspace_vma_at(as, k->end - 1, &m) == 0 &&
		    (m.flags & ASPACE_VM_GROWSDOWN) && m.end == k->end &&
		    k->start < m.start && !excluded(x, m.start, m.end))
			touch_line(tr, tid, k->start);
	}
	for (i = 0; i < tr->kv.n; i++) {
		const struct proc_vma *k = &tr->kv.v[i];
		bool has = false;

		if (!k->anon_kb || k->perms[3] != 'p' || k->end <= lo ||
		    k->start >= hi)
			continue;
		model_vmas(tr, as, k->start, k->end);
		for (j = 0; j < tr->nmv; j++)
			if (tr->mv[j].anon)
				has = true;
		if (has)
			continue;
		for (j = 0; j < tr->nmv; j++) {
			const struct mvma *m = &tr->mv[j];

			if (excluded(x, m->start, m->end))
				continue;
			if (!(m->flags & ASPACE_VM_MAYSHARE) &&
			    (m->flags & ASPACE_VM_WRITE)) {
				touch_line(tr, tid, m->start > k->start ?
					   m->start : k->start);
				break;
			}
		}
		if (j == tr->nmv && tr->nmv && !excluded(x, k->start, k->end))
			tr->unsynced++;     /* anon pages in a read-only VMA */
	}
}

/* Read the task's smaps into tr->kv.  Return: 0 or -errno. */
static int read_smaps(struct tracer *tr, pid_t tid)
{
	long n = proc_read_into(tid, "smaps", &tr->smaps, &tr->smaps_cap);

	if (n < 0)
		return (int)n;
	tr->smaps_reads++;
	return proc_parse_smaps(tr->smaps, &tr->kv);
}

/*
 * Compare the model of @mm with tr->kv (the kernel's layout, read in task
 * @tid); report a new difference with the last call applied to @mm.
 */
static void compare(struct tracer *tr, pid_t tid, struct tr_mm *mm)
{
	struct tw_buf k = { 0 }, m = { 0 }, d = { 0 }, fresh = { 0 };
	char *text, *p;
	size_t i;
	const char *a, *bp;

	text = aspace_maps(mm->as, 0);
	tr->checks++;
	for (i = 0; i < tr->kv.n; i++)
		tw_maps_key(&k, tr->kv.v[i].line, tr->kv.v[i].line_len);
	for (p = text; p && *p;) {
		char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		tw_maps_key(&m, p, len);
		p += len + (eol ? 1 : 0);
	}
	aspace_free_text(text);
	if (k.len == m.len && (!k.len || !memcmp(k.p, m.p, k.len)))
		goto out;
	/* the differing lines of both, in address order */
	a = k.p ? k.p : "";
	bp = m.p ? m.p : "";
	while (*a || *bp) {
		const char *ea = strchr(a, '\n'), *eb = strchr(bp, '\n');
		size_t la = *a ? (size_t)(ea - a) : 0;
		size_t lb = *bp ? (size_t)(eb - bp) : 0;
		uint64_t sa = *a ? strtoull(a, NULL, 16) : UINT64_MAX;
		uint64_t sb = *bp ? strtoull(bp, NULL, 16) : UINT64_MAX;

		if (la == lb && la && !memcmp(a, bp, la)) {
			a += la + 1;
			bp += lb + 1;
		} else if (sa <= sb && *a) {
			tw_printf(&d, "    kernel: %.*s\n", (int)la, a);
			a += la + 1;
		} else {
			tw_printf(&d, "    model:  %.*s\n", (int)lb, bp);
			bp += lb + 1;
		}
	}
	/*
	 * A model that diverged stays diverged: report a difference once,
	 * when lines appear that the previous comparison did not show.
	 */
	fresh.len = 0;
	for (a = d.p ? d.p : ""; *a;) {
		const char *e = strchr(a, '\n');
		size_t len = (size_t)(e - a) + 1;
		char *hit = mm->last_diff ? memmem(mm->last_diff,
			strlen(mm->last_diff), a, len) : NULL;

		if (!hit)
			tw_putn(&fresh, a, len);
		a += len;
	}
	free(mm->last_diff);
	mm->last_diff = d.p ? xstrdup(d.p) : NULL;
	if (!fresh.len)
		goto out;
	tr->layout_divs++;
	progress_clear(tr);
	if (mm->last_call)
		fprintf(stderr, "aspace trace: layout divergence (pid %d) after "
			"line %d: %s\n", (int)tid, mm->last_line, mm->last_call);
	else
		fprintf(stderr, "aspace trace: layout divergence (pid %d) in "
			"its layout after execve\n", (int)tid);
	fputs(fresh.p, stderr);
out:
	tw_buf_free(&k);
	tw_buf_free(&m);
	tw_buf_free(&d);
	tw_buf_free(&fresh);
}

/* Full reconcile of @t's address space, then (if @cmp) a comparison. */
static void sync_full(struct tracer *tr, struct pt_task *t, bool cmp)
{
	struct tr_task *tt = tt_of(t);

	if (!tt->mm || read_smaps(tr, t->tid) < 0)
		return;
	reconcile(tr, t->tid, tt->mm->as, 0, UINT64_MAX, NULL);
	if (cmp)
		compare(tr, t->tid, tt->mm);
}

/* --check end: does the call about to run need the fault state first? */
static bool entry_needs_sync(struct tracer *tr, struct pt_task *t,
			     struct aspace *as)
{
	const uint64_t *a = t->args;
	struct aspace_counters c;

	switch (t->nr) {
	case PT_NR_MMAP:
		aspace_counters(as, &c);
		if ((a[3] & (MAP_POPULATE | MAP_LOCKED)) ||
		    (c.def_flags & ASPACE_VM_LOCKED))
			return any_uncertain(tr, as);
		return false;   /* where it lands is checked at exit */
	case PT_NR_MREMAP:
		return range_involved(tr, as, a[0],
				      a[0] + (a[1] > a[2] ? a[1] : a[2]));
	case PT_NR_MPROTECT:
	case PT_NR_PKEY_MPROTECT:
	case PT_NR_MADVISE:
	case PT_NR_MLOCK:
	case PT_NR_MLOCK2:
	case PT_NR_MUNLOCK:
	case PT_NR_MSEAL:
		return range_involved(tr, as, a[0], a[0] + a[1]);
	case PT_NR_PRCTL:
		return range_involved(tr, as, a[2], a[2] + a[3]);
	case PT_NR_BRK:
		/* brk only extends the heap VMA (expand-only merge): the new
		 * range has no anon_vma, so only a fork child's refusal
		 * matters, and fork children are known */
		return false;
	case PT_NR_MLOCKALL:
	case PT_NR_MUNLOCKALL:
	case PT_NR_PROCESS_MADVISE:
	case PT_NR_FORK:
		return any_uncertain(tr, as);
	case PT_NR_CLONE:
		return !(a[0] & 0x100) && any_uncertain(tr, as);
	case PT_NR_CLONE3:
		return any_uncertain(tr, as);
	}
	return false;       /* munmap, shm*, vfork, execve, exit: no merge */
}

/* --check end, at the exit of a mmap / moved mremap: the VMAs next to
 * where the kernel put it may have anon_vmas the model lacks. */
static void exit_sync(struct tracer *tr, struct pt_task *t)
{
	struct tr_task *tt = tt_of(t);
	const uint64_t *a = t->args;
	uint64_t len;
	struct excl x = { .n = 0 };

	if (!tt->mm || t->ret < 0)
		return;
	if (t->nr == PT_NR_MMAP) {
		struct aspace_vma_info p, n;
		bool pu, nu;

		len = (a[1] + PG - 1) & ~(PG - 1);
		/*
		 * A new VMA has no anon_vma: merging it with one neighbour
		 * is refused only for a fork child's VMA, which the model
		 * knows.  Filling a hole between two VMAs also needs the two
		 * to be compatible with each other, so it is only then that
		 * an unknown anon_vma next to it matters.
		 */
		if ((uint64_t)t->ret < PG ||
		    aspace_vma_at(tt->mm->as, (uint64_t)t->ret - 1, &p) ||
		    aspace_vma_at(tt->mm->as, (uint64_t)t->ret + len, &n))
			return;
		pu = !(p.flags & ASPACE_VM_MAYSHARE) && !p.anon_id &&
		     (p.flags & ASPACE_VM_WRITE);
		nu = !(n.flags & ASPACE_VM_MAYSHARE) && !n.anon_id &&
		     (n.flags & ASPACE_VM_WRITE);
		if (!pu && !nu)
			return;
	} else if (t->nr == PT_NR_MREMAP) {
		if ((uint64_t)t->ret == a[0])
			return;
		len = (a[2] + PG - 1) & ~(PG - 1);
		x.lo[x.n] = a[0];
		x.hi[x.n++] = a[0] + a[1];
	} else {
		return;
	}
	x.lo[x.n] = (uint64_t)t->ret;
	x.hi[x.n++] = (uint64_t)t->ret + len;
	if (t->nr == PT_NR_MREMAP &&
	    !range_involved(tr, tt->mm->as, (uint64_t)t->ret,
			    (uint64_t)t->ret + len))
		return;
	if (read_smaps(tr, t->tid) < 0)
		return;
	reconcile(tr, t->tid, tt->mm->as, (uint64_t)t->ret - PG,
		  (uint64_t)t->ret + len + PG, &x);
}

/* ------------------------------------------------------------------ */
/* Arguments in the task's memory                                      */
/* ------------------------------------------------------------------ */

static void read_string_arg(struct tw_buf *b, pid_t tid, uint64_t addr,
			    size_t max)
{
	char buf[4096];
	bool cut = false;
	long n;

	if (!addr) {
		tw_printf(b, "NULL");
		return;
	}
	if (max >= sizeof(buf))
		max = sizeof(buf) - 1;
	n = pt_read_str(tid, addr, buf, max + 1, &cut);
	if (n < 0)
		tw_printf(b, "%#" PRIx64, addr);
	else
		tw_quote(b, buf, (size_t)n, cut);
}

/* ["a", "b", ...] of a NULL-terminated pointer array (argv). */
static void read_argv(struct tw_buf *b, pid_t tid, uint64_t addr)
{
	uint64_t ptr;
	int i;

	if (!addr) {
		tw_printf(b, "NULL");
		return;
	}
	tw_printf(b, "[");
	for (i = 0; i < 256; i++) {
		if (pt_read_mem(tid, addr + 8ull * (uint64_t)i, &ptr, 8) != 8 ||
		    !ptr)
			break;
		if (i)
			tw_printf(b, ", ");
		read_string_arg(b, tid, ptr, 32);
	}
	if (i == 256)
		tw_printf(b, ", ...");
	tw_printf(b, "]");
}

static void read_envp(struct tw_buf *b, pid_t tid, uint64_t addr)
{
	uint64_t ptr;
	int n = 0;

	if (!addr) {
		tw_printf(b, "NULL");
		return;
	}
	while (n < 100000 && pt_read_mem(tid, addr + 8ull * (uint64_t)n,
					 &ptr, 8) == 8 && ptr)
		n++;
	tw_printf(b, "%#" PRIx64 " /* %d var%s */", addr, n, n == 1 ? "" : "s");
}

static void gather_args(struct tracer *tr, struct pt_task *t)
{
	struct tr_task *tt = tt_of(t);
	struct tw_buf *b = &tt->argtext;
	const uint64_t *a = t->args;
	struct tw_clone_args ca;
	uint64_t raw[11];
	long n;
	int i;

	(void)tr;
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
	tt->has_path = false;
	switch (t->nr) {
	case PT_NR_MMAP:
		if ((int)(uint32_t)a[4] >= 0)
			tt->has_path = proc_fd_path(t->tid, (int)a[4],
				tt->path, sizeof(tt->path)) > 0;
		break;
	case PT_NR_EXECVE:
	case PT_NR_EXECVEAT:
		/* execveat's path, argv, envp come one argument later */
		i = t->nr == PT_NR_EXECVEAT;
		read_string_arg(b, t->tid, a[i], PATH_MAX);
		tw_printf(b, ", ");
		read_argv(b, t->tid, a[i + 1]);
		tw_printf(b, ", ");
		read_envp(b, t->tid, a[i + 2]);
		break;
	case PT_NR_CLONE3:
		memset(raw, 0, sizeof(raw));
		n = pt_read_mem(t->tid, a[0], raw,
				a[1] < sizeof(raw) ? a[1] : sizeof(raw));
		if (n < 64) {
			tw_printf(b, "%#" PRIx64, a[0]);
			break;
		}
		ca.flags = raw[0];
		ca.pidfd = raw[1];
		ca.child_tid = raw[2];
		ca.parent_tid = raw[3];
		ca.exit_signal = raw[4];
		ca.stack = raw[5];
		ca.stack_size = raw[6];
		ca.tls = raw[7];
		tw_clone3_struct(b, &ca);
		break;
	case PT_NR_PRCTL:
		if (a[4])
			read_string_arg(b, t->tid, a[4], 80);
		break;
	case PT_NR_PROCESS_MADVISE: {
		char fdinfo[64], *txt, *p;

		snprintf(fdinfo, sizeof(fdinfo), "fdinfo/%d", (int)a[0]);
		txt = proc_read(t->tid, fdinfo, NULL);
		p = txt ? strstr(txt, "Pid:") : NULL;
		if (p) {
			snprintf(tt->path, sizeof(tt->path), "pid:%d",
				 atoi(p + 4));
			tt->has_path = true;
		}
		free(txt);
		tw_printf(b, "[");
		for (i = 0; i < (int)a[2] && i < 64; i++) {
			uint64_t iov[2];

			if (pt_read_mem(t->tid, a[1] + 16ull * (uint64_t)i,
					iov, 16) != 16)
				break;
			tw_printf(b, "%s{iov_base=%#" PRIx64 ", iov_len=%"
				  PRIu64 "}", i ? ", " : "", iov[0], iov[1]);
		}
		tw_printf(b, "]");
		break;
	}
	}
}

/* Write and apply the call line of @t (its result in t->ret). */
static void call_line(struct tracer *tr, struct pt_task *t, bool no_return)
{
	struct tr_task *tt = tt_of(t);
	struct tw_call c;
	int line;

	memset(&c, 0, sizeof(c));
	c.tid = t->tid;
	c.nr = t->nr;
	memcpy(c.args, t->args, sizeof(c.args));
	c.ret = t->ret;
	c.no_return = no_return;
	c.path = tt->has_path ? tt->path : NULL;
	c.text = tt->argtext.p ? tt->argtext.p : "";
	tr->line.len = 0;
	if (tw_call(&tr->line, &c) < 0)
		return;
	line = tr->lineno + 1;
	emit(tr, tr->line.p);
	if (tt->mm && !no_return) {     /* exit/exit_group change nothing */
		struct aspace_counters cnt;

		tr->line.p[tr->line.len - 1] = 0;
		/* An execve line replaced the task's model and freed the old
		 * one when nobody shared it (the exec hook rebinds the task
		 * later): tt->mm->as must not be touched then. */
		if ((t->nr == PT_NR_EXECVE || t->nr == PT_NR_EXECVEAT) &&
		    t->ret == 0)
			return;
		free(tt->mm->last_call);
		tt->mm->last_call = xstrdup(tr->line.p);
		tt->mm->last_line = line;
		aspace_counters(tt->mm->as, &cnt);
		if (cnt.map_count > tr->peak_vmas)
			tr->peak_vmas = cnt.map_count;
	}
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */
/* ------------------------------------------------------------------ */

static void hook_entry(void *ctx, struct pt_task *t)
{
	struct tracer *tr = ctx;
	struct tr_task *tt = tt_of(t);

	gather_args(tr, t);
	if (t->nr == PT_NR_EXIT_GROUP)
		tt->exit_group = true;
	if (tt->mm) {
		bool sync = t->nr != PT_NR_EXIT && t->nr != PT_NR_EXIT_GROUP &&
			(tr->check_every ||
			 entry_needs_sync(tr, t, tt->mm->as));

		if (sync)
			sync_full(tr, t, tr->check_every);
	}
	if (t->nr == PT_NR_EXIT || t->nr == PT_NR_EXIT_GROUP)
		call_line(tr, t, true);
}

static void hook_exit(void *ctx, struct pt_task *t)
{
	struct tracer *tr = ctx;
	struct tr_task *tt = tt_of(t);

	if (tt->clone_written) {
		tt->clone_written = false;
		return;         /* written at the fork event */
	}
	if (!tr->check_every)
		exit_sync(tr, t);
	call_line(tr, t, false);
	if ((t->nr == PT_NR_EXECVE || t->nr == PT_NR_EXECVEAT) &&
	    t->ret == 0 && tt->exec_text) {
		emit(tr, tt->exec_text);
		free(tt->exec_text);
		tt->exec_text = NULL;
		task_rebind(tr, t);
		tt->final_done = false;
		if (tr->check_every && tt->mm && read_smaps(tr, t->tid) == 0) {
			free(tt->mm->last_call);
			tt->mm->last_call = NULL;
			compare(tr, t->tid, tt->mm);
		}
	}
}

static void hook_exec(void *ctx, struct pt_task *t, pid_t old_tid)
{
	struct tracer *tr = ctx;

	(void)old_tid;
	capture_exec(tr, t);
}

static void hook_child(void *ctx, struct pt_task *parent,
		       struct pt_task *child, uint64_t flags)
{
	struct tracer *tr = ctx;
	struct tr_task *pt = tt_of(parent), *ct = tt_of(child);
	pid_t saved_ret = (pid_t)parent->ret;

	(void)flags;
	/* the call's result is the child: write it now, before the child
	 * can run a call of its own */
	parent->ret = child->tid;
	call_line(tr, parent, false);
	parent->ret = saved_ret;
	pt->clone_written = true;
	if (!(flags & 0x00010000))      /* not CLONE_THREAD */
		tr->processes++;
	ct->mm = NULL;
	if (pt->mm)
		task_rebind(tr, child);
}

static void final_check(struct tracer *tr, struct pt_task *t)
{
	struct tr_task *tt = tt_of(t);

	size_t i;

	if (!tt->mm || tt->final_done)
		return;
	tt->final_done = true;
	sync_full(tr, t, true);
	if (!tr->final_out || !tr->kv.n)
		return;
	/* the kernel's own layout at exit, as `aspace replay` prints a
	 * process that exited (dev and inode included: the reader masks) */
	fprintf(tr->final_out, "# pid %d (exited)\n", (int)t->tid);
	for (i = 0; i < tr->kv.n; i++)
		fprintf(tr->final_out, "%.*s\n", (int)tr->kv.v[i].line_len,
			tr->kv.v[i].line);
}

static void hook_exit_event(void *ctx, struct pt_task *t)
{
	struct tracer *tr = ctx;
	struct tr_task *tt = tt_of(t);

	if (tt->mm && (tt->exit_group || tt->mm->live == 1))
		final_check(tr, t);
}

static void hook_gone(void *ctx, struct pt_task *t, int status)
{
	struct tracer *tr = ctx;
	struct tr_task *tt = tt_of(t);

	tr->line.len = 0;
	if (status == -1)       /* the exec'ing thread takes over this pid */
		tw_printf(&tr->line, "%-5d +++ superseded by execve +++\n",
			  (int)t->tid);
	else
		tw_exited(&tr->line, t->tid, status);
	emit(tr, tr->line.p);
	mm_unref(tr, tt->mm);
	free(tt->exec_text);
	tw_buf_free(&tt->argtext);
	free(tt);
	t->user = NULL;
}

static void hook_tick(void *ctx)
{
	struct tracer *tr = ctx;
	struct apply_stats *st = &tr->actx.st;

	if (!tr->tty)
		return;
	fprintf(stderr, "\r\033[K[aspace trace] %" PRIu64 " processes, %"
		PRIu64 " calls, peak %" PRIu64 " VMAs, %" PRIu64
		" divergences, %.1f s", tr->processes, st->applied,
		tr->peak_vmas, st->divergences + tr->layout_divs,
		now_sec() - tr->t0);
	tr->progress_shown = true;
}

/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f, "usage: aspace trace [-o FILE] [--check every|end] "
		"[--summary-json FILE]\n                    [--report] "
		"[--report-json FILE] [--html FILE] -- COMMAND [ARGS...]\n"
		"  -o FILE               write the trace (strace syntax, "
		"with touch and layout lines)\n"
		"  --check every         compare the model with the kernel "
		"before each call (default)\n"
		"  --check end           compare only when each process ends "
		"(cheaper)\n"
		"  --summary-json FILE   write the summary as JSON\n"
		"  --final-maps FILE     write each process's layout at exit, "
		"read from the kernel\n"
		"  --report              at the end, print `aspace report` of "
		"the recorded calls\n"
		"  --report-json FILE    ... and write it as JSON\n"
		"  --html FILE           ... and write its picture\n");
}

static bool wants_report(const struct tracer *tr)
{
	return tr->report || tr->report_json || tr->report_html;
}

/*
 * The report runs over the trace text just written (the -o file, or a
 * temporary file): the same engine and the same text as a later
 * `aspace report` of the recording.
 */
static void trace_report(struct tracer *tr)
{
	struct report_opts o = { .html = tr->report_html };
	FILE *jf = NULL;

	if (tr->report)
		o.text = stderr;
	if (tr->report_json) {
		jf = fopen(tr->report_json, "w");
		if (!jf) {
			perror(tr->report_json);
			return;
		}
		o.json = jf;
	}
	if (tr->report)
		fputc('\n', stderr);
	if (report_stream(tr->out_path ? tr->out_path : tr->argv[0],
			  tr->out_path, tr->out, &o, stderr))
		fprintf(stderr, "aspace trace: the report failed\n");
	if (jf && fclose(jf))
		perror(tr->report_json);
}

static void summary(struct tracer *tr, double wall)
{
	struct aspace_stats st;
	struct apply_stats *a = &tr->actx.st;
	uint64_t divs = a->divergences + tr->layout_divs;
	struct ms_buf cmd;
	FILE *f;
	int i;

	memset(&st, 0, sizeof(st));
	if (tr->ms)
		ms_stats(tr->ms, &st);
	progress_clear(tr);
	fprintf(stderr,
		"aspace trace: %s exited with status %d\n"
		"  processes    %" PRIu64 "\n"
		"  calls        %" PRIu64 " mirrored, %" PRIu64 " skipped, %"
		PRIu64 " touch lines\n"
		"  peak VMAs    %" PRIu64 "\n"
		"  merges       %" PRIu64 "\n"
		"  splits       %" PRIu64 "\n"
		"  divergences  %" PRIu64 " (%" PRIu64 " results, %" PRIu64
		" layouts; %" PRIu64 " layout checks, %" PRIu64
		" smaps reads)\n"
		"  wall time    %.3f s\n",
		tr->argv[0], tr->status, tr->processes, a->applied, a->skipped,
		tr->touches, tr->peak_vmas, st.merges, st.splits, divs,
		a->divergences, tr->layout_divs, tr->checks, tr->smaps_reads,
		wall);
	if (tr->unsynced)
		fprintf(stderr, "  note: %" PRIu64 " read-only VMAs had "
			"anonymous pages the model could not be told of\n",
			tr->unsynced);
	if (!tr->json_path)
		return;
	f = fopen(tr->json_path, "w");
	if (!f) {
		perror(tr->json_path);
		return;
	}
	memset(&cmd, 0, sizeof(cmd));
	for (i = 0; tr->argv[i]; i++) {
		if (i)
			ms_buf_add(&cmd, ", ");
		ms_buf_json_str(&cmd, tr->argv[i]);
	}
	fprintf(f, "{\"command\": [%s], \"check\": \"%s\", \"processes\": %" PRIu64
		", \"calls\": %" PRIu64 ", \"skipped\": %" PRIu64
		", \"touches\": %" PRIu64 ", \"peak_vmas\": %" PRIu64
		", \"merges\": %" PRIu64 ", \"splits\": %" PRIu64
		", \"divergences\": %" PRIu64 ", \"result_divergences\": %"
		PRIu64 ", \"layout_divergences\": %" PRIu64
		", \"layout_checks\": %" PRIu64 ", \"smaps_reads\": %" PRIu64
		", \"trace_lines\": %d, \"internal_errors\": %" PRIu64
		", \"exit_status\": %d, \"wall_time\": %.6f}\n",
		cmd.s ? cmd.s : "", tr->check_every ? "every" : "end",
		tr->processes, a->applied,
		a->skipped, tr->touches, tr->peak_vmas, st.merges, st.splits,
		divs, a->divergences, tr->layout_divs, tr->checks,
		tr->smaps_reads, tr->lineno, tr->internal_errors, tr->status,
		wall);
	fclose(f);
	free(cmd.s);
}

/*
 * cmd_trace() - `aspace trace [-o FILE] [--check every|end]
 * [--summary-json FILE] [--final-maps FILE] [--report] [--report-json FILE]
 * [--html FILE] -- COMMAND [ARGS...]`.
 * @argc, @argv: the arguments after "aspace" (argv[0] is "trace").
 *
 * Assumes: nothing; a usage error prints the usage.
 * Return:  the traced command's exit status (128 + signal when killed),
 *          as strace reports it; 2 for a usage error or when the command
 *          cannot be started under ptrace.
 * Cost:    two ptrace stops per traced call, plus a /proc/PID/smaps read
 *          per call with --check every (docs/trace.md).
 */
int cmd_trace(int argc, char **argv)
{
	struct tracer tr;
	struct pt_hooks hooks;
	struct pt_session *s;
	int i;

	memset(&tr, 0, sizeof(tr));
	tr.check_every = true;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			tr.out_path = argv[++i];
		} else if (!strcmp(argv[i], "--check") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "every"))
				tr.check_every = true;
			else if (!strcmp(argv[i], "end"))
				tr.check_every = false;
			else {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "--summary-json") && i + 1 < argc) {
			tr.json_path = argv[++i];
		} else if (!strcmp(argv[i], "--final-maps") && i + 1 < argc) {
			tr.final_path = argv[++i];
		} else if (!strcmp(argv[i], "--report")) {
			tr.report = true;
		} else if (!strcmp(argv[i], "--report-json") && i + 1 < argc) {
			tr.report_json = argv[++i];
		} else if (!strcmp(argv[i], "--html") && i + 1 < argc) {
			tr.report_html = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	tr.argv = argv + i;
	if (tr.out_path) {
		/* readable too: the report reads it back */
		tr.out = fopen(tr.out_path, wants_report(&tr) ? "w+" : "w");
		if (!tr.out) {
			perror(tr.out_path);
			return 2;
		}
	} else if (wants_report(&tr)) {
		tr.out = tmpfile();
		if (!tr.out) {
			perror("aspace trace: tmpfile");
			return 2;
		}
	}
	if (tr.final_path) {
		tr.final_out = fopen(tr.final_path, "w");
		if (!tr.final_out) {
			perror(tr.final_path);
			return 2;
		}
	}
	tr.tp = tp_new();
	if (!tr.tp)
		return 2;
	aspace_config_init(&tr.cfg);
	tr.tty = isatty(2);
	tr.t0 = now_sec();
	write_header(&tr);
	model_set_start(&tr);

	memset(&hooks, 0, sizeof(hooks));
	hooks.ctx = &tr;
	hooks.on_entry = hook_entry;
	hooks.on_exit = hook_exit;
	hooks.on_exec = hook_exec;
	hooks.on_child = hook_child;
	hooks.on_exit_event = hook_exit_event;
	hooks.on_gone = hook_gone;
	hooks.on_tick = hook_tick;
	s = pt_start(tr.argv, &hooks);
	if (!s)
		return 2;
	tr.processes = 1;
	tr.status = pt_run(s);
	pt_free(s);
	if (tr.status < 0)
		tr.status = 2;
	if (tr.final_out)
		fclose(tr.final_out);
	summary(&tr, now_sec() - tr.t0);
	if (wants_report(&tr))
		trace_report(&tr);
	if (tr.out)
		fclose(tr.out);
	tw_buf_free(&tr.line);
	apply_fini(&tr.actx);
	ms_free(tr.ms);
	tp_free(tr.tp);
	proc_vmas_free(&tr.kv);
	free(tr.smaps);
	free(tr.mv);
	while (tr.mms) {
		struct tr_mm *m = tr.mms;

		tr.mms = m->next;
		free(m->last_call);
		free(m->last_diff);
		free(m);
	}
	return tr.status;
}
