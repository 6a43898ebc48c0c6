/*
 * test_parse.c - the trace parser (tools/trace_parse.c): one test per line
 * kind of spec/08 and per input error (line and column checked), and every
 * real trace of tests/replay/traces/ parsing without error.
 */
#include <errno.h>
#include <stdlib.h>

#include "../harness.h"
#include "../../tools/tracefmt.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Parse @n lines with one parser; the last record is left in @rec. */
static int parse_lines(const char *const *lines, int n, struct call_rec *rec,
		       struct trace_error *err)
{
	struct trace_parser *tp = tp_new();
	int i, r = 0;

	for (i = 0; i < n && !r; i++)
		r = tp_parse_line(tp, lines[i], i + 1, rec, err);
	tp_free(tp);
	return r;
}

static int parse1(const char *line, struct call_rec *rec, struct trace_error *err)
{
	return parse_lines(&line, 1, rec, err);
}

TEST(parse_mmap_with_pid_and_y_path)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("5883  mmap(0x7fb46d023000, 1400832, PROT_READ|PROT_EXEC, "
			 "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, "
			 "3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0x26000) = 0x7fb46d023000\n",
			 &r, &e), 0);
	ASSERT_EQ(r.kind, REC_CALL);
	ASSERT_EQ(r.sys, TS_MMAP);
	ASSERT_EQ(r.pid, 5883);
	ASSERT_EQ(r.line, 1);
	ASSERT_EQ(r.args[0], 0x7fb46d023000ull);
	ASSERT_EQ(r.args[1], 1400832);
	ASSERT_EQ(r.args[2], 5);
	ASSERT_EQ(r.args[3], 0x812);
	ASSERT_EQ(r.args[4], 3);
	ASSERT_STR_EQ(r.paths[4], "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ASSERT_EQ(r.args[5], 0x26000);
	ASSERT_EQ(r.ret, 0x7fb46d023000ll);
	ASSERT_TRUE(!r.ret_unknown);
	rec_clear(&r);
	return PASS;
}

TEST(parse_bracket_pid_prefix)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("[pid  1234] munmap(0x7f0000000000, 4096) = 0", &r, &e), 0);
	ASSERT_EQ(r.pid, 1234);
	ASSERT_EQ(r.sys, TS_MUNMAP);
	ASSERT_EQ(r.args[1], 4096);
	rec_clear(&r);
	return PASS;
}

TEST(parse_no_pid_anonymous_mmap)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f4a88622000",
			 &r, &e), 0);
	ASSERT_EQ(r.pid, 0);
	ASSERT_EQ(r.args[0], 0);
	ASSERT_EQ(r.args[3], 0x22);
	ASSERT_EQ((int64_t)r.args[4], -1);
	ASSERT_TRUE(r.paths[4] == NULL);
	rec_clear(&r);
	return PASS;
}

TEST(parse_timestamps_all_forms)
{
	static const char *const lines[] = {
		"5895  22:37:35.588897 brk(NULL)         = 0x557ad045e000",
		"5895  22:37:35 brk(NULL) = 0x557ad045e000",
		"1700000000.588897 brk(NULL) = 0x557ad045e000",
		"     0.000123 brk(NULL) = 0x557ad045e000",
		"[pid 77] 1700000000.5 brk(NULL) = 0x557ad045e000",
	};
	struct call_rec r = { 0 };
	struct trace_error e;
	size_t i;

	for (i = 0; i < ARRAY_LEN(lines); i++) {
		ASSERT_EQ(parse1(lines[i], &r, &e), 0);
		ASSERT_EQ(r.sys, TS_BRK);
		ASSERT_EQ(r.ret, 0x557ad045e000ll);
	}
	ASSERT_EQ(r.pid, 77);
	rec_clear(&r);
	return PASS;
}

TEST(parse_error_result_and_unknown_result)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)",
			 &r, &e), 0);
	ASSERT_EQ(r.ret, -ENOMEM);
	ASSERT_EQ(parse1("5884  exit_group(0)                     = ?", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_EXIT_GROUP);
	ASSERT_TRUE(r.ret_unknown);
	rec_clear(&r);
	return PASS;
}

