/*
 * test_maps_format.c - the hand-written /proc/PID/maps line prefix
 * (src/proc/maps.c maps_prefix) against printf's
 * "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu " for addresses, offsets,
 * device numbers and inodes of every width, including zero and 64-bit
 * extremes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"

TEST(maps_prefix_matches_printf)
{
	static const struct {
		uint64_t addr, len, off, ino;
		unsigned maj, min;
		int prot;
	} c[] = {
		{ 0x10000, 0x1000, 0, 0, 0, 0, PROT_READ },
		{ 0x12345000, 0x3000, 0x1000, 1, 8, 1, PROT_READ | PROT_EXEC },
		{ 0x100000000, 0x1000, 0xabcdef000, 9, 0x10, 0x0, PROT_WRITE },
		{ 0x555555554000, 0x1000, 0x10000000, 4294967296ull, 0x103,
		  0x1234, PROT_NONE },
		{ 0x7ffff7fc0000, 0x2000, 0x7fffffff000, 18446744073709551615ull,
		  0xfd, 0xff, PROT_READ | PROT_WRITE },
	};
	struct aspace *as = aspace_new(NULL);
	char want[4096] = "", line[256], *text;
	size_t w = 0;

	ASSERT_TRUE(as != NULL);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct aspace_file_desc d = {
			.path = "/x", .size = UINT64_MAX, .dev_major = c[i].maj,
			.dev_minor = c[i].min, .inode = c[i].ino,
			.flags = ASPACE_O_READ | ASPACE_O_WRITE,
			.kind = ASPACE_FILE_REGULAR,
		};
		struct aspace_file *f = aspace_file_open(&d);
		uint64_t out;

		ASSERT_TRUE(f != NULL);
		ASSERT_EQ(aspace_mmap(as, c[i].addr, c[i].len, c[i].prot,
				      MAP_PRIVATE | MAP_FIXED, f, c[i].off,
				      &out), 0);
		aspace_file_put(f);
	}
	/* Expected text: the table is in address order. */
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int n = snprintf(line, sizeof(line),
				 "%08llx-%08llx %c%c%cp %08llx %02x:%02x %llu ",
				 (unsigned long long)c[i].addr,
				 (unsigned long long)(c[i].addr + c[i].len),
				 (c[i].prot & PROT_READ) ? 'r' : '-',
				 (c[i].prot & PROT_WRITE) ? 'w' : '-',
				 (c[i].prot & PROT_EXEC) ? 'x' : '-',
				 (unsigned long long)c[i].off, c[i].maj,
				 c[i].min, (unsigned long long)c[i].ino);

		for (; n < 72; n++)
			line[n] = ' ';
		line[n] = '\0';
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s /x\n",
				      line);
	}
	text = aspace_maps(as, 0);
	ASSERT_TRUE(text != NULL);
	ASSERT_STR_EQ(text, want);
	aspace_free_text(text);
	aspace_free(as);
	return PASS;
}
