/*
 * replay.c - `aspace replay [--json] TRACE`: run a memory trace (spec/08)
 * through the model and report where the model and the kernel disagree.
 *
 * Owns the driver: reading the trace, the header (environment and the
 * `maps=` starting layout, read relative to the trace's directory),
 * feeding records to apply_record(), and the report: the final layout of
 * every process in /proc/PID/maps format (headed "# pid N" for traces
 * with PIDs; a process that exited shows its layout at exit, headed
 * "# pid N (exited)"), divergences on stderr, a closing summary line on
 * stderr, or all of it as one JSON object with --json.
 *
 * Exit status: 0 no divergence, 1 some, 2 unreadable input (then nothing
 * is printed on stdout).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "tools.h"

struct replay {
	const char      *name;          /* for messages */
	bool             json;
	bool             has_pids;
	struct ms_buf    divs;          /* JSON divergences, or text */
	struct ms_buf    warns;         /* JSON warnings */
	int              ndivs, nwarns;
	FILE            *err;
};

static void on_div(void *arg, const struct apply_divergence *d)
{
	struct replay *rp = arg;
	char a[64], b[64];

	if (!rp->json) {
		fprintf(rp->err, "%s:", rp->name);
		apply_print_div(rp->err, d);
		return;
	}
	ms_buf_add(&rp->divs, "%s\n    {\"line\": %d, \"pid\": %d, \"call\": ",
		   rp->ndivs++ ? "," : "", d->line, d->pid);
	ms_buf_json_str(&rp->divs, d->call ? d->call : "");
	ms_buf_add(&rp->divs, ", \"model\": ");
	ms_buf_json_str(&rp->divs, apply_result_str(d->model, d->model_is_addr,
						    a, sizeof(a)));
	ms_buf_add(&rp->divs, ", \"trace\": ");
	ms_buf_json_str(&rp->divs, apply_result_str(d->trace, d->trace_is_addr,
						    b, sizeof(b)));
	if (d->note) {
		ms_buf_add(&rp->divs, ", \"note\": ");
		ms_buf_json_str(&rp->divs, d->note);
	}
	ms_buf_add(&rp->divs, "}");
}

static void on_warn(void *arg, int line, const char *msg)
{
	struct replay *rp = arg;

	if (!rp->json) {
		fprintf(rp->err, "%s:%d: warning: %s\n", rp->name, line, msg);
		return;
	}
	ms_buf_add(&rp->warns, "%s\n    {\"line\": %d, \"message\": ",
		   rp->nwarns++ ? "," : "", line);
	ms_buf_json_str(&rp->warns, msg);
	ms_buf_add(&rp->warns, "}");
}

/* Read a whole file; NULL with errno set on failure. */
static char *read_all(FILE *f)
{
	struct ms_buf b = { 0 };
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ms_buf_add(&b, "%.*s", (int)n, chunk);
	if (ferror(f) || b.oom) {
		free(b.s);
		return NULL;
	}
	if (!b.s)
		b.s = strdup("");
	return b.s;
}

/* The maps= file, relative to the trace's directory. */
static char *read_maps_file(const char *trace_path, const char *maps,
			    char *path, size_t cap)
{
	const char *slash = trace_path ? strrchr(trace_path, '/') : NULL;
	FILE *f;
	char *text;

	if (maps[0] == '/' || !slash)
		snprintf(path, cap, "%s", maps);
	else
		snprintf(path, cap, "%.*s/%s", (int)(slash - trace_path),
			 trace_path, maps);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	text = read_all(f);
	fclose(f);
	return text;
}

struct print_ctx {
	struct replay *rp;
	struct model_set *ms;
	struct ms_buf *out;
	int n;
};

