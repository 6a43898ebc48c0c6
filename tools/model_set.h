/*
 * model_set.h - the address spaces of every traced process: PID -> model.
 *
 * One struct ms_mm per address space (the kernel's mm), shared by the
 * tasks that use it: threads and CLONE_VM/vfork children take a reference,
 * fork and clone without CLONE_VM copy it with aspace_fork(), execve gives
 * the task a fresh one (config from the trace header, layout from the `#|`
 * lines and the `#@ pid=N` line), exit drops the task's reference.  A
 * process that exits keeps a snapshot of its last layout (maps text and
 * VMA list) so the final report can show it.
 *
 * Files: strace does not show openat in a %memory trace, so a file
 * description cannot be followed.  The heuristic: one aspace_file per
 * distinct path per address space (copied to a fork child, which inherits
 * the descriptions), dev 00:00 and a stable pseudo inode derived from the
 * path (ms_pseudo_inode()).  An fd without a -y path is named "fd:N".
 */
#ifndef ASPACE_MODEL_SET_H
#define ASPACE_MODEL_SET_H

#include <stdbool.h>
#include <stdint.h>

#include "aspace.h"

struct ms_mm;                   /* one address space and its file table */
struct model_set;

/* One task (thread or process) as the trace shows it. */
struct ms_task {
	int           pid;
	int           leader;       /* the thread-group leader's pid */
	bool          is_thread;    /* made by clone(CLONE_THREAD) */
	bool          exited;
	int           exit_status;  /* exit code, or 128 + signal */
	int           order;        /* first appearance, for printing */
	struct ms_mm *mm;           /* NULL once exited */
	/* execve seen, model not built yet: `#|` lines are being gathered */
	bool          exec_pending;
	char         *exec_layout;  /* gathered `#|` text */
	size_t        exec_layout_len, exec_layout_cap;
	int           exec_line;    /* line of the execve (for errors) */
	/* the layout at exit (maps text and JSON array), or NULL */
	char         *final_maps;
	char         *final_json;
	/* clone/fork/vfork entered and not yet returned (unfinished) */
	bool          clone_pending;
	uint64_t      clone_pending_flags;
	uint64_t      clone_pending_seq;
};

/*
 * ms_new() - an empty set.
 * @cfg: the header's environment, copied; every new model (first process,
 *       execve) is created with it.
 * Return: the set, or NULL when out of memory.
 */
struct model_set *ms_new(const struct aspace_config *cfg);

/* ms_free() - free every model, task and file.  NULL ok.  Cannot fail. */
void ms_free(struct model_set *ms);

/* ms_config() - the configuration new models get (writable until the
 * first model exists). */
struct aspace_config *ms_config(struct model_set *ms);

/*
 * ms_task() - the task @pid, or NULL when the trace has not shown it.
 */
struct ms_task *ms_task(struct model_set *ms, int pid);

/*
 * ms_task_get() - the task @pid, created when first seen: as the child of
 * a task with a clone/fork/vfork in flight (the most recent one; strace
 * prints the child's first lines before the parent's "resumed"), else
 * with a fresh model (the first task gets the `maps=` layout, see
 * ms_set_initial_layout()).
 * @created: set true when the task was made by this call (may be NULL).
 * Return: 0 and *@out, or a negative errno (-ENOMEM; or the import error
 *         of the initial layout, reported through ms_last_error()).
 */
int ms_task_get(struct model_set *ms, int pid, struct ms_task **out /* OUT */,
		bool *created /* OUT, may be NULL */);

/*
 * ms_set_initial_layout() - the maps/smaps text the first task starts
 * with (the header's `maps=` file).  The text is copied.  Return: 0 or
 * -ENOMEM.
 */
int ms_set_initial_layout(struct model_set *ms, const char *text);

/*
 * ms_aspace() - the address space of @t, building it first if an execve
 * is pending (ms_exec_finish()).  Return: the model, or NULL when @t has
 * exited or the pending build failed (see ms_last_error()).
 */
struct aspace *ms_aspace(struct model_set *ms, struct ms_task *t);

/*
 * ms_clone() - a clone/fork/vfork returned @child in @parent.
 * @flags: clone flags (fork: 0 + SIGCHLD; vfork: CLONE_VM|CLONE_VFORK).
 *         CLONE_VM shares the model (refcount), CLONE_THREAD makes a
 *         thread; otherwise the child gets aspace_fork()'s copy.
 * Return: 0 (also when @child already exists: it was created from the
 *         pending call), -ENOMEM, or aspace_fork()'s error.
 */
