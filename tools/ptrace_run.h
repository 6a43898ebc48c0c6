/*
 * ptrace_run.h - the tracing engine of `aspace trace`: starts a command
 * under ptrace with a seccomp filter that stops it only at memory and
 * process system calls, follows every thread and child, and reports each
 * call (entry with its arguments, exit with the kernel's result), each
 * exec, fork/clone and exit to a set of hooks.
 *
 * Ordering guarantee: tasks that share a "turn" key (the tracer sets one
 * per address space) run their traced calls one at a time, from entry to
 * exit (or to the fork/clone event), in the order the hooks see them.  The
 * kernel serialises those calls on mmap_lock anyway; holding the others at
 * their seccomp stop makes the order we observe the order the kernel used.
 */
#ifndef ASPACE_PTRACE_RUN_H
#define ASPACE_PTRACE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* x86-64 system call numbers the filter stops at. */
enum {
	PT_NR_MMAP = 9, PT_NR_MPROTECT = 10, PT_NR_MUNMAP = 11, PT_NR_BRK = 12,
	PT_NR_MREMAP = 25, PT_NR_MADVISE = 28, PT_NR_SHMGET = 29,
	PT_NR_SHMAT = 30,
	PT_NR_CLONE = 56, PT_NR_FORK = 57, PT_NR_VFORK = 58,
	PT_NR_EXECVE = 59, PT_NR_EXIT = 60, PT_NR_SHMDT = 67,
	PT_NR_MLOCK = 149, PT_NR_MUNLOCK = 150, PT_NR_MLOCKALL = 151,
	PT_NR_MUNLOCKALL = 152, PT_NR_PRCTL = 157, PT_NR_EXIT_GROUP = 231,
	PT_NR_EXECVEAT = 322, PT_NR_MLOCK2 = 325, PT_NR_PKEY_MPROTECT = 329,
	PT_NR_CLONE3 = 435, PT_NR_PROCESS_MADVISE = 440, PT_NR_MSEAL = 462,
};

/* prctl option the filter passes on (others run untraced). */
#define PT_PR_SET_VMA 0x53564d41

/* One traced thread. */
struct pt_task {
	pid_t    tid;
	void    *user;          /* the hooks' per-task data */
	void    *turn;          /* serialisation key (address space), or NULL */
	/* the call in progress (valid between entry and exit hooks) */
	int      nr;
	uint64_t args[6];
	int64_t  ret;           /* at the exit hook: >= 0 or -errno */
	bool     in_call;       /* entry seen, exit not yet */
	/* engine state */
	bool     want_exit;     /* resumed with PTRACE_SYSCALL */
	bool     holds_turn;
	bool     held;          /* waiting at its seccomp stop for the turn */
	bool     attached;      /* the parent's fork event was seen */
	bool     first_stop;    /* its initial SIGSTOP was seen */
	bool     stopped;       /* currently in a ptrace stop we own */
	struct pt_task *next_held;
	struct pt_task *hnext;  /* hash chain */
};

struct pt_hooks {
	void *ctx;
	/* A traced call is about to run (the task holds its turn).  The
	 * arguments are in t->nr / t->args; the task's memory is readable. */
	void (*on_entry)(void *ctx, struct pt_task *t);
	/* The call returned t->ret (exit and exit_group never do). */
	void (*on_exit)(void *ctx, struct pt_task *t);
	/* execve succeeded; the new image is in /proc/t->tid.  @old_tid is
	 * the thread that called it (differs when a non-leader exec'd). */
	void (*on_exec)(void *ctx, struct pt_task *t, pid_t old_tid);
	/* @child was created by @parent's call in progress (parent->nr,
	 * parent->args); @flags are the clone flags (fork: SIGCHLD). */
	void (*on_child)(void *ctx, struct pt_task *parent,
			 struct pt_task *child, uint64_t flags);
	/* The task is exiting; its address space is still readable. */
	void (*on_exit_event)(void *ctx, struct pt_task *t);
	/* The task is gone (wait status @status, or -1: a thread-group
	 * leader replaced by a non-leader's execve); t is freed after. */
	void (*on_gone)(void *ctx, struct pt_task *t, int status);
	/* Called about every 100 ms of tracing (may be NULL). */
	void (*on_tick)(void *ctx);
};

struct pt_session;

/*
 * pt_start() - fork and exec @argv[0] (PATH search) under ptrace, with the
 * seccomp filter installed just before the exec.
 * Return: a session, or NULL with a message on stderr (ptrace or seccomp
 *         refused, fork failed).  Cost: one fork.
 */
struct pt_session *pt_start(char **argv, const struct pt_hooks *hooks);

/*
 * pt_run() - trace until every task has exited.
 * Return: the exit status of the command (128 + signal when killed), as
 *         strace reports it; -1 if waiting failed.
 */
int pt_run(struct pt_session *s);

/* pt_free() - release the session (after pt_run).  NULL allowed. */
void pt_free(struct pt_session *s);

/*
 * pt_probe() - whether this process may trace a child with a seccomp
 * filter (ptrace permitted, seccomp available).  Return: NULL when it may,
 * else a static string naming the reason.  Cost: one fork.
 */
const char *pt_probe(void);

/*
 * pt_read_mem() - copy @len bytes at @addr of task @tid into @buf.
 * Return: bytes read (short at an unmapped page), or -errno.
 */
long pt_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * pt_read_str() - read a NUL-terminated string of at most @cap - 1 bytes.
 * Return: its length, or -errno; @buf is always terminated.  A string
 *         longer than the buffer is cut (*@cut set when non-NULL).
 */
long pt_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *cut);

#endif /* ASPACE_PTRACE_RUN_H */