static int print_task(struct ms_task *t, void *arg)
{
	struct print_ctx *pc = arg;
	struct aspace *as = NULL;
	char *text = NULL;
	const char *body;

	if (t->is_thread)
		return 0;
	if (!t->exited)
		as = ms_aspace(pc->ms, t);
	if (pc->rp->json) {
		char *js = as ? ms_layout_json(as) : NULL;

		ms_buf_add(pc->out, "%s\n  {\"pid\": %d, \"exited\": %s, ",
			   pc->n++ ? "," : "", t->pid, t->exited ? "true" : "false");
		if (t->exited)
			ms_buf_add(pc->out, "\"exit_status\": %d, ", t->exit_status);
		body = as ? js : t->final_json;
		ms_buf_add(pc->out, "\"vmas\": %s}", body ? body : "[]");
		free(js);
		return 0;
	}
	if (as)
		text = aspace_maps(as, 0);
	body = as ? text : t->final_maps;
	if (pc->rp->has_pids)
		ms_buf_add(pc->out, "%s# pid %d%s\n", pc->n++ ? "\n" : "", t->pid,
			   t->exited ? " (exited)" : "");
	ms_buf_add(pc->out, "%s", body ? body : "");
	if (text)
		aspace_free_text(text);
	return 0;
}

static int input_error(struct replay *rp, const char *file, int line, int col,
		       const char *msg)
{
	if (col > 0)
		fprintf(rp->err, "%s:%d:%d: %s\n", file, line, col, msg);
	else
		fprintf(rp->err, "%s:%d: %s\n", file, line, msg);
	return 2;
}

