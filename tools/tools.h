/*
 * tools.h - the subcommands of the `aspace` command.  Each lives in its own
 * file under tools/ and returns the process exit status.
 */
#ifndef ASPACE_TOOLS_H
#define ASPACE_TOOLS_H

int cmd_fuzz(int argc, char **argv);     /* tools/fuzz_cli.c */
int cmd_replay(int argc, char **argv);   /* tools/replay.c */
int cmd_trace(int argc, char **argv);    /* tools/trace.c */
int cmd_report(int argc, char **argv);   /* tools/report.c */
int cmd_explain(int argc, char **argv);  /* tools/explain.c */
int cmd_synth(int argc, char **argv);    /* tools/synth.c */

#endif
