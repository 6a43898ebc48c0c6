/*
 * vs_kernel.c - aspace against the running kernel's own VMA code, side by
 * side in one run (issue 7).  Owns the workload definition, the timing
 * method and the BENCH line format; docs/performance.md explains the
 * figures and README.md shows the table.
 *
 * The workload, identical on both sides (same seeds, same addresses
 * relative to the layout, same call sequence):
 *   layout  a PROT_NONE reservation of N slots of SLOT_PAGES pages, then
 *           every slot mapped MAP_FIXED over it, alternating PROT_READ and
 *           PROT_READ|PROT_WRITE so neighbours never merge: N VMAs;
 *   kinds   count-neutral pairs on random slots (each pair restores the
 *           layout, the figure is ns per system call, i.e. pair / 2):
 *     mprotect_mid   middle page to the other protection (1->3), back (3->1)
 *     mprotect_whole whole slot to its neighbours' protection (3->1), back
 *     munmap_mid     munmap the middle page (1->2), MAP_FIXED refill (2->1)
 *     mremap_inplace shrink to half, grow back in place
 *     mremap_move    MAYMOVE|FIXED to a free area and back
 *     mmap_gap       mmap(NULL, one page), munmap it
 *     lookup         one VMA lookup (aspace_vma_at; the kernel: mincore of
 *                    one page, its cheapest VMA-lookup syscall)
 *     mixed          a random blend of all the above
 *   whole   fork (per VMA), /proc/PID/maps text (per line), teardown: one
 *           munmap of the whole layout (per VMA), memory per VMA.
 * The kernel side runs in a forked child with raw system calls (the libc
 * wrappers), in step with the parent: for each kind the child runs its
 * batches when the parent asks (a pipe), then the parent runs the same
 * batches on aspace, so a kind's two figures are taken within a second
 * of each other (run_both()); the rest of its results come back through
 * a shared page.  Every call's
 * result is checked on both sides and the VMA count is compared before and
 * after each kind: a failed call or a drifting layout aborts the run.
 *
 * Timing: process CPU time (user + system), so time the shared machine
 * gives to other jobs is not counted.  Each kind runs REPS batches of
 * BATCH calls, each batch with its own seed (so later batches do not hit
 * warm slots), and reports the best batch.  Until round 5 the kernel
 * side ran whole before the aspace side, minutes apart on a host whose
 * other tenants change its speed by 2x; ratios then moved by +-30%.  fork and maps run REPS times,
 * best kept.
 *
 * Output, one line per kind and N:
 *   BENCH op=mixed n=60000 aspace_ns=180.4 kernel_ns=1623.0 ratio=0.111
 *   BENCH op=memory n=60000 aspace_bytes_per_vma=88 kernel_bytes_per_vma=211
 * At N = 1,000,000 (aspace only) the line carries x60k=, its cost over
 * the N = 60,000 cost.  A kind whose library call does not exist yet (weak
 * symbol unresolved) prints no line; `mixed` then blends what exists and
 * says blend=partial.
 *
 * Instruction counts: `vs_kernel --callgrind N CALLS` runs only aspace's
 * mixed blend inside cg_mixed(); see docs/performance.md for the
 * valgrind command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aspace.h"
#include "internal.h"
#include "xorshift.h"

/* Calls other developers are still writing: NULL until they link. */
#pragma weak aspace_mremap
#pragma weak aspace_fork
#pragma weak aspace_maps_into
#pragma weak aspace_vma_at
#pragma weak aspace_find_vma
#pragma weak aspace_validate

#define PG          4096ull
#define SLOT_PAGES  4ull
#define SLOT        (SLOT_PAGES * PG)
#define SCRATCH     (64 * SLOT)     /* the free area mremap_move uses */
#define BATCH       10000           /* calls per timed batch */
#define REPS        5
#define PROT_R      PROT_READ
#define PROT_RW     (PROT_READ | PROT_WRITE)
#define ANON        (MAP_PRIVATE | MAP_ANONYMOUS)