int replay_text(const char *name, const char *path, const char *text,
		bool json, FILE *out, FILE *errf)
{
	struct replay rp = { 0 };
	struct aspace_config cfg;
	struct model_set *ms = NULL;
	struct trace_parser *tp = tp_new();
	struct apply_ctx ctx;
	struct call_rec rec = { 0 };
	struct trace_error e;
	struct ms_buf report = { 0 };
	struct aspace_stats st;
	const char *s = text, *maps = NULL;
	char mpath[4096];
	int lineno = 0, status = 2, r;

	rp.name = name;
	rp.json = json;
	rp.err = errf;
	aspace_config_init(&cfg);
	apply_init(&ctx, NULL);
	ctx.on_divergence = on_div;
	ctx.on_warning = on_warn;
	ctx.arg = &rp;
	ctx.trace_name = name;
	if (!tp)
		goto oom;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = strndup(s, len);

		s += len + (nl ? 1 : 0);
		lineno++;
		if (!line)
			goto oom;
		r = tp_parse_line(tp, line, lineno, &rec, &e);
		free(line);
		if (r == -2)
			goto oom;
		if (r) {
			input_error(&rp, name, e.line, e.column, e.msg);
			goto out;
		}
		if (rec.pid)
			rp.has_pids = true;
		if (!ms && rec.kind == REC_HEADER) {
			bool has_pid = false;
			int i;

			for (i = 0; i < rec.nkv; i++)
				has_pid |= !strcmp(rec.kv[i].key, "pid");
			if (!has_pid) {
				const char *m = NULL;

				if (apply_header_config(&rec, &cfg, &m, NULL, &e)) {
					input_error(&rp, name, e.line, e.column, e.msg);
					goto out;
				}
				if (m) {
					free((char *)maps);
					maps = strdup(m);
					if (!maps)
						goto oom;
				}
				continue;
			}
		}
		if (rec.kind == REC_NONE || rec.kind == REC_SIGNAL)
			continue;
		if (!ms) {
			ms = ms_new(&cfg);
			if (!ms)
				goto oom;
			ctx.ms = ms;
			if (maps) {
				char *mt = read_maps_file(path, maps, mpath, sizeof(mpath));
				struct aspace_import_error ie;
				struct aspace *scratch;

				if (!mt) {
					fprintf(errf, "%s: maps=%s: %s\n", name, mpath,
						strerror(errno));
					goto out;
				}
				/* check it now, to name the maps file on error */
				scratch = aspace_new(&cfg);
				r = scratch ? aspace_import_maps(scratch, mt, &ie) : -ENOMEM;
				aspace_free(scratch);
				if (r) {
					if (r == -EINVAL)
						input_error(&rp, mpath, ie.line, ie.column, ie.msg);
					else
						fprintf(errf, "%s: maps=%s: cannot import: %s\n",
							name, mpath, strerror(-r));
					free(mt);
					goto out;
				}
				r = ms_set_initial_layout(ms, mt);
				free(mt);
				if (r)
					goto oom;
			}
		}
		if (rec.kind == REC_HEADER) {
			bool has_pid = false;
			int i;

			for (i = 0; i < rec.nkv; i++)
				has_pid |= !strcmp(rec.kv[i].key, "pid");
			if (!has_pid) {
				/* after the first call: later models only */
				if (apply_header_config(&rec, ms_config(ms), NULL,
							NULL, &e)) {
					input_error(&rp, name, e.line, e.column, e.msg);
					goto out;
				}
				on_warn(&rp, rec.line, "header line after the first "
					"call: applies to models created later");
				continue;
			}
		}
		r = apply_record(&ctx, &rec, &e);
		if (r) {
			input_error(&rp, name, e.line, e.column, e.msg);
			goto out;
		}
	}
	if (!ms) {
		ms = ms_new(&cfg);      /* a trace with no call at all */
		if (!ms)
			goto oom;
	}
	/* the report */
	{
		struct print_ctx pc = { &rp, ms, &report, 0 };
		char sum[256];
		uint64_t nvma;

		if (json)
			ms_buf_add(&report, "{\n\"trace\": ");
		if (json) {
			ms_buf_json_str(&report, name);
			ms_buf_add(&report, ",\n\"processes\": [");
		}
		ms_for_each_task(ms, print_task, &pc);
		ms_stats(ms, &st);
		nvma = ms_vma_count(ms);
		status = ctx.st.divergences ? 1 : 0;
		if (json) {
			ms_buf_add(&report, "\n],\n\"divergences\": [%s\n],\n"
				   "\"warnings\": [%s\n],\n",
				   rp.divs.s ? rp.divs.s : "",
				   rp.warns.s ? rp.warns.s : "");
			ms_buf_add(&report, "\"summary\": {\"applied\": %llu, "
				   "\"skipped\": %llu, \"divergences\": %llu, "
				   "\"unknown_results\": %llu, \"vmas\": %llu, "
				   "\"merges\": %llu, \"splits\": %llu},\n"
				   "\"exit_status\": %d\n}\n",
				   (unsigned long long)ctx.st.applied,
				   (unsigned long long)ctx.st.skipped,
				   (unsigned long long)ctx.st.divergences,
				   (unsigned long long)ctx.st.unknown,
				   (unsigned long long)nvma,
				   (unsigned long long)st.merges,
				   (unsigned long long)st.splits, status);
		} else {
			snprintf(sum, sizeof(sum), "replay: %llu calls applied, "
				 "%llu skipped, %llu divergences, %llu VMAs, "
				 "%llu merges, %llu splits",
				 (unsigned long long)ctx.st.applied,
				 (unsigned long long)ctx.st.skipped,
				 (unsigned long long)ctx.st.divergences,
				 (unsigned long long)nvma,
				 (unsigned long long)st.merges,
				 (unsigned long long)st.splits);
		}
		if (report.oom || rp.divs.oom || rp.warns.oom)
			goto oom;
		fputs(report.s ? report.s : "", out);
		if (!json)
			fprintf(errf, "%s\n", sum);
	}
	goto out;
oom:
	fprintf(errf, "%s: out of memory\n", name);
	status = 2;
out:
	rec_clear(&rec);
	tp_free(tp);
	apply_fini(&ctx);
	ms_free(ms);
	free((char *)maps);
	free(report.s);
	free(rp.divs.s);
	free(rp.warns.s);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: aspace replay [--json] TRACE\n"
		"  Replays a memory trace (strace -f -y -e trace=%%memory,%%process\n"
		"  syntax, spec/08) through the model.  TRACE may be - for stdin.\n"
		"  stdout: final layout per process; stderr: divergences, summary.\n"
		"  Exit: 0 no divergence, 1 divergences, 2 unreadable input.\n");
}

int cmd_replay(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	char *text;
	FILE *f;
	int i, status;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "aspace replay: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "aspace replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	text = read_all(f);
	if (f != stdin)
		fclose(f);
	if (!text) {
		fprintf(stderr, "aspace replay: %s: cannot read\n", path);
		return 2;
	}
	status = replay_text(path, strcmp(path, "-") ? path : NULL, text, json,
			     stdout, stderr);
	free(text);
	return status;
}
