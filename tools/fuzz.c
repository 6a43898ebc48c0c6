/*
 * fuzz.c - the differential fuzzer's engine (see fuzz.h).
 *
 * Owns: the kernel child (a syscall server: this binary re-executed through
 * /proc/self/exe with ADDR_NO_RANDOMIZE, entered from a constructor before
 * main()), the op table, the generators of the profiles, the safety guard,
 * the comparison of kernel and model, delta-debugging shrinking and the
 * strace-like listings.
 *
 * Invariant of a run: the child and the model start from the same layout
 * (the child's /proc/PID/smaps imported into the model) and receive the same
 * calls in the same order; a call is sent to neither when it could modify
 * one of the child's own VMAs (its code, libraries, stack, pipes), so the
 * child's runtime never depends on what the fuzzer does.  The child uses no
 * allocator and no stdio after its start: requests and replies are fixed
 * size structures on two pipes, calls are raw system calls, page touches
 * catch SIGSEGV/SIGBUS on an alternate stack.  The parent reads the child's
 * /proc files itself while the child waits on its pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aspace.h"
#include "fuzz.h"


#define PG              4096ull
#define PGALIGN(x)      (((uint64_t)(x) + PG - 1) & ~(PG - 1))
#define TASK_SIZE       0x7ffffffff000ull
#define MIB             (1024ull * 1024)
#define NELEM(a)        (sizeof(a) / sizeof((a)[0]))
#define FZ_MIN(a, b)    ((a) < (b) ? (a) : (b))

/* Fixed descriptors in the child (its table is rebuilt before execve). */
#define FD_BAD          FZ_FD_BAD
#define FD_CMD          98
#define FD_REP          99
#define FD_BASE         FZ_FD_EXT4_RW

/* File slots: slot i is descriptor FD_BASE + i in the child (fuzz.h). */
enum fz_slot {
	SLOT_EXT4_RW = FZ_FD_EXT4_RW - FD_BASE,
	SLOT_EXT4_RO = FZ_FD_EXT4_RO - FD_BASE,
	SLOT_EXT4_WO = FZ_FD_EXT4_WO - FD_BASE,
	SLOT_MEMFD_RW = FZ_FD_MEMFD_RW - FD_BASE,
	SLOT_MEMFD_RO = FZ_FD_MEMFD_RO - FD_BASE,
	SLOT_DEVZERO = FZ_FD_DEVZERO - FD_BASE,
	NSLOTS
};

#define EXT4_SIZE       (4 * MIB)
#define MEMFD_SIZE      (MIB + 100)     /* last page partly past EOF */

/* Wire calls besides enum fz_call: setup of the child. */
#define W_SETRLIMIT     100
#define W_DROPCAP       101

#define FZ_CALL_TIMEOUT_MS 30000

#define READY_MAGIC     0x6673757a7a726479ull

struct wire_req {
	uint32_t call, pad;
	uint64_t a[6];
};

struct wire_ready {
	uint64_t magic, brk0;
};

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#define FZ_MAP_DROPPABLE  0x08
#define FZ_MAP_ABOVE4G    0x80

/* ====================================================================== */
/* Raw system calls (the child must not go through errno-setting wrappers) */
/* ====================================================================== */

static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	long r = syscall(n, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
#endif
}

/* ====================================================================== */
/* The child: a syscall server                                             */
/* ====================================================================== */

static sigjmp_buf child_jb;
static volatile sig_atomic_t child_in_touch;
static char child_altstack[64 * 1024] __attribute__((aligned(64)));

/*
 * A fault inside a touch ends that touch; any other fault means the
 * child's own memory was damaged: die of it so the parent sees EOF.
 */
static void child_on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (child_in_touch)
		siglongjmp(child_jb, 1);
	signal(sig, SIG_DFL);
}

