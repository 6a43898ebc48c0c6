/*
 * trace_parse.c - the strace-syntax parser of memory traces (spec/08).
 *
 * Owns the text side of a trace: line prefixes (PID, timestamps), the
 * pairing of <unfinished ...> and <... NAME resumed> halves by PID, the
 * argument grammar of the calls that change a model (numbers, NULL, flag
 * sets with numeric leftovers, -y file paths with strace's escapes,
 * strings, clone's named arguments, clone3's struct, process_madvise's
 * iovec array), results, and the `#@` / `#|` extension lines.
 *
 * Invariant: a record handed out is either complete and consistent or
 * the line is an error with its 1-based line and column; calls that do not
 * change a model are only split far enough to find their result, so odd
 * arguments of skipped calls never fail a trace.
 */
#define _GNU_SOURCE 1
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracefmt.h"

/* ------------------------------------------------------------------ */
/* Names and numbers                                                   */
/* ------------------------------------------------------------------ */

struct sysname {
	const char *name;
	enum tsys   sys;
	long        nr;         /* x86-64 number, -1 for the pseudo-call */
};

static const struct sysname sysnames[] = {
	{ "mmap", TS_MMAP, 9 },
	{ "munmap", TS_MUNMAP, 11 },
	{ "mremap", TS_MREMAP, 25 },
	{ "mprotect", TS_MPROTECT, 10 },
	{ "pkey_mprotect", TS_PKEY_MPROTECT, 329 },
	{ "madvise", TS_MADVISE, 28 },
	{ "process_madvise", TS_PROCESS_MADVISE, 440 },
	{ "mlock", TS_MLOCK, 149 },
	{ "mlock2", TS_MLOCK2, 325 },
	{ "munlock", TS_MUNLOCK, 150 },
	{ "mlockall", TS_MLOCKALL, 151 },
	{ "munlockall", TS_MUNLOCKALL, 152 },
	{ "brk", TS_BRK, 12 },
	{ "mseal", TS_MSEAL, 462 },
	{ "prctl", TS_PRCTL, 157 },
	{ "shmget", TS_SHMGET, 29 },
	{ "shmat", TS_SHMAT, 30 },
	{ "shmdt", TS_SHMDT, 67 },
	{ "clone", TS_CLONE, 56 },
	{ "clone3", TS_CLONE3, 435 },
	{ "fork", TS_FORK, 57 },
	{ "vfork", TS_VFORK, 58 },
	{ "execve", TS_EXECVE, 59 },
	{ "execveat", TS_EXECVEAT, 322 },
	{ "exit", TS_EXIT, 60 },
	{ "exit_group", TS_EXIT_GROUP, 231 },
	{ "touch", TS_TOUCH, -1 },
};

const char *tsys_name(enum tsys sys)
{
	size_t i;

	for (i = 0; i < sizeof(sysnames) / sizeof(sysnames[0]); i++)
		if (sysnames[i].sys == sys)
			return sysnames[i].name;
	return "?";
}

static enum tsys sys_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(sysnames) / sizeof(sysnames[0]); i++)
		if (strlen(sysnames[i].name) == len &&
		    !memcmp(sysnames[i].name, name, len))
			return sysnames[i].sys;
	return TS_OTHER;
}

/*
 * strace prints a call it has no name for (mseal in strace 6.1) as
 * "syscall_0x1ce(...)" with all six raw arguments.
 */
static bool is_raw_name(const char *name)
{
	return !strncmp(name, "syscall_0x", 10);
}

static enum tsys sys_raw_lookup(const char *name, size_t len)
{
	char buf[CALL_NAME_MAX];
	char *end;
	long nr;

	if (len < 11 || len >= sizeof(buf) || strncmp(name, "syscall_0x", 10))
		return TS_OTHER;
	memcpy(buf, name, len);
	buf[len] = 0;
	nr = strtol(buf + 10, &end, 16);
	return *end ? TS_OTHER : tsys_from_nr(nr);
}

enum tsys tsys_from_name(const char *name)
{
	return sys_lookup(name, strlen(name));
}

enum tsys tsys_from_nr(long nr)
{
	size_t i;

	if (nr < 0)
		return TS_OTHER;
	for (i = 0; i < sizeof(sysnames) / sizeof(sysnames[0]); i++)
		if (sysnames[i].nr == nr)
			return sysnames[i].sys;
	return TS_OTHER;
}

struct symbol {
	const char *name;
	uint64_t    value;
};

