/*
 * alloc.c - the allocator hook.  Owns the global hook pointers and the
 * running count of bytes handed out, which the benchmarks divide by the
 * number of VMAs or tree entries.
 */
#include <string.h>

#include "aspace.h"
#include "internal.h"

static void *default_alloc(size_t size, void *ctx)
{
	(void)ctx;
	return malloc(size);
}

static void default_release(void *ptr, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	free(ptr);
}

static void *(*hook_alloc)(size_t, void *) = default_alloc;
static void (*hook_release)(void *, size_t, void *) = default_release;
static void *hook_ctx;

size_t as_bytes_in_use;

void aspace_set_allocator(void *(*alloc)(size_t size, void *ctx),
			  void (*release)(void *ptr, size_t size, void *ctx),
			  void *ctx)
{
	if (!alloc || !release) {
		hook_alloc = default_alloc;
		hook_release = default_release;
		hook_ctx = NULL;
		return;
	}
	hook_alloc = alloc;
	hook_release = release;
	hook_ctx = ctx;
}

void *as_alloc(size_t size)
{
	void *p = hook_alloc(size, hook_ctx);

	if (p)
		as_bytes_in_use += size;
	return p;
}

void *as_zalloc(size_t size)
{
	void *p = as_alloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void as_free(void *ptr, size_t size)
{
	if (!ptr)
		return;
	as_bytes_in_use -= size;
	hook_release(ptr, size, hook_ctx);
}

char *as_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = as_alloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

void as_strfree(char *s)
{
	if (s)
		as_free(s, strlen(s) + 1);
}

void as_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "aspace: assertion failed: %s (%s:%d)\n",
		cond, file, line);
	abort();
}
