/*
 * report.c - `aspace report [--json] [--pid N] [--html FILE] TRACE`: why a
 * process has so many VMAs.  Owns the insight replay (ins_run(): a replay
 * with provenance on where every call gets an id, insight.h), the
 * adjacent-pair statistics (ins_pairs_of()) and the report: the VMA count
 * over time with its peak and the call that reached it, the calls that
 * added the most VMAs by system call and by call site, the pairs that
 * could merge but for one rule (which), guard-page costs, and the headroom
 * against max_map_count.
 *
 * The report follows one process: --pid, or the one whose address space
 * reached the most VMAs.  Pair statistics are taken at that peak (a second
 * replay takes them when it passes the peak call) and at the end of the
 * trace.  report_text() is the one engine: `aspace report` feeds it a file,
 * `aspace trace --report` the text it has just recorded (report_stream()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "apply.h"
#include "insight.h"
#include "tools.h"

/* ------------------------------------------------------------------ */
/* Call sites                                                          */
/* ------------------------------------------------------------------ */

/*
 * The call-site pattern of a call text: the text before " = ", numbers
 * written in hex (addresses) replaced by "ADDR"; lengths, flags and
 * paths stay, so one site of a program is one pattern.
 */
static char *site_pattern(const char *text)
{
	const char *end = strstr(text, ") = ");
	size_t n = end ? (size_t)(end - text) + 1 : strlen(text), i, o = 0;
	char *p = malloc(n * 2 + 8);

	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		if (text[i] == '0' && i + 1 < n && text[i + 1] == 'x' &&
		    (i == 0 || !strchr("abcdefx0123456789", text[i - 1]))) {
			i += 2;
			while (i < n && strchr("0123456789abcdef", text[i]))
				i++;
			i--;
			memcpy(p + o, "ADDR", 4);
			o += 4;
			continue;
		}
		p[o++] = text[i];
	}
	p[o] = '\0';
	return p;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The index of @pat in sites[] (added if new; @pat consumed). */
