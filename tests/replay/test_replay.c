/*
 * test_replay.c - `aspace replay` (tools/replay.c, apply.c, model_set.c)
 * on small hand-written traces with known final layouts: the maps text is
 * compared exactly; divergences, exit codes, fork / vfork / CLONE_VM /
 * thread sharing, execve with `#|` layout lines, unknown brk, maps=
 * snapshots, --json; and every shared trace replays without input error.
 */
#include <stdlib.h>
#include <unistd.h>

#include "aspace.h"
#include "../harness.h"
#include "../../tools/apply.h"

/* The default top-down base: TASK_SIZE - 128 MiB (ASLR off, 03 §4.7). */
#define TOP "7ffff7fff000"

struct run {
	int   status;
	char *out, *err;
	size_t outlen, errlen;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void replay(struct run *r, const char *path, const char *text, bool json)
{
	FILE *o = open_memstream(&r->out, &r->outlen);
	FILE *e = open_memstream(&r->err, &r->errlen);

	r->status = replay_text(path ? path : "t.trace", path, text, json, o, e);
	fclose(o);
	fclose(e);
}

/* Replay and compare stdout and the exit status. */
static int expect(const char *text, const char *maps, int status)
{
	struct run r;

	replay(&r, NULL, text, false);
	if (r.status != status || strcmp(r.out, maps)) {
		fprintf(stderr, "  status %d (expected %d)\n--- stdout\n%s--- expected\n%s"
			"--- stderr\n%s", r.status, status, r.out, maps, r.err);
		run_free(&r);
		return FAIL;
	}
	run_free(&r);
	return PASS;
}

/*
 *  mmap 2 pages, then 1 page below (merges), mprotect the middle page:
 *  page    ..fc fd fe
 *  after   A  B  A'	three VMAs
 */
TEST(replay_single_process_layout)
{
	CHECK(expect(
		"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000\n"
		"mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffc000\n"
		"mprotect(0x7ffff7ffd000, 4096, PROT_READ) = 0\n"
		"getpid() = 42\n",
		"7ffff7ffc000-7ffff7ffd000 rw-p 00000000 00:00 0 \n"
		"7ffff7ffd000-7ffff7ffe000 r--p 00000000 00:00 0 \n"
		"7ffff7ffe000-" TOP " rw-p 00000000 00:00 0 \n", 0));
	return PASS;
}

TEST(replay_summary_counts)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_stats st;
	char want[160];
	uint64_t out;
	struct run r;

	/* the same calls straight on a model give the merges and splits */
	aspace_mmap(as, 0, 8192, 3, 0x22, NULL, 0, &out);
	aspace_mmap(as, 0, 4096, 3, 0x22, NULL, 0, &out);
	aspace_mprotect(as, 0x7ffff7ffd000ull, 4096, 1);
	aspace_stats(as, &st);
	aspace_free(as);
	snprintf(want, sizeof(want), "replay: 3 calls applied, 1 skipped, "
		 "0 divergences, 3 VMAs, %llu merges, %llu splits\n",
		 (unsigned long long)st.merges, (unsigned long long)st.splits);
	replay(&r, NULL,
	       "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000\n"
	       "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffc000\n"
	       "mprotect(0x7ffff7ffd000, 4096, PROT_READ) = 0\n"
	       "getpid() = 42\n", false);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_EQ(r.err, want);
	run_free(&r);
	return PASS;
}

TEST(replay_file_mappings_by_path)
{
	/* two segments of one library through one description merge */
	CHECK(expect(
		"mmap(0x7f0000000000, 8192, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3</usr/lib/libz.so>, 0) = 0x7f0000000000\n"
		"mmap(0x7f0000002000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3</usr/lib/libz.so>, 0x2000) = 0x7f0000002000\n"
		"mmap(0x7f0000003000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 4</usr/lib/libm.so>, 0x3000) = 0x7f0000003000\n",
		"7f0000000000-7f0000003000 r--p 00000000 00:00 2787142                    /usr/lib/libz.so\n"
		"7f0000003000-7f0000004000 r--p 00003000 00:00 3946145                    /usr/lib/libm.so\n", 0));
	return PASS;
}

