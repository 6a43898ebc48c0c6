/*
 * html_report.c - the picture of `aspace report --html FILE TRACE`: one
 * self-contained HTML page (inline data, script and style; nothing fetched)
 * showing a process's address space over time.  Time (call number) runs
 * left to right, addresses bottom to top on a compressed axis: every span
 * of address space mapped at some sampled moment gets a height growing
 * with the log of its size, and the holes between spans a thin fixed band,
 * so a 4 KiB guard page and a 1 GiB heap are both visible.  A span is a
 * VMA extent, or the union of extents that overlapped at different
 * sampled moments.
 *
 * Bounded output whatever the trace: layouts are sampled at about
 * SNAPSHOTS calls (plus the peak and the last call); in each, VMAs that
 * share one of AXIS_RES rows of the axis are drawn as one cell (with their
 * count and a representative VMA for the tooltip); the VMA-count curve has
 * every call, reduced to CURVE_BUCKETS min/max buckets.  Two replays: the
 * first finds the mapped spans, the second draws the cells.
 *
 * A cell holding several kinds of VMA is drawn striped in its two most
 * numerous kinds, each given a share of the stripes equal to its share of
 * the cell's VMAs: guard pages alternating with read-write chunks (two
 * VMAs per chunk) show as even red and blue stripes, not as one colour.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insight.h"

#define SNAPSHOTS      200
#define AXIS_RES       1000
#define CURVE_BUCKETS  1500
#define NCLASS         9        /* vma_class() values */

struct span {
	uint64_t start, end;
	double   y0, y1;        /* axis units, 0 = bottom */
};

struct html_ctx {
	uint64_t *ids;          /* sampled call ids, ascending */
	int       nids, next;
	/* pass A: spans */
	struct span *spans;
	size_t    nspans, cap;
	/* pass B */
	struct ms_buf *out;
	int       nsnap;
	uint64_t *refs;         /* call ids referenced by cells */
	size_t    nrefs, refcap;
	bool      oom;
	const struct aspace *as;
	/* cell being gathered */
	int       cy0, cy1, cn;
	uint32_t  ncls[NCLASS]; /* its VMAs by class */
	struct aspace_vma_info rep;
	uint64_t  rep_len;
	bool      have_cell;
	bool      first_cell;
};

/* ---- pass A: the VMA extents at the sampled calls, overlaps unioned ---- */

static int span_add(struct html_ctx *h, uint64_t s, uint64_t e)
{
	size_t lo = 0, hi = h->nspans, i, j;

	/* first span with end >= s */
	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (h->spans[m].end <= s)
			lo = m + 1;
		else
			hi = m;
	}
	i = lo;
	j = i;
	while (j < h->nspans && h->spans[j].start < e) {
		if (h->spans[j].start < s)
			s = h->spans[j].start;
		if (h->spans[j].end > e)
			e = h->spans[j].end;
		j++;
	}
	if (j > i) {
		h->spans[i].start = s;
		h->spans[i].end = e;
		memmove(&h->spans[i + 1], &h->spans[j],
			(h->nspans - j) * sizeof(*h->spans));
		h->nspans -= j - i - 1;
		return 0;
	}
	if (h->nspans == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 256;
		struct span *ns = realloc(h->spans, nc * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		h->spans = ns;
		h->cap = nc;
	}
	memmove(&h->spans[i + 1], &h->spans[i],
		(h->nspans - i) * sizeof(*h->spans));
	h->spans[i].start = s;
	h->spans[i].end = e;
	h->nspans++;
	return 0;
}

struct run_acc {
	struct html_ctx *h;
	uint64_t s, e;
	bool have;
};

static int run_step(const struct aspace_vma_info *v, void *arg)
{
	struct run_acc *a = arg;

	if (a->have && span_add(a->h, a->s, a->e))
		return -1;
	a->s = v->start;
	a->e = v->end;
	a->have = true;
	return 0;
}

static bool sampled(struct html_ctx *h, uint64_t id)
{
	while (h->next < h->nids && h->ids[h->next] < id)
		h->next++;
	return h->next < h->nids && h->ids[h->next] == id;
}

