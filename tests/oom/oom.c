/*
 * oom.c - the counting allocator behind oom.h.  Installed on first use;
 * counts allocations and fails the armed one.
 */
#include <stdlib.h>

#include "aspace.h"
#include "oom.h"

static long countdown = -1;
static long count;
static bool fired;

static void *oom_alloc(size_t size, void *ctx)
{
	(void)ctx;
	count++;
	if (countdown == 0) {
		countdown = -1;
		fired = true;
		return NULL;
	}
	if (countdown > 0)
		countdown--;
	return malloc(size);
}

static void oom_release(void *p, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	free(p);
}

void oom_fail_nth(long k)
{
	aspace_set_allocator(oom_alloc, oom_release, NULL);
	countdown = k;
	count = 0;
	fired = false;
}

void oom_disarm(void)
{
	countdown = -1;
}

bool oom_fired(void)
{
	return fired;
}

long oom_allocs(void)
{
	return count;
}
