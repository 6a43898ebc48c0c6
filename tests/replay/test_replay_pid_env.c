/*
 * test_replay_pid_env.c - the environment keys of a "#@ pid=N" line after
 * an execve (mmap_legacy, mmap_legacy_base, rlimit_stack) apply to that
 * process's new model: `setarch -L` programs place mmap(NULL) bottom-up
 * from their legacy base, as `aspace trace` records it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "aspace.h"
#include "../harness.h"
#include "../../tools/apply.h"

TEST(replay_pid_line_sets_legacy_layout)
{
	char *out = NULL, *err = NULL;
	size_t ol = 0, el = 0;
	FILE *o = open_memstream(&out, &ol), *e = open_memstream(&err, &el);
	int status;

	status = replay_text("t.trace", NULL,
		"7  execve(\"/usr/bin/x\", [\"x\"], 0x7ffc00000000 /* 1 var */) = 0\n"
		"#| 7 555555554000-555555555000 r--p 00000000 fe:00 131                        /usr/bin/x\n"
		"#| 7 VmFlags: rd mr mw me \n"
		"#| 7 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
		"#| 7 VmFlags: rd wr mr mw me gd ac \n"
		"#@ pid=7 mmap_legacy=1 mmap_legacy_base=0x2aaaaaaab000 start_brk=0x555555556000 start_stack=0x7fffffffe000\n"
		"7  mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x2aaaaaaab000\n"
		"7  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x2aaaaaaad000\n",
		false, o, e);
	fclose(o);
	fclose(e);
	if (status != 0 || !strstr(out, "2aaaaaaab000-2aaaaaaad000 r--p") ||
	    !strstr(out, "2aaaaaaad000-2aaaaaaae000 rw-p")) {
		fprintf(stderr, "  status %d\n--- stdout\n%s--- stderr\n%s",
			status, out, err);
		free(out);
		free(err);
		return FAIL;
	}
	free(out);
	free(err);
	return PASS;
}