TEST(parse_unfinished_resumed_joined_by_pid)
{
	static const char *const lines[] = {
		"5895  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>",
		"5896  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>",
		"5895  <... clone resumed>, child_tidptr=0x7f31b82e4a10) = 5898",
	};
	struct trace_parser *tp = tp_new();
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(tp_parse_line(tp, lines[0], 1, &r, &e), 0);
	ASSERT_EQ(r.kind, REC_UNFINISHED);
	ASSERT_EQ(r.sys, TS_CLONE);
	ASSERT_EQ(r.args[0], 0x1200011);
	ASSERT_EQ(tp_parse_line(tp, lines[1], 2, &r, &e), 0);
	ASSERT_EQ(r.kind, REC_UNFINISHED);
	ASSERT_EQ(tp_pending(tp), 2);
	ASSERT_EQ(tp_parse_line(tp, lines[2], 3, &r, &e), 0);
	ASSERT_EQ(r.kind, REC_CALL);
	ASSERT_EQ(r.sys, TS_CLONE);
	ASSERT_EQ(r.pid, 5895);
	ASSERT_EQ(r.line, 3);
	ASSERT_EQ(r.args[0], 0x1200011);
	ASSERT_EQ(r.ret, 5898);
	ASSERT_EQ(tp_pending(tp), 1);
	ASSERT_EQ(tp_parse_line(tp, "5896  <... mmap resumed>) = 0x7f0000000000", 4, &r, &e), 0);
	ASSERT_EQ(r.sys, TS_MMAP);
	ASSERT_EQ(r.args[1], 4096);
	ASSERT_EQ(r.ret, 0x7f0000000000ll);
	ASSERT_EQ(tp_pending(tp), 0);
	rec_clear(&r);
	tp_free(tp);
	return PASS;
}

TEST(parse_resumed_error_column_on_first_half)
{
	static const char *const lines[] = {
		"10  mmap(NULL, 4096, PROT_BOGUS, MAP_PRIVATE <unfinished ...>",
		"10  <... mmap resumed>, -1, 0) = 0x1000",
	};
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse_lines(lines, 2, &r, &e), -1);
	ASSERT_EQ(e.line, 1);
	ASSERT_EQ(e.column, 22);        /* the 'P' of PROT_BOGUS */
	rec_clear(&r);
	return PASS;
}

TEST(parse_resumed_error_column_on_second_half)
{
	static const char *const lines[] = {
		"10  mmap(NULL, 4096, PROT_READ <unfinished ...>",
		"10  <... mmap resumed>, MAP_PRIVATE, zz, 0) = 0x1000",
	};
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse_lines(lines, 2, &r, &e), -1);
	ASSERT_EQ(e.line, 2);
	ASSERT_EQ(e.column, 38);        /* the first z */
	rec_clear(&r);
	return PASS;
}

TEST(parse_signal_and_exit_lines)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("5883  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_SIGNAL);
	ASSERT_EQ(parse1("5884  +++ exited with 3 +++", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_EXIT);
	ASSERT_EQ(r.pid, 5884);
	ASSERT_EQ(r.exit_status, 3);
	ASSERT_EQ(parse1("+++ killed by SIGSEGV (core dumped) +++", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_EXIT);
	ASSERT_EQ(r.exit_signal, 11);
	ASSERT_EQ(r.exit_status, 139);
	rec_clear(&r);
	return PASS;
}

TEST(parse_touch_pseudo_call)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("touch(0x7ffd1000f000, 4096, PROT_READ) = -1 EFAULT (Bad address)", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_TOUCH);
	ASSERT_EQ(r.args[0], 0x7ffd1000f000ull);
	ASSERT_EQ(r.args[2], 1);
	ASSERT_EQ(r.ret, -EFAULT);
	rec_clear(&r);
	return PASS;
}

TEST(parse_header_line_keys_and_columns)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("#@ kernel=6.18.44 thp=always maps=\"start maps.txt\"", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_HEADER);
	ASSERT_EQ(r.nkv, 3);
	ASSERT_STR_EQ(r.kv[0].key, "kernel");
	ASSERT_STR_EQ(r.kv[1].val, "always");
	ASSERT_EQ(r.kv[1].column, 19);
	ASSERT_STR_EQ(r.kv[2].val, "start maps.txt");
	ASSERT_EQ(parse1("#@ thp=always bogus=1", &r, &e), -1);
	ASSERT_EQ(e.line, 1);
	ASSERT_EQ(e.column, 15);
	ASSERT_EQ(parse1("#@ thp", &r, &e), -1);
	ASSERT_EQ(e.column, 4);
	rec_clear(&r);
	return PASS;
}

TEST(parse_layout_line_with_and_without_pid)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("#| 1234 555555554000-555555558000 r--p 00000000 fe:00 131 /usr/bin/ls", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_LAYOUT);
	ASSERT_EQ(r.pid, 1234);
	ASSERT_STR_EQ(r.layout, "555555554000-555555558000 r--p 00000000 fe:00 131 /usr/bin/ls");
	ASSERT_EQ(parse1("#| VmFlags: rd mr mw me dw sd", &r, &e), 0);
	ASSERT_EQ(r.pid, 0);
	ASSERT_STR_EQ(r.layout, "VmFlags: rd mr mw me dw sd");
	rec_clear(&r);
	return PASS;
}

