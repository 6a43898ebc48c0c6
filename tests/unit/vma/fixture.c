/*
 * fixture.c - see fixture.h.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

struct aspace *fx_new(void)
{
	return aspace_new(NULL);
}

struct aspace *fx_new_cfg(const struct aspace_config *cfg)
{
	return aspace_new(cfg);
}

int fx_map(struct aspace *as, uint64_t p, uint64_t n, int prot, int extra)
{
	uint64_t out = 0;

	return aspace_mmap(as, AT(p), PG(n), prot,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra,
			   NULL, 0, &out);
}

struct fx_ctx {
	char *buf;
	size_t len, cap;
	unsigned opts;
};

static int fx_one(const struct aspace_vma_info *v, void *arg)
{
	struct fx_ctx *c = arg;
	char fl[256];
	int n;

	n = snprintf(c->buf + c->len, c->cap - c->len, "%s%lld-%lld:%c%c%c%c",
		     c->len ? " | " : "",
		     (long long)((int64_t)(v->start - FX_B) / 4096),
		     (long long)((int64_t)(v->end - FX_B) / 4096),
		     (v->flags & ASPACE_VM_READ) ? 'r' : '-',
		     (v->flags & ASPACE_VM_WRITE) ? 'w' : '-',
		     (v->flags & ASPACE_VM_EXEC) ? 'x' : '-',
		     (v->flags & ASPACE_VM_MAYSHARE) ? 's' : 'p');
	c->len += n;
	if (v->anon_id)
		c->len += snprintf(c->buf + c->len, c->cap - c->len, "/a%llu%s",
				   (unsigned long long)v->anon_id,
				   v->anon_forked ? "F" : "");
	if (c->opts & FX_FLAGS) {
		size_t k = aspace_vmflags_str(v->flags, fl, sizeof(fl));

		if (k && fl[k - 1] == ' ')
			fl[k - 1] = '\0';
		c->len += snprintf(c->buf + c->len, c->cap - c->len, " %s", fl);
	}
	return 0;
}

const char *fx_layout(const struct aspace *as, unsigned opts)
{
	static char buf[8192];
	struct fx_ctx c = { buf, 0, sizeof(buf), opts };

	buf[0] = '\0';
	aspace_for_each_vma(as, FX_B, FX_B + PG(1 << 20), fx_one, &c);
	return buf;
}

const char *fx_maps(const struct aspace *as, unsigned opts)
{
	static char buf[65536];
	char *t = aspace_maps(as, opts);

	snprintf(buf, sizeof(buf), "%s", t ? t : "(null)");
	aspace_free_text(t);
	return buf;
}

const char *fx_counters(const struct aspace *as)
{
	static char buf[512];
	struct aspace_counters c;

	aspace_counters(as, &c);
	snprintf(buf, sizeof(buf),
		 "map_count=%llu total=%llu hiwater=%llu locked=%llu data=%llu "
		 "exec=%llu stack=%llu committed=%llu def=%llx brk=%llx/%llx",
		 (unsigned long long)c.map_count,
		 (unsigned long long)c.total_vm,
		 (unsigned long long)c.hiwater_vm,
		 (unsigned long long)c.locked_vm,
		 (unsigned long long)c.data_vm,
		 (unsigned long long)c.exec_vm,
		 (unsigned long long)c.stack_vm,
		 (unsigned long long)c.committed,
		 (unsigned long long)c.def_flags,
		 (unsigned long long)c.start_brk, (unsigned long long)c.brk);
	return buf;
}
