/* Event record types by name from a BPF object's BTF: perf event arrays
 * and ring buffers carry no value type, so callers name the struct. */
#include <errno.h>
#include <stdio.h>
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

const struct bpfy_type *bpfy_object__event_type(struct bpfy_object *obj, const char *map_name)
{
	const struct btf *btf = object_btf(obj);
	const struct btf_type *t;
	char marker[256];
	int id;

	if (!btf)
		return NULL;
	snprintf(marker, sizeof(marker), "__bpfy_event_%s", map_name);
	id = btf__find_by_name_kind(btf, marker, BTF_KIND_VAR);
	if (id <= 0)
		goto not_found;
	id = btf__resolve_type(btf, btf__type_by_id(btf, id)->type);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t || !btf_is_ptr(t))
		goto not_found;
	return bpfy_layouts__get(obj->layouts, t->type);

not_found:
	errno = ENOENT;
	return NULL;
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
