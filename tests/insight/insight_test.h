/*
 * insight_test.h - helpers shared by the insight tests.
 */
#ifndef ASPACE_INSIGHT_TEST_H
#define ASPACE_INSIGHT_TEST_H

#include <stddef.h>

/*
 * it_slurp() - the whole file @path, NUL-terminated, from malloc.
 * Return: the text (its length in *@len when @len is not NULL), or NULL
 *         when the file cannot be read or memory runs out.
 */
char *it_slurp(const char *path, size_t *len /* OUT, may be NULL */);

#endif
