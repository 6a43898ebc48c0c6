/*
 * ptrace_proc.h - what `aspace trace` reads from /proc about a traced task:
 * whole files, /proc/PID/stat fields, limits, capability bits, fd paths,
 * and /proc/PID/smaps parsed into a compact VMA list (bounds, perms,
 * anonymous bytes, VmFlags) for reconciling and comparing with the model.
 */
#ifndef ASPACE_PTRACE_PROC_H
#define ASPACE_PTRACE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * proc_read() - the whole of /proc/@pid/@name (NUL-terminated, malloc'd).
 * @len: OUT, its length (may be NULL).
 * Return: the text, or NULL with errno set (the task is gone, ...).
 * Cost: one open and as many reads as the file needs.
 */
char *proc_read(pid_t pid, const char *name, size_t *len /* OUT */);

/*
 * proc_read_into() - the same into a caller buffer that grows as needed
 * (@buf and @cap: malloc'd, kept between calls).
 * Return: the length, or -errno.
 */
long proc_read_into(pid_t pid, const char *name, char **buf, size_t *cap);

/*
 * proc_stat_fields() - every field (1-based, as `man 5 proc` numbers them) of
 * /proc/@pid/stat as unsigned numbers (negative ones read as 0).
 * Return: 0 or -errno/-EINVAL.
 */
int proc_stat_fields(pid_t pid, uint64_t *fields /* OUT, [53] */);

/* Fields of /proc/PID/stat used by the tracer (man 5 proc numbering). */
enum {
	PSTAT_START_CODE = 26, PSTAT_END_CODE = 27, PSTAT_START_STACK = 28,
	PSTAT_START_DATA = 45, PSTAT_END_DATA = 46, PSTAT_START_BRK = 47,
	PSTAT_MAX = 52,
};

/*
 * proc_rlimit() - the soft limit named @what ("Max stack size", ...) of
 * /proc/@pid/limits in bytes, UINT64_MAX for unlimited.
 * Return: 0 or -errno / -ENOENT.
 */
int proc_rlimit(pid_t pid, const char *what, uint64_t *soft /* OUT */);

/* proc_cap_eff() - CapEff of /proc/@pid/status.  Return: 0 or -errno. */
int proc_cap_eff(pid_t pid, uint64_t *caps /* OUT */);

/*
 * proc_fd_path() - the target of /proc/@pid/fd/@fd as `strace -y` prints
 * it.  Return: the length, or -errno (bad fd: -ENOENT).
 */
long proc_fd_path(pid_t pid, int fd, char *buf, size_t cap);

/* One VMA of /proc/PID/smaps. */
struct proc_vma {
	uint64_t start, end;
	uint64_t anon_kb;       /* Anonymous: + Swap: (pages with anon_vma) */
	uint64_t flags;         /* VmFlags: as ASPACE_VM_* bits */
	char     perms[5];
	const char *line;       /* the header line in the text (not copied) */
	size_t   line_len;
	const char *name;       /* name part of the header line, or "" */
	size_t   name_len;
};

struct proc_vmas {
	struct proc_vma *v;
	size_t n, cap;
};

/*
 * proc_parse_smaps() - parse a /proc/PID/smaps (or maps) text into @out
 * (cleared first; entries point into @text).  The [vsyscall] gate is left
 * out.  Return: 0, -EINVAL for a malformed header line, -ENOMEM.
 * Cost: O(length of the text).
 */
int proc_parse_smaps(const char *text, struct proc_vmas *out);
void proc_vmas_free(struct proc_vmas *v);

/*
 * proc_smaps_layout() - append to @out (malloc'd, grown) the layout lines
 * a trace carries after execve: for each VMA of @text, its header line,
 * "Anonymous:" and "VmFlags:" lines, each prefixed with @prefix.
 * Return: 0 or -ENOMEM.
 */
struct tw_buf;
void proc_smaps_layout(const char *text, const char *prefix,
		       struct tw_buf *out);

/*
 * proc_vmflags_parse() - "rd wr mr ..." (up to the end of the line) to
 * ASPACE_VM_* bits; unknown mnemonics are ignored.  Cannot fail.
 */
uint64_t proc_vmflags_parse(const char *s);

#endif /* ASPACE_PTRACE_PROC_H */
