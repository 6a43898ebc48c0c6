/*
 * parse_fuzz.c - libFuzzer target for the trace parser (tools/
 * trace_parse.c): the input is split into lines and fed to one parser, as
 * `aspace replay` does, so <unfinished ...>/<... resumed> pairs and header
 * lines meet arbitrary text.  Built by `make fuzz-parser` with clang
 * (-fsanitize=fuzzer,address,undefined); the test runner also compiles
 * this file (with gcc) and replays the seed corpus through it in
 * test_fuzz_seeds_run_clean, so the entry point stays exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/tracefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_parser *tp = tp_new();
	struct call_rec rec = { 0 };
	struct trace_error err;
	char *buf = malloc(size + 1), *s, *nl;
	int line = 0;

	if (!tp || !buf) {
		free(buf);
		tp_free(tp);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = 0;
	for (s = buf; s && *s; s = nl ? nl + 1 : NULL) {
		int r;

		nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		r = tp_parse_line(tp, s, ++line, &rec, &err);
		/* an error names a place on a line that exists */
		if (r == -1 && (err.line < 1 || err.line > line || err.column < 1))
			abort();
		if (r == 0 && rec.kind == REC_CALL && rec.text)
			(void)strlen(rec.text);
	}
	rec_clear(&rec);
	tp_free(tp);
	free(buf);
	return 0;
}
