/*
 * test_fuzz_regress.c - divergences the differential fuzzer found, kept as
 * shrunk listings (exactly as `aspace fuzz` printed them) that are replayed
 * against the running kernel and the model; each must agree.  All fixes had
 * landed at de48b37; the "FAILS until" notes say what each one pins.
 */
#include <errno.h>

#include "../harness.h"
#include "../../tools/fuzz.h"

static int replay(const char *listing)
{
	int r = fz_replay_listing(listing, stdout);

	if (r == -ECHILD)
		SKIP("cannot start the kernel child");
	ASSERT_EQ(r, 0);
	return PASS;
}

/*
 * Found by seed 4 (default profile): a private anonymous mmap without
 * MAP_FIXED must take its pgoff from the address chosen by the search, not
 * from the hint (0), or it cannot merge with the VMA above it.  Fixed in
 * d0517b3.
 */
TEST(fuzz_regress_anon_pgoff_from_chosen_address)
{
	return replay(
		"mmap(NULL, 16384, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(NULL, 24576, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0x200000004000, 8192, PROT_READ, MAP_PRIVATE|MAP_FIXED|"
		"MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0x200000000000, 8192, PROT_READ, MAP_PRIVATE|"
		"MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0x200000002000, 8192, PROT_READ, MAP_PRIVATE|"
		"MAP_ANONYMOUS, -1, 0)\n");
}

/*
 * Found by seeds 1 and 2 (errors profile); fixed in 2eed8fe.  The model
 * must treat ASPACE_FILE_REGULAR (ext4) as MAP_SYNC-capable in the
 * MAP_SHARED_VALIDATE flag mask (FOP_MMAP_SYNC): the kernel checks the fd mode
 * first (EACCES for PROT_WRITE on an O_RDONLY fd) and refuses VM_SYNC only
 * in ext4's mmap hook (EOPNOTSUPP), after the MAP_FIXED range was unmapped.
 * docs/kernel-notes.md, "fuzz", note 1; kfact_map_sync_ext4_vs_shmem.
 */
TEST(fuzz_regress_map_sync_ext4_order)
{
	return replay(
		"mmap(0x200000000000, 16384, PROT_WRITE, MAP_SHARED_VALIDATE|"
		"MAP_SYNC, 101</var/tmp/aspace-fuzz.dat>, 0)\n"
		"mmap(0x200000010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|"
		"MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0x200000011000, 8192, PROT_READ, MAP_SHARED_VALIDATE|"
		"MAP_FIXED|MAP_SYNC, 100</var/tmp/aspace-fuzz.dat>, 0)\n"
		"mmap(0x200000013000, 4096, PROT_READ, MAP_SHARED_VALIDATE|"
		"MAP_FIXED|MAP_SYNC, 103</memfd:aspace-fuzz>, 0)\n");
}

/*
 * Found by the lock profile (seeds 1, 2, 4, 6).  FAILS until the model
 * keeps VM_LOCKED/VM_LOCKONFAULT off droppable VMAs (def_flags from
 * mlockall(MCL_FUTURE) and mlock()).  kernel-notes "fuzz" 7.
 */
TEST(fuzz_regress_droppable_never_locked)
{
	return replay(
		"mlockall(MCL_FUTURE|MCL_ONFAULT) = 0\n"
		"mmap(0x200000392000, 12288, PROT_READ|PROT_WRITE, "
		"MAP_DROPPABLE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
		"munlockall() = 0\n"
		"mlock(0x200000392000, 12288) = 0\n");
}

/*
 * Found by the lock and errors profiles.  FAILS until pkey_mprotect()
 * refuses the execute-only key with EINVAL.  kernel-notes "fuzz" 8.
 */
TEST(fuzz_regress_exec_only_pkey_refused)
{
	return replay(
		"mmap(0x200009554000, 4096, PROT_EXEC, MAP_SHARED|"
		"MAP_ANONYMOUS, -1, 0)\n"
		"pkey_mprotect(0x2000001bd000, 1409024, PROT_EXEC, 1)\n"
		"pkey_mprotect(0x200009554000, 4096, PROT_READ, 1)\n");
}

/*
 * Found by the lock profile (seed 7).  FAILS until MADV_GUARD_INSTALL
 * guards shared anonymous pages.  kernel-notes "fuzz" 9.
 */