TEST(replay_fd_without_path_named_fd_n_with_one_warning)
{
	struct run r;

	replay(&r, NULL,
	       "mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x7f0000000000\n"
	       "mmap(0x7f0000001000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0x1000) = 0x7f0000001000\n"
	       "mmap(0x7f0000002000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 4, 0) = 0x7f0000002000\n",
	       false);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(strstr(r.err, "t.trace:1: warning: file descriptors without -y paths") != NULL);
	ASSERT_TRUE(strstr(r.err, "t.trace:3: warning") == NULL);
	/* one description per fd name: fd:3's two pages merge */
	ASSERT_TRUE(strstr(r.out, "7f0000000000-7f0000002000 r--p 00000000 00:00 ") != NULL);
	ASSERT_TRUE(strstr(r.out, "fd:3\n") != NULL);
	ASSERT_TRUE(strstr(r.out, "7f0000002000-7f0000003000 r--p 00000000 00:00 ") != NULL);
	ASSERT_TRUE(strstr(r.out, "fd:4\n") != NULL);
	run_free(&r);
	return PASS;
}

TEST(replay_killed_process_and_unknown_results)
{
	struct run r;

	replay(&r, NULL,
	       "9  mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
	       "9  munmap(0x7f0000000000, 4096 <unfinished ...>\n"
	       "9  +++ killed by SIGKILL +++\n", true);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(strstr(r.out, "\"pid\": 9, \"exited\": true, \"exit_status\": 137") != NULL);
	ASSERT_TRUE(strstr(r.out, "\"end\": \"0x7f0000001000\"") != NULL);
	run_free(&r);
	replay(&r, NULL,
	       "mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = ?\n",
	       true);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(strstr(r.out, "\"unknown_results\": 1") != NULL);
	run_free(&r);
	return PASS;
}

TEST(replay_divergence_reported_and_followed)
{
	struct run r;

	replay(&r, NULL,
	       "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
	       "munmap(0x7f0000000000, 4096) = 0\n"
	       "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000010000\n",
	       false);
	ASSERT_EQ(r.status, 1);
	/* line 1 diverges (placed at the top in the model), then the model
	 * follows the trace: munmap matches; line 3 diverges again */
	ASSERT_TRUE(strstr(r.err, "t.trace:1: mmap(NULL, 4096, PROT_READ, "
			   "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000: model 0x7ffff7ffe000, "
			   "trace 0x7f0000000000") != NULL);
	ASSERT_TRUE(strstr(r.err, "t.trace:3:") != NULL);
	ASSERT_TRUE(strstr(r.err, "t.trace:2:") == NULL);
	ASSERT_TRUE(strstr(r.err, "2 divergences") != NULL);
	ASSERT_STR_EQ(r.out, "7f0000010000-7f0000011000 r--p 00000000 00:00 0 \n");
	run_free(&r);
	return PASS;
}

/*
 *  mremap of A (blocked by B) moves: the model picks the top, the trace
 *  0x7f0000100000; after the divergence the model moves it there too.
 */
TEST(replay_mremap_divergence_followed)
{
	struct run r;

	replay(&r, NULL,
	       "mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
	       "mmap(0x7f0000001000, 4096, PROT_NONE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000\n"
	       "mremap(0x7f0000000000, 4096, 8192, MREMAP_MAYMOVE) = 0x7f0000100000\n"
	       "munmap(0x7f0000101000, 4096) = 0\n", false);
	ASSERT_EQ(r.status, 1);
	ASSERT_TRUE(strstr(r.err, "t.trace:3: mremap(") != NULL);
	ASSERT_TRUE(strstr(r.err, "1 divergences") != NULL);
	ASSERT_STR_EQ(r.out,
		      "7f0000001000-7f0000002000 ---p 00000000 00:00 0 \n"
		      "7f0000100000-7f0000101000 r--p 00000000 00:00 0 \n");
	run_free(&r);
	return PASS;
}

/* brk refused in the model (a mapping in the way) but granted in the
 * trace: the model's heap and break follow the trace. */