TEST(parse_comments_and_blank_lines)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_NONE);
	ASSERT_EQ(parse1("# a comment mmap(", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_NONE);
	ASSERT_EQ(parse1("   \n", &r, &e), 0);
	ASSERT_EQ(r.kind, REC_NONE);
	rec_clear(&r);
	return PASS;
}

TEST(parse_y_path_with_escapes)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mmap(NULL, 4096, PROT_READ, MAP_SHARED, 5</tmp/a b\\n\\76c\\x41>, 0) = 0x10000",
			 &r, &e), 0);
	ASSERT_STR_EQ(r.paths[4], "/tmp/a b\n>cA");
	ASSERT_EQ(parse1("mmap(NULL, 4096, PROT_READ, MAP_SHARED, 4</memfd:x (deleted)>, 0) = 0x10000",
			 &r, &e), 0);
	ASSERT_STR_EQ(r.paths[4], "/memfd:x (deleted)");
	rec_clear(&r);
	return PASS;
}

/* strace 6.1 output, observed: '>' as \76, '<' as \74, \n, \\, \" */
TEST(parse_y_path_strace_escapes_observed)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("17194 mmap(NULL, 4096, PROT_READ, MAP_SHARED, "
			 "3</tmp/rp/a b\\76c\\nd\\\\e\\\"f\\74g>, 0) = 0x7fde45fb9000",
			 &r, &e), 0);
	ASSERT_STR_EQ(r.paths[4], "/tmp/rp/a b>c\nd\\e\"f<g");
	rec_clear(&r);
	return PASS;
}

/* strace 6.1 has no name for mseal (462): observed output */
TEST(parse_raw_syscall_number_is_recognised)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("syscall_0x1ce(0x200000000, 0x2000, 0, 0xffffffff, 0, 0x7fffffffe7c8) = 0",
			 &r, &e), 0);
	ASSERT_EQ(r.sys, TS_MSEAL);
	ASSERT_EQ(r.args[0], 0x200000000ull);
	ASSERT_EQ(r.args[1], 0x2000);
	ASSERT_EQ(r.args[2], 0);
	ASSERT_EQ(parse1("syscall_0x1cf(1, 2) = -1 ENOSYS (Function not implemented)", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_OTHER);
	ASSERT_EQ(tsys_from_name("mseal"), TS_MSEAL);
	rec_clear(&r);
	return PASS;
}

TEST(parse_numeric_leftover_in_flag_set)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mmap(0x200000, 4096, PROT_READ|0x10, MAP_PRIVATE|MAP_ANONYMOUS|0x100000, -1, 0) = 0x200000",
			 &r, &e), 0);
	ASSERT_EQ(r.args[2], 0x11);
	ASSERT_EQ(r.args[3], 0x100022);
	ASSERT_EQ(parse1("madvise(0x7f0000000000, 4096, 0x66 /* MADV_??? */) = -1 EINVAL (Invalid argument)",
			 &r, &e), 0);
	ASSERT_EQ(r.args[2], 0x66);
	ASSERT_EQ(r.ret, -EINVAL);
	rec_clear(&r);
	return PASS;
}

TEST(parse_mremap_four_and_five_args)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mremap(0x7f3b1638a000, 3002368, 4001792, MREMAP_MAYMOVE) = 0x7f3b1638a000", &r, &e), 0);
	ASSERT_EQ(r.nargs, 4);
	ASSERT_EQ(r.args[3], 1);
	ASSERT_EQ(parse1("mremap(0x10000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x40000) = 0x40000", &r, &e), 0);
	ASSERT_EQ(r.nargs, 5);
	ASSERT_EQ(r.args[4], 0x40000);
	rec_clear(&r);
	return PASS;
}

TEST(parse_clone3_and_vfork)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("6016  clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f45a7ae7990, parent_tid=0x7f45a7ae7990, exit_signal=0, stack=0x7f45a72e7000, stack_size=0x7ffe80, tls=0x7f45a7ae76c0} => {parent_tid=[6023]}, 88) = 6023",
			 &r, &e), 0);
	ASSERT_EQ(r.sys, TS_CLONE3);
	ASSERT_EQ(r.args[0], 0x3d0f00);
	ASSERT_EQ(r.args[1], 88);
	ASSERT_EQ(r.ret, 6023);
	ASSERT_EQ(parse1("5883  vfork() = 5884", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_VFORK);
	ASSERT_EQ(r.ret, 5884);
	rec_clear(&r);
	return PASS;
}

