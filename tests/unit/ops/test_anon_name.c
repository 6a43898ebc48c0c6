/*
 * test_anon_name.c - aspace_set_anon_name() (prctl PR_SET_VMA_ANON_NAME):
 * EINVAL without CONFIG_ANON_VMA_NAME (the reference kernel), spec/07's
 * prctl rows with config.anon_vma_name on, spec/02 scenario 54, and the
 * maps names [anon:NAME] / [anon_shmem:NAME].
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "../../harness.h"
#include "../vma/fixture.h"

#define RW (PROT_READ | PROT_WRITE)

static struct aspace *named_new(void)
{
	struct aspace_config cfg;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	return fx_new_cfg(&cfg);
}

TEST(anon_name_reference_kernel_einval)
{
	struct aspace *as = fx_new();

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(4), "x"), -EINVAL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), 0, NULL), -EINVAL);
	aspace_free(as);
	return PASS;
}

TEST(anon_name_name_checks_before_range_checks)
{
	struct aspace *as = named_new();
	char longname[81];

	memset(longname, 'a', 80);
	longname[80] = '\0';
	ASSERT_EQ(aspace_set_anon_name(as, AT(0) + 1, PG(1), longname), -EINVAL);
	longname[79] = '\0';              /* 79 characters: fine */
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), 0, longname), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), 0, "a[b"), -EINVAL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), 0, "a$b"), -EINVAL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), 0, "tab\there"), -EINVAL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0) + 1, PG(1), "ok"), -EINVAL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), UINT64_MAX, "ok"), -EINVAL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(1), "ok"), -ENOMEM);
	aspace_free(as);
	return PASS;
}

TEST(anon_name_scenario54_split_merge_by_string)
{
	struct aspace *as = named_new();

	ASSERT_EQ(fx_map(as, 0, 12, RW, 0), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(4), PG(4), "buf"), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p | 4-8:rw-p | 8-12:rw-p");
	ASSERT_TRUE(strstr(fx_maps(as, 0), "[anon:buf]") != NULL);
	/* the same name set separately (another string object) merges */
	ASSERT_EQ(aspace_set_anon_name(as, AT(8), PG(4), "buf"), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p | 4-12:rw-p");
	/* a different name does not */
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(4), "other"), 0);
	ASSERT_LAYOUT(as, "0-4:rw-p | 4-12:rw-p");
	/* removing every name merges back */
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(12), NULL), 0);
	ASSERT_LAYOUT(as, "0-12:rw-p");
	aspace_free(as);
	return PASS;
}

TEST(anon_name_file_ebadf_shmem_named_hole_enomem)
{
	struct aspace *as = named_new();
	struct aspace_file_desc d = {
		.path = "/tmp/f", .size = PG(8), .dev_major = 254, .inode = 3,
		.flags = ASPACE_O_READ | ASPACE_O_WRITE,
	};
	struct aspace_file *f = aspace_file_open(&d);
	uint64_t out;

	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_mmap(as, AT(4), PG(4), RW, MAP_PRIVATE | MAP_FIXED, f,
			      0, &out), 0);
	ASSERT_EQ(aspace_mmap(as, AT(10), PG(2), RW, MAP_SHARED |
			      MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &out), 0);
	/* anon part named, then EBADF at the file VMA */
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(12), "n"), -EBADF);
	ASSERT_TRUE(strstr(fx_maps(as, 0), "[anon:n]") != NULL);
	ASSERT_EQ(aspace_set_anon_name(as, AT(8), PG(4), "s"), -ENOMEM);
	ASSERT_TRUE(strstr(fx_maps(as, 0), "[anon_shmem:s]") != NULL);
	/* sealed VMAs may be named */
	ASSERT_EQ(aspace_mseal(as, AT(0), PG(4), 0), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(0), PG(4), "sealed"), 0);
	aspace_file_put(f);
	aspace_free(as);
	return PASS;
}

TEST(anon_name_split_at_max_eagain)
{
	struct aspace_config cfg;
	struct aspace *as;

	aspace_config_init(&cfg);
	cfg.anon_vma_name = true;
	cfg.max_map_count = 1;
	as = fx_new_cfg(&cfg);
	ASSERT_EQ(fx_map(as, 0, 4, RW, 0), 0);
	ASSERT_EQ(aspace_set_anon_name(as, AT(1), PG(1), "x"), -EAGAIN);
	ASSERT_LAYOUT(as, "0-4:rw-p");
	aspace_free(as);
	return PASS;
}
