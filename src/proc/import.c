/*
 * import.c - aspace_import_maps(): a /proc/PID/maps or /proc/PID/smaps
 * text turned into VMAs (spec/08 "Importing a layout").
 *
 * Owns the maps/smaps reading grammar and the inference table: what a
 * maps line does not show (VM_MAY*, VM_SHARED, VM_ACCOUNT, anon_vma, the
 * kinds of special VMAs, file identity) is guessed as the table says, and
 * replaced by a smaps entry's VmFlags/Anonymous lines when present.
 *
 * Invariant: the whole text is parsed and checked (syntax, order, overlap
 * with the existing layout) before the first VMA is inserted, so malformed
 * text or an overlap adds nothing.  Uses only the public API.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aspace.h"
#include "internal.h"

/* One VMA to insert, as read from the text. */
struct imp_line {
	int      line;
	uint64_t start, end, offset;
	uint32_t major, minor;
	uint64_t inode;
	char     perms[4];
	char    *name;          /* as printed, NULL when none */
	bool     have_vmflags;
	uint64_t vmflags;
	int      anon_kb;       /* -1: no Anonymous: line */
	int      file;          /* index into the file table, -1: none */
};

/* One open file description of the import. */
struct imp_file {
	uint32_t major, minor;
	uint64_t inode;
	const char *name;       /* the maps name (with " (deleted)"); borrowed */
	bool     unique;        /* shared anonymous: never reused */
	unsigned mode;          /* ASPACE_O_* | ASPACE_F_* */
	uint64_t size;
	enum aspace_file_kind kind;
	struct aspace_file *f;
};

struct imp {
	struct imp_line *l;
	int n, cap;
	bool skipping;          /* after [vsyscall]: its smaps fields too */
	struct imp_file *files;
	int nfiles, fcap;
	struct aspace_import_error *err;
};

/* VmFlags mnemonics (06 §6.3) and their bits. */
static const struct { char m[3]; uint64_t bit; } mnemonics[] = {
	{ "rd", ASPACE_VM_READ }, { "wr", ASPACE_VM_WRITE },
	{ "ex", ASPACE_VM_EXEC }, { "sh", ASPACE_VM_SHARED },
	{ "mr", ASPACE_VM_MAYREAD }, { "mw", ASPACE_VM_MAYWRITE },
	{ "me", ASPACE_VM_MAYEXEC }, { "ms", ASPACE_VM_MAYSHARE },
	{ "gd", ASPACE_VM_GROWSDOWN }, { "um", ASPACE_VM_UFFD_MISSING },
	{ "pf", ASPACE_VM_PFNMAP }, { "gu", ASPACE_VM_MAYBE_GUARD },
	{ "uw", ASPACE_VM_UFFD_WP }, { "lo", ASPACE_VM_LOCKED },
	{ "io", ASPACE_VM_IO }, { "sr", ASPACE_VM_SEQ_READ },
	{ "rr", ASPACE_VM_RAND_READ }, { "dc", ASPACE_VM_DONTCOPY },
	{ "de", ASPACE_VM_DONTEXPAND }, { "lf", ASPACE_VM_LOCKONFAULT },
	{ "ac", ASPACE_VM_ACCOUNT }, { "nr", ASPACE_VM_NORESERVE },
	{ "ht", ASPACE_VM_HUGETLB }, { "sf", ASPACE_VM_SYNC },
	{ "ar", ASPACE_VM_ARCH_1 }, { "wf", ASPACE_VM_WIPEONFORK },
	{ "dd", ASPACE_VM_DONTDUMP }, { "sd", ASPACE_VM_SOFTDIRTY },
	{ "mm", ASPACE_VM_MIXEDMAP }, { "hg", ASPACE_VM_HUGEPAGE },
	{ "nh", ASPACE_VM_NOHUGEPAGE }, { "mg", ASPACE_VM_MERGEABLE },
	{ "ss", ASPACE_VM_SHADOW_STACK }, { "dp", ASPACE_VM_DROPPABLE },
	{ "ui", ASPACE_VM_UFFD_MINOR }, { "sl", ASPACE_VM_SEALED },
};

