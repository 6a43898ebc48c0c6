/*
 * aspace.h - a Linux-exact model of a process's virtual address space.
 *
 * aspace rebuilds the Linux 6.18 VMA subsystem (VMA merge and split, mmap,
 * munmap, mremap, mprotect, madvise, mlock, mseal, brk, fork, stack growth,
 * /proc/PID/maps) as an embeddable user-space library.  Every operation takes
 * the system call's arguments and returns what the kernel returns: a
 * non-negative result or a negative errno, in the kernel's check order.
 *
 * Guarantees shared by every mutating call:
 *  - A call the kernel refuses leaves exactly what Linux leaves (usually
 *    nothing; the partial-failure cases are documented per call).
 *  - A failure of aspace's own allocator (reported as -ENOMEM through the
 *    allocator hook, see aspace_set_allocator()) leaves the address space
 *    and every counter byte-for-byte unchanged.  Callers that must tell the
 *    two -ENOMEM apart use aspace_last_oom().
 *  - Nothing is thread-safe: one struct aspace is used by one thread at a
 *    time; distinct address spaces are independent.
 *
 * Addresses and lengths are bytes (uint64_t); "n" pages means n * 4096.
 * Cost figures use n = number of VMAs, k = VMAs the call touches.
 */
#ifndef ASPACE_H
#define ASPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ASPACE_VERSION_MAJOR 0
#define ASPACE_VERSION_MINOR 1

/* An RLIMIT value of "unlimited". */
#define ASPACE_RLIM_INFINITY UINT64_MAX

struct aspace;          /* opaque: one address space (the kernel's mm) */
struct aspace_file;     /* opaque: one open file description */

/* ---------------------------------------------------------------------- */
/* Configuration                                                          */
/* ---------------------------------------------------------------------- */

enum aspace_thp_mode {
	ASPACE_THP_MADVISE = 0,     /* the default of the reference kernel */
	ASPACE_THP_ALWAYS,
	ASPACE_THP_NEVER,
};

/*
 * The environment of one address space: spec/08-trace-format.md's header
 * table.  aspace_config_init() fills the defaults of a fresh x86-64 process
 * on the reference 6.18.44 kernel with ASLR off; change fields after it.
 */
struct aspace_config {
	uint64_t page_size;             /* 4096 (the only supported value) */
	uint64_t task_size;             /* 0x7ffffffff000 */
	uint64_t mmap_base;             /* 0: derive as Linux does, no ASLR */
	uint64_t mmap_legacy_base;      /* 0: derive (0x2aaaaaaab000) */
	bool     legacy_layout;         /* bottom-up placement */
	int      max_map_count;         /* 65530 */
	int      overcommit_memory;     /* 0 (guess), 1 (always), 2 (never) */
	int      overcommit_ratio;      /* 50 */
	uint64_t overcommit_kbytes;     /* 0 */
	uint64_t totalram_pages;        /* for overcommit; default 24 GiB */
	uint64_t total_swap_pages;      /* 0 */
	enum aspace_thp_mode thp;
	uint64_t rlimit_memlock;        /* 8 MiB */
	uint64_t rlimit_as;             /* unlimited */
	uint64_t rlimit_data;           /* unlimited */
	uint64_t rlimit_stack;          /* 8 MiB */
	bool     cap_ipc_lock;          /* locking not limited by RLIMIT_MEMLOCK */
	bool     cap_sys_rawio;         /* MAP_FIXED below dac_mmap_min_addr */
	uint64_t mmap_min_addr;         /* 65536 (effective, LSM value) */
	uint64_t dac_mmap_min_addr;     /* 4096 (the sysctl) */
	uint64_t stack_guard_gap;       /* 1 MiB, bytes */
	bool     anon_vma_name;         /* CONFIG_ANON_VMA_NAME (default off) */
	bool     soft_dirty;            /* CONFIG_MEM_SOFT_DIRTY (default off) */
	bool     soft_dirty_sticky;     /* 6.19 rule: VM_SOFTDIRTY is sticky */
	bool     maybe_guard;           /* 6.18.44: VM_MAYBE_GUARD exists (on) */
	bool     read_implies_exec;     /* personality READ_IMPLIES_EXEC */
	bool     provenance;            /* remember which call made each VMA */
	bool     pku;                   /* CPU protection keys (the reference
					 * machine has them): PROT_EXEC-only
					 * gets the execute-only pkey */
	uint64_t hugetlb_pages;         /* free 2 MiB huge pages (0 here) */
	/* The process image; 0 = unknown.  brk is not page aligned. */
	uint64_t start_brk, brk;
	uint64_t start_stack;
	uint64_t start_code, end_code, start_data, end_data;
};

