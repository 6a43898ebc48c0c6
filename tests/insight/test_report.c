/*
 * test_report.c - the insight tools end to end: the synthetic guard-page
 * trace reaches max_map_count in the model with no divergence; the report
 * names the peak call, the mprotect(PROT_NONE) site, the one-rule pairs
 * and the guard cost; explain gives the reason and the provenance of a
 * guard; the perl-realloc trace reports its peak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/insight.h"
#include "../harness.h"
#include "insight_test.h"

int explain_trace(const char *name, const char *path, const char *text,
		  uint64_t addr, int pid, int at_line, bool json, FILE *out,
		  FILE *err);

static char *synth_text(uint64_t guards)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (synth_write(f, guards, 0, 65536)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static char *run_report(const char *name, const char *text, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct report_opts o = { .text = json ? NULL : f,
				 .json = json ? f : NULL };
	int st = report_text(name, NULL, text, &o, stderr);

	fclose(f);
	if (st) {
		free(buf);
		return NULL;
	}
	return buf;
}

TEST(report_synth_reaches_max_map_count)
{
	char *t = synth_text(32768), *r;

	ASSERT_TRUE(t != NULL);
	r = run_report("synth", t, true);
	ASSERT_TRUE(r != NULL);
	/* 1 + 2 * 32764 guards = 65529; the next one splits once, then fails */
	ASSERT_TRUE(strstr(r, "\"peak\": {\"vmas\": 65530, \"call\": 32766") != NULL);
	ASSERT_TRUE(strstr(r, "\"divergences\": 0") != NULL);
	ASSERT_TRUE(strstr(r, "\"headroom\": 0, \"enomem_calls\": 4") != NULL);
	ASSERT_TRUE(strstr(r, "{\"site\": \"mprotect(ADDR, 4096, PROT_NONE)\", "
			   "\"added\": 65529") != NULL);
	ASSERT_TRUE(strstr(r, "\"one_rule\": 65528, \"by_rule\": {\"flags\": 65528}") != NULL);
	ASSERT_TRUE(strstr(r, "\"flags\": \"VM_READ|VM_WRITE|VM_ACCOUNT\", \"pairs\": 65528") != NULL);
	ASSERT_TRUE(strstr(r, "\"guard_vmas\": 32764, \"guard_cost\": 65528") != NULL);
	/* the failing call's first split stays: one pair no rule separates */
	ASSERT_TRUE(strstr(r, "\"mergeable\": 1") != NULL);
	free(r);
	free(t);
	return PASS;
}

TEST(report_explain_guard_provenance)
{
	char *t = synth_text(64), *buf = NULL, *p;
	size_t len = 0;
	FILE *f;
	unsigned long long base;

	ASSERT_TRUE(t != NULL);
	p = strstr(t, ") = 0x");
	ASSERT_TRUE(p != NULL);
	base = strtoull(p + 4, NULL, 16);
	f = open_memstream(&buf, &len);
	/* the boundary between chunk 5's rw part and its guard page */
	ASSERT_EQ(explain_trace("synth", NULL, t, base + 5 * 65536 + 61440, 0, 0,
				false, f, stderr), 0);
	fclose(f);
	ASSERT_TRUE(strstr(buf, "- flags differ: only left has VM_READ, "
			   "VM_WRITE, VM_ACCOUNT") != NULL);
	ASSERT_TRUE(strstr(buf, "created by    line 3: mmap(NULL, 4194304") != NULL);
	ASSERT_TRUE(strstr(buf, "last changed  line 9: mprotect(") != NULL);
	free(buf);
	free(t);
	return PASS;
}

TEST(report_perl_realloc)
{
	FILE *f = fopen("tests/replay/traces/perl-realloc.trace", "r");
	char text[65536], *r;
	size_t n;

	if (!f)
		SKIP("tests/replay/traces/perl-realloc.trace not found (run from the repo)");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	r = run_report("perl", text, false);
	ASSERT_TRUE(r != NULL);
	ASSERT_TRUE(strstr(r, "VMA count: peak 22 at line 34:") != NULL);
	ASSERT_TRUE(strstr(r, "Headroom: peak 22 of max_map_count 65530") != NULL);
	ASSERT_TRUE(strstr(r, "flags only VM_EXEC") != NULL);
	free(r);
	return PASS;
}

/*
 * The picture's cells (html_report.c): 13 numbers each; in the synthetic
 * guard trace, rows shared by guards and rw chunks carry both kinds
 * (anonymous rw = 0, PROT_NONE = 2) at about half each, so the page draws
 * them striped; the cells of a layout account for all its VMAs, and most
 * of those VMAs are in striped cells.
 */
TEST(report_html_cells_mix_guard_and_rw)
{
	char *t = synth_text(2048), *html, *p, *end;
	char path[] = "/tmp/aspace-html-XXXXXX";
	struct report_opts o = { 0 };
	unsigned long long id, count, sum = 0, in_mixed = 0, v[13];
	int fd, k;

	ASSERT_TRUE(t != NULL);
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	o.html = path;
	ASSERT_EQ(report_text("synth", NULL, t, &o, stderr), 0);
	html = it_slurp(path, NULL);
	unlink(path);
	ASSERT_TRUE(html != NULL);
	/* the last sampled layout: "\n[ID,COUNT,[cells]]" before the spans */
	end = strstr(html, "],\n\"spans\"");
	ASSERT_TRUE(end != NULL);
	*end = '\0';
	p = strrchr(html, '\n');
	ASSERT_TRUE(p && p[1] == '[');
	ASSERT_EQ(sscanf(p + 2, "%llu,%llu,[", &id, &count), 2);
	ASSERT_EQ(count, 1 + 2 * 2048 - 1);     /* the last guard is at the end */
	p = strchr(p + 2, '[');
	ASSERT_TRUE(p != NULL);
	p++;
	while (*p && *p != ']') {
		for (k = 0; k < 13; k++) {
			char *q;

			v[k] = (unsigned long long)strtoll(p, &q, 10);
			ASSERT_TRUE(q != p);
			p = *q == ',' ? q + 1 : q;
		}
		sum += v[3];
		ASSERT_TRUE(v[0] < v[1] && v[1] <= 1000);
		if ((long long)v[11] < 0) {
			ASSERT_TRUE(v[2] == 0 || v[2] == 2);
			continue;
		}
		/* two kinds: rw and guard, even shares */
		in_mixed += v[3];
		ASSERT_TRUE((v[2] == 0 && v[11] == 2) || (v[2] == 2 && v[11] == 0));
		ASSERT_TRUE(v[12] >= 40 && v[12] <= 50);
	}
	ASSERT_EQ(sum, count);
	/* most VMAs share rows: chunks of 60 KiB + 4 KiB, 4096 VMAs */
	ASSERT_TRUE(in_mixed > count / 2);
	free(html);
	free(t);
	return PASS;
}
