/*
 * explain.c - why two neighbouring VMAs are two: aspace_explain() picks the
 * pair around an address, evaluates the merge predicate on it with the
 * merge code's own function (vma_merge_why_not(), vma.c) and puts every
 * failing rule of spec/02 §1 into plain words, flags by name, both pgoffs,
 * both anon_vma ids.
 *
 * The pair (L, R) is judged as if R were the range merging into L: the
 * request carries R's flags, file, pgoff, anon (as a modified piece, so a
 * forked anon refuses an anon-less target as in vma_modify()) and xattrs.
 * Rule 1 looks at the request only in the kernel; either side may be the
 * request for a pair, so a VM_SPECIAL flag on L counts too.  The close-hook
 * rule (02 §4) is not part of the predicate: it is reported only when it
 * alone forbids the pair ever becoming one (both have the hook).
 *
 * Nothing here changes the address space.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vma/vma.h"

static const struct {
	const char *name, *text;
} why_tab[ASPACE_WHY_NBITS] = {
	{ "special", "a VM_SPECIAL flag (VM_IO, VM_DONTEXPAND, VM_PFNMAP, "
	  "VM_MIXEDMAP): such mappings never merge" },
	{ "gap", "not adjacent: there is a hole between them" },
	{ "policy", "different NUMA memory policy (mbind)" },
	{ "flags", "different vm_flags" },
	{ "sealed", "one is sealed (mseal), the other is not" },
	{ "file", "a different file (or file against anonymous)" },
	{ "uffd", "a different userfaultfd context" },
	{ "name", "a different anon name (PR_SET_VMA_ANON_NAME)" },
	{ "anon_vma", "different anon_vmas: both were written to separately" },
	{ "anon_fork", "one side's anon_vma was inherited through fork and "
	  "the other has none" },
	{ "pgoff", "page offsets are not contiguous" },
	{ "close_hook", "both have a close hook: a merge may grow such a VMA "
	  "but never delete it" },
};

static const char *const flag_names[64] = {
	[0] = "VM_READ", [1] = "VM_WRITE", [2] = "VM_EXEC", [3] = "VM_SHARED",
	[4] = "VM_MAYREAD", [5] = "VM_MAYWRITE", [6] = "VM_MAYEXEC",
	[7] = "VM_MAYSHARE", [8] = "VM_GROWSDOWN", [9] = "VM_UFFD_MISSING",
	[10] = "VM_PFNMAP", [11] = "VM_MAYBE_GUARD", [12] = "VM_UFFD_WP",
	[13] = "VM_LOCKED", [14] = "VM_IO", [15] = "VM_SEQ_READ",
	[16] = "VM_RAND_READ", [17] = "VM_DONTCOPY", [18] = "VM_DONTEXPAND",
	[19] = "VM_LOCKONFAULT", [20] = "VM_ACCOUNT", [21] = "VM_NORESERVE",
	[22] = "VM_HUGETLB", [23] = "VM_SYNC", [24] = "VM_ARCH_1",
	[25] = "VM_WIPEONFORK", [26] = "VM_DONTDUMP", [27] = "VM_SOFTDIRTY",
	[28] = "VM_MIXEDMAP", [29] = "VM_HUGEPAGE", [30] = "VM_NOHUGEPAGE",
	[31] = "VM_MERGEABLE", [32] = "VM_PKEY_BIT0", [33] = "VM_PKEY_BIT1",
	[34] = "VM_PKEY_BIT2", [35] = "VM_PKEY_BIT3",
	[37] = "VM_SHADOW_STACK", [39] = "VM_ALLOW_ANY_UNCACHED",
	[40] = "VM_DROPPABLE", [41] = "VM_UFFD_MINOR", [42] = "VM_SEALED",
};

/*
 * aspace_vmflag_name() - the kernel's name of one flag bit.
 * Return: "VM_LOCKED" ..., or NULL for 0, several bits or an unnamed bit.
 * Cost: O(1).
 */
const char *aspace_vmflag_name(uint64_t bit)
{
	if (!bit || (bit & (bit - 1)))
		return NULL;
	return flag_names[__builtin_ctzll(bit)];
}

static int why_index(uint32_t bit)
{
	if (!bit || (bit & (bit - 1)) || bit >= (1u << ASPACE_WHY_NBITS))
		return -1;
	return __builtin_ctz(bit);
}

/*
 * aspace_why_name() - short name of one ASPACE_WHY_* bit ("flags").
 * Return: the name, or NULL for anything but one known bit.  Cost: O(1).
 */
const char *aspace_why_name(uint32_t bit)
{
	int i = why_index(bit);

	return i < 0 ? NULL : why_tab[i].name;
}

