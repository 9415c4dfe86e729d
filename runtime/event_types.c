/*
 * Event types: which struct a program sends through each perf or ring
 * buffer, so Python can decode events without the user declaring the type
 * again (bcc does this from its AST; the dialect records it in BTF).
 */
#include <errno.h>

#include "internal.h"
#include "layout.h"

const struct bpfy_type *bpfy_event_type__find(const struct btf *btf, struct bpfy_layouts *layouts,
					      const char *map_name)
{
	/* Not recorded yet by the dialect: see the dialect issue. */
	errno = ENOENT;
	return NULL;
}