TEST(replay_brk_divergence_followed)
{
	struct run r;

	replay(&r, NULL,
	       "brk(NULL) = 0x555555560000\n"
	       "mmap(0x555555561000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x555555561000\n"
	       "brk(0x555555563000) = 0x555555563000\n"
	       "brk(0x555555564000) = 0x555555564000\n", false);
	ASSERT_EQ(r.status, 1);
	ASSERT_TRUE(strstr(r.err, "t.trace:3: brk(0x555555563000) = 0x555555563000: "
			   "model 0x555555560000, trace 0x555555563000") != NULL);
	ASSERT_TRUE(strstr(r.err, "t.trace:4:") == NULL);
	ASSERT_TRUE(strstr(r.err, "1 divergences") != NULL);
	/* the heap is forced over the model's wrong mapping, then grows */
	ASSERT_STR_EQ(r.out, "555555560000-555555564000 rw-p 00000000 00:00 0"
		      "                          [heap]\n");
	run_free(&r);
	return PASS;
}

TEST(replay_errno_divergence)
{
	struct run r;

	replay(&r, NULL,
	       "munmap(0x7f0000000001, 4096) = 0\n"
	       "mprotect(0x7f0000000000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)\n",
	       false);
	ASSERT_EQ(r.status, 1);
	ASSERT_TRUE(strstr(r.err, "model -1 EINVAL, trace 0") != NULL);
	ASSERT_TRUE(strstr(r.err, "1 divergences") != NULL);
	run_free(&r);
	return PASS;
}

TEST(replay_input_error_exit_2_nothing_on_stdout)
{
	struct run r;

	replay(&r, NULL,
	       "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffe000\n"
	       "mprotect(0x7ffff7ffe000, 4096, PROT_RAED) = 0\n", false);
	ASSERT_EQ(r.status, 2);
	ASSERT_EQ(r.outlen, 0);
	ASSERT_TRUE(strstr(r.err, "t.trace:2:32: unknown flag name") != NULL);
	run_free(&r);
	replay(&r, NULL, "#@ thp=always colour=blue\n", false);
	ASSERT_EQ(r.status, 2);
	ASSERT_EQ(r.outlen, 0);
	ASSERT_TRUE(strstr(r.err, "t.trace:1:15: unknown header key") != NULL);
	run_free(&r);
	replay(&r, NULL, "#@ rlimit_stack=lots\n", false);
	ASSERT_EQ(r.status, 2);
	ASSERT_TRUE(strstr(r.err, "t.trace:1:4: rlimit_stack: expected a number") != NULL);
	run_free(&r);
	replay(&r, NULL, "#| 10000-11000 rw-p 00000000 00:00 0\n", false);
	ASSERT_EQ(r.status, 2);
	run_free(&r);
	return PASS;
}

TEST(replay_fork_copies_the_model)
{
	CHECK(expect(
		"1  mmap(0x7f0000000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
		"1  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 2\n"
		"2  munmap(0x7f0000001000, 4096) = 0\n"
		"1  mprotect(0x7f0000000000, 4096, PROT_READ) = 0\n",
		"# pid 1\n"
		"7f0000000000-7f0000001000 r--p 00000000 00:00 0 \n"
		"7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n"
		"\n# pid 2\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n", 0));
	return PASS;
}

TEST(replay_vfork_child_shares_until_execve)
{
	/* the child's first line comes before the parent's resume (strace) */
	CHECK(expect(
		"1  vfork( <unfinished ...>\n"
		"2  mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
		"2  execve(\"/bin/true\", [\"true\"], 0x7ffc00000000 /* 1 var */) = 0\n"
		"1  <... vfork resumed>) = 2\n"
		"2  mmap(0x7f0000100000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000100000\n"
		"2  exit_group(0) = ?\n"
		"2  +++ exited with 0 +++\n",
		"# pid 1\n"
		"7f0000000000-7f0000001000 r--p 00000000 00:00 0 \n"
		"\n# pid 2 (exited)\n"
		"7f0000100000-7f0000101000 r--p 00000000 00:00 0 \n", 0));
	return PASS;
}

TEST(replay_threads_share_and_are_not_printed)
{
	CHECK(expect(
		"1  clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f0000000000, stack_size=0x1000}, 88) = 3\n"
		"3  mmap(0x7f0000200000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000200000\n"
		"3  exit(0) = ?\n"
		"3  +++ exited with 0 +++\n"
		"1  mmap(0x7f0000201000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000201000\n",
		"# pid 1\n"
		"7f0000200000-7f0000202000 r--p 00000000 00:00 0 \n", 0));
	return PASS;
}

