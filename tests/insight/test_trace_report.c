/*
 * test_trace_report.c - `aspace trace --report` on a real program
 * (python3 -c 'import json'): the live tracer prints the report of the
 * calls it recorded, with no divergence, and its JSON is byte for byte
 * what `aspace report --json` gives on the recording afterwards (one
 * engine, one text); without -o (the trace goes to a temporary file) the
 * report's peak is the tracer's own peak VMA count and --html writes the
 * page.  The tracer runs in a child process (a 120 s alarm as watchdog)
 * whose output goes to a file; each test takes well under a second.  Skipped where ptrace is refused.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../tools/insight.h"
#include "../../tools/ptrace_run.h"
#include "../../tools/tools.h"
#include "../harness.h"
#include "insight_test.h"

struct trep {
	char dir[64];
	char trace[96], json[96], html[96], summary[96], log[96];
	char *log_text, *json_text, *summary_text;
};

static long json_num(const char *js, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = js ? strstr(js, pat) : NULL;
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static void trep_free(struct trep *t)
{
	const char *files[] = { t->trace, t->json, t->html, t->summary, t->log };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i][0])
			unlink(files[i]);
	rmdir(t->dir);
	free(t->log_text);
	free(t->json_text);
	free(t->summary_text);
}

/*
 * Run `aspace trace --check end --report --report-json J --html H
 * --summary-json S [-o T] -- python3 -c 'import json'` in a child.
 */
static int trace_report_run(struct trep *t, bool with_o)
{
	static char *cmd[] = { "/usr/bin/python3", "-c", "import json", NULL };
	const char *why = pt_probe();
	char *argv[32];
	int argc = 0, i, st = 0;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	if (why)
		SKIP(why);
	if (access(cmd[0], X_OK))
		SKIP("no /usr/bin/python3");
	strcpy(t->dir, "/tmp/aspace-trace-report-XXXXXX");
	ASSERT_TRUE(mkdtemp(t->dir) != NULL);
	if (with_o)
		snprintf(t->trace, sizeof(t->trace), "%s/run.trace", t->dir);
	snprintf(t->json, sizeof(t->json), "%s/report.json", t->dir);
	snprintf(t->html, sizeof(t->html), "%s/report.html", t->dir);
	snprintf(t->summary, sizeof(t->summary), "%s/summary.json", t->dir);
	snprintf(t->log, sizeof(t->log), "%s/log.txt", t->dir);
	argv[argc++] = "trace";
	argv[argc++] = "--check";
	argv[argc++] = "end";
	argv[argc++] = "--report";
	argv[argc++] = "--report-json";
	argv[argc++] = t->json;
	argv[argc++] = "--html";
	argv[argc++] = t->html;
	argv[argc++] = "--summary-json";
	argv[argc++] = t->summary;
	if (with_o) {
		argv[argc++] = "-o";
		argv[argc++] = t->trace;
	}
	argv[argc++] = "--";
	for (i = 0; cmd[i]; i++)
		argv[argc++] = cmd[i];
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		int fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		alarm(120);     /* watchdog: SIGALRM ends a stuck tracer */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		_exit(cmd_trace(argc, argv) & 0xff);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	t->log_text = it_slurp(t->log, NULL);
	t->json_text = it_slurp(t->json, NULL);
	t->summary_text = it_slurp(t->summary, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !t->log_text ||
	    !t->json_text || !t->summary_text)
		FAILF("aspace trace: status %#x, log:\n%.4000s", st,
		      t->log_text ? t->log_text : "(none)");
	return PASS;
}

/* The text report's key lines and the JSON's keys, divergences 0. */
static int check_report(const struct trep *t)
{
	static const char *lines[] = {
		"\naspace report: ", " 0 divergences from the trace\n",
		"\nVMA count: peak ", "\n  at the end: ",
		"\nHeadroom: peak ", "of max_map_count 65530",
		"\nVMAs added, by system call (added / removed / net, calls):\n  mmap",
		"\nVMAs added, by call site (top 10):\n",
		"\nGuard pages: ", "\nAdjacent pairs at the peak: ",
		"\nAdjacent pairs at the end: ",
	};
	static const char *keys[] = {
		"\"trace\": ", "\"pid\": ", "\"calls\": ", "\"divergences\": 0,",
		"\"peak\": {\"vmas\": ", "\"end_vmas\": ", "\"headroom\": ",
		"\"enomem_calls\": 0", "\"by_syscall\": [",
		"{\"syscall\": \"mmap\", ", "\"by_site\": [", "\"guard_calls\": ",
		"\"count_slices\": [", "\"pairs_at_peak\": {\"vmas\": ",
		"\"pairs_at_end\": {\"vmas\": ",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(t->log_text, lines[i]))
			FAILF("no '%s' in the tracer's output:\n%.4000s",
			      lines[i], t->log_text);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(t->json_text, keys[i]))
			FAILF("no '%s' in the JSON report:\n%.4000s", keys[i],
			      t->json_text);
	/* the tracer mirrored with no divergence either */
	ASSERT_EQ(json_num(t->summary_text, "divergences"), 0);
	ASSERT_EQ(json_num(t->summary_text, "internal_errors"), 0);
	/* a python3 start-up maps tens of VMAs */
	ASSERT_TRUE(json_num(t->json_text, "end_vmas") > 20);
	ASSERT_TRUE(json_num(t->json_text, "process_calls") > 50);
	return PASS;
}

/* trace_report_run() then check_report(); @t is freed unless PASS. */
static int run_and_check(struct trep *t, bool with_o)
{
	int rc = trace_report_run(t, with_o);

	if (rc == PASS)
		rc = check_report(t);
	if (rc != PASS)
		trep_free(t);
	return rc;
}

TEST(trace_report_python_matches_offline_report)
{
	struct trep t;
	struct report_opts o = { 0 };
	char *text, *buf = NULL;
	size_t len = 0;
	int rc = run_and_check(&t, true);

	if (rc != PASS)
		return rc;
	/* `aspace report --json` of the recording says the very same */
	text = it_slurp(t.trace, NULL);
	ASSERT_TRUE(text != NULL);
	o.json = open_memstream(&buf, &len);
	ASSERT_TRUE(o.json != NULL);
	ASSERT_EQ(report_text(t.trace, t.trace, text, &o, stderr), 0);
	fclose(o.json);
	ASSERT_STR_EQ(buf, t.json_text);
	free(buf);
	free(text);
	trep_free(&t);
	return PASS;
}

TEST(trace_report_python_without_o)
{
	struct trep t;
	char *html;
	int rc = run_and_check(&t, false);

	if (rc != PASS)
		return rc;
	/* the report follows the process with most VMAs: the tracer's peak */
	ASSERT_EQ(json_num(t.json_text, "vmas"),
		  json_num(t.summary_text, "peak_vmas"));
	ASSERT_TRUE(strstr(t.json_text, "\"trace\": \"/usr/bin/python3\"") != NULL);
	html = it_slurp(t.html, NULL);
	ASSERT_TRUE(html != NULL);
	ASSERT_TRUE(!strncmp(html, "<!DOCTYPE html>", 15));
	ASSERT_TRUE(strstr(html, "</html>") != NULL);
	free(html);
	trep_free(&t);
	return PASS;
}