static int imp_fail(struct imp *im, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (im->err) {
		im->err->line = line;
		im->err->column = col;
		va_start(ap, fmt);
		vsnprintf(im->err->msg, sizeof(im->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Hex digits at *p; advance.  Return false when none or on overflow. */
static bool read_hex(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	while (isxdigit((unsigned char)*s)) {
		int d = isdigit((unsigned char)*s) ? *s - '0' :
			tolower((unsigned char)*s) - 'a' + 10;

		if (v >> 60)
			return false;
		v = v * 16 + (uint64_t)d;
		s++;
		n++;
	}
	*p = s;
	*out = v;
	return n > 0;
}

static bool read_dec(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	while (isdigit((unsigned char)*s)) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		n++;
	}
	*p = s;
	*out = v;
	return n > 0;
}

/* Is this the header line of a VMA ("start-end ...")? */
static bool is_vma_header(const char *s, const char *e)
{
	const char *p = s;

	while (p < e && isxdigit((unsigned char)*p))
		p++;
	return p > s && p < e && *p == '-';
}

static int grow_lines(struct imp *im)
{
	struct imp_line *n;
	int cap;

	if (im->n < im->cap)
		return 0;
	cap = im->cap ? 2 * im->cap : 32;
	n = as_alloc((size_t)cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (im->l) {
		memcpy(n, im->l, (size_t)im->n * sizeof(*n));
		as_free(im->l, (size_t)im->cap * sizeof(*n));
	}
	im->l = n;
	im->cap = cap;
	return 0;
}

/* Is s[i..] the "\012" maps prints for a newline in a path? */
static bool is_nl_escape(const char *s, size_t i, size_t len)
{
	return i + 3 < len && !memcmp(s + i, "\\012", 4);
}

/* "/usr/lib/a\012b" as printed -> the path with its newline back. */
static char *name_dup(const char *s, size_t len)
{
	size_t i, n = 0;
	char *out, *o;

	for (i = 0; i < len; i++, n++)
		if (is_nl_escape(s, i, len))
			i += 3;
	out = as_alloc(n + 1);
	if (!out)
		return NULL;
	for (o = out, i = 0; i < len; i++) {
		if (is_nl_escape(s, i, len)) {
			*o++ = '\n';
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

/* Parse one "start-end perms offset maj:min inode [name]" line. */
static int parse_header_line(struct imp *im, const char *s, const char *e,
			     int lineno)
{
	const char *p = s, *q;
	struct imp_line *l;
	uint64_t v;
	int i, err;

	err = grow_lines(im);
	if (err)
		return err;
	l = &im->l[im->n];
	memset(l, 0, sizeof(*l));
	l->line = lineno;
	l->anon_kb = -1;
	l->file = -1;
	if (!read_hex(&p, &l->start) || *p != '-')
		return imp_fail(im, lineno, 1, "expected start-end");
	p++;
	q = p;
	if (!read_hex(&p, &l->end) || *p != ' ')
		return imp_fail(im, lineno, (int)(q - s) + 1, "expected the end address");
	if (!PAGE_ALIGNED(l->start) || !PAGE_ALIGNED(l->end) || l->start >= l->end)
		return imp_fail(im, lineno, 1, "range not page aligned or empty");
	p++;
	q = p;
	for (i = 0; i < 4; i++) {
		static const char ok[4][3] = { "r-", "w-", "x-", "sp" };

		if (p >= e || !strchr(ok[i], *p) || !*p)
			return imp_fail(im, lineno, (int)(p - s) + 1, "bad permissions");
		l->perms[i] = *p++;
	}
	if (*p != ' ')
		return imp_fail(im, lineno, (int)(p - s) + 1, "bad permissions");
	p++;
	q = p;
	if (!read_hex(&p, &l->offset) || *p != ' ')
		return imp_fail(im, lineno, (int)(q - s) + 1, "bad offset");
	p++;
	q = p;
	if (!read_hex(&p, &v) || *p != ':' || v > 0xfff)
		return imp_fail(im, lineno, (int)(q - s) + 1, "bad device");
	l->major = (uint32_t)v;
	p++;
	if (!read_hex(&p, &v) || *p != ' ' || v > 0xfffff)
		return imp_fail(im, lineno, (int)(q - s) + 1, "bad device");
	l->minor = (uint32_t)v;
	p++;
	q = p;
	if (!read_dec(&p, &l->inode) || (p < e && *p != ' '))
		return imp_fail(im, lineno, (int)(q - s) + 1, "bad inode");
	while (p < e && *p == ' ')
		p++;
	if (p < e) {
		l->name = name_dup(p, (size_t)(e - p));
		if (!l->name)
			return -ENOMEM;
	}
	if (l->name && !strcmp(l->name, "[vsyscall]")) {
		as_strfree(l->name);
		l->name = NULL;
		return 1;               /* the gate area: not a VMA */
	}
	if (im->n && l->start < im->l[im->n - 1].end) {
		as_strfree(l->name);
		l->name = NULL;
		return imp_fail(im, lineno, 1, "overlaps or precedes line %d",
				im->l[im->n - 1].line);
	}
	im->n++;
	return 0;
}

/* "VmFlags: rd wr mr" -> bits; unknown mnemonics (??, arm64's) ignored. */
static int parse_vmflags(struct imp *im, const char *s, const char *p,
			 const char *e, int lineno, uint64_t *out)
{
	uint64_t f = 0;

	while (p < e) {
		const char *w;
		size_t i;

		while (p < e && isspace((unsigned char)*p))
			p++;
		w = p;
		while (p < e && !isspace((unsigned char)*p))
			p++;
		if (p == w)
			break;
		if (p - w != 2)
			return imp_fail(im, lineno, (int)(w - s) + 1,
					"bad VmFlags mnemonic");
		for (i = 0; i < ARRAY_SIZE(mnemonics); i++)
			if (!memcmp(mnemonics[i].m, w, 2))
				f |= mnemonics[i].bit;
	}
	*out = f;
	return 0;
}

/* One "Key: value" line of an smaps entry. */
static int parse_field_line(struct imp *im, const char *s, const char *e,
			    int lineno)
{
	const char *p = s;
	struct imp_line *l;

	while (p < e && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p == s || p >= e || *p != ':')
		return imp_fail(im, lineno, 1, "not a maps or smaps line");
	if (!im->n)
		return imp_fail(im, lineno, 1, "smaps field before any VMA line");
	l = &im->l[im->n - 1];
	if (p - s == 7 && !memcmp(s, "VmFlags", 7)) {
		l->have_vmflags = true;
		return parse_vmflags(im, s, p + 1, e, lineno, &l->vmflags);
	}
	if (p - s == 9 && !memcmp(s, "Anonymous", 9)) {
		uint64_t kb;
		const char *q = p + 1;

		while (q < e && *q == ' ')
			q++;
		if (!read_dec(&q, &kb))
			return imp_fail(im, lineno, (int)(q - s) + 1, "bad Anonymous value");
		l->anon_kb = kb > 0x7fffffff ? 0x7fffffff : (int)kb;
	}
	return 0;
}

static bool has_prefix(const char *s, const char *pre)
{
	return s && !strncmp(s, pre, strlen(pre));
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* A file name (starts with '/'), as opposed to [heap], [anon:x], none. */
static bool is_file_name(const char *name)
{
	return name && name[0] == '/';
}

/* A line backed by a file: a path, or a named shared anonymous mapping. */
static bool needs_file(const char *name)
{
	return is_file_name(name) || has_prefix(name, "[anon_shmem:");
}

/* Shared anonymous-like objects whose read-only shared maps keep VM_SHARED. */
static bool is_shmem_object(const char *name)
{
	return !strcmp(name, "/dev/zero (deleted)") || has_prefix(name, "/SYSV") ||
	       has_prefix(name, "[anon_shmem:") ||
	       has_prefix(name, "/memfd:");
}

static enum aspace_file_kind file_kind(const char *name)
{
	if (has_prefix(name, "/SYSV"))
		return ASPACE_FILE_SYSV_SHM;
	if (!strcmp(name, "/dev/zero (deleted)") || has_prefix(name, "/memfd:") ||
	    has_prefix(name, "/dev/shm/"))
		return ASPACE_FILE_SHMEM;
	if (has_prefix(name, "/anon_hugepage"))
		return ASPACE_FILE_HUGETLB;
	if (!strcmp(name, "/dev/zero"))
		return ASPACE_FILE_DEVZERO;
	return ASPACE_FILE_REGULAR;
}

/* The inference table of spec/08 for a line without VmFlags. */
static uint64_t infer_flags(const struct imp_line *l)
{
	bool shared = l->perms[3] == 's', w = l->perms[1] == 'w';
	const char *name = l->name ? l->name : "";
	uint64_t f = ASPACE_VM_MAYREAD | ASPACE_VM_MAYEXEC;

	if (!strcmp(name, "[vvar]") || !strcmp(name, "[vvar_vclock]"))
		return ASPACE_VM_READ | ASPACE_VM_MAYREAD | ASPACE_VM_PFNMAP |
		       ASPACE_VM_IO | ASPACE_VM_DONTEXPAND | ASPACE_VM_DONTDUMP;
	if (!strcmp(name, "[vdso]"))
		return ASPACE_VM_READ | ASPACE_VM_EXEC | ASPACE_VM_MAYREAD |
		       ASPACE_VM_MAYWRITE | ASPACE_VM_MAYEXEC |
		       ASPACE_VM_DONTEXPAND;
	if (l->perms[0] == 'r')
		f |= ASPACE_VM_READ;
	if (w)
		f |= ASPACE_VM_WRITE;
	if (l->perms[2] == 'x')
		f |= ASPACE_VM_EXEC;
	if (shared)
		f |= ASPACE_VM_MAYSHARE;
	if (!(shared && is_file_name(name) && !is_shmem_object(name) && !w))
		f |= ASPACE_VM_MAYWRITE;
	if (shared && (w || is_shmem_object(name)))
		f |= ASPACE_VM_SHARED;
	if (!shared && (w || !strcmp(name, "[stack]")))
		f |= ASPACE_VM_ACCOUNT;
	if (!strcmp(name, "[stack]"))
		f |= ASPACE_VM_GROWSDOWN;
	return f;
}

static enum aspace_vma_kind vma_kind(const struct imp_line *l)
{
	const char *name = l->name ? l->name : "";

	if (!strcmp(name, "[vdso]"))
		return ASPACE_VMA_VDSO;
	if (!strcmp(name, "[vvar]"))
		return ASPACE_VMA_VVAR;
	if (!strcmp(name, "[vvar_vclock]"))
		return ASPACE_VMA_VVAR_VCLOCK;
	if (!strcmp(name, "[uprobes]"))
		return ASPACE_VMA_UPROBES;
	if (has_prefix(name, "/SYSV"))
		return ASPACE_VMA_SYSV_SHM;
	if (has_prefix(name, "/anon_hugepage"))
		return ASPACE_VMA_HUGETLB;
	return ASPACE_VMA_NORMAL;
}

/* The file of line @l: one per (dev, inode, name), shared anon each its own. */
static int assign_file(struct imp *im, struct imp_line *l, uint64_t flags)
{
	static const char devzero[] = "/dev/zero (deleted)";
	const char *fname = is_file_name(l->name) ? l->name : devzero;
	struct imp_file *f;
	bool unique = !strcmp(fname, devzero);
	uint64_t ext = l->offset + (l->end - l->start);
	int i;

	for (i = 0; !unique && i < im->nfiles; i++) {
		f = &im->files[i];
		if (!f->unique && f->major == l->major && f->minor == l->minor &&
		    f->inode == l->inode && !strcmp(f->name, fname))
			break;
	}
	if (unique || i == im->nfiles) {
		if (im->nfiles == im->fcap) {
			int cap = im->fcap ? 2 * im->fcap : 16;
			struct imp_file *n = as_alloc((size_t)cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			if (im->files) {
				memcpy(n, im->files, (size_t)im->nfiles * sizeof(*n));
				as_free(im->files, (size_t)im->fcap * sizeof(*n));
			}
			im->files = n;
			im->fcap = cap;
		}
		i = im->nfiles++;
		f = &im->files[i];
		memset(f, 0, sizeof(*f));
		f->major = l->major;
		f->minor = l->minor;
		f->inode = l->inode;
		f->name = fname;
		f->unique = unique;
		f->kind = file_kind(fname);
		f->mode = ASPACE_O_READ;
		if (ends_with(fname, " (deleted)"))
			f->mode |= ASPACE_F_DELETED;
	}
	f = &im->files[i];
	if ((flags & ASPACE_VM_MAYSHARE) && (flags & ASPACE_VM_MAYWRITE))
		f->mode |= ASPACE_O_WRITE;
	if (ext > f->size)
		f->size = ext;
	l->file = i;
	return 0;
}

static void imp_free(struct imp *im)
{
	int i;

	for (i = 0; i < im->nfiles; i++)
		if (im->files[i].f)
			aspace_file_put(im->files[i].f);
	for (i = 0; i < im->n; i++)
		as_strfree(im->l[i].name);
	if (im->l)
		as_free(im->l, (size_t)im->cap * sizeof(*im->l));
	if (im->files)
		as_free(im->files, (size_t)im->fcap * sizeof(*im->files));
}

static int open_files(struct imp *im)
{
	int i;

	for (i = 0; i < im->nfiles; i++) {
		struct imp_file *f = &im->files[i];
		struct aspace_file_desc d = { 0 };
		char *path;
		size_t len = strlen(f->name);
		int r = 0;

		if (f->mode & ASPACE_F_DELETED)
			len -= strlen(" (deleted)");
		path = as_alloc(len + 1);
		if (!path)
			return -ENOMEM;
		memcpy(path, f->name, len);
		path[len] = 0;
		d.path = path;
		d.size = f->size;
		d.dev_major = f->major;
		d.dev_minor = f->minor;
		d.inode = f->inode;
		d.flags = f->mode;
		d.kind = f->kind;
		f->f = aspace_file_open(&d);
		if (!f->f)
			r = -ENOMEM;
		as_free(path, len + 1);
		if (r)
			return r;
	}
	return 0;
}

/* Undo the first @n insertions (allocator failure part way). */
static void remove_inserted(struct aspace *as, struct imp *im, int n)
{
	while (n-- > 0)
		aspace_munmap(as, im->l[n].start, im->l[n].end - im->l[n].start);
}

static int insert_all(struct aspace *as, struct imp *im)
{
	const struct aspace_config *cur = aspace_get_config(as);
	struct aspace_config img = *cur;
	struct aspace_counters c;
	uint64_t heap_lo = 0, heap_hi = 0, stack = 0;
	int i, r;

	for (i = 0; i < im->n; i++) {
		struct imp_line *l = &im->l[i];
		struct aspace_vma_desc d = { 0 };
		const char *name = l->name ? l->name : "";
		char anon[256] = "";

		d.start = l->start;
		d.end = l->end;
		d.flags = l->have_vmflags ? l->vmflags : infer_flags(l);
		d.kind = vma_kind(l);
		if (l->file >= 0) {
			d.file = im->files[l->file].f;
			d.pgoff = l->offset >> PAGE_SHIFT;
		} else {
			d.pgoff = l->start >> PAGE_SHIFT;
		}
		if (l->anon_kb >= 0)
			d.has_anon = l->anon_kb > 0;
		else
			d.has_anon = !(d.flags & ASPACE_VM_MAYSHARE) &&
				     (d.flags & ASPACE_VM_WRITE) &&
				     d.kind == ASPACE_VMA_NORMAL;
		if (has_prefix(name, "[anon:") && ends_with(name, "]"))
			snprintf(anon, sizeof(anon), "%.*s",
				 (int)strlen(name) - 7, name + 6);
		else if (has_prefix(name, "[anon_shmem:") && ends_with(name, "]"))
			snprintf(anon, sizeof(anon), "%.*s",
				 (int)strlen(name) - 13, name + 12);
		d.anon_name = anon[0] ? anon : NULL;
		r = aspace_insert_vma(as, &d);
		if (r) {
			remove_inserted(as, im, i);
			return r;
		}
		if (!strcmp(name, "[heap]")) {
			if (!heap_lo)
				heap_lo = l->start;
			heap_hi = l->end;
		}
		if (!strcmp(name, "[stack]"))
			stack = l->end - 8;
	}
	aspace_counters(as, &c);
	if (!c.start_brk && heap_lo) {
		img.start_brk = heap_lo;
		img.brk = heap_hi;
	}
	if (!c.start_stack && stack)
		img.start_stack = stack;
	aspace_set_image(as, &img);
	return 0;
}

int aspace_import_maps(struct aspace *as, const char *text,
		       struct aspace_import_error *err /* OUT, may be NULL */)
{
	struct imp im = { 0 };
	const char *s = text;
	int lineno = 0, i, r = 0;

	im.err = err;
	if (err)
		memset(err, 0, sizeof(*err));
	while (*s && !r) {
		const char *e = strchr(s, '\n');
		const char *end = e ? e : s + strlen(s);

		lineno++;
		if (end > s && end[-1] == '\r')
			end--;
		if (end == s)
			r = 0;
		else if (is_vma_header(s, end))
			r = parse_header_line(&im, s, end, lineno);
		else if (!im.skipping)
			r = parse_field_line(&im, s, end, lineno);
		if (is_vma_header(s, end))
			im.skipping = r > 0;
		if (r > 0)
			r = 0;
		s = e ? e + 1 : end;
		if (!e)
			break;
	}
	/* Overlap with what is already there: nothing is added then. */
	for (i = 0; !r && i < im.n; i++) {
		struct aspace_vma_info v;

		if (!aspace_find_vma(as, im.l[i].start, &v) && v.start < im.l[i].end) {
			imp_fail(&im, im.l[i].line, 1, "overlaps the VMA at %llx-%llx",
				 (unsigned long long)v.start, (unsigned long long)v.end);
			r = -EEXIST;
		}
	}
	for (i = 0; !r && i < im.n; i++) {
		struct imp_line *l = &im.l[i];

		if (needs_file(l->name))
			r = assign_file(&im, l, l->have_vmflags ? l->vmflags :
					infer_flags(l));
	}
	if (!r)
		r = open_files(&im);
	if (!r)
		r = insert_all(as, &im);
	imp_free(&im);
	return r;
}