/*
 * aspace_config_init() - fill @cfg with the reference kernel's defaults.
 * Cannot fail.  Cost: O(1).
 */
void aspace_config_init(struct aspace_config *cfg /* OUT */);

/*
 * aspace_new() - create an empty address space.
 * @cfg: the environment, or NULL for aspace_config_init()'s defaults.  The
 *       structure is copied.
 * Return: the address space, or NULL when the allocator fails or @cfg is
 *         invalid (page_size other than 4096, task_size not page aligned).
 * Cost:   O(1).
 */
struct aspace *aspace_new(const struct aspace_config *cfg);

/*
 * aspace_free() - release an address space and every VMA in it.
 * NULL is allowed.  Cannot fail.  Cost: O(n).
 */
void aspace_free(struct aspace *as);

/* aspace_get_config() - the configuration in force (read-only view). */
const struct aspace_config *aspace_get_config(const struct aspace *as);

/*
 * aspace_set_image() - set the process image fields (start_brk, brk,
 * start_stack, start/end code and data) as exec or a trace header defines
 * them.  Only fields of @cfg with those names are read.  Cannot fail.
 */
void aspace_set_image(struct aspace *as, const struct aspace_config *cfg);

/*
 * aspace_set_call_id() - the id of the call being applied, recorded by
 * provenance (config.provenance) as the origin of VMAs created and the
 * last change of VMAs split or merged from now on.  Cannot fail.  O(1).
 */
void aspace_set_call_id(struct aspace *as, uint64_t id);

/* ---------------------------------------------------------------------- */
/* Allocator hook                                                         */
/* ---------------------------------------------------------------------- */

/*
 * aspace_set_allocator() - route every allocation of the library (VMAs,
 * tree nodes, names, files, buffers) through @alloc / @release.
 * @alloc returns NULL to report out-of-memory; the library then fails the
 * operation with -ENOMEM and leaves every address space unchanged.
 * Passing NULL for both restores malloc/free.  Global, not thread-safe:
 * call it before creating address spaces or between operations.
 */
void aspace_set_allocator(void *(*alloc)(size_t size, void *ctx),
			  void (*release)(void *ptr, size_t size, void *ctx),
			  void *ctx);

/*
 * aspace_last_oom() - true when the last failing call of @as failed because
 * the allocator hook refused memory (as opposed to an -ENOMEM the kernel
 * would return).  Cost: O(1).
 */
bool aspace_last_oom(const struct aspace *as);

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

enum aspace_file_kind {
	ASPACE_FILE_REGULAR = 0,  /* ext4-like: refuses VM_SYNC, THP-aligned */
	ASPACE_FILE_SHMEM,        /* tmpfs / memfd: MAP_SYNC accepted */
	ASPACE_FILE_DEVZERO,      /* /dev/zero: MAP_SHARED becomes shmem */
	ASPACE_FILE_HUGETLB,      /* hugetlbfs, 2 MiB pages */
	ASPACE_FILE_SYSV_SHM,     /* a SysV segment (shmat) */
	ASPACE_FILE_NOMMAP,       /* no mmap operation: ENODEV */
};

/* Open mode and attributes of a file description (bit set). */
#define ASPACE_O_READ        0x01u  /* open for reading */
#define ASPACE_O_WRITE       0x02u  /* open for writing */
#define ASPACE_F_NOEXEC      0x04u  /* on a noexec mount */
#define ASPACE_F_APPEND      0x08u  /* append-only inode */
#define ASPACE_F_DELETED     0x10u  /* unlinked: " (deleted)" in maps */
#define ASPACE_F_SEAL_WRITE  0x20u  /* memfd F_SEAL_WRITE / FUTURE_WRITE */
#define ASPACE_F_SWAPFILE    0x40u  /* an active swap file */

