/*
 * oom.h - allocation-failure injection for tests.  oom_fail_nth(k) makes
 * the k-th allocation from now (0-based) fail, and every later one succeed;
 * oom_fired() says whether it was reached.  Built on the public allocator
 * hook, so it sees every byte the library allocates.
 */
#ifndef ASPACE_TEST_OOM_H
#define ASPACE_TEST_OOM_H

#include <stdbool.h>
#include <stddef.h>

void oom_fail_nth(long k);
void oom_disarm(void);
bool oom_fired(void);
long oom_allocs(void);      /* allocations since the last oom_fail_nth() */

#endif
