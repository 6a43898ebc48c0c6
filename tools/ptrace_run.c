/*
 * ptrace_run.c - the tracing engine (see ptrace_run.h).  It owns the traced
 * tasks: their table, their ptrace state machine and the per-address-space
 * turn that serialises traced calls.  Invariants: a task is resumed by
 * exactly one place per stop; a task holding a turn is between the entry
 * and the exit (or fork event) of a traced call; a held task is stopped at
 * its seccomp stop and queued on exactly one turn.
 *
 * Stops handled (Linux 5.3+; option set PT_OPTIONS):
 *   seccomp stop      -> entry of a traced call (PTRACE_GET_SYSCALL_INFO)
 *   SIGTRAP|0x80      -> syscall exit (we resume with PTRACE_SYSCALL after a
 *                        seccomp stop, so the next syscall stop is the exit)
 *   PTRACE_EVENT_*    -> fork, vfork, clone, exec, exit
 *   other signals     -> injected back; group stops resumed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptrace_run.h"

#define PT_OPTIONS (PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD |	\
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |		\
		    PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC |		\
		    PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)

#define PT_HASH 1024

/* One serialisation key: the task running a call and those waiting. */
struct pt_turn {
	void           *key;
	struct pt_task *holder;
	struct pt_task *head, *tail;
	struct pt_turn *next;
};

struct pt_session {
	struct pt_hooks  hooks;
	pid_t            root;
	int              root_status;   /* exit status of the command */
	bool             root_done;
	struct pt_task  *tab[PT_HASH];
	struct pt_turn  *turns;
	long             ntasks;
	double           last_tick;
};

