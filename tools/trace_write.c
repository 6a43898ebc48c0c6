/*
 * trace_write.c - the strace-syntax writer (see trace_write.h).  It owns the
 * spelling of every argument: flag names and their order follow strace 6.x
 * (`-f -y`), so a recording reads exactly like `strace -f -y -e
 * trace=%memory,%process` output and parses with the same reader.  Where
 * strace 6.1 drops information a replay needs (mremap's new_address with
 * MREMAP_DONTUNMAP, mseal's name, madvise guard advices) we print the
 * argument or the name newer strace versions print.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ptrace_run.h"
#include "trace_write.h"

struct flag_name {
	uint64_t    val;
	const char *name;
};

/* ------------------------------------------------------------------ */
/* Buffer                                                              */
/* ------------------------------------------------------------------ */

static void tw_reserve(struct tw_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		fprintf(stderr, "aspace trace: out of memory\n");
		exit(2);
	}
	b->p = p;
	b->cap = cap;
}

void tw_putn(struct tw_buf *b, const char *s, size_t n)
{
	tw_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void tw_puts(struct tw_buf *b, const char *s)
{
	tw_putn(b, s, strlen(s));
}

void tw_printf(struct tw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tw_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void tw_buf_free(struct tw_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void tw_quote(struct tw_buf *b, const char *s, size_t n, bool cut)
{
	size_t i;

	tw_puts(b, "\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool digit_next = i + 1 < n && s[i + 1] >= '0' &&
				  s[i + 1] <= '7';

		switch (c) {
		case '"':  tw_puts(b, "\\\""); break;
		case '\\': tw_puts(b, "\\\\"); break;
		case '\n': tw_puts(b, "\\n"); break;
		case '\t': tw_puts(b, "\\t"); break;
		case '\r': tw_puts(b, "\\r"); break;
		case '\f': tw_puts(b, "\\f"); break;
		case '\v': tw_puts(b, "\\v"); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				tw_putn(b, (const char *)&c, 1);
			else if (digit_next)
				tw_printf(b, "\\%03o", c);
			else
				tw_printf(b, "\\%o", c);
		}
	}
	tw_puts(b, cut ? "\"..." : "\"");
}

/* ------------------------------------------------------------------ */
/* Argument spelling                                                   */
/* ------------------------------------------------------------------ */

static const struct flag_name prot_names[] = {
	{ 0x1, "PROT_READ" }, { 0x2, "PROT_WRITE" }, { 0x4, "PROT_EXEC" },
	{ 0x8, "PROT_SEM" }, { 0x01000000, "PROT_GROWSDOWN" },
	{ 0x02000000, "PROT_GROWSUP" },
};

/* mmap flags after the type bits, in strace's order (ascending value). */
static const struct flag_name map_names[] = {
	{ 0x10, "MAP_FIXED" }, { 0x20, "MAP_ANONYMOUS" },
	{ 0x40, "MAP_32BIT" }, { 0x80, "MAP_ABOVE4G" },
	{ 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" },
	{ 0x1000, "MAP_EXECUTABLE" }, { 0x2000, "MAP_LOCKED" },
	{ 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" },
	{ 0x10000, "MAP_NONBLOCK" }, { 0x20000, "MAP_STACK" },
	{ 0x40000, "MAP_HUGETLB" }, { 0x80000, "MAP_SYNC" },
	{ 0x100000, "MAP_FIXED_NOREPLACE" },
	{ 0x4000000, "MAP_UNINITIALIZED" },
};

static const struct flag_name mremap_names[] = {
	{ 1, "MREMAP_MAYMOVE" }, { 2, "MREMAP_FIXED" },
	{ 4, "MREMAP_DONTUNMAP" },
};

static const struct flag_name mcl_names[] = {
	{ 1, "MCL_CURRENT" }, { 2, "MCL_FUTURE" }, { 4, "MCL_ONFAULT" },
};

static const struct flag_name mlock2_names[] = {
	{ 1, "MLOCK_ONFAULT" },
};

static const struct flag_name shm_names[] = {
	{ 010000, "SHM_RDONLY" }, { 020000, "SHM_RND" },
	{ 040000, "SHM_REMAP" }, { 0100000, "SHM_EXEC" },
};

static const struct flag_name ipc_names[] = {
	{ 01000, "IPC_CREAT" }, { 02000, "IPC_EXCL" },
	{ 04000, "SHM_HUGETLB" }, { 010000, "SHM_NORESERVE" },
};

static const struct flag_name madv_names[] = {
	{ 0, "MADV_NORMAL" }, { 1, "MADV_RANDOM" }, { 2, "MADV_SEQUENTIAL" },
	{ 3, "MADV_WILLNEED" }, { 4, "MADV_DONTNEED" }, { 8, "MADV_FREE" },
	{ 9, "MADV_REMOVE" }, { 10, "MADV_DONTFORK" }, { 11, "MADV_DOFORK" },
	{ 12, "MADV_MERGEABLE" }, { 13, "MADV_UNMERGEABLE" },
	{ 14, "MADV_HUGEPAGE" }, { 15, "MADV_NOHUGEPAGE" },
	{ 16, "MADV_DONTDUMP" }, { 17, "MADV_DODUMP" },
	{ 18, "MADV_WIPEONFORK" }, { 19, "MADV_KEEPONFORK" },
	{ 20, "MADV_COLD" }, { 21, "MADV_PAGEOUT" },
	{ 22, "MADV_POPULATE_READ" }, { 23, "MADV_POPULATE_WRITE" },
	{ 24, "MADV_DONTNEED_LOCKED" }, { 25, "MADV_COLLAPSE" },
	{ 100, "MADV_HWPOISON" }, { 101, "MADV_SOFT_OFFLINE" },
	{ 102, "MADV_GUARD_INSTALL" }, { 103, "MADV_GUARD_REMOVE" },
};

static const struct flag_name clone_names[] = {
	{ 0x00000100, "CLONE_VM" }, { 0x00000200, "CLONE_FS" },
	{ 0x00000400, "CLONE_FILES" }, { 0x00000800, "CLONE_SIGHAND" },
	{ 0x00001000, "CLONE_PIDFD" }, { 0x00002000, "CLONE_PTRACE" },
	{ 0x00004000, "CLONE_VFORK" }, { 0x00008000, "CLONE_PARENT" },
	{ 0x00010000, "CLONE_THREAD" }, { 0x00020000, "CLONE_NEWNS" },
	{ 0x00040000, "CLONE_SYSVSEM" }, { 0x00080000, "CLONE_SETTLS" },
	{ 0x00100000, "CLONE_PARENT_SETTID" },
	{ 0x00200000, "CLONE_CHILD_CLEARTID" },
	{ 0x00400000, "CLONE_DETACHED" }, { 0x00800000, "CLONE_UNTRACED" },
	{ 0x01000000, "CLONE_CHILD_SETTID" },
	{ 0x02000000, "CLONE_NEWCGROUP" }, { 0x04000000, "CLONE_NEWUTS" },
	{ 0x08000000, "CLONE_NEWIPC" }, { 0x10000000, "CLONE_NEWUSER" },
	{ 0x20000000, "CLONE_NEWPID" }, { 0x40000000, "CLONE_NEWNET" },
	{ 0x80000000ull, "CLONE_IO" },
	{ 0x100000000ull, "CLONE_CLEAR_SIGHAND" },
	{ 0x200000000ull, "CLONE_INTO_CGROUP" },
};

#define NAMES(a) a, sizeof(a) / sizeof(a[0])

/* "A|B|0x40" in table order; "0" (or @zero) when nothing is set. */
static void tw_flags(struct tw_buf *b, uint64_t v, const struct flag_name *t,
		     size_t n, const char *zero)
{
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].val && (v & t[i].val) == t[i].val) {
			tw_printf(b, "%s%s", any ? "|" : "", t[i].name);
			v &= ~t[i].val;
			any = true;
		}
	}
	if (v || !any) {
		if (!v && zero)
			tw_puts(b, zero);
		else
			tw_printf(b, "%s%#llx", any ? "|" : "",
				  (unsigned long long)v);
	}
}

static void tw_value(struct tw_buf *b, uint64_t v, const struct flag_name *t,
		     size_t n, const char *unknown)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].val == v) {
			tw_puts(b, t[i].name);
			return;
		}
	}
	tw_printf(b, "%#llx /* %s */", (unsigned long long)v, unknown);
}