/* x86-64 values of the constants strace prints in our calls' arguments. */
static const struct symbol symbols[] = {
	{ "PROT_NONE", 0 }, { "PROT_READ", 1 }, { "PROT_WRITE", 2 },
	{ "PROT_EXEC", 4 }, { "PROT_SEM", 8 },
	{ "PROT_GROWSDOWN", 0x01000000 }, { "PROT_GROWSUP", 0x02000000 },
	{ "MAP_FILE", 0 }, { "MAP_SHARED", 1 }, { "MAP_PRIVATE", 2 },
	{ "MAP_SHARED_VALIDATE", 3 }, { "MAP_DROPPABLE", 8 },
	{ "MAP_FIXED", 0x10 }, { "MAP_ANONYMOUS", 0x20 }, { "MAP_ANON", 0x20 },
	{ "MAP_32BIT", 0x40 }, { "MAP_ABOVE4G", 0x80 },
	{ "MAP_GROWSDOWN", 0x100 }, { "MAP_DENYWRITE", 0x800 },
	{ "MAP_EXECUTABLE", 0x1000 }, { "MAP_LOCKED", 0x2000 },
	{ "MAP_NORESERVE", 0x4000 }, { "MAP_POPULATE", 0x8000 },
	{ "MAP_NONBLOCK", 0x10000 }, { "MAP_STACK", 0x20000 },
	{ "MAP_HUGETLB", 0x40000 }, { "MAP_SYNC", 0x80000 },
	{ "MAP_FIXED_NOREPLACE", 0x100000 },
	{ "MAP_UNINITIALIZED", 0x4000000 },
	{ "MAP_HUGE_SHIFT", 26 }, { "SHM_HUGE_SHIFT", 26 },
	{ "MAP_HUGE_64KB", 16ull << 26 }, { "MAP_HUGE_512KB", 19ull << 26 },
	{ "MAP_HUGE_1MB", 20ull << 26 }, { "MAP_HUGE_2MB", 21ull << 26 },
	{ "MAP_HUGE_8MB", 23ull << 26 }, { "MAP_HUGE_16MB", 24ull << 26 },
	{ "MAP_HUGE_32MB", 25ull << 26 }, { "MAP_HUGE_256MB", 28ull << 26 },
	{ "MAP_HUGE_512MB", 29ull << 26 }, { "MAP_HUGE_1GB", 30ull << 26 },
	{ "MAP_HUGE_2GB", 31ull << 26 }, { "MAP_HUGE_16GB", 34ull << 26 },
	{ "MREMAP_MAYMOVE", 1 }, { "MREMAP_FIXED", 2 },
	{ "MREMAP_DONTUNMAP", 4 },
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
	{ "MLOCK_ONFAULT", 1 },
	{ "MCL_CURRENT", 1 }, { "MCL_FUTURE", 2 }, { "MCL_ONFAULT", 4 },
	{ "PR_SET_VMA", 0x53564d41 }, { "PR_SET_VMA_ANON_NAME", 0 },
	{ "IPC_PRIVATE", 0 }, { "IPC_CREAT", 01000 }, { "IPC_EXCL", 02000 },
	{ "IPC_NOWAIT", 04000 }, { "SHM_HUGETLB", 04000 },
	{ "SHM_NORESERVE", 010000 }, { "SHM_RDONLY", 010000 },
	{ "SHM_RND", 020000 }, { "SHM_REMAP", 040000 }, { "SHM_EXEC", 0100000 },
	{ "SHM_HUGE_2MB", 21ull << 26 }, { "SHM_HUGE_1GB", 30ull << 26 },
	{ "CLONE_NEWTIME", 0x80 }, { "CLONE_VM", 0x100 }, { "CLONE_FS", 0x200 },
	{ "CLONE_FILES", 0x400 }, { "CLONE_SIGHAND", 0x800 },
	{ "CLONE_PIDFD", 0x1000 }, { "CLONE_PTRACE", 0x2000 },
	{ "CLONE_VFORK", 0x4000 }, { "CLONE_PARENT", 0x8000 },
	{ "CLONE_THREAD", 0x10000 }, { "CLONE_NEWNS", 0x20000 },
	{ "CLONE_SYSVSEM", 0x40000 }, { "CLONE_SETTLS", 0x80000 },
	{ "CLONE_PARENT_SETTID", 0x100000 },
	{ "CLONE_CHILD_CLEARTID", 0x200000 }, { "CLONE_DETACHED", 0x400000 },
	{ "CLONE_UNTRACED", 0x800000 }, { "CLONE_CHILD_SETTID", 0x1000000 },
	{ "CLONE_NEWCGROUP", 0x2000000 }, { "CLONE_NEWUTS", 0x4000000 },
	{ "CLONE_NEWIPC", 0x8000000 }, { "CLONE_NEWUSER", 0x10000000 },
	{ "CLONE_NEWPID", 0x20000000 }, { "CLONE_NEWNET", 0x40000000 },
	{ "CLONE_IO", 0x80000000ull }, { "CLONE_CLEAR_SIGHAND", 0x100000000ull },
	{ "CLONE_INTO_CGROUP", 0x200000000ull },
	{ "SIGHUP", 1 }, { "SIGINT", 2 }, { "SIGQUIT", 3 }, { "SIGILL", 4 },
	{ "SIGTRAP", 5 }, { "SIGABRT", 6 }, { "SIGIOT", 6 }, { "SIGBUS", 7 },
	{ "SIGFPE", 8 }, { "SIGKILL", 9 }, { "SIGUSR1", 10 }, { "SIGSEGV", 11 },
	{ "SIGUSR2", 12 }, { "SIGPIPE", 13 }, { "SIGALRM", 14 },
	{ "SIGTERM", 15 }, { "SIGSTKFLT", 16 }, { "SIGCHLD", 17 },
	{ "SIGCONT", 18 }, { "SIGSTOP", 19 }, { "SIGTSTP", 20 },
	{ "SIGTTIN", 21 }, { "SIGTTOU", 22 }, { "SIGURG", 23 },
	{ "SIGXCPU", 24 }, { "SIGXFSZ", 25 }, { "SIGVTALRM", 26 },
	{ "SIGPROF", 27 }, { "SIGWINCH", 28 }, { "SIGIO", 29 },
	{ "SIGPOLL", 29 }, { "SIGPWR", 30 }, { "SIGSYS", 31 },
};

bool trace_symbol_value(const char *name, size_t len, uint64_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (strlen(symbols[i].name) == len &&
		    !memcmp(symbols[i].name, name, len)) {
			*out = symbols[i].value;
			return true;
		}
	/* strace prints real-time signals as SIGRTMIN or SIGRT_n. */
	if (len == 8 && !memcmp(name, "SIGRTMIN", 8)) {
		*out = 32;
		return true;
	}
	if (len > 6 && len < 9 && !memcmp(name, "SIGRT_", 6) &&
	    isdigit((unsigned char)name[6])) {
		*out = 32 + strtoul(name + 6, NULL, 10);
		return true;
	}
	return false;
}

