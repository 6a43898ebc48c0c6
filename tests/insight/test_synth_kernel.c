/*
 * test_synth_kernel.c - the pattern of `aspace synth` run on the real
 * kernel, against the model.  A forked child maps 32768 chunks of 64 KiB
 * read-write (as synth does), then with raw system calls makes the last
 * page of each chunk PROT_NONE until mprotect fails, and three more after
 * that.  It saves /proc/self/maps just after the mmap and at the end, and
 * every call's result.  The parent imports the first layout into a model
 * (the child's own VMAs count towards map_count too), runs the very same
 * calls and requires the same result for every call (which call fails
 * first, with which errno), the same map_count, and the same final layout,
 * line for line.
 *
 * The child makes its VMA count odd before the guards (one edge split at
 * the region's first page when needed), so the first failing mprotect
 * starts at max_map_count - 1: the kernel keeps its first split (the count
 * reaches max_map_count) and returns ENOMEM; the next ones fail with
 * nothing changed (spec/02 §3.3, table row "mprotect of a page strictly
 * inside a VMA").  The trace `aspace synth` writes (which starts from an
 * empty address space: one VMA before the guards) must fail at the guard
 * shifted by the child's extra VMAs, two per guard.  About a second;
 * skipped when the 2 GiB mapping is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aspace.h"
#include "../../tools/insight.h"
#include "../harness.h"
#include "insight_test.h"

#define SK_CHUNK   65536ull
#define SK_GUARDS  32768ull
#define SK_AFTER   3            /* calls made after the first failure */
#define SK_MAXCALL (SK_GUARDS + 1)
#define SK_BUF     (64ull << 20)

struct sk_call {
	uint64_t addr;
	int32_t  prot;
	int32_t  err;           /* 0 or a positive errno */
};

/* What the child leaves: a header, then the calls. */
struct sk_head {
	uint64_t base, len;
	int32_t  ncalls, mmap_err;
};

