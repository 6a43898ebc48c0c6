/*
 * ref.h - the trivially correct reference for the range tree: a sorted
 * array of entries (the provisional rt.c the B+tree replaced), searched by
 * binary search and edited with memmove.  It uses plain malloc, not the
 * allocator hook, so failure injection never reaches it.
 */
#ifndef ASPACE_TEST_RT_REF_H
#define ASPACE_TEST_RT_REF_H

#include "rtree/rt.h"

struct ref {
	struct rt_entry *e;
	uint64_t         n, cap;
};

void ref_init(struct ref *r);
void ref_free(struct ref *r);
void ref_store(struct ref *r, uint64_t first, uint64_t last, void *value);
void *ref_load(const struct ref *r, uint64_t index, struct rt_entry *e);
void *ref_find(const struct ref *r, uint64_t index, struct rt_entry *e);
void *ref_find_rev(const struct ref *r, uint64_t index, struct rt_entry *e);
void *ref_next(const struct ref *r, uint64_t index, struct rt_entry *e);
void *ref_prev(const struct ref *r, uint64_t index, struct rt_entry *e);
int ref_gap_lowest(const struct ref *r, uint64_t lo, uint64_t hi,
		   uint64_t size, uint64_t *gfirst, uint64_t *glast);
int ref_gap_highest(const struct ref *r, uint64_t lo, uint64_t hi,
		    uint64_t size, uint64_t *gfirst, uint64_t *glast);
/* The maximal gap just before entry @i (@i == n: after the last entry);
 * false when entry @i touches its predecessor or 0, or past the end. */
bool ref_gap_at(const struct ref *r, uint64_t i, uint64_t *gf, uint64_t *gl);

#endif
