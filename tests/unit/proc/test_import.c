/*
 * test_import.c - aspace_import_maps() (src/proc/import.c): the rows of
 * spec/08's inference table, smaps VmFlags/Anonymous lines, file identity,
 * the process image taken from [heap]/[stack], and malformed input with
 * its line and column (nothing added).
 */
#include <errno.h>
#include <stdlib.h>

#include "aspace.h"
#include "../../harness.h"
#include "../../oom/oom.h"

#define RD ASPACE_VM_READ
#define WR ASPACE_VM_WRITE
#define EX ASPACE_VM_EXEC
#define SH ASPACE_VM_SHARED
#define MR ASPACE_VM_MAYREAD
#define MW ASPACE_VM_MAYWRITE
#define ME ASPACE_VM_MAYEXEC
#define MS ASPACE_VM_MAYSHARE
#define AC ASPACE_VM_ACCOUNT

/* A layout with one line per inference row. */
static const char layout[] =
	"555555554000-555555558000 r--p 00000000 fe:00 131                        /usr/bin/ls\n"
	"555555558000-55555556d000 r-xp 00004000 fe:00 131                        /usr/bin/ls\n"
	"555555581000-555555582000 rw-p 0002c000 fe:00 131                        /usr/bin/ls\n"
	"555555582000-5555555a3000 rw-p 00000000 00:00 0                          [heap]\n"
	"7ffff7d00000-7ffff7d01000 r--s 00000000 fe:00 99                         /etc/shared.db\n"
	"7ffff7d01000-7ffff7d02000 rw-s 00000000 fe:00 98                         /tmp/rw.db\n"
	"7ffff7d02000-7ffff7d03000 r--s 00000000 00:01 2048                       /dev/zero (deleted)\n"
	"7ffff7d03000-7ffff7d04000 rw-s 00000000 00:01 2049                       /dev/zero (deleted)\n"
	"7ffff7d04000-7ffff7d06000 rw-p 00000000 00:00 0 \n"
	"7ffff7fc1000-7ffff7fc5000 r--p 00000000 00:00 0                          [vvar]\n"
	"7ffff7fc5000-7ffff7fc7000 r-xp 00000000 00:00 0                          [vdso]\n"
	"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static int vma(struct aspace *as, uint64_t addr, struct aspace_vma_info *v)
{
	return aspace_vma_at(as, addr, v);
}

TEST(import_maps_inference_rows)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_import_error e;
	struct aspace_vma_info v, w;
	struct aspace_counters c;

	ASSERT_EQ(aspace_import_maps(as, layout, &e), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 12);             /* [vsyscall] is no VMA */
	/* private file, read-only: mr mw me, no anon_vma, pgoff from offset */
	ASSERT_EQ(vma(as, 0x555555554000, &v), 0);
	ASSERT_EQ(v.flags, RD | MR | MW | ME);
	ASSERT_EQ(v.anon_id, 0);
	ASSERT_EQ(vma(as, 0x555555558000, &w), 0);
	ASSERT_EQ(w.pgoff, 4);
	ASSERT_TRUE(v.file && v.file == w.file);        /* one description */
	ASSERT_EQ(aspace_file_desc_of(v.file)->inode, 131);
	ASSERT_EQ(aspace_file_desc_of(v.file)->dev_major, 0xfe);
	/* private writable file: ac and an anon_vma (assumed faulted) */
	ASSERT_EQ(vma(as, 0x555555581000, &v), 0);
	ASSERT_EQ(v.flags, RD | WR | MR | MW | ME | AC);
	ASSERT_NE(v.anon_id, 0);
	/* anonymous: pgoff = start / 4096 */
	ASSERT_EQ(vma(as, 0x7ffff7d04000, &v), 0);
	ASSERT_EQ(v.pgoff, 0x7ffff7d04000ull >> 12);
	ASSERT_EQ(v.flags, RD | WR | MR | MW | ME | AC);
	ASSERT_TRUE(v.file == NULL);
	/* shared read-only regular file: opened read-only, no mw, no sh */
	ASSERT_EQ(vma(as, 0x7ffff7d00000, &v), 0);
	ASSERT_EQ(v.flags, RD | MR | ME | MS);
	/* shared writable file */
	ASSERT_EQ(vma(as, 0x7ffff7d01000, &v), 0);
	ASSERT_EQ(v.flags, RD | WR | SH | MR | MW | ME | MS);
	ASSERT_EQ(v.anon_id, 0);
	/* shared anonymous, read-only: still sh and mw; one object each */
	ASSERT_EQ(vma(as, 0x7ffff7d02000, &v), 0);
	ASSERT_EQ(v.flags, RD | SH | MR | MW | ME | MS);
	ASSERT_EQ(vma(as, 0x7ffff7d03000, &w), 0);
	ASSERT_TRUE(v.file && w.file && v.file != w.file);
	/* specials */
	ASSERT_EQ(vma(as, 0x7ffff7fc1000, &v), 0);
	ASSERT_EQ(v.kind, ASPACE_VMA_VVAR);
	ASSERT_EQ(v.flags, RD | MR | ASPACE_VM_PFNMAP | ASPACE_VM_IO |
		  ASPACE_VM_DONTEXPAND | ASPACE_VM_DONTDUMP);
	ASSERT_EQ(vma(as, 0x7ffff7fc5000, &v), 0);
	ASSERT_EQ(v.kind, ASPACE_VMA_VDSO);
	ASSERT_EQ(v.flags, RD | EX | MR | MW | ME | ASPACE_VM_DONTEXPAND);
	/* the stack */
	ASSERT_EQ(vma(as, 0x7ffffffde000, &v), 0);
	ASSERT_EQ(v.flags, RD | WR | MR | MW | ME | AC | ASPACE_VM_GROWSDOWN);
	/* the image */
	ASSERT_EQ(c.start_brk, 0x555555582000ull);
	ASSERT_EQ(c.brk, 0x5555555a3000ull);
	ASSERT_TRUE(c.start_stack >= 0x7ffffffde000ull &&
		    c.start_stack <= 0x7ffffffff000ull);
	ASSERT_EQ(aspace_validate(as), 0);
	aspace_free(as);
	return PASS;
}