static void spans_at_call(struct ins_run *r, uint64_t id,
			  const struct aspace *as, void *arg)
{
	struct html_ctx *h = arg;
	struct run_acc a = { .h = h };

	if (!as || !sampled(h, id))
		return;
	if (aspace_for_each_vma(as, 0, UINT64_MAX, run_step, &a) ||
	    (a.have && span_add(h, a.s, a.e)))
		h->oom = true;
}

/* Heights: log of the size for spans, a fixed band for each hole. */
static void layout_axis(struct html_ctx *h)
{
	double total = 0, y = 0, gap = 1.5, w;
	size_t i;

	for (i = 0; i < h->nspans; i++)
		total += 2 + log2((double)(h->spans[i].end - h->spans[i].start) /
				  4096.0) + (i && h->spans[i].start >
					     h->spans[i - 1].end ? gap : 0);
	for (i = 0; i < h->nspans; i++) {
		if (i && h->spans[i].start > h->spans[i - 1].end)
			y += gap;
		w = 2 + log2((double)(h->spans[i].end - h->spans[i].start) /
			     4096.0);
		h->spans[i].y0 = y / total * AXIS_RES;
		y += w;
		h->spans[i].y1 = y / total * AXIS_RES;
	}
}

static double addr_y(const struct html_ctx *h, uint64_t a)
{
	size_t lo = 0, hi = h->nspans;
	const struct span *s;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (h->spans[m].end <= a)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo == h->nspans)
		return AXIS_RES;
	s = &h->spans[lo];
	if (a <= s->start)
		return s->y0;
	return s->y0 + (s->y1 - s->y0) * (double)(a - s->start) /
		(double)(s->end - s->start);
}

/* ---- pass B: cells ---- */

static int vma_class(const struct aspace_vma_info *v)
{
	uint64_t f = v->flags;

	if (v->kind != ASPACE_VMA_NORMAL)
		return 7;
	if (f & ASPACE_VM_GROWSDOWN)
		return 6;
	if (f & ASPACE_VM_MAYSHARE)
		return 8;
	if (!(f & (ASPACE_VM_READ | ASPACE_VM_WRITE | ASPACE_VM_EXEC)))
		return 2;
	if (v->file) {
		if (f & ASPACE_VM_EXEC)
			return 3;
		return (f & ASPACE_VM_WRITE) ? 5 : 4;
	}
	return (f & ASPACE_VM_WRITE) ? 0 : 1;
}

static void ref_add(struct html_ctx *h, uint64_t id)
{
	if (h->nrefs == h->refcap) {
		size_t nc = h->refcap ? h->refcap * 2 : 1024;
		uint64_t *nr = realloc(h->refs, nc * sizeof(*nr));

		if (!nr) {
			h->oom = true;
			return;
		}
		h->refs = nr;
		h->refcap = nc;
	}
	h->refs[h->nrefs++] = id;
}

/*
 * The cell's colours: its most numerous class, the second one (-1 when
 * alone) and the second's percentage of the two (1..99 when present).
 */
static void cell_mix(const struct html_ctx *h, int *c1, int *c2, int *pct2)
{
	int k;

	*c1 = *c2 = -1;
	for (k = 0; k < NCLASS; k++) {
		if (!h->ncls[k])
			continue;
		if (*c1 < 0 || h->ncls[k] > h->ncls[*c1]) {
			*c2 = *c1;
			*c1 = k;
		} else if (*c2 < 0 || h->ncls[k] > h->ncls[*c2]) {
			*c2 = k;
		}
	}
	*pct2 = 0;
	if (*c2 >= 0) {
		double sh = (double)h->ncls[*c2] /
			(double)(h->ncls[*c1] + h->ncls[*c2]);

		*pct2 = (int)(sh * 100 + 0.5);
		if (*pct2 < 1)
			*pct2 = 1;
	}
}

