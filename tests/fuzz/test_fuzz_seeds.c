/*
 * test_fuzz_seeds.c - runs the parser fuzz target (parse_fuzz.c) over its
 * seed corpus and over deterministic damage of each seed (truncations and
 * byte swaps at fixed strides), so the fuzz entry point is exercised by
 * every `make test` and a parser crash shows up there too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

TEST(fuzz_seeds_run_clean)
{
	static const char *const seeds[] = {
		"gcc", "ls", "perl-realloc", "perl", "python3-threads",
		"python3", "sort-tt", "extensions",
	};
	static const char junk[] = "(<>\"\\,|=? \n";
	size_t i, len, k;
	char path[96];

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		unsigned char *buf;

		snprintf(path, sizeof(path), "tests/fuzz/corpus/%s.trace", seeds[i]);
		buf = slurp(path, &len);
		if (!buf)
			FAILF("cannot read %s", path);
		LLVMFuzzerTestOneInput(buf, len);
		for (k = 1; k < len; k += len / 40 + 1)
			LLVMFuzzerTestOneInput(buf, k);         /* truncated */
		for (k = 0; k < len; k += len / 40 + 1) {
			unsigned char c = buf[k];

			buf[k] = (unsigned char)junk[k % (sizeof(junk) - 1)];
			LLVMFuzzerTestOneInput(buf, len);       /* one byte off */
			buf[k] = c;
		}
		free(buf);
	}
	return PASS;
}
