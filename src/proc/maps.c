/*
 * maps.c - /proc/PID/maps text (spec/03 §9, 06 §6): the exact line
 * format (hex widths, dev, inode, the name padded to column 73, the
 * trailing space of unnamed lines), the name rules ([heap], [stack],
 * special mappings, anon names, " (deleted)", "\012" for newlines), the
 * [vsyscall] gate line, and the smaps "VmFlags:" mnemonics.
 *
 * The text is built in a growing buffer from the allocator; nothing here
 * changes the address space.
 */
#include <stdio.h>
#include <string.h>

#include "vma/vma.h"

/* Mnemonics by bit, as fs/proc/task_mmu.c of 6.18.44 (x86-64). */
static const char maps_mnemonics[64][3] = {
	/* unknown bits print "??"; pkey bits 32-35 print nothing */
	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms",
	"gd", "um", "pf", "gu", "uw", "lo", "io", "sr",
	"rr", "dc", "de", "lf", "ac", "nr", "ht", "sf",
	"ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg",
	"", "", "", "", "??", "ss", "??", "??",
	"dp", "ui", "sl", "??", "??", "??", "??", "??",
	"??", "??", "??", "??", "??", "??", "??", "??",
	"??", "??", "??", "??", "??", "??", "??", "??",
};

size_t aspace_vmflags_str(uint64_t flags, char *buf, size_t cap)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 64; i++) {
		if (!maps_mnemonics[i][0] || !(flags & (1ull << i)))
			continue;
		if (n + 3 < cap) {
			buf[n] = maps_mnemonics[i][0];
			buf[n + 1] = maps_mnemonics[i][1];
			buf[n + 2] = ' ';
		}
		n += 3;
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* A growing text buffer. */
struct maps_buf {
	char  *p;
	size_t len, cap;
	bool   oom;
};

static void maps_reserve(struct maps_buf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	np = as_alloc(ncap);
	if (!np) {
		b->oom = true;
		return;
	}
	if (b->p) {
		memcpy(np, b->p, b->len);
		as_free(b->p, b->cap);
	}
	b->p = np;
	b->cap = ncap;
}

static void maps_put(struct maps_buf *b, const char *s, size_t n)
{
	maps_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void maps_puts(struct maps_buf *b, const char *s)
{
	maps_put(b, s, strlen(s));
}

/* A path as seq_path(m, path, "\n") prints it: newline as \012. */
static void maps_put_path(struct maps_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			maps_puts(b, "\\012");
		else
			maps_put(b, s, 1);
	}
}

/* The name of @v (NULL: none) and whether it is a path. */
static const char *maps_name(const struct aspace *as, const struct vma *v,
			     char *tmp, size_t cap, bool *is_path)
{
	const struct vma_name *an = v->ext ? v->ext->name : NULL;
	const char *s;

	*is_path = false;
	if (v->file) {
		if (an) {
			snprintf(tmp, cap, "[anon_shmem:%s]", an->s);
			return tmp;
		}
		*is_path = true;
		return v->file->desc.path;
	}
	s = vma_special_name(v);
	if (s)
		return s;
	if (v->start < as->brk && v->end > as->start_brk)
		return "[heap]";
	/* start_stack 0 means "unknown" (no exec image), not address 0 */
	if (as->start_stack && v->start <= as->start_stack &&
	    v->end >= as->start_stack)
		return "[stack]";
	if (an) {
		snprintf(tmp, cap, "[anon:%s]", an->s);
		return tmp;
	}
	return NULL;
}

/* @x in lower-case hex, at least @width digits (printf's %0*llx). */
static char *maps_hex(char *p, uint64_t x, int width)
{
	char d[16];
	int n = 0;

	do {
		d[n++] = "0123456789abcdef"[x & 15];
		x >>= 4;
	} while (x);
	while (n < width)
		d[n++] = '0';
	while (n)
		*p++ = d[--n];
	return p;
}

/* @x in decimal (printf's %llu). */
static char *maps_dec(char *p, uint64_t x)
{
	char d[20];
	int n = 0;

	do {
		d[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (n)
		*p++ = d[--n];
	return p;
}

/*
 * The fixed part of a line, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu "
 * written by hand: snprintf was most of the cost of a line
 * (docs/performance.md).  Return: its length.
 */
static int maps_prefix(char *pre, const struct vma *v, uint64_t off,
		       unsigned maj, unsigned min, uint64_t ino)
{
	char *p = pre;

	p = maps_hex(p, v->start, 8);
	*p++ = '-';
	p = maps_hex(p, v->end, 8);
	*p++ = ' ';
	*p++ = (v->flags & VM_READ) ? 'r' : '-';
	*p++ = (v->flags & VM_WRITE) ? 'w' : '-';
	*p++ = (v->flags & VM_EXEC) ? 'x' : '-';
	*p++ = (v->flags & VM_MAYSHARE) ? 's' : 'p';
	*p++ = ' ';
	p = maps_hex(p, off, 8);
	*p++ = ' ';
	p = maps_hex(p, maj, 2);
	*p++ = ':';
	p = maps_hex(p, min, 2);
	*p++ = ' ';
	p = maps_dec(p, ino);
	*p++ = ' ';
	return (int)(p - pre);
}

static void maps_line(struct maps_buf *b, const struct aspace *as,
		      const struct vma *v, unsigned opts)
{
	char pre[160], tmp[128], fl[200];
	uint64_t off = 0, ino = 0;
	unsigned maj = 0, min = 0;
	const char *name;
	bool is_path;
	int n;

	if (v->file) {
		off = v->pgoff << PAGE_SHIFT;
		maj = v->file->desc.dev_major;
		min = v->file->desc.dev_minor;
		ino = v->file->desc.inode;
	}
	n = maps_prefix(pre, v, off, maj, min, ino);
	maps_put(b, pre, (size_t)n);
	name = maps_name(as, v, tmp, sizeof(tmp), &is_path);
	if (name) {
		/* seq_pad(): spaces up to column 72, then one more */
		for (; n < 72; n++)
			maps_put(b, " ", 1);
		maps_put(b, " ", 1);
		if (is_path) {
			maps_put_path(b, name);
			if (v->file->desc.flags & ASPACE_F_DELETED)
				maps_puts(b, " (deleted)");
		} else {
			maps_puts(b, name);
		}
	}
	maps_put(b, "\n", 1);
	if (opts & ASPACE_MAPS_SMAPS) {
		aspace_vmflags_str(v->flags, fl, sizeof(fl));
		maps_puts(b, "VmFlags: ");
		maps_puts(b, fl);
		maps_put(b, "\n", 1);
	}
}

char *aspace_maps(const struct aspace *as, unsigned opts)
{
	struct maps_buf b = { 0 };
	const struct vma *v;
	struct rt_cursor c;

	/* About 50 bytes a line for anonymous VMAs: one allocation mostly. */
	maps_reserve(&b, 256 + 64 * as_map_count(as));
	if (b.p)
		b.p[0] = '\0';
	rtc_init(&c, &as->tree);
	for (v = rtc_find(&c, 0, NULL); v; v = rtc_next(&c, NULL))
		maps_line(&b, as, v, opts);
	if (opts & ASPACE_MAPS_VSYSCALL) {
		maps_puts(&b, "ffffffffff600000-ffffffffff601000 --xp 00000000 "
			  "00:00 0                  [vsyscall]\n");
		if (opts & ASPACE_MAPS_SMAPS)
			maps_puts(&b, "VmFlags: ex \n");
	}
	if (b.oom) {
		if (b.p)
			as_free(b.p, b.cap);
		return NULL;
	}
	/* Shrink to fit so aspace_free_text() can use strlen() + 1. */
	{
		char *t = as_alloc(b.len + 1);

		if (!t) {
			as_free(b.p, b.cap);
			return NULL;
		}
		memcpy(t, b.p, b.len + 1);
		as_free(b.p, b.cap);
		return t;
	}
}

void aspace_free_text(char *text)
{
	as_strfree(text);
}