/*
 * aspace_why_text() - the rule behind one ASPACE_WHY_* bit in plain words.
 * Return: the text, or NULL for anything but one known bit.  Cost: O(1).
 */
const char *aspace_why_text(uint32_t bit)
{
	int i = why_index(bit);

	return i < 0 ? NULL : why_tab[i].text;
}

/* Evaluate the pair; both are VMAs of @as, l->end <= r->start. */
static void explain_fill(const struct aspace *as, const struct vma *l,
			 const struct vma *r, struct aspace_explain *out)
{
	struct vma_attrs a = {
		.flags = r->flags,
		.file = r->file,
		.pgoff = r->pgoff,
		.anon = r->anon,
		.x = vma_xattr_of(r),
		.modify = true,
	};

	memset(out, 0, sizeof(*out));
	aspace_vma_at(as, l->start, &out->left);
	aspace_vma_at(as, r->start, &out->right);
	out->has_right = true;
	out->why = vma_merge_why_not(as, l, true, r->start, r->end, &a);
	if (l->flags & VM_SPECIAL)
		out->why |= ASPACE_WHY_SPECIAL;
	if (vma_has_close(l) && vma_has_close(r))
		out->why |= ASPACE_WHY_CLOSE;
	out->flags_diff = vma_flags_merge_diff(as, l->flags, r->flags);
	out->flags_ignored = (l->flags ^ r->flags) & ~out->flags_diff;
	out->pgoff_expected = l->pgoff + vma_pages(l);
}

/*
 * aspace_explain() - the pair of VMAs around @addr and why they are two
 * (include/aspace.h has the choice of the pair).
 * @as:   the address space; only read.
 * @addr: any address.
 * @out:  the pair, the failing rules, the flag difference.
 *
 * Assumes: nothing.
 * Return:  0, or -ENOENT when there is no VMA containing @addr or on its
 *          left (a lone VMA gives 0 with has_right false).
 * Cost:    O(log n).
 */
int aspace_explain(const struct aspace *as, uint64_t addr,
		   struct aspace_explain *out /* OUT */)
{
	const struct vma *v = vma_lookup(as, addr), *l, *r;

	if (v && v->start == addr && vma_prev(as, v)) {
		l = vma_prev(as, v);
		r = v;
	} else if (v) {
		l = v;
		r = vma_next(as, v);
	} else {
		l = vma_find_prev(as, addr);
		r = vma_find(as, addr);
	}
	if (!l)
		return -ENOENT;
	if (!r) {
		memset(out, 0, sizeof(*out));
		aspace_vma_at(as, l->start, &out->left);
		return 0;
	}
	explain_fill(as, l, r, out);
	return 0;
}

/*
 * aspace_explain_pair() - why the VMAs starting at @lo_start and @hi_start
 * are two.
 * Return:  0; -ENOENT if either address is not the start of a VMA;
 *          -EINVAL if @lo_start's VMA does not end at or before @hi_start.
 * Cost:    O(log n).
 */
int aspace_explain_pair(const struct aspace *as, uint64_t lo_start,
			uint64_t hi_start, struct aspace_explain *out /* OUT */)
{
	const struct vma *l = vma_lookup(as, lo_start);
	const struct vma *r = vma_lookup(as, hi_start);

	if (!l || !r || l->start != lo_start || r->start != hi_start)
		return -ENOENT;
	if (l->end > r->start)
		return -EINVAL;
	explain_fill(as, l, r, out);
	return 0;
}

/* snprintf-style appender that counts what does not fit. */
struct ebuf {
	char  *buf;
	size_t cap, len;
};