static void cell_flush(struct html_ctx *h)
{
	const struct aspace_vma_info *v = &h->rep;
	int c1, c2, pct2;

	if (!h->have_cell)
		return;
	cell_mix(h, &c1, &c2, &pct2);
	ms_buf_add(h->out, "%s%d,%d,%d,%d,%llu,%llu,%llu,%llu,%llu,%llu,%d,%d,%d",
		   h->first_cell ? "" : ",", h->cy0, h->cy1, c1, h->cn,
		   (unsigned long long)v->start, (unsigned long long)v->end,
		   (unsigned long long)v->flags, (unsigned long long)v->origin,
		   (unsigned long long)v->last_change,
		   (unsigned long long)v->anon_id, v->file ? 1 : 0, c2, pct2);
	ref_add(h, v->origin);
	ref_add(h, v->last_change);
	h->first_cell = false;
	h->have_cell = false;
}

static int cell_step(const struct aspace_vma_info *v, void *arg)
{
	struct html_ctx *h = arg;
	int y0 = (int)addr_y(h, v->start), y1 = (int)ceil(addr_y(h, v->end));
	int cls = vma_class(v);

	if (y1 <= y0)
		y1 = y0 + 1;
	if (h->have_cell && y0 < h->cy1 && y1 > h->cy1 + 1) {
		/* starts in the cell's last row but reaches far beyond it:
		 * its own cell from the next row on */
		cell_flush(h);
		y0 = h->cy1;
	} else if (h->have_cell && y0 < h->cy1) {
		/* shares a row with the cell: join it */
		if (y1 > h->cy1)
			h->cy1 = y1;
		h->ncls[cls]++;
		h->cn++;
		if (v->end - v->start > h->rep_len) {
			h->rep = *v;
			h->rep_len = v->end - v->start;
		}
		return 0;
	}
	cell_flush(h);
	h->cy0 = y0;
	h->cy1 = y1;
	memset(h->ncls, 0, sizeof(h->ncls));
	h->ncls[cls] = 1;
	h->cn = 1;
	h->rep = *v;
	h->rep_len = v->end - v->start;
	h->have_cell = true;
	return 0;
}

