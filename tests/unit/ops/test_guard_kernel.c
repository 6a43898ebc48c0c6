/*
 * test_guard_kernel.c - the guard-region rules checked against the running
 * kernel: each scenario runs in a forked child with raw system calls,
 * which probes every page with a read under a SIGSEGV handler and writes
 * one line of results ('G' a faulting page, '.' a readable one, errnos as
 * numbers) to a pipe; the same scenario then runs on the model, whose
 * line (from vma_guarded() and the calls' results) must be identical.
 * The mlock family goes through syscall(): ASan's interceptors make
 * mlock()/munlock() no-ops.
 * Skips when the kernel lacks MADV_GUARD_INSTALL (before 6.13).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vma/fixture.h"
#include "vma/vma.h"

#define KPG       4096ul
#define GI        ASPACE_MADV_GUARD_INSTALL
#define GR        ASPACE_MADV_GUARD_REMOVE
#define RW        (PROT_READ | PROT_WRITE)
#define KMAYMOVE  1
#define KFIXED    2
#define KDONTUNMAP ASPACE_MREMAP_DONTUNMAP

/* ---- the kernel side (runs in the child) ------------------------------ */

static sigjmp_buf k_jb;
static char k_out[512];
static int k_fd;                /* the pipe's write end, in the child */

static void k_segv(int sig)
{
	(void)sig;
	siglongjmp(k_jb, 1);
}

static int k_faults(volatile const char *p)
{
	if (sigsetjmp(k_jb, 1))
		return 1;
	(void)*p;
	return 0;
}

static void k_put(const char *fmt, ...)
{
	size_t n = strlen(k_out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k_out + n, sizeof(k_out) - n, fmt, ap);
	va_end(ap);
}

static void k_pat(char *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		k_put("%c", k_faults(b + i * KPG) ? 'G' : '.');
	k_put(" ");
}

static int k_err(long r)
{
	return r < 0 ? -errno : 0;
}

static char *k_anon(char *at, unsigned n, int prot, int extra)
{
	return mmap(at, n * KPG, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
		    extra, -1, 0);
}

/* Run @fn(base) in a child; its k_out line in @out.  -1: setup failed. */
static int k_run(void (*fn)(char *base), char *out, size_t cap)
{
	int fd[2], st;
	pid_t pid;
	ssize_t n;
	char *base;

	base = mmap(NULL, 256 * KPG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED || pipe(fd))
		return -1;
	munmap(base, 256 * KPG);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = k_segv;
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		k_out[0] = '\0';
		k_fd = fd[1];
		fn(base);
		n = k_out[0] ? write(fd[1], k_out, strlen(k_out)) : 0;
		_exit(n < 0);
	}
	close(fd[1]);
	n = read(fd[0], out, cap - 1);
	close(fd[0]);
	waitpid(pid, &st, 0);
	if (n < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	out[n] = '\0';
	return 0;
}