static int child_io(int fd, void *buf, size_t len, bool rd)
{
	char *p = buf;

	while (len) {
		long n = raw6(rd ? SYS_read : SYS_write, fd, (long)p,
			      (long)len, 0, 0, 0);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One access per page of [addr, addr + len), ascending; the first page that
 * faults ends the call with -EFAULT (spec 08, "touch").  Not instrumented:
 * the sanitizers must not look at the target memory themselves.
 */
__attribute__((noinline, no_sanitize("address", "undefined")))
static int64_t child_touch(uint64_t addr, uint64_t len, uint64_t access)
{
	static volatile uint64_t p, end;

	if (len == 0)
		return 0;
	p = addr & ~(PG - 1);
	end = PGALIGN(addr + len);
	for (; p < end; p += PG) {
		if (sigsetjmp(child_jb, 0)) {
			child_in_touch = 0;
			return -EFAULT;
		}
		child_in_touch = 1;
		if (access & PROT_WRITE)
			*(volatile char *)(uintptr_t)p = 0;
		else
			(void)*(volatile char *)(uintptr_t)p;
		child_in_touch = 0;
	}
	return 0;
}

static int64_t child_dropcap(uint64_t cap)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	struct { uint32_t eff, perm, inh; } data[2];
	long r;

	r = raw6(SYS_capget, (long)&hdr, (long)data, 0, 0, 0, 0);
	if (r)
		return r;
	data[cap / 32].eff &= ~(1u << (cap % 32));
	data[cap / 32].perm &= ~(1u << (cap % 32));
	return raw6(SYS_capset, (long)&hdr, (long)data, 0, 0, 0, 0);
}

/* System call numbers of enum fz_call (touch is not a system call). */
static const long call_nr[FZ_NCALLS] = {
	[FZ_MMAP] = SYS_mmap, [FZ_MUNMAP] = SYS_munmap,
	[FZ_MPROTECT] = SYS_mprotect, [FZ_BRK] = SYS_brk, [FZ_TOUCH] = -1,
	[FZ_MREMAP] = SYS_mremap, [FZ_MADVISE] = SYS_madvise,
	[FZ_MLOCK] = SYS_mlock, [FZ_MLOCK2] = 325 /* mlock2 */,
	[FZ_MUNLOCK] = SYS_munlock, [FZ_MLOCKALL] = SYS_mlockall,
	[FZ_MUNLOCKALL] = SYS_munlockall, [FZ_MSEAL] = ASPACE_SYS_mseal,
	[FZ_PKEY_MPROTECT] = 329 /* pkey_mprotect */,
};

static int64_t child_exec(const struct wire_req *q)
{
	const uint64_t *a = q->a;

	switch (q->call) {
	case FZ_TOUCH:
		return child_touch(a[0], a[1], a[2]);
	case W_SETRLIMIT: {
		struct rlimit rl = { a[1], a[1] };

		return raw6(SYS_setrlimit, a[0], (long)&rl, 0, 0, 0, 0);
	}
	case W_DROPCAP:
		return child_dropcap(a[0]);
	}
	if (q->call < FZ_NCALLS)
		return raw6(call_nr[q->call], a[0], a[1], a[2], a[3], a[4], a[5]);
	return -ENOSYS;
}

/* Grow the stack now so that serving calls never grows it later. */
__attribute__((noinline))
static void child_pregrow_stack(void)
{
	volatile char buf[192 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 1024)
		buf[i] = 0;
}

__attribute__((noreturn))
static void child_serve(void)
{
	struct wire_ready rd;
	struct sigaction sa;
	stack_t ss;
	struct wire_req q;

	child_pregrow_stack();
	ss.ss_sp = child_altstack;
	ss.ss_size = sizeof(child_altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = child_on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* Warm every path once: the fault path, the altstack pages. */
	(void)child_touch(0, 1, PROT_READ);
	(void)child_touch(0, 1, PROT_WRITE);
	(void)child_touch((uint64_t)(uintptr_t)child_altstack, 1, PROT_READ);

	rd.magic = READY_MAGIC;
	rd.brk0 = (uint64_t)raw6(SYS_brk, 0, 0, 0, 0, 0, 0);
	if (child_io(FD_REP, &rd, sizeof(rd), false))
		_exit(3);
	for (;;) {
		int64_t r;

		if (child_io(FD_CMD, &q, sizeof(q), true))
			_exit(0);
		r = child_exec(&q);
		if (child_io(FD_REP, &r, sizeof(r), false))
			_exit(3);
	}
}

__attribute__((constructor))
static void fz_child_ctor(void)
{
	const char *e = getenv("ASPACE_FUZZ_CHILD");

	if (e && strcmp(e, "1") == 0)
		child_serve();
}

/* ====================================================================== */
/* The parent's environment: the files every child inherits               */
/* ====================================================================== */

struct fz_env {
	bool ready;
	int  fd[NSLOTS];
	char ext4_path[128];
	struct aspace_file_desc desc[NSLOTS];
	char path[NSLOTS][256];
};

static struct fz_env env;

static void env_cleanup(void)
{
	int i;

	if (!env.ready)
		return;
	for (i = 0; i < NSLOTS; i++)
		if (env.fd[i] >= 0)
			close(env.fd[i]);
	unlink(env.ext4_path);
	env.ready = false;
}

static int env_describe(int slot, unsigned flags, enum aspace_file_kind kind)
{
	struct aspace_file_desc *d = &env.desc[slot];
	char link[64], *p = env.path[slot];
	struct stat st;
	ssize_t n;
	size_t l;

	if (fstat(env.fd[slot], &st))
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", env.fd[slot]);
	n = readlink(link, p, sizeof(env.path[slot]) - 1);
	if (n < 0)
		return -errno;
	p[n] = 0;
	memset(d, 0, sizeof(*d));
	l = strlen(p);
	if (l > 10 && strcmp(p + l - 10, " (deleted)") == 0) {
		p[l - 10] = 0;
		flags |= ASPACE_F_DELETED;
	}
	d->path = p;
	d->size = (uint64_t)st.st_size;
	d->dev_major = major(st.st_dev);
	d->dev_minor = minor(st.st_dev);
	d->inode = st.st_ino;
	d->flags = flags;
	d->kind = kind;
	return 0;
}

static int env_init(void)
{
	static const char *dirs[] = { "/var/tmp", "/tmp", "." };
	char buf[64];
	size_t i;
	int err, fd = -1;

	if (env.ready)
		return 0;
	for (i = 0; i < NSLOTS; i++)
		env.fd[i] = -1;
	for (i = 0; i < NELEM(dirs) && fd < 0; i++) {
		snprintf(env.ext4_path, sizeof(env.ext4_path),
			 "%s/aspace-fuzz-%d.dat", dirs[i], (int)getpid());
		fd = open(env.ext4_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
	}
	if (fd < 0)
		return -errno;
	env.fd[SLOT_EXT4_RW] = fd;
	env.ready = true;
	atexit(env_cleanup);
	if (ftruncate(fd, EXT4_SIZE))
		goto fail;
	env.fd[SLOT_EXT4_RO] = open(env.ext4_path, O_RDONLY | O_CLOEXEC);
	env.fd[SLOT_EXT4_WO] = open(env.ext4_path, O_WRONLY | O_CLOEXEC);
	env.fd[SLOT_MEMFD_RW] = (int)syscall(SYS_memfd_create, "aspace-fuzz",
					     1u /* MFD_CLOEXEC */);
	if (env.fd[SLOT_EXT4_RO] < 0 || env.fd[SLOT_EXT4_WO] < 0 ||
	    env.fd[SLOT_MEMFD_RW] < 0)
		goto fail;
	if (ftruncate(env.fd[SLOT_MEMFD_RW], MEMFD_SIZE))
		goto fail;
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", env.fd[SLOT_MEMFD_RW]);
	env.fd[SLOT_MEMFD_RO] = open(buf, O_RDONLY | O_CLOEXEC);
	env.fd[SLOT_DEVZERO] = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (env.fd[SLOT_MEMFD_RO] < 0 || env.fd[SLOT_DEVZERO] < 0)
		goto fail;
	if ((err = env_describe(SLOT_EXT4_RW, ASPACE_O_READ | ASPACE_O_WRITE,
				ASPACE_FILE_REGULAR)) ||
	    (err = env_describe(SLOT_EXT4_RO, ASPACE_O_READ,
				ASPACE_FILE_REGULAR)) ||
	    (err = env_describe(SLOT_EXT4_WO, ASPACE_O_WRITE,
				ASPACE_FILE_REGULAR)) ||
	    (err = env_describe(SLOT_MEMFD_RW, ASPACE_O_READ | ASPACE_O_WRITE,
				ASPACE_FILE_SHMEM)) ||
	    (err = env_describe(SLOT_MEMFD_RO, ASPACE_O_READ,
				ASPACE_FILE_SHMEM)) ||
	    (err = env_describe(SLOT_DEVZERO, ASPACE_O_READ | ASPACE_O_WRITE,
				ASPACE_FILE_DEVZERO)))
		return err;
	return 0;
fail:
	err = -errno;
	env_cleanup();
	return err ? err : -EIO;
}

/* ====================================================================== */
/* Starting and talking to the child                                      */
/* ====================================================================== */

struct fz_child {
	pid_t    pid;
	int      cmd, rep;
	uint64_t brk0;
};

/* Move @fd to exactly @target (CLOEXEC cleared); async-signal-safe. */
static int child_place_fd(int fd, int target)
{
	return dup2(fd, target) == target ? 0 : -1;
}

static int child_send(struct fz_child *c, uint32_t call, const uint64_t *a,
		      int64_t *ret)
{
	struct wire_req q;
	char *p;
	size_t left;

	memset(&q, 0, sizeof(q));
	q.call = call;
	memcpy(q.a, a, sizeof(q.a));
	if (write(c->cmd, &q, sizeof(q)) != (ssize_t)sizeof(q))
		return -EPIPE;
	p = (char *)ret;
	left = sizeof(*ret);
	while (left) {
		struct pollfd pfd = { c->rep, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, FZ_CALL_TIMEOUT_MS) == 0) {
			fprintf(stderr, "fuzz: the kernel child did not answer "
				"in %d s; killed\n", FZ_CALL_TIMEOUT_MS / 1000);
			kill(c->pid, SIGKILL);
			return -EPIPE;
		}
		n = read(c->rep, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/*
 * fz_child_start() - see fuzz.h.
 * Mirrors: `setarch -R` (personality ADDR_NO_RANDOMIZE) + execve.
 */
struct fz_child *fz_child_start(const struct fz_setup *setup)
{
	static char *const cargv[] = { "aspace-fuzz-child", NULL };
	static char *const cenv[] = {
		"ASPACE_FUZZ_CHILD=1",
		"ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:use_sigaltstack=0:"
		"detect_leaks=0:allow_user_segv_handler=1",
		"UBSAN_OPTIONS=print_stacktrace=1",
		NULL
	};
	struct fz_child *c;
	struct wire_ready rd;
	int cmd[2], rep[2], tmp[NSLOTS + 2], i, err;
	size_t got = 0;

	err = env_init();
	if (err) {
		fprintf(stderr, "fuzz: cannot create the test files: %s\n",
			strerror(-err));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (pipe2(cmd, O_CLOEXEC))
		goto fail_free;
	if (pipe2(rep, O_CLOEXEC))
		goto fail_cmd;
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		goto fail_rep;
	if (c->pid == 0) {
		struct rlimit rl;

		/* Park every inherited descriptor above the fixed numbers. */
		tmp[0] = fcntl(cmd[0], F_DUPFD_CLOEXEC, 200);
		tmp[1] = fcntl(rep[1], F_DUPFD_CLOEXEC, 200);
		for (i = 0; i < NSLOTS; i++)
			tmp[2 + i] = fcntl(env.fd[i], F_DUPFD_CLOEXEC, 200);
		if (child_place_fd(tmp[0], FD_CMD) ||
		    child_place_fd(tmp[1], FD_REP))
			_exit(126);
		for (i = 0; i < NSLOTS; i++)
			if (child_place_fd(tmp[2 + i], FD_BASE + i))
				_exit(126);
		syscall(436 /* close_range */, 3, FD_BAD, 0);
		syscall(436, FD_BASE + NSLOTS, ~0u, 0);
		personality(PER_LINUX | ADDR_NO_RANDOMIZE);
		if (getrlimit(RLIMIT_STACK, &rl) == 0) {
			rl.rlim_cur = 8 * MIB;
			if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
				rl.rlim_max = rl.rlim_cur;
			setrlimit(RLIMIT_STACK, &rl);
		}
		execve("/proc/self/exe", cargv, cenv);
		_exit(127);
	}
	close(cmd[0]);
	close(rep[1]);
	c->cmd = cmd[1];
	c->rep = rep[0];
	while (got < sizeof(rd)) {
		ssize_t n = read(c->rep, (char *)&rd + got, sizeof(rd) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != sizeof(rd) || rd.magic != READY_MAGIC) {
		fprintf(stderr, "fuzz: the kernel child did not start\n");
		fz_child_stop(c);
		return NULL;
	}
	c->brk0 = rd.brk0;
	if (setup) {
		uint64_t a[6] = { 0 };
		int64_t r = 0;
		static const int res[3] = { RLIMIT_AS, RLIMIT_DATA,
					    RLIMIT_MEMLOCK };
		const uint64_t val[3] = { setup->rlimit_as, setup->rlimit_data,
					  setup->rlimit_memlock };

		for (i = 0; i < 3; i++) {
			if (!val[i])
				continue;
			a[0] = (uint64_t)res[i];
			a[1] = val[i] == ASPACE_RLIM_INFINITY ? RLIM_INFINITY
							      : val[i];
			if (child_send(c, W_SETRLIMIT, a, &r) || r)
				goto fail_setup;
		}
		if (setup->drop_ipc_lock) {
			a[0] = 14; /* CAP_IPC_LOCK */
			if (child_send(c, W_DROPCAP, a, &r) || r)
				goto fail_setup;
		}
	}
	return c;
fail_setup:
	fprintf(stderr, "fuzz: child setup failed\n");
	fz_child_stop(c);
	return NULL;
fail_rep:
	close(rep[0]);
	close(rep[1]);
fail_cmd:
	close(cmd[0]);
	close(cmd[1]);
fail_free:
	fprintf(stderr, "fuzz: cannot start the kernel child: %s\n",
		strerror(errno));
	free(c);
	return NULL;
}

/* fz_child_stop() - see fuzz.h. */
void fz_child_stop(struct fz_child *c)
{
	int st;

	if (!c)
		return;
	if (c->cmd >= 0)
		close(c->cmd);
	if (c->rep >= 0)
		close(c->rep);
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	free(c);
}

/* fz_child_call() - see fuzz.h. */
int fz_child_call(struct fz_child *c, struct fz_op *op)
{
	return child_send(c, op->call, op->a, &op->kret);
}

/* fz_child_pid() - see fuzz.h. */
int fz_child_pid(const struct fz_child *c)
{
	return c->pid;
}

/* fz_child_brk0() - see fuzz.h. */
uint64_t fz_child_brk0(const struct fz_child *c)
{
	return c->brk0;
}

static char *read_file(const char *path)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* fz_read_text_file() - see fuzz.h. */
char *fz_read_text_file(const char *path)
{
	return read_file(path);
}

/* fz_child_read() - see fuzz.h. */
char *fz_child_read(struct fz_child *c, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)c->pid, what);
	return read_file(path);
}

/* ====================================================================== */
/* Formatting and parsing calls                                            */
/* ====================================================================== */

struct sym {
	const char *name;
	uint64_t    val;
};

static const struct sym prot_syms[] = {
	{ "PROT_READ", PROT_READ }, { "PROT_WRITE", PROT_WRITE },
	{ "PROT_EXEC", PROT_EXEC }, { "PROT_SEM", 0x8 },
	{ "PROT_GROWSDOWN", PROT_GROWSDOWN }, { "PROT_GROWSUP", PROT_GROWSUP },
};

static const struct sym map_type_syms[] = {
	{ "MAP_SHARED", MAP_SHARED }, { "MAP_PRIVATE", MAP_PRIVATE },
	{ "MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE },
	{ "MAP_DROPPABLE", FZ_MAP_DROPPABLE },
};

static const struct sym map_syms[] = {
	{ "MAP_FIXED", MAP_FIXED }, { "MAP_ANONYMOUS", MAP_ANONYMOUS },
	{ "MAP_32BIT", MAP_32BIT }, { "MAP_ABOVE4G", FZ_MAP_ABOVE4G },
	{ "MAP_GROWSDOWN", MAP_GROWSDOWN }, { "MAP_DENYWRITE", MAP_DENYWRITE },
	{ "MAP_EXECUTABLE", MAP_EXECUTABLE }, { "MAP_LOCKED", MAP_LOCKED },
	{ "MAP_NORESERVE", MAP_NORESERVE }, { "MAP_POPULATE", MAP_POPULATE },
	{ "MAP_NONBLOCK", MAP_NONBLOCK }, { "MAP_STACK", MAP_STACK },
	{ "MAP_HUGETLB", MAP_HUGETLB }, { "MAP_SYNC", MAP_SYNC },
	{ "MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE },
	{ "MAP_UNINITIALIZED", MAP_UNINITIALIZED },
};

static const struct sym mremap_syms[] = {
	{ "MREMAP_MAYMOVE", 1 }, { "MREMAP_FIXED", 2 },
	{ "MREMAP_DONTUNMAP", ASPACE_MREMAP_DONTUNMAP },
};

static const struct sym mlock2_syms[] = {
	{ "MLOCK_ONFAULT", ASPACE_MLOCK_ONFAULT },
};

static const struct sym mcl_syms[] = {
	{ "MCL_CURRENT", 1 }, { "MCL_FUTURE", 2 },
	{ "MCL_ONFAULT", ASPACE_MCL_ONFAULT },
};

/* Advice values are not bits: printed by name, parsed back by name. */
static const struct sym advice_syms[] = {
	{ "MADV_NORMAL", 0 }, { "MADV_RANDOM", 1 }, { "MADV_SEQUENTIAL", 2 },
	{ "MADV_WILLNEED", 3 }, { "MADV_DONTNEED", 4 }, { "MADV_FREE", 8 },
	{ "MADV_REMOVE", 9 }, { "MADV_DONTFORK", 10 }, { "MADV_DOFORK", 11 },
	{ "MADV_MERGEABLE", 12 }, { "MADV_UNMERGEABLE", 13 },
	{ "MADV_HUGEPAGE", 14 }, { "MADV_NOHUGEPAGE", 15 },
	{ "MADV_DONTDUMP", 16 }, { "MADV_DODUMP", 17 },
	{ "MADV_WIPEONFORK", 18 }, { "MADV_KEEPONFORK", 19 },
	{ "MADV_COLD", 20 }, { "MADV_PAGEOUT", 21 },
	{ "MADV_POPULATE_READ", 22 }, { "MADV_POPULATE_WRITE", 23 },
	{ "MADV_DONTNEED_LOCKED", 24 }, { "MADV_COLLAPSE", 25 },
	{ "MADV_HWPOISON", 100 }, { "MADV_SOFT_OFFLINE", 101 },
	{ "MADV_GUARD_INSTALL", 102 }, { "MADV_GUARD_REMOVE", 103 },
};

/*
 * Argument kinds of the op table: 'a' address (NULL for 0), 'l' length
 * (decimal), 'p' prot bits, 'f' mmap flags, 'd' descriptor, 'o' offset
 * (hex), 'r' mremap flags, 'v' madvise advice, 'k' mlock2 flags, 'c'
 * mlockall flags, 'i' int (decimal), 'x' other hex.
 */
struct call_desc {
	const char *name;
	const char *args;      /* one kind letter per argument */
	bool        ret_addr;  /* success value printed in hex */
};

static const struct call_desc calls[FZ_NCALLS] = {
	[FZ_MMAP]     = { "mmap", "alpfdo", true },
	[FZ_MUNMAP]   = { "munmap", "al", false },
	[FZ_MPROTECT] = { "mprotect", "alp", false },
	[FZ_BRK]      = { "brk", "a", true },
	[FZ_TOUCH]    = { "touch", "alp", false },
	[FZ_MREMAP]   = { "mremap", "allra", true },
	[FZ_MADVISE]  = { "madvise", "alv", false },
	[FZ_MLOCK]    = { "mlock", "al", false },
	[FZ_MLOCK2]   = { "mlock2", "alk", false },
	[FZ_MUNLOCK]  = { "munlock", "al", false },
	[FZ_MLOCKALL] = { "mlockall", "c", false },
	[FZ_MUNLOCKALL] = { "munlockall", "", false },
	[FZ_MSEAL]    = { "mseal", "alx", false },
	[FZ_PKEY_MPROTECT] = { "pkey_mprotect", "alpi", false },
};

struct sbuf {
	char  *p;
	size_t cap, len;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = FZ_MIN(b->len + (size_t)n, b->cap ? b->cap - 1 : 0);
}

static void sb_syms(struct sbuf *b, uint64_t v, const struct sym *s,
		    size_t n, bool *first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!s[i].val || (v & s[i].val) != s[i].val)
			continue;
		sb_printf(b, "%s%s", *first ? "" : "|", s[i].name);
		*first = false;
	}
}

static uint64_t syms_mask(const struct sym *s, size_t n)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= s[i].val;
	return m;
}

static void fmt_prot(struct sbuf *b, uint64_t v)
{
	uint64_t rest = v & ~syms_mask(prot_syms, NELEM(prot_syms));
	bool first = true;

	if (v == 0) {
		sb_printf(b, "PROT_NONE");
		return;
	}
	sb_syms(b, v, prot_syms, NELEM(prot_syms), &first);
	if (rest)
		sb_printf(b, "%s%#" PRIx64, first ? "" : "|", rest);
}

static void fmt_mflags(struct sbuf *b, uint64_t v)
{
	uint64_t type = v & 0xf, rest;
	bool first = true;
	size_t i;

	v &= 0xffffffffu;
	for (i = 0; i < NELEM(map_type_syms); i++)
		if (map_type_syms[i].val == type)
			break;
	if (i < NELEM(map_type_syms)) {
		sb_printf(b, "%s", map_type_syms[i].name);
		first = false;
		v &= ~0xfull;
	}
	sb_syms(b, v, map_syms, NELEM(map_syms), &first);
	rest = v & ~syms_mask(map_syms, NELEM(map_syms));
	if (rest || first)
		sb_printf(b, "%s%#" PRIx64, first ? "" : "|", rest);
}

static void fmt_bits(struct sbuf *b, uint64_t v, const struct sym *s,
		     size_t n)
{
	uint64_t rest = v & ~syms_mask(s, n);
	bool first = true;

	sb_syms(b, v, s, n, &first);
	if (rest || first)
		sb_printf(b, "%s%#" PRIx64, first ? "" : "|", rest);
}

static void fmt_arg(struct sbuf *b, char kind, uint64_t v)
{
	int fd = (int)(int32_t)v;
	size_t i;

	switch (kind) {
	case 'r':
		fmt_bits(b, v, mremap_syms, NELEM(mremap_syms));
		break;
	case 'k':
		fmt_bits(b, v, mlock2_syms, NELEM(mlock2_syms));
		break;
	case 'c':
		fmt_bits(b, v, mcl_syms, NELEM(mcl_syms));
		break;
	case 'v':
		for (i = 0; i < NELEM(advice_syms); i++)
			if (advice_syms[i].val == (uint64_t)(int64_t)(int32_t)v)
				break;
		if (i < NELEM(advice_syms))
			sb_printf(b, "%s", advice_syms[i].name);
		else
			sb_printf(b, "%d", (int)(int32_t)v);
		break;
	case 'i':
		sb_printf(b, "%d", (int)(int32_t)v);
		break;
	case 'a':
		if (v)
			sb_printf(b, "%#" PRIx64, v);
		else
			sb_printf(b, "NULL");
		break;
	case 'l':
		sb_printf(b, "%" PRIu64, v);
		break;
	case 'p':
		fmt_prot(b, v);
		break;
	case 'f':
		fmt_mflags(b, v);
		break;
	case 'd':
		if (fd >= FD_BASE && fd < FD_BASE + NSLOTS && env.ready)
			sb_printf(b, "%d<%s>", fd, env.path[fd - FD_BASE]);
		else
			sb_printf(b, "%d", fd);
		break;
	default:
		sb_printf(b, "%#" PRIx64, v);
	}
}

static void fmt_result(struct sbuf *b, const struct fz_op *op, int64_t r)
{
	if (r < 0 && r > -4096)
		sb_printf(b, "-1 %s (%s)", strerrorname_np((int)-r),
			  strerror((int)-r));
	else if (calls[op->call].ret_addr)
		sb_printf(b, "%#" PRIx64, (uint64_t)r);
	else
		sb_printf(b, "%" PRId64, r);
}

/* fz_format_op() - see fuzz.h. */
char *fz_format_op(const struct fz_op *op, bool with_result, char *buf,
		   size_t cap)
{
	struct sbuf b = { buf, cap, 0 };
	const struct call_desc *d;
	size_t i;

	if (cap)
		buf[0] = 0;
	if (op->call >= FZ_NCALLS) {
		sb_printf(&b, "?%u()", op->call);
		return buf;
	}
	d = &calls[op->call];
	sb_printf(&b, "%s(", d->name);
	for (i = 0; d->args[i]; i++) {
		if (i)
			sb_printf(&b, ", ");
		fmt_arg(&b, d->args[i], op->a[i]);
	}
	sb_printf(&b, ")");
	if (with_result) {
		sb_printf(&b, " = ");
		fmt_result(&b, op, op->kret);
	}
	return buf;
}

static int parse_syms(const char *s, size_t n, const struct sym *t1,
		      size_t n1, const struct sym *t2, size_t n2,
		      uint64_t *out)
{
	uint64_t v = 0;

	while (n) {
		size_t k = 0, i;
		bool found = false;

		while (k < n && s[k] != '|')
			k++;
		if (k && (s[0] >= '0' && s[0] <= '9')) {
			char *end;
			char tmp[32];

			if (k >= sizeof(tmp))
				return -EINVAL;
			memcpy(tmp, s, k);
			tmp[k] = 0;
			v |= strtoull(tmp, &end, 0);
			found = *end == 0;
		}
		for (i = 0; !found && i < n1; i++)
			if (strlen(t1[i].name) == k && !memcmp(s, t1[i].name, k)) {
				v |= t1[i].val;
				found = true;
			}
		for (i = 0; !found && i < n2; i++)
			if (strlen(t2[i].name) == k && !memcmp(s, t2[i].name, k)) {
				v |= t2[i].val;
				found = true;
			}
		if (!found && k == 9 && !memcmp(s, "PROT_NONE", 9))
			found = true;
		if (!found)
			return -EINVAL;
		s += k;
		n -= k;
		if (n) {
			s++;
			n--;
		}
	}
	*out = v;
	return 0;
}

static int parse_arg(char kind, const char *s, size_t n, uint64_t *out)
{
	char tmp[48], *end;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (kind == 'p')
		return parse_syms(s, n, prot_syms, NELEM(prot_syms), NULL, 0,
				  out);
	if (kind == 'f')
		return parse_syms(s, n, map_type_syms, NELEM(map_type_syms),
				  map_syms, NELEM(map_syms), out);
	if (kind == 'r')
		return parse_syms(s, n, mremap_syms, NELEM(mremap_syms), NULL,
				  0, out);
	if (kind == 'k')
		return parse_syms(s, n, mlock2_syms, NELEM(mlock2_syms), NULL,
				  0, out);
	if (kind == 'c')
		return parse_syms(s, n, mcl_syms, NELEM(mcl_syms), NULL, 0, out);
	if (kind == 'v' && n && s[0] == 'M')
		return parse_syms(s, n, advice_syms, NELEM(advice_syms), NULL, 0,
				  out);
	if (kind == 'd') {
		size_t k = 0;

		while (k < n && s[k] != '<')
			k++;
		n = k;
	}
	if (n == 4 && !memcmp(s, "NULL", 4)) {
		*out = 0;
		return 0;
	}
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	errno = 0;
	if (tmp[0] == '-')
		*out = (uint64_t)strtoll(tmp, &end, 0);
	else
		*out = strtoull(tmp, &end, 0);
	return (*end || errno) ? -EINVAL : 0;
}

/* fz_parse_op() - see fuzz.h. */
int fz_parse_op(const char *line, struct fz_op *op)
{
	const char *open = strchr(line, '('), *p;
	int call, depth = 0;
	size_t i = 0;

	if (!open)
		return -EINVAL;
	memset(op, 0, sizeof(*op));
	for (call = 0; call < FZ_NCALLS; call++)
		if (strlen(calls[call].name) == (size_t)(open - line) &&
		    !memcmp(line, calls[call].name, (size_t)(open - line)))
			break;
	if (call == FZ_NCALLS)
		return -EINVAL;
	op->call = (uint16_t)call;
	p = open + 1;
	if (!calls[call].args[0]) {
		while (*p == ' ')
			p++;
		return *p == ')' ? 0 : -EINVAL;
	}
	for (;;) {
		const char *q = p;

		while (*q && (depth || (*q != ',' && *q != ')'))) {
			if (*q == '<')
				depth++;
			else if (*q == '>' && depth)
				depth--;
			q++;
		}
		if (!*q)
			return -EINVAL;
		if (!calls[call].args[i])
			return -EINVAL;
		if (parse_arg(calls[call].args[i], p, (size_t)(q - p),
			      &op->a[i]))
			return -EINVAL;
		i++;
		if (*q == ')')
			break;
		p = q + 1;
	}
	return calls[call].args[i] ? -EINVAL : 0;
}

/* ====================================================================== */
/* Layouts: parsed /proc/PID/maps                                          */
/* ====================================================================== */

struct lvma {
	uint64_t start, end, off;
	char     perms[5];
	bool     file;
};

struct layout {
	struct lvma *v;
	int n, cap;
};

static void layout_free(struct layout *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int layout_parse(struct layout *l, const char *text)
{
	const char *s = text;

	l->n = 0;
	while (*s) {
		const char *eol = strchr(s, '\n');
		struct lvma v;
		unsigned long long a, b, off, ino;
		unsigned maj, mn;
		char perms[8];
		int used = 0;

		if (!eol)
			eol = s + strlen(s);
		if (sscanf(s, "%llx-%llx %7s %llx %x:%x %llu%n", &a, &b, perms,
			   &off, &maj, &mn, &ino, &used) == 7 &&
		    b <= TASK_SIZE) {
			const char *name = s + used;

			while (name < eol && *name == ' ')
				name++;
			memset(&v, 0, sizeof(v));
			v.start = a;
			v.end = b;
			v.off = off;
			memcpy(v.perms, perms, 4);
			v.file = ino != 0 || (name < eol && *name == '/');
			if (l->n == l->cap) {
				int nc = l->cap ? l->cap * 2 : 64;
				struct lvma *nv = realloc(l->v, nc * sizeof(*nv));

				if (!nv)
					return -ENOMEM;
				l->v = nv;
				l->cap = nc;
			}
			l->v[l->n++] = v;
		}
		s = *eol ? eol + 1 : eol;
	}
	return 0;
}

static bool layout_intersects(const struct layout *l, uint64_t lo,
			      uint64_t hi)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].start < hi && l->v[i].end > lo)
			return true;
	return false;
}

/* Index of the first VMA ending above @addr, or l->n. */
static int layout_find(const struct layout *l, uint64_t addr)
{
	int lo = 0, hi = l->n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (l->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ====================================================================== */
/* Random numbers                                                          */
/* ====================================================================== */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static uint64_t rnd(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static bool chance(struct rng *r, unsigned percent)
{
	return rnd(r, 100) < percent;
}

/* ====================================================================== */
/* A run: one child, one model, one sequence of calls                      */
/* ====================================================================== */

#define ARENA_SIZE      (1024 * MIB)
#define HOT_PAGES       1024            /* most calls within 4 MiB */
#define HEAPZONE_SIZE   (64 * MIB)
#define MAX_OWNED       256

struct range {
	uint64_t lo, hi;
};

struct run {
	const struct fz_options *o;
	struct fz_setup setup;
	struct fz_child *c;
	struct aspace *as;
	struct aspace_file *files[NSLOTS];
	struct layout init;             /* the child's own VMAs */
	struct layout view;             /* the current kernel layout */
	uint64_t arena, heapzone;       /* 0: none */
	uint64_t start_brk, brk;        /* the child's, tracked */
	struct range owned[MAX_OWNED];  /* non-fixed results outside zones */
	int nowned;
	uint64_t init_bytes;            /* size of the child's own VMAs */
	bool future_locked;             /* mlockall(MCL_FUTURE) in force */
	struct rng rng;
	FILE *out;
	bool quiet;                     /* shrink runs: no reports */
	/* the first divergence */
	int div_at;                     /* op index, -1 before the first op */
	char *div_text;                 /* description (malloc) */
};

static void run_report(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append to the divergence description. */
static void run_report(struct run *r, const char *fmt, ...)
{
	size_t old = r->div_text ? strlen(r->div_text) : 0;
	va_list ap;
	char *nt;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	nt = realloc(r->div_text, old + (size_t)n + 1);
	if (!nt)
		return;
	r->div_text = nt;
	va_start(ap, fmt);
	vsnprintf(nt + old, (size_t)n + 1, fmt, ap);
	va_end(ap);
}

static bool in_zone(const struct run *r, uint64_t lo, uint64_t hi)
{
	int i;

	if (r->arena && lo >= r->arena && hi <= r->arena + ARENA_SIZE)
		return true;
	if (r->heapzone && lo >= r->heapzone && hi <= r->heapzone + HEAPZONE_SIZE)
		return true;
	for (i = 0; i < r->nowned; i++)
		if (lo >= r->owned[i].lo && hi <= r->owned[i].hi)
			return true;
	return false;
}

/* ---------------------------------------------------------------------- */
/* Reading the child's state                                               */
/* ---------------------------------------------------------------------- */

struct image {
	uint64_t start_code, end_code, start_stack, start_data, end_data,
		 start_brk;
};

static int parse_stat(const char *text, struct image *im)
{
	const char *p = strrchr(text, ')');
	unsigned long long f[60];
	int i;

	if (!p)
		return -EINVAL;
	p++;
	/* Field 3 is the first after ')'. */
	for (i = 3; i <= 47; i++) {
		char *end;

		while (*p == ' ')
			p++;
		if (*p == 'R' || *p == 'S' || *p == 'D' || *p == 'T' ||
		    *p == 't' || *p == 'Z' || *p == 'X' || *p == 'I') {
			f[i] = 0;
			p++;
			continue;
		}
		f[i] = strtoull(p, &end, 10);
		if (end == p)
			return -EINVAL;
		p = end;
	}
	im->start_code = f[26];
	im->end_code = f[27];
	im->start_stack = f[28];
	im->start_data = f[45];
	im->end_data = f[46];
	im->start_brk = f[47];
	return 0;
}

struct kcounters {
	uint64_t size, lck, data, stk, exe, lib;
};

static int parse_status(const char *text, struct kcounters *k)
{
	static const char *keys[6] = { "VmSize:", "VmLck:", "VmData:",
				       "VmStk:", "VmExe:", "VmLib:" };
	uint64_t *dst[6] = { &k->size, &k->lck, &k->data, &k->stk, &k->exe,
			     &k->lib };
	int i, found = 0;

	for (i = 0; i < 6; i++) {
		const char *p = strstr(text, keys[i]);

		if (p) {
			*dst[i] = strtoull(p + strlen(keys[i]), NULL, 10);
			found++;
		}
	}
	return found == 6 ? 0 : -EINVAL;
}

static uint64_t read_sysctl(const char *path, uint64_t dflt)
{
	char *t = read_file(path);
	uint64_t v = dflt;

	if (t) {
		v = strtoull(t, NULL, 10);
		free(t);
	}
	return v;
}

static bool have_cap(int cap)
{
	char *t = read_file("/proc/self/status");
	const char *p;
	bool r = false;

	if (t && (p = strstr(t, "CapEff:")))
		r = (strtoull(p + 7, NULL, 16) >> cap) & 1;
	free(t);
	return r;
}

/* The kernel uses protection keys (x86 "ospke": PKU enabled by the OS). */
static bool cpu_has_pku(void)
{
	char *t = read_file("/proc/cpuinfo");
	bool r = t && strstr(t, " ospke");

	free(t);
	return r;
}

static uint64_t meminfo_value(const char *key)
{
	char *t = read_file("/proc/meminfo");
	const char *p = t ? strstr(t, key) : NULL;
	uint64_t v = p ? strtoull(p + strlen(key), NULL, 10) : 0;

	free(t);
	return v;
}

static uint64_t rlim_of(int res)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return ASPACE_RLIM_INFINITY;
	return rl.rlim_cur;
}

/* ---------------------------------------------------------------------- */
/* Model construction                                                      */
/* ---------------------------------------------------------------------- */

/* The config the child's kernel environment corresponds to. */
static void model_config(struct run *r, const struct image *im,
			 struct aspace_config *cfg)
{
	struct sysinfo si;
	char *thp;
	uint64_t gap;

	aspace_config_init(cfg);
	/* 03 §4.7, no randomization: gap = stack limit + guard gap, clamped. */
	gap = 8 * MIB + cfg->stack_guard_gap;
	if (gap < 128 * MIB)
		gap = 128 * MIB;
	cfg->rlimit_stack = 8 * MIB;
	cfg->mmap_base = PGALIGN(TASK_SIZE - gap);
	cfg->max_map_count = (int)read_sysctl("/proc/sys/vm/max_map_count",
					      65530);
	cfg->overcommit_memory = (int)read_sysctl(
		"/proc/sys/vm/overcommit_memory", 0);
	cfg->overcommit_ratio = (int)read_sysctl(
		"/proc/sys/vm/overcommit_ratio", 50);
	cfg->overcommit_kbytes = read_sysctl("/proc/sys/vm/overcommit_kbytes",
					     0);
	cfg->dac_mmap_min_addr = read_sysctl("/proc/sys/vm/mmap_min_addr",
					     4096);
	if (sysinfo(&si) == 0) {
		cfg->totalram_pages = (uint64_t)si.totalram * si.mem_unit / PG;
		cfg->total_swap_pages = (uint64_t)si.totalswap * si.mem_unit / PG;
	}
	cfg->pku = cpu_has_pku();
	cfg->hugetlb_pages = meminfo_value("HugePages_Free:");
	thp = read_file("/sys/kernel/mm/transparent_hugepage/enabled");
	if (thp) {
		if (strstr(thp, "[always]"))
			cfg->thp = ASPACE_THP_ALWAYS;
		else if (strstr(thp, "[never]"))
			cfg->thp = ASPACE_THP_NEVER;
		else
			cfg->thp = ASPACE_THP_MADVISE;
		free(thp);
	}
	cfg->rlimit_memlock = r->setup.rlimit_memlock ? r->setup.rlimit_memlock
						      : rlim_of(RLIMIT_MEMLOCK);
	cfg->rlimit_as = r->setup.rlimit_as ? r->setup.rlimit_as
					    : rlim_of(RLIMIT_AS);
	cfg->rlimit_data = r->setup.rlimit_data ? r->setup.rlimit_data
						: rlim_of(RLIMIT_DATA);
	cfg->cap_ipc_lock = have_cap(14) && !r->setup.drop_ipc_lock;
	cfg->cap_sys_rawio = have_cap(17);
	cfg->start_brk = im->start_brk;
	cfg->brk = r->brk;
	cfg->start_stack = im->start_stack;
	cfg->start_code = im->start_code;
	cfg->end_code = im->end_code;
	cfg->start_data = im->start_data;
	cfg->end_data = im->end_data;
}

static const uint64_t arena_candidates[] = {
	0x200000000000ull, 0x300000000000ull, 0x100000000000ull,
	0x400000000000ull, 0x10000000000ull,
};

static void run_free(struct run *r)
{
	int i;

	fz_child_stop(r->c);
	r->c = NULL;
	for (i = 0; i < NSLOTS; i++)
		if (r->files[i]) {
			aspace_file_put(r->files[i]);
			r->files[i] = NULL;
		}
	if (r->as)
		aspace_free(r->as);
	r->as = NULL;
	layout_free(&r->init);
	layout_free(&r->view);
	free(r->div_text);
	r->div_text = NULL;
}

/*
 * Cut the [vsyscall] entry (header and its smaps fields) off an smaps text:
 * the gate area is not a VMA of the mm.  (aspace_import_maps() skips its
 * header line but, as of this writing, gives its "VmFlags: ex" to the VMA
 * before it.)
 */
static void strip_gate_entry(char *smaps)
{
	char *g = strstr(smaps, "ffffffffff600000-");

	if (g && (g == smaps || g[-1] == '\n'))
		*g = 0;
}

/*
 * Start the child, snapshot its layout, build the model from it.
 * Return 0, or -errno (setup failure, not a divergence); an import that
 * does not reproduce the kernel's layout is reported as a divergence at
 * op -1 by run_compare() later.
 */
static int run_start(struct run *r, bool with_model)
{
	struct aspace_import_error ie;
	struct aspace_config cfg;
	struct image im;
	char *smaps = NULL, *stat = NULL, *maps = NULL;
	size_t i;
	int err = -EIO;

	r->div_at = -2;
	r->c = fz_child_start(&r->setup);
	if (!r->c)
		return -ECHILD;
	smaps = fz_child_read(r->c, "smaps");
	stat = fz_child_read(r->c, "stat");
	maps = fz_child_read(r->c, "maps");
	if (!smaps || !stat || !maps || parse_stat(stat, &im) ||
	    layout_parse(&r->init, maps) || layout_parse(&r->view, maps))
		goto out;
	r->start_brk = im.start_brk;
	for (i = 0; i < (size_t)r->init.n; i++)
		r->init_bytes += r->init.v[i].end - r->init.v[i].start;
	r->brk = fz_child_brk0(r->c);
	for (i = 0; i < NELEM(arena_candidates); i++)
		if (!layout_intersects(&r->init, arena_candidates[i],
				       arena_candidates[i] + ARENA_SIZE)) {
			r->arena = arena_candidates[i];
			break;
		}
	if (r->brk && !layout_intersects(&r->init, PGALIGN(r->brk),
					 PGALIGN(r->brk) + HEAPZONE_SIZE +
					 MIB + PG))
		r->heapzone = PGALIGN(r->brk);
	if (with_model) {
		model_config(r, &im, &cfg);
		r->as = aspace_new(&cfg);
		if (!r->as)
			goto out;
		aspace_set_image(r->as, &cfg);
		strip_gate_entry(smaps);
		err = aspace_import_maps(r->as, smaps, &ie);
		if (err) {
			fprintf(r->out, "fuzz: importing the child's smaps "
				"failed (%d) at line %d col %d: %s\n", err,
				ie.line, ie.column, ie.msg);
			goto out;
		}
		for (i = 0; i < NSLOTS; i++) {
			r->files[i] = aspace_file_open(&env.desc[i]);
			if (!r->files[i]) {
				err = -ENOMEM;
				goto out;
			}
		}
	}
	err = 0;
out:
	free(smaps);
	free(stat);
	free(maps);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Comparing                                                               */
/* ---------------------------------------------------------------------- */

/*
 * One VMA entry of a maps or smaps text: the maps line and, for smaps, its
 * VmFlags line.  Shared anonymous objects ("/dev/zero (deleted)") have
 * kernel inode numbers the model cannot know: they are renumbered by order
 * of first appearance on both sides.
 */
struct entry {
	uint64_t start;
	char *line;
	char *flags;            /* "VmFlags: ..." */
	char *pkey;             /* "ProtectionKey: ..." (PKU machines) */
};

struct entries {
	struct entry *e;
	int n;
	bool has_pkey;          /* some entry has a ProtectionKey line */
};

static void entries_free(struct entries *es)
{
	int i;

	for (i = 0; i < es->n; i++) {
		free(es->e[i].line);
		free(es->e[i].flags);
		free(es->e[i].pkey);
	}
	free(es->e);
	memset(es, 0, sizeof(*es));
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static bool is_header(const char *s, const char *eol)
{
	const char *p = s;

	while (p < eol && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		p++;
	return p > s && p < eol && *p == '-';
}

/*
 * Kernel-internal objects whose inode numbers (and, for the internal
 * hugetlbfs mount, device) the model cannot know: shared anonymous memory
 * and anonymous hugetlb.  Return the name when the line ends with one.
 */
static const char *hidden_object_name(const char *s, const char *eol)
{
	static const char *names[] = { "/dev/zero (deleted)",
				       "/anon_hugepage (deleted)" };
	size_t i, n = (size_t)(eol - s);

	for (i = 0; i < NELEM(names); i++) {
		size_t l = strlen(names[i]);

		if (n > l && !memcmp(eol - l, names[i], l))
			return names[i];
	}
	return NULL;
}

static int entries_parse(struct entries *es, const char *text)
{
	uint64_t shm_ino[256];
	int nshm = 0, cap = 0;
	const char *s = text;

	memset(es, 0, sizeof(*es));
	while (*s) {
		const char *eol = strchr(s, '\n');

		if (!eol)
			eol = s + strlen(s);
		if (is_header(s, eol)) {
			struct entry *e;
			const char *dz = hidden_object_name(s, eol);
			size_t ll = (size_t)(eol - s);

			if (es->n == cap) {
				int nc = cap ? cap * 2 : 64;
				struct entry *ne = realloc(es->e, nc * sizeof(*ne));

				if (!ne)
					return -ENOMEM;
				es->e = ne;
				cap = nc;
			}
			e = &es->e[es->n++];
			memset(e, 0, sizeof(*e));
			e->start = strtoull(s, NULL, 16);
			if (dz) {
				char range[64], perms[8], off[32], dev[16];
				unsigned long long ino;
				int k;

				if (sscanf(s, "%63s %7s %31s %15s %llu", range,
					   perms, off, dev, &ino) == 5) {
					for (k = 0; k < nshm; k++)
						if (shm_ino[k] == ino)
							break;
					if (k == nshm && nshm < 256)
						shm_ino[nshm++] = ino;
					e->line = malloc(160);
					if (e->line)
						snprintf(e->line, 160,
							 "%s %s %s %s #%d %s",
							 range, perms, off,
							 dz[1] == 'a' ? "hugetlbfs"
								      : dev,
							 k, dz);
				}
			}
			if (!e->line)
				e->line = dupn(s, ll);
			if (!e->line)
				return -ENOMEM;
		} else if (es->n && !strncmp(s, "VmFlags:", 8)) {
			struct entry *e = &es->e[es->n - 1];

			free(e->flags);
			e->flags = dupn(s, (size_t)(eol - s));
			if (!e->flags)
				return -ENOMEM;
		} else if (es->n && !strncmp(s, "ProtectionKey:", 14)) {
			struct entry *e = &es->e[es->n - 1];
			const char *v = s + 14;

			while (*v == ' ')
				v++;
			free(e->pkey);
			e->pkey = dupn(v, (size_t)(eol - v));
			if (!e->pkey)
				return -ENOMEM;
			es->has_pkey = true;
		}
		s = *eol ? eol + 1 : eol;
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

static bool entry_eq(const struct entry *a, const struct entry *b,
		     bool pkeys)
{
	if (strcmp(a->line, b->line))
		return false;
	if (pkeys && !str_eq(a->pkey, b->pkey))
		return false;
	return str_eq(a->flags, b->flags);
}

/*
 * Print the entries that differ, merged by start address (both lists are
 * sorted): "-" kernel, "+" model, " " one line of context around changes.
 * Return the number of differing entries.
 */
/*
 * Under ASan the child's own runtime is not quiet: its allocator carves
 * rw pages out of its PROT_NONE reserve while serving calls.  In sanitized
 * builds, entries lying wholly inside the child's starting VMAs (which no
 * fuzzed call may touch, see op_is_safe()) are therefore not compared, nor
 * are the status counters.
 */
#if defined(__SANITIZE_ADDRESS__)
#define FZ_NOISY_CHILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_NOISY_CHILD 1
#endif
#endif
#ifndef FZ_NOISY_CHILD
#define FZ_NOISY_CHILD 0
#endif

static uint64_t entry_end(const struct entry *e)
{
	const char *dash = strchr(e->line, '-');

	return dash ? strtoull(dash + 1, NULL, 16) : e->start;
}

/* [start, end) of @e lies in the union of the child's starting VMAs. */
static bool entry_is_runtime(const struct run *r, const struct entry *e)
{
	uint64_t at = e->start, end = entry_end(e);
	int i = layout_find(&r->init, at);

	if (!FZ_NOISY_CHILD)
		return false;
	for (; i < r->init.n && r->init.v[i].start <= at; i++) {
		at = r->init.v[i].end;
		if (at >= end)
			return true;
	}
	return false;
}

static int entries_diff(struct run *r, const struct entries *k,
			const struct entries *m)
{
	int i = 0, j = 0, ndiff = 0, shown = 0;
	/* Compare protection keys when the model prints them too. */
	bool pkeys = k->has_pkey && m->has_pkey;

	while (i < k->n || j < m->n) {
		const struct entry *ke = i < k->n ? &k->e[i] : NULL;
		const struct entry *me = j < m->n ? &m->e[j] : NULL;

		if (ke && me && ke->start == me->start &&
		    entry_eq(ke, me, pkeys)) {
			i++;
			j++;
			continue;
		}
		if (ke && (!me || ke->start <= me->start) &&
		    entry_is_runtime(r, ke)) {
			i++;
			continue;
		}
		if (me && (!ke || me->start <= ke->start) &&
		    entry_is_runtime(r, me)) {
			j++;
			continue;
		}
		ndiff++;
		if (shown++ > 40)
			break;
		if (ke && (!me || ke->start <= me->start)) {
			run_report(r, "  -%s\n", ke->line);
			if (ke->flags)
				run_report(r, "  -    %s%s%s\n", ke->flags,
					   pkeys && ke->pkey ? " pkey " : "",
					   pkeys && ke->pkey ? ke->pkey : "");
			i++;
		}
		if (me && (!ke || me->start <= ke->start)) {
			run_report(r, "  +%s\n", me->line);
			if (me->flags)
				run_report(r, "  +    %s%s%s\n", me->flags,
					   pkeys && me->pkey ? " pkey " : "",
					   pkeys && me->pkey ? me->pkey : "");
			j++;
		}
	}
	return ndiff;
}

/*
 * Compare the layout (maps every call; smaps VmFlags and status counters
 * when @full) and the model's invariants.  Return true when they agree.
 */
static bool run_compare(struct run *r, bool full)
{
	struct entries ke, me;
	char *ktext = NULL, *mtext = NULL;
	unsigned opts = ASPACE_MAPS_VSYSCALL | (full ? ASPACE_MAPS_SMAPS : 0);
	bool ok = false;
	int nd;

	memset(&ke, 0, sizeof(ke));
	memset(&me, 0, sizeof(me));
	ktext = fz_child_read(r->c, full ? "smaps" : "maps");
	mtext = aspace_maps(r->as, opts);
	if (!ktext || !mtext) {
		run_report(r, "  cannot read the %s layout\n",
			   ktext ? "model's" : "kernel's");
		goto out;
	}
	if (entries_parse(&ke, ktext) || entries_parse(&me, mtext)) {
		run_report(r, "  out of memory comparing layouts\n");
		goto out;
	}
	nd = entries_diff(r, &ke, &me);
	if (nd) {
		run_report(r, "  %s differ in %d entries (- kernel, + model)\n",
			   full ? "smaps" : "maps", nd);
		goto out;
	}
	if (aspace_validate(r->as)) {
		run_report(r, "  aspace_validate() failed (see stderr)\n");
		goto out;
	}
	if (full && !FZ_NOISY_CHILD) {
		struct aspace_counters mc;
		struct kcounters kc;
		char *st = fz_child_read(r->c, "status");

		if (!st || parse_status(st, &kc)) {
			free(st);
			run_report(r, "  cannot read /proc/PID/status\n");
			goto out;
		}
		free(st);
		aspace_counters(r->as, &mc);
		if (kc.size != mc.total_vm * 4 || kc.lck != mc.locked_vm * 4 ||
		    kc.data != mc.data_vm * 4 || kc.stk != mc.stack_vm * 4 ||
		    kc.exe + kc.lib != mc.exec_vm * 4) {
			run_report(r, "  counters differ (kB):\n"
				   "    kernel VmSize %" PRIu64 " VmLck %" PRIu64
				   " VmData %" PRIu64 " VmStk %" PRIu64
				   " VmExe+VmLib %" PRIu64 "\n"
				   "    model  VmSize %" PRIu64 " VmLck %" PRIu64
				   " VmData %" PRIu64 " VmStk %" PRIu64
				   " VmExe+VmLib %" PRIu64 "\n",
				   kc.size, kc.lck, kc.data, kc.stk,
				   kc.exe + kc.lib, mc.total_vm * 4,
				   mc.locked_vm * 4, mc.data_vm * 4,
				   mc.stack_vm * 4, mc.exec_vm * 4);
			goto out;
		}
	}
	ok = true;
out:
	entries_free(&ke);
	entries_free(&me);
	free(ktext);
	if (mtext)
		aspace_free_text(mtext);
	return ok;
}

/* ---------------------------------------------------------------------- */
/* Applying a call                                                         */
/* ---------------------------------------------------------------------- */

static struct aspace_file *file_of_fd(struct run *r, int fd)
{
	if (fd >= FD_BASE && fd < FD_BASE + NSLOTS)
		return r->files[fd - FD_BASE];
	return NULL;
}

static int64_t model_apply(struct run *r, const struct fz_op *op)
{
	const uint64_t *a = op->a;
	uint64_t out = 0;
	int e;

	switch (op->call) {
	case FZ_MMAP: {
		struct aspace_file *f = NULL;

		if (!(a[3] & MAP_ANONYMOUS))
			f = file_of_fd(r, (int)(int32_t)a[4]);
		e = aspace_mmap(r->as, a[0], a[1], (int)a[2], (int)a[3], f,
				a[5], &out);
		return e ? e : (int64_t)out;
	}
	case FZ_MUNMAP:
		return aspace_munmap(r->as, a[0], a[1]);
	case FZ_MPROTECT:
		return aspace_mprotect(r->as, a[0], a[1], (int)a[2]);
	case FZ_BRK:
		e = aspace_brk(r->as, a[0], &out);
		return e ? e : (int64_t)out;
	case FZ_TOUCH:
		return aspace_touch(r->as, a[0], a[1], (int)a[2]);
	case FZ_MREMAP:
		e = aspace_mremap(r->as, a[0], a[1], a[2], (int)a[3], a[4], &out);
		return e ? e : (int64_t)out;
	case FZ_MADVISE:
		return aspace_madvise(r->as, a[0], a[1], (int)a[2]);
	case FZ_MLOCK:
		return aspace_mlock(r->as, a[0], a[1]);
	case FZ_MLOCK2:
		return aspace_mlock2(r->as, a[0], a[1], (int)a[2]);
	case FZ_MUNLOCK:
		return aspace_munlock(r->as, a[0], a[1]);
	case FZ_MLOCKALL:
		return aspace_mlockall(r->as, (int)a[0]);
	case FZ_MUNLOCKALL:
		return aspace_munlockall(r->as);
	case FZ_MSEAL:
		return aspace_mseal(r->as, a[0], a[1], a[2]);
	case FZ_PKEY_MPROTECT:
		return aspace_pkey_mprotect(r->as, a[0], a[1], (int)a[2],
					    (int)a[3]);
	}
	return -ENOSYS;
}

/*
 * The memory a call may change, [*lo, *hi).  false: the call cannot change
 * an existing VMA (places new mappings in free space only) or fails in its
 * argument checks before touching anything.
 */
static bool op_range(const struct run *r, const struct fz_op *op,
		     uint64_t *lo, uint64_t *hi)
{
	const uint64_t *a = op->a;
	uint64_t len;

	switch (op->call) {
	case FZ_MMAP:
		if (!(a[3] & MAP_FIXED) || (a[3] & MAP_FIXED_NOREPLACE))
			return false;
		/* MAP_FIXED replaces like munmap */
		__attribute__((fallthrough));
	case FZ_MUNMAP:
		len = PGALIGN(a[1]);
		if (op->call == FZ_MMAP && (a[3] & 0x40000)) {
			/* MAP_HUGETLB: the kernel rounds the length up to
			 * the huge page size (bits 26-31, default 2 MiB) */
			unsigned sh = (unsigned)(a[3] >> 26) & 0x3f;
			uint64_t hp = sh ? (sh < 63 ? 1ull << sh : 0) : 2 * MIB;

			if (!hp || a[1] > UINT64_MAX - hp)
				return false;
			len = (a[1] + hp - 1) & ~(hp - 1);
		}
		if ((a[0] & (PG - 1)) || a[1] == 0 || len == 0 ||
		    a[0] > TASK_SIZE || len > TASK_SIZE - a[0])
			return false;
		*lo = a[0];
		*hi = a[0] + len;
		return true;
	case FZ_MPROTECT:
		/* No TASK_SIZE check: it changes VMAs up to the first hole. */
		len = PGALIGN(a[1]);
		if ((a[0] & (PG - 1)) || a[1] == 0 || len == 0 ||
		    a[0] + len <= a[0])
			return false;
		*lo = a[0];
		*hi = a[0] + len;
		return true;
	case FZ_BRK:
		if (a[0] < r->start_brk || a[0] >= r->brk)
			return false;
		*lo = PGALIGN(a[0]);
		*hi = PGALIGN(r->brk);
		return *lo < *hi;
	case FZ_TOUCH:
		if (a[1] == 0 || a[0] + a[1] < a[0] || a[0] + a[1] > TASK_SIZE)
			return false;
		*lo = a[0] & ~(PG - 1);
		*hi = PGALIGN(a[0] + a[1]);
		return true;
	}
	/* Range calls of issue 4: [start, start + len) rounded out. */
	if (a[1] == 0)
		return false;
	*lo = a[0] & ~(PG - 1);
	*hi = PGALIGN(a[0] + a[1]);
	if (*hi <= *lo)
		*hi = UINT64_MAX;       /* wrapping: refused, but be careful */
	return true;
}

/*
 * What mlockall(MCL_CURRENT) would populate now: every mapped byte (the
 * model's total_vm) — the child's own VMAs and everything the run mapped,
 * so that a populate of gigabytes cannot stall or OOM-kill the child.
 */
static uint64_t mlockall_bytes(const struct run *r)
{
	struct aspace_counters c;

	if (!r->as)             /* --kernel-only: no model to ask */
		return r->init_bytes;
	aspace_counters(r->as, &c);
	return c.total_vm * PG > r->init_bytes ? c.total_vm * PG :
		r->init_bytes;
}

/* true when the call may be sent: it cannot reach the child's own memory. */
static bool op_is_safe(const struct run *r, const struct fz_op *op)
{
	uint64_t lo, hi, p;

	if (op->call == FZ_TOUCH) {
		/* 0-length or wrapping touches: nothing is accessed. */
		if (!op_range(r, op, &lo, &hi))
			return op->a[1] == 0;
		if (hi - lo > 64 * PG)
			return false;
		if (layout_intersects(&r->init, lo, hi))
			return false;
		/* A page in a hole below one of the child's VMAs could grow
		 * its stack: allow holes only below our own VMAs. */
		for (p = lo; p < hi; p += PG) {
			int i = layout_find(&r->view, p);

			if (i < r->view.n && r->view.v[i].start <= p)
				continue;
			if (i == r->view.n ||
			    layout_intersects(&r->init, r->view.v[i].start,
					      r->view.v[i].end))
				return false;
		}
		return true;
	}
	/* Keep populated (locked) memory small. */
	if (op->call == FZ_MMAP && op->a[1] > 64 * MIB &&
	    ((op->a[3] & (MAP_POPULATE | MAP_LOCKED)) || r->future_locked))
		return false;
	if (op->call == FZ_MREMAP && op->a[2] > 64 * MIB && r->future_locked)
		return false;
	if (op->call == FZ_MADVISE && (op->a[2] == 100 || op->a[2] == 101))
		return false;   /* MADV_HWPOISON, MADV_SOFT_OFFLINE: never */
	if (op->call == FZ_MADVISE && op->a[2] == 25) {
		/*
		 * MADV_COLLAPSE over a whole aligned 2 MiB block succeeds or
		 * fails by which pages are present, which the model does not
		 * track (docs/kernel-notes.md, MADV_COLLAPSE): keep such
		 * ranges out; every VMA-level and block-count rule stays
		 * exercised.
		 */
		uint64_t lo = op->a[0], len = (op->a[1] + 4095) & ~4095ull;
		uint64_t first = (lo + 2 * MIB - 1) & ~(2 * MIB - 1);

		if (len && lo + len > lo && first >= lo &&
		    first + 2 * MIB <= lo + len)
			return false;
	}
	/* MCL_CURRENT populates everything, and even with MCL_ONFAULT the
	 * kernel walks the page tables of every VMA (seed 207, errors:
	 * over 30 s with terabytes mapped): keep the mapped total small. */
	if (op->call == FZ_MLOCKALL)
		return !(op->a[0] & 1) || mlockall_bytes(r) <= 1024 * MIB;
	if (op->call == FZ_MUNLOCKALL)
		return true;
	if (op->call == FZ_MREMAP) {
		const uint64_t *a = op->a;

		if ((a[3] & ~7ull) || (a[0] & (PG - 1)))
			return true;            /* EINVAL before anything */
		lo = a[0];
		hi = PGALIGN(a[0] + (a[1] > a[2] ? a[1] : a[2]) + 1);
		if (hi <= lo || layout_intersects(&r->init, lo, hi))
			return false;
		if (a[3] & (2 | ASPACE_MREMAP_DONTUNMAP)) {
			lo = a[4] & ~(PG - 1);
			hi = PGALIGN(a[4] + a[2]);
			if (hi <= lo || layout_intersects(&r->init, lo, hi))
				return false;
		}
		return true;
	}
	if (!op_range(r, op, &lo, &hi))
		return true;
	return !layout_intersects(&r->init, lo, hi);
}

/* Track what the generator and the guard need after a call. */
static void run_note(struct run *r, const struct fz_op *op)
{
	if (op->call == FZ_MLOCKALL && op->kret == 0)
		r->future_locked = (op->a[0] & 2) != 0;
	if (op->call == FZ_MUNLOCKALL && op->kret == 0)
		r->future_locked = false;
	if (op->call == FZ_MREMAP && op->kret >= 0 &&
	    op->kret < (int64_t)TASK_SIZE) {
		uint64_t lo = (uint64_t)op->kret, hi = lo + PGALIGN(op->a[2]);

		if (!in_zone(r, lo, hi) && r->nowned < MAX_OWNED) {
			r->owned[r->nowned].lo = lo;
			r->owned[r->nowned].hi = hi;
			r->nowned++;
		}
	}
	if (op->call == FZ_BRK && op->kret > 0)
		r->brk = (uint64_t)op->kret;
	if (op->call == FZ_MMAP && op->kret >= 0 && op->kret < (int64_t)TASK_SIZE) {
		uint64_t lo = (uint64_t)op->kret, hi = lo + PGALIGN(op->a[1]);

		if (!in_zone(r, lo, hi) && r->nowned < MAX_OWNED) {
			r->owned[r->nowned].lo = lo;
			r->owned[r->nowned].hi = hi;
			r->nowned++;
		}
	}
}

static int run_refresh_view(struct run *r)
{
	char *maps = fz_child_read(r->c, "maps");
	int err;

	if (!maps)
		return -EIO;
	err = layout_parse(&r->view, maps);
	free(maps);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Generators                                                              */
/* ---------------------------------------------------------------------- */

/* Our VMAs (not the child's own): candidates for addresses. */
static int pick_own_vma(struct run *r)
{
	int tries, i;

	if (!r->view.n)
		return -1;
	for (tries = 0; tries < 8; tries++) {
		i = (int)rnd(&r->rng, (uint64_t)r->view.n);
		if (!layout_intersects(&r->init, r->view.v[i].start,
				       r->view.v[i].end) &&
		    in_zone(r, r->view.v[i].start, r->view.v[i].end))
			return i;
	}
	return -1;
}

static uint64_t pick_addr(struct run *r)
{
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100);
	int i;

	if (k < 45 && (i = pick_own_vma(r)) >= 0) {
		const struct lvma *v = &r->view.v[i];
		uint64_t pages = (v->end - v->start) / PG;
		int64_t d = (int64_t)rnd(g, 5) - 2;

		switch (rnd(g, 4)) {
		case 0:
			return v->start + (uint64_t)(d * (int64_t)PG);
		case 1:
			return v->end + (uint64_t)(d * (int64_t)PG);
		default:
			return v->start + rnd(g, pages) * PG;
		}
	}
	if (k < 70 && r->arena)
		return r->arena + rnd(g, HOT_PAGES) * PG;
	if (k < 78 && r->heapzone) {
		uint64_t b = PGALIGN(r->brk);

		return b + (uint64_t)(((int64_t)rnd(g, 17) - 8) * (int64_t)PG);
	}
	if (k < 90 && r->nowned) {
		const struct range *o = &r->owned[rnd(g, (uint64_t)r->nowned)];

		if (chance(g, 30))
			return chance(g, 50) ? o->lo : o->hi;
		return o->lo + rnd(g, (o->hi - o->lo) / PG) * PG;
	}
	if (r->arena)
		return r->arena + rnd(g, ARENA_SIZE / PG) * PG;
	return r->heapzone ? r->heapzone : 0x200000000000ull;
}

static uint64_t pick_len(struct run *r, uint64_t addr)
{
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100);
	int i;

	if (k < 45)
		return (1 + rnd(g, 4)) * PG;
	if (k < 70)
		return (5 + rnd(g, 28)) * PG;
	if (k < 82)
		return (33 + rnd(g, 480)) * PG;
	if (k < 90)
		return (1 + rnd(g, 3)) * 2 * MIB;
	/* up to the end of the VMA at or after addr */
	i = layout_find(&r->view, addr);
	if (i < r->view.n && r->view.v[i].end > addr &&
	    r->view.v[i].end - addr <= 64 * MIB)
		return PGALIGN(r->view.v[i].end - addr);
	return (1 + rnd(g, 8)) * PG;
}

static int pick_prot(struct run *r)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_READ, PROT_READ, PROT_NONE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
		PROT_WRITE, PROT_EXEC,
	};

	return prots[rnd(&r->rng, NELEM(prots))];
}

static void gen_mmap(struct run *r, struct fz_op *op)
{
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100), addr = 0, len, flags, off = 0;
	int fd, prot = pick_prot(r);

	/* What to map: cumulative percentages; files pick SHARED or PRIVATE. */
	static const struct {
		unsigned upto;
		int      fd;            /* -1: anonymous */
		uint64_t flags;         /* anonymous: the type and MAP_ANONYMOUS */
	} kinds[] = {
		{ 48, -1, MAP_PRIVATE | MAP_ANONYMOUS },
		{ 58, -1, MAP_SHARED | MAP_ANONYMOUS },
		{ 70, FZ_FD_EXT4_RW, 0 },
		{ 75, FZ_FD_EXT4_RO, 0 },
		{ 84, FZ_FD_MEMFD_RW, 0 },
		{ 87, FZ_FD_MEMFD_RO, 0 },
		{ 90, FZ_FD_DEVZERO, 0 },
		{ 94, -1, FZ_MAP_DROPPABLE | MAP_ANONYMOUS },
		{ 100, -1, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN },
	};
	size_t i;

	for (i = 0; k >= kinds[i].upto; i++)
		;
	fd = kinds[i].fd;
	flags = fd < 0 ? kinds[i].flags
		       : chance(g, 50) ? MAP_PRIVATE : MAP_SHARED;

	k = rnd(g, 100);
	if (k < 38) {
		addr = pick_addr(r);
		flags |= MAP_FIXED;
	} else if (k < 48) {
		addr = pick_addr(r);
		flags |= MAP_FIXED_NOREPLACE;
	} else if (k < 66)
		addr = pick_addr(r);
	len = pick_len(r, addr);

	if (chance(g, 8))
		flags |= MAP_NORESERVE;
	if (chance(g, 4))
		flags |= MAP_POPULATE;
	if (chance(g, r->setup.rlimit_memlock ? 15 : 4))
		flags |= MAP_LOCKED;
	if (chance(g, 5))
		flags |= MAP_STACK;
	if (chance(g, 2) && !(flags & MAP_FIXED))
		flags |= MAP_32BIT;
	if (chance(g, 2))
		flags |= MAP_SYNC;
	if (chance(g, 1))
		flags |= MAP_NONBLOCK | MAP_POPULATE;
	if (chance(g, 1))
		flags |= FZ_MAP_ABOVE4G;

	if (fd >= 0) {
		uint64_t fpages = env.desc[fd - FD_BASE].size / PG;
		int i;

		if (fd == FD_BASE + SLOT_DEVZERO)
			fpages = 64;
		/* Often continue the offset of a neighbouring file VMA. */
		i = layout_find(&r->view, addr ? addr - 1 : 0);
		if (addr && i < r->view.n && r->view.v[i].file &&
		    r->view.v[i].end == addr && chance(g, 50))
			off = r->view.v[i].off + (r->view.v[i].end -
						  r->view.v[i].start);
		else if (chance(g, 40))
			off = 0;
		else
			off = rnd(g, fpages + 4) * PG;
	}
	op->call = FZ_MMAP;
	op->a[0] = addr;
	op->a[1] = len;
	op->a[2] = (uint64_t)prot;
	op->a[3] = flags;
	op->a[4] = (uint64_t)(int64_t)fd;
	op->a[5] = off;
}

static void gen_brk(struct run *r, struct fz_op *op)
{
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100), v;

	if (k < 8)
		v = 0;
	else if (k < 16)
		v = r->start_brk + (chance(g, 50) ? 0 : 1);
	else if (k < 70)
		v = r->brk + (rnd(g, 64) + 1) * (chance(g, 30) ? 1 : PG);
	else if (k < 95) {
		uint64_t d = (rnd(g, 32) + 1) * (chance(g, 30) ? 1 : PG);

		v = r->brk > r->start_brk + d ? r->brk - d : r->start_brk;
	} else
		v = r->brk + (rnd(g, 4) + 1) * 16 * MIB;
	if (r->heapzone && v > r->heapzone + HEAPZONE_SIZE)
		v = r->heapzone + HEAPZONE_SIZE;
	op->call = FZ_BRK;
	op->a[0] = v;
}

static void gen_touch(struct run *r, struct fz_op *op)
{
	struct rng *g = &r->rng;
	uint64_t addr;
	int i = pick_own_vma(r);

	if (i >= 0 && chance(g, 75)) {
		const struct lvma *v = &r->view.v[i];

		addr = v->start + rnd(g, (v->end - v->start) / PG) * PG;
		if (chance(g, 20))      /* below: stack growth or EFAULT */
			addr = v->start - (1 + rnd(g, chance(g, 50) ? 8 : 300)) * PG;
	} else
		addr = pick_addr(r);
	op->call = FZ_TOUCH;
	op->a[0] = addr;
	op->a[1] = (1 + rnd(g, chance(g, 80) ? 2 : 8)) * PG;
	op->a[2] = chance(g, 60) ? PROT_WRITE : PROT_READ;
}

static void gen_default(struct run *r, struct fz_op *op)
{
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100);

	if (k < 34)
		gen_mmap(r, op);
	else if (k < 50) {
		op->call = FZ_MUNMAP;
		op->a[0] = pick_addr(r);
		op->a[1] = pick_len(r, op->a[0]);
	} else if (k < 70) {
		op->call = FZ_MPROTECT;
		op->a[0] = pick_addr(r);
		op->a[1] = pick_len(r, op->a[0]);
		op->a[2] = (uint64_t)pick_prot(r);
		if (chance(g, 4))
			op->a[2] |= PROT_GROWSDOWN;
	} else if (k < 78)
		gen_brk(r, op);
	else
		gen_touch(r, op);
}

static void gen_mremap(struct run *r, struct fz_op *op)
{
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100), addr, old_len, new_len, flags, dst = 0;
	int i = pick_own_vma(r);

	if (i >= 0 && chance(g, 70)) {
		const struct lvma *v = &r->view.v[i];
		uint64_t pages = (v->end - v->start) / PG;

		addr = chance(g, 60) ? v->start : v->start + rnd(g, pages) * PG;
		old_len = chance(g, 50) ? v->end - addr : pick_len(r, addr);
	} else {
		addr = pick_addr(r);
		old_len = pick_len(r, addr);
	}
	if (chance(g, 5))
		old_len = 0;            /* duplicate a shared mapping */
	if (k < 35)
		new_len = old_len + (1 + rnd(g, chance(g, 80) ? 16 : 600)) * PG;
	else if (k < 60)
		new_len = old_len > PG ? old_len - (1 + rnd(g, old_len / PG - 1)) * PG
				       : PG;
	else if (k < 75)
		new_len = old_len ? old_len : PG;
	else
		new_len = pick_len(r, addr);
	k = rnd(g, 100);
	if (k < 25)
		flags = 0;
	else if (k < 60)
		flags = 1;              /* MREMAP_MAYMOVE */
	else if (k < 85) {
		flags = 1 | 2;          /* MAYMOVE | FIXED */
		dst = pick_addr(r);
	} else {
		flags = 1 | ASPACE_MREMAP_DONTUNMAP;
		new_len = old_len ? old_len : PG;
		if (chance(g, 50)) {
			flags |= 2;
			dst = pick_addr(r);
		}
	}
	op->call = FZ_MREMAP;
	op->a[0] = addr;
	op->a[1] = old_len;
	op->a[2] = new_len;
	op->a[3] = flags;
	op->a[4] = dst;
}

static void gen_range(struct run *r, struct fz_op *op, int call)
{
	op->call = (uint16_t)call;
	op->a[0] = pick_addr(r);
	op->a[1] = pick_len(r, op->a[0]);
}

static void gen_lock(struct run *r, struct fz_op *op)
{
	static const uint64_t advice[] = {
		0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 14, 15, 16, 17, 18, 19,
		20, 21, 22, 23, 24, 25, 102, 102, 103,
	};
	struct rng *g = &r->rng;
	uint64_t k = rnd(g, 100);

	if (k < 40) {
		gen_range(r, op, FZ_MADVISE);
		op->a[2] = advice[rnd(g, NELEM(advice))];
	} else if (k < 58)
		gen_range(r, op, FZ_MLOCK);
	else if (k < 68) {
		gen_range(r, op, FZ_MLOCK2);
		op->a[2] = chance(g, 60) ? ASPACE_MLOCK_ONFAULT : 0;
	} else if (k < 84)
		gen_range(r, op, FZ_MUNLOCK);
	else if (k < 88) {
		static const uint64_t mcl[] = { 1, 2, 3, 1 | 4, 2 | 4, 3 | 4 };

		op->call = FZ_MLOCKALL;
		op->a[0] = mcl[rnd(g, NELEM(mcl))];
	} else if (k < 91)
		op->call = FZ_MUNLOCKALL;
	else if (k < 95)
		gen_range(r, op, FZ_MSEAL);
	else {
		gen_range(r, op, FZ_PKEY_MPROTECT);
		op->a[2] = (uint64_t)pick_prot(r);
		op->a[3] = (uint64_t)(int64_t)(chance(g, 50) ? -1 :
					       (int)rnd(g, 3));
	}
}

static void gen_profile(struct run *r, struct fz_op *op, int profile);

/* Values that exercise the argument checks. */
static uint64_t bad_len(struct run *r, uint64_t addr)
{
	static const uint64_t v[] = {
		0, 1, 4095, UINT64_MAX, UINT64_MAX - PG + 1, 1ull << 63,
		TASK_SIZE, TASK_SIZE + 1, TASK_SIZE - PG, 1ull << 47,
	};
	uint64_t k = rnd(&r->rng, NELEM(v) + 2);

	if (k == NELEM(v))
		return TASK_SIZE - addr;
	if (k == NELEM(v) + 1)
		return TASK_SIZE - addr + PG;
	return v[k];
}

static uint64_t bad_addr(struct run *r, uint64_t addr)
{
	static const uint64_t v[] = {
		0, PG, 0x10000, TASK_SIZE, TASK_SIZE - PG, UINT64_MAX - PG + 1,
		1ull << 47, 0x40000000,
	};
	uint64_t k = rnd(&r->rng, NELEM(v) + 3);

	if (k >= NELEM(v))
		return addr + 1 + rnd(&r->rng, PG - 1);
	return v[k];
}

static void gen_errors(struct run *r, struct fz_op *op)
{
	struct rng *g = &r->rng;
	uint64_t k;

	gen_profile(r, op, FZ_PROFILE_ALL);
	if (chance(g, 45))
		return;
	k = rnd(g, 100);
	switch (op->call) {
	case FZ_MREMAP:
		if (k < 20)
			op->a[0] = bad_addr(r, op->a[0]);
		else if (k < 40)
			op->a[1] = bad_len(r, op->a[0]);
		else if (k < 60)
			op->a[2] = bad_len(r, op->a[0]);
		else if (k < 80)
			op->a[3] = rnd(g, 16);
		else
			op->a[4] = bad_addr(r, op->a[4]);
		break;
	case FZ_MADVISE:
		if (k < 25)
			op->a[0] = bad_addr(r, op->a[0]);
		else if (k < 50)
			op->a[1] = bad_len(r, op->a[0]);
		else
			op->a[2] = chance(g, 70) ? rnd(g, 30) : 99 + rnd(g, 8);
		break;
	case FZ_MLOCK:
	case FZ_MUNLOCK:
	case FZ_MLOCK2:
	case FZ_MSEAL:
	case FZ_PKEY_MPROTECT:
		if (k < 35)
			op->a[0] = bad_addr(r, op->a[0]);
		else if (k < 70)
			op->a[1] = bad_len(r, op->a[0]);
		else if (op->call == FZ_MLOCK2 || op->call == FZ_MSEAL)
			op->a[2] = rnd(g, 8);
		else if (op->call == FZ_PKEY_MPROTECT)
			op->a[3] = (uint64_t)(int64_t)((int)rnd(g, 20) - 2);
		break;
	case FZ_MLOCKALL:
		op->a[0] = rnd(g, 16);
		break;
	case FZ_MMAP:
		if (k < 15)
			op->a[0] = bad_addr(r, op->a[0]);
		else if (k < 30)
			op->a[1] = bad_len(r, op->a[0]);
		else if (k < 40)
			op->a[2] = rnd(g, 256) | (chance(g, 30) ? PROT_GROWSDOWN : 0)
				   | (chance(g, 20) ? PROT_GROWSUP : 0);
		else if (k < 60) {
			op->a[3] = (op->a[3] & ~0xfull) | rnd(g, 16);
			if (chance(g, 50))
				op->a[3] |= 1ull << rnd(g, 27);
		} else if (k < 72) {
			static const int fds[] = { -1, FD_BAD, 1000,
				FD_BASE + SLOT_EXT4_WO, FD_BASE + SLOT_EXT4_RO,
				FD_BASE + SLOT_MEMFD_RO };

			op->a[3] &= ~(uint64_t)MAP_ANONYMOUS;
			op->a[4] = (uint64_t)(int64_t)fds[rnd(g, NELEM(fds))];
		} else if (k < 84) {
			static const uint64_t offs[] = { 1, PG - 1, 1ull << 63,
				UINT64_MAX - PG + 1, 1ull << 44, EXT4_SIZE };

			op->a[5] = offs[rnd(g, NELEM(offs))];
		} else if (k < 92)
			op->a[3] |= MAP_SHARED_VALIDATE |
				    (chance(g, 50) ? MAP_SYNC : 0);
		else
			op->a[3] |= MAP_HUGETLB;
		break;
	case FZ_MUNMAP:
	case FZ_MPROTECT:
	case FZ_TOUCH:      /* its access stays READ or WRITE: a pseudo-call */
		if (k < 30)
			op->a[0] = bad_addr(r, op->a[0]);
		else if (k < 70)
			op->a[1] = bad_len(r, op->a[0]);
		else if (op->call == FZ_MPROTECT)
			op->a[2] = rnd(g, 64) | (chance(g, 30) ? PROT_GROWSDOWN : 0)
				   | (chance(g, 30) ? PROT_GROWSUP : 0);
		else
			op->a[1] += 64 * PG;    /* across holes (touch: EFAULT) */
		break;
	case FZ_BRK:
		op->a[0] = chance(g, 50) ? bad_addr(r, op->a[0])
					 : r->start_brk - PG;
		break;
	}
}

/* The call mix of a profile (errors mutates the "all" mix). */
static void gen_profile(struct run *r, struct fz_op *op, int profile)
{
	uint64_t k = rnd(&r->rng, 100);

	memset(op, 0, sizeof(*op));
	switch (profile) {
	case FZ_PROFILE_MREMAP:
		if (k < 30)
			gen_mremap(r, op);
		else
			gen_default(r, op);
		return;
	case FZ_PROFILE_LOCK:
		if (k < 35)
			gen_lock(r, op);
		else
			gen_default(r, op);
		return;
	case FZ_PROFILE_ALL:
	case FZ_PROFILE_ERRORS:
		if (k < 15)
			gen_mremap(r, op);
		else if (k < 40)
			gen_lock(r, op);
		else
			gen_default(r, op);
		return;
	default:
		gen_default(r, op);
	}
}

static void run_generate(struct run *r, struct fz_op *op)
{
	int profile = r->o ? (int)r->o->profile : FZ_PROFILE_DEFAULT;

	if (profile == FZ_PROFILE_ERRORS)
		gen_errors(r, op);
	else
		gen_profile(r, op, profile);
}

/* ---------------------------------------------------------------------- */
/* Executing a sequence                                                    */
/* ---------------------------------------------------------------------- */

/*
 * Run @n calls: generated into @ops when @generate, else taken from @ops.
 * With a model, compare after every call (maps) and every check_every
 * calls and at the end (smaps, counters).  Return the index of the first
 * divergence (the import is index -1), n when none, or -2 - errno... as
 * a negative below -1 for setup failures (*@err set).
 */
static int run_ops(struct run *r, struct fz_op *ops, int n, bool generate,
		   bool model, int check_every, int *err)
{
	char buf[512];
	int i;

	*err = run_start(r, model);
	if (*err)
		return -2;
	if (model && !run_compare(r, true)) {
		r->div_at = -1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct fz_op *op = &ops[i];
		bool full;

		if (generate) {
			int tries = 0;

			/* Redraw calls that would reach the child's memory. */
			do
				run_generate(r, op);
			while (!op_is_safe(r, op) && ++tries < 4);
		}
		op->skipped = !op_is_safe(r, op);
		op->kret = op->mret = 0;
		if (op->skipped) {
			if (r->o && r->o->verbose >= 2 && !r->quiet)
				fprintf(r->out, "  %4d (skipped) %s\n", i,
					fz_format_op(op, false, buf,
						     sizeof(buf)));
			continue;
		}
		if (fz_child_call(r->c, op)) {
			*err = -EPIPE;
			run_report(r, "  the kernel child died at call %d\n", i);
			r->div_at = i;
			return i;
		}
		if (model)
			op->mret = model_apply(r, op);
		run_note(r, op);
		if (r->o && r->o->verbose >= 2 && !r->quiet)
			fprintf(r->out, "  %4d %s\n", i,
				fz_format_op(op, true, buf, sizeof(buf)));
		if (run_refresh_view(r)) {
			*err = -EIO;
			return -2;
		}
		if (!model)
			continue;
		if (op->mret != op->kret) {
			struct sbuf b = { buf, sizeof(buf), 0 };

			fmt_result(&b, op, op->mret);
			run_report(r, "  result differs: kernel = ");
			{
				char kb[128];
				struct sbuf b2 = { kb, sizeof(kb), 0 };

				fmt_result(&b2, op, op->kret);
				run_report(r, "%s, model = %s\n", kb, buf);
			}
			(void)run_compare(r, true);
			r->div_at = i;
			return i;
		}
		full = (check_every > 0 && (i + 1) % check_every == 0) ||
		       i == n - 1;
		if (!run_compare(r, full)) {
			r->div_at = i;
			return i;
		}
	}
	return n;
}

/* ---------------------------------------------------------------------- */
/* Shrinking                                                               */
/* ---------------------------------------------------------------------- */

struct shrink {
	const struct fz_options *o;
	struct fz_setup setup;
	int runs, max_runs;
};

/* Does @ops (n calls) still diverge?  Runs a fresh child and model. */
static bool shrink_fails(struct shrink *s, struct fz_op *ops, int n)
{
	struct run r;
	int err, at;

	memset(&r, 0, sizeof(r));
	r.o = s->o;
	r.setup = s->setup;
	r.out = s->o->out;
	r.quiet = true;
	s->runs++;
	at = run_ops(&r, ops, n, false, true, 1, &err);
	run_free(&r);
	return at >= -1 && at < n;
}

/* Delta debugging (complements only): *n shrinks while failure persists. */
static void shrink_ops(struct shrink *s, struct fz_op *ops, int *n)
{
	struct fz_op *cand = malloc(sizeof(*cand) * (size_t)(*n ? *n : 1));
	int gran = 2;

	if (!cand)
		return;
	while (*n >= 2 && s->runs < s->max_runs) {
		int chunk = (*n + gran - 1) / gran, i;
		bool reduced = false;

		for (i = 0; i < gran && s->runs < s->max_runs; i++) {
			int lo = i * chunk, hi = FZ_MIN(*n, lo + chunk), m;

			if (lo >= *n)
				break;
			m = 0;
			memcpy(cand, ops, sizeof(*ops) * (size_t)lo);
			m = lo;
			memcpy(cand + m, ops + hi, sizeof(*ops) * (size_t)(*n - hi));
			m += *n - hi;
			if (m > 0 && shrink_fails(s, cand, m)) {
				memcpy(ops, cand, sizeof(*ops) * (size_t)m);
				*n = m;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (gran >= *n)
				break;
			gran = FZ_MIN(gran * 2, *n);
		}
	}
	free(cand);
}

/* ---------------------------------------------------------------------- */
/* Listings                                                                */
/* ---------------------------------------------------------------------- */

static void print_setup(FILE *f, const struct fz_setup *s)
{
	if (s->rlimit_as)
		fprintf(f, "#@ rlimit_as=%" PRIu64 "\n", s->rlimit_as);
	if (s->rlimit_data)
		fprintf(f, "#@ rlimit_data=%" PRIu64 "\n", s->rlimit_data);
	if (s->rlimit_memlock)
		fprintf(f, "#@ rlimit_memlock=%" PRIu64 "\n", s->rlimit_memlock);
	if (s->drop_ipc_lock)
		fprintf(f, "#@ cap_ipc_lock=0\n");
}

static void print_listing(FILE *f, const struct fz_op *ops, int n,
			  int div_at)
{
	char buf[512];
	int i;

	for (i = 0; i < n; i++) {
		if (ops[i].skipped)
			continue;
		fprintf(f, "%s\n", fz_format_op(&ops[i], true, buf, sizeof(buf)));
		if (i == div_at && ops[i].mret != ops[i].kret) {
			struct sbuf b = { buf, sizeof(buf), 0 };

			fmt_result(&b, &ops[i], ops[i].mret);
			fprintf(f, "# ^ model: %s\n", buf);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Public entry points                                                     */
/* ---------------------------------------------------------------------- */

/* fz_profile_name() - see fuzz.h. */
const char *fz_profile_name(int profile)
{
	static const char *names[FZ_NPROFILES] = {
		"default", "errors", "limits", "mremap", "lock", "all",
	};

	return profile >= 0 && profile < FZ_NPROFILES ? names[profile] : "unknown";
}

/* fz_options_init() - see fuzz.h. */
void fz_options_init(struct fz_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed_first = o->seed_last = 1;
	o->nops = 300;
	o->profile = FZ_PROFILE_DEFAULT;
	o->check_every = 50;
	o->shrink = true;
}

/* The limits profile's setup, drawn from the seed and the child's usage. */
static void limits_setup(uint64_t seed, struct fz_setup *s)
{
	struct fz_child *c = fz_child_start(NULL);
	struct rng g = { seed * 0x51ed2701 + 7 };
	struct kcounters kc = { 0 };
	char *st = c ? fz_child_read(c, "status") : NULL;

	memset(s, 0, sizeof(*s));
	if (st && parse_status(st, &kc) == 0) {
		s->rlimit_as = (kc.size * 1024) + rnd(&g, 4096) * 16 * PG;
		s->rlimit_data = (kc.data * 1024) + rnd(&g, 4096) * 8 * PG;
	}
	free(st);
	fz_child_stop(c);
	switch (rnd(&g, 4)) {
	case 0:
		s->rlimit_memlock = PG;     /* 0 would be "unchanged" */
		break;
	case 1:
		s->rlimit_memlock = (1 + rnd(&g, 64)) * PG;
		break;
	default:
		s->rlimit_memlock = (1 + rnd(&g, 2048)) * PG;
	}
	s->drop_ipc_lock = rnd(&g, 4) != 0;
}

static int run_seed(const struct fz_options *o, uint64_t seed,
		    struct fz_stats *st)
{
	struct fz_op *ops = calloc((size_t)o->nops + 1, sizeof(*ops));
	FILE *out = o->out ? o->out : stdout;
	struct run r;
	int at, err = 0, i, ret = 0;

	if (!ops)
		return -ENOMEM;
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.out = out;
	r.rng.s = seed * 0x2545f4914f6cdd1dull + (uint64_t)o->profile;
	if (o->profile == FZ_PROFILE_LIMITS)
		limits_setup(seed, &r.setup);
	at = run_ops(&r, ops, o->nops, true, !o->kernel_only, o->check_every,
		     &err);
	st->kernel_runs++;
	st->seeds++;
	for (i = 0; i < o->nops && (at < -1 || i <= at); i++) {
		if (ops[i].skipped)
			st->skipped++;
		else if (ops[i].kret < 0 && ops[i].kret > -4096)
			st->errors++;
		else
			st->ok++;
	}
	st->ops += (uint64_t)(at == -1 ? 0 : at >= 0 && at < o->nops ? at + 1
							: o->nops);
	if (at == -2) {
		fprintf(out, "seed %" PRIu64 ": setup failed: %s\n", seed,
			strerror(-err));
		ret = err ? err : -EIO;
		goto out;
	}
	if (o->kernel_only) {
		if (at < o->nops) {
			fprintf(out, "seed %" PRIu64 ": the kernel child died "
				"at call %d\n%s", seed, at,
				r.div_text ? r.div_text : "");
			st->failed_seeds++;
			ret = 1;
			goto out;
		}
		if (o->verbose) {
			char *maps = fz_child_read(r.c, "maps");

			fprintf(out, "seed %" PRIu64 ": final maps\n%s", seed,
				maps ? maps : "(unreadable)\n");
			free(maps);
		}
		goto out;
	}
	if (at >= o->nops) {
		if (o->verbose)
			fprintf(out, "seed %" PRIu64 ": ok (%d calls)\n", seed,
				o->nops);
		goto out;
	}
	ret = 1;
	st->failed_seeds++;
	{
		char buf[512];

		fprintf(out, "seed %" PRIu64 " (profile %s): divergence %s%d "
			"of %d\n", seed, fz_profile_name(o->profile),
			at < 0 ? "in the imported layout, before call " :
				 "at call ", at < 0 ? 0 : at, o->nops);
		if (at >= 0)
			fprintf(out, "  call: %s\n",
				fz_format_op(&ops[at], true, buf, sizeof(buf)));
		fputs(r.div_text ? r.div_text : "", out);
	}
	if (o->shrink && at >= 0) {
		struct shrink s = { o, r.setup, 0, 400 };
		int n = at + 1;

		run_free(&r);
		if (!shrink_fails(&s, ops, n)) {
			fprintf(out, "  (not reproducible on a fresh child: "
				"no shrinking)\n");
		} else {
			struct run fr;
			int fat;

			shrink_ops(&s, ops, &n);
			memset(&fr, 0, sizeof(fr));
			fr.o = o;
			fr.setup = s.setup;
			fr.out = out;
			fat = run_ops(&fr, ops, n, false, true, 1, &err);
			st->kernel_runs += (uint64_t)s.runs + 1;
			fprintf(out, "  shrunk to %d calls (%d runs); "
				"reproduction:\n", n, s.runs);
			print_setup(out, &s.setup);
			print_listing(out, ops, fat >= 0 && fat < n ? fat + 1 : n,
				      fat);
			if (fr.div_text)
				fputs(fr.div_text, out);
			run_free(&fr);
		}
	}
out:
	run_free(&r);
	free(ops);
	fflush(out);
	return ret;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fz_campaign() - see fuzz.h. */
int fz_campaign(const struct fz_options *o, struct fz_stats *st)
{
	struct fz_stats local;
	double t0 = now_sec();
	uint64_t seed;
	int ret = 0, r;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	for (seed = o->seed_first; seed <= o->seed_last; seed++) {
		r = run_seed(o, seed, st);
		if (r < 0) {
			ret = r;
			break;
		}
		if (r > 0)
			ret = 1;
		if (o->max_failures && st->failed_seeds >= (uint64_t)o->max_failures)
			break;
		if (seed == UINT64_MAX)
			break;
	}
	st->seconds = now_sec() - t0;
	return ret;
}

/* fz_replay_listing() - see fuzz.h. */
int fz_replay_listing(const char *text, FILE *out)
{
	struct fz_options o;
	struct fz_op *ops = NULL;
	struct run r;
	const char *s = text;
	int n = 0, cap = 0, lineno = 0, at, err = 0, ret;

	fz_options_init(&o);
	o.out = out;
	memset(&r, 0, sizeof(r));
	while (*s) {
		const char *eol = strchr(s, '\n');
		char line[1024];
		size_t len;

		if (!eol)
			eol = s + strlen(s);
		len = (size_t)(eol - s);
		lineno++;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, s, len);
		line[len] = 0;
		s = *eol ? eol + 1 : eol;
		{
			char *p = line;

			while (*p == ' ' || *p == '\t')
				p++;
			if (!strncmp(p, "#@", 2)) {
				char key[32];
				unsigned long long v;

				if (sscanf(p + 2, " %31[a-z_]=%lli", key, &v) != 2)
					goto bad;
				if (!strcmp(key, "rlimit_as"))
					r.setup.rlimit_as = v;
				else if (!strcmp(key, "rlimit_data"))
					r.setup.rlimit_data = v;
				else if (!strcmp(key, "rlimit_memlock"))
					r.setup.rlimit_memlock = v;
				else if (!strcmp(key, "cap_ipc_lock"))
					r.setup.drop_ipc_lock = v == 0;
				else
					goto bad;
				continue;
			}
			if (!*p || *p == '#')
				continue;
			if (n == cap) {
				int nc = cap ? cap * 2 : 32;
				struct fz_op *no = realloc(ops, sizeof(*no) * (size_t)nc);

				if (!no) {
					free(ops);
					return -ENOMEM;
				}
				ops = no;
				cap = nc;
			}
			if (fz_parse_op(p, &ops[n]))
				goto bad;
			n++;
		}
		continue;
bad:
		if (out)
			fprintf(out, "fuzz: line %d: cannot parse: %s\n", lineno,
				line);
		free(ops);
		return -EINVAL;
	}
	r.o = &o;
	r.out = out ? out : stderr;
	at = run_ops(&r, ops ? ops : (struct fz_op[1]){ { 0 } }, n, false, true,
		     1, &err);
	if (at == -2)
		ret = err ? err : -EIO;
	else if (at < n) {
		ret = 1;
		if (out) {
			char buf[512];

			if (at >= 0)
				fprintf(out, "divergence at call %d: %s\n", at,
					fz_format_op(&ops[at], true, buf,
						     sizeof(buf)));
			else
				fprintf(out, "divergence in the imported layout\n");
			fputs(r.div_text ? r.div_text : "", out);
		}
	} else
		ret = 0;
	run_free(&r);
	free(ops);
	return ret;
}