int ms_clone(struct model_set *ms, struct ms_task *parent, int child,
	     uint64_t flags);

/*
 * ms_exec_begin() - a successful execve in @t: drop its model and start
 * gathering `#|` layout lines.  Threads of the group are gone (the kernel
 * kills them).  Return: 0 or -ENOMEM.
 */
int ms_exec_begin(struct model_set *ms, struct ms_task *t, int line);

/*
 * ms_exec_layout_line() - add one `#|` line (without "#| " and the PID)
 * to @t's pending layout.  Return: 0, -EINVAL when no execve is pending
 * for @t (a layout line out of place), -ENOMEM.
 */
int ms_exec_layout_line(struct model_set *ms, struct ms_task *t,
			const char *text);

/*
 * ms_exec_finish() - build @t's new model: a fresh aspace with the set's
 * config overridden by @pcfg's image fields and mmap_base when @pcfg is
 * not NULL (the `#@ pid=N` line), then the gathered layout imported.
 * Return: 0; -EINVAL with ms_last_error() set for a malformed layout;
 *         -ENOMEM.  Nothing to do (0) when no execve is pending.
 */
int ms_exec_finish(struct model_set *ms, struct ms_task *t,
		   const struct aspace_config *pcfg, unsigned pcfg_mask);

/* Bits of @pcfg_mask: which fields of the `#@ pid=` line were given. */
#define MS_PCFG_MMAP_BASE    0x01u
#define MS_PCFG_START_BRK    0x02u
#define MS_PCFG_BRK          0x04u
#define MS_PCFG_START_STACK  0x08u
#define MS_PCFG_CODE         0x10u
#define MS_PCFG_DATA         0x20u
#define MS_PCFG_OTHER        0x40u   /* any other config key */

/*
 * ms_exit() - @t exited (or was killed): snapshot its layout when it is a
 * process (not a thread) and drop its reference.  Cannot fail (a snapshot
 * that cannot be allocated is left out).
 */
void ms_exit(struct model_set *ms, struct ms_task *t, int status);

/*
 * ms_note_clone() - @t entered clone/fork/vfork with @flags and has not
 * returned yet (<unfinished ...>): a task first seen before the return is
 * taken for its child.  Cannot fail.
 */
void ms_note_clone(struct model_set *ms, struct ms_task *t, uint64_t flags);

/*
 * ms_file() - the aspace_file for @path in @t's address space, created on
 * first use (one per distinct path, see the file comment).
 * Return: a borrowed handle, or NULL when out of memory.
 */
struct aspace_file *ms_file(struct model_set *ms, struct ms_task *t,
			    const char *path);

/* ms_pseudo_inode() - the inode printed for a trace path (FNV-1a based,
 * never 0).  Cannot fail. */
uint64_t ms_pseudo_inode(const char *path);

/*
 * ms_brk_known() / ms_set_brk_known() - whether @t's address space has a
 * known start_brk (header, maps import, `#@ pid=` or a first brk).
 */
bool ms_brk_known(const struct ms_task *t);
void ms_set_brk_known(struct ms_task *t);

/*
 * ms_for_each_task() - call @fn for each task in order of first appearance;
 * stop when it returns non-zero and return that.
 */
int ms_for_each_task(struct model_set *ms,
		     int (*fn)(struct ms_task *t, void *arg), void *arg);

/* ms_stats() - merges/splits/... summed over every model ever made,
 * including freed ones.  Cannot fail. */
void ms_stats(const struct model_set *ms, struct aspace_stats *out /* OUT */);

/* ms_vma_count() - VMAs in the models of live tasks plus the snapshots
 * of exited processes (each address space counted once). */
uint64_t ms_vma_count(struct model_set *ms);

/* ms_last_error() - the import error behind the last -EINVAL. */
const struct aspace_import_error *ms_last_error(const struct model_set *ms);

/*
 * ms_layout_json() - @as's VMAs as a JSON array of objects {start, end,
 * perms, offset, dev, inode, name, flags}.  Return: malloc'd text or NULL.
 */
char *ms_layout_json(const struct aspace *as);

/* A growing text buffer (JSON and report output).  On allocation failure
 * it sets oom and drops further text. */
struct ms_buf {
	char  *s;
	size_t len, cap;
	bool   oom;
};

/* ms_buf_add() - append printf-style text.  Cannot fail (sets oom). */
void ms_buf_add(struct ms_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ms_buf_json_str() - append @s as a JSON string literal with quotes. */
void ms_buf_json_str(struct ms_buf *b, const char *s);

#endif /* ASPACE_MODEL_SET_H */