/* Does the kernel know MADV_GUARD_INSTALL? */
static bool k_has_guards(void)
{
	char *p = mmap(NULL, KPG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok = p != MAP_FAILED && madvise(p, KPG, GI) == 0;

	if (p != MAP_FAILED)
		munmap(p, KPG);
	return ok;
}

/* ---- the model side --------------------------------------------------- */

static char m_out[512];

static void m_put(const char *fmt, ...)
{
	size_t n = strlen(m_out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m_out + n, sizeof(m_out) - n, fmt, ap);
	va_end(ap);
}

/* A page faults in the model: a marker, or no VMA at all. */
static void m_pat(const struct aspace *as, uint64_t p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		m_put("%c", aspace_touch((struct aspace *)as, AT(p + i), 1,
					 ASPACE_TOUCH_READ) ? 'G' : '.');
	m_put(" ");
}

/* ---- scenario 1: install, remove, populate, mlock, discards ----------- */

static void k_basic(char *b)
{
	k_anon(b, 2, RW, 0);
	k_anon(b + 3 * KPG, 2, RW, 0);
	k_put("%d ", k_err(madvise(b, 5 * KPG, GI)));
	k_pat(b, 5);
	k_put("%d ", k_err(madvise(b, 5 * KPG, GR)));
	k_pat(b, 5);
	k_anon(b + 10 * KPG, 6, RW, 0);
	syscall(SYS_mlock, b + 12 * KPG, 2 * KPG);
	k_put("%d ", k_err(madvise(b + 10 * KPG, 6 * KPG, GI)));
	k_pat(b + 10 * KPG, 6);
	k_put("%d ", k_err(madvise(b + 10 * KPG, 6 * KPG, GR)));
	syscall(SYS_munlock, b + 12 * KPG, 2 * KPG);
	k_anon(b + 20 * KPG, 4, RW, 0);
	madvise(b + 22 * KPG, KPG, GI);
	k_put("%d ", k_err(madvise(b + 20 * KPG, 4 * KPG, 22)));
	k_put("%d ", k_err(madvise(b + 20 * KPG, 4 * KPG, 23)));
	k_put("%d ", k_err(syscall(SYS_mlock, b + 20 * KPG, 4 * KPG)));
	syscall(SYS_munlock, b + 20 * KPG, 4 * KPG);
	k_put("%d ", k_err(syscall(SYS_mlock2, b + 20 * KPG, 4 * KPG,
				   ASPACE_MLOCK_ONFAULT)));
	syscall(SYS_munlock, b + 20 * KPG, 4 * KPG);
	mprotect(b + 20 * KPG, 4 * KPG, PROT_NONE);
	mprotect(b + 20 * KPG, 4 * KPG, RW);
	k_put("%d ", k_err(madvise(b + 20 * KPG, 4 * KPG, MADV_DONTNEED)));
	k_put("%d ", k_err(madvise(b + 20 * KPG, 4 * KPG, 8 /* FREE */)));
	k_pat(b + 20 * KPG, 4);
	munmap(b + 21 * KPG, 2 * KPG);
	k_anon(b + 21 * KPG, 2, RW, 0);
	k_pat(b + 20 * KPG, 4);
}

static void m_basic(struct aspace *as)
{
	fx_map(as, 0, 2, RW, 0);
	fx_map(as, 3, 2, RW, 0);
	m_put("%d ", aspace_madvise(as, AT(0), PG(5), GI));
	m_pat(as, 0, 5);
	m_put("%d ", aspace_madvise(as, AT(0), PG(5), GR));
	m_pat(as, 0, 5);
	fx_map(as, 10, 6, RW, 0);
	aspace_mlock(as, AT(12), PG(2));
	m_put("%d ", aspace_madvise(as, AT(10), PG(6), GI));
	m_pat(as, 10, 6);
	m_put("%d ", aspace_madvise(as, AT(10), PG(6), GR));
	aspace_munlock(as, AT(12), PG(2));
	fx_map(as, 20, 4, RW, 0);
	aspace_madvise(as, AT(22), PG(1), GI);
	m_put("%d ", aspace_madvise(as, AT(20), PG(4), 22));
	m_put("%d ", aspace_madvise(as, AT(20), PG(4), 23));
	m_put("%d ", aspace_mlock(as, AT(20), PG(4)));
	aspace_munlock(as, AT(20), PG(4));
	m_put("%d ", aspace_mlock2(as, AT(20), PG(4), ASPACE_MLOCK_ONFAULT));
	aspace_munlock(as, AT(20), PG(4));
	aspace_mprotect(as, AT(20), PG(4), PROT_NONE);
	aspace_mprotect(as, AT(20), PG(4), RW);
	m_put("%d ", aspace_madvise(as, AT(20), PG(4), MADV_DONTNEED));
	m_put("%d ", aspace_madvise(as, AT(20), PG(4), 8));
	m_pat(as, 20, 4);
	aspace_munmap(as, AT(21), PG(2));
	fx_map(as, 21, 2, RW, 0);
	m_pat(as, 20, 4);
}

/* ---- scenario 2: mremap --------------------------------------------- */

static void k_mremap(char *b)
{
	char *n;

	k_anon(b, 4, RW, 0);
	madvise(b + KPG, KPG, GI);
	madvise(b + 3 * KPG, KPG, GI);
	n = mremap(b, 4 * KPG, 4 * KPG, KMAYMOVE | KFIXED, b + 20 * KPG);
	k_put("%d ", n == MAP_FAILED ? -errno : 0);
	k_anon(b, 4, RW, 0);
	k_pat(b, 4);
	k_pat(b + 20 * KPG, 4);
	n = mremap(b + 20 * KPG, 4 * KPG, 8 * KPG, KMAYMOVE | KFIXED,
		   b + 30 * KPG);
	k_put("%d ", n == MAP_FAILED ? -errno : 0);
	k_pat(b + 30 * KPG, 8);
	n = mremap(b + 30 * KPG, 8 * KPG, 2 * KPG, 0);
	n = mremap(b + 30 * KPG, 2 * KPG, 8 * KPG, 0);
	k_put("%d ", n == MAP_FAILED ? -errno : 0);
	k_pat(b + 30 * KPG, 8);
	n = mremap(b + 30 * KPG, 4 * KPG, 4 * KPG,
		   KMAYMOVE | KFIXED | KDONTUNMAP, b + 50 * KPG);
	k_put("%d ", n == MAP_FAILED ? -errno : 0);
	k_pat(b + 30 * KPG, 4);
	k_pat(b + 50 * KPG, 4);
}

static void m_mremap(struct aspace *as)
{
	uint64_t o;

	fx_map(as, 0, 4, RW, 0);
	aspace_madvise(as, AT(1), PG(1), GI);
	aspace_madvise(as, AT(3), PG(1), GI);
	m_put("%d ", aspace_mremap(as, AT(0), PG(4), PG(4), KMAYMOVE | KFIXED,
				   AT(20), &o));
	fx_map(as, 0, 4, RW, 0);
	m_pat(as, 0, 4);
	m_pat(as, 20, 4);
	m_put("%d ", aspace_mremap(as, AT(20), PG(4), PG(8),
				   KMAYMOVE | KFIXED, AT(30), &o));
	m_pat(as, 30, 8);
	aspace_mremap(as, AT(30), PG(8), PG(2), 0, 0, &o);
	m_put("%d ", aspace_mremap(as, AT(30), PG(2), PG(8), 0, 0, &o));
	m_pat(as, 30, 8);
	m_put("%d ", aspace_mremap(as, AT(30), PG(4), PG(4), KMAYMOVE |
				   KFIXED | KDONTUNMAP, AT(50), &o));
	m_pat(as, 30, 4);
	m_pat(as, 50, 4);
}

/* ---- scenario 3: fork ------------------------------------------------ */

/* Each kind of VMA at 10 * i, page 1 marked; the child reports. */
static void k_fork(char *b)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	pid_t pid;
	int st;

	if (fd < 0 || ftruncate(fd, 16 * KPG))
		_exit(2);
	k_anon(b, 4, RW, 0);
	k_anon(b + 10 * KPG, 4, RW, 0);
	madvise(b + 10 * KPG, 4 * KPG, 18);             /* WIPEONFORK */
	mmap(b + 20 * KPG, 4 * KPG, RW, MAP_PRIVATE | MAP_FIXED, fd, 0);
	mmap(b + 30 * KPG, 4 * KPG, RW, MAP_SHARED | MAP_FIXED, fd, 0);
	mmap(b + 40 * KPG, 4 * KPG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
	     -1, 0);
	k_anon(b + 50 * KPG, 4, RW, 0);
	madvise(b + 50 * KPG, 4 * KPG, MADV_DONTFORK);
	for (int i = 0; i < 6; i++)
		k_put("%d", k_err(madvise(b + (10 * i + 1) * KPG, KPG, GI)));
	k_put(" ");
	fflush(NULL);
	pid = fork();
	if (!pid) {
		/* the grandchild writes the whole line (its copy of k_out) */
		for (int i = 0; i < 6; i++)
			k_pat(b + 10 * i * KPG, 4);
		_exit(write(k_fd, k_out, strlen(k_out)) < 0);
	}
	waitpid(pid, &st, 0);
	k_out[0] = '\0';               /* nothing more from this process */
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		_exit(3);
}

