/*
 * test_maps_lines.c - aspace_maps()'s hand-written lines (round 4: hex
 * digits eight at a time, the line written in place, the prefetching
 * walk, the text's size header) against printf for random layouts:
 * addresses and file offsets of every hex width from 8 to 16 digits,
 * device numbers below and above 0xff, inodes of every decimal width,
 * anonymous names, paths with newlines, deleted files; with and without
 * the VmFlags lines and the [vsyscall] line; and an allocation-failure
 * sweep (NULL, nothing leaked).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "internal.h"
#include "../../harness.h"
#include "../../oom/oom.h"

static uint64_t ml_rng;

static uint64_t ml_rnd(void)
{
	ml_rng ^= ml_rng << 13;
	ml_rng ^= ml_rng >> 7;
	ml_rng ^= ml_rng << 17;
	return ml_rng;
}

/* A value of @digits hex digits (1..16), random below the top one. */
static uint64_t ml_width_hex(unsigned digits)
{
	uint64_t top = 1ull << (4 * (digits - 1));

	return top + ml_rnd() % (digits == 16 ? UINT64_MAX - top : 15 * top);
}

struct ml_text {
	char  *s;
	size_t len, cap;
};

static void ml_add(struct ml_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ml_add(struct ml_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + 4096;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
	t->len += (size_t)n;
}

/*
 * Map @n VMAs at random places of [1 GiB, 120 TiB), each its own file or
 * anonymous, and build the text /proc/PID/maps would print.
 */
static struct aspace *ml_layout(unsigned n, struct ml_text *want)
{
	static const char *const paths[] = {
		"/usr/lib/libc.so.6", "/tmp/a\nb", "/x", "/dev/shm/q",
		"/very/long/path/with/many/components/that/goes/past/column/72",
	};
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t addr = 1ull << 30;
	unsigned i;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	as = aspace_new(&cfg);
	if (!as)
		abort();
	for (i = 0; i < n; i++) {
		uint64_t len = (1 + ml_rnd() % 4) * 4096, out, off = 0, ino = 0;
		unsigned maj = 0, min = 0, kind = ml_rnd() % 4, dflags = 0;
		int prot = (int)(ml_rnd() % 8), line;
		const char *path = NULL;
		char name[32] = "", pre[200];
		struct aspace_file *f = NULL;

		addr += (1 + ml_rnd() % (i % 7 ? 16 : 1ull << 30)) * 4096;
		if (addr + len > (120ull << 40))
			break;
		if (kind >= 2) {                /* a file of its own */
			struct aspace_file_desc d = {
				.size = UINT64_MAX,
				.flags = ASPACE_O_READ | ASPACE_O_WRITE,
			};

			off = ml_width_hex(1 + (unsigned)(ml_rnd() % 15)) &
				~4095ull;
			off &= (1ull << 62) - 1;
			maj = (unsigned)(ml_rnd() % (i & 1 ? 0x100 : 0x1000));
			min = (unsigned)(ml_rnd() % (i & 2 ? 0x100 : 0x100000));
			ino = ml_rnd() >> (ml_rnd() % 64);
			path = paths[ml_rnd() % 5];
			dflags = ml_rnd() % 3 == 0 ? ASPACE_F_DELETED : 0;
			d.path = path;
			d.dev_major = maj;
			d.dev_minor = min;
			d.inode = ino;
			d.flags |= dflags;
			f = aspace_file_open(&d);
			if (!f)
				abort();
		}
		if (aspace_mmap(as, addr, len, prot,
				MAP_FIXED | (f ? ((kind == 3) ? MAP_SHARED :
						  MAP_PRIVATE) :
					     MAP_PRIVATE | MAP_ANONYMOUS),
				f, off, &out))
			abort();
		if (!f && kind == 1) {
			snprintf(name, sizeof(name), "n%u", i);
			if (aspace_set_anon_name(as, addr, len, name))
				abort();
		}
		line = snprintf(pre, sizeof(pre),
				"%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
				(unsigned long long)addr,
				(unsigned long long)(addr + len),
				(prot & PROT_READ) ? 'r' : '-',
				(prot & PROT_WRITE) ? 'w' : '-',
				(prot & PROT_EXEC) ? 'x' : '-',
				kind == 3 ? 's' : 'p', (unsigned long long)off,
				maj, min, (unsigned long long)ino);
		if (f) {
			ml_add(want, "%s%*s ", pre, line < 72 ? 72 - line : 0,
			       "");
			for (const char *c = path; *c; c++)
				ml_add(want, "%s", *c == '\n' ? "\\012" :
				       (char[2]){ *c, 0 });
			ml_add(want, "%s\n", dflags ? " (deleted)" : "");
			aspace_file_put(f);
		} else if (name[0]) {
			ml_add(want, "%s%*s [anon:%s]\n", pre,
			       line < 72 ? 72 - line : 0, "", name);
		} else {
			ml_add(want, "%s\n", pre);
		}
		addr += len;
	}
	return as;
}

/* @s without its "VmFlags:" lines (malloc'ed). */
static char *ml_strip_vmflags(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		abort();
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) + 1 : strlen(s);

		if (strncmp(s, "VmFlags: ", 9)) {
			memcpy(o, s, n);
			o += n;
		}
		s += n;
	}
	*o = '\0';
	return out;
}