static const int traced_nrs[] = {
	PT_NR_MMAP, PT_NR_MPROTECT, PT_NR_MUNMAP, PT_NR_BRK, PT_NR_MREMAP,
	PT_NR_MADVISE, PT_NR_SHMGET, PT_NR_SHMAT, PT_NR_CLONE, PT_NR_FORK,
	PT_NR_VFORK,
	PT_NR_EXECVE, PT_NR_EXIT, PT_NR_SHMDT, PT_NR_MLOCK, PT_NR_MUNLOCK,
	PT_NR_MLOCKALL, PT_NR_MUNLOCKALL, PT_NR_EXIT_GROUP, PT_NR_EXECVEAT,
	PT_NR_MLOCK2, PT_NR_PKEY_MPROTECT, PT_NR_CLONE3,
	PT_NR_PROCESS_MADVISE, PT_NR_MSEAL,
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* The seccomp filter                                                  */
/* ------------------------------------------------------------------ */

/*
 * Stop (SECCOMP_RET_TRACE) at the calls above and at prctl(PR_SET_VMA);
 * let everything else run.  Calls of another ABI (i386, x32) are let
 * through: their memory calls are not modelled (docs/trace.md).
 */
static int install_filter(void)
{
	enum { N = sizeof(traced_nrs) / sizeof(traced_nrs[0]) };
	struct sock_filter f[8 + N + 4];
	struct sock_fprog prog;
	int i, k = 0, err;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch));
	/* not x86-64: allow (jump to the final ALLOW) */
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
	/* prctl: only PR_SET_VMA */
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		PT_NR_PRCTL, 0, 3);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, args[0]));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		PT_PR_SET_VMA, (unsigned char)(N + 1), (unsigned char)N);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
	/* each traced number jumps to TRACE, which follows ALLOW */
	for (i = 0; i < N; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
			BPF_K, (unsigned)traced_nrs[i],
			(unsigned char)(N - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_TRACE);
	prog.len = (unsigned short)k;
	prog.filter = f;
	err = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (err && errno == EACCES) {
		/* without CAP_SYS_ADMIN a filter needs no_new_privs */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			return -errno;
		err = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	}
	return err ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* Task table and turns                                                */
/* ------------------------------------------------------------------ */

static struct pt_task *task_find(struct pt_session *s, pid_t tid)
{
	struct pt_task *t;

	for (t = s->tab[tid % PT_HASH]; t; t = t->hnext)
		if (t->tid == tid)
			return t;
	return NULL;
}

static void task_hash(struct pt_session *s, struct pt_task *t)
{
	t->hnext = s->tab[t->tid % PT_HASH];
	s->tab[t->tid % PT_HASH] = t;
}

static void task_unhash(struct pt_session *s, struct pt_task *t)
{
	struct pt_task **pp = &s->tab[t->tid % PT_HASH];

	while (*pp && *pp != t)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = t->hnext;
}

static struct pt_task *task_new(struct pt_session *s, pid_t tid)
{
	struct pt_task *t = calloc(1, sizeof(*t));

	if (!t) {
		perror("aspace trace");
		exit(2);
	}
	t->tid = tid;
	task_hash(s, t);
	s->ntasks++;
	return t;
}

static struct pt_turn *turn_of(struct pt_session *s, void *key)
{
	struct pt_turn *u;

	for (u = s->turns; u; u = u->next)
		if (u->key == key)
			return u;
	u = calloc(1, sizeof(*u));
	if (!u) {
		perror("aspace trace");
		exit(2);
	}
	u->key = key;
	u->next = s->turns;
	s->turns = u;
	return u;
}

static void resume(struct pt_task *t, int sig)
{
	int req = t->want_exit ? PTRACE_SYSCALL : PTRACE_CONT;

	t->stopped = false;
	/* ESRCH: killed meanwhile; its exit is reported by waitpid. */
	ptrace(req, t->tid, 0L, (long)sig);
}

/* Run the entry hook of @t's call and let the call proceed. */
static void start_call(struct pt_session *s, struct pt_task *t)
{
	if (s->hooks.on_entry)
		s->hooks.on_entry(s->hooks.ctx, t);
	t->want_exit = true;
	resume(t, 0);
}

/* @t's turn is over: give it to the next waiting task. */
static void turn_release(struct pt_session *s, struct pt_task *t)
{
	struct pt_turn *u;
	struct pt_task *n;

	if (!t->holds_turn)
		return;
	t->holds_turn = false;
	u = turn_of(s, t->turn);
	u->holder = NULL;
	n = u->head;
	if (!n)
		return;
	u->head = n->next_held;
	if (!u->head)
		u->tail = NULL;
	n->next_held = NULL;
	n->held = false;
	n->holds_turn = true;
	u->holder = n;
	start_call(s, n);
}

static void turn_unqueue(struct pt_session *s, struct pt_task *t)
{
	struct pt_turn *u = turn_of(s, t->turn);
	struct pt_task **pp = &u->head;

	u->tail = NULL;
	while (*pp) {
		if (*pp == t)
			*pp = t->next_held;
		else
			pp = &(*pp)->next_held;
	}
	for (t = u->head; t; t = t->next_held)
		u->tail = t;
}

static bool is_serialised(int nr)
{
	return nr != PT_NR_EXIT && nr != PT_NR_EXIT_GROUP &&
	       nr != PT_NR_EXECVE && nr != PT_NR_EXECVEAT;
}

static void task_gone(struct pt_session *s, struct pt_task *t, int status)
{
	if (t->held)
		turn_unqueue(s, t);
	turn_release(s, t);
	if (s->hooks.on_gone)
		s->hooks.on_gone(s->hooks.ctx, t, status);
	task_unhash(s, t);
	s->ntasks--;
	free(t);
}

/* ------------------------------------------------------------------ */
/* Stops                                                               */
/* ------------------------------------------------------------------ */

static void on_seccomp(struct pt_session *s, struct pt_task *t)
{
	struct __ptrace_syscall_info info;
	int i;

	memset(&info, 0, sizeof(info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info),
		   &info) <= 0 || info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		resume(t, 0);
		return;
	}
	t->nr = (int)info.seccomp.nr;
	for (i = 0; i < 6; i++)
		t->args[i] = info.seccomp.args[i];
	t->ret = 0;
	t->in_call = true;
	if (t->nr == PT_NR_EXIT || t->nr == PT_NR_EXIT_GROUP) {
		/* no exit stop: the task is gone after this */
		if (s->hooks.on_entry)
			s->hooks.on_entry(s->hooks.ctx, t);
		t->want_exit = false;
		resume(t, 0);
		return;
	}
	if (t->turn && is_serialised(t->nr)) {
		struct pt_turn *u = turn_of(s, t->turn);

		if (u->holder) {
			t->held = true;
			if (u->tail)
				u->tail->next_held = t;
			else
				u->head = t;
			u->tail = t;
			return;         /* stays stopped */
		}
		u->holder = t;
		t->holds_turn = true;
	}
	start_call(s, t);
}