void tw_prot(struct tw_buf *b, uint64_t prot)
{
	tw_flags(b, prot & 0xffffffffu, NAMES(prot_names), "PROT_NONE");
}

void tw_mmap_flags(struct tw_buf *b, uint64_t flags)
{
	static const char *types[16] = {
		[1] = "MAP_SHARED", [2] = "MAP_PRIVATE",
		[3] = "MAP_SHARED_VALIDATE", [8] = "MAP_DROPPABLE",
	};
	unsigned type = flags & 0xf;
	uint64_t rest = flags & 0xffffffffu & ~0xfull, huge = 0;

	if (types[type])
		tw_puts(b, types[type]);
	else
		tw_printf(b, "%#x /* MAP_??? */", type);
	/*
	 * The huge page size (bits 26..31 with MAP_HUGETLB) is left as a
	 * numeric leftover: strace prints "21<<MAP_HUGE_SHIFT", which the
	 * replay parser does not read (docs/trace.md).
	 */
	if (rest & 0x40000) {
		huge = rest & (0x3full << 26);
		rest &= ~huge;
	}
	if (rest) {
		tw_puts(b, "|");
		tw_flags(b, rest, NAMES(map_names), NULL);
	}
	if (huge)
		tw_printf(b, "|%#llx", (unsigned long long)huge);
}

