/*
 * explain.c - `aspace explain [--json] [--pid N] [--at LINE] TRACE ADDR`:
 * replay a trace with provenance and say, for the VMA containing ADDR and
 * its neighbour (aspace_explain() chooses the pair), why they are two VMAs
 * (every failing merge rule, in plain words) and where each came from: the
 * call that created it and the call that last split, merged or moved it.
 *
 * The layout examined is the focus process's at the end of the trace, at
 * --at LINE, or just before the process exits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "insight.h"
#include "tools.h"

struct ex_ctx {
	uint64_t addr;
	bool json, done;
	struct ms_buf out;
	int err;
};

static void vma_line(struct ms_buf *b, const struct aspace_vma_info *v)
{
	char fl[256];

	aspace_vmflags_str(v->flags, fl, sizeof(fl));
	ms_buf_add(b, "%llx-%llx %c%c%c%c %08llx %s", (unsigned long long)v->start,
		   (unsigned long long)v->end,
		   v->flags & ASPACE_VM_READ ? 'r' : '-',
		   v->flags & ASPACE_VM_WRITE ? 'w' : '-',
		   v->flags & ASPACE_VM_EXEC ? 'x' : '-',
		   v->flags & ASPACE_VM_MAYSHARE ? 's' : 'p',
		   (unsigned long long)(v->pgoff << 12),
		   v->file ? aspace_file_desc_of(v->file)->path :
		   v->anon_name ? v->anon_name : "");
	ms_buf_add(b, "  [%s]", fl);
}

static void vma_text(struct ins_run *r, struct ms_buf *b, const char *side,
		     const struct aspace_vma_info *v)
{
	char buf[1024];

	ms_buf_add(b, "%-6s", side);
	vma_line(b, v);
	ms_buf_add(b, "\n       anon_vma: ");
	if (v->anon_id)
		ms_buf_add(b, "%llu%s", (unsigned long long)v->anon_id,
			   v->anon_forked ? " (fork child)" : "");
	else
		ms_buf_add(b, "none");
	ms_buf_add(b, "\n       created by    %s\n",
		   ins_call_text(r, v->origin, buf, sizeof(buf)));
	ms_buf_add(b, "       last changed  %s\n",
		   ins_call_text(r, v->last_change, buf, sizeof(buf)));
}

static void vma_json(struct ins_run *r, struct ms_buf *b,
		     const struct aspace_vma_info *v)
{
	char buf[1024];

	ms_buf_add(b, "{\"start\": \"%#llx\", \"end\": \"%#llx\", \"pgoff\": %llu, "
		   "\"flags\": ", (unsigned long long)v->start,
		   (unsigned long long)v->end, (unsigned long long)v->pgoff);
	aspace_vmflags_str(v->flags, buf, sizeof(buf));
	ms_buf_json_str(b, buf);
	ms_buf_add(b, ", \"file\": ");
	ms_buf_json_str(b, v->file ? aspace_file_desc_of(v->file)->path : "");
	ms_buf_add(b, ", \"anon_id\": %llu, \"anon_forked\": %s, \"origin\": "
		   "{\"call\": %llu, \"text\": ", (unsigned long long)v->anon_id,
		   v->anon_forked ? "true" : "false",
		   (unsigned long long)v->origin);
	ms_buf_json_str(b, ins_call_text(r, v->origin, buf, sizeof(buf)));
	ms_buf_add(b, "}, \"last_change\": {\"call\": %llu, \"text\": ",
		   (unsigned long long)v->last_change);
	ms_buf_json_str(b, ins_call_text(r, v->last_change, buf, sizeof(buf)));
	ms_buf_add(b, "}}");
}

static void explain_now(struct ins_run *r, const struct aspace *as,
			struct ex_ctx *x)
{
	struct aspace_explain e;
	char *txt;
	size_t n;
	int b;

	x->done = true;
	if (!as) {
		x->err = -ESRCH;
		return;
	}
	x->err = aspace_explain(as, x->addr, &e);
	if (x->err)
		return;
	n = aspace_explain_text(&e, NULL, 0) + 1;
	txt = malloc(n);
	if (!txt) {
		x->err = -ENOMEM;
		return;
	}
	aspace_explain_text(&e, txt, n);
	if (!x->json) {
		vma_text(r, &x->out, "left", &e.left);
		if (e.has_right)
			vma_text(r, &x->out, "right", &e.right);
		ms_buf_add(&x->out, "%s:\n%s", !e.has_right ? "alone" :
			   e.why ? "separate because" : "separate although", txt);
		free(txt);
		return;
	}
	ms_buf_add(&x->out, "{\"addr\": \"%#llx\", \"left\": ",
		   (unsigned long long)x->addr);
	vma_json(r, &x->out, &e.left);
	ms_buf_add(&x->out, ", \"right\": ");
	if (e.has_right)
		vma_json(r, &x->out, &e.right);
	else
		ms_buf_add(&x->out, "null");
	ms_buf_add(&x->out, ", \"why\": [");
	for (b = 0; b < ASPACE_WHY_NBITS; b++)
		if (e.why & (1u << b))
			ms_buf_add(&x->out, "%s\"%s\"", (e.why & ((1u << b) - 1)) ?
				   ", " : "", aspace_why_name(1u << b));
	ms_buf_add(&x->out, "], \"why_mask\": %u, \"flags_diff\": \"%#llx\", "
		   "\"flags_ignored\": \"%#llx\", \"text\": ", e.why,
		   (unsigned long long)e.flags_diff,
		   (unsigned long long)e.flags_ignored);
	ms_buf_json_str(&x->out, txt);
	ms_buf_add(&x->out, "}\n");
	free(txt);
}

static void ex_at_exit(struct ins_run *r, uint64_t id, const struct aspace *as,
		       void *arg)
{
	struct ex_ctx *x = arg;

	if (!x->done)
		explain_now(r, as, x);
}

/*
 * explain_trace() - the body of `aspace explain` on a trace in memory.
 * @pid: the process (0: the one that reached the most VMAs); @at_line:
 * stop after that trace line (0: the end).
 * Return: the exit status: 0, 1 (no VMA there / no such process), 2.
 */