enum kind {
	K_BUILD, K_MPROT_MID, K_MPROT_WHOLE, K_MUNMAP_MID, K_MREMAP_INPLACE,
	K_MREMAP_MOVE, K_MMAP_GAP, K_LOOKUP, K_MIXED, K_FORK, K_MAPS,
	K_TEARDOWN, K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"build", "mprotect_mid", "mprotect_whole", "munmap_mid",
	"mremap_inplace", "mremap_move", "mmap_gap", "lookup", "mixed",
	"fork", "maps", "teardown",
};

/* What one side measured: ns per call, <0 when not measured. */
struct result {
	double ns[K_NKINDS];
	double bytes_per_vma;           /* <0: not readable */
	int    failed;                  /* a call failed: message printed */
};

/* ---------------------------------------------------------------------- */
/* The two sides behind one set of calls                                  */
/* ---------------------------------------------------------------------- */

static struct aspace *A;        /* the aspace side; NULL: the kernel side */
static uint64_t base, scratch;  /* layout start; a free area of SCRATCH */
static uint64_t nslots;
static bool have[K_NKINDS];     /* kind measurable on both sides */

static void die(const char *what, uint64_t a, int err)
{
	fprintf(stderr, "vs_kernel: %s side: %s at %#llx failed: %s (%d)\n",
		A ? "aspace" : "kernel", what, (unsigned long long)a,
		aspace_errno_name(err), err);
	fflush(stderr);
	_exit(2);
}

static inline uint64_t x_mmap(uint64_t addr, uint64_t len, int prot,
			      int flags)
{
	uint64_t out = 0;
	int err;

	if (A) {
		err = aspace_mmap(A, addr, len, prot, flags, NULL, 0, &out);
	} else {
		void *p = mmap((void *)addr, len, prot, flags, -1, 0);

		err = p == MAP_FAILED ? -errno : 0;
		out = (uint64_t)p;
	}
	if (err)
		die("mmap", addr, err);
	return out;
}

static inline void x_munmap(uint64_t addr, uint64_t len)
{
	int err = A ? aspace_munmap(A, addr, len) :
		(munmap((void *)addr, len) ? -errno : 0);

	if (err)
		die("munmap", addr, err);
}

static inline void x_mprotect(uint64_t addr, uint64_t len, int prot)
{
	int err = A ? aspace_mprotect(A, addr, len, prot) :
		(mprotect((void *)addr, len, prot) ? -errno : 0);

	if (err)
		die("mprotect", addr, err);
}

static inline void x_mremap(uint64_t addr, uint64_t olen, uint64_t nlen,
			    int flags, uint64_t naddr)
{
	uint64_t out = 0;
	int err;

	if (A) {
		err = aspace_mremap(A, addr, olen, nlen, flags, naddr, &out);
	} else {
		void *p = mremap((void *)addr, olen, nlen, flags,
				 (void *)naddr);

		err = p == MAP_FAILED ? -errno : 0;
		out = (uint64_t)p;
	}
	if (err)
		die("mremap", addr, err);
	if ((flags & MREMAP_FIXED) ? out != naddr : out != addr)
		die("mremap (moved)", addr, -EFAULT);
}

static inline void x_lookup(uint64_t addr)
{
	int err;

	if (A) {
		struct aspace_vma_info vi;

		err = aspace_vma_at ? aspace_vma_at(A, addr, &vi) :
			aspace_find_vma(A, addr, &vi);
		if (!err && (vi.start > addr || vi.end <= addr))
			err = -EFAULT;
	} else {
		unsigned char vec;

		err = mincore((void *)addr, PG, &vec) ? -errno : 0;
	}
	if (err)
		die("lookup", addr, err);
}