TEST(import_maps_prints_back_the_same_text)
{
	struct aspace *as = aspace_new(NULL);
	char *text;

	ASSERT_EQ(aspace_import_maps(as, layout, NULL), 0);
	text = aspace_maps(as, ASPACE_MAPS_VSYSCALL);
	ASSERT_STR_EQ(text, layout);
	aspace_free_text(text);
	aspace_free(as);
	return PASS;
}

TEST(import_smaps_vmflags_and_anonymous)
{
	static const char smaps[] =
		"7ffff7d00000-7ffff7d02000 r--p 00001000 fe:00 77                         /usr/lib/libx.so\n"
		"Size:                  8 kB\n"
		"Anonymous:             4 kB\n"
		"VmFlags: rd mr mw me ac \n"
		"7ffff7d04000-7ffff7d06000 rw-p 00000000 00:00 0 \n"
		"Size:                  8 kB\n"
		"Anonymous:             0 kB\n"
		"VmFlags: rd wr mr mw me ac sd \n";
	struct aspace *as = aspace_new(NULL);
	struct aspace_vma_info v;

	ASSERT_EQ(aspace_import_maps(as, smaps, NULL), 0);
	/* RELRO: r--p with ac, faulted */
	ASSERT_EQ(vma(as, 0x7ffff7d00000, &v), 0);
	ASSERT_EQ(v.flags, RD | MR | MW | ME | AC);
	ASSERT_NE(v.anon_id, 0);
	ASSERT_EQ(v.pgoff, 1);
	/* writable but never faulted: no anon_vma; sd kept as given */
	ASSERT_EQ(vma(as, 0x7ffff7d04000, &v), 0);
	ASSERT_EQ(v.flags, RD | WR | MR | MW | ME | AC | ASPACE_VM_SOFTDIRTY);
	ASSERT_EQ(v.anon_id, 0);
	aspace_free(as);
	return PASS;
}

/* smaps lists [vsyscall] too: its field lines belong to no VMA */
TEST(import_smaps_vsyscall_fields_skipped)
{
	static const char smaps[] =
		"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
		"VmFlags: rd wr mr mw me gd ac \n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
		"Size:                  4 kB\n"
		"VmFlags: ex \n";
	struct aspace *as = aspace_new(NULL);
	struct aspace_vma_info v;

	ASSERT_EQ(aspace_import_maps(as, smaps, NULL), 0);
	ASSERT_EQ(vma(as, 0x7ffffffde000, &v), 0);
	ASSERT_EQ(v.flags, RD | WR | MR | MW | ME | AC | ASPACE_VM_GROWSDOWN);
	aspace_free(as);
	return PASS;
}

TEST(import_maps_keeps_known_image)
{
	struct aspace_config cfg;
	struct aspace_counters c;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.start_brk = 0x555555590000ull;
	cfg.brk = 0x555555591234ull;
	as = aspace_new(&cfg);
	ASSERT_EQ(aspace_import_maps(as, layout, NULL), 0);
	aspace_counters(as, &c);
	ASSERT_EQ(c.start_brk, 0x555555590000ull);
	ASSERT_EQ(c.brk, 0x555555591234ull);
	aspace_free(as);
	return PASS;
}