int explain_trace(const char *name, const char *path, const char *text,
		  uint64_t addr, int pid, int at_line, bool json, FILE *out,
		  FILE *err);

int explain_trace(const char *name, const char *path, const char *text,
		  uint64_t addr, int pid, int at_line, bool json, FILE *out,
		  FILE *errf)
{
	struct ex_ctx x = { .addr = addr, .json = json };
	struct ins_run r = { .name = name, .path = path, .text = text };
	uint64_t peak, id;
	int st, ppid;

	if (!pid) {
		st = ins_run(&r, errf);
		ins_peak(&r, &ppid, &peak, &id);
		pid = ppid ? ppid : (r.ncalls ? r.calls[0].pid : 0);
		ins_run_free(&r);
		if (st)
			return st;
	}
	r.focus = pid;
	r.has_focus = true;
	r.stop_line = at_line;
	r.at_exit = ex_at_exit;
	r.arg = &x;
	st = ins_run(&r, errf);
	if (!st && !x.done)
		explain_now(&r, ins_focus_as(&r), &x);
	if (!st && x.out.oom)
		x.err = -ENOMEM;
	if (!st && x.err) {
		fprintf(errf, "aspace explain: %s\n", x.err == -ESRCH ?
			"the process has no address space there" :
			x.err == -ENOENT ? "no VMA at or before that address" :
			"out of memory");
		st = x.err == -ENOMEM ? 2 : 1;
	}
	if (!st)
		fputs(x.out.s ? x.out.s : "", out);
	free(x.out.s);
	ins_run_free(&r);
	return st;
}

static void explain_usage(FILE *f)
{
	fprintf(f, "usage: aspace explain [--json] [--pid N] [--at LINE] TRACE ADDR\n"
		"  Why the VMA containing ADDR and its neighbour (the previous "
		"one when\n  ADDR starts a VMA; the two around a hole) are two "
		"VMAs, and which calls\n  created and last changed each.  The "
		"layout is the process's at the end\n  of TRACE (or after "
		"trace line LINE, or just before it exits).\n");
}

int cmd_explain(int argc, char **argv)
{
	const char *path = NULL, *addr_s = NULL;
	int i, pid = 0, at = 0, st;
	bool json = false;
	struct ms_buf b = { 0 };
	char chunk[65536], *end;
	uint64_t addr;
	size_t n;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			pid = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--at") && i + 1 < argc)
			at = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			explain_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			explain_usage(stderr);
			return 2;
		} else if (!path)
			path = argv[i];
		else if (!addr_s)
			addr_s = argv[i];
		else {
			explain_usage(stderr);
			return 2;
		}
	}
	if (!path || !addr_s) {
		explain_usage(stderr);
		return 2;
	}
	addr = strtoull(addr_s, &end, 16);
	if (*end) {
		fprintf(stderr, "aspace explain: %s: not a hex address\n", addr_s);
		return 2;
	}
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "aspace explain: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ms_buf_add(&b, "%.*s", (int)n, chunk);
	if (f != stdin)
		fclose(f);
	if (b.oom) {
		free(b.s);
		return 2;
	}
	st = explain_trace(path, strcmp(path, "-") ? path : NULL,
			   b.s ? b.s : "", addr, pid, at, json, stdout, stderr);
	free(b.s);
	return st;
}
