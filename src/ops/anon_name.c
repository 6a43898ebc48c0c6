/*
 * anon_name.c - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) (spec/05 §3,
 * spec/07 prctl table): name validation, then a madvise-style walk (holes
 * skipped and reported as ENOMEM) that gives each piece the name through
 * vma_modify(), splitting or merging by name (compared by string).
 *
 * The reference kernel lacks CONFIG_ANON_VMA_NAME: with
 * config.anon_vma_name off every call is EINVAL, as there.  Names are
 * refcounted struct vma_name objects shared by the pieces that carry them.
 */
#include <errno.h>
#include <string.h>

#include "ops/walk.h"

#define ANON_NAME_MAX_LEN 80    /* bytes including the NUL */

/* is_valid_name_char(): printable ASCII except \ ` $ [ ]. */
static bool anon_name_char_ok(char c)
{
	return c >= 0x20 && c <= 0x7e && !strchr("\\`$[]", c);
}

/* vma_is_anon_shmem(): the hidden object of a shared anonymous mapping. */
static bool anon_name_anon_shmem(const struct aspace_file *f)
{
	return file_is_shmem(f) && f->desc.path &&
		strcmp(f->desc.path, "/dev/zero (deleted)") == 0 &&
		f->desc.dev_major == 0 && f->desc.dev_minor == 1;
}

/* madvise_vma_anon_name(): one piece; a split refused for map_count is EAGAIN. */
static int anon_name_vma(struct aspace *as, struct vma **vp, uint64_t lo,
			 uint64_t hi, void *arg)
{
	struct vma_name *name = arg;
	struct vma *v = *vp;
	struct vma_xattr x = vma_xattr_of(v);
	int err;

	if (v->file && !anon_name_anon_shmem(v->file))
		return -EBADF;
	if (vma_name_eq(x.name, name))
		return 0;
	x.name = name;
	err = vma_modify(as, vp, lo, hi, v->flags, &x);
	return err == -ENOMEM ? -EAGAIN : err;
}

static int anon_name_do(struct aspace *as, uint64_t start, uint64_t len,
			const char *s)
{
	struct vma_name *name = NULL;
	uint64_t end, k;
	const char *p;
	int err;

	if (!as->cfg.anon_vma_name)
		return -EINVAL;
	if (s) {
		if (strnlen(s, ANON_NAME_MAX_LEN) >= ANON_NAME_MAX_LEN)
			return -EINVAL;
		for (p = s; *p; p++)
			if (!anon_name_char_ok(*p))
				return -EINVAL;
		name = vma_name_new(s);
		if (!name)
			return as_oom(as);
	}
	err = walk_range_check(start, len, &end);
	if (err || end == start)
		goto out;
	/* Every piece may need an extension for its name. */
	k = walk_count(as, start, end);
	err = as_reserve(as, VMA_MODIFY_VMAS,
			 (unsigned)MIN(VMA_MODIFY_EXTS + k, 1u << 30),
			 (unsigned)MIN(k + 2, 1u << 30));
	if (!err)
		err = walk_vmas(as, start, end, anon_name_vma, name);
out:
	vma_name_put(name);
	return err;
}

/*
 * aspace_set_anon_name() - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME).
 * @as:    the address space.
 * @start: page aligned start.
 * @len:   bytes, rounded up to pages.
 * @name:  at most 79 characters of 0x20-0x7e without \ ` $ [ ]; NULL
 *         removes the name.
 *
 * Assumes: @name, if not NULL, is NUL-terminated.
 * Return:  -EINVAL when config.anon_vma_name is off (reference kernel);
 *          else 0, -EINVAL (name, alignment, wrap, may_split), -ENOMEM
 *          (hole; or our allocator), -EBADF (file-backed VMA other than
 *          shared anonymous), -EAGAIN (split at map_count).
 * On error: pieces before the failing VMA keep their new name; our
 *           allocator's -ENOMEM changes nothing.
 * Cost:    O(log n + k).   Mirrors: mm/madvise.c set_anon_vma_name(),
 *          Linux 6.18.
 */
int aspace_set_anon_name(struct aspace *as, uint64_t start, uint64_t len,
			 const char *name)
{
	int err;

	as_begin(as);
	err = anon_name_do(as, start, len, name);
	as_unreserve(as);
	return as_finish(as, err);
}