struct aspace_file_desc {
	const char *path;       /* as /proc/PID/maps prints it */
	uint64_t    size;       /* bytes (used by touch: SIGBUS past EOF) */
	uint32_t    dev_major, dev_minor;
	uint64_t    inode;
	unsigned    flags;      /* ASPACE_O_* | ASPACE_F_* */
	enum aspace_file_kind kind;
};

/*
 * aspace_file_open() - create a file description (what a file descriptor
 * names).  Two mappings of the same description at contiguous offsets
 * merge; two descriptions of one inode never do, as in the kernel.
 * Return: a handle with one reference, or NULL if the allocator fails.
 * Cost: O(strlen(path)).
 */
struct aspace_file *aspace_file_open(const struct aspace_file_desc *desc);

/* aspace_file_get()/aspace_file_put() - take/drop a reference. VMAs hold
 * their own references, so a file may be put right after mapping it. */
struct aspace_file *aspace_file_get(struct aspace_file *f);
void aspace_file_put(struct aspace_file *f);

/* aspace_file_desc_of() - the description a handle was opened with. */
const struct aspace_file_desc *aspace_file_desc_of(const struct aspace_file *f);

/* ---------------------------------------------------------------------- */
/* Flags and constants (x86-64 values, for hosts whose headers lack them)  */
/* ---------------------------------------------------------------------- */

/* vm_flags bits, as in 6.18 include/linux/mm.h (spec 01 §3). */
#define ASPACE_VM_READ          (1ull << 0)
#define ASPACE_VM_WRITE         (1ull << 1)
#define ASPACE_VM_EXEC          (1ull << 2)
#define ASPACE_VM_SHARED        (1ull << 3)
#define ASPACE_VM_MAYREAD       (1ull << 4)
#define ASPACE_VM_MAYWRITE      (1ull << 5)
#define ASPACE_VM_MAYEXEC       (1ull << 6)
#define ASPACE_VM_MAYSHARE      (1ull << 7)
#define ASPACE_VM_GROWSDOWN     (1ull << 8)
#define ASPACE_VM_UFFD_MISSING  (1ull << 9)
#define ASPACE_VM_PFNMAP        (1ull << 10)
#define ASPACE_VM_MAYBE_GUARD   (1ull << 11)
#define ASPACE_VM_UFFD_WP       (1ull << 12)
#define ASPACE_VM_LOCKED        (1ull << 13)
#define ASPACE_VM_IO            (1ull << 14)
#define ASPACE_VM_SEQ_READ      (1ull << 15)
#define ASPACE_VM_RAND_READ     (1ull << 16)
#define ASPACE_VM_DONTCOPY      (1ull << 17)
#define ASPACE_VM_DONTEXPAND    (1ull << 18)
#define ASPACE_VM_LOCKONFAULT   (1ull << 19)
#define ASPACE_VM_ACCOUNT       (1ull << 20)
#define ASPACE_VM_NORESERVE     (1ull << 21)
#define ASPACE_VM_HUGETLB       (1ull << 22)
#define ASPACE_VM_SYNC          (1ull << 23)
#define ASPACE_VM_ARCH_1        (1ull << 24)
#define ASPACE_VM_WIPEONFORK    (1ull << 25)
#define ASPACE_VM_DONTDUMP      (1ull << 26)
#define ASPACE_VM_SOFTDIRTY     (1ull << 27)
#define ASPACE_VM_MIXEDMAP      (1ull << 28)
#define ASPACE_VM_HUGEPAGE      (1ull << 29)
#define ASPACE_VM_NOHUGEPAGE    (1ull << 30)
#define ASPACE_VM_MERGEABLE     (1ull << 31)
#define ASPACE_VM_PKEY_SHIFT    32
#define ASPACE_VM_PKEY_MASK     (0xfull << 32)
#define ASPACE_VM_SHADOW_STACK  (1ull << 37)
#define ASPACE_VM_ALLOW_ANY_UNCACHED (1ull << 39)
#define ASPACE_VM_DROPPABLE     (1ull << 40)
#define ASPACE_VM_UFFD_MINOR    (1ull << 41)
#define ASPACE_VM_SEALED        (1ull << 42)

#define ASPACE_VM_SPECIAL (ASPACE_VM_IO | ASPACE_VM_DONTEXPAND | \
			   ASPACE_VM_PFNMAP | ASPACE_VM_MIXEDMAP)