#define E(x) { #x, x },
static const struct { const char *name; int value; } errnos[] = {
E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG)
E(ENOEXEC) E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT)
E(ENOTBLK) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR)
E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC)
E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(EDOM) E(ERANGE) E(EDEADLK)
E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENOMSG)
E(EIDRM) E(ECHRNG) E(EL2NSYNC) E(EL3HLT) E(EL3RST) E(ELNRNG) E(EUNATCH)
E(ENOCSI) E(EL2HLT) E(EBADE) E(EBADR) E(EXFULL) E(ENOANO) E(EBADRQC)
E(EBADSLT) E(EBFONT) E(ENOSTR) E(ENODATA) E(ETIME) E(ENOSR) E(ENONET)
E(ENOPKG) E(EREMOTE) E(ENOLINK) E(EADV) E(ESRMNT) E(ECOMM) E(EPROTO)
E(EMULTIHOP) E(EDOTDOT) E(EBADMSG) E(EOVERFLOW) E(ENOTUNIQ) E(EBADFD)
E(EREMCHG) E(ELIBACC) E(ELIBBAD) E(ELIBSCN) E(ELIBMAX) E(ELIBEXEC)
E(EILSEQ) E(ERESTART) E(ESTRPIPE) E(EUSERS) E(ENOTSOCK) E(EDESTADDRREQ)
E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT) E(EPROTONOSUPPORT)
E(ESOCKTNOSUPPORT) E(EOPNOTSUPP) E(EPFNOSUPPORT) E(EAFNOSUPPORT)
E(EADDRINUSE) E(EADDRNOTAVAIL) E(ENETDOWN) E(ENETUNREACH) E(ENETRESET)
E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS) E(EISCONN) E(ENOTCONN)
E(ESHUTDOWN) E(ETOOMANYREFS) E(ETIMEDOUT) E(ECONNREFUSED) E(EHOSTDOWN)
E(EHOSTUNREACH) E(EALREADY) E(EINPROGRESS) E(ESTALE) E(EUCLEAN)
E(ENOTNAM) E(ENAVAIL) E(EISNAM) E(EREMOTEIO) E(EDQUOT) E(ENOMEDIUM)
E(EMEDIUMTYPE) E(ECANCELED) E(ENOKEY) E(EKEYEXPIRED) E(EKEYREVOKED)
E(EKEYREJECTED) E(EOWNERDEAD) E(ENOTRECOVERABLE) E(ERFKILL)
E(EHWPOISON) E(EWOULDBLOCK) E(ENOTSUP) E(EDEADLOCK)
	/* kernel-internal codes strace shows for interrupted calls */
	{ "ERESTARTSYS", 512 }, { "ERESTARTNOINTR", 513 },
	{ "ERESTARTNOHAND", 514 }, { "ENOIOCTLCMD", 515 },
	{ "ERESTART_RESTARTBLOCK", 516 },
};
#undef E

int trace_errno_value(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strlen(errnos[i].name) == len &&
		    !memcmp(errnos[i].name, name, len))
			return errnos[i].value;
	return 0;
}

const char *trace_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].value == err)
			return errnos[i].name;
	return NULL;
}

static const char *const header_keys[] = {
	"kernel", "page_size", "task_size", "mmap_base", "mmap_legacy",
	"max_map_count", "overcommit", "thp", "rlimit_memlock", "rlimit_as",
	"rlimit_data", "rlimit_stack", "cap_ipc_lock", "cap_sys_rawio",
	"mmap_min_addr", "dac_mmap_min_addr", "anon_vma_name", "soft_dirty",
	"mmap_legacy_base", "stack_guard_gap", "start_brk", "brk",
	"start_stack", "start_data", "end_data", "start_code", "end_code",
	"maps", "pid",
};

bool trace_header_key_known(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(header_keys) / sizeof(header_keys[0]); i++)
		if (!strcmp(header_keys[i], key))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Parser state                                                        */
/* ------------------------------------------------------------------ */

/* The first half of a call split by another task's output. */
struct pending {
	int    pid;
	int    line;            /* line of the <unfinished ...> half */
	int    col;             /* 1-based column where the call text starts */
	char  *text;            /* "NAME(ARGS" without " <unfinished ...>" */
	size_t len;
};

#define MIN_NAME(n) ((n) < CALL_NAME_MAX - 1 ? (n) : CALL_NAME_MAX - 1)

struct trace_parser {
	struct pending *pend;
	int npend, cap;
};

struct trace_parser *tp_new(void)
{
	return calloc(1, sizeof(struct trace_parser));
}

void tp_free(struct trace_parser *tp)
{
	int i;

	if (!tp)
		return;
	for (i = 0; i < tp->npend; i++)
		free(tp->pend[i].text);
	free(tp->pend);
	free(tp);
}

int tp_pending(const struct trace_parser *tp)
{
	return tp->npend;
}

void rec_clear(struct call_rec *rec)
{
	int i;

	for (i = 0; i < CALL_MAX_ARGS; i++) {
		free(rec->paths[i]);
		free(rec->strs[i]);
	}
	for (i = 0; i < rec->nkv; i++) {
		free(rec->kv[i].key);
		free(rec->kv[i].val);
	}
	free(rec->iov);
	free(rec->text);
	free(rec->layout);
	memset(rec, 0, sizeof(*rec));
}

/*
 * The text being parsed.  A joined call is two pieces of two lines; an
 * offset into the joined text maps back to (line, column) through them.
 */
struct src {
	const char *s;
	size_t      len;
	int         line1, col1;    /* where s[0] is */
	size_t      split;          /* offsets >= split are on line2 */
	int         line2, col2;    /* where s[split] is */
	struct trace_error *err;
};

static int fail_at(const struct src *src, size_t off, const char *msg)
{
	struct trace_error *e = src->err;

	if (off >= src->split) {
		e->line = src->line2;
		e->column = src->col2 + (int)(off - src->split);
	} else {
		e->line = src->line1;
		e->column = src->col1 + (int)off;
	}
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

static int fail_line(struct trace_error *e, int line, int col, const char *msg)
{
	e->line = line;
	e->column = col;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Argument grammar                                                    */
/* ------------------------------------------------------------------ */

/* One top-level argument: [off, off + len) of the source text. */
struct span {
	size_t off, len;
};

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * Skip a quoted string starting at s[i] == '"'; return the index after the
 * closing quote, or len if unterminated.
 */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* Skip a -y path "<...>" starting at s[i] == '<'. */
static size_t skip_angle(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '>')
			return i + 1;
	}
	return len;
}

/*
 * Split the arguments that start at @open + 1 (s[open] == '(') into
 * top-level spans; *@close gets the index of the matching ')'.
 * Return: the number of spans (at most @max are stored), or -1 when the
 * parentheses do not balance (*@close = where scanning stopped).
 */
static int split_args(const char *s, size_t len, size_t open,
		      struct span *sp, int max, size_t *close)
{
	int depth = 0, n = 0;
	size_t i, start = open + 1;
	bool any = false;

