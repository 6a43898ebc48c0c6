/*
 * insight.h - the shared machinery of `aspace report`, `aspace explain`
 * and the HTML picture: a replay of a trace with provenance on, where each
 * call gets an id (1, 2, ... in trace order) that the model records as the
 * origin / last change of the VMAs it creates, splits or merges; a table
 * mapping ids back to (trace line, system call, process, call-site
 * pattern); per-call VMA counts; and the analysis of a layout's adjacent
 * pairs with aspace_explain().
 */
#ifndef ASPACE_INSIGHT_H
#define ASPACE_INSIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aspace.h"
#include "model_set.h"

/* One call of the trace (REC_CALL record); its id is its index + 1. */
struct ins_call {
	uint64_t off;           /* byte offset of its line in the text */
	int32_t  line;          /* 1-based trace line */
	int32_t  pid;           /* thread-group leader */
	uint32_t site;          /* call-site pattern: index into sites[] */
	int32_t  delta;         /* VMA count change of its address space */
	uint32_t count;         /* VMA count of its address space after */
	uint8_t  sys;           /* enum tsys */
	bool     enomem;        /* the trace's result is ENOMEM */
	bool     guard;         /* mprotect(..., PROT_NONE) */
};

struct ins_run;

/* Called after every call with the focus process's model (NULL when it
 * has none at that point). */
typedef void ins_hook(struct ins_run *r, uint64_t id, const struct aspace *as,
		      void *arg);

struct ins_run {
	/* inputs */
	const char *name;       /* for messages */
	const char *path;       /* the trace file (maps= is relative), or NULL */
	const char *text;       /* the whole trace */
	int         focus;      /* leader pid watched by the hooks */
	bool        has_focus;  /* focus is set (pid 0: a trace without PIDs) */
	int         stop_line;  /* stop after this trace line; 0: at the end */
	ins_hook   *at_call;    /* may be NULL */
	ins_hook   *at_exit;    /* the focus process is about to exit */
	void       *arg;
	/* outputs */
	struct ins_call *calls;
	uint64_t    ncalls, cap;
	char      **sites;
	uint32_t    nsites, sites_cap;
	uint32_t   *site_hash;  /* open addressing, index + 1 */
	uint32_t    hash_cap;
	uint64_t    divergences, applied;
	int         max_map_count;
	struct model_set *ms;   /* the models at the end (or at stop_line) */
};

/*
 * ins_run() - replay @r->text with provenance on, filling calls[] and
 * sites[] and calling the hooks.
 * Return: 0, or 2 (unreadable input, message on @err; -ENOMEM included).
 */
int ins_run(struct ins_run *r, FILE *err);

/* ins_run_free() - free what ins_run() made (not the inputs). */
void ins_run_free(struct ins_run *r);

/* ins_focus_as() - the focus process's model now, or NULL. */
const struct aspace *ins_focus_as(struct ins_run *r);

/*
 * ins_call_text() - "line N: TEXT" of call @id (0: "the layout the trace
 * started with or an execve loaded") into @buf.  Return: @buf.
 */
const char *ins_call_text(const struct ins_run *r, uint64_t id, char *buf,
			  size_t cap);

/* ins_peak() - the leader pid whose address space had the most VMAs, its
 * peak and the id of the call that reached it first. */
void ins_peak(const struct ins_run *r, int *pid, uint64_t *peak,
	      uint64_t *id);

/* Adjacent-pair statistics of one layout (aspace_explain on each pair). */
struct ins_pairs {
	uint64_t vmas, pairs;           /* VMAs, neighbouring pairs */
	uint64_t adjacent;              /* pairs with no hole between */
	uint64_t mergeable;             /* adjacent, no rule fails */
	uint64_t single;                /* adjacent, exactly one rule fails */
	uint64_t by_rule[ASPACE_WHY_NBITS];     /* single, per rule */
	uint64_t any_rule[ASPACE_WHY_NBITS];    /* adjacent, rule among others */
	/* single-rule "flags" pairs by the differing bits: top entries */
	uint64_t flag_masks[8], flag_mask_n[8];
	int      nflag_masks;
	/* guards */
	uint64_t guard_vmas;            /* PROT_NONE VMAs next to accessible */
	uint64_t guard_cost;            /* VMAs they cost (1 or 2 each) */
	uint64_t guard_madv;            /* VMAs with VM_MAYBE_GUARD */
};

/* ins_pairs_of() - the statistics of @as's layout.  Cannot fail. O(n log n). */
void ins_pairs_of(const struct aspace *as, struct ins_pairs *out /* OUT */);

/* What report_text() writes; any may be NULL/0. */
struct report_opts {
	int         pid;        /* focus leader; 0: the one with most VMAs */
	FILE       *text;       /* the text report */
	FILE       *json;       /* the same as JSON */
	const char *html;       /* the picture, into this file */
};

/*
 * report_text() - the report of `aspace report` on the trace @text (@name
 * for messages, @path for maps= relative to it, or NULL), written as @o
 * asks.  One analysis feeds every output: the replay command, the live
 * tracer (`aspace trace --report`, through report_stream()) and the tests.
 * Assumes: @text is NUL-terminated.
 * Return:  0, or 2 (unreadable trace, I/O error, out of memory) with a
 *          message on @err.
 * Cost:    two replays of the trace (three with @o->html).
 */
int report_text(const char *name, const char *path, const char *text,
		const struct report_opts *o, FILE *err);

/*
 * report_stream() - report_text() on everything written to @in so far:
 * flushes it, reads it back from its start (it must be readable and
 * seekable: a "w+" file or tmpfile()).  Return: as report_text().
 */
int report_stream(const char *name, const char *path, FILE *in,
		  const struct report_opts *o, FILE *err);

/* Subcommands that are not in tools.h. */
int cmd_synth(int argc, char **argv);
int synth_write(FILE *f, uint64_t guards, uint64_t churn, uint64_t chunk);

/*
 * html_write() - the picture of `aspace report --html`: one self-contained
 * page.  Replays @r's trace again (focus @pid) to take ~@nsnap layout
 * snapshots.  Return: 0, or 2 with a message on @err.
 */
int html_write(struct ins_run *r, int pid, FILE *out, FILE *err);

#endif /* ASPACE_INSIGHT_H */