TEST(parse_prctl_set_vma_and_other_options)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x7f0000000000, 8192, \"my heap\") = 0", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_PRCTL);
	ASSERT_EQ(r.args[0], 0x53564d41);
	ASSERT_EQ(r.args[3], 8192);
	ASSERT_STR_EQ(r.strs[4], "my heap");
	ASSERT_EQ(parse1("prctl(PR_SET_NAME, \"worker\") = 0", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_OTHER);
	rec_clear(&r);
	return PASS;
}

TEST(parse_process_madvise_iovec)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("process_madvise(3<pid:42>, [{iov_base=0x10000, iov_len=4096}, {iov_base=0x30000, iov_len=8192}], 2, MADV_COLD, 0) = 12288",
			 &r, &e), 0);
	ASSERT_EQ(r.sys, TS_PROCESS_MADVISE);
	ASSERT_STR_EQ(r.paths[0], "pid:42");
	ASSERT_EQ(r.niov, 2);
	ASSERT_EQ(r.iov[1].base, 0x30000);
	ASSERT_EQ(r.iov[1].len, 8192);
	ASSERT_EQ(r.args[3], 20);
	rec_clear(&r);
	return PASS;
}

TEST(parse_skipped_call_with_odd_arguments_is_fine)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("5883  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 5884", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_OTHER);
	ASSERT_EQ(parse1("openat(AT_FDCWD, \"/etc/x\", O_RDONLY|O_CLOEXEC) = 3</etc/x>", &r, &e), 0);
	ASSERT_EQ(r.sys, TS_OTHER);
	ASSERT_EQ(r.ret, 3);
	rec_clear(&r);
	return PASS;
}

TEST(parse_error_unknown_flag_column)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("12  mprotect(0x1000, 4096, PROT_READ|PROT_WRIT) = 0", &r, &e), -1);
	ASSERT_EQ(e.line, 1);
	ASSERT_EQ(e.column, 38);
	rec_clear(&r);
	return PASS;
}

TEST(parse_error_bad_number_and_missing_result)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("munmap(0x10zz, 4096) = 0", &r, &e), -1);
	ASSERT_EQ(e.column, 8);
	ASSERT_EQ(parse1("munmap(0x10000, 4096)", &r, &e), -1);
	ASSERT_EQ(e.column, 22);
	ASSERT_EQ(parse1("munmap(0x10000, 4096) = -1 EWHAT (x)", &r, &e), -1);
	ASSERT_EQ(e.column, 28);
	ASSERT_EQ(parse1("munmap(0x10000) = 0", &r, &e), -1);
	ASSERT_EQ(parse1("munmap(0x10000, 1, 2) = 0", &r, &e), -1);
	ASSERT_EQ(e.column, 19);
	rec_clear(&r);
	return PASS;
}

TEST(parse_error_unbalanced_and_garbage)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</x>, 0 = 0", &r, &e), -1);
	ASSERT_EQ(parse1("hello world", &r, &e), -1);
	ASSERT_EQ(e.column, 6);
	ASSERT_EQ(parse1("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3<x, 0) = 0", &r, &e), -1);
	rec_clear(&r);
	return PASS;
}

static int parse_file(const char *path, int *calls)
{
	FILE *f = fopen(path, "r");
	struct trace_parser *tp;
	struct call_rec r = { 0 };
	struct trace_error e;
	char *line = NULL;
	size_t cap = 0;
	int n = 0, rc = PASS;

	if (!f)
		FAILF("cannot open %s", path);
	tp = tp_new();
	*calls = 0;
	while (getline(&line, &cap, f) > 0) {
		if (tp_parse_line(tp, line, ++n, &r, &e)) {
			fprintf(stderr, "  %s:%d:%d: %s\n", path, e.line, e.column, e.msg);
			rc = FAIL;
			break;
		}
		if (r.kind == REC_CALL && r.sys != TS_OTHER)
			(*calls)++;
	}
	if (rc == PASS && tp_pending(tp)) {
		fprintf(stderr, "  %s: %d calls never resumed\n", path, tp_pending(tp));
		rc = FAIL;
	}
	rec_clear(&r);
	tp_free(tp);
	free(line);
	fclose(f);
	return rc;
}

TEST(parse_all_shared_traces)
{
	static const char *const names[] = {
		"gcc", "ls", "perl-realloc", "perl", "python3-threads",
		"python3", "sort-tt",
	};
	static const int want[] = { 268, 28, 59, 73, 440, 55, 75 };
	char path[128];
	size_t i;
	int calls;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "tests/replay/traces/%s.trace", names[i]);
		CHECK(parse_file(path, &calls));
		if (calls != want[i])
			FAILF("%s: %d model calls, expected %d", names[i], calls, want[i]);
	}
	return PASS;
}