	for (i = open + 1; i < len; i++) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, len, i) - 1;
			any = true;
			continue;
		}
		/* "3</path>" is a -y path; "21<<MAP_HUGE_SHIFT" a shift */
		if (c == '<' && i > 0 && isdigit((unsigned char)s[i - 1]) &&
		    !(i + 1 < len && s[i + 1] == '<')) {
			i = skip_angle(s, len, i) - 1;
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			const char *e = strstr(s + i + 2, "*/");

			if (!e || (size_t)(e - s) >= len)
				break;
			i = (size_t)(e - s) + 1;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			depth--;
		} else if (c == ')') {
			if (depth == 0) {
				if (any || i > start) {
					if (n < max) {
						sp[n].off = start;
						sp[n].len = i - start;
					}
					n++;
				}
				*close = i;
				return n;
			}
			depth--;
		} else if (c == ',' && depth == 0) {
			if (n < max) {
				sp[n].off = start;
				sp[n].len = i - start;
			}
			n++;
			start = i + 1;
			any = true;
		}
		if (!isspace((unsigned char)c))
			any = true;
	}
	*close = i;
	return -1;
}

/* Trim blanks and a trailing comment off a span. */
static struct span trim(const char *s, struct span sp)
{
	while (sp.len && isspace((unsigned char)s[sp.off])) {
		sp.off++;
		sp.len--;
	}
	for (;;) {
		while (sp.len && isspace((unsigned char)s[sp.off + sp.len - 1]))
			sp.len--;
		/* a value followed by a comment (0x66 then MADV_??? in one): drop it */
		if (sp.len >= 4 && s[sp.off + sp.len - 1] == '/' &&
		    s[sp.off + sp.len - 2] == '*') {
			size_t j = sp.len - 2;

			while (j >= 2 && !(s[sp.off + j - 2] == '/' &&
					   s[sp.off + j - 1] == '*'))
				j--;
			if (j < 2)
				break;
			sp.len = j - 2;
			continue;
		}
		break;
	}
	return sp;
}

/*
 * Parse a number: decimal, 0x hex, 0-prefixed octal (strace prints file
 * modes that way), optional '-', or NULL.  Return: chars consumed, 0 if
 * none.
 */
static size_t parse_number(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0;
	int base = 10, digits = 0;

	if (len >= 4 && !memcmp(s, "NULL", 4) && (len == 4 || !is_ident(s[4]))) {
		*out = 0;
		return 4;
	}
	if (i < len && s[i] == '-') {
		neg = true;
		i++;
	}
	if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (i + 1 < len && s[i] == '0' && isdigit((unsigned char)s[i + 1])) {
		base = 8;
		i++;
	}
	for (; i < len; i++) {
		int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (d >= base)
			return 0;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return 0;       /* overflow */
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits)
		return 0;
	if (i < len && is_ident(s[i]))
		return 0;
	*out = neg ? (uint64_t)0 - v : v;
	return i;
}

/* A whole span as a number. */
static int arg_number(const struct src *src, struct span sp, uint64_t *out)
{
	sp = trim(src->s, sp);
	if (!sp.len)
		return fail_at(src, sp.off, "missing argument");
	if (parse_number(src->s + sp.off, sp.len, out) != sp.len)
		return fail_at(src, sp.off, "expected a number");
	return 0;
}

/* A flag set "A|B|0x100", a single symbol, or a number. */
static int arg_flags(const struct src *src, struct span sp, uint64_t *out)
{
	const char *s;
	size_t i = 0;
	uint64_t v = 0;

	sp = trim(src->s, sp);
	s = src->s + sp.off;
	if (!sp.len)
		return fail_at(src, sp.off, "missing argument");
	for (;;) {
		size_t j = i, n;
		uint64_t x;

		while (j < sp.len && s[j] != '|')
			j++;
		while (i < j && isspace((unsigned char)s[i]))
			i++;
		n = j;
		while (n > i && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == i)
			return fail_at(src, sp.off + i, "empty flag in a flag set");
		if (memmem(s + i, n - i, "<<", 2)) {
			/* strace's huge page size: "21<<MAP_HUGE_SHIFT" */
			const char *sh = memmem(s + i, n - i, "<<", 2);
			size_t ln = (size_t)(sh - (s + i)), r = ln + 2;
			uint64_t shift;

			if (!ln || parse_number(s + i, ln, &x) != ln)
				return fail_at(src, sp.off + i, "bad number in a flag set");
			if (r >= n - i || (isdigit((unsigned char)s[i + r]) ?
			    parse_number(s + i + r, n - i - r, &shift) != n - i - r :
			    !trace_symbol_value(s + i + r, n - i - r, &shift)) ||
			    shift > 63)
				return fail_at(src, sp.off + i + r, "bad shift in a flag set");
			x <<= shift;
		} else if (isdigit((unsigned char)s[i]) || s[i] == '-') {
			if (parse_number(s + i, n - i, &x) != n - i)
				return fail_at(src, sp.off + i, "bad number in a flag set");
		} else if (!trace_symbol_value(s + i, n - i, &x)) {
			return fail_at(src, sp.off + i, "unknown flag name");
		}
		v |= x;
		if (j >= sp.len)
			break;
		i = j + 1;
	}
	*out = v;
	return 0;
}

/* Decode strace's escapes of [s, s + len) into a new string. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c != '\\' || i + 1 >= len) {
			*o++ = c;
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'v': *o++ = '\v'; break;
		case 'f': *o++ = '\f'; break;
		case 'a': *o++ = '\a'; break;
		case 'b': *o++ = '\b'; break;
		case 'x': {
			int v = 0, k;

			for (k = 0; k < 2 && i + 1 < len &&
			     isxdigit((unsigned char)s[i + 1]); k++) {
				char h = s[++i];

				v = v * 16 + (isdigit((unsigned char)h) ? h - '0' :
					      (tolower((unsigned char)h) - 'a' + 10));
			}
			*o++ = (char)v;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k;

				for (k = 1; k < 3 && i + 1 < len &&
				     s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					v = v * 8 + (s[++i] - '0');
				*o++ = (char)v;
			} else {
				*o++ = c;       /* \\ \" \' and the like */
			}
		}
	}
	*o = 0;
	return out;
}

