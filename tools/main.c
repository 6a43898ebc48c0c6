/*
 * main.c - the `aspace` command: dispatches to a subcommand.  Subcommands
 * not linked into this build are reported as unavailable (weak symbols),
 * so each tool can land on its own.
 */
#include <stdio.h>
#include <string.h>

#include "aspace.h"
#include "tools.h"

#pragma weak cmd_fuzz
#pragma weak cmd_replay
#pragma weak cmd_trace
#pragma weak cmd_report
#pragma weak cmd_explain
#pragma weak cmd_synth

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct subcommand cmds[] = {
	{ "trace", cmd_trace, "run a command and mirror its address space" },
	{ "replay", cmd_replay, "replay a memory trace (strace format)" },
	{ "fuzz", cmd_fuzz, "differential fuzzing against the running kernel" },
	{ "report", cmd_report, "why a process has so many VMAs" },
	{ "explain", cmd_explain, "why two VMAs did not merge" },
	{ "synth", cmd_synth, "write a synthetic trace reaching max_map_count" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: aspace COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].fn)
			fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "  %-8s %s\n", "version", "print the version");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version")) {
		printf("aspace %d.%d (models Linux 6.18.44, x86-64)\n",
		       ASPACE_VERSION_MAJOR, ASPACE_VERSION_MINOR);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (!cmds[i].fn) {
			fprintf(stderr, "aspace: '%s' is not in this build\n",
				argv[1]);
			return 2;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "aspace: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