TEST(replay_execve_imports_layout_lines)
{
	CHECK(expect(
		"7  execve(\"/usr/bin/x\", [\"x\"], 0x7ffc00000000 /* 1 var */) = 0\n"
		"#| 7 555555554000-555555555000 r--p 00000000 fe:00 131                        /usr/bin/x\n"
		"#| 7 VmFlags: rd mr mw me \n"
		"#| 7 555555555000-555555556000 rw-p 00001000 fe:00 131                        /usr/bin/x\n"
		"#| 7 Anonymous:             4 kB\n"
		"#| 7 VmFlags: rd wr mr mw me ac \n"
		"#| 7 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
		"#| 7 VmFlags: rd wr mr mw me gd ac \n"
		"#@ pid=7 mmap_base=0x7ffff7fff000 start_brk=0x555555556000 brk=0x555555556000 start_stack=0x7fffffffe000\n"
		"7  brk(NULL) = 0x555555556000\n"
		"7  brk(0x555555577000) = 0x555555577000\n"
		"7  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffe000\n",
		"# pid 7\n"
		"555555554000-555555555000 r--p 00000000 fe:00 131                        /usr/bin/x\n"
		"555555555000-555555556000 rw-p 00001000 fe:00 131                        /usr/bin/x\n"
		"555555556000-555555577000 rw-p 00000000 00:00 0                          [heap]\n"
		"7ffff7ffe000-" TOP " r--p 00000000 00:00 0 \n"
		"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n", 0));
	return PASS;
}

TEST(replay_unknown_brk_first_call_sets_it)
{
	CHECK(expect(
		"brk(NULL) = 0x555555560000\n"
		"brk(0x555555581000) = 0x555555581000\n",
		"555555560000-555555581000 rw-p 00000000 00:00 0                          [heap]\n", 0));
	return PASS;
}

TEST(replay_unknown_brk_growing_first_is_divergence)
{
	struct run r;

	replay(&r, NULL, "brk(0x555555581000) = 0x555555581000\n", false);
	ASSERT_EQ(r.status, 1);
	ASSERT_TRUE(strstr(r.err, "start_brk unknown") != NULL);
	run_free(&r);
	return PASS;
}

TEST(replay_touch_pseudo_call)
{
	struct run r;

	replay(&r, NULL,
	       "mmap(0x7f0000000000, 8192, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
	       "touch(0x7f0000000000, 4096, PROT_READ) = 0\n"
	       "touch(0x7f0000000000, 4096, PROT_WRITE) = -1 EFAULT (Bad address)\n"
	       "touch(0x7f0000002000, 4096, PROT_READ) = 0\n", false);
	ASSERT_EQ(r.status, 1);
	ASSERT_TRUE(strstr(r.err, "t.trace:4:") != NULL);
	ASSERT_TRUE(strstr(r.err, "t.trace:3:") == NULL);
	ASSERT_TRUE(strstr(r.err, "1 divergences") != NULL);
	run_free(&r);
	return PASS;
}

TEST(replay_maps_snapshot_relative_to_trace)
{
	char dir[] = "/tmp/aspace-replay-XXXXXX", path[128], mpath[128];
	FILE *f;
	struct run r;
	const char *text =
		"#@ maps=start.maps\n"
		"munmap(0x7f0000001000, 4096) = 0\n";

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.trace", dir);
	snprintf(mpath, sizeof(mpath), "%s/start.maps", dir);
	f = fopen(mpath, "w");
	ASSERT_TRUE(f != NULL);
	fputs("7f0000000000-7f0000003000 rw-p 00000000 00:00 0 \n", f);
	fclose(f);
	replay(&r, path, text, false);
	unlink(mpath);
	rmdir(dir);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_EQ(r.out,
		      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		      "7f0000002000-7f0000003000 rw-p 00000000 00:00 0 \n");
	run_free(&r);
	replay(&r, "/nonexistent/t.trace", text, false);
	ASSERT_EQ(r.status, 2);
	ASSERT_EQ(r.outlen, 0);
	run_free(&r);
	return PASS;
}