/*
 * A file descriptor: "3", "-1", "3</path>" (-y) or "3<pid:1234>".
 * *@path gets the decoded path (malloc'd) or NULL.
 */
static int arg_fd(const struct src *src, struct span sp, uint64_t *fd,
		  char **path)
{
	const char *s;
	size_t n;

	sp = trim(src->s, sp);
	s = src->s + sp.off;
	*path = NULL;
	if (!sp.len)
		return fail_at(src, sp.off, "missing file descriptor");
	n = 0;
	if (s[0] == '-')
		n++;
	while (n < sp.len && isdigit((unsigned char)s[n]))
		n++;
	if (n == 0 || (n == 1 && s[0] == '-') ||
	    parse_number(s, n, fd) != n)
		return fail_at(src, sp.off, "expected a file descriptor");
	if (n == sp.len)
		return 0;
	if (s[n] != '<' || s[sp.len - 1] != '>' ||
	    skip_angle(s, sp.len, n) != sp.len)
		return fail_at(src, sp.off + n, "bad -y path after a file descriptor");
	*path = unescape(s + n + 1, sp.len - n - 2);
	return *path ? 0 : -2;
}

/* A string: "text", "text"... (truncated), or NULL / an address. */
static int arg_string(const struct src *src, struct span sp, char **out)
{
	const char *s;
	size_t end;
	uint64_t v;

	sp = trim(src->s, sp);
	s = src->s + sp.off;
	*out = NULL;
	if (!sp.len)
		return fail_at(src, sp.off, "missing string");
	if (s[0] != '"') {
		if (parse_number(s, sp.len, &v) == sp.len)
			return 0;       /* NULL or an unreadable pointer */
		return fail_at(src, sp.off, "expected a string");
	}
	end = skip_string(s, sp.len, 0);
	if (s[end - 1] != '"' || end < 2)
		return fail_at(src, sp.off, "unterminated string");
	if (end != sp.len && !(sp.len - end == 3 && !memcmp(s + end, "...", 3)))
		return fail_at(src, sp.off + end, "text after a string");
	*out = unescape(s + 1, end - 2);
	return *out ? 0 : -2;
}

/*
 * Find "key=" among the fields of a span (clone's named arguments, or the
 * inside of clone3's struct) and parse its value as a flag set.
 * Return: 0, 1 when the key is absent, -1 on a bad value.
 */
static int field_flags(const struct src *src, struct span sp, const char *key,
		       uint64_t *out)
{
	size_t klen = strlen(key), i, depth = 0;
	const char *s = src->s;

	for (i = sp.off; i + klen < sp.off + sp.len; i++) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, sp.off + sp.len, i) - 1;
			continue;
		}
		if (c == '{' || c == '[' || c == '(')
			depth++;
		else if (c == '}' || c == ']' || c == ')')
			depth--;
		if (depth > 1 || (i > sp.off && is_ident(s[i - 1])))
			continue;
		if (!memcmp(s + i, key, klen) && s[i + klen] == '=') {
			struct span v = { i + klen + 1, 0 };
			size_t d = 0;

			while (v.off + v.len < sp.off + sp.len) {
				char x = s[v.off + v.len];

				if (x == '{' || x == '[' || x == '(')
					d++;
				else if (x == '}' || x == ']' || x == ')') {
					if (!d)
						break;
					d--;
				} else if (x == ',' && !d)
					break;
				v.len++;
			}
			return arg_flags(src, v, out);
		}
	}
	return 1;
}

/* process_madvise's "[{iov_base=0x..., iov_len=4096}, ...]". */
static int arg_iovec(const struct src *src, struct span sp, struct call_rec *rec)
{
	const char *s = src->s;
	size_t i, end;
	int cap = 0;

	sp = trim(s, sp);
	if (!sp.len || s[sp.off] != '[' || s[sp.off + sp.len - 1] != ']') {
		uint64_t v;

		/* an unreadable array is printed as its address */
		if (sp.len && parse_number(s + sp.off, sp.len, &v) == sp.len)
			return 0;
		return fail_at(src, sp.off, "expected an iovec array");
	}
	end = sp.off + sp.len - 1;
	for (i = sp.off + 1; i < end; i++) {
		struct span f;
		size_t j;
		uint64_t base, len;
		int r;

		if (isspace((unsigned char)s[i]) || s[i] == ',')
			continue;
		if (s[i] == '.' && i + 2 < end && !memcmp(s + i, "...", 3))
			break;          /* strace's abbreviation */
		if (s[i] != '{')
			return fail_at(src, i, "expected {iov_base=..., iov_len=...}");
		for (j = i; j < end && s[j] != '}'; j++)
			;
		if (j >= end)
			return fail_at(src, i, "unterminated iovec");
		f.off = i + 1;
		f.len = j - i - 1;
		r = field_flags(src, f, "iov_base", &base);
		if (r)
			return r < 0 ? r : fail_at(src, i, "iovec without iov_base");
		r = field_flags(src, f, "iov_len", &len);
		if (r)
			return r < 0 ? r : fail_at(src, i, "iovec without iov_len");
		if (rec->niov == cap) {
			struct rec_iov *n;

			cap = cap ? 2 * cap : 4;
			n = realloc(rec->iov, (size_t)cap * sizeof(*n));
			if (!n)
				return -2;
			rec->iov = n;
		}
		rec->iov[rec->niov].base = base;
		rec->iov[rec->niov].len = len;
		rec->niov++;
		i = j;
	}
	return 0;
}

/*
 * Argument kinds, one letter per argument of a call:
 *   n number/address  f flag set  d file descriptor  s string
 *   v iovec array     * anything (not read)
 * A trailing '?' makes the remaining arguments optional.
 */