/* Newer uapi values the host headers (6.1) may lack. */
#define ASPACE_MAP_DROPPABLE        0x08
#define ASPACE_MAP_FIXED_NOREPLACE  0x100000
#define ASPACE_MAP_SYNC             0x80000
#define ASPACE_MAP_SHARED_VALIDATE  0x03
#define ASPACE_MAP_ABOVE4G          0x80
#define ASPACE_MADV_COLLAPSE        25
#define ASPACE_MADV_GUARD_INSTALL   102
#define ASPACE_MADV_GUARD_REMOVE    103
#define ASPACE_MREMAP_DONTUNMAP     4
#define ASPACE_MLOCK_ONFAULT        1
#define ASPACE_MCL_ONFAULT          4
#define ASPACE_SYS_mseal            462

/* ---------------------------------------------------------------------- */
/* System calls                                                           */
/* ---------------------------------------------------------------------- */

/*
 * aspace_mmap() - mmap(2).
 * @file:  the open file @fd names, or NULL for MAP_ANONYMOUS (or for a bad
 *         fd: without MAP_ANONYMOUS a NULL file is -EBADF).
 * @out:   the start of the new range on success.
 * Return: 0 or a negative errno (spec/07 mmap table, kernel order).  As
 *         Linux: a MAP_FIXED @addr in the last 4095 bytes of the 64-bit
 *         space is returned as the "errno" it spells (-(2^64 - @addr),
 *         e.g. -612 for 0xfffffffffffffd9c), before any range check.
 * On error: splits made while gathering MAP_FIXED victims stay (as Linux).
 * Cost:   O(log n + k).   Mirrors: mm/mmap.c do_mmap(), mm/vma.c mmap_region().
 */
int aspace_mmap(struct aspace *as, uint64_t addr, uint64_t len, int prot,
		int flags, struct aspace_file *file, uint64_t off,
		uint64_t *out /* OUT */);

/*
 * aspace_munmap() - munmap(2).  Return: 0 or -EINVAL/-ENOMEM/-EPERM.
 * On error: a split of the first VMA made before a seal refusal stays.
 * Cost: O(log n + k).  Mirrors: mm/vma.c do_vmi_munmap().
 */
int aspace_munmap(struct aspace *as, uint64_t addr, uint64_t len);

/*
 * aspace_brk() - brk(2).  *@out is what the syscall returns: the new break,
 * or the unchanged one when Linux refuses.
 * Return: 0, or -ENOMEM only when our allocator failed (then *out is the
 *         old break and nothing changed).
 * With the image unknown (start_brk == brk == 0) the heap starts at address
 * 0: brk(0) reads 0 and growth is refused as a MAP_FIXED below
 * dac_mmap_min_addr is (unless cap_sys_rawio); set the image first.
 * Cost: O(log n).  Mirrors: mm/mmap.c brk().
 */
int aspace_brk(struct aspace *as, uint64_t brk, uint64_t *out /* OUT */);

/*
 * aspace_mprotect() / aspace_pkey_mprotect() - mprotect(2), pkey_mprotect(2).
 * Without PKU (config.pku false) every @pkey other than -1 is -EINVAL; with
 * PKU (the reference CPU) only pkey 0 is valid (the execute-only key is
 * not, as observed).
 * On error: VMAs before the failing one keep their new protection.
 * Cost: O(log n + k).  Mirrors: mm/mprotect.c do_mprotect_pkey().
 */
int aspace_mprotect(struct aspace *as, uint64_t start, uint64_t len, int prot);
int aspace_pkey_mprotect(struct aspace *as, uint64_t start, uint64_t len,
			 int prot, int pkey);

/*
 * aspace_mremap() - mremap(2) with MREMAP_MAYMOVE/FIXED/DONTUNMAP.
 * @out: the (possibly new) start on success.
 * On error: as Linux (pure multi-VMA moves keep the pieces already moved).
 * Cost: O(log n + k).  Mirrors: mm/mremap.c.
 */
int aspace_mremap(struct aspace *as, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr,
		  uint64_t *out /* OUT */);