TEST(replay_maps_snapshot_error_names_the_file)
{
	char dir[] = "/tmp/aspace-replay-XXXXXX", path[128], mpath[128];
	FILE *f;
	struct run r;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.trace", dir);
	snprintf(mpath, sizeof(mpath), "%s/bad.maps", dir);
	f = fopen(mpath, "w");
	ASSERT_TRUE(f != NULL);
	fputs("7f0000000000-7f0000003000 rw-p 00000000 00:00 0 \nnonsense\n", f);
	fclose(f);
	replay(&r, path, "#@ maps=bad.maps\ngetpid() = 1\n", false);
	unlink(mpath);
	rmdir(dir);
	ASSERT_EQ(r.status, 2);
	ASSERT_EQ(r.outlen, 0);
	ASSERT_TRUE(strstr(r.err, "bad.maps:2:1:") != NULL);
	run_free(&r);
	return PASS;
}

TEST(replay_json_output)
{
	struct run r;

	replay(&r, NULL,
	       "5  mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
	       "5  munmap(0x7f0000100000, 4096) = -1 EINVAL (Invalid argument)\n",
	       true);
	ASSERT_EQ(r.status, 1);
	ASSERT_EQ(r.errlen, 0);
	ASSERT_TRUE(strstr(r.out, "\"pid\": 5, \"exited\": false") != NULL);
	ASSERT_TRUE(strstr(r.out, "{\"start\": \"0x7f0000000000\", \"end\": \"0x7f0000001000\", "
			   "\"perms\": \"r--p\", \"offset\": \"0x0\", \"dev\": \"00:00\", "
			   "\"inode\": 0, \"name\": \"\", \"flags\": \"rd mr mw me\"}") != NULL);
	ASSERT_TRUE(strstr(r.out, "\"line\": 2, \"pid\": 5") != NULL);
	ASSERT_TRUE(strstr(r.out, "\"model\": \"0\", \"trace\": \"-1 EINVAL\"") != NULL);
	ASSERT_TRUE(strstr(r.out, "\"divergences\": 1") != NULL);
	ASSERT_TRUE(strstr(r.out, "\"exit_status\": 1") != NULL);
	run_free(&r);
	return PASS;
}

/* Fields of a maps line; the inode of a shared anonymous object is the
 * model's own number (03 §9), so it is left out of the comparison. */
static void maps_key(const char *line, char *out, size_t cap)
{
	char range[64] = "", perms[8] = "", off[32] = "", dev[16] = "";
	unsigned long long inode = 0;
	int n = 0;

	sscanf(line, "%63s %7s %31s %15s %llu %n", range, perms, off, dev, &inode, &n);
	if (strstr(line, "/dev/zero (deleted)"))
		inode = 0;
	snprintf(out, cap, "%s %s %s %s %llu %s", range, perms, off, dev, inode,
		 n ? line + n : "");
}

static int same_maps(const char *got, const char *want)
{
	char a[512], b[512];

	while (*got && *want) {
		const char *ge = strchr(got, '\n'), *we = strchr(want, '\n');
		char gl[512], wl[512];

		if (!ge || !we)
			break;
		snprintf(gl, sizeof(gl), "%.*s", (int)(ge - got), got);
		snprintf(wl, sizeof(wl), "%.*s", (int)(we - want), want);
		maps_key(gl, a, sizeof(a));
		maps_key(wl, b, sizeof(b));
		if (strcmp(a, b))
			FAILF("got      %s\nexpected %s", gl, wl);
		got = ge + 1;
		want = we + 1;
	}
	if (*got || *want)
		FAILF("different number of lines:\n%s---\n%s", got, want);
	return PASS;
}