static long sk_read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	long r;

	while (n + 1 < cap && (r = syscall(SYS_read, fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return (long)n;
}

/* Copy /proc/self/maps into file @path with raw calls: no allocation, so
 * no VMA appears for the copy itself. */
static int sk_save_maps(char *buf, const char *path)
{
	int in = (int)syscall(SYS_open, "/proc/self/maps", O_RDONLY, 0);
	int out = (int)syscall(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long n;

	if (in < 0 || out < 0)
		return -1;
	n = sk_read_all(in, buf, SK_BUF);
	syscall(SYS_close, in);
	if (syscall(SYS_write, out, buf, (size_t)n) != n)
		return -1;
	syscall(SYS_close, out);
	return 0;
}

/* map_count as the kernel counts it: the lines of maps but [vsyscall]. */
static int sk_map_count(const char *maps)
{
	const char *p;
	int n = 0;

	for (p = maps; *p; p++)
		n += *p == '\n';
	return n - (strstr(maps, "[vsyscall]") ? 1 : 0);
}

/* One mprotect by raw system call, recorded in @c. */
static void sk_mprotect(struct sk_call *c, uint64_t addr, int prot)
{
	c->addr = addr;
	c->prot = prot;
	c->err = syscall(SYS_mprotect, addr, 4096, prot) ? errno : 0;
}

static void sk_child(const char *dir)
{
	char path[256];
	struct sk_head h = { 0 };
	struct sk_call *calls;
	char *buf;
	uint64_t i;
	int fails = 0, fd;
	long r;

	/* MAP_SHARED: the buffer never merges with the region below it */
	buf = (char *)syscall(SYS_mmap, 0, SK_BUF, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	calls = (struct sk_call *)syscall(SYS_mmap, 0,
					  SK_MAXCALL * sizeof(*calls),
					  PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || calls == MAP_FAILED)
		_exit(3);
	h.len = SK_GUARDS * SK_CHUNK;
	r = syscall(SYS_mmap, 0, h.len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == -1)
		h.mmap_err = errno;
	else
		h.base = (uint64_t)r;
	snprintf(path, sizeof(path), "%s/before.maps", dir);
	if (!h.mmap_err && sk_save_maps(buf, path))
		_exit(4);
	/* an odd count: the left edge split of the region's first page */
	if (!h.mmap_err && sk_map_count(buf) % 2 == 0)
		sk_mprotect(&calls[h.ncalls++], h.base, PROT_READ);
	for (i = 0; !h.mmap_err && i < SK_GUARDS && fails <= SK_AFTER; i++) {
		sk_mprotect(&calls[h.ncalls], h.base + i * SK_CHUNK + SK_CHUNK -
			    4096, PROT_NONE);
		fails += calls[h.ncalls++].err != 0;
	}
	snprintf(path, sizeof(path), "%s/after.maps", dir);
	if (!h.mmap_err && sk_save_maps(buf, path))
		_exit(5);
	snprintf(path, sizeof(path), "%s/calls.bin", dir);
	fd = (int)syscall(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 ||
	    syscall(SYS_write, fd, &h, sizeof(h)) != (long)sizeof(h) ||
	    syscall(SYS_write, fd, calls, h.ncalls * sizeof(*calls)) !=
	    (long)(h.ncalls * sizeof(*calls)))
		_exit(6);
	_exit(0);
}

/* @maps without its [vsyscall] line (the model prints none). */
static void sk_drop_vsyscall(char *maps)
{
	char *p = strstr(maps, "[vsyscall]"), *bol;

	if (!p)
		return;
	bol = p;
	while (bol > maps && bol[-1] != '\n')
		bol--;
	p += strcspn(p, "\n");
	if (*p)
		p++;
	memmove(bol, p, strlen(p) + 1);
}

static void sk_cleanup(const char *dir)
{
	const char *names[] = { "before.maps", "after.maps", "calls.bin" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The index of the first failing call, or -1. */
static int sk_first_failure(const struct sk_call *c, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (c[i].err)
			return i;
	return -1;
}

/* Does a maps line start at @addr? */
static bool sk_starts_at(const char *maps, uint64_t addr)
{
	char key[32];

	snprintf(key, sizeof(key), "\n%llx-", (unsigned long long)addr);
	return strncmp(maps, key + 1, strlen(key + 1)) == 0 ||
		strstr(maps, key) != NULL;
}

/* The 0-based index of the first guard of `aspace synth`'s trace that
 * fails with ENOMEM, or -1. */
static int sk_synth_first_failure(void)
{
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i = -1, k = 0;

	if (!f)
		return -1;
	if (synth_write(f, SK_GUARDS, 0, SK_CHUNK) == 0) {
		fclose(f);
		f = NULL;
		/* line by line: strstr() over the rest of a 2 MB text at
		 * every line is quadratic under ASan (it checks the whole
		 * haystack) */
		for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			const char *eq;

			if (strncmp(p, "mprotect(", 9))
				continue;
			eq = strchr(p, '=');
			if (eq && !strncmp(eq, "= -1 ENOMEM", 11)) {
				i = k;
				break;
			}
			k++;
		}
	}
	if (f)
		fclose(f);
	free(buf);
	return i;
}

static int sk_compare(const char *dir)
{
	char path[256];
	char *before, *after, *bin, *mine;
	struct sk_head h;
	struct sk_call *calls;
	struct aspace_config cfg;
	struct aspace_counters cnt;
	struct aspace_import_error ie;
	struct aspace *as;
	size_t blen = 0;
	int i, first, kcount, maxc;
	FILE *f;

	snprintf(path, sizeof(path), "%s/calls.bin", dir);
	bin = it_slurp(path, &blen);
	ASSERT_TRUE(bin && blen >= sizeof(h));
	memcpy(&h, bin, sizeof(h));
	if (h.mmap_err) {
		free(bin);
		SKIP("the 2 GiB read-write mapping was refused");
	}
	ASSERT_EQ(blen, sizeof(h) + (size_t)h.ncalls * sizeof(*calls));
	calls = (struct sk_call *)(bin + sizeof(h));
	snprintf(path, sizeof(path), "%s/before.maps", dir);
	before = it_slurp(path, NULL);
	snprintf(path, sizeof(path), "%s/after.maps", dir);
	after = it_slurp(path, NULL);
	ASSERT_TRUE(before && after);

	f = fopen("/proc/sys/vm/max_map_count", "r");
	ASSERT_TRUE(f && fscanf(f, "%d", &maxc) == 1);
	fclose(f);

	/* the kernel: the limit reached, the first failure kept one split */
	first = sk_first_failure(calls, h.ncalls);
	kcount = sk_map_count(after);
	printf("      kernel: %d VMAs after the mmap, first failure at call %d "
	       "(%s), %d VMAs at the end (max_map_count %d)\n",
	       sk_map_count(before), first, first >= 0 ?
	       strerror(calls[first].err) : "none", kcount, maxc);
	ASSERT_TRUE(first > 0);
	ASSERT_EQ(calls[first].err, ENOMEM);
	ASSERT_EQ(h.ncalls, first + 1 + SK_AFTER);
	for (i = first; i < h.ncalls; i++)
		ASSERT_EQ(calls[i].err, ENOMEM);
	ASSERT_EQ(kcount, maxc);
	ASSERT_EQ(sk_map_count(before) % 2 == 0, calls[0].addr == h.base);
	/* the failing call started at max - 1 (odd + 2 per guard): its
	 * first split stays, its second was refused */
	ASSERT_TRUE(sk_starts_at(after, calls[first].addr));
	ASSERT_TRUE(!sk_starts_at(after, calls[first].addr + 4096));
	/* synth's trace: 1 VMA before its guards, the child an odd count */
	{
		int odd = sk_map_count(before) | 1;
		int guard = first - (calls[0].addr == h.base);

		ASSERT_EQ(sk_synth_first_failure(), 32764);
		ASSERT_EQ(guard, 32764 - (odd - 1) / 2);
	}

	/* the model: the same start, the same calls */
	aspace_config_init(&cfg);
	cfg.max_map_count = maxc;
	as = aspace_new(&cfg);
	ASSERT_TRUE(as != NULL);
	ASSERT_EQ(aspace_import_maps(as, before, &ie), 0);
	aspace_counters(as, &cnt);
	ASSERT_EQ(cnt.map_count, sk_map_count(before));
	for (i = 0; i < h.ncalls; i++) {
		int err = aspace_mprotect(as, calls[i].addr, 4096, calls[i].prot);

		if (err != -calls[i].err)
			FAILF("call %d mprotect(%#llx, 4096, %d): kernel %d, "
			      "model %d", i, (unsigned long long)calls[i].addr,
			      calls[i].prot, -calls[i].err, err);
		ASSERT_TRUE(!err || !aspace_last_oom(as));
	}
	aspace_counters(as, &cnt);
	ASSERT_EQ(cnt.map_count, kcount);
	mine = aspace_maps(as, 0);
	ASSERT_TRUE(mine != NULL);
	sk_drop_vsyscall(after);
	ASSERT_EQ(strlen(mine), strlen(after));
	ASSERT_TRUE(strcmp(mine, after) == 0);
	aspace_free_text(mine);
	aspace_free(as);
	free(before);
	free(after);
	free(bin);
	return PASS;
}

TEST(synth_pattern_matches_kernel)
{
	char dir[] = "/tmp/aspace-synth-kernel-XXXXXX";
	pid_t pid;
	int st = 0, rc;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	fflush(NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		alarm(60);
		sk_child(dir);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		sk_cleanup(dir);
		FAILF("kernel child: status %#x", st);
	}
	rc = sk_compare(dir);
	sk_cleanup(dir);
	return rc;
}