static void cells_at_call(struct ins_run *r, uint64_t id,
			  const struct aspace *as, void *arg)
{
	struct html_ctx *h = arg;
	struct aspace_counters c = { 0 };

	if (!sampled(h, id))
		return;
	if (as)
		aspace_counters(as, &c);
	ms_buf_add(h->out, "%s\n[%llu,%llu,[", h->nsnap++ ? "," : "",
		   (unsigned long long)id, (unsigned long long)c.map_count);
	h->first_cell = true;
	h->have_cell = false;
	if (as) {
		aspace_for_each_vma(as, 0, UINT64_MAX, cell_step, h);
		cell_flush(h);
	}
	ms_buf_add(h->out, "]]");
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

extern const char insight_html_head[], insight_html_tail[];

static void json_text(struct ms_buf *b, const char *s)
{
	/* a JSON string that is also safe inside <script> */
	ms_buf_add(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ms_buf_add(b, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c >= 0x7f)
			ms_buf_add(b, "\\u%04x", c);
		else
			ms_buf_add(b, "%c", c);
	}
	ms_buf_add(b, "\"");
}

int html_write(struct ins_run *r, int pid, FILE *f, FILE *errf)
{
	struct html_ctx h = { 0 };
	struct ms_buf b = { 0 };
	uint64_t n = r->ncalls, i, cur = 0, peak = 0, peak_id = 0;
	struct ins_run ra = { .name = r->name, .path = r->path, .text = r->text,
			      .focus = pid, .has_focus = true };
	char buf[1024];
	int k, st = 2;

	/* the sampled calls: even steps, the peak, the last call */
	h.ids = calloc(SNAPSHOTS + 3, sizeof(*h.ids));
	if (!h.ids)
		goto oom;
	for (i = 0; i < n; i++)
		if (r->calls[i].pid == pid && r->calls[i].count > peak) {
			peak = r->calls[i].count;
			peak_id = i + 1;
		}
	for (k = 1; n && k <= SNAPSHOTS; k++) {
		uint64_t id = (uint64_t)k * n / SNAPSHOTS;

		if (id && (!h.nids || h.ids[h.nids - 1] != id))
			h.ids[h.nids++] = id;
	}
	if (peak_id)
		h.ids[h.nids++] = peak_id;
	qsort(h.ids, (size_t)h.nids, sizeof(*h.ids), u64_cmp);
	for (k = 1, i = 1; k < h.nids; k++)
		if (h.ids[k] != h.ids[i - 1])
			h.ids[i++] = h.ids[k];
	if (h.nids)
		h.nids = (int)i;

	/* pass A */
	ra.at_call = spans_at_call;
	ra.arg = &h;
	st = ins_run(&ra, errf);
	ins_run_free(&ra);
	if (st)
		goto out;
	st = 2;
	if (h.oom)
		goto oom;
	layout_axis(&h);

	/* pass B */
	ms_buf_add(&b, "{\"trace\": ");
	json_text(&b, r->name);
	ms_buf_add(&b, ", \"pid\": %d, \"calls\": %llu, \"max_map_count\": %d, "
		   "\"axis_res\": %d, \"peak\": %llu, \"peak_call\": %llu,\n"
		   "\"snaps\": [", pid, (unsigned long long)n, r->max_map_count,
		   AXIS_RES, (unsigned long long)peak,
		   (unsigned long long)peak_id);
	h.out = &b;
	h.next = 0;
	ra = (struct ins_run){ .name = r->name, .path = r->path,
			       .text = r->text, .focus = pid, .has_focus = true,
			       .at_call = cells_at_call, .arg = &h };
	st = ins_run(&ra, errf);
	ins_run_free(&ra);
	if (st)
		goto out;
	st = 2;
	ms_buf_add(&b, "],\n\"spans\": [");
	for (i = 0; i < h.nspans; i++)
		ms_buf_add(&b, "%s[%llu,%llu,%.2f,%.2f]", i ? "," : "",
			   (unsigned long long)h.spans[i].start,
			   (unsigned long long)h.spans[i].end, h.spans[i].y0,
			   h.spans[i].y1);
	/* the count curve: min/max of the focus's count per bucket */
	ms_buf_add(&b, "],\n\"curve\": [");
	{
		uint64_t nb = n < CURVE_BUCKETS ? n : CURVE_BUCKETS, bi;
		uint64_t mn = UINT64_MAX, mx = 0, lastb = 0;
		bool first = true;

		for (i = 0; i < n; i++) {
			bi = i * nb / n;
			if (bi != lastb) {
				ms_buf_add(&b, "%s%llu,%llu,%llu", first ? "" : ",",
					   (unsigned long long)(lastb * n / nb + 1),
					   (unsigned long long)mn,
					   (unsigned long long)mx);
				first = false;
				mn = UINT64_MAX;
				mx = 0;
				lastb = bi;
			}
			if (r->calls[i].pid == pid)
				cur = r->calls[i].count;
			if (cur < mn)
				mn = cur;
			if (cur > mx)
				mx = cur;
		}
		if (n)
			ms_buf_add(&b, "%s%llu,%llu,%llu", first ? "" : ",",
				   (unsigned long long)(lastb * n / nb + 1),
				   (unsigned long long)mn, (unsigned long long)mx);
	}
	/* the texts of the calls the cells name */
	ms_buf_add(&b, "],\n\"texts\": {");
	qsort(h.refs, h.nrefs, sizeof(*h.refs), u64_cmp);
	for (i = 0; i < h.nrefs; i++) {
		if (i && h.refs[i] == h.refs[i - 1])
			continue;
		ms_buf_add(&b, "%s\"%llu\": ", i ? ",\n" : "",
			   (unsigned long long)h.refs[i]);
		json_text(&b, ins_call_text(r, h.refs[i], buf, sizeof(buf)));
	}
	ms_buf_add(&b, "}}");
	if (b.oom || h.oom)
		goto oom;
	fputs(insight_html_head, f);
	fputs(b.s, f);
	fputs(insight_html_tail, f);
	st = 0;
	goto out;
oom:
	fprintf(errf, "%s: out of memory (html)\n", r->name);
out:
	free(b.s);
	free(h.ids);
	free(h.spans);
	free(h.refs);
	return st;
}