static int site_index(struct ins_run *r, char *pat, uint32_t *out)
{
	uint32_t h, i;

	if (r->nsites * 2 + 2 > r->hash_cap) {
		uint32_t ncap = r->hash_cap ? r->hash_cap * 2 : 1024, k;
		uint32_t *nh = calloc(ncap, sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		for (k = 0; k < r->nsites; k++) {
			i = hash_str(r->sites[k]) & (ncap - 1);
			while (nh[i])
				i = (i + 1) & (ncap - 1);
			nh[i] = k + 1;
		}
		free(r->site_hash);
		r->site_hash = nh;
		r->hash_cap = ncap;
	}
	h = hash_str(pat);
	for (i = h & (r->hash_cap - 1); r->site_hash[i];
	     i = (i + 1) & (r->hash_cap - 1)) {
		if (!strcmp(r->sites[r->site_hash[i] - 1], pat)) {
			free(pat);
			*out = r->site_hash[i] - 1;
			return 0;
		}
	}
	if (r->nsites == r->sites_cap) {
		uint32_t ncap = r->sites_cap ? r->sites_cap * 2 : 256;
		char **ns = realloc(r->sites, ncap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		r->sites = ns;
		r->sites_cap = ncap;
	}
	r->sites[r->nsites] = pat;
	r->site_hash[i] = r->nsites + 1;
	*out = r->nsites++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The insight replay                                                  */
/* ------------------------------------------------------------------ */

static void quiet_div(void *arg, const struct apply_divergence *d)
{
	(void)d;
	((struct ins_run *)arg)->divergences++;
}

static void quiet_warn(void *arg, int line, const char *msg)
{
	(void)arg;
	(void)line;
	(void)msg;
}

/* Does apply_call() run this record against a model (apply.c)? */
static bool is_model_call(const struct call_rec *rec)
{
	if (rec->sys == TS_OTHER || rec->sys == TS_SHMGET)
		return false;
	return !(rec->sys == TS_PRCTL && rec->args[1] != 0);
}

static bool changes_mm_itself(enum tsys s)
{
	return s == TS_EXECVE || s == TS_EXECVEAT || s == TS_EXIT ||
		s == TS_EXIT_GROUP;
}

static uint64_t count_of(const struct aspace *as)
{
	struct aspace_counters c;

	if (!as)
		return 0;
	aspace_counters(as, &c);
	return c.map_count;
}

/* The live, built model of @t, without building a pending one. */
static struct aspace *task_as(struct model_set *ms, struct ms_task *t)
{
	if (!t || t->exited || t->exec_pending || !t->mm)
		return NULL;
	return ms_aspace(ms, t);
}

const struct aspace *ins_focus_as(struct ins_run *r)
{
	return r->ms && r->has_focus ? task_as(r->ms, ms_task(r->ms, r->focus)) :
		NULL;
}

/* Set the call id on the caller's model before apply_record() runs. */
static struct aspace *prepare_call(struct ins_run *r, const struct call_rec *rec,
				   uint64_t id, int *leader)
{
	struct ms_task *t = NULL;
	struct aspace *as;

	*leader = rec->pid;
	if (!is_model_call(rec)) {
		t = ms_task(r->ms, rec->pid);
		if (t)
			*leader = t->leader;
		return task_as(r->ms, t);
	}
	/* what apply_call() does first: find or create the task */
	if (ms_task_get(r->ms, rec->pid, &t, NULL))
		return NULL;
	*leader = t->leader;
	if (t->exited || !t->mm)
		return NULL;
	/* ... and build a model pending after execve (not for the calls
	 * that replace or drop it) */
	if (t->exec_pending && changes_mm_itself(rec->sys))
		return NULL;
	as = ms_aspace(r->ms, t);
	if (as)
		aspace_set_call_id(as, id);
	return as;
}

static int add_call(struct ins_run *r, const struct call_rec *rec,
		    size_t off, int leader, uint64_t before, uint64_t after)
{
	struct ins_call *c;
	char *pat;
	int err;

	if (r->ncalls == r->cap) {
		uint64_t ncap = r->cap ? r->cap * 2 : 4096;
		struct ins_call *nc = realloc(r->calls, ncap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		r->calls = nc;
		r->cap = ncap;
	}
	c = &r->calls[r->ncalls++];
	memset(c, 0, sizeof(*c));
	c->off = off;
	c->line = rec->line;
	c->pid = leader;
	c->sys = (uint8_t)rec->sys;
	c->delta = (int32_t)((int64_t)after - (int64_t)before);
	c->count = (uint32_t)after;
	c->enomem = !rec->ret_unknown && rec->ret == -ENOMEM;
	c->guard = (rec->sys == TS_MPROTECT || rec->sys == TS_PKEY_MPROTECT) &&
		(rec->args[2] & (PROT_READ | PROT_WRITE | PROT_EXEC)) == 0;
	pat = site_pattern(rec->text ? rec->text : rec->name);
	if (!pat)
		return -ENOMEM;
	err = site_index(r, pat, &c->site);
	return err;
}

/* Read the maps= file relative to the trace (as replay.c does). */
static char *read_text_file(const char *trace_path, const char *rel)
{
	const char *slash = trace_path ? strrchr(trace_path, '/') : NULL;
	char path[4096];
	struct ms_buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *f;

	if (rel[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%.*s/%s",
			 (int)(slash - trace_path), trace_path, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ms_buf_add(&b, "%.*s", (int)n, chunk);
	fclose(f);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}

static bool has_pid_key(const struct call_rec *rec)
{
	int i;

	for (i = 0; i < rec->nkv; i++)
		if (!strcmp(rec->kv[i].key, "pid"))
			return true;
	return false;
}

int ins_run(struct ins_run *r, FILE *errf)
{
	struct aspace_config cfg;
	struct trace_parser *tp = tp_new();
	struct apply_ctx ctx;
	struct call_rec rec = { 0 };
	struct trace_error e;
	const char *s = r->text;
	char *maps = NULL;
	int lineno = 0, status = 2, rc;

	aspace_config_init(&cfg);
	cfg.provenance = true;
	apply_init(&ctx, NULL);
	ctx.on_divergence = quiet_div;
	ctx.on_warning = quiet_warn;
	ctx.arg = r;
	ctx.trace_name = r->name;
	if (!tp)
		goto oom;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		size_t off = (size_t)(s - r->text);
		char *line = strndup(s, len);
		struct aspace *as;
		uint64_t before, id;
		int leader;

		s += len + (nl ? 1 : 0);
		lineno++;
		if (!line)
			goto oom;
		rc = tp_parse_line(tp, line, lineno, &rec, &e);
		free(line);
		if (rc == -2)
			goto oom;
		if (rc) {
			fprintf(errf, "%s:%d:%d: %s\n", r->name, e.line,
				e.column, e.msg);
			goto out;
		}
		if (rec.kind == REC_NONE || rec.kind == REC_SIGNAL)
			continue;
		if (rec.kind == REC_HEADER && !has_pid_key(&rec)) {
			const char *m = NULL;

			if (apply_header_config(&rec, r->ms ? ms_config(r->ms) :
						&cfg, &m, NULL, &e)) {
				fprintf(errf, "%s:%d:%d: %s\n", r->name, e.line,
					e.column, e.msg);
				goto out;
			}
			if (m && !r->ms) {
				free(maps);
				maps = strdup(m);
				if (!maps)
					goto oom;
			}
			continue;
		}
		if (!r->ms) {
			cfg.provenance = true;
			r->max_map_count = cfg.max_map_count;
			r->ms = ms_new(&cfg);
			if (!r->ms)
				goto oom;
			ctx.ms = r->ms;
			if (maps) {
				char *mt = read_text_file(r->path, maps);

				if (!mt) {
					fprintf(errf, "%s: maps=%s: cannot read\n",
						r->name, maps);
					goto out;
				}
				rc = ms_set_initial_layout(r->ms, mt);
				free(mt);
				if (rc)
					goto oom;
			}
		}
		if (rec.kind == REC_EXIT && r->at_exit && r->has_focus) {
			struct ms_task *t = ms_task(r->ms, rec.pid);

			if (t && t->pid == r->focus && !t->is_thread)
				r->at_exit(r, r->ncalls, task_as(r->ms, t), r->arg);
		}
		if (rec.kind != REC_CALL) {
			rc = apply_record(&ctx, &rec, &e);
			if (rc) {
				fprintf(errf, "%s:%d:%d: %s\n", r->name, e.line,
					e.column, e.msg);
				goto out;
			}
			continue;
		}
		id = r->ncalls + 1;
		as = prepare_call(r, &rec, id, &leader);
		before = count_of(as);
		rc = apply_record(&ctx, &rec, &e);
		if (rc) {
			fprintf(errf, "%s:%d:%d: %s\n", r->name, e.line,
				e.column, e.msg);
			goto out;
		}
		as = task_as(r->ms, ms_task(r->ms, rec.pid));
		if (add_call(r, &rec, off, leader, before, count_of(as)))
			goto oom;
		if (r->at_call)
			r->at_call(r, id, ins_focus_as(r), r->arg);
		if (r->stop_line && lineno >= r->stop_line)
			break;
	}
	if (!r->ms) {
		r->max_map_count = cfg.max_map_count;
		r->ms = ms_new(&cfg);
		if (!r->ms)
			goto oom;
	}
	r->applied = ctx.st.applied;
	status = 0;
	goto out;
oom:
	fprintf(errf, "%s: out of memory\n", r->name);
out:
	rec_clear(&rec);
	tp_free(tp);
	apply_fini(&ctx);
	free(maps);
	return status;
}

void ins_run_free(struct ins_run *r)
{
	uint32_t i;

	for (i = 0; i < r->nsites; i++)
		free(r->sites[i]);
	free(r->sites);
	free(r->site_hash);
	free(r->calls);
	ms_free(r->ms);
	r->sites = NULL;
	r->site_hash = NULL;
	r->calls = NULL;
	r->ms = NULL;
	r->nsites = r->sites_cap = r->hash_cap = 0;
	r->ncalls = r->cap = 0;
}

const char *ins_call_text(const struct ins_run *r, uint64_t id, char *buf,
			  size_t cap)
{
	const struct ins_call *c;
	const char *t, *nl;
	int n;

	if (!id || id > r->ncalls) {
		snprintf(buf, cap, "the layout the trace started with or an "
			 "execve loaded");
		return buf;
	}
	c = &r->calls[id - 1];
	t = r->text + c->off;
	nl = strchr(t, '\n');
	n = nl ? (int)(nl - t) : (int)strlen(t);
	while (n > 0 && (t[n - 1] == '\r' || t[n - 1] == ' '))
		n--;
	snprintf(buf, cap, "line %d: %.*s", c->line, n, t);
	return buf;
}

void ins_peak(const struct ins_run *r, int *pid, uint64_t *peak, uint64_t *id)
{
	uint64_t i;

	*pid = 0;
	*peak = 0;
	*id = 0;
	for (i = 0; i < r->ncalls; i++) {
		if (r->calls[i].count > *peak) {
			*peak = r->calls[i].count;
			*pid = r->calls[i].pid;
			*id = i + 1;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Pairs                                                               */
/* ------------------------------------------------------------------ */

struct pair_walk {
	const struct aspace *as;
	struct ins_pairs *p;
	struct aspace_vma_info prev;
	bool have_prev, prev_guard_counted;
};

#define ACCESS (ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_EXEC)

static void note_flag_mask(struct ins_pairs *p, uint64_t m)
{
	int i;

	for (i = 0; i < p->nflag_masks; i++) {
		if (p->flag_masks[i] == m) {
			p->flag_mask_n[i]++;
			return;
		}
	}
	if (p->nflag_masks < 8) {
		p->flag_masks[p->nflag_masks] = m;
		p->flag_mask_n[p->nflag_masks++] = 1;
	}
}

static int pair_step(const struct aspace_vma_info *v, void *arg)
{
	struct pair_walk *w = arg;
	struct ins_pairs *p = w->p;
	struct aspace_explain e;
	int b;

	p->vmas++;
	if (v->flags & ASPACE_VM_MAYBE_GUARD)
		p->guard_madv++;
	if (!w->have_prev) {
		w->prev = *v;
		w->have_prev = true;
		return 0;
	}
	p->pairs++;
	if (aspace_explain_pair(w->as, w->prev.start, v->start, &e) == 0 &&
	    !(e.why & ASPACE_WHY_GAP)) {
		p->adjacent++;
		if (!e.why)
			p->mergeable++;
		for (b = 0; b < ASPACE_WHY_NBITS; b++)
			if (e.why & (1u << b))
				p->any_rule[b]++;
		if (e.why && !(e.why & (e.why - 1))) {
			p->single++;
			p->by_rule[__builtin_ctz(e.why)]++;
			if (e.why == ASPACE_WHY_FLAGS)
				note_flag_mask(p, e.flags_diff);
		}
	}
	w->prev = *v;
	return 0;
}

/*
 * A guard: a PROT_NONE VMA touching an accessible VMA of the same file
 * (anonymous included).  It costs itself, plus the split it causes when
 * accessible VMAs touch it on both sides.
 */
static int guard_step(const struct aspace_vma_info *v, void *arg)
{
	struct pair_walk *w = arg;
	struct aspace_vma_info n;
	bool lo = false, hi = false;

	if (v->flags & ACCESS)
		return 0;
	if (v->start && aspace_vma_at(w->as, v->start - 1, &n) == 0)
		lo = (n.flags & ACCESS) && n.file == v->file;
	if (aspace_vma_at(w->as, v->end, &n) == 0)
		hi = (n.flags & ACCESS) && n.file == v->file;
	if (!lo && !hi)
		return 0;
	w->p->guard_vmas++;
	w->p->guard_cost += (lo && hi) ? 2 : 1;
	return 0;
}

void ins_pairs_of(const struct aspace *as, struct ins_pairs *out /* OUT */)
{
	struct pair_walk w = { .as = as, .p = out };

	memset(out, 0, sizeof(*out));
	if (!as)
		return;
	aspace_for_each_vma(as, 0, UINT64_MAX, pair_step, &w);
	aspace_for_each_vma(as, 0, UINT64_MAX, guard_step, &w);
}

/* ------------------------------------------------------------------ */
/* The report                                                          */
/* ------------------------------------------------------------------ */

struct rep_ctx {
	uint64_t peak_id;
	struct ins_pairs at_peak, at_end;
	bool have_peak, have_end;
};

static void rep_at_call(struct ins_run *r, uint64_t id, const struct aspace *as,
			void *arg)
{
	struct rep_ctx *rc = arg;

	if (id == rc->peak_id) {
		ins_pairs_of(as, &rc->at_peak);
		rc->have_peak = true;
	}
}

static void rep_at_exit(struct ins_run *r, uint64_t id, const struct aspace *as,
			void *arg)
{
	struct rep_ctx *rc = arg;

	ins_pairs_of(as, &rc->at_end);
	rc->have_end = true;
}

struct agg {
	uint64_t key;
	uint64_t calls, added, removed;
	int64_t  net;
};

static int agg_cmp(const void *a, const void *b)
{
	const struct agg *x = a, *y = b;

	if (x->added != y->added)
		return x->added < y->added ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Aggregate the focus process's calls by syscall (@by_site false) or site. */
static struct agg *aggregate(const struct ins_run *r, int pid, bool by_site,
			     size_t *n)
{
	size_t cap = by_site ? r->nsites : TS_COUNT, i, k = 0;
	struct agg *a = calloc(cap ? cap : 1, sizeof(*a)), *out;
	uint64_t j;

	if (!a)
		return NULL;
	for (i = 0; i < cap; i++)
		a[i].key = i;
	for (j = 0; j < r->ncalls; j++) {
		const struct ins_call *c = &r->calls[j];
		struct agg *g;

		if (c->pid != pid)
			continue;
		g = &a[by_site ? c->site : c->sys];
		g->calls++;
		g->net += c->delta;
		if (c->delta > 0)
			g->added += (uint64_t)c->delta;
		else
			g->removed += (uint64_t)-c->delta;
	}
	out = a;
	for (i = 0; i < cap; i++)
		if (a[i].calls)
			out[k++] = a[i];
	qsort(out, k, sizeof(*out), agg_cmp);
	*n = k;
	return out;
}

static const char *rule_label(int b)
{
	return aspace_why_name(1u << b);
}

static void flags_names(uint64_t m, char *buf, size_t cap)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 64 && o + 1 < cap; i++) {
		const char *nm = aspace_vmflag_name(1ull << i);

		if (!(m & (1ull << i)))
			continue;
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? "|" : "",
				      nm ? nm : "?");
	}
}

static void print_pairs_text(FILE *f, const char *when,
			     const struct ins_pairs *p)
{
	int b, i;

	fprintf(f, "\nAdjacent pairs %s: %llu VMAs, %llu neighbouring pairs, "
		"%llu touching\n", when, (unsigned long long)p->vmas,
		(unsigned long long)p->pairs, (unsigned long long)p->adjacent);
	if (!p->adjacent)
		return;
	fprintf(f, "  could merge but for one rule: %llu of %llu (%.1f%%)\n",
		(unsigned long long)p->single, (unsigned long long)p->adjacent,
		100.0 * (double)p->single / (double)p->adjacent);
	for (b = 0; b < ASPACE_WHY_NBITS; b++)
		if (p->by_rule[b])
			fprintf(f, "    %-10s %8llu  %s\n", rule_label(b),
				(unsigned long long)p->by_rule[b],
				aspace_why_text(1u << b));
	for (i = 0; i < p->nflag_masks; i++) {
		char nm[512];

		flags_names(p->flag_masks[i], nm, sizeof(nm));
		fprintf(f, "      flags only %-28s %8llu\n", nm,
			(unsigned long long)p->flag_mask_n[i]);
	}
	if (p->mergeable)
		fprintf(f, "  mergeable but never merged (no rule fails): %llu\n",
			(unsigned long long)p->mergeable);
	fprintf(f, "  several rules: %llu\n", (unsigned long long)
		(p->adjacent - p->single - p->mergeable));
}

static void json_pairs(struct ms_buf *b, const struct ins_pairs *p)
{
	int i;
	bool first = true;

	ms_buf_add(b, "{\"vmas\": %llu, \"pairs\": %llu, \"adjacent\": %llu, "
		   "\"mergeable\": %llu, \"one_rule\": %llu, \"by_rule\": {",
		   (unsigned long long)p->vmas, (unsigned long long)p->pairs,
		   (unsigned long long)p->adjacent,
		   (unsigned long long)p->mergeable,
		   (unsigned long long)p->single);
	for (i = 0; i < ASPACE_WHY_NBITS; i++) {
		if (!p->by_rule[i])
			continue;
		ms_buf_add(b, "%s\"%s\": %llu", first ? "" : ", ", rule_label(i),
			   (unsigned long long)p->by_rule[i]);
		first = false;
	}
	ms_buf_add(b, "}, \"flags_only\": [");
	for (i = 0; i < p->nflag_masks; i++) {
		char nm[512];

		flags_names(p->flag_masks[i], nm, sizeof(nm));
		ms_buf_add(b, "%s{\"flags\": ", i ? ", " : "");
		ms_buf_json_str(b, nm);
		ms_buf_add(b, ", \"pairs\": %llu}",
			   (unsigned long long)p->flag_mask_n[i]);
	}
	ms_buf_add(b, "], \"guard_vmas\": %llu, \"guard_cost\": %llu, "
		   "\"madv_guard_vmas\": %llu}", (unsigned long long)p->guard_vmas,
		   (unsigned long long)p->guard_cost,
		   (unsigned long long)p->guard_madv);
}

/* Min/max VMA count of the focus in @nb equal slices of the calls. */
static void count_curve(const struct ins_run *r, int pid, int nb,
			uint64_t *mn, uint64_t *mx)
{
	uint64_t cur = 0, i;
	int k;

	for (k = 0; k < nb; k++) {
		mn[k] = UINT64_MAX;
		mx[k] = 0;
	}
	for (i = 0; i < r->ncalls; i++) {
		k = (int)(i * (uint64_t)nb / r->ncalls);
		if (r->calls[i].pid == pid)
			cur = r->calls[i].count;
		if (cur < mn[k])
			mn[k] = cur;
		if (cur > mx[k])
			mx[k] = cur;
	}
}

#define TOP 10

static int report_print(struct ins_run *r, int pid, uint64_t peak,
			uint64_t peak_id, struct rep_ctx *rc, bool json,
			FILE *f)
{
	struct agg *bysys, *bysite;
	size_t nsys, nsite, i;
	uint64_t j, end_count = 0, focus_calls = 0, guard_calls = 0, enomem = 0;
	int64_t guard_net = 0;
	char buf[1024];
	uint64_t mn[10], mx[10];
	struct ms_buf b = { 0 };
	int maxc = r->max_map_count;

	bysys = aggregate(r, pid, false, &nsys);
	bysite = aggregate(r, pid, true, &nsite);
	if (!bysys || !bysite) {
		free(bysys);
		free(bysite);
		return -ENOMEM;
	}
	for (j = 0; j < r->ncalls; j++) {
		const struct ins_call *c = &r->calls[j];

		if (c->pid != pid)
			continue;
		focus_calls++;
		end_count = c->count;
		enomem += c->enomem;
		if (c->guard) {
			guard_calls++;
			guard_net += c->delta;
		}
	}
	if (r->ncalls)
		count_curve(r, pid, 10, mn, mx);
	if (!json) {
		fprintf(f, "aspace report: %s\n", r->name);
		fprintf(f, "process %d: %llu of %llu calls; %llu divergences "
			"from the trace\n", pid,
			(unsigned long long)focus_calls,
			(unsigned long long)r->ncalls,
			(unsigned long long)r->divergences);
		fprintf(f, "\nVMA count: peak %llu at %s\n",
			(unsigned long long)peak,
			ins_call_text(r, peak_id, buf, sizeof(buf)));
		fprintf(f, "  at the end: %llu\n", (unsigned long long)end_count);
		if (r->ncalls) {
			fprintf(f, "  over time (10 slices of the calls, min-max):");
			for (i = 0; i < 10; i++)
				fprintf(f, " %llu-%llu", (unsigned long long)mn[i],
					(unsigned long long)mx[i]);
			fprintf(f, "\n");
		}
		fprintf(f, "\nHeadroom: peak %llu of max_map_count %d (%.1f%%), "
			"%lld left", (unsigned long long)peak, maxc,
			maxc ? 100.0 * (double)peak / maxc : 0.0,
			(long long)maxc - (long long)peak);
		if (peak >= (uint64_t)maxc)
			fprintf(f, " - LIMIT REACHED: splits and new mappings "
				"fail with ENOMEM");
		fprintf(f, "\n  calls that failed with ENOMEM in the trace: %llu\n",
			(unsigned long long)enomem);
		fprintf(f, "\nVMAs added, by system call (added / removed / net, calls):\n");
		for (i = 0; i < nsys && i < TOP; i++)
			fprintf(f, "  %-14s %+9lld  (+%llu -%llu, %llu calls)\n",
				tsys_name((enum tsys)bysys[i].key),
				(long long)bysys[i].net,
				(unsigned long long)bysys[i].added,
				(unsigned long long)bysys[i].removed,
				(unsigned long long)bysys[i].calls);
		fprintf(f, "\nVMAs added, by call site (top %d):\n", TOP);
		for (i = 0; i < nsite && i < TOP; i++)
			fprintf(f, "  %+9lld  (+%llu -%llu, %llu calls)  %.160s\n",
				(long long)bysite[i].net,
				(unsigned long long)bysite[i].added,
				(unsigned long long)bysite[i].removed,
				(unsigned long long)bysite[i].calls,
				r->sites[bysite[i].key]);
		fprintf(f, "\nGuard pages: %llu mprotect(PROT_NONE) calls, net "
			"%+lld VMAs\n", (unsigned long long)guard_calls,
			(long long)guard_net);
		if (rc->have_peak)
			fprintf(f, "  at the peak: %llu PROT_NONE guard VMAs cost "
				"%llu VMAs (2 inside a region, 1 at its edge); "
				"MADV_GUARD_INSTALL guards cost none (%llu VMAs "
				"carry them)\n",
				(unsigned long long)rc->at_peak.guard_vmas,
				(unsigned long long)rc->at_peak.guard_cost,
				(unsigned long long)rc->at_peak.guard_madv);
		if (rc->have_peak)
			print_pairs_text(f, "at the peak", &rc->at_peak);
		if (rc->have_end)
			print_pairs_text(f, "at the end", &rc->at_end);
		goto done;
	}
	ms_buf_add(&b, "{\n\"trace\": ");
	ms_buf_json_str(&b, r->name);
	ms_buf_add(&b, ",\n\"pid\": %d, \"calls\": %llu, \"process_calls\": %llu, "
		   "\"divergences\": %llu,\n\"peak\": {\"vmas\": %llu, \"call\": "
		   "%llu, \"line\": %d, \"text\": ", pid,
		   (unsigned long long)r->ncalls, (unsigned long long)focus_calls,
		   (unsigned long long)r->divergences, (unsigned long long)peak,
		   (unsigned long long)peak_id,
		   peak_id ? r->calls[peak_id - 1].line : 0);
	ms_buf_json_str(&b, ins_call_text(r, peak_id, buf, sizeof(buf)));
	ms_buf_add(&b, "},\n\"end_vmas\": %llu, \"max_map_count\": %d, "
		   "\"headroom\": %lld, \"enomem_calls\": %llu,\n\"by_syscall\": [",
		   (unsigned long long)end_count, maxc,
		   (long long)maxc - (long long)peak, (unsigned long long)enomem);
	for (i = 0; i < nsys; i++)
		ms_buf_add(&b, "%s\n  {\"syscall\": \"%s\", \"added\": %llu, "
			   "\"removed\": %llu, \"net\": %lld, \"calls\": %llu}",
			   i ? "," : "", tsys_name((enum tsys)bysys[i].key),
			   (unsigned long long)bysys[i].added,
			   (unsigned long long)bysys[i].removed,
			   (long long)bysys[i].net,
			   (unsigned long long)bysys[i].calls);
	ms_buf_add(&b, "],\n\"by_site\": [");
	for (i = 0; i < nsite && i < TOP; i++) {
		ms_buf_add(&b, "%s\n  {\"site\": ", i ? "," : "");
		ms_buf_json_str(&b, r->sites[bysite[i].key]);
		ms_buf_add(&b, ", \"added\": %llu, \"removed\": %llu, \"net\": "
			   "%lld, \"calls\": %llu}",
			   (unsigned long long)bysite[i].added,
			   (unsigned long long)bysite[i].removed,
			   (long long)bysite[i].net,
			   (unsigned long long)bysite[i].calls);
	}
	ms_buf_add(&b, "],\n\"guard_calls\": %llu, \"guard_net\": %lld,\n"
		   "\"count_slices\": [", (unsigned long long)guard_calls,
		   (long long)guard_net);
	for (i = 0; r->ncalls && i < 10; i++)
		ms_buf_add(&b, "%s[%llu, %llu]", i ? ", " : "",
			   (unsigned long long)mn[i], (unsigned long long)mx[i]);
	ms_buf_add(&b, "],\n\"pairs_at_peak\": ");
	if (rc->have_peak)
		json_pairs(&b, &rc->at_peak);
	else
		ms_buf_add(&b, "null");
	ms_buf_add(&b, ",\n\"pairs_at_end\": ");
	if (rc->have_end)
		json_pairs(&b, &rc->at_end);
	else
		ms_buf_add(&b, "null");
	ms_buf_add(&b, "\n}\n");
	if (b.oom) {
		free(b.s);
		free(bysys);
		free(bysite);
		return -ENOMEM;
	}
	fputs(b.s, f);
	free(b.s);
done:
	free(bysys);
	free(bysite);
	return 0;
}

/* The whole of stream @f from where it stands, NUL-terminated; NULL when
 * out of memory or unreadable. */
static char *slurp_stream(FILE *f)
{
	struct ms_buf b = { 0 };
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ms_buf_add(&b, "%.*s", (int)n, chunk);
	if (b.oom || ferror(f)) {
		free(b.s);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}

static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *s;

	if (!f)
		return NULL;
	s = slurp_stream(f);
	if (f != stdin)
		fclose(f);
	return s;
}

/* Write the picture into the file @path. */
static int html_to_file(struct ins_run *r, int pid, const char *path,
			FILE *errf)
{
	FILE *hf = fopen(path, "w");
	int st;

	if (!hf) {
		fprintf(errf, "aspace report: %s: %s\n", path, strerror(errno));
		return 2;
	}
	st = html_write(r, pid, hf, errf);
	if (fclose(hf) && !st) {
		fprintf(errf, "aspace report: %s: write error\n", path);
		st = 2;
	}
	return st;
}

int report_text(const char *name, const char *path, const char *text,
		const struct report_opts *o, FILE *errf)
{
	struct ins_run r = { .name = name, .path = path, .text = text };
	struct rep_ctx rc = { 0 };
	uint64_t peak = 0, peak_id = 0, j;
	int ppid, st, pid = o->pid;

	/* pass 1: counts of every process, the focus and its peak */
	st = ins_run(&r, errf);
	if (st)
		goto out;
	ins_peak(&r, &ppid, &peak, &peak_id);
	if (!pid)
		pid = ppid ? ppid : (r.ncalls ? r.calls[0].pid : 0);
	peak = 0;
	peak_id = 0;
	for (j = 0; j < r.ncalls; j++)
		if (r.calls[j].pid == pid && r.calls[j].count > peak) {
			peak = r.calls[j].count;
			peak_id = j + 1;
		}
	if (o->html) {
		st = html_to_file(&r, pid, o->html, errf);
		if (st)
			goto out;
	}
	if (!o->text && !o->json)
		goto out;
	/* pass 2: the layout at the peak and at the end */
	{
		struct ins_run r2 = { .name = name, .path = path, .text = text,
				      .focus = pid, .has_focus = true,
				      .at_call = rep_at_call,
				      .at_exit = rep_at_exit, .arg = &rc };

		rc.peak_id = peak_id;
		st = ins_run(&r2, errf);
		if (!st && !rc.have_end && ins_focus_as(&r2)) {
			ins_pairs_of(ins_focus_as(&r2), &rc.at_end);
			rc.have_end = true;
		}
		ins_run_free(&r2);
		if (st)
			goto out;
	}
	if ((o->text && report_print(&r, pid, peak, peak_id, &rc, false,
				     o->text)) ||
	    (o->json && report_print(&r, pid, peak, peak_id, &rc, true,
				     o->json))) {
		fprintf(errf, "%s: out of memory\n", name);
		st = 2;
	}
out:
	ins_run_free(&r);
	return st;
}

int report_stream(const char *name, const char *path, FILE *in,
		  const struct report_opts *o, FILE *errf)
{
	char *text;
	int st;

	if (fflush(in) == EOF || fseek(in, 0, SEEK_SET)) {
		fprintf(errf, "%s: cannot read the trace back: %s\n", name,
			strerror(errno));
		return 2;
	}
	text = slurp_stream(in);
	if (!text) {
		fprintf(errf, "%s: cannot read the trace back\n", name);
		return 2;
	}
	st = report_text(name, path, text, o, errf);
	free(text);
	return st;
}

static void report_usage(FILE *f)
{
	fprintf(f, "usage: aspace report [--json] [--pid N] [--html FILE] TRACE\n"
		"  Why a process has so many VMAs: the VMA count over time and "
		"its peak,\n  the calls and call sites that added them, the "
		"neighbours that could merge\n  but for one rule, guard-page "
		"costs, headroom against max_map_count.\n"
		"  --html FILE also writes a self-contained picture of the "
		"address space\n  over time.  TRACE may be - for stdin.\n");
}

int cmd_report(int argc, char **argv)
{
	const char *path = NULL;
	struct report_opts o = { .text = stdout };
	int i, st;
	char *text;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = stdout;
			o.text = NULL;
		} else if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			o.pid = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--html") && i + 1 < argc)
			o.html = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			report_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			report_usage(stderr);
			return 2;
		} else if (!path)
			path = argv[i];
		else {
			report_usage(stderr);
			return 2;
		}
	}
	if (!path) {
		report_usage(stderr);
		return 2;
	}
	text = slurp(path);
	if (!text) {
		fprintf(stderr, "aspace report: %s: cannot read\n", path);
		return 2;
	}
	st = report_text(path, strcmp(path, "-") ? path : NULL, text, &o,
			 stderr);
	free(text);
	return st;
}