static void tw_addr(struct tw_buf *b, uint64_t a)
{
	if (a)
		tw_printf(b, "%#llx", (unsigned long long)a);
	else
		tw_puts(b, "NULL");
}

static void tw_fd(struct tw_buf *b, uint64_t fd, const char *path)
{
	int v = (int)(uint32_t)fd;

	if (path && v >= 0)
		tw_printf(b, "%d<%s>", v, path);
	else
		tw_printf(b, "%d", v);
}

void tw_errno(struct tw_buf *b, int err)
{
	const char *name = strerrorname_np(-err);

	if (name)
		tw_printf(b, " = -1 %s (%s)", name, strerror(-err));
	else
		tw_printf(b, " = -1 E%d (Unknown error %d)", -err, -err);
}

static void tw_signame(struct tw_buf *b, int sig)
{
	const char *n = sigabbrev_np(sig);

	if (n)
		tw_printf(b, "SIG%s", n);
	else
		tw_printf(b, "%d", sig);
}

const char *tw_call_name(int nr)
{
	switch (nr) {
	case PT_NR_MMAP: return "mmap";
	case PT_NR_MPROTECT: return "mprotect";
	case PT_NR_MUNMAP: return "munmap";
	case PT_NR_BRK: return "brk";
	case PT_NR_MREMAP: return "mremap";
	case PT_NR_MADVISE: return "madvise";
	case PT_NR_SHMAT: return "shmat";
	case PT_NR_CLONE: return "clone";
	case PT_NR_FORK: return "fork";
	case PT_NR_VFORK: return "vfork";
	case PT_NR_EXECVE: return "execve";
	case PT_NR_EXIT: return "exit";
	case PT_NR_SHMDT: return "shmdt";
	case PT_NR_SHMGET: return "shmget";
	case PT_NR_MLOCK: return "mlock";
	case PT_NR_MUNLOCK: return "munlock";
	case PT_NR_MLOCKALL: return "mlockall";
	case PT_NR_MUNLOCKALL: return "munlockall";
	case PT_NR_PRCTL: return "prctl";
	case PT_NR_EXIT_GROUP: return "exit_group";
	case PT_NR_EXECVEAT: return "execveat";
	case PT_NR_MLOCK2: return "mlock2";
	case PT_NR_PKEY_MPROTECT: return "pkey_mprotect";
	case PT_NR_CLONE3: return "clone3";
	case PT_NR_PROCESS_MADVISE: return "process_madvise";
	case PT_NR_MSEAL: return "mseal";
	}
	return NULL;
}

/* The result: hex for calls returning addresses, decimal otherwise. */
static void tw_result(struct tw_buf *b, const struct tw_call *c)
{
	if (c->no_return) {
		tw_puts(b, " = ?");
		return;
	}
	if (c->ret < 0 && c->ret >= -4095) {
		tw_errno(b, (int)c->ret);
		return;
	}
	switch (c->nr) {
	case PT_NR_MMAP:
	case PT_NR_MREMAP:
	case PT_NR_BRK:
	case PT_NR_SHMAT:
		tw_printf(b, " = %#llx", (unsigned long long)c->ret);
		break;
	default:
		tw_printf(b, " = %lld", (long long)c->ret);
	}
}

