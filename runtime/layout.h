/*
 * Internal runtime header: BTF -> struct bpfy_type trees (see bpfy.h).
 *
 * A `struct bpfy_layouts` is an arena that owns every bpfy_type, field,
 * enum value and synthesized name it builds from one BTF. Type and member
 * names that come straight from BTF are borrowed from its string section, so
 * the BTF must outlive the arena. Results are memoized per type id: asking
 * twice for one id returns the same pointer.
 */
#ifndef BPFY_LAYOUT_H
#define BPFY_LAYOUT_H

#include <stdint.h>

#include "bpfy.h"

struct btf;
struct bpfy_layouts;

/* A new, empty arena over `btf` (borrowed). NULL with errno set. */
struct bpfy_layouts *bpfy_layouts__new(const struct btf *btf);

/*
 * The layout of BTF type `type_id`, owned by the arena. Typedefs keep their
 * own name ("u32") over the resolved type; const/volatile/restrict/type tags
 * are transparent. Type id 0 (void) is an OPAQUE of size 0. NULL with errno:
 * ENOENT (no such id), ELOOP (a type that contains itself), ENOMEM.
 */
const struct bpfy_type *bpfy_layouts__get(struct bpfy_layouts *layouts, uint32_t type_id);

/* Frees the arena and every layout it built. Accepts NULL. */
void bpfy_layouts__free(struct bpfy_layouts *layouts);

#endif /* BPFY_LAYOUT_H */