static void on_syscall_exit(struct pt_session *s, struct pt_task *t)
{
	struct __ptrace_syscall_info info;

	memset(&info, 0, sizeof(info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info),
		   &info) > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT &&
	    t->in_call) {
		t->ret = info.exit.rval;
		t->in_call = false;
		if (s->hooks.on_exit)
			s->hooks.on_exit(s->hooks.ctx, t);
	}
	t->in_call = false;
	t->want_exit = false;
	turn_release(s, t);
	resume(t, 0);
}

static uint64_t clone_flags_of(struct pt_task *t)
{
	struct clone_args ca;

	switch (t->nr) {
	case PT_NR_FORK:
		return SIGCHLD;
	case PT_NR_VFORK:
		return CLONE_VM | CLONE_VFORK | SIGCHLD;
	case PT_NR_CLONE:
		return t->args[0];
	case PT_NR_CLONE3:
		memset(&ca, 0, sizeof(ca));
		if (pt_read_mem(t->tid, t->args[0], &ca, 8) == 8)
			return ca.flags;
		return 0;
	}
	return 0;
}

static void on_new_child(struct pt_session *s, struct pt_task *t)
{
	unsigned long msg = 0;
	struct pt_task *c;

	ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &msg);
	c = task_find(s, (pid_t)msg);
	if (!c)
		c = task_new(s, (pid_t)msg);
	c->attached = true;
	if (s->hooks.on_child)
		s->hooks.on_child(s->hooks.ctx, t, c, clone_flags_of(t));
	/* the copy is made: other threads may change the space again */
	turn_release(s, t);
	if (c->first_stop && c->stopped)
		resume(c, 0);
	resume(t, 0);
}

static void on_exec_event(struct pt_session *s, struct pt_task *t)
{
	unsigned long msg = 0;
	pid_t old;

	ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &msg);
	old = (pid_t)msg;
	if (old && old != t->tid) {
		/* a non-leader exec'd and took the leader's id */
		struct pt_task *o = task_find(s, old);

		if (o && o != t) {
			pid_t leader = t->tid;

			task_gone(s, t, -1);    /* superseded by the exec */
			task_unhash(s, o);
			o->tid = leader;
			task_hash(s, o);
			o->stopped = true;
			t = o;
		}
	}
	if (s->hooks.on_exec)
		s->hooks.on_exec(s->hooks.ctx, t, old);
	resume(t, 0);
}

static void on_stop(struct pt_session *s, struct pt_task *t, int st)
{
	int sig = WSTOPSIG(st), event = (unsigned)st >> 16;
	siginfo_t si;

	t->stopped = true;
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_exit(s, t);
		return;
	}
	if (sig == SIGTRAP && event) {
		switch (event) {
		case PTRACE_EVENT_SECCOMP:
			on_seccomp(s, t);
			return;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			on_new_child(s, t);
			return;
		case PTRACE_EVENT_EXEC:
			on_exec_event(s, t);
			return;
		case PTRACE_EVENT_EXIT:
			if (s->hooks.on_exit_event)
				s->hooks.on_exit_event(s->hooks.ctx, t);
			t->want_exit = false;
			resume(t, 0);
			return;
		default:
			resume(t, 0);
			return;
		}
	}
	if (!t->first_stop && sig == SIGSTOP) {
		/* the initial stop of an auto-attached child */
		t->first_stop = true;
		if (t->attached)
			resume(t, 0);
		return;     /* else wait for the parent's event */
	}
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	    sig == SIGTTOU) {
		if (ptrace(PTRACE_GETSIGINFO, t->tid, 0L, &si) < 0 &&
		    errno == EINVAL) {
			resume(t, 0);       /* group stop: keep running */
			return;
		}
	}
	resume(t, sig);
}

/* ------------------------------------------------------------------ */
/* Public                                                              */
/* ------------------------------------------------------------------ */

