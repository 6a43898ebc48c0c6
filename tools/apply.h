/*
 * apply.h - apply one trace record to the model set: map strace's
 * arguments to aspace_*() calls, compare the model's result with the
 * trace's, and keep the model in step after a divergence.
 *
 * Used by `aspace replay` (records parsed from text) and by `aspace trace`
 * (records built from a live process, see tracefmt.h for the argument
 * conventions).  One struct apply_ctx per trace.
 *
 * Divergence: the model's result differs from the trace's RESULT (another
 * address, another errno, success against failure).  After one the model
 * follows the trace where it can: a mmap placed elsewhere is undone and
 * redone MAP_FIXED at the trace's address, a mmap that failed in the model
 * is forced there, one that succeeded in the model only is unmapped, a
 * moved mremap is moved on to the trace's address, brk is set to the
 * trace's break.  Results "= ?" are not compared.
 */
#ifndef ASPACE_APPLY_H
#define ASPACE_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aspace.h"
#include "model_set.h"
#include "tracefmt.h"

struct apply_stats {
	uint64_t applied;       /* calls run against a model */
	uint64_t skipped;       /* calls that do not change a model */
	uint64_t divergences;
	uint64_t unknown;       /* model calls with "= ?" results (not compared) */
	uint64_t warnings;
};

/* One divergence, as reported. */
struct apply_divergence {
	int         line;
	int         pid;
	const char *call;       /* the call text (borrowed from the record) */
	int64_t     model;      /* the model's result: value or -errno */
	int64_t     trace;      /* the trace's result */
	bool        model_is_addr, trace_is_addr;   /* print in hex */
	const char *note;       /* why, when not just "another result"; or NULL */
	bool        followed;   /* the model was brought in step */
};

struct apply_ctx {
	struct model_set   *ms;
	struct apply_stats  st;
	/* called for each divergence; NULL: print on stderr (apply_print_div) */
	void (*on_divergence)(void *arg, const struct apply_divergence *d);
	void *arg;
	/* called for each warning (e.g. "fd:3 has no path"); NULL: stderr */
	void (*on_warning)(void *arg, int line, const char *msg);
	bool  warned_fd;        /* the fd:N warning is given once */
	const char *trace_name; /* for messages; may be NULL */
	struct apply_shm *shm;  /* shmget ids seen: id -> key, size */
	int   nshm, shm_cap;
};

/*
 * apply_init() - set up @ctx for @ms (zeroes the counters).
 * Cannot fail.
 */
void apply_init(struct apply_ctx *ctx, struct model_set *ms);

/* apply_fini() - free what @ctx holds (not the model set).  Cannot fail. */
void apply_fini(struct apply_ctx *ctx);

/*
 * apply_record() - apply one record: REC_CALL (model calls, process
 * events, skipped calls), REC_UNFINISHED (notes a clone in flight),
 * REC_EXIT (the task exits), REC_HEADER with pid= (a process's exec
 * values), REC_LAYOUT (a `#|` line after execve).  REC_NONE and
 * REC_SIGNAL do nothing.  Header lines without pid= are the caller's
 * (apply_header_config()) before the first call.
 * Return: 0 (divergences are counted, not errors); -EINVAL for input the
 *         model cannot take (a layout line without execve, a malformed
 *         layout, a bad `#@ pid=` value), with @err filled; -ENOMEM.
 */
int apply_record(struct apply_ctx *ctx, const struct call_rec *rec,
		 struct trace_error *err /* OUT */);

/*
 * apply_header_config() - put the key=value pairs of a `#@` header record
 * into @cfg (spec/08 header table).
 * @maps_path: OUT, the `maps=` value (borrowed from @rec) or left as is.
 * @mask:      OUT, MS_PCFG_* bits of the keys given (for pid= lines).
 * Return: 0, or -EINVAL with @err (unknown key, bad number) at the key's
 *         column.
 */
int apply_header_config(const struct call_rec *rec, struct aspace_config *cfg,
			const char **maps_path /* OUT, may be NULL */,
			unsigned *mask /* OUT, may be NULL */,
			struct trace_error *err /* OUT */);

/* apply_print_div() - the default report of one divergence on @f:
 * "LINE: CALL: model RESULT, trace RESULT[ (note)]". */
void apply_print_div(FILE *f, const struct apply_divergence *d);

/* apply_result_str() - "0x7f00..." / "0" / "-1 ENOMEM" into @buf. */
const char *apply_result_str(int64_t v, bool addr, char *buf, size_t cap);

/*
 * replay_text() - the body of `aspace replay` (tools/replay.c) on a trace
 * held in memory.
 * @name: the trace's name in messages; @path: its file (for a relative
 *        `maps=`), or NULL; @json: one JSON object instead of text.
 * Return: the exit status: 0, 1 (divergences) or 2 (unreadable input;
 *         nothing written to @out).
 */
int replay_text(const char *name, const char *path, const char *text,
		bool json, FILE *out, FILE *err);

#endif /* ASPACE_APPLY_H */