TEST(maps_lines_match_printf_random_layouts)
{
	static const char vsys[] = "ffffffffff600000-ffffffffff601000 --xp "
		"00000000 00:00 0                  [vsyscall]\n";

	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct ml_text want = { 0 };
		struct aspace *as;
		size_t before;
		char *t, *stripped;

		ml_rng = seed * 0x9e3779b97f4a7c15ull;
		ml_add(&want, "%s", "");
		as = ml_layout(seed == 1 ? 0 : (unsigned)(seed * 7), &want);
		before = as_bytes_in_use;
		t = aspace_maps(as, 0);
		ASSERT_TRUE(t != NULL);
		ASSERT_STR_EQ(t, want.s);
		aspace_free_text(t);
		ml_add(&want, "%s", vsys);
		t = aspace_maps(as, ASPACE_MAPS_VSYSCALL | ASPACE_MAPS_SMAPS);
		ASSERT_TRUE(t != NULL);
		stripped = ml_strip_vmflags(t);
		ASSERT_STR_EQ(stripped, want.s);
		aspace_free_text(t);
		ASSERT_EQ(as_bytes_in_use, before);     /* sizes matched */
		free(stripped);
		free(want.s);
		aspace_free(as);
	}
	return PASS;
}

TEST(maps_lines_survive_every_oom)
{
	struct ml_text want = { 0 };
	struct aspace *as;

	ml_rng = 77;
	ml_add(&want, "%s", "");
	/* 400 lines with long paths: the first buffer overflows */
	as = ml_layout(400, &want);
	for (long k = 0;; k++) {
		size_t before = as_bytes_in_use;
		char *t;

		oom_fail_nth(k);
		t = aspace_maps(as, ASPACE_MAPS_SMAPS);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_TRUE(t != NULL);
			ASSERT_TRUE(k >= 2);
			aspace_free_text(t);
			ASSERT_EQ(as_bytes_in_use, before);
			break;
		}
		ASSERT_TRUE(t == NULL);
		ASSERT_EQ(as_bytes_in_use, before);
	}
	free(want.s);
	aspace_free(as);
	return PASS;
}

/*
 * aspace_maps_into() gives aspace_maps()'s text at every buffer size
 * around the text's length (the exact fit, one byte short, inside the
 * last line's worst case where it re-checks with an allocation), -ENOSPC
 * below, no allocation with room to spare, and -ENOMEM with nothing
 * leaked when the re-check's allocation fails.
 */
TEST(maps_into_matches_aspace_maps_at_every_cap)
{
	static const unsigned optss[] = {
		0, ASPACE_MAPS_VSYSCALL | ASPACE_MAPS_SMAPS,
	};

	for (uint64_t seed = 1; seed <= 12; seed++) {
		struct ml_text want = { 0 };
		struct aspace *as;

		ml_rng = seed * 0x2545f4914f6cdd1dull;
		ml_add(&want, "%s", "");
		as = ml_layout(seed == 1 ? 0 : (unsigned)(seed * 11), &want);
		for (unsigned o = 0; o < 2; o++) {
			char *t = aspace_maps(as, optss[o]);
			size_t len, cap, lo;
			char *buf;

			ASSERT_TRUE(t != NULL);
			len = strlen(t);
			buf = malloc(len + 512);
			ASSERT_TRUE(buf != NULL);
			lo = len > 300 ? len - 300 : 0;
			for (cap = 0; cap < len + 512; cap++) {
				size_t before = as_bytes_in_use;
				long got;

				if (cap == 40 && lo > 40)
					cap = lo;       /* skip the middle */
				memset(buf, 'x', len + 512);
				got = aspace_maps_into(as, optss[o], buf, cap);
				ASSERT_EQ(as_bytes_in_use, before);
				if (cap < len + 1) {
					ASSERT_EQ(got, -ENOSPC);
					continue;
				}
				ASSERT_EQ(got, (long)len);
				ASSERT_STR_EQ(buf, t);
				ASSERT_EQ(buf[len + 1], 'x');  /* no more */
			}
			/* far too small: refused without rendering it all */
			if (len > 300) {
				oom_fail_nth(0);
				ASSERT_EQ(aspace_maps_into(as, optss[o], buf,
							   len / 2), -ENOSPC);
				oom_disarm();
				ASSERT_TRUE(!oom_fired());
			}
			/* room to spare: no allocation at all */
			oom_fail_nth(0);
			ASSERT_EQ(aspace_maps_into(as, optss[o], buf,
						   len + 512), (long)len);
			oom_disarm();
			ASSERT_TRUE(!oom_fired());
			/* the exact fit re-checks: its allocation failing */
			if (len) {
				size_t before = as_bytes_in_use;
				long got;

				oom_fail_nth(0);
				got = aspace_maps_into(as, optss[o], buf,
						       len + 1);
				oom_disarm();
				ASSERT_EQ(got, oom_fired() ? -ENOMEM :
					  (long)len);
				ASSERT_EQ(as_bytes_in_use, before);
			}
			free(buf);
			aspace_free_text(t);
		}
		free(want.s);
		aspace_free(as);
	}
	return PASS;
}