static uint64_t vma_count(void)
{
	struct aspace_counters c;
	char buf[65536];
	uint64_t lines = 0;
	ssize_t r;
	int fd;

	if (A) {
		aspace_counters(A, &c);
		return c.map_count;
	}
	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		die("open /proc/self/maps", 0, -errno);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* ---------------------------------------------------------------------- */
/* The workload                                                           */
/* ---------------------------------------------------------------------- */


/*
 * CPU time of this process (user + system): the machine is shared, and
 * wall-clock time would count the time other jobs hold the CPU.  The
 * kernel side's system calls (fork's dup_mmap included) run in this
 * process's context, so they are counted.
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int slot_prot(uint64_t i)
{
	return (i & 1) ? PROT_RW : PROT_R;
}

static inline int other_prot(int prot)
{
	return prot == PROT_R ? PROT_RW : PROT_R;
}

static inline uint64_t slot_addr(uint64_t i)
{
	return base + i * SLOT;
}

/* A random slot with a neighbour on each side. */
static inline uint64_t rnd_slot(void)
{
	return 1 + rnd() % (nslots - 2);
}

/* One count-neutral pair (or one lookup) of kind @k.  Return: calls made. */
static inline unsigned run_one(enum kind k)
{
	uint64_t i = rnd_slot(), s = slot_addr(i), a;
	int p = slot_prot(i);

	switch (k) {
	case K_MPROT_MID:
		x_mprotect(s + PG, PG, other_prot(p));
		x_mprotect(s + PG, PG, p);
		return 2;
	case K_MPROT_WHOLE:
		x_mprotect(s, SLOT, other_prot(p));
		x_mprotect(s, SLOT, p);
		return 2;
	case K_MUNMAP_MID:
		x_munmap(s + PG, PG);
		x_mmap(s + PG, PG, p, ANON | MAP_FIXED);
		return 2;
	case K_MREMAP_INPLACE:
		x_mremap(s, SLOT, SLOT / 2, 0, 0);
		x_mremap(s, SLOT / 2, SLOT, 0, 0);
		return 2;
	case K_MREMAP_MOVE:
		a = scratch + SCRATCH / 2;
		x_mremap(s, SLOT, SLOT, MREMAP_MAYMOVE | MREMAP_FIXED, a);
		x_mremap(a, SLOT, SLOT, MREMAP_MAYMOVE | MREMAP_FIXED, s);
		return 2;
	case K_MMAP_GAP:
		a = x_mmap(0, PG, PROT_RW, ANON);
		x_munmap(a, PG);
		return 2;
	case K_LOOKUP:
		x_lookup(s + (rnd() % SLOT_PAGES) * PG);
		return 1;
	default:
		abort();
	}
}

/* The kinds `mixed` draws from: every measurable pair kind and lookup. */
static enum kind blend[K_NKINDS];
static unsigned nblend;

static inline unsigned run_mixed_one(void)
{
	return run_one(blend[rnd() % nblend]);
}

/* Batch @r of about BATCH calls of @k (its own seed): ns per call. */
static double time_batch(enum kind k, uint64_t seed, int r)
{
	uint64_t calls = 0, before = vma_count();
	double t0, t;

	rng = seed * 1000003 + (uint64_t)r * 7919 + (uint64_t)k + 1;
	t0 = now();
	while (calls < BATCH)
		calls += k == K_MIXED ? run_mixed_one() : run_one(k);
	t = (now() - t0) / (double)calls;
	if (vma_count() != before)
		die("count-neutral check", 0, -EUCLEAN);
	return t;
}

/* The best of REPS batches of @k: ns per call. */
static double time_kind(enum kind k, uint64_t seed)
{
	double best = -1;

	for (int r = 0; r < REPS; r++) {
		double t = time_batch(k, seed, r);

		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/* Slab bytes of VMAs and maple nodes (objsize * active objects), or -1. */
static double kernel_slab_bytes(void)
{
	char line[512];
	double total = 0;
	int found = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long active, num, objsize;

		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &num,
			   &objsize) != 4)
			continue;
		if (!strcmp(name, "vm_area_struct") ||
		    !strcmp(name, "maple_node")) {
			total += (double)active * (double)objsize;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? total : -1;
}

/* Build the layout: reservation, then every slot MAP_FIXED over it. */
static double build_layout(uint64_t n)
{
	double t0;

	nslots = n;
	base = x_mmap(0, n * SLOT, PROT_NONE, ANON | MAP_NORESERVE);
	t0 = now();
	for (uint64_t i = 0; i < n; i++)
		x_mmap(slot_addr(i), SLOT, slot_prot(i), ANON | MAP_FIXED);
	t0 = (now() - t0) / (double)n;
	/* A free area for moves: mapped once to find it, then unmapped. */
	scratch = x_mmap(0, SCRATCH, PROT_NONE, ANON | MAP_NORESERVE);
	x_munmap(scratch, SCRATCH);
	return t0;
}

static char *maps_buf;
static size_t maps_cap;

/* One full read of /proc/self/maps (kernel) or aspace_maps_into(): ns/line. */
static double time_maps(void)
{
	double best = -1;

	for (int r = 0; r < REPS; r++) {
		uint64_t lines = 0;
		double t0 = now(), t;

		if (A) {
			/* into the same faulted-in buffer the kernel side
			 * reads into (aspace_maps() would also pay for
			 * faulting in a fresh 50 MB text at N = 1,000,000) */
			long len = aspace_maps_into(A, 0, maps_buf, maps_cap);

			if (len < 0)
				die("aspace_maps_into", 0, (int)len);
			t = now() - t0;
			for (long j = 0; j < len; j++)
				lines += maps_buf[j] == '\n';
		} else {
			size_t len = 0;
			ssize_t got;
			int fd = open("/proc/self/maps", O_RDONLY);

			if (fd < 0)
				die("open maps", 0, -errno);
			while ((got = read(fd, maps_buf + len,
					   maps_cap - len)) > 0)
				len += (size_t)got;
			close(fd);
			t = now() - t0;
			if (len >= maps_cap)
				die("maps buffer", 0, -E2BIG);
			for (size_t j = 0; j < len; j++)
				lines += maps_buf[j] == '\n';
		}
		t /= (double)lines;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/* fork of the whole address space: ns per VMA. */
static double time_fork(uint64_t nvmas)
{
	double best = -1;

	for (int r = 0; r < REPS; r++) {
		double t0 = now(), t;

		if (A) {
			struct aspace *child = NULL;
			int err = aspace_fork(A, &child);

			t = now() - t0;
			if (err)
				die("aspace_fork", 0, err);
			aspace_free(child);
		} else {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			t = now() - t0;
			if (pid < 0)
				die("fork", 0, -errno);
			waitpid(pid, NULL, 0);
		}
		t /= (double)nvmas;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/*
 * The current side's layout (A set: aspace, else the kernel), its build
 * cost and memory into @res (every kind unmeasured).  Return: its VMAs.
 */
static uint64_t side_build(uint64_t n, struct result *res, bool on_aspace)
{
	double slab0 = -1;
	size_t heap0 = as_bytes_in_use;
	struct aspace_config cfg;

	for (int k = 0; k < K_NKINDS; k++)
		res->ns[k] = -1;
	res->bytes_per_vma = -1;
	if (on_aspace) {
		heap0 = as_bytes_in_use;
		aspace_config_init(&cfg);
		if (n + 100 > (uint64_t)cfg.max_map_count)
			cfg.max_map_count = (int)(n + 100);
		A = aspace_new(&cfg);
		if (!A)
			die("aspace_new", 0, -ENOMEM);
	} else {
		A = NULL;
		slab0 = kernel_slab_bytes();
	}
	res->ns[K_BUILD] = build_layout(n);
	if (A)
		res->bytes_per_vma = (double)(as_bytes_in_use - heap0) /
			(double)n;
	else if (slab0 >= 0 && kernel_slab_bytes() >= 0)
		res->bytes_per_vma = (kernel_slab_bytes() - slab0) / (double)n;
	if (A && aspace_validate && aspace_validate(A))
		die("aspace_validate after build", 0, -EUCLEAN);
	return vma_count();
}

/* After the kinds: the layout checks, fork, maps and teardown. */
static void side_finish(uint64_t n, struct result *res, uint64_t vmas)
{
	if (A && aspace_validate && aspace_validate(A))
		die("aspace_validate after the kinds", 0, -EUCLEAN);
	if (vma_count() != vmas)
		die("layout drifted", 0, -EUCLEAN);
	if (have[K_FORK])
		res->ns[K_FORK] = time_fork(vmas);
	if (have[K_MAPS])
		res->ns[K_MAPS] = time_maps();
	{
		double t0 = now();

		x_munmap(base, n * SLOT);
		res->ns[K_TEARDOWN] = (now() - t0) / (double)n;
	}
}

/* aspace alone (N = 1,000,000): the whole workload, best batch a kind. */
static void run_aspace_only(uint64_t n, struct result *res)
{
	uint64_t vmas = side_build(n, res, true);

	for (int k = K_MPROT_MID; k <= K_MIXED; k++)
		if (have[k])
			res->ns[k] = time_kind((enum kind)k, n);
	side_finish(n, res, vmas);
}

/* ---------------------------------------------------------------------- */
/* Driver                                                                 */
/* ---------------------------------------------------------------------- */

static void decide_kinds(void)
{
	for (int k = 0; k < K_NKINDS; k++)
		have[k] = true;
	if (!aspace_mremap)
		have[K_MREMAP_INPLACE] = have[K_MREMAP_MOVE] = false;
	if (!aspace_vma_at && !aspace_find_vma)
		have[K_LOOKUP] = false;
	if (!aspace_fork)
		have[K_FORK] = false;
	if (!aspace_maps_into)
		have[K_MAPS] = false;
	nblend = 0;
	for (int k = K_MPROT_MID; k < K_MIXED; k++)
		if (have[k])
			blend[nblend++] = (enum kind)k;
}

static bool blend_partial(void)
{
	return nblend != K_MIXED - K_MPROT_MID;
}

/*
 * Both sides at @n, kind by kind in turn.  The kernel side lives in a
 * child (its own address space) that builds its layout, then runs a
 * kind's REPS batches when the parent asks through a pipe and answers
 * with its best; the parent runs the same batches (same seeds) on aspace
 * right after.  So each kind's two figures are measured within a second
 * of each other, and the host's other tenants, whose load moves over
 * minutes, weigh on both alike; each side's batches of a kind still run
 * back to back, so neither side's figure is taken right after the other
 * side has evicted its data from the caches.  fork, maps and teardown run at the end on each side.
 * Build cost, memory, fork, maps and teardown come back through a
 * shared mapping.  A failed call on either side ends the run.
 */
static void run_both(uint64_t n, struct result *kn, struct result *as)
{
	struct result *shared = mmap(NULL, sizeof(*shared),
				     PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int cmd[2], ans[2], status = 0;
	uint64_t vmas;
	char built;
	pid_t pid;

	if (shared == MAP_FAILED || pipe(cmd) || pipe(ans)) {
		perror("vs_kernel: mmap/pipe");
		exit(1);
	}
	shared->failed = 1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		int req[1];
		double t;

		close(cmd[1]);
		close(ans[0]);
		vmas = side_build(n, shared, false);
		if (write(ans[1], "b", 1) != 1)
			_exit(2);
		/* req = {kind}; < 0: the kinds are done */
		while (read(cmd[0], req, sizeof(req)) == sizeof(req) &&
		       req[0] >= 0) {
			t = time_kind((enum kind)req[0], n);
			if (write(ans[1], &t, sizeof(t)) != sizeof(t))
				_exit(2);
		}
		side_finish(n, shared, vmas);
		shared->failed = 0;
		_exit(0);
	}
	close(cmd[0]);
	close(ans[1]);
	for (int k = 0; k < K_NKINDS; k++)
		kn->ns[k] = -1;
	if (read(ans[0], &built, 1) != 1)
		goto child_failed;
	vmas = side_build(n, as, true);
	for (int k = K_MPROT_MID; k <= K_MIXED; k++) {
		int req[1] = { k };

		if (!have[k])
			continue;
		if (write(cmd[1], req, sizeof(req)) != sizeof(req) ||
		    read(ans[0], &kn->ns[k], sizeof(double)) !=
		    sizeof(double))
			goto child_failed;
		as->ns[k] = time_kind((enum kind)k, n);
	}
	{
		int req[1] = { -1 };

		if (write(cmd[1], req, sizeof(req)) != sizeof(req))
			goto child_failed;
	}
	side_finish(n, as, vmas);
child_failed:
	close(cmd[1]);
	close(ans[0]);
	waitpid(pid, &status, 0);
	for (int k = 0; k < K_NKINDS; k++)
		if (k < K_MPROT_MID || k > K_MIXED)
			kn->ns[k] = shared->ns[k];
	kn->bytes_per_vma = shared->bytes_per_vma;
	kn->failed = shared->failed;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		kn->failed = 1;
	munmap(shared, sizeof(*shared));
}

static void print_lines(uint64_t n, const struct result *as,
			const struct result *kn, const struct result *ref)
{
	for (int k = 0; k < K_NKINDS; k++) {
		if (as->ns[k] < 0 || (kn && kn->ns[k] < 0))
			continue;
		printf("BENCH op=%s n=%llu aspace_ns=%.1f", kind_name[k],
		       (unsigned long long)n, as->ns[k]);
		if (kn)
			printf(" kernel_ns=%.1f ratio=%.3f", kn->ns[k],
			       as->ns[k] / kn->ns[k]);
		if (ref && ref->ns[k] > 0)
			printf(" x60k=%.2f", as->ns[k] / ref->ns[k]);
		if (k == K_MIXED && blend_partial())
			printf(" blend=partial");
		printf("\n");
	}
	printf("BENCH op=memory n=%llu aspace_bytes_per_vma=%.0f",
	       (unsigned long long)n, as->bytes_per_vma);
	if (kn && kn->bytes_per_vma > 0)
		printf(" kernel_bytes_per_vma=%.0f", kn->bytes_per_vma);
	printf("\n");
	fflush(stdout);
}

/* One kind alone (the mixed blend by default), for valgrind
 * --toggle-collect=cg_mixed. */
__attribute__((noinline)) static uint64_t cg_mixed(uint64_t calls,
						   enum kind k)
{
	uint64_t done = 0;

	while (done < calls)
		done += k == K_MIXED ? run_mixed_one() : run_one(k);
	return done;
}

static int callgrind_mode(uint64_t n, uint64_t calls, const char *name)
{
	enum kind k = K_MIXED;
	struct aspace_config cfg;
	uint64_t done;

	size_t heap0 = as_bytes_in_use;

	aspace_config_init(&cfg);
	if (n + 100 > (uint64_t)cfg.max_map_count)
		cfg.max_map_count = (int)(n + 100);
	A = aspace_new(&cfg);
	if (!A)
		return 1;
	for (int j = K_MPROT_MID; j <= K_MIXED; j++)
		if (name && !strcmp(name, kind_name[j]) && have[j])
			k = (enum kind)j;
	build_layout(n);
	/* the layout's memory, as op=memory counts it (no kernel side) */
	printf("CALLGRIND op=memory n=%llu aspace_bytes_per_vma=%.1f\n",
	       (unsigned long long)n,
	       (double)(as_bytes_in_use - heap0) / (double)n);
	rng = 12345;
	done = cg_mixed(calls, k);
	printf("CALLGRIND op=%s n=%llu calls=%llu\n", kind_name[k],
	       (unsigned long long)n, (unsigned long long)done);
	aspace_free(A);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint64_t sizes[] = { 1000, 10000, 60000 };
	struct result as60;

	memset(&as60, 0, sizeof(as60));
	decide_kinds();
	if (argc >= 4 && !strcmp(argv[1], "--callgrind"))
		return callgrind_mode(strtoull(argv[2], NULL, 0),
				      strtoull(argv[3], NULL, 0),
				      argc > 4 ? argv[4] : NULL);
	maps_cap = 64u << 20;
	maps_buf = malloc(maps_cap);
	if (!maps_buf)
		return 1;
	memset(maps_buf, 0, maps_cap);   /* fault it in before the layout */

	printf("# vs_kernel: ns per call (fork, teardown: per VMA; maps: per "
	       "line); ratio = aspace / kernel\n");
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct result kn, as;

		run_both(sizes[s], &kn, &as);
		if (kn.failed) {
			fprintf(stderr, "vs_kernel: kernel side failed at "
				"n=%llu\n", (unsigned long long)sizes[s]);
			return 1;
		}
		aspace_free(A);
		A = NULL;
		print_lines(sizes[s], &as, &kn, NULL);
		if (sizes[s] == 60000)
			as60 = as;
	}
	{
		struct result as;

		run_aspace_only(1000000, &as);
		aspace_free(A);
		A = NULL;
		print_lines(1000000, &as, NULL, &as60);
	}
	free(maps_buf);
	return 0;
}