/*
 * aspace_madvise() - madvise(2), every advice 6.18 accepts.
 * Return: 0 or -EINVAL/-ENOMEM/-EAGAIN/-EPERM/-EACCES/... (spec/07).
 * Cost: O(log n + k).  Mirrors: mm/madvise.c.
 */
int aspace_madvise(struct aspace *as, uint64_t start, uint64_t len, int advice);

/* mlock family (spec/05 §4).  Mirrors: mm/mlock.c. */
int aspace_mlock(struct aspace *as, uint64_t start, uint64_t len);
int aspace_mlock2(struct aspace *as, uint64_t start, uint64_t len, int flags);
int aspace_munlock(struct aspace *as, uint64_t start, uint64_t len);
int aspace_mlockall(struct aspace *as, int flags);
int aspace_munlockall(struct aspace *as);

/* aspace_mseal() - mseal(2) (spec/05 §5).  Mirrors: mm/mseal.c. */
int aspace_mseal(struct aspace *as, uint64_t start, uint64_t len,
		 unsigned long flags);

/*
 * aspace_set_anon_name() - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ...).
 * @name: NUL-terminated, or NULL to remove the name.
 * Return: -EINVAL always when the config lacks anon_vma_name (as the
 *         reference kernel), else spec/07's prctl table.
 */
int aspace_set_anon_name(struct aspace *as, uint64_t start, uint64_t len,
			 const char *name);

/* Access kinds for aspace_touch(). */
#define ASPACE_TOUCH_READ   1
#define ASPACE_TOUCH_WRITE  2
#define ASPACE_TOUCH_EXEC   4

/*
 * aspace_touch() - the VMA effects of page faults on every page of
 * [addr, addr + len), in ascending order: a write to a private mapping gives
 * its VMA an anon_vma; a THP-served read does too; an access below a
 * VM_GROWSDOWN VMA grows it (guard gap, RLIMIT_STACK).
 * Return: 0, or -EFAULT at the first page the kernel would not serve (no VMA,
 *         no permission, past the end of the file); earlier pages keep their
 *         effects.
 */
int aspace_touch(struct aspace *as, uint64_t addr, uint64_t len, int access);

/*
 * aspace_fork() - the child's address space as dup_mmap() makes it.
 * Return: 0 and *@child, or -ENOMEM (allocator or commit refusal).
 * Cost: O(n).
 */
int aspace_fork(struct aspace *parent, struct aspace **child /* OUT */);

/* One PT_LOAD program header (bytes, as in the ELF file). */
struct aspace_exec_segment {
	uint64_t vaddr, memsz;     /* p_vaddr, p_memsz */
	uint64_t offset, filesz;   /* p_offset, p_filesz */
	uint64_t align;            /* p_align */
	int      prot;             /* PROT_* from p_flags */
};

/* An ELF object to load: the program or its interpreter. */
struct aspace_exec_object {
	struct aspace_file *file;  /* borrowed; VMAs take references */
	bool     et_dyn;           /* ET_DYN (PIE, ld.so) rather than ET_EXEC */
	unsigned nseg;
	const struct aspace_exec_segment *seg;   /* PT_LOADs in file order */
};

/*
 * What execve(2) needs to lay out a fresh image (spec/06 §2).  Random
 * offsets are the values the kernel drew; 0 everywhere = ASLR off.
 */
struct aspace_exec_image {
	struct aspace_exec_object exe;
	struct aspace_exec_object interp;   /* used when has_interp */
	bool     has_interp;               /* PT_INTERP present */
	bool     exec_stack;               /* PT_GNU_STACK with PF_X */
	uint64_t stack_used;               /* bytes below the stack top in use
					    * at the end (strings, auxv,
					    * pointers): start_stack = top -
					    * stack_used */
	bool     randomize;                /* PF_RANDOMIZE (randomize_va_space
					    * 2): brk gap page, stack pad */
	uint64_t stack_rnd;                /* bytes below STACK_TOP */
	uint64_t mmap_rnd;                 /* bytes below the mmap base */
	uint64_t load_rnd;                 /* bytes above ELF_ET_DYN_BASE */
	uint64_t brk_rnd;                  /* bytes added to start_brk */
};

