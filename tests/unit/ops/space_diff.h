/*
 * space_diff.h - the comparison the fast-path differential tests share:
 * two address spaces that ran the same calls (one with its fast paths
 * off) must hold the same VMAs (range, pgoff, flags, kind, anon, name,
 * provenance; not the file pointer's identity), counters and work
 * statistics, and both must validate.
 */
#ifndef ASPACE_TEST_SPACE_DIFF_H
#define ASPACE_TEST_SPACE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aspace.h"

#define SD_VMAS 512                     /* dump capacity */

/* One VMA as compared. */
struct sd_vma {
	uint64_t start, end, pgoff, flags, anon_id, origin, last_change;
	int kind, has_file, forked;
	char name[32];
};

struct sd_dump {
	unsigned n;
	struct sd_vma v[SD_VMAS];
};

/*
 * sd_same() - are @fast and @slow identical?  Prints the first
 * difference, prefixed with @what, to stderr.  When @dump is not NULL it
 * is left holding @fast's VMAs (for picking the next call's target).
 * Return: 1 when identical and both validate, else 0.
 */
int sd_same(struct aspace *fast, struct aspace *slow, const char *what,
	    struct sd_dump *dump /* OUT, may be NULL */);

/*
 * One random call on both spaces (the second with its fast paths off):
 * writes what it did into @what, returns 1 when the results agree.
 */
typedef int (*sd_step_fn)(struct aspace *fast, struct aspace *slow,
			  char *what, size_t wlen);

/*
 * sd_run() - @seeds runs of @ops steps with the configuration @cfg, each
 * compared with sd_same() (into @dump, which starts empty each seed);
 * *@rng is seeded per run with the seed number and @salt; *@slow_only
 * (the switch under test) is cleared after each run.
 * Return: 1 when every step agreed, else 0 (the first difference printed).
 */
int sd_run(const struct aspace_config *cfg, unsigned seeds, unsigned ops,
	   uint64_t *rng, uint64_t salt, sd_step_fn step,
	   struct sd_dump *dump /* may be NULL */, bool *slow_only);

/*
 * sd_config_limits() - the stressful configurations both tests run:
 * stage 0 turns on provenance and names with a max_map_count of 24 and
 * 16 lockable pages; stage 1 (on top of 0) a max_map_count of 12 and a
 * 64-page commit limit (overcommit 2).
 */
void sd_config_limits(struct aspace_config *cfg, int stage);

#endif /* ASPACE_TEST_SPACE_DIFF_H */