struct pt_session *pt_start(char **argv, const struct pt_hooks *hooks)
{
	struct pt_session *s;
	struct pt_task *t;
	pid_t pid;
	int st;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->hooks = *hooks;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("aspace trace: fork");
		free(s);
		return NULL;
	}
	if (pid == 0) {
		int err;

		if (ptrace(PTRACE_TRACEME, 0L, 0L, 0L) < 0) {
			perror("aspace trace: ptrace(PTRACE_TRACEME)");
			_exit(126);
		}
		raise(SIGSTOP);
		err = install_filter();
		if (err) {
			fprintf(stderr, "aspace trace: seccomp filter: %s\n",
				strerror(-err));
			_exit(126);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "aspace trace: %s: %s\n", argv[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st)) {
		fprintf(stderr, "aspace trace: the child did not stop\n");
		free(s);
		return NULL;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0L, (long)PT_OPTIONS) < 0) {
		perror("aspace trace: PTRACE_SETOPTIONS");
		kill(pid, SIGKILL);
		waitpid(pid, &st, __WALL);
		free(s);
		return NULL;
	}
	s->root = pid;
	t = task_new(s, pid);
	t->attached = t->first_stop = true;
	resume(t, 0);
	return s;
}

int pt_run(struct pt_session *s)
{
	s->last_tick = now_sec();
	for (;;) {
		struct pt_task *t;
		double now;
		pid_t pid;
		int st;

		pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			perror("aspace trace: waitpid");
			return -1;
		}
		t = task_find(s, pid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == s->root) {
				s->root_done = true;
				s->root_status = WIFEXITED(st) ?
					WEXITSTATUS(st) : 128 + WTERMSIG(st);
			}
			if (t)
				task_gone(s, t, st);
		} else if (WIFSTOPPED(st)) {
			if (!t)
				t = task_new(s, pid);   /* before the event */
			on_stop(s, t, st);
		}
		if (s->hooks.on_tick) {
			now = now_sec();
			if (now - s->last_tick >= 0.1) {
				s->last_tick = now;
				s->hooks.on_tick(s->hooks.ctx);
			}
		}
	}
	return s->root_done ? s->root_status : -1;
}

void pt_free(struct pt_session *s)
{
	struct pt_turn *u, *n;
	int i;

	if (!s)
		return;
	for (i = 0; i < PT_HASH; i++) {
		while (s->tab[i]) {
			struct pt_task *t = s->tab[i];

			s->tab[i] = t->hnext;
			free(t);
		}
	}
	for (u = s->turns; u; u = n) {
		n = u->next;
		free(u);
	}
	free(s);
}

const char *pt_probe(void)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return "fork failed";
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0L, 0L, 0L) < 0)
			_exit(2);
		raise(SIGSTOP);
		if (install_filter())
			_exit(3);
		/* exit and exit_group now stop for a tracer that did not ask
		 * for seccomp events (they fail with ENOSYS): die instead */
		raise(SIGKILL);
		_exit(4);
	}
	if (waitpid(pid, &st, __WALL) != pid)
		return "waitpid failed";
	if (WIFEXITED(st))
		return "ptrace(PTRACE_TRACEME) is not permitted here";
	ptrace(PTRACE_CONT, pid, 0L, 0L);
	if (waitpid(pid, &st, __WALL) != pid)
		return "waitpid failed";
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return NULL;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		return "a seccomp filter cannot be installed here";
	if (WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, __WALL);
	}
	return "ptrace probe failed";
}

long pt_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	return n < 0 ? -errno : n;
}

long pt_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *cut)
{
	size_t got = 0;

	if (cut)
		*cut = false;
	buf[0] = 0;
	while (got + 1 < cap) {
		/* never cross a page in one read: the next may be unmapped */
		size_t chunk = 4096 - ((addr + got) & 4095);
		long n;
		char *z;

		if (chunk > cap - 1 - got)
			chunk = cap - 1 - got;
		n = pt_read_mem(tid, addr + got, buf + got, chunk);
		if (n <= 0) {
			buf[got] = 0;
			return got ? (long)got : (n ? n : -EFAULT);
		}
		z = memchr(buf + got, 0, (size_t)n);
		if (z)
			return (long)(z - buf);
		got += (size_t)n;
	}
	buf[got] = 0;
	if (cut)
		*cut = true;
	return (long)got;
}