static void m_fork(struct aspace *as)
{
	struct aspace_file_desc d = {
		.path = "/tmp/#1", .size = PG(16), .dev_major = 0,
		.inode = 1, .flags = ASPACE_O_READ | ASPACE_O_WRITE,
		.kind = ASPACE_FILE_REGULAR,
	};
	struct aspace_file *f = aspace_file_open(&d);
	struct aspace *ch = NULL;
	uint64_t o;

	fx_map(as, 0, 4, RW, 0);
	fx_map(as, 10, 4, RW, 0);
	aspace_madvise(as, AT(10), PG(4), 18);
	aspace_mmap(as, AT(20), PG(4), RW, MAP_PRIVATE | MAP_FIXED, f, 0, &o);
	aspace_mmap(as, AT(30), PG(4), RW, MAP_SHARED | MAP_FIXED, f, 0, &o);
	aspace_mmap(as, AT(40), PG(4), RW, MAP_SHARED | MAP_ANONYMOUS |
		    MAP_FIXED, NULL, 0, &o);
	fx_map(as, 50, 4, RW, 0);
	aspace_madvise(as, AT(50), PG(4), MADV_DONTFORK);
	for (int i = 0; i < 6; i++)
		m_put("%d", aspace_madvise(as, AT(10 * i + 1), PG(1), GI));
	m_put(" ");
	if (aspace_fork(as, &ch) == 0) {
		for (int i = 0; i < 6; i++)
			m_pat(ch, 10 * i, 4);
		aspace_free(ch);
	}
	aspace_file_put(f);
}