/*
 * aspace_exec() - build the initial layout of execve(2) into @as, which
 * must be empty: stack (relocated, grown by 128 KiB), mmap_base, the
 * program's segments with their bss, the interpreter placed like
 * mmap(NULL), the vDSO block ([vvar], [vvar_vclock], [vdso]), start_brk,
 * start_stack; in the kernel's order.
 * Return: 0; -EINVAL (@as not empty, no segments), -ENOMEM/-EFAULT/-EEXIST
 *         as the kernel's exec would fail; on any error @as is left
 *         unchanged (empty).
 * Cost: O(segments * log n).  Mirrors: fs/binfmt_elf.c load_elf_binary().
 */
int aspace_exec(struct aspace *as, const struct aspace_exec_image *img);

/* ---------------------------------------------------------------------- */
/* Building a layout directly                                             */
/* ---------------------------------------------------------------------- */

/* Kinds of VMA a plain mmap cannot create. */
enum aspace_vma_kind {
	ASPACE_VMA_NORMAL = 0,
	ASPACE_VMA_VDSO,          /* [vdso]: close hook, refuses splits */
	ASPACE_VMA_VVAR,          /* [vvar] */
	ASPACE_VMA_VVAR_VCLOCK,   /* [vvar_vclock] */
	ASPACE_VMA_UPROBES,       /* [uprobes] */
	ASPACE_VMA_HUGETLB,       /* close hook, splits only at 2 MiB */
	ASPACE_VMA_SYSV_SHM,      /* close hook */
	ASPACE_VMA_DRIVER_CLOSE,  /* a driver mapping with a close hook */
};

/*
 * A VMA to insert as is (exec layout, fork-like imports, /proc/PID/maps
 * imports).  No merge is attempted and no counter check is made.
 */
struct aspace_vma_desc {
	uint64_t start, end;      /* page aligned, start < end */
	uint64_t pgoff;           /* pages */
	uint64_t flags;           /* ASPACE_VM_* */
	struct aspace_file *file; /* NULL for anonymous; a reference is taken */
	enum aspace_vma_kind kind;
	bool     has_anon;        /* the VMA has an anon_vma (was faulted) */
	bool     anon_forked;     /* ... inherited through fork */
	const char *anon_name;    /* NULL: none */
};

/*
 * aspace_insert_vma() - insert one VMA into a hole.
 * Return: 0; -EEXIST if it overlaps a VMA; -EINVAL for a malformed
 *         descriptor; -ENOMEM from the allocator.
 * Counters (total_vm, data/exec/stack, locked, committed) follow the flags.
 * Cost: O(log n).
 */
int aspace_insert_vma(struct aspace *as, const struct aspace_vma_desc *d);

/* Where an import or parse failed: 1-based line and column. */
struct aspace_import_error {
	int  line, column;
	char msg[160];
};

/*
 * aspace_import_maps() - add the VMAs described by a /proc/PID/maps or
 * /proc/PID/smaps text (spec/08 "Importing a layout"): one VMA per line,
 * the [vsyscall] line skipped, smaps "VmFlags:" lines replacing the
 * inferred flags, smaps "Anonymous:" (non-zero) marking an anon_vma.
 * Files get one description per distinct (dev, inode, path); special
 * names ([vdso], [vvar], [vvar_vclock]) their kinds; [heap] and [stack]
 * set start_brk/brk and start_stack when those are still unknown (0).
 * Return: 0, -EINVAL with *@err filled for malformed text (nothing
 *         added), -EEXIST if a line overlaps an existing VMA, -ENOMEM.
 * Cost: O(n log n) for n lines.
 */
int aspace_import_maps(struct aspace *as, const char *text,
		       struct aspace_import_error *err /* OUT, may be NULL */);

/* ---------------------------------------------------------------------- */
/* Queries                                                                */
/* ---------------------------------------------------------------------- */

struct aspace_vma_info {
	uint64_t start, end;      /* [start, end) */
	uint64_t pgoff;           /* pages */
	uint64_t flags;           /* ASPACE_VM_* */
	struct aspace_file *file; /* borrowed; NULL for private anonymous */
	enum aspace_vma_kind kind;
	uint64_t anon_id;         /* 0: no anon_vma */
	bool     anon_forked;
	const char *anon_name;    /* borrowed; NULL: none */
	uint64_t origin;          /* provenance: call that created it (0: off) */
	uint64_t last_change;     /* provenance: last call that split/merged it */
};