static const char *arg_kinds(enum tsys sys)
{
	switch (sys) {
	case TS_MMAP:            return "nnffdn";
	case TS_MUNMAP:          return "nn";
	case TS_MREMAP:          return "nnnf?n";
	case TS_MPROTECT:        return "nnf";
	case TS_PKEY_MPROTECT:   return "nnfn";
	case TS_MADVISE:         return "nnf";
	case TS_PROCESS_MADVISE: return "dvnff";
	case TS_MLOCK:           return "nn";
	case TS_MLOCK2:          return "nnf";
	case TS_MUNLOCK:         return "nn";
	case TS_MLOCKALL:        return "f";
	case TS_MUNLOCKALL:      return "";
	case TS_BRK:             return "n";
	case TS_MSEAL:           return "nnf";
	case TS_PRCTL:           return "ffnns";
	case TS_SHMGET:          return "fnf";
	case TS_SHMAT:           return "nnf";
	case TS_SHMDT:           return "n";
	case TS_FORK:            return "";
	case TS_VFORK:           return "";
	case TS_EXECVE:          return "s?**";
	case TS_EXECVEAT:        return "ds?***";
	case TS_EXIT:            return "n";
	case TS_EXIT_GROUP:      return "n";
	case TS_TOUCH:           return "nnf";
	default:                 return NULL;
	}
}

static int parse_args(const struct src *src, struct call_rec *rec,
		      const struct span *sp, int n, size_t open)
{
	const char *k;
	char kinds[CALL_MAX_ARGS + 2];
	size_t kl;
	int i, min = -1, r;

	rec->nargs = n;
	if (rec->sys == TS_CLONE) {
		struct span all = { open + 1, 0 };

		if (n > 0)
			all.len = sp[n - 1].off + sp[n - 1].len - all.off;
		r = field_flags(src, all, "flags", &rec->args[0]);
		if (r > 0) {
			/* raw order without names: flags first on x86-64 */
			if (n < 1)
				return fail_at(src, open + 1, "clone without flags");
			return arg_flags(src, sp[0], &rec->args[0]);
		}
		return r;
	}
	if (rec->sys == TS_CLONE3) {
		struct span a;

		if (n < 1)
			return fail_at(src, open + 1, "clone3 without arguments");
		a = trim(src->s, sp[0]);
		if (!a.len || src->s[a.off] != '{') {
			/* an unreadable struct: flags unknown */
			return fail_at(src, a.off, "clone3 struct not decoded");
		}
		a.off++;
		a.len = a.len >= 2 ? a.len - 2 : 0;
		r = field_flags(src, a, "flags", &rec->args[0]);
		if (r > 0)
			return fail_at(src, a.off, "clone3 struct without flags=");
		if (r)
			return r;
		if (n > 1)
			return arg_number(src, sp[1], &rec->args[1]);
		return 0;
	}
	if (rec->sys == TS_PRCTL) {
		/* only PR_SET_VMA changes a model; other options are skipped */
		struct span a;
		uint64_t v;

		if (n < 1)
			return fail_at(src, open + 1, "prctl without option");
		a = trim(src->s, sp[0]);
		if (!(a.len == 10 && !memcmp(src->s + a.off, "PR_SET_VMA", 10)) &&
		    !(parse_number(src->s + a.off, a.len, &v) == a.len &&
		      v == 0x53564d41)) {
			rec->sys = TS_OTHER;
			return 0;
		}
	}
	k = arg_kinds(rec->sys);
	for (kl = 0; *k; k++) {
		if (*k == '?')
			min = (int)kl;
		else
			kinds[kl++] = *k;
	}
	if (min < 0)
		min = (int)kl;
	if (n < min)
		return fail_at(src, n ? sp[n - 1].off + sp[n - 1].len : open + 1,
			       "too few arguments");
	if (n > (int)kl && !is_raw_name(rec->name))
		return fail_at(src, sp[kl].off, "too many arguments");
	if (n > (int)kl)
		n = (int)kl;    /* syscall_0xNNN: all six raw registers shown */
	for (i = 0; i < n; i++) {
		switch (kinds[i]) {
		case 'n':
			r = arg_number(src, sp[i], &rec->args[i]);
			break;
		case 'f':
			r = arg_flags(src, sp[i], &rec->args[i]);
			break;
		case 'd':
			r = arg_fd(src, sp[i], &rec->args[i], &rec->paths[i]);
			break;
		case 's':
			r = arg_string(src, sp[i], &rec->strs[i]);
			break;
		case 'v':
			r = arg_iovec(src, sp[i], rec);
			break;
		default:
			r = 0;
		}
		if (r)
			return r;
	}
	return 0;
}

/* " = RESULT" after the closing parenthesis at @close. */
static int parse_result(const struct src *src, size_t close,
			struct call_rec *rec, bool strict)
{
	const char *s = src->s;
	size_t i = close + 1, n;
	uint64_t v;

	while (i < src->len && s[i] == ' ')
		i++;
	if (i >= src->len || s[i] != '=')
		return strict ? fail_at(src, i, "expected '= RESULT'") : 0;
	i++;
	while (i < src->len && s[i] == ' ')
		i++;
	if (i < src->len && s[i] == '?') {
		rec->ret_unknown = true;
		return 0;
	}
	n = parse_number(s + i, src->len - i, &v);
	if (!n) {
		if (!strict) {
			rec->ret_unknown = true;
			return 0;
		}
		return fail_at(src, i, "expected a result");
	}
	rec->ret = (int64_t)v;
	i += n;
	if ((int64_t)v == -1 && i + 1 < src->len && s[i] == ' ' && s[i + 1] == 'E') {
		size_t e = i + 1, el;
		int code;

		while (e < src->len && is_ident(s[e]))
			e++;
		el = e - (i + 1);
		code = trace_errno_value(s + i + 1, el);
		if (!code)
			return strict ? fail_at(src, i + 1, "unknown errno name") : 0;
		rec->ret = -code;
	}
	return 0;
}

/* Is @sys a call whose arguments we read? */
static bool sys_is_model(enum tsys sys)
{
	return sys != TS_OTHER;
}