static void tw_args(struct tw_buf *b, const struct tw_call *c)
{
	const uint64_t *a = c->args;
	const char *text = c->text ? c->text : "";

	switch (c->nr) {
	case PT_NR_MMAP:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu, ", (unsigned long long)a[1]);
		tw_prot(b, a[2]);
		tw_puts(b, ", ");
		tw_mmap_flags(b, a[3]);
		tw_puts(b, ", ");
		tw_fd(b, a[4], c->path);
		tw_printf(b, a[5] ? ", %#llx" : ", %llu",
			  (unsigned long long)a[5]);
		break;
	case PT_NR_MPROTECT:
	case PT_NR_PKEY_MPROTECT:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu, ", (unsigned long long)a[1]);
		tw_prot(b, a[2]);
		if (c->nr == PT_NR_PKEY_MPROTECT)
			tw_printf(b, ", %d", (int)a[3]);
		break;
	case PT_NR_MUNMAP:
	case PT_NR_MLOCK:
	case PT_NR_MUNLOCK:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu", (unsigned long long)a[1]);
		break;
	case PT_NR_MLOCK2:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu, ", (unsigned long long)a[1]);
		tw_flags(b, a[2] & 0xffffffffu, NAMES(mlock2_names), "0");
		break;
	case PT_NR_MSEAL:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu, %llu", (unsigned long long)a[1],
			  (unsigned long long)a[2]);
		break;
	case PT_NR_BRK:
		tw_addr(b, a[0]);
		break;
	case PT_NR_MREMAP:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu, %llu, ", (unsigned long long)a[1],
			  (unsigned long long)a[2]);
		tw_flags(b, a[3] & 0xffffffffu, NAMES(mremap_names), "0");
		if (a[3] & 6) {     /* MREMAP_FIXED or the DONTUNMAP hint */
			tw_puts(b, ", ");
			tw_addr(b, a[4]);
		}
		break;
	case PT_NR_MADVISE:
		tw_addr(b, a[0]);
		tw_printf(b, ", %llu, ", (unsigned long long)a[1]);
		tw_value(b, a[2] & 0xffffffffu, NAMES(madv_names), "MADV_???");
		break;
	case PT_NR_PROCESS_MADVISE:
		tw_fd(b, a[0], c->path);
		tw_printf(b, ", %s, %llu, ", text, (unsigned long long)a[2]);
		tw_value(b, a[3] & 0xffffffffu, NAMES(madv_names), "MADV_???");
		tw_printf(b, ", %llu", (unsigned long long)a[4]);
		break;
	case PT_NR_MLOCKALL:
		tw_flags(b, a[0] & 0xffffffffu, NAMES(mcl_names), "0");
		break;
	case PT_NR_MUNLOCKALL:
	case PT_NR_FORK:
	case PT_NR_VFORK:
		break;
	case PT_NR_SHMAT:
		tw_printf(b, "%d, ", (int)a[0]);
		tw_addr(b, a[1]);
		tw_puts(b, ", ");
		tw_flags(b, a[2] & 0xffffffffu, NAMES(shm_names), "0");
		break;
	case PT_NR_SHMDT:
		tw_addr(b, a[0]);
		break;
	case PT_NR_SHMGET:
		if (a[0] == 0)
			tw_puts(b, "IPC_PRIVATE");
		else
			tw_printf(b, "%#x", (unsigned)a[0]);
		tw_printf(b, ", %llu, ", (unsigned long long)a[1]);
		tw_flags(b, a[2] & 0xfe00u, NAMES(ipc_names), NULL);
		if (a[2] & 0xfe00u)
			tw_puts(b, "|");
		tw_printf(b, "%#o", (unsigned)(a[2] & 0777));
		break;
	case PT_NR_PRCTL:
		/* only PR_SET_VMA reaches the writer (the filter) */
		tw_puts(b, "PR_SET_VMA, ");
		if (a[1] == 0)
			tw_puts(b, "PR_SET_VMA_ANON_NAME");
		else
			tw_printf(b, "%#llx", (unsigned long long)a[1]);
		tw_puts(b, ", ");
		tw_addr(b, a[2]);
		tw_printf(b, ", %llu, %s", (unsigned long long)a[3],
			  *text ? text : "NULL");
		break;
	case PT_NR_CLONE:
		tw_puts(b, "child_stack=");
		tw_addr(b, a[1]);
		tw_puts(b, ", flags=");
		tw_flags(b, a[0] & ~0xffull, NAMES(clone_names), NULL);
		if (a[0] & 0xff) {
			if (a[0] & ~0xffull)
				tw_puts(b, "|");
			tw_signame(b, (int)(a[0] & 0xff));
		}
		if (a[0] & 0x00100000)
			tw_printf(b, ", parent_tid=%#llx",
				  (unsigned long long)a[2]);
		if (a[0] & 0x01200000)
			tw_printf(b, ", child_tidptr=%#llx",
				  (unsigned long long)a[3]);
		if (a[0] & 0x00080000)
			tw_printf(b, ", tls=%#llx", (unsigned long long)a[4]);
		break;
	case PT_NR_CLONE3:
		tw_printf(b, "%s, %llu", text, (unsigned long long)a[1]);
		break;
	case PT_NR_EXECVE:
		tw_puts(b, text);
		break;
	case PT_NR_EXECVEAT:
		if ((int)a[0] == -100)
			tw_puts(b, "AT_FDCWD, ");
		else
			tw_printf(b, "%d, ", (int)a[0]);
		tw_printf(b, "%s, %#llx", text, (unsigned long long)a[4]);
		break;
	case PT_NR_EXIT:
	case PT_NR_EXIT_GROUP:
		tw_printf(b, "%d", (int)a[0]);
		break;
	}
}

