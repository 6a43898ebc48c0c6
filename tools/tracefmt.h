/*
 * tracefmt.h - one line of a memory trace (spec/08-trace-format.md) as a
 * record, and the streaming parser that makes records from strace text.
 *
 * A trace is read line by line.  Each line gives one struct call_rec: a
 * system call (or the `touch` pseudo-call), the first half of a call split
 * by another thread (<unfinished ...>; the completed call comes later, at
 * its <... NAME resumed> line, joined by PID), a signal, a process exit,
 * a `#@` header line or a `#|` layout line.  Blank lines and comments give
 * REC_NONE.
 *
 * The record is also what `aspace trace` builds from a live process (no
 * text involved): fill kind = REC_CALL, sys, pid, args[] in the kernel's
 * argument order (see "Argument conventions"), paths[] for file
 * descriptors, ret / ret_unknown, and hand it to apply_call() (apply.h).
 *
 * Argument conventions (args[] are the kernel's, with these exceptions):
 *  - clone:   args[0] = flags (strace prints child_stack= first; the parser
 *             puts flags in args[0], child_stack in args[1], as x86-64 does).
 *  - clone3:  args[0] = clone_args.flags (not the struct pointer),
 *             args[1] = the size argument.
 *  - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name): args[0..3]
 *             as numbers, strs[4] = the name (NULL for a NULL pointer).
 *  - process_madvise(pidfd, iov, vlen, advice, flags): args[0] = pidfd
 *             (paths[0] = "pid:N" / "anon_inode:[pidfd]" when known),
 *             iov[]/niov = the iovec array, args[2] = vlen, args[3] =
 *             advice, args[4] = flags.
 *  - execve/execveat: strs[0] (execveat: strs[1]) = the program path.
 *  - touch(ADDR, LEN, ACCESS): ACCESS as PROT_* bits.
 *  - a file descriptor argument shown as `3</usr/lib/libc.so.6>` gives
 *    args[i] = 3 and paths[i] = "/usr/lib/libc.so.6" (strace escapes
 *    decoded); a bare `3` gives paths[i] = NULL (the applier then names
 *    the file "fd:3").
 * Flag sets (PROT_READ|PROT_WRITE, MAP_PRIVATE|0x100000, CLONE_VM|SIGCHLD)
 * are resolved to numbers with the x86-64 values.
 */
#ifndef ASPACE_TRACEFMT_H
#define ASPACE_TRACEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The calls the parser and the applier know by name. */
enum tsys {
	TS_OTHER = 0,           /* any other call: skipped and counted */
	TS_MMAP, TS_MUNMAP, TS_MREMAP, TS_MPROTECT, TS_PKEY_MPROTECT,
	TS_MADVISE, TS_PROCESS_MADVISE,
	TS_MLOCK, TS_MLOCK2, TS_MUNLOCK, TS_MLOCKALL, TS_MUNLOCKALL,
	TS_BRK, TS_MSEAL, TS_PRCTL, TS_SHMGET, TS_SHMAT, TS_SHMDT,
	TS_CLONE, TS_CLONE3, TS_FORK, TS_VFORK,
	TS_EXECVE, TS_EXECVEAT, TS_EXIT, TS_EXIT_GROUP,
	TS_TOUCH,               /* the aspace pseudo-call (08) */
	TS_COUNT
};

enum rec_kind {
	REC_NONE = 0,           /* blank line, comment, strace notice */
	REC_CALL,               /* a complete call (possibly joined) */
	REC_UNFINISHED,         /* first half of a split call: sys, name, pid */
	REC_SIGNAL,             /* --- SIGxxx {...} --- */
	REC_EXIT,               /* +++ exited with N +++ / +++ killed by ... */
	REC_HEADER,             /* #@ key=value ... */
	REC_LAYOUT,             /* #| [PID ]maps-or-smaps line */
};

#define CALL_MAX_ARGS   6
#define REC_MAX_KV      48
#define CALL_NAME_MAX   32

struct rec_kv {
	char *key, *val;        /* NUL-terminated, owned by the record */
	int   column;           /* 1-based column of the key */
};

struct rec_iov {
	uint64_t base, len;
};

