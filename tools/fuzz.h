/*
 * fuzz.h - the differential fuzzer: a seeded random sequence of mmap,
 * munmap, mprotect, brk and page touches runs in a forked, re-executed
 * child with raw system calls and in the model at the same time; every
 * result and the layout (/proc/PID/maps, smaps VmFlags, status counters)
 * must agree.  A failing sequence is shrunk by delta debugging and printed
 * as a strace-like listing that fz_replay_listing() (and `aspace fuzz
 * --replay FILE`) runs again.
 *
 * The engine lives in tools/fuzz.c and does not define main(): it is linked
 * into the `aspace` command (tools/fuzz_cli.c) and into the test runner
 * (tests/kernel/).  The kernel child is the running binary itself, started
 * through /proc/self/exe with ASLR off; a constructor in tools/fuzz.c turns
 * it into a syscall server before main() runs.
 */
#ifndef ASPACE_FUZZ_H
#define ASPACE_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Descriptors every kernel child has (the same in every run): files the
 * calls may name.  FZ_FD_BAD is always closed.
 */
#define FZ_FD_BAD        97
#define FZ_FD_EXT4_RW    100    /* regular file on the disk fs, 4 MiB */
#define FZ_FD_EXT4_RO    101    /* the same file, O_RDONLY */
#define FZ_FD_EXT4_WO    102    /* the same file, O_WRONLY */
#define FZ_FD_MEMFD_RW   103    /* memfd, 1 MiB + 100 bytes */
#define FZ_FD_MEMFD_RO   104    /* the memfd reopened O_RDONLY */
#define FZ_FD_DEVZERO    105    /* /dev/zero, O_RDWR */

/* The calls the engine knows.  The op table in fuzz.c has one row each. */
enum fz_call {
	FZ_MMAP = 0,
	FZ_MUNMAP,
	FZ_MPROTECT,
	FZ_BRK,
	FZ_TOUCH,
	FZ_MREMAP,              /* issue 4 calls */
	FZ_MADVISE,
	FZ_MLOCK,
	FZ_MLOCK2,
	FZ_MUNLOCK,
	FZ_MLOCKALL,
	FZ_MUNLOCKALL,
	FZ_MSEAL,
	FZ_PKEY_MPROTECT,
	FZ_NCALLS
};

/*
 * Generation profiles: default (mmap, munmap, mprotect, brk, touch),
 * errors (bad arguments for every call), limits (RLIMIT_AS/DATA/MEMLOCK
 * set in the child, CAP_IPC_LOCK dropped), mremap, lock, all.
 */
enum fz_profile {
	FZ_PROFILE_DEFAULT = 0,
	FZ_PROFILE_ERRORS,
	FZ_PROFILE_LIMITS,
	FZ_PROFILE_MREMAP,      /* default mix + mremap */
	FZ_PROFILE_LOCK,        /* default mix + madvise, mlock family, mseal */
	FZ_PROFILE_ALL,         /* every call */
	FZ_NPROFILES
};

/* One concrete call: what is sent to the child and applied to the model. */
struct fz_op {
	uint16_t call;          /* enum fz_call */
	uint16_t skipped;       /* not run: would hit the child's own memory */
	uint64_t a[6];          /* the arguments in the system call's order */
	int64_t  kret;          /* kernel result: value or -errno */
	int64_t  mret;          /* model result: value or -errno */
};

/* The environment a run starts from besides the child's own layout. */
struct fz_setup {
	uint64_t rlimit_as, rlimit_data, rlimit_memlock;  /* 0: unchanged */
	bool     drop_ipc_lock;                           /* capset -IPC_LOCK */
};

struct fz_options {
	uint64_t seed_first, seed_last;   /* inclusive */
	int      nops;                    /* calls per seed */
	enum fz_profile profile;
	int      check_every;             /* smaps+counters every K ops (0: end) */
	bool     kernel_only;             /* no model: print kernel results */
	bool     shrink;                  /* minimise failing seeds */
	int      max_failures;            /* stop after this many (0: never) */
	int      verbose;                 /* 1: per seed, 2: per op */
	FILE    *out;                     /* reports (stdout if NULL) */
};

