/* Event record types by name from a BPF object's BTF, for an explicit
 * `table.event_type = "struct x"`. The type a program submits is found by
 * the loader (event_types.c, bpfy_map_desc.event_type), not here. */
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>

#include "internal.h"
#include "layout.h"

static const char *strip_prefix(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(name, prefix, len))
		return NULL;
	while (name[len] == ' ')
		len++;
	return name + len;
}

static int find_id(const struct btf *btf, const char *name)
{
	static const int kinds[] = { BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF };
	const char *bare;
	int id;

	if ((bare = strip_prefix(name, "struct ")))
		return btf__find_by_name_kind(btf, bare, BTF_KIND_STRUCT);
	if ((bare = strip_prefix(name, "union ")))
		return btf__find_by_name_kind(btf, bare, BTF_KIND_UNION);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		id = btf__find_by_name_kind(btf, name, kinds[i]);
		if (id > 0)
			return id;
	}
	return -ENOENT;
}

static const struct btf *object_btf(struct bpfy_object *obj)
{
	const struct btf *btf = obj && obj->obj ? bpf_object__btf(obj->obj) : NULL;

	if (!btf || !obj->layouts) {
		errno = ENOENT;
		return NULL;
	}
	return btf;
}

const struct bpfy_type *bpfy_object__find_type(struct bpfy_object *obj, const char *name)
{
	const struct btf *btf = object_btf(obj);
	int id;

	if (!btf)
		return NULL;
	id = find_id(btf, name);
	if (id <= 0) {
		errno = ENOENT;
		return NULL;
	}
	return bpfy_layouts__get(obj->layouts, id);
}
