/*
 * fuzz_cli.c - `aspace fuzz`: command-line front end of the differential
 * fuzzer (tools/fuzz.c).  Parses options, runs a campaign or replays a
 * listing, prints a one-line summary.  Owns nothing else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tools.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: aspace fuzz [OPTIONS]\n"
		"  --seeds A-B        seeds A..B inclusive (default 1-1)\n"
		"  --seed N           one seed\n"
		"  --ops N            calls per seed (default 300)\n"
		"  --profile P        default | errors | limits | mremap | lock |"
		" all\n"
		"  --check-every K    compare smaps and counters every K calls\n"
		"                     (maps are compared after every call;\n"
		"                     default 50, 0: only at the end)\n"
		"  --no-shrink        do not minimise failing seeds\n"
		"  --max-failures N   stop after N failing seeds\n"
		"  --kernel-only      run the kernel child only, print results\n"
		"  --replay FILE      run a listing (as printed for a failing\n"
		"                     seed) against kernel and model ('-': stdin)\n"
		"  -v, -vv            per seed / per call output\n"
		"Exit status: 0 no divergence, 1 divergences, 2 usage or setup "
		"error.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end) ? -1 : 0;
}

static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 4096, len = 0, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = 0;
	if (f != stdin)
		fclose(f);
	return buf;
}

static int do_replay(const char *path)
{
	char *text = slurp(path);
	int r;

	if (!text) {
		fprintf(stderr, "aspace fuzz: cannot read %s\n", path);
		return 2;
	}
	r = fz_replay_listing(text, stdout);
	free(text);
	if (r == 0)
		printf("replay: kernel and model agree\n");
	else if (r < 0)
		fprintf(stderr, "aspace fuzz: replay failed: %s\n",
			strerror(-r));
	return r == 0 ? 0 : r == 1 ? 1 : 2;
}

/*
 * cmd_fuzz() - the `aspace fuzz` subcommand.
 * @argc, @argv: arguments after "aspace" (argv[0] is "fuzz").
 * Return: the exit status (0 clean, 1 divergences, 2 usage/setup error).
 */
int cmd_fuzz(int argc, char **argv)
{
	struct fz_options o;
	struct fz_stats st;
	const char *replay = NULL;
	uint64_t v;
	int i, r;

	fz_options_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-v")) {
			o.verbose = 1;
		} else if (!strcmp(a, "-vv")) {
			o.verbose = 2;
		} else if (!strcmp(a, "--no-shrink")) {
			o.shrink = false;
		} else if (!strcmp(a, "--kernel-only")) {
			o.kernel_only = true;
		} else if (!val) {
			goto bad;
		} else if (!strcmp(a, "--seeds")) {
			const char *dash = strchr(val, '-');
			char first[32];

			if (!dash || (size_t)(dash - val) >= sizeof(first))
				goto bad;
			memcpy(first, val, (size_t)(dash - val));
			first[dash - val] = 0;
			if (parse_u64(first, &o.seed_first) ||
			    parse_u64(dash + 1, &o.seed_last) ||
			    o.seed_last < o.seed_first)
				goto bad;
			i++;
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(val, &o.seed_first))
				goto bad;
			o.seed_last = o.seed_first;
			i++;
		} else if (!strcmp(a, "--ops")) {
			if (parse_u64(val, &v) || v == 0 || v > 1000000)
				goto bad;
			o.nops = (int)v;
			i++;
		} else if (!strcmp(a, "--check-every")) {
			if (parse_u64(val, &v) || v > 1000000)
				goto bad;
			o.check_every = (int)v;
			i++;
		} else if (!strcmp(a, "--max-failures")) {
			if (parse_u64(val, &v) || v > 1000000)
				goto bad;
			o.max_failures = (int)v;
			i++;
		} else if (!strcmp(a, "--profile")) {
			int k;

			for (k = 0; k < FZ_NPROFILES; k++)
				if (!strcmp(val, fz_profile_name(k)))
					break;
			if (k == FZ_NPROFILES)
				goto bad;
			o.profile = (enum fz_profile)k;
			i++;
		} else if (!strcmp(a, "--replay")) {
			replay = val;
			i++;
		} else {
			goto bad;
		}
	}
	if (replay)
		return do_replay(replay);
	r = fz_campaign(&o, &st);
	printf("fuzz: profile %s, seeds %" PRIu64 "-%" PRIu64 ": %" PRIu64
	       " seeds, %" PRIu64 " calls (%" PRIu64 " ok, %" PRIu64
	       " errors, %" PRIu64 " skipped), %" PRIu64 " failing seeds, %"
	       PRIu64 " kernel runs, %.1fs\n", fz_profile_name(o.profile),
	       o.seed_first, o.seed_last, st.seeds, st.ops, st.ok, st.errors,
	       st.skipped, st.failed_seeds, st.kernel_runs, st.seconds);
	if (r < 0) {
		fprintf(stderr, "aspace fuzz: %s\n", strerror(-r));
		return 2;
	}
	return r ? 1 : 0;
bad:
	fprintf(stderr, "aspace fuzz: bad argument '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