/*
 * aspace_find_vma() - the first VMA with end > @addr (the kernel's
 * find_vma()).  Return: 0 and *@out, or -ENOENT.  Cost: O(log n).
 */
int aspace_find_vma(const struct aspace *as, uint64_t addr,
		    struct aspace_vma_info *out /* OUT */);

/*
 * aspace_vma_at() - the VMA containing @addr.  Return: 0 or -ENOENT.
 */
int aspace_vma_at(const struct aspace *as, uint64_t addr,
		  struct aspace_vma_info *out /* OUT */);

/*
 * aspace_for_each_vma() - call @fn for every VMA intersecting [lo, hi) in
 * address order; stop early when @fn returns non-zero and return that value.
 * @fn must not modify @as.  Cost: O(log n + k).
 */
int aspace_for_each_vma(const struct aspace *as, uint64_t lo, uint64_t hi,
			int (*fn)(const struct aspace_vma_info *v, void *arg),
			void *arg);

struct aspace_counters {
	uint64_t map_count;
	uint64_t total_vm, hiwater_vm, locked_vm, pinned_vm;   /* pages */
	uint64_t data_vm, exec_vm, stack_vm;                   /* pages */
	uint64_t committed;                                    /* pages */
	uint64_t def_flags;
	uint64_t start_brk, brk, start_stack, mmap_base;
};

/* aspace_counters() - the mm-wide counters.  Cannot fail.  O(1). */
void aspace_counters(const struct aspace *as,
		     struct aspace_counters *out /* OUT */);

/* Work statistics since aspace_new() (or inherited at fork: zeroed). */
struct aspace_stats {
	uint64_t merges;          /* VMAs removed or extended by a merge */
	uint64_t splits;          /* split_vma() calls that succeeded */
	uint64_t vmas_created;
	uint64_t vmas_freed;
	uint64_t peak_map_count;
};
void aspace_stats(const struct aspace *as, struct aspace_stats *out /* OUT */);

/* Options of aspace_maps(). */
#define ASPACE_MAPS_VSYSCALL  0x1u  /* end with the [vsyscall] gate line */
#define ASPACE_MAPS_SMAPS     0x2u  /* add "VmFlags:" lines (smaps subset) */

/*
 * aspace_maps() - the layout exactly as /proc/PID/maps prints it.
 * Return: a NUL-terminated string from the allocator (free with
 *         aspace_free_text()), or NULL when the allocator fails.
 * Cost: O(n).
 */
char *aspace_maps(const struct aspace *as, unsigned opts);
void aspace_free_text(char *text);

/*
 * aspace_maps_into() - the same text as aspace_maps(), written into the
 * caller's buffer @buf of @cap bytes and NUL-terminated, as a read of
 * /proc/PID/maps fills a user buffer (an emulator serving the guest's
 * read, a tool reusing one buffer): no allocation when the text fits
 * with room to spare.
 * Return: the text's length (without the NUL); -ENOSPC when it needs
 *         more than @cap - 1 bytes (@buf's contents are then
 *         unspecified; aspace_maps() sizes it); -ENOMEM only when the
 *         text ends within one line's worst case (~128 bytes, or a
 *         long path) of @cap and the allocator fails while checking it.
 * Cost: O(n); no allocation unless the text ends that close to @cap.
 */
long aspace_maps_into(const struct aspace *as, unsigned opts, char *buf,
		      size_t cap);

/*
 * aspace_vmflags_str() - the smaps "VmFlags:" mnemonics of @flags
 * ("rd wr mr mw me ac "), ascending bit order, as the kernel prints them.
 * Return: the length the full text needs (snprintf-like).
 */
size_t aspace_vmflags_str(uint64_t flags, char *buf, size_t cap);

/*
 * aspace_validate() - check every invariant (tree shape, ordering, counter
 * sums, map_count).  Return: 0, or -EUCLEAN with a message on stderr.
 * Cost: O(n).
 */
int aspace_validate(const struct aspace *as);

/* ---------------------------------------------------------------------- */
/* Insight: why two VMAs are separate (src/vma/explain.c)                 */
/* ---------------------------------------------------------------------- */