static void eput(struct ebuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void eput(struct ebuf *b, const char *fmt, ...)
{
	size_t room = b->len < b->cap ? b->cap - b->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void put_flags(struct ebuf *b, uint64_t mask)
{
	const char *sep = "";
	int i;

	for (i = 0; i < 64; i++) {
		if (!(mask & (1ull << i)))
			continue;
		if (flag_names[i])
			eput(b, "%s%s", sep, flag_names[i]);
		else
			eput(b, "%sbit %d", sep, i);
		sep = ", ";
	}
}

/* Which side has the bits of @mask: "left has X; right has Y". */
static void put_flag_sides(struct ebuf *b, const struct aspace_explain *e,
			   uint64_t mask)
{
	uint64_t lo = e->left.flags & mask, hi = e->right.flags & mask;

	if (lo) {
		eput(b, "only left has ");
		put_flags(b, lo);
	}
	if (hi) {
		eput(b, "%sonly right has ", lo ? "; " : "");
		put_flags(b, hi);
	}
}

static const char *file_name(const struct aspace_vma_info *v)
{
	if (!v->file)
		return "anonymous";
	return aspace_file_desc_of(v->file)->path;
}

static void put_anon(struct ebuf *b, const struct aspace_vma_info *v)
{
	if (!v->anon_id)
		eput(b, "none");
	else
		eput(b, "%" PRIu64 "%s", v->anon_id,
		     v->anon_forked ? " (fork child)" : "");
}

/*
 * aspace_explain_text() - @e in plain words: one line per failing rule
 * ("- flags differ: only right has VM_LOCKED"), the ignored differences,
 * and for a mergeable pair why it is still two.
 * Return: the length the whole text needs (snprintf-like).  Cost: O(1).
 */
size_t aspace_explain_text(const struct aspace_explain *e, char *buf,
			   size_t cap)
{
	struct ebuf b = { buf, cap, 0 };
	const struct aspace_vma_info *l = &e->left, *r = &e->right;

	if (cap)
		buf[0] = '\0';
	if (!e->has_right) {
		eput(&b, "- no VMA after it: nothing to merge with\n");
		return b.len;
	}
	if (e->why & ASPACE_WHY_SPECIAL)
		eput(&b, "- special mapping: %s%s; VM_SPECIAL mappings never "
		     "merge\n", (l->flags | r->flags) & ASPACE_VM_IO ?
		     "VM_IO " : "", "(VM_IO/VM_DONTEXPAND/VM_PFNMAP/VM_MIXEDMAP)");
	if (e->why & ASPACE_WHY_GAP)
		eput(&b, "- not adjacent: a hole of %" PRIu64 " bytes "
		     "(%" PRIu64 " pages) between them\n", r->start - l->end,
		     (r->start - l->end) >> PAGE_SHIFT);
	if (e->why & ASPACE_WHY_POLICY)
		eput(&b, "- %s\n", why_tab[2].text);
	if (e->why & ASPACE_WHY_FLAGS) {
		eput(&b, "- flags differ: ");
		put_flag_sides(&b, e, e->flags_diff & ~ASPACE_VM_SEALED);
		eput(&b, "\n");
	}
	if (e->why & ASPACE_WHY_SEALED)
		eput(&b, "- sealing differs: %s is mseal'ed, %s is not\n",
		     l->flags & ASPACE_VM_SEALED ? "left" : "right",
		     l->flags & ASPACE_VM_SEALED ? "right" : "left");
	if (e->why & ASPACE_WHY_FILE)
		eput(&b, "- different file: left %s, right %s%s\n",
		     file_name(l), file_name(r),
		     l->file && r->file && !strcmp(file_name(l), file_name(r)) ?
		     " (same path, another open file description)" : "");
	if (e->why & ASPACE_WHY_UFFD)
		eput(&b, "- %s\n", why_tab[6].text);
	if (e->why & ASPACE_WHY_NAME)
		eput(&b, "- different anon name: left \"%s\", right \"%s\"\n",
		     l->anon_name ? l->anon_name : "(none)",
		     r->anon_name ? r->anon_name : "(none)");
	if (e->why & ASPACE_WHY_ANON) {
		eput(&b, "- different anon_vma: left ");
		put_anon(&b, l);
		eput(&b, ", right ");
		put_anon(&b, r);
		eput(&b, " (both were written to separately%s)\n",
		     l->anon_forked || r->anon_forked ? ", or inherited "
		     "through fork" : "");
	}
	if (e->why & ASPACE_WHY_ANON_FORK) {
		eput(&b, "- fork child: left anon_vma ");
		put_anon(&b, l);
		eput(&b, ", right ");
		put_anon(&b, r);
		eput(&b, "; an anon_vma inherited through fork never merges "
		     "with a VMA that has none\n");
	}
	if (e->why & ASPACE_WHY_PGOFF)
		eput(&b, "- pgoff not contiguous: left pgoff 0x%" PRIx64
		     " + %" PRIu64 " pages ends at 0x%" PRIx64 ", right pgoff "
		     "is 0x%" PRIx64 "\n", l->pgoff,
		     (l->end - l->start) >> PAGE_SHIFT, e->pgoff_expected,
		     r->pgoff);
	if (e->why & ASPACE_WHY_CLOSE)
		eput(&b, "- %s\n", why_tab[11].text);
	if (e->flags_ignored) {
		eput(&b, "- ignored (not a reason): ");
		put_flags(&b, e->flags_ignored);
		eput(&b, " differ%s, which merging does not compare\n",
		     (e->flags_ignored & (e->flags_ignored - 1)) ? "" : "s");
	}
	if (!e->why)
		eput(&b, "- no rule keeps them apart: they could be one VMA, "
		     "but Linux merges only when a call creates or changes a "
		     "range next to a neighbour (fork copies VMAs unmerged; "
		     "a merge refused earlier, e.g. by an anon_vma since "
		     "gone, is never retried)\n");
	return b.len;
}
