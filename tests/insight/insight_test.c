/*
 * insight_test.c - helpers shared by the insight tests (insight_test.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "insight_test.h"

char *it_slurp(const char *path, size_t *len /* OUT, may be NULL */)
{
	FILE *f = fopen(path, "r"), *m;
	char *buf = NULL, chunk[65536];
	size_t n = 0, k;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &n);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, k, m);
	fclose(f);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
