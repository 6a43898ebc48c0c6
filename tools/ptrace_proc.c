/*
 * ptrace_proc.c - /proc readers for `aspace trace` (see ptrace_proc.h).
 * Reads are whole-file and fresh each time: a traced task's files change
 * between stops, and nothing here caches them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aspace.h"
#include "ptrace_proc.h"
#include "trace_write.h"

long proc_read_into(pid_t pid, const char *name, char **buf, size_t *cap)
{
	char path[64];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (!*buf || *cap - len < 4096 + 1) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *p = realloc(*buf, ncap);

			if (!p) {
				close(fd);
				return -ENOMEM;
			}
			*buf = p;
			*cap = ncap;
		}
		n = read(fd, *buf + len, *cap - len - 1);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	(*buf)[len] = 0;
	return (long)len;
}

char *proc_read(pid_t pid, const char *name, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	long n = proc_read_into(pid, name, &buf, &cap);

	if (n < 0) {
		free(buf);
		errno = (int)-n;
		return NULL;
	}
	if (len)
		*len = (size_t)n;
	return buf;
}

int proc_stat_fields(pid_t pid, uint64_t *fields)
{
	char *text = proc_read(pid, "stat", NULL), *p, *end;
	int i;

	if (!text)
		return -errno;
	memset(fields, 0, sizeof(*fields) * (PSTAT_MAX + 1));
	/* field 2 (comm) may hold spaces and parentheses: skip to the last ')' */
	p = strrchr(text, ')');
	if (!p) {
		free(text);
		return -EINVAL;
	}
	p++;
	for (i = 3; i <= PSTAT_MAX; i++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		/* the state letter and negative numbers read as 0 */
		fields[i] = strtoull(p, &end, 10);
		if (end == p || *p == '-')
			fields[i] = 0;
		while (*end && *end != ' ' && *end != '\n')
			end++;
		p = end;
	}
	free(text);
	return 0;
}

int proc_rlimit(pid_t pid, const char *what, uint64_t *soft)
{
	char *text = proc_read(pid, "limits", NULL), *p;
	int err = -ENOENT;

	if (!text)
		return -errno;
	p = strstr(text, what);
	if (p) {
		p += strlen(what);
		while (*p == ' ')
			p++;
		if (!strncmp(p, "unlimited", 9))
			*soft = UINT64_MAX;
		else
			*soft = strtoull(p, NULL, 10);
		err = 0;
	}
	free(text);
	return err;
}

int proc_cap_eff(pid_t pid, uint64_t *caps)
{
	char *text = proc_read(pid, "status", NULL), *p;
	int err = -ENOENT;

	if (!text)
		return -errno;
	p = strstr(text, "\nCapEff:");
	if (p) {
		*caps = strtoull(p + 8, NULL, 16);
		err = 0;
	}
	free(text);
	return err;
}

long proc_fd_path(pid_t pid, int fd, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, cap - 1);
	if (n < 0) {
		buf[0] = 0;
		return -errno;
	}
	buf[n] = 0;
	return n;
}

uint64_t proc_vmflags_parse(const char *s)
{
	static uint64_t bit_of[26 * 26];
	static int ready;
	uint64_t flags = 0;

	if (!ready) {
		/* the mnemonics are the library's: invert aspace_vmflags_str() */
		int b;

		for (b = 0; b < 64; b++) {
			char m[8];

			if (aspace_vmflags_str(1ull << b, m, sizeof(m)) >= 3 &&
			    m[0] >= 'a' && m[0] <= 'z' &&
			    m[1] >= 'a' && m[1] <= 'z')
				bit_of[(m[0] - 'a') * 26 + (m[1] - 'a')] |=
					1ull << b;
		}
		ready = 1;
	}
	while (*s && *s != '\n') {
		if (s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z')
			flags |= bit_of[(s[0] - 'a') * 26 + (s[1] - 'a')];
		while (*s && *s != ' ' && *s != '\n')
			s++;
		while (*s == ' ')
			s++;
	}
	return flags;
}

static bool is_header_line(const char *p)
{
	/* "start-end perms ..." : hex digits then '-' */
	const char *q = p;

	while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f'))
		q++;
	return q > p && *q == '-';
}

int proc_parse_smaps(const char *text, struct proc_vmas *out)
{
	const char *p = text;
	struct proc_vma *cur = NULL;

	out->n = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (is_header_line(p)) {
			struct proc_vma v;
			char *end;
			int field;
			const char *q;

			memset(&v, 0, sizeof(v));
			v.start = strtoull(p, &end, 16);
			if (*end != '-')
				return -EINVAL;
			v.end = strtoull(end + 1, &end, 16);
			if (*end != ' ' || strlen(end) < 5)
				return -EINVAL;
			memcpy(v.perms, end + 1, 4);
			v.line = p;
			v.line_len = len;
			/* the name follows the 5th field */
			q = p;
			for (field = 0; field < 5 && q < p + len; field++) {
				while (q < p + len && *q != ' ')
					q++;
				while (q < p + len && *q == ' ')
					q++;
			}
			v.name = q;
			v.name_len = (size_t)(p + len - q);
			cur = NULL;
			if (v.start != 0xffffffffff600000ull) {
				if (out->n == out->cap) {
					size_t nc = out->cap ? out->cap * 2 : 64;
					struct proc_vma *nv = realloc(out->v,
						nc * sizeof(*nv));

					if (!nv)
						return -ENOMEM;
					out->v = nv;
					out->cap = nc;
				}
				out->v[out->n] = v;
				cur = &out->v[out->n++];
			}
		} else if (cur && !strncmp(p, "Anonymous:", 10)) {
			cur->anon_kb += strtoull(p + 10, NULL, 10);
		} else if (cur && !strncmp(p, "Swap:", 5)) {
			cur->anon_kb += strtoull(p + 5, NULL, 10);
		} else if (cur && !strncmp(p, "VmFlags:", 8)) {
			cur->flags = proc_vmflags_parse(p + 8);
		}
		p = eol ? eol + 1 : p + len;
	}
	return 0;
}

void proc_vmas_free(struct proc_vmas *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

void proc_smaps_layout(const char *text, const char *prefix,
		       struct tw_buf *out)
{
	const char *p = text;
	bool skip = false;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		bool keep = false;

		if (is_header_line(p)) {
			/* the gate area is not a VMA */
			skip = !strncmp(p, "ffffffffff600000-", 17);
			keep = !skip;
		} else if (!skip && (!strncmp(p, "Anonymous:", 10) ||
				     !strncmp(p, "VmFlags:", 8))) {
			keep = true;
		}
		if (keep) {
			tw_printf(out, "%s", prefix);
			tw_putn(out, p, len);
			/* VmFlags lines end with a space: keep the text exact */
			tw_putn(out, "\n", 1);
		}
		p = eol ? eol + 1 : p + len;
	}
}
