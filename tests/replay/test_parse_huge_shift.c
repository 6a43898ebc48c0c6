/*
 * test_parse_huge_shift.c - strace prints the huge page size of
 * MAP_HUGETLB / SHM_HUGETLB as "21<<MAP_HUGE_SHIFT" inside the flag set;
 * the parser takes it as 21 << 26, and reports a bad shift with its column.
 */
#include <stdlib.h>

#include "../harness.h"
#include "../../tools/tracefmt.h"

static int parse1(const char *line, struct call_rec *rec, struct trace_error *err)
{
	struct trace_parser *tp = tp_new();
	int r = tp_parse_line(tp, line, 1, rec, err);

	tp_free(tp);
	return r;
}

TEST(parse_map_huge_shift_leftover)
{
	struct call_rec r = { 0 };
	struct trace_error e;

	ASSERT_EQ(parse1("mmap(NULL, 2097152, PROT_READ|PROT_WRITE, "
			 "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT, -1, 0)"
			 " = -1 ENOMEM (Cannot allocate memory)", &r, &e), 0);
	ASSERT_EQ(r.args[3], 0x22 | 0x40000 | (21ull << 26));
	rec_clear(&r);
	return PASS;
}

TEST(parse_map_huge_shift_bad_shift_column)
{
	struct call_rec r = { 0 };
	struct trace_error e;
	const char *line = "mmap(NULL, 2097152, PROT_READ, "
		"MAP_PRIVATE|MAP_ANONYMOUS|21<<MAP_NOPE, -1, 0) = 0x7f0000000000";

	ASSERT_TRUE(parse1(line, &r, &e) != 0);
	ASSERT_EQ(e.column, (int)(strstr(line, "MAP_NOPE") - line) + 1);
	rec_clear(&r);
	return PASS;
}
