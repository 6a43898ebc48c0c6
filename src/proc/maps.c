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
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/vwalk.h"
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

/*
 * A growing text buffer.  The text handed out keeps MAPS_HDR bytes in
 * front holding the size of the allocation, so aspace_free_text() frees
 * exactly what was allocated without the copy a shrink to fit would cost.
 */
#define MAPS_HDR 16

struct maps_buf {
	char  *p;                       /* text; the allocation is p - MAPS_HDR */
	size_t len, cap;                /* cap: bytes of text room */
	bool   oom;                     /* stopped: allocator failed or full */
	bool   fixed;                   /* the caller's buffer: never grows */
	size_t line_start;              /* len when the last line began */
	size_t lines;                   /* VMA lines completed */
};

static void maps_reserve(struct maps_buf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	if (b->fixed) {
		/* Room for the worst case is missing: the text may still
		 * fit, so finish exactly (the prefix's worst case is well
		 * above a typical line). */
		b->oom = true;
		return;
	}
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	np = as_alloc(MAPS_HDR + ncap);
	if (!np) {
		b->oom = true;
		return;
	}
	np += MAPS_HDR;
	if (b->p) {
		memcpy(np, b->p, b->len);
		as_free(b->p - MAPS_HDR, MAPS_HDR + b->cap);
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

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The 8 hex digits of @v as 8 bytes in memory order, most significant
 * first: each nibble spread to a byte, then '0'-'9' / 'a'-'f' for all
 * eight at once. */
static inline uint64_t maps_hex8(uint32_t v)
{
	uint64_t x = v, letter;

	x = (x | (x << 16)) & 0x0000ffff0000ffffull;
	x = (x | (x << 8)) & 0x00ff00ff00ff00ffull;
	x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0full;
	x = __builtin_bswap64(x);               /* nibble 7 first */
	letter = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
	return x + 0x3030303030303030ull + letter * ('a' - '0' - 10);
}

/*
 * @x in lower-case hex, at least 8 digits (printf's %08llx): the 8-digit
 * halves stored whole, the upper one shifted to its significant digits
 * first, the lower one over its trailing zeros.  Needs 16 bytes of room.
 */
static char *maps_hex08(char *p, uint64_t x)
{
	uint64_t lo = maps_hex8((uint32_t)x), hi;
	unsigned n = 8;

	if (x >> 32) {
		n = (unsigned)(67 - __builtin_clzll(x)) / 4;    /* 9..16 */
		hi = maps_hex8((uint32_t)(x >> 32)) >> (8 * (16 - n));
		memcpy(p, &hi, 8);      /* n - 8 digits, then zeros ... */
	}
	memcpy(p + n - 8, &lo, 8);      /* ... which these overwrite */
	return p + n;
}
#else
static char *maps_hex08(char *p, uint64_t x)
{
	return maps_hex(p, x, 8);
}
#endif

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

/* Room for the fixed part of a line and the newline of an unnamed one:
 * 16 + 1 + 16 + 1 + 4 + 1 + 16 + 1 + 8 + 1 + 8 + 1 + 20 + 1 + 1, and
 * the 8 bytes maps_hex08() may store past its digits. */
#define MAPS_PREFIX_MAX 128

/*
 * The fixed part of a line, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu "
 * written by hand into @p (MAPS_PREFIX_MAX bytes of room): snprintf was
 * most of the cost of a line (docs/performance.md).  Return: its end.
 */
static char *maps_prefix(char *p, const struct vma *v, uint64_t off,
			 unsigned maj, unsigned min, uint64_t ino)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t f = v->flags;

	p = maps_hex08(p, v->start);
	*p++ = '-';
	p = maps_hex08(p, v->end);
	p[0] = ' ';
	p[1] = (f & VM_READ) ? 'r' : '-';
	p[2] = (f & VM_WRITE) ? 'w' : '-';
	p[3] = (f & VM_EXEC) ? 'x' : '-';
	p[4] = (f & VM_MAYSHARE) ? 's' : 'p';
	p[5] = ' ';
	p = maps_hex08(p + 6, off);
	*p++ = ' ';
	if (maj < 256 && min < 256) {
		p[0] = hex[maj >> 4];
		p[1] = hex[maj & 15];
		p[2] = ':';
		p[3] = hex[min >> 4];
		p[4] = hex[min & 15];
		p += 5;
	} else {
		p = maps_hex(p, maj, 2);
		*p++ = ':';
		p = maps_hex(p, min, 2);
	}
	*p++ = ' ';
	if (ino)
		p = maps_dec(p, ino);
	else
		*p++ = '0';
	*p++ = ' ';
	return p;
}

static void maps_line(struct maps_buf *b, const struct aspace *as,
		      const struct vma *v, unsigned opts)
{
	char tmp[128], fl[200];
	uint64_t off = 0, ino = 0;
	unsigned maj = 0, min = 0;
	const char *name;
	bool is_path;
	char *p;
	int n;

	maps_reserve(b, MAPS_PREFIX_MAX);
	if (b->oom)
		return;
	if (v->file) {
		off = v->pgoff << PAGE_SHIFT;
		maj = v->file->desc.dev_major;
		min = v->file->desc.dev_minor;
		ino = v->file->desc.inode;
	}
	p = maps_prefix(b->p + b->len, v, off, maj, min, ino);
	n = (int)(p - (b->p + b->len));
	name = maps_name(as, v, tmp, sizeof(tmp), &is_path);
	if (!name && !(opts & ASPACE_MAPS_SMAPS)) {
		*p = '\n';                      /* the common line: done */
		b->len += (size_t)n + 1;
		return;
	}
	b->len += (size_t)n;
	if (name) {
		/* seq_pad(): spaces up to column 72, then one more */
		maps_reserve(b, 73);
		if (b->oom)
			return;
		for (; n < 72; n++)
			b->p[b->len++] = ' ';
		b->p[b->len++] = ' ';
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

/* Every line of the layout (and the gate line) appended to @b. */
static void maps_render(struct maps_buf *b, const struct aspace *as,
			unsigned opts)
{
	const struct vma *v;
	struct vwalk w;

	vwalk_init(&w, as);
	while (!b->oom && (v = vwalk_next(&w))) {
		b->line_start = b->len;
		maps_line(b, as, v, opts);
		b->lines += !b->oom;
	}
	if (opts & ASPACE_MAPS_VSYSCALL) {
		maps_puts(b, "ffffffffff600000-ffffffffff601000 --xp 00000000 "
			  "00:00 0                  [vsyscall]\n");
		if (opts & ASPACE_MAPS_SMAPS)
			maps_puts(b, "VmFlags: ex \n");
	}
}

char *aspace_maps(const struct aspace *as, unsigned opts)
{
	struct maps_buf b = { 0 };

	/* About 50 bytes a line for anonymous VMAs: one allocation mostly. */
	maps_reserve(&b, 256 + 64 * as_map_count(as));
	maps_render(&b, as, opts);
	if (b.oom) {
		if (b.p)
			as_free(b.p - MAPS_HDR, MAPS_HDR + b.cap);
		return NULL;
	}
	b.p[b.len] = '\0';
	/* Shrink to fit only when much is left over (the estimate above
	 * is close for anonymous VMAs; long paths double the buffer). */
	if (b.cap - b.len > b.len / 4 + 4096) {
		char *t = as_alloc(MAPS_HDR + b.len + 1);

		if (!t) {
			as_free(b.p - MAPS_HDR, MAPS_HDR + b.cap);
			return NULL;
		}
		memcpy(t + MAPS_HDR, b.p, b.len + 1);
		as_free(b.p - MAPS_HDR, MAPS_HDR + b.cap);
		b.p = t + MAPS_HDR;
		b.cap = b.len + 1;
	}
	memcpy(b.p - MAPS_HDR, &b.cap, sizeof(b.cap));
	return b.p;
}

/*
 * aspace_free_text() - free a text aspace_maps() returned; NULL is a
 * no-op.  Cannot fail.
 */
void aspace_free_text(char *text)
{
	size_t cap;

	if (!text)
		return;
	memcpy(&cap, text - MAPS_HDR, sizeof(cap));
	as_free(text - MAPS_HDR, MAPS_HDR + cap);
}

/* The shortest line: "00000000-00001000 ---p 00000000 00:00 0 \n". */
#define MAPS_LINE_MIN 41

long aspace_maps_into(const struct aspace *as, unsigned opts, char *buf,
		      size_t cap)
{
	struct maps_buf b = { .p = buf, .cap = cap, .fixed = true };
	struct maps_buf rest = { 0 };
	long len;

	maps_render(&b, as, opts);
	if (!b.oom) {
		if (!cap)
			return -ENOSPC;         /* no room even for the NUL */
		buf[b.len] = '\0';
		return (long)b.len;
	}
	/*
	 * The worst-case room check stopped the walk.  When even the
	 * shortest possible lines for what is left cannot fit, the answer
	 * is -ENOSPC; otherwise the text ends within about a line's worst
	 * case of @cap: render it once more with growth and keep it if it
	 * fits after all.
	 */
	if (b.line_start + MAPS_LINE_MIN * (as_map_count(as) - b.lines) +
	    1 > cap)
		return -ENOSPC;
	maps_reserve(&rest, 256 + 64 * as_map_count(as));
	maps_render(&rest, as, opts);
	if (rest.oom) {
		if (rest.p)
			as_free(rest.p - MAPS_HDR, MAPS_HDR + rest.cap);
		return -ENOMEM;
	}
	len = (long)rest.len;
	if (rest.len + 1 <= cap) {
		memcpy(buf, rest.p, rest.len);
		buf[rest.len] = '\0';
	} else {
		len = -ENOSPC;
	}
	as_free(rest.p - MAPS_HDR, MAPS_HDR + rest.cap);
	return len;
}