/*
 * The merge rules of spec/02 §1 that can keep two neighbours apart, as bits.
 * The merge code computes exactly this mask (vma_merge_why_not()) and
 * merges only when it is 0, so an explanation cannot drift from behaviour.
 */
#define ASPACE_WHY_SPECIAL    0x0001u /* rule 1: a VM_SPECIAL flag (io/de/pf/mm) */
#define ASPACE_WHY_GAP        0x0002u /* rule 2: not adjacent (a hole between) */
#define ASPACE_WHY_POLICY     0x0004u /* rule 3: NUMA memory policy differs */
#define ASPACE_WHY_FLAGS      0x0008u /* rule 4: vm_flags differ (not VM_SEALED) */
#define ASPACE_WHY_SEALED     0x0010u /* rule 4: one is mseal'ed, the other not */
#define ASPACE_WHY_FILE       0x0020u /* rule 5: another file (description) */
#define ASPACE_WHY_UFFD       0x0040u /* rule 6: another userfaultfd context */
#define ASPACE_WHY_NAME       0x0080u /* rule 7: another anon name */
#define ASPACE_WHY_ANON       0x0100u /* rule 8: two different anon_vmas */
#define ASPACE_WHY_ANON_FORK  0x0200u /* rule 8: a fork child's anon_vma
				       * against none */
#define ASPACE_WHY_PGOFF      0x0400u /* rule 9: page offsets not contiguous */
#define ASPACE_WHY_CLOSE      0x0800u /* both have a close hook: a merge would
				       * have to delete one (02 §4) */
#define ASPACE_WHY_NBITS      12

/* One pair of neighbouring VMAs and why they are two. */
struct aspace_explain {
	struct aspace_vma_info left, right;   /* left.end <= right.start */
	bool     has_right;       /* false: @left is the last VMA */
	uint32_t why;             /* ASPACE_WHY_* bits; 0: they could merge
				   * (the kernel never retries: see text) */
	uint64_t flags_diff;      /* flag bits that differ and count (rule 4) */
	uint64_t flags_ignored;   /* bits that differ but merging ignores
				   * (soft-dirty, VM_MAYBE_GUARD on 6.18.44) */
	uint64_t pgoff_expected;  /* left.pgoff + pages(left): what right.pgoff
				   * would have to be */
};

/*
 * aspace_explain() - why the VMA containing @addr and the next one (or,
 * when @addr is the start of a VMA, the previous one and it; or, when
 * @addr is in a hole, the VMAs around the hole) are separate VMAs.
 * The rules are evaluated as if @right were merged into @left.
 * Return: 0 and *@out; -ENOENT when no VMA is at or next to @addr (an empty
 *         address space, a hole with nothing on its left).
 * Cost:   O(log n).
 */
int aspace_explain(const struct aspace *as, uint64_t addr,
		   struct aspace_explain *out /* OUT */);

/*
 * aspace_explain_pair() - the same for two given VMAs (@lo must end at or
 * before @hi starts).  Return: 0, or -ENOENT when either is not a VMA of
 * @as (by start address), -EINVAL when they overlap or are out of order.
 */
int aspace_explain_pair(const struct aspace *as, uint64_t lo_start,
			uint64_t hi_start, struct aspace_explain *out /* OUT */);

/*
 * aspace_why_name() - "flags", "anon_vma", ... for one ASPACE_WHY_* bit;
 * aspace_why_text() - the rule in plain words.  NULL for an unknown bit.
 */
const char *aspace_why_name(uint32_t bit);
const char *aspace_why_text(uint32_t bit);

/*
 * aspace_explain_text() - the explanation in plain words, one reason a
 * line (flags by name, both pgoffs, anon ids ...).  snprintf-like: return
 * the length the full text needs; @buf gets at most @cap - 1 characters.
 */
size_t aspace_explain_text(const struct aspace_explain *e, char *buf,
			   size_t cap);

/*
 * aspace_vmflag_name() - "VM_LOCKED" for one flag bit (1ull << k);
 * NULL for a bit without a name.
 */
const char *aspace_vmflag_name(uint64_t bit);

/*
 * aspace_strerror_name() - "ENOMEM" for -ENOMEM or ENOMEM; "?" if unknown.
 */
const char *aspace_errno_name(int err);

#ifdef __cplusplus
}
#endif
#endif /* ASPACE_H */
