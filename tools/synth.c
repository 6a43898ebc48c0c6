/*
 * synth.c - `aspace synth`: write a synthetic memory trace of an
 * allocator-like process that runs into vm.max_map_count, the pattern of
 * JVMs, mimalloc arenas and thread stacks: one large read-write mapping
 * carved into chunks, each chunk followed by a PROT_NONE guard page made
 * with mprotect (two VMAs per guard), until mprotect fails with ENOMEM;
 * then optional churn (a guard lifted, which merges, and put back).
 *
 * Every result in the trace is the model's own (the calls are run on an
 * aspace as they are written), so a replay has no divergence by
 * construction; what the kernel does with the same pattern is pinned by a
 * kernel test (tests/insight/test_report.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aspace.h"
#include "insight.h"
#include "tools.h"

static void put_result(FILE *f, int err, uint64_t val, bool addr)
{
	if (err)
		fprintf(f, " = -1 %s (%s)\n", aspace_errno_name(err),
			strerror(-err));
	else if (addr)
		fprintf(f, " = %#llx\n", (unsigned long long)val);
	else
		fprintf(f, " = 0\n");
}

/*
 * synth_write() - write the guard-page trace to @f.
 * @guards: guard mprotect calls (the last ones fail once the limit is
 *          reached); @churn: lift/replace calls after them; @chunk: bytes
 *          of each chunk including its guard page (multiple of 8 KiB).
 * Return: 0, or -ENOMEM / -EINVAL (bad @chunk), nothing useful written.
 * Cost: O((guards + churn) log n).
 */
int synth_write(FILE *f, uint64_t guards, uint64_t churn, uint64_t chunk)
{
	struct aspace_config cfg;
	struct aspace *as;
	uint64_t base, len, i, g, n_ok = 0;
	bool oom;
	int err;

	if (!chunk || chunk % 8192 || guards == 0)
		return -EINVAL;
	aspace_config_init(&cfg);
	as = aspace_new(&cfg);
	if (!as)
		return -ENOMEM;
	len = guards * chunk;
	fprintf(f, "#@ kernel=6.18.44 max_map_count=%d\n", cfg.max_map_count);
	fprintf(f, "# synthetic: %llu chunks of %llu bytes, a PROT_NONE guard "
		"page at the end of each (aspace synth)\n",
		(unsigned long long)guards, (unsigned long long)chunk);
	err = aspace_mmap(as, 0, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &base);
	fprintf(f, "mmap(NULL, %llu, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", (unsigned long long)len);
	put_result(f, err, base, true);
	if (err)
		goto out;
	for (i = 0; i < guards; i++) {
		g = base + i * chunk + chunk - 4096;
		err = aspace_mprotect(as, g, 4096, PROT_NONE);
		if (err && aspace_last_oom(as))
			goto out;
		n_ok += !err;
		fprintf(f, "mprotect(%#llx, 4096, PROT_NONE)",
			(unsigned long long)g);
		put_result(f, err, 0, false);
	}
	for (i = 0; i < churn; i++) {
		uint64_t k = (i / 2 * 7919) % (n_ok ? n_ok : 1);
		int prot = (i & 1) ? PROT_NONE : PROT_READ | PROT_WRITE;

		g = base + k * chunk + chunk - 4096;
		err = aspace_mprotect(as, g, 4096, prot);
		if (err && aspace_last_oom(as))
			goto out;
		fprintf(f, "mprotect(%#llx, 4096, %s)", (unsigned long long)g,
			prot ? "PROT_READ|PROT_WRITE" : "PROT_NONE");
		put_result(f, err, 0, false);
	}
	err = 0;
out:
	oom = err == -ENOMEM && aspace_last_oom(as);
	aspace_free(as);
	return oom ? -ENOMEM : 0;
}

static void synth_usage(FILE *f)
{
	fprintf(f, "usage: aspace synth [--guards N] [--churn N] [--chunk BYTES] "
		"[-o FILE]\n"
		"  Writes a synthetic trace: one rw mapping of N chunks, a "
		"PROT_NONE guard\n  page per chunk (default N = 32768: reaches "
		"max_map_count 65530), then\n  churn calls lifting and "
		"restoring guards (default 0).\n");
}

int cmd_synth(int argc, char **argv)
{
	uint64_t guards = 32768, churn = 0, chunk = 65536;
	const char *out = NULL;
	FILE *f = stdout;
	int i, err;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && !strcmp(a, "--guards"))
			guards = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(a, "--churn"))
			churn = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(a, "--chunk"))
			chunk = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(a, "-o"))
			out = argv[++i];
		else {
			synth_usage(strcmp(a, "-h") && strcmp(a, "--help") ?
				    stderr : stdout);
			return strcmp(a, "-h") && strcmp(a, "--help") ? 2 : 0;
		}
	}
	if (out && !(f = fopen(out, "w"))) {
		fprintf(stderr, "aspace synth: %s: %s\n", out, strerror(errno));
		return 2;
	}
	err = synth_write(f, guards, churn, chunk);
	if (f != stdout && fclose(f))
		err = -EIO;
	if (err) {
		fprintf(stderr, "aspace synth: %s\n", err == -EINVAL ?
			"--chunk must be a multiple of 8192, --guards > 0" :
			strerror(-err));
		return 2;
	}
	return 0;
}
