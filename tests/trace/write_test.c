/*
 * write_test.c - the strace-syntax writer of `aspace trace` against the
 * replay parser: every line the tracer can write must parse back to the
 * same call, arguments, fd paths and result (the recording is only as good
 * as its round trip).  Expected texts are strace 6.1's spelling, checked by
 * running strace on the same calls (docs/trace.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../harness.h"
#include "../../tools/ptrace_run.h"
#include "../../tools/trace_write.h"
#include "../../tools/tracefmt.h"

/* Format @c, compare with @want (without the newline), parse it back. */
static int roundtrip(const struct tw_call *c, const char *want,
		     struct call_rec *rec)
{
	struct tw_buf b = { 0 };
	struct trace_parser *tp = tp_new();
	struct trace_error err;
	int r;

	ASSERT_TRUE(tp != NULL);
	ASSERT_EQ(tw_call(&b, c), 0);
	ASSERT_TRUE(b.len > 0 && b.p[b.len - 1] == '\n');
	b.p[--b.len] = 0;
	ASSERT_STR_EQ(b.p, want);
	memset(&err, 0, sizeof(err));
	r = tp_parse_line(tp, b.p, 7, rec, &err);
	if (r)
		FAILF("parse of '%s' failed at column %d: %s", b.p, err.column,
		      err.msg);
	ASSERT_EQ(rec->kind, REC_CALL);
	ASSERT_EQ(rec->pid, c->tid);
	ASSERT_EQ(rec->line, 7);
	tp_free(tp);
	tw_buf_free(&b);
	return PASS;
}

#define CALL(nr_, ...) { .tid = 4242, .nr = (nr_), .args = { __VA_ARGS__ } }

TEST(trace_write_mmap_file_path_and_offset)
{
	struct tw_call c = CALL(PT_NR_MMAP, 0x7f45a7fe8000ull, 475136, 5,
				0x812, 3, 0x10000);
	struct call_rec rec = { 0 };

	c.ret = 0x7f45a7fe8000ll;
	c.path = "/usr/lib/x86_64-linux-gnu/libm.so.6";
	CHECK(roundtrip(&c, "4242  mmap(0x7f45a7fe8000, 475136, "
			"PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|"
			"MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libm.so.6>,"
			" 0x10000) = 0x7f45a7fe8000", &rec));
	ASSERT_EQ(rec.sys, TS_MMAP);
	ASSERT_EQ(rec.args[0], 0x7f45a7fe8000ull);
	ASSERT_EQ(rec.args[1], 475136);
	ASSERT_EQ(rec.args[2], 5);
	ASSERT_EQ(rec.args[3], 0x812);
	ASSERT_EQ(rec.args[4], 3);
	ASSERT_EQ(rec.args[5], 0x10000);
	ASSERT_STR_EQ(rec.paths[4], "/usr/lib/x86_64-linux-gnu/libm.so.6");
	ASSERT_EQ(rec.ret, 0x7f45a7fe8000ll);
	rec_clear(&rec);
	return PASS;
}

TEST(trace_write_mmap_anon_flags_and_error)
{
	/* MAP_HUGETLB with a size, MAP_FIXED_NOREPLACE, unknown bit */
	struct tw_call c = CALL(PT_NR_MMAP, 0, 4096, 0,
				0x22 | 0x40000 | (21u << 26) | 0x100000 |
				0x400000, (uint32_t)-1, 0);
	struct call_rec rec = { 0 };

	c.ret = -ENOMEM;
	CHECK(roundtrip(&c, "4242  mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE|"
			"MAP_ANONYMOUS|MAP_HUGETLB|MAP_FIXED_NOREPLACE|"
			"0x400000|0x54000000, -1, 0) = -1 ENOMEM (Cannot "
			"allocate memory)", &rec));
	ASSERT_EQ(rec.args[3], 0x22 | 0x40000 | (21u << 26) | 0x100000 |
		  0x400000);
	ASSERT_EQ((int)rec.args[4], -1);
	ASSERT_EQ(rec.ret, -ENOMEM);
	rec_clear(&rec);
	return PASS;
}

TEST(trace_write_mremap_dontunmap_keeps_new_address)
{
	/* strace 6.1 drops the 5th argument here; a replay needs it */
	struct tw_call c = CALL(PT_NR_MREMAP, 0x200000000000ull, 4096, 4096,
				5, 0x300000000000ull);
	struct call_rec rec = { 0 };

	c.ret = 0x300000000000ll;
	CHECK(roundtrip(&c, "4242  mremap(0x200000000000, 4096, 4096, "
			"MREMAP_MAYMOVE|MREMAP_DONTUNMAP, 0x300000000000) = "
			"0x300000000000", &rec));
	ASSERT_EQ(rec.sys, TS_MREMAP);
	ASSERT_EQ(rec.args[3], 5);
	ASSERT_EQ(rec.args[4], 0x300000000000ull);
	rec_clear(&rec);
	return PASS;
}