TEST(fuzz_regress_guard_on_shmem)
{
	return replay(
		"mmap(0x200000040000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|"
		"MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"madvise(0x200000041000, 4096, MADV_GUARD_INSTALL) = 0\n"
		"touch(0x200000041000, 4096, PROT_WRITE) = -1 EFAULT\n");
}

/*
 * Found by the errors profile (seeds 4, 7, 8).  FAILS until MADV_COLLAPSE
 * refuses VMAs that cannot hold a PMD-aligned huge page with EINVAL, ahead
 * of a hole's ENOMEM.  kernel-notes "fuzz" 10.
 */
TEST(fuzz_regress_collapse_einval)
{
	return replay(
		"mmap(0x20000001b000, 106496, PROT_EXEC, MAP_PRIVATE|MAP_FIXED|"
		"MAP_ANONYMOUS, -1, 0)\n"
		"madvise(0x20000001c000, 8192, MADV_COLLAPSE)\n"
		"madvise(0x20000001a000, 8192, MADV_COLLAPSE)\n");
}

/*
 * Found by seed 49 (mremap profile) after the guard work: a pure move
 * (FIXED|DONTUNMAP, one page) of the second page of an unfaulted VMA to the
 * page right behind it merges the copy with its own source; the kernel's
 * iterator resumes at the source's old end, which is already past the
 * range, so the merged VMA is not moved a second time (the model's loop
 * re-found it, moved it again and returned EFAULT).  The kernel ends with
 * one VMA [0x20000006c000, 0x20000006f000).
 */