static char *slurp_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	if (getdelim(&text, &cap, 0, f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* Replay tests/replay/traces/NAME.trace; compare with NAME.expected. */
static int recorded(const char *name, const char *summary)
{
	char path[128], epath[128], *text, *want;
	struct run r;

	snprintf(path, sizeof(path), "tests/replay/traces/%s.trace", name);
	snprintf(epath, sizeof(epath), "tests/replay/traces/%s.expected", name);
	text = slurp_text(path);
	want = slurp_text(epath);
	ASSERT_TRUE(text && want);
	replay(&r, path, text, false);
	if (r.status != 0)
		fprintf(stderr, "%s", r.err);
	ASSERT_EQ(r.status, 0);
	if (!strstr(r.err, summary))
		FAILF("summary: %s", r.err);
	CHECK(same_maps(r.out, want));
	run_free(&r);
	free(text);
	free(want);
	return PASS;
}

/*
 * A trace recorded on the running kernel (tests/replay/traces/README.md):
 * 26 calls from an smaps snapshot, with errors (EFAULT, EEXIST, EPERM of a
 * sealed VMA, ENOMEM of a partial mprotect) and mseal printed by number.
 * The model must agree on every result and on the final layout.
 */
TEST(replay_kernel_recorded_trace_matches)
{
	return recorded("e2e", "replay: 26 calls applied, 0 skipped, 0 divergences, 22 VMAs");
}

/*
 * Recorded likewise: SysV shm (SHM_RDONLY attachment refusing mprotect
 * RW, shmdt inside an attachment EINVAL, SHM_REMAP), process_madvise,
 * PR_SET_VMA_ANON_NAME refused, MREMAP_DONTUNMAP, mlock2/munlock.
 */
TEST(replay_kernel_recorded_shm_trace_matches)
{
	return recorded("shm", "replay: 14 calls applied, 3 skipped, 0 divergences, 14 VMAs");
}

/* The block of "# pid N" in a replay's output (up to the next block). */
static char *pid_block(const char *out, const char *head)
{
	const char *s = strstr(out, head), *e;

	if (!s)
		return NULL;
	s = strchr(s, '\n') + 1;
	e = strstr(s, "\n# pid ");
	return strndup(s, e ? (size_t)(e - s) : strlen(s));
}

/*
 * Recorded with strace -f on the running kernel: fork (MADV_DONTFORK hole,
 * mlock dropped, shared anonymous memory shared), vfork child mapping into
 * the parent, a thread's stack and mappings.  Both final layouts match.
 */
TEST(replay_kernel_recorded_fork_trace_matches)
{
	char *text = slurp_text("tests/replay/traces/fork.trace");
	char *wp = slurp_text("tests/replay/traces/fork.parent.expected");
	char *wc = slurp_text("tests/replay/traces/fork.child.expected");
	char *gp, *gc;
	struct run r;

	ASSERT_TRUE(text && wp && wc);
	replay(&r, "tests/replay/traces/fork.trace", text, false);
	if (r.status != 0)
		fprintf(stderr, "%s", r.err);
	ASSERT_EQ(r.status, 0);
	gp = pid_block(r.out, "# pid 26423\n");
	gc = pid_block(r.out, "# pid 26424 (exited)\n");
	ASSERT_TRUE(gp && gc);
	ASSERT_TRUE(strstr(r.out, "# pid 26425 (exited)\n") != NULL);
	ASSERT_TRUE(strstr(r.out, "# pid 26426") == NULL);     /* a thread */
	CHECK(same_maps(gp, wp));
	CHECK(same_maps(gc, wc));
	free(gp);
	free(gc);
	run_free(&r);
	free(text);
	free(wp);
	free(wc);
	return PASS;
}

TEST(replay_shared_traces_have_no_input_error)
{
	static const char *const names[] = {
		"gcc", "ls", "perl-realloc", "perl", "python3-threads",
		"python3", "sort-tt",
	};
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FILE *f;
		char *text = NULL;
		size_t cap = 0;
		ssize_t n;
		struct run r;

		snprintf(path, sizeof(path), "tests/replay/traces/%s.trace", names[i]);
		f = fopen(path, "r");
		if (!f)
			FAILF("cannot open %s", path);
		n = getdelim(&text, &cap, 0, f);
		fclose(f);
		ASSERT_TRUE(n > 0);
		replay(&r, path, text, false);
		free(text);
		if (r.status == 2 || !strstr(r.err, "replay: ")) {
			fprintf(stderr, "%s", r.err);
			run_free(&r);
			FAILF("%s: status %d", names[i], r.status);
		}
		run_free(&r);
	}
	return PASS;
}