struct call_rec {
	enum rec_kind kind;
	int      line;          /* 1-based line that completed the record */
	int      pid;           /* 0 when the trace has no PID prefix */
	/* REC_CALL, REC_UNFINISHED */
	enum tsys sys;
	char     name[CALL_NAME_MAX];   /* as printed, e.g. "mmap" */
	int      nargs;                 /* top-level arguments seen */
	uint64_t args[CALL_MAX_ARGS];
	char    *paths[CALL_MAX_ARGS];  /* -y path of an fd argument, or NULL */
	char    *strs[CALL_MAX_ARGS];   /* decoded string argument, or NULL */
	struct rec_iov *iov;            /* process_madvise only */
	int      niov;
	int64_t  ret;                   /* value, or -errno when failed */
	bool     ret_unknown;           /* "= ?" */
	char    *text;                  /* the call text "NAME(ARGS) = RES" */
	/* REC_EXIT */
	int      exit_status;           /* "exited with N" */
	int      exit_signal;           /* "killed by SIGx": signal number */
	/* REC_HEADER */
	int      nkv;
	struct rec_kv kv[REC_MAX_KV];
	/* REC_LAYOUT: the text after "#| " and the PID */
	char    *layout;
};

/* Where parsing failed: 1-based line and column, and why. */
struct trace_error {
	int  line, column;
	char msg[200];
};

struct trace_parser;

/*
 * tp_new() - a parser for one trace.  Return: the parser, or NULL when
 * out of memory.  Cost: O(1).
 */
struct trace_parser *tp_new(void);

/* tp_free() - release the parser and any pending unfinished calls. NULL ok. */
void tp_free(struct trace_parser *tp);

/*
 * tp_parse_line() - parse one line of a trace.
 * @tp:     the parser (keeps unfinished calls by PID between lines).
 * @line:   the text, with or without its trailing newline.
 * @lineno: 1-based line number, used in @rec->line and @err.
 * @rec:    filled; rec_clear() it before reuse (tp_parse_line clears it
 *          on entry, so passing the same record each time is fine).
 * @err:    on error, where and why.
 * Return:  0 (rec->kind says what the line was), or -1 for an input error
 *          (a recognised call whose arguments cannot be parsed, a `#@`
 *          header with an unknown key or a bad value, a line that is no
 *          strace output at all); -2 when out of memory.
 * Cost:    O(length of the line).
 */
int tp_parse_line(struct trace_parser *tp, const char *line, int lineno,
		  struct call_rec *rec /* OUT */,
		  struct trace_error *err /* OUT */);

/*
 * tp_pending() - the number of calls still <unfinished ...>.  Cannot fail.
 */
int tp_pending(const struct trace_parser *tp);

/* rec_clear() - free what a record owns and zero it.  Cannot fail. */
void rec_clear(struct call_rec *rec);

/* tsys_name() - "mmap" for TS_MMAP; "?" for TS_OTHER. */
const char *tsys_name(enum tsys sys);

/*
 * tsys_from_name() / tsys_from_nr() - the call for a name as strace prints
 * it, or for an x86-64 system call number; TS_OTHER if not one of ours.
 */
enum tsys tsys_from_name(const char *name);
enum tsys tsys_from_nr(long nr);

/*
 * trace_symbol_value() - the x86-64 value of a flag or constant name as
 * strace prints it (PROT_READ, MAP_FIXED, MADV_DONTNEED, CLONE_VM, SIGCHLD,
 * PR_SET_VMA, MCL_FUTURE, ...).  Return: true and *@out, or false.
 */
bool trace_symbol_value(const char *name, size_t len, uint64_t *out /* OUT */);

/*
 * trace_errno_value() - ENOMEM -> 12, ... (also ERESTARTSYS and friends).
 * Return: the positive errno, or 0 if unknown.
 */
int trace_errno_value(const char *name, size_t len);

/* trace_errno_name() - "ENOMEM" for 12 (or -12); NULL if unknown. */
const char *trace_errno_name(int err);

/*
 * trace_header_key_known() - whether @key is a key of spec/08's header
 * table (or "pid", the per-process key written after execve).
 */
bool trace_header_key_known(const char *key);

#endif /* ASPACE_TRACEFMT_H */