struct fz_stats {
	uint64_t seeds, failed_seeds, ops, ok, errors, skipped;
	uint64_t kernel_runs;             /* children started (shrink included) */
	double   seconds;
};

/*
 * fz_options_init() - defaults: seed 1..1, 300 ops, default profile,
 * smaps check every 50 ops, shrink on, output to stdout.  Cannot fail.
 */
void fz_options_init(struct fz_options *o /* OUT */);

/*
 * fz_campaign() - run seeds seed_first..seed_last.
 * @o:  options; @st: totals (may be NULL).
 * Return: 0 when no seed diverged, 1 when some did, -errno when the kernel
 *         side could not be set up (files, pipes, fork/exec).
 * Prints each failing seed's first divergence and, with o->shrink, a
 * minimal reproduction listing to o->out.
 * Cost: about nops pipe round trips and /proc reads per seed.
 */
int fz_campaign(const struct fz_options *o, struct fz_stats *st /* OUT */);

/*
 * fz_replay_listing() - run the calls of a listing as fz_campaign() prints
 * it (strace-like lines, "#@ key=value" setup lines, comments) against a
 * fresh kernel child and the model, comparing after every call.
 * @text: the listing; @out: where a divergence is described (NULL: quiet).
 * Return: 0 when kernel and model agree, 1 on a divergence, -EINVAL for an
 *         unparsable line (reported on @out), other -errno for setup errors.
 */
int fz_replay_listing(const char *text, FILE *out);

/*
 * fz_parse_op() - parse one listing line ("name(args) [= result]") as
 * fz_format_op() prints it.  Return: 0, or -EINVAL.
 */
int fz_parse_op(const char *line, struct fz_op *op /* OUT */);

/* fz_profile_name() - "default", "errors", ...; "unknown" when out of range. */
const char *fz_profile_name(int profile);

/* ---------------------------------------------------------------------- */
/* The kernel child on its own (used by tests/kernel/test_kernel_facts.c)  */
/* ---------------------------------------------------------------------- */

struct fz_child;

/*
 * fz_child_start() - fork and re-execute this binary with ASLR off and
 * RLIMIT_STACK 8 MiB as a syscall server, apply @setup (may be NULL).
 * Return: the child, or NULL (message on stderr) when pipes, fork or exec
 *         failed.  Cost: one fork + execve.
 */
struct fz_child *fz_child_start(const struct fz_setup *setup);

/*
 * fz_child_call() - run @op in the child; fills op->kret.
 * Return: 0, or -EPIPE when the child died (op->kret is then meaningless).
 */
int fz_child_call(struct fz_child *c, struct fz_op *op);

/*
 * fz_child_read() - read /proc/<child>/@what ("maps", "smaps", "status",
 * "stat") into a malloc'ed NUL-terminated string.  NULL on failure.
 */
char *fz_child_read(struct fz_child *c, const char *what);

/*
 * fz_read_text_file() - a whole file (e.g. under /proc) as a malloc'ed
 * NUL-terminated string; NULL on failure.
 */
char *fz_read_text_file(const char *path);

/* fz_child_pid() - the child's pid.  fz_child_brk0() - its break at start. */
int fz_child_pid(const struct fz_child *c);
uint64_t fz_child_brk0(const struct fz_child *c);

/* fz_child_stop() - kill and reap the child; NULL allowed.  Cannot fail. */
void fz_child_stop(struct fz_child *c);

/*
 * fz_format_op() - print @op strace-like ("munmap(0x200000000000, 4096)")
 * with " = RESULT" when @with_result (the kernel's result).  Return: @buf.
 */
char *fz_format_op(const struct fz_op *op, bool with_result, char *buf,
		   size_t cap);

#endif /* ASPACE_FUZZ_H */