void tw_clone3_struct(struct tw_buf *b, const struct tw_clone_args *ca)
{
	tw_puts(b, "{flags=");
	tw_flags(b, ca->flags, NAMES(clone_names), "0");
	if (ca->flags & 0x00001000)
		tw_printf(b, ", pidfd=%#llx", (unsigned long long)ca->pidfd);
	if (ca->flags & 0x01200000)
		tw_printf(b, ", child_tid=%#llx",
			  (unsigned long long)ca->child_tid);
	if (ca->flags & 0x00100000)
		tw_printf(b, ", parent_tid=%#llx",
			  (unsigned long long)ca->parent_tid);
	tw_puts(b, ", exit_signal=");
	if (ca->exit_signal)
		tw_signame(b, (int)ca->exit_signal);
	else
		tw_puts(b, "0");
	tw_puts(b, ", stack=");
	tw_addr(b, ca->stack);
	tw_printf(b, ", stack_size=%#llx", (unsigned long long)ca->stack_size);
	if (ca->flags & 0x00080000)
		tw_printf(b, ", tls=%#llx", (unsigned long long)ca->tls);
	tw_puts(b, "}");
}

int tw_call(struct tw_buf *b, const struct tw_call *c)
{
	const char *name = tw_call_name(c->nr);

	if (!name)
		return -1;
	tw_printf(b, "%-5d %s(", (int)c->tid, name);
	tw_args(b, c);
	tw_puts(b, ")");
	tw_result(b, c);
	tw_puts(b, "\n");
	return 0;
}

void tw_touch(struct tw_buf *b, pid_t tid, uint64_t addr, uint64_t len,
	      int access, int ret)
{
	tw_printf(b, "%-5d touch(%#llx, %llu, ", (int)tid,
		  (unsigned long long)addr, (unsigned long long)len);
	tw_prot(b, (uint64_t)access);
	tw_puts(b, ")");
	if (ret < 0)
		tw_errno(b, ret);
	else
		tw_puts(b, " = 0");
	tw_puts(b, "\n");
}

void tw_exited(struct tw_buf *b, pid_t tid, int st)
{
	if (WIFSIGNALED(st)) {
		tw_printf(b, "%-5d +++ killed by ", (int)tid);
		tw_signame(b, WTERMSIG(st));
		tw_puts(b, WCOREDUMP(st) ? " (core dumped) +++\n" : " +++\n");
	} else {
		tw_printf(b, "%-5d +++ exited with %d +++\n", (int)tid,
			  WEXITSTATUS(st));
	}
}

void tw_maps_key(struct tw_buf *b, const char *line, size_t len)
{
	const char *p = line, *e = line + len;
	int field = 0;

	while (p < e && field < 5) {
		const char *s = p;

		while (p < e && *p != ' ')
			p++;
		if (field < 3)
			tw_printf(b, "%s%.*s", field ? " " : "", (int)(p - s), s);
		while (p < e && *p == ' ')
			p++;
		field++;
	}
	if (p < e)
		tw_printf(b, " %.*s", (int)(e - p), p);
	tw_putn(b, "\n", 1);
}