TEST(trace_write_madvise_mseal_mlock2_mlockall)
{
	struct tw_call g = CALL(PT_NR_MADVISE, 0x1000000, 8192, 102);
	struct tw_call s = CALL(PT_NR_MSEAL, 0x1000000, 8192, 0);
	struct tw_call l = CALL(PT_NR_MLOCK2, 0x1000000, 4096, 1);
	struct tw_call a = CALL(PT_NR_MLOCKALL, 7);
	struct call_rec rec = { 0 };

	CHECK(roundtrip(&g, "4242  madvise(0x1000000, 8192, "
			"MADV_GUARD_INSTALL) = 0", &rec));
	ASSERT_EQ(rec.sys, TS_MADVISE);
	ASSERT_EQ(rec.args[2], 102);
	rec_clear(&rec);
	s.ret = -EPERM;
	CHECK(roundtrip(&s, "4242  mseal(0x1000000, 8192, 0) = -1 EPERM "
			"(Operation not permitted)", &rec));
	ASSERT_EQ(rec.sys, TS_MSEAL);
	ASSERT_EQ(rec.ret, -EPERM);
	rec_clear(&rec);
	CHECK(roundtrip(&l, "4242  mlock2(0x1000000, 4096, MLOCK_ONFAULT) = 0",
			&rec));
	ASSERT_EQ(rec.sys, TS_MLOCK2);
	ASSERT_EQ(rec.args[2], 1);
	rec_clear(&rec);
	CHECK(roundtrip(&a, "4242  mlockall(MCL_CURRENT|MCL_FUTURE|"
			"MCL_ONFAULT) = 0", &rec));
	ASSERT_EQ(rec.args[0], 7);
	rec_clear(&rec);
	return PASS;
}

TEST(trace_write_clone_fork_and_clone3)
{
	struct tw_call c = CALL(PT_NR_CLONE, 0x01200011, 0, 0,
				0x7f8296b75a10ull, 0);
	struct tw_call v = CALL(PT_NR_VFORK);
	struct tw_call c3 = CALL(PT_NR_CLONE3, 0x7ffd0000ull, 88);
	struct tw_clone_args ca = { .flags = 0x3d0f00, .child_tid = 0x7f10,
		.parent_tid = 0x7f10, .exit_signal = 0, .stack = 0x7f0000,
		.stack_size = 0x7fff80, .tls = 0x7f20 };
	struct tw_buf text = { 0 };
	struct call_rec rec = { 0 };

	c.ret = 5683;
	CHECK(roundtrip(&c, "4242  clone(child_stack=NULL, flags="
			"CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
			"child_tidptr=0x7f8296b75a10) = 5683", &rec));
	ASSERT_EQ(rec.sys, TS_CLONE);
	ASSERT_EQ(rec.args[0], 0x01200011);
	ASSERT_EQ(rec.ret, 5683);
	rec_clear(&rec);
	v.ret = 77;
	CHECK(roundtrip(&v, "4242  vfork() = 77", &rec));
	ASSERT_EQ(rec.sys, TS_VFORK);
	rec_clear(&rec);
	tw_clone3_struct(&text, &ca);
	c3.text = text.p;
	c3.ret = 6023;
	CHECK(roundtrip(&c3, "4242  clone3({flags=CLONE_VM|CLONE_FS|"
			"CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
			"CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, "
			"child_tid=0x7f10, parent_tid=0x7f10, exit_signal=0, "
			"stack=0x7f0000, stack_size=0x7fff80, tls=0x7f20}, 88) "
			"= 6023", &rec));
	ASSERT_EQ(rec.sys, TS_CLONE3);
	ASSERT_EQ(rec.args[0], 0x3d0f00);
	ASSERT_EQ(rec.ret, 6023);
	rec_clear(&rec);
	tw_buf_free(&text);
	return PASS;
}