static int run_pair(void (*kfn)(char *), void (*mfn)(struct aspace *),
		    char *kout, size_t cap)
{
	struct aspace *as = fx_new();

	if (k_run(kfn, kout, cap))
		return -1;
	m_out[0] = '\0';
	mfn(as);
	if (aspace_validate(as))
		m_put("INVALID");
	aspace_free(as);
	return 0;
}

TEST(test_guard_kernel_basic)
{
	char k[512];

	if (!k_has_guards())
		SKIP("kernel without MADV_GUARD_INSTALL");
	ASSERT_EQ(run_pair(k_basic, m_basic, k, sizeof(k)), 0);
	ASSERT_STR_EQ(m_out, "-12 GGGGG -12 ..G.. -22 GG.... 0 -14 -14 -12 0 "
		      "0 0 ..G. .... ");
	ASSERT_STR_EQ(k, m_out);
	return PASS;
}

TEST(test_guard_kernel_mremap)
{
	char k[512];

	if (!k_has_guards())
		SKIP("kernel without MADV_GUARD_INSTALL");
	ASSERT_EQ(run_pair(k_mremap, m_mremap, k, sizeof(k)), 0);
	ASSERT_STR_EQ(m_out, "0 .... .G.G 0 .G.G.... 0 .G...... 0 .... .G.. ");
	ASSERT_STR_EQ(k, m_out);
	return PASS;
}

TEST(test_guard_kernel_fork)
{
	char k[512];

	if (!k_has_guards())
		SKIP("kernel without MADV_GUARD_INSTALL");
	ASSERT_EQ(run_pair(k_fork, m_fork, k, sizeof(k)), 0);
	ASSERT_STR_EQ(m_out, "000000 .G.. .... .G.. .G.. .G.. GGGG ");
	ASSERT_STR_EQ(k, m_out);
	return PASS;
}
