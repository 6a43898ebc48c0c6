/*
 * trace_write.h - formats memory and process system calls as `strace -f -y`
 * prints them (spec/08), plus the aspace extensions a recording needs:
 * `touch(...)` pseudo-calls, `#|` layout lines and `#@` header lines.
 * Everything is appended to a growable buffer; nothing here does I/O.
 */
#ifndef ASPACE_TRACE_WRITE_H
#define ASPACE_TRACE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A growable text buffer.  Zero-initialise; tw_buf_free() releases. */
struct tw_buf {
	char  *p;
	size_t len, cap;
};

/* tw_printf() - append formatted text.  Exits with status 2 when out of
 * memory (the tracer cannot continue without its trace). */
void tw_printf(struct tw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tw_putn(struct tw_buf *b, const char *s, size_t n);
void tw_buf_free(struct tw_buf *b);

/*
 * tw_quote() - append @s (@n bytes) as a C string literal the way strace
 * prints it ("...", escapes, octal for unprintable bytes), followed by
 * "..." when @cut.  Cannot fail.
 */
void tw_quote(struct tw_buf *b, const char *s, size_t n, bool cut);

/* One call, with what the tracer read from the task at its entry. */
struct tw_call {
	pid_t       tid;
	int         nr;         /* x86-64 number (ptrace_run.h PT_NR_*) */
	uint64_t    args[6];
	int64_t     ret;        /* >= 0, or -errno */
	bool        no_return;  /* print "= ?" (exit, killed mid-call) */
	const char *path;       /* the fd argument's path (mmap), or NULL */
	const char *text;       /* preformatted pointer arguments: execve's
				 * filename/argv/envp, clone3's struct,
				 * prctl's name, process_madvise's iovec */
};

/*
 * tw_call() - append one line "TID  NAME(ARGS) = RESULT\n" for @c.
 * Return: 0, or -1 when @c->nr is not a call this writer knows (nothing
 *         appended).
 */
int tw_call(struct tw_buf *b, const struct tw_call *c);

/* Access bits of touch(), as aspace_touch() takes them. */
#define TW_TOUCH_READ  1
#define TW_TOUCH_WRITE 2
#define TW_TOUCH_EXEC  4

/* tw_touch() - "TID  touch(0xADDR, LEN, PROT_...) = 0" or "= -1 EFAULT". */
void tw_touch(struct tw_buf *b, pid_t tid, uint64_t addr, uint64_t len,
	      int access, int ret);

/* tw_exited() - "TID  +++ exited with N +++" / "+++ killed by SIG +++". */
void tw_exited(struct tw_buf *b, pid_t tid, int wait_status);

/* clone3's struct clone_args (the fields strace prints). */
struct tw_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

/* tw_clone3_struct() - "{flags=CLONE_VM|..., exit_signal=..., stack=...}"
 * as strace prints clone3's first argument.  Cannot fail. */
void tw_clone3_struct(struct tw_buf *b, const struct tw_clone_args *ca);

/* tw_prot() / tw_mmap_flags() - the symbolic flag sets (for messages). */
void tw_prot(struct tw_buf *b, uint64_t prot);
void tw_mmap_flags(struct tw_buf *b, uint64_t flags);

/* tw_errno() - " = -1 ENAME (text)" for a negative @err. */
void tw_errno(struct tw_buf *b, int err);

/*
 * tw_maps_key() - append "start-end perms offset name\n" for one
 * /proc/PID/maps line of @len bytes: the line without its dev and inode
 * columns, which a model knows only for files it imported from smaps (a
 * trace names mapped files by path).  Cannot fail.
 */
void tw_maps_key(struct tw_buf *b, const char *line, size_t len);

/* tw_call_name() - "mmap" for PT_NR_MMAP, ...; NULL when unknown. */
const char *tw_call_name(int nr);

#endif /* ASPACE_TRACE_WRITE_H */