TEST(import_maps_anon_names)
{
	static const char text[] =
		"7ffff7d00000-7ffff7d02000 rw-p 00000000 00:00 0                          [anon:my heap]\n";
	struct aspace *as = aspace_new(NULL);
	struct aspace_vma_info v;

	ASSERT_EQ(aspace_import_maps(as, text, NULL), 0);
	ASSERT_EQ(vma(as, 0x7ffff7d00000, &v), 0);
	ASSERT_STR_EQ(v.anon_name, "my heap");
	aspace_free(as);
	return PASS;
}

/* Import @text expecting -EINVAL at (line, col); nothing may be added. */
static int bad(const char *text, int line, int col)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_import_error e;
	struct aspace_counters c;

	ASSERT_EQ(aspace_import_maps(as, text, &e), -EINVAL);
	if (e.line != line || e.column != col)
		FAILF("%s: got %d:%d (%s), expected %d:%d", text, e.line,
		      e.column, e.msg, line, col);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 0);
	aspace_free(as);
	return PASS;
}

TEST(import_maps_errors_with_line_and_column)
{
	static const char ok[] = "10000-11000 rw-p 00000000 00:00 0 \n";
	char buf[256];

	CHECK(bad("10000-11000 rw-q 00000000 00:00 0 \n", 1, 16));
	CHECK(bad("10000-1100z rw-p 00000000 00:00 0 \n", 1, 7));
	CHECK(bad("10000-11000 rw-p 0000000g 00:00 0 \n", 1, 18));
	CHECK(bad("10000-11000 rw-p 00000000 00-00 0 \n", 1, 27));
	CHECK(bad("10000-11000 rw-p 00000000 00:00 x \n", 1, 33));
	CHECK(bad("10800-11000 rw-p 00000000 00:00 0 \n", 1, 1));
	CHECK(bad("VmFlags: rd\n", 1, 1));
	snprintf(buf, sizeof(buf), "%s%s", ok, "hello\n");
	CHECK(bad(buf, 2, 1));
	snprintf(buf, sizeof(buf), "%s%s", ok, "10000-12000 rw-p 00000000 00:00 0 \n");
	CHECK(bad(buf, 2, 1));
	snprintf(buf, sizeof(buf), "%sVmFlags: rd wrx\n", ok);
	CHECK(bad(buf, 2, 13));
	return PASS;
}

TEST(import_maps_overlap_with_existing_adds_nothing)
{
	struct aspace *as = aspace_new(NULL);
	struct aspace_counters c;
	uint64_t out;

	ASSERT_EQ(aspace_mmap(as, 0x7ffff7d05000ull, 4096, 3, 0x32, NULL, 0, &out), 0);
	ASSERT_EQ(aspace_import_maps(as, layout, NULL), -EEXIST);
	aspace_counters(as, &c);
	ASSERT_EQ(c.map_count, 1);
	aspace_free(as);
	return PASS;
}

/*
 * Every allocation of an import may fail: the import then returns -ENOMEM
 * and the address space (maps text, counters) is as before.
 */
TEST(import_maps_survives_every_oom)
{
	for (long k = 0;; k++) {
		struct aspace *as = aspace_new(NULL);
		struct aspace_counters c0, c1;
		char *before, *after;
		uint64_t out;
		int err;

		ASSERT_EQ(aspace_mmap(as, 0x10000000ull, 8192, 3, 0x32, NULL, 0, &out), 0);
		before = aspace_maps(as, 0);
		aspace_counters(as, &c0);
		oom_fail_nth(k);
		err = aspace_import_maps(as, layout, NULL);
		oom_disarm();
		if (!oom_fired()) {
			ASSERT_EQ(err, 0);
			aspace_free_text(before);
			aspace_free(as);
			return PASS;
		}
		ASSERT_EQ(err, -ENOMEM);
		after = aspace_maps(as, 0);
		ASSERT_STR_EQ(after, before);
		aspace_counters(as, &c1);
		ASSERT_EQ(c1.map_count, c0.map_count);
		ASSERT_EQ(c1.total_vm, c0.total_vm);
		ASSERT_EQ(c1.data_vm, c0.data_vm);
		ASSERT_EQ(c1.stack_vm, c0.stack_vm);
		ASSERT_EQ(c1.exec_vm, c0.exec_vm);
		ASSERT_EQ(c1.committed, c0.committed);
		ASSERT_EQ(c1.start_brk, c0.start_brk);
		ASSERT_EQ(aspace_validate(as), 0);
		aspace_free_text(before);
		aspace_free_text(after);
		aspace_free(as);
	}
}