TEST(trace_write_execve_exit_and_exited)
{
	struct tw_call e = CALL(PT_NR_EXECVE, 1, 2, 3);
	struct tw_call x = CALL(PT_NR_EXIT_GROUP, 3);
	struct tw_buf text = { 0 }, b = { 0 };
	struct trace_parser *tp = tp_new();
	struct trace_error err;
	struct call_rec rec = { 0 };

	tw_quote(&text, "/bin/ls", 7, false);
	tw_printf(&text, ", [");
	tw_quote(&text, "a\tb\n\"q\"\\ \303\251 \001x", 14, false);
	tw_printf(&text, ", ");
	tw_quote(&text, "01234567890123456789012345678901", 32, true);
	tw_printf(&text, "], 0x7ffc2897d5a0 /* 37 vars */");
	e.text = text.p;
	CHECK(roundtrip(&e, "4242  execve(\"/bin/ls\", [\"a\\tb\\n\\\"q\\\"\\\\ "
			"\\303\\251 \\1x\", \"01234567890123456789012345678901\""
			"...], 0x7ffc2897d5a0 /* 37 vars */) = 0", &rec));
	ASSERT_EQ(rec.sys, TS_EXECVE);
	ASSERT_STR_EQ(rec.strs[0], "/bin/ls");
	rec_clear(&rec);
	x.no_return = true;
	CHECK(roundtrip(&x, "4242  exit_group(3) = ?", &rec));
	ASSERT_EQ(rec.sys, TS_EXIT_GROUP);
	ASSERT_TRUE(rec.ret_unknown);
	rec_clear(&rec);
	tw_exited(&b, 4242, 3 << 8);
	tw_exited(&b, 4243, SIGKILL);
	ASSERT_STR_EQ(b.p, "4242  +++ exited with 3 +++\n"
		      "4243  +++ killed by SIGKILL +++\n");
	ASSERT_EQ(tp_parse_line(tp, "4243  +++ killed by SIGKILL +++", 1, &rec,
				&err), 0);
	ASSERT_EQ(rec.kind, REC_EXIT);
	ASSERT_EQ(rec.exit_status, 128 + SIGKILL);
	rec_clear(&rec);
	tp_free(tp);
	tw_buf_free(&text);
	tw_buf_free(&b);
	return PASS;
}

TEST(trace_write_prctl_shm_process_madvise)
{
	struct tw_call p = CALL(PT_NR_PRCTL, PT_PR_SET_VMA, 0,
				0x200000000000ull, 4096, 0x1234);
	struct tw_call g = CALL(PT_NR_SHMGET, 0x1234, 8192, 01600);
	struct tw_call a = CALL(PT_NR_SHMAT, 5, 0, 010000);
	struct tw_call m = CALL(PT_NR_PROCESS_MADVISE, 3, 0x7ffd0000ull, 1,
				20, 0);
	struct call_rec rec = { 0 };

	p.text = "\"hello\"";
	p.ret = -EINVAL;
	CHECK(roundtrip(&p, "4242  prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, "
			"0x200000000000, 4096, \"hello\") = -1 EINVAL (Invalid "
			"argument)", &rec));
	ASSERT_EQ(rec.sys, TS_PRCTL);
	ASSERT_STR_EQ(rec.strs[4], "hello");
	rec_clear(&rec);
	CHECK(roundtrip(&g, "4242  shmget(0x1234, 8192, IPC_CREAT|0600) = 5",
			(g.ret = 5, &rec)));
	ASSERT_EQ(rec.sys, TS_SHMGET);
	ASSERT_EQ(rec.args[0], 0x1234);
	ASSERT_EQ(rec.args[1], 8192);
	rec_clear(&rec);
	a.ret = 0x7faed9514000ll;
	CHECK(roundtrip(&a, "4242  shmat(5, NULL, SHM_RDONLY) = 0x7faed9514000",
			&rec));
	ASSERT_EQ(rec.sys, TS_SHMAT);
	ASSERT_EQ(rec.args[2], 010000);
	rec_clear(&rec);
	m.text = "[{iov_base=0x7f0000001000, iov_len=4096}]";
	m.path = "pid:4242";
	m.ret = 4096;
	CHECK(roundtrip(&m, "4242  process_madvise(3<pid:4242>, [{iov_base="
			"0x7f0000001000, iov_len=4096}], 1, MADV_COLD, 0) = 4096",
			&rec));
	ASSERT_EQ(rec.sys, TS_PROCESS_MADVISE);
	ASSERT_EQ(rec.niov, 1);
	ASSERT_EQ(rec.iov[0].base, 0x7f0000001000ull);
	ASSERT_EQ(rec.args[3], 20);
	rec_clear(&rec);
	return PASS;
}

TEST(trace_write_touch_lines)
{
	struct tw_buf b = { 0 };
	struct trace_parser *tp = tp_new();
	struct trace_error err;
	struct call_rec rec = { 0 };

	tw_touch(&b, 17, 0x7ffd1000f000ull, 4096, TW_TOUCH_WRITE, 0);
	ASSERT_STR_EQ(b.p, "17    touch(0x7ffd1000f000, 4096, PROT_WRITE) = 0\n");
	b.p[b.len - 1] = 0;
	ASSERT_EQ(tp_parse_line(tp, b.p, 1, &rec, &err), 0);
	ASSERT_EQ(rec.sys, TS_TOUCH);
	ASSERT_EQ(rec.args[0], 0x7ffd1000f000ull);
	ASSERT_EQ(rec.args[2], 2);
	rec_clear(&rec);
	b.len = 0;
	tw_touch(&b, 17, 0x1000, 8192, TW_TOUCH_READ, -EFAULT);
	ASSERT_STR_EQ(b.p, "17    touch(0x1000, 8192, PROT_READ) = -1 EFAULT "
		      "(Bad address)\n");
	tp_free(tp);
	tw_buf_free(&b);
	return PASS;
}
