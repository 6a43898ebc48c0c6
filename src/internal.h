/*
 * internal.h - the one seam every layer of aspace shares: the allocator
 * hook, assertions and page arithmetic.  Nothing here is public API.
 *
 * Every byte the library allocates goes through as_alloc()/as_free(), so a
 * test can make the k-th allocation fail and check that the failing
 * operation left its address space untouched.
 */
#ifndef ASPACE_INTERNAL_H
#define ASPACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ull
#define PAGE_MASK  (~(PAGE_SIZE - 1))
/* The largest errno a system call returns as -errno (IS_ERR_VALUE()). */
#define MAX_ERRNO  4095

/* Round up to a page; wraps to 0 near 2^64 exactly as the kernel's macro. */
#define PAGE_ALIGN(x)     (((uint64_t)(x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(x)   (((uint64_t)(x) & (PAGE_SIZE - 1)) == 0)
#define PFN(x)            ((uint64_t)(x) >> PAGE_SHIFT)

#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)         ((a) < (b) ? (a) : (b))
#define MAX(a, b)         ((a) > (b) ? (a) : (b))

#define likely(x)         __builtin_expect(!!(x), 1)
#define unlikely(x)       __builtin_expect(!!(x), 0)

/*
 * ASSERT() - an invariant the code relies on.  Always compiled in: a model
 * that silently continues after breaking an invariant gives wrong answers.
 */
#define ASSERT(cond)							\
	do {								\
		if (unlikely(!(cond)))					\
			as_assert_fail(#cond, __FILE__, __LINE__);	\
	} while (0)

void as_assert_fail(const char *cond, const char *file, int line)
	__attribute__((noreturn));

/*
 * as_alloc() - allocate @size bytes through the allocator hook.
 * Return: the memory (uninitialised) or NULL when the hook refuses.
 * as_zalloc() zeroes it.  as_free() takes the size given at allocation.
 */
void *as_alloc(size_t size);
void *as_zalloc(size_t size);
void as_free(void *ptr, size_t size);
char *as_strdup(const char *s);
void as_strfree(char *s);

/* Bytes currently allocated through the hook (all address spaces). */
extern size_t as_bytes_in_use;

#endif /* ASPACE_INTERNAL_H */