/* Parse "NAME(ARGS) = RESULT" of @src into @rec. */
static int parse_call(const struct src *src, struct call_rec *rec)
{
	const char *s = src->s;
	struct span sp[16];
	size_t i = 0, close;
	int n, r;

	while (i < src->len && is_ident(s[i]))
		i++;
	if (i == 0 || i >= src->len || s[i] != '(')
		return fail_at(src, i, "not a system call line");
	if (i >= CALL_NAME_MAX)
		return fail_at(src, 0, "system call name too long");
	memcpy(rec->name, s, i);
	rec->name[i] = 0;
	rec->sys = sys_lookup(s, i);
	if (rec->sys == TS_OTHER)
		rec->sys = sys_raw_lookup(s, i);
	rec->kind = REC_CALL;
	rec->text = strndup(s, src->len);
	if (!rec->text)
		return -2;
	n = split_args(s, src->len, i, sp, 16, &close);
	if (n < 0) {
		if (!sys_is_model(rec->sys)) {
			rec->ret_unknown = true;
			return 0;
		}
		return fail_at(src, close, "unbalanced parentheses");
	}
	if (!sys_is_model(rec->sys))
		return parse_result(src, close, rec, false);
	r = parse_args(src, rec, sp, n < 16 ? n : 16, i);
	if (r)
		return r;
	return parse_result(src, close, rec, true);
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */
/* ------------------------------------------------------------------ */

static struct pending *pending_find(struct trace_parser *tp, int pid)
{
	int i;

	for (i = 0; i < tp->npend; i++)
		if (tp->pend[i].pid == pid)
			return &tp->pend[i];
	return NULL;
}

static void pending_drop(struct trace_parser *tp, struct pending *p)
{
	free(p->text);
	*p = tp->pend[--tp->npend];
}

static int pending_add(struct trace_parser *tp, int pid, int line, int col,
		       const char *text, size_t len)
{
	struct pending *p = pending_find(tp, pid);

	if (p) {
		/* a second unfinished call of one task: the first never
		 * resumed (strace lost it); keep the newer one */
		free(p->text);
	} else {
		if (tp->npend == tp->cap) {
			int cap = tp->cap ? 2 * tp->cap : 8;
			struct pending *n = realloc(tp->pend, (size_t)cap * sizeof(*n));

			if (!n)
				return -2;
			tp->pend = n;
			tp->cap = cap;
		}
		p = &tp->pend[tp->npend++];
	}
	p->pid = pid;
	p->line = line;
	p->col = col;
	p->len = len;
	p->text = strndup(text, len);
	return p->text ? 0 : -2;
}

/* "#@ key=value key=value" */
static int parse_header(const char *s, size_t len, int lineno,
			struct call_rec *rec, struct trace_error *err)
{
	size_t i = 2;

	rec->kind = REC_HEADER;
	for (;;) {
		size_t k, ke, v, ve;
		char *key;

		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			return 0;
		k = i;
		while (i < len && s[i] != '=' && !isspace((unsigned char)s[i]))
			i++;
		ke = i;
		if (i >= len || s[i] != '=')
			return fail_line(err, lineno, (int)k + 1, "expected key=value");
		i++;
		if (i < len && s[i] == '"') {
			v = i + 1;
			i = skip_string(s, len, i);
			if (s[i - 1] != '"' || i - 1 < v)
				return fail_line(err, lineno, (int)v, "unterminated value");
			ve = i - 1;
		} else {
			v = i;
			while (i < len && !isspace((unsigned char)s[i]))
				i++;
			ve = i;
		}
		if (rec->nkv == REC_MAX_KV)
			return fail_line(err, lineno, (int)k + 1, "too many keys");
		key = strndup(s + k, ke - k);
		if (!key)
			return -2;
		rec->kv[rec->nkv].key = key;
		rec->kv[rec->nkv].column = (int)k + 1;
		rec->kv[rec->nkv].val = unescape(s + v, ve - v);
		rec->nkv++;
		if (!rec->kv[rec->nkv - 1].val)
			return -2;
		if (!trace_header_key_known(key)) {
			char msg[120];

			snprintf(msg, sizeof(msg), "unknown header key '%.60s'", key);
			return fail_line(err, lineno, (int)k + 1, msg);
		}
	}
}

/* "#| [PID ]TEXT" */
static int parse_layout(const char *s, size_t len, struct call_rec *rec)
{
	size_t i = 2, j;

	rec->kind = REC_LAYOUT;
	if (i < len && s[i] == ' ')
		i++;
	j = i;
	while (j < len && isdigit((unsigned char)s[j]))
		j++;
	if (j > i && j < len && s[j] == ' ') {
		rec->pid = atoi(s + i);
		i = j + 1;
		while (i < len && s[i] == ' ')
			i++;
	}
	rec->layout = strndup(s + i, len - i);
	return rec->layout ? 0 : -2;
}

/* "+++ exited with N +++", "+++ killed by SIGKILL (core dumped) +++" */
static void parse_exit(const char *s, size_t len, struct call_rec *rec)
{
	rec->kind = REC_EXIT;
	if (len > 15 && !memcmp(s, "+++ exited with ", 16))
		rec->exit_status = atoi(s + 16);
	else if (len > 14 && !memcmp(s, "+++ killed by ", 14)) {
		size_t e = 14;
		uint64_t sig = 0;

		while (e < len && is_ident(s[e]))
			e++;
		if (trace_symbol_value(s + 14, e - 14, &sig))
			rec->exit_signal = (int)sig;
		else
			rec->exit_signal = 9;
		rec->exit_status = 128 + rec->exit_signal;
	} else {
		/* "+++ superseded by execve ..." and the like */
		rec->kind = REC_NONE;
	}
}

int tp_parse_line(struct trace_parser *tp, const char *line, int lineno,
		  struct call_rec *rec, struct trace_error *err)
{
	size_t len = strlen(line), i = 0, j;
	static const char unf[] = " <unfinished ...>";
	static const char det[] = " <detached ...>";
	struct src src = { 0 };
	int pid = 0, r;

	rec_clear(rec);
	rec->line = lineno;
	memset(err, 0, sizeof(*err));
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= 2 && line[0] == '#' && line[1] == '@')
		return parse_header(line, len, lineno, rec, err);
	if (len >= 2 && line[0] == '#' && line[1] == '|')
		return parse_layout(line, len, rec);
	/* PID: "1234  " or "[pid  1234] " */
	if (len > 5 && !memcmp(line, "[pid", 4)) {
		i = 4;
		while (i < len && line[i] == ' ')
			i++;
		j = i;
		while (i < len && isdigit((unsigned char)line[i]))
			i++;
		if (i == j || i >= len || line[i] != ']')
			return fail_line(err, lineno, (int)i + 1, "bad [pid N] prefix");
		pid = atoi(line + j);
		i++;
	} else {
		while (i < len && line[i] == ' ')
			i++;
		j = i;
		while (j < len && isdigit((unsigned char)line[j]))
			j++;
		if (j > i && j < len && line[j] == ' ') {
			pid = atoi(line + i);
			i = j;
		}
	}
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	/* timestamp: 22:37:35, 22:37:35.588514, 1700000000.588514, 0.000123 */
	j = i;
	while (j < len && (isdigit((unsigned char)line[j]) || line[j] == ':' ||
			   line[j] == '.'))
		j++;
	if (j > i && j < len && line[j] == ' ' && isdigit((unsigned char)line[i])) {
		i = j;
		while (i < len && line[i] == ' ')
			i++;
	}
	rec->pid = pid;
	if (i >= len || line[i] == '#')
		return 0;       /* blank or comment */
	if (len - i >= 4 && !memcmp(line + i, "--- ", 4)) {
		rec->kind = REC_SIGNAL;
		return 0;
	}
	if (len - i >= 4 && !memcmp(line + i, "+++ ", 4)) {
		struct pending *p = pending_find(tp, pid);

		parse_exit(line + i, len - i, rec);
		if (p && rec->kind == REC_EXIT)
			pending_drop(tp, p);    /* never resumes */
		return 0;
	}
	if (len - i >= 8 && !memcmp(line + i, "strace: ", 8))
		return 0;
	if (len - i >= 5 && !memcmp(line + i, "<... ", 5)) {
		/* "<... NAME resumed>REST" */
		size_t n0 = i + 5, n1 = n0, rest;
		struct pending *p;
		char *joined;
		bool unfinished_again;

		while (n1 < len && is_ident(line[n1]))
			n1++;
		if (n1 == n0 || len - n1 < 9 || memcmp(line + n1, " resumed>", 9))
			return fail_line(err, lineno, (int)n0 + 1,
					 "expected '<... NAME resumed>'");
		rest = n1 + 9;
		p = pending_find(tp, pid);
		if (!p || strncmp(p->text, line + n0, n1 - n0) ||
		    p->text[n1 - n0] != '(') {
			/* the first half is not in the trace (started late):
			 * nothing to join; skip the call */
			rec->kind = REC_CALL;
			memcpy(rec->name, line + n0, MIN_NAME(n1 - n0));
			rec->name[MIN_NAME(n1 - n0)] = 0;
			rec->sys = TS_OTHER;
			rec->ret_unknown = true;
			return 0;
		}
		unfinished_again = len - rest >= sizeof(unf) - 1 &&
			!memcmp(line + len - (sizeof(unf) - 1), unf, sizeof(unf) - 1);
		joined = malloc(p->len + (len - rest) + 1);
		if (!joined)
			return -2;
		memcpy(joined, p->text, p->len);
		memcpy(joined + p->len, line + rest, len - rest);
		joined[p->len + len - rest] = 0;
		if (unfinished_again) {
			/* resumed and interrupted again: keep waiting */
			size_t jl = p->len + (len - rest) - (sizeof(unf) - 1);

			free(p->text);
			p->text = joined;
			p->len = jl;
			joined[jl] = 0;
			rec->kind = REC_NONE;
			return 0;
		}
		src.s = joined;
		src.len = p->len + (len - rest);
		src.line1 = p->line;
		src.col1 = p->col;
		src.split = p->len;
		src.line2 = lineno;
		src.col2 = (int)rest + 1;
		src.err = err;
		r = parse_call(&src, rec);
		free(joined);
		pending_drop(tp, pending_find(tp, pid));
		return r;
	}
	if (len - i >= sizeof(unf) - 1 &&
	    !memcmp(line + len - (sizeof(unf) - 1), unf, sizeof(unf) - 1)) {
		size_t n1 = i;

		while (n1 < len && is_ident(line[n1]))
			n1++;
		if (n1 == i || line[n1] != '(')
			return fail_line(err, lineno, (int)i + 1, "not a system call line");
		rec->kind = REC_UNFINISHED;
		memcpy(rec->name, line + i, MIN_NAME(n1 - i));
		rec->name[MIN_NAME(n1 - i)] = 0;
		rec->sys = sys_lookup(line + i, n1 - i);
		if (rec->sys == TS_CLONE || rec->sys == TS_CLONE3) {
			/* the flags are printed at entry: read them if we can */
			struct trace_error e2;
			struct src s2 = { line + i, len - (sizeof(unf) - 1) - i,
					  lineno, (int)i + 1, (size_t)-1, 0, 0, &e2 };
			struct span all = { n1 - i + 1, s2.len - (n1 - i + 1) };
			struct span a = trim(s2.s, all);

			if (rec->sys == TS_CLONE3 && a.len && s2.s[a.off] == '{') {
				a.off++;
				a.len--;
			}
			if (field_flags(&s2, a, "flags", &rec->args[0]) == 0)
				rec->nargs = 1;
		}
		return pending_add(tp, pid, lineno, (int)i + 1, line + i,
				   len - (sizeof(unf) - 1) - i);
	}
	src.s = line + i;
	src.len = len - i;
	src.line1 = lineno;
	src.col1 = (int)i + 1;
	src.split = (size_t)-1;
	src.err = err;
	if (src.len >= sizeof(det) - 1 &&
	    !memcmp(line + len - (sizeof(det) - 1), det, sizeof(det) - 1)) {
		/* strace detached mid-call: the outcome is unknown */
		rec->kind = REC_CALL;
		rec->ret_unknown = true;
		j = i;
		while (j < len && is_ident(line[j]))
			j++;
		memcpy(rec->name, line + i, MIN_NAME(j - i));
		rec->name[MIN_NAME(j - i)] = 0;
		rec->sys = TS_OTHER;
		return 0;
	}
	return parse_call(&src, rec);
}