TEST(fuzz_regress_pure_move_merging_with_its_source)
{
	return replay(
		"mmap(0x20000006e000, 24576, PROT_NONE, MAP_SHARED|MAP_FIXED|"
		"MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0x20000006c000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|"
		"MAP_FIXED|MAP_ANONYMOUS|MAP_GROWSDOWN, -1, 0)\n"
		"mremap(0x20000006d000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED|"
		"MREMAP_DONTUNMAP, 0x20000006e000)\n"
		"mmap(0x20000016c000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|"
		"MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"mremap(0x20000016d000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, "
		"0x20000016e000)\n");
}

/*
 * Found by seed 62 (errors profile): MADV_COLLAPSE's "can the VMA hold an
 * aligned 2 MiB page" test computes vm_end - 2 MiB unsigned, so a VMA that
 * ends below 2 MiB (a heap moved to address 0 by root) wraps and passes;
 * with the bounds of [0, 12 KiB) meeting at 0 the call returns 0.
 */
TEST(fuzz_regress_collapse_wraps_below_2mib)
{
	return replay(
		"brk(0x55555562effc)\n"
		"mremap(0x555555615000, 57344, 57344, MREMAP_MAYMOVE|"
		"MREMAP_FIXED, NULL)\n"
		"mlockall(MCL_CURRENT)\n"
		"madvise(NULL, 12288, MADV_COLLAPSE)\n");
}

/*
 * Found by seed 103 (errors profile): MADV_REMOVE punches a hole through
 * vfs_fallocate(), which refuses a range ending past the file system's
 * largest file (ext4: 16 TiB - 4 KiB) with EFBIG.
 */
TEST(fuzz_regress_remove_past_ext4_max_file_size)
{
	return replay(
		"mmap(0x2000001e0000, 6291456, PROT_READ, MAP_SHARED|MAP_FIXED, "
		"100</var/tmp/aspace-fuzz.dat>, 0x100000000000)\n"
		"madvise(0x2000003f4000, 28672, MADV_REMOVE)\n"
		"madvise(0x2000001e0000, 28672, MADV_REMOVE)\n");
}

/*
 * Found by seed 50117 (errors profile, round 4).  The placement's result
 * is tested with IS_ERR_VALUE() before TASK_SIZE - len and alignment: a
 * MAP_FIXED address in the last 4095 bytes is returned as the "errno" it
 * spells (-612 here, where the model said ENOMEM); the page-aligned
 * 0xfffffffffffff000 is no such value (ENOMEM).  docs/kernel-notes.md,
 * "mmap at an error-valued address"; test_mmap_error_valued_fixed_address.
 */
TEST(fuzz_regress_error_valued_addr)
{
	return replay(
		"mmap(0xfffffffffffffd9c, 16384, PROT_WRITE, MAP_PRIVATE|"
		"MAP_FIXED|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)\n"
		"mmap(0xfffffffffffff001, 4096, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0xffffffffffffffff, 4096, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_FIXED_NOREPLACE|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0xfffffffffffffe00, 8192, PROT_READ|PROT_WRITE, "
		"MAP_SHARED|MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0xfffffffffffff800, 4096, PROT_READ, MAP_SHARED|"
		"MAP_FIXED, 100</var/tmp/aspace-fuzz.dat>, 0)\n"
		"mmap(0xfffffffffffff000, 4096, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0xffffffffffffe001, 4096, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0xfffffffffffffd9c, 4096, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n");
}

/*
 * Found by seeds 50617 and 50690 (errors profile, round 4): MADV_REMOVE on
 * a shared /dev/zero mapping made at file offset 2^63 is EINVAL (its
 * vfs_fallocate() offset is negative as a signed loff_t, checked before
 * the largest-file-size EFBIG the model gave).
 * test_madvise_remove_negative_offset_einval_first.
 */
TEST(fuzz_regress_remove_negative_offset)
{
	int r = replay(
		"mmap(0x2000001fc000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|"
		"MAP_FIXED_NOREPLACE, 105</dev/zero>, 0x8000000000000000)\n"
		"madvise(0x2000001ee000, 4194304, MADV_REMOVE)\n");

	if (r != PASS)
		return r;
	return replay(
		"mmap(0x7ffff75ab000, 12288, PROT_READ|PROT_WRITE|PROT_EXEC, "
		"MAP_SHARED|MAP_FIXED, 105</dev/zero>, 0x8000000000000000)\n"
		"mremap(0x7ffff75ad000, 4096, 4096, MREMAP_MAYMOVE|"
		"MREMAP_FIXED, 0x20000004f000)\n"
		"madvise(0x20000004f000, 4194304, MADV_REMOVE)\n");
}

/*
 * Found by seed 52544 (errors profile, round 4): since 6.13 hugetlbfs
 * places through the mm's own search (hint aligned up to the huge page,
 * huge-page alignment mask), so MAP_32BIT skips a hint above its window
 * in the top-down layout and the mapping lands at 0x40000000; the model
 * honoured the hint.  A hint inside the window, no hint, and a hint
 * without MAP_32BIT are checked too.
 */
TEST(fuzz_regress_hugetlb_32bit_hint)
{
	return replay(
		"mmap(0x200000350000, 106496, PROT_READ|PROT_WRITE|PROT_EXEC, "
		"MAP_SHARED|MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|MAP_HUGETLB, "
		"-1, 0)\n"
		"mmap(0x40500000, 2097152, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|"
		"MAP_32BIT|MAP_NORESERVE|MAP_HUGETLB, -1, 0)\n"
		"mmap(NULL, 4194304, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|"
		"MAP_32BIT|MAP_NORESERVE|MAP_HUGETLB, -1, 0)\n"
		"mmap(0x200000350000, 2097152, PROT_READ, MAP_PRIVATE|"
		"MAP_ANONYMOUS|MAP_NORESERVE|MAP_HUGETLB, -1, 0)\n"
		"mmap(0x7ff000000000, 4096, PROT_READ, MAP_PRIVATE|"
		"MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|MAP_HUGETLB, -1, 0)\n");
}

/*
 * Found by seed 53419 (errors profile, round 4): the hugetlb search's
 * alignment mask is page-granular (2 MiB - 4 KiB), so a gap of exactly
 * len + 2 MiB - 4 KiB holds an aligned 2 MiB mapping; the model asked for
 * 4 KiB more and placed it in the next gap down.
 */
TEST(fuzz_regress_hugetlb_exact_gap)
{
	return replay(
		"mmap(0x5555555bd000, 376832, PROT_READ, MAP_PRIVATE|MAP_FIXED|"
		"MAP_ANONYMOUS, -1, 0)\n"
		"mmap(0x5555555bc000, 1060864, PROT_WRITE, MAP_PRIVATE|"
		"MAP_ANONYMOUS|MAP_POPULATE, -1, 0)\n"
		"mmap(NULL, 1814528, PROT_READ|PROT_WRITE, MAP_PRIVATE, "
		"103</memfd:aspace-fuzz>, 0x75000)\n"
		"mmap(0x7ffff7641000, 8192, PROT_READ|PROT_WRITE|PROT_EXEC, "
		"MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)\n"
		"mremap(0x7ffff7641000, 4194304, 1, 0, NULL)\n"
		"mmap(NULL, 8192, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|"
		"MAP_ANONYMOUS|MAP_NORESERVE|MAP_POPULATE|MAP_HUGETLB, -1, 0)\n");
}
