/*
 * A minimal target BTF for one object's CO-RE relocations: the kernel types
 * libbpf looks at while relocating, and only those members of each struct
 * the accesses go through (original bit offsets, original struct sizes).
 * Given to libbpf as btf_custom_path on a cache hit, it spares the parse of
 * the whole kernel BTF (~6 MB) and must relocate every instruction exactly
 * as the full BTF does.
 *
 * How that is ensured, following libbpf's rules (relo_core.c):
 *  - candidates: every kernel type of a compatible kind whose essential name
 *    (without a ___flavor suffix) equals the local root's, all of them kept,
 *    in kernel order, so libbpf sees the same candidate list;
 *  - field accesses: for each candidate, each named step keeps every member
 *    of that name reachable through anonymous members (and those anonymous
 *    members), so libbpf's first-match search finds the same member; kept
 *    members keep their order;
 *  - every kept type keeps its shape: typedef/modifier chains, pointers,
 *    arrays, function prototypes, ints and enums whole; structs reached only
 *    as a type are shells (name, size, no members), which is all the
 *    compatibility checks and size computations read;
 *  - a struct with kept members also keeps its last member, so libbpf's
 *    flexible-array test (last member?) answers as on the full BTF.
 * Cases it cannot reproduce return -EOPNOTSUPP and the caller uses the full
 * kernel BTF: TYPE_ID_TARGET (the id would be ours, not the kernel's),
 * TYPE_MATCHES, unknown kinds, and roots without a vmlinux candidate (libbpf
 * would go on to search module BTFs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include <bpf/btf.h>

#include "internal.h"

#define MAX_SPEC_LEN 64		/* libbpf's BPF_CORE_SPEC_MAX_LEN */
#define MAX_DEPTH 64

struct min_ctx {
	const struct btf *kern;
	const struct btf *local;
	uint32_t count;		/* kernel type count (ids 1 .. count-1) */
	uint8_t *kept;		/* per kernel type */
	uint8_t **members;	/* per struct/union: bitmap of kept members, or NULL */
	uint32_t *map;		/* kernel id -> id in the minimal BTF */
	/* candidate index: kernel ids by essential name, built in one pass */
	const char **names;	/* sorted, unique local root names (essential part) */
	size_t *name_lens;
	size_t name_count;
	uint32_t **cands;	/* per name: kernel ids */
	size_t *cand_counts;
};

/* "task_struct___old" -> 11: the name up to a ___flavor suffix (libbpf's rule). */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;)
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	return n;
}

static bool kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) ||
	       ((btf_is_enum(a) || btf_is_enum64(a)) && (btf_is_enum(b) || btf_is_enum64(b)));
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)) && depth < MAX_DEPTH;
	     depth++) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res)
		*res = id;
	return t;
}

/* Keeps a type and everything its shape needs; structs stay shells. */
static int keep_shape(struct min_ctx *c, uint32_t id, int depth)
{
	const struct btf_type *t;
	int err = 0;

	if (id == 0)
		return 0;	/* void */
	if (id >= c->count || depth > MAX_DEPTH)
		return -EINVAL;
	if (c->kept[id])
		return 0;
	c->kept[id] = 1;
	t = btf__type_by_id(c->kern, id);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return 0;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return keep_shape(c, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		err = keep_shape(c, btf_array(t)->type, depth + 1);
		return err ? err : keep_shape(c, btf_array(t)->index_type, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		for (uint16_t i = 0; i < btf_vlen(t) && !err; i++)
			err = keep_shape(c, btf_params(t)[i].type, depth + 1);
		return err ? err : keep_shape(c, t->type, depth + 1);
	default:
		return -EOPNOTSUPP;	/* FUNC, VAR, DATASEC, DECL_TAG: not a CO-RE target */
	}
}

static int keep_member(struct min_ctx *c, uint32_t sid, uint16_t idx)
{
	const struct btf_type *t = btf__type_by_id(c->kern, sid);
	int err = keep_shape(c, sid, 0);

	if (err)
		return err;
	if (!c->members[sid]) {
		c->members[sid] = calloc(btf_vlen(t) / 8 + 1, 1);
		if (!c->members[sid])
			return -ENOMEM;
	}
	c->members[sid][idx / 8] |= 1 << (idx % 8);
	return keep_shape(c, btf_members(t)[idx].type, 0);
}

/*
 * Every member named `name` of struct/union `id`, also inside anonymous
 * members: keeps them and the anonymous members leading to them, and adds
 * their types to next[]. Returns how many it found, or -errno.
 */
static int find_members(struct min_ctx *c, uint32_t id, const char *name, uint32_t *next,
			size_t *next_count, int depth)
{
	const struct btf_type *t = skip_mods(c->kern, id, &id);
	const struct btf_member *m;
	int found = 0, sub, err;

	if (!t || depth > MAX_DEPTH)
		return -EINVAL;
	if (!btf_is_composite(t))
		return 0;
	m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(c->kern, m->name_off);

		if (!mname || !*mname) {
			sub = find_members(c, m->type, name, next, next_count, depth + 1);
			if (sub < 0)
				return sub;
			if (!sub)
				continue;
		} else if (strcmp(mname, name)) {
			continue;
		} else {
			if (*next_count == MAX_SPEC_LEN)
				return -E2BIG;
			next[(*next_count)++] = m->type;
			sub = 1;
		}
		err = keep_member(c, id, i);
		if (err)
			return err;
		found += sub;
	}
	return found;
}

/* One step of the local access path: a named member, or an array index. */
struct access {
	const char *name;	/* NULL for an array index */
};

/* The local access string as libbpf reads it (bpf_core_parse_spec). */
static int parse_access(const struct btf *local, const struct bpfy_core_relo *relo,
			struct access *acc, size_t *len)
{
	const char *str = btf__name_by_offset(local, relo->access_str_off);
	uint32_t id = relo->type_id;
	size_t n = 0;
	char *end;

	if (!str || !*str || *str == ':')
		return -EINVAL;
	for (size_t raw = 0; *str; raw++) {
		const struct btf_type *t;
		unsigned long idx;

		if (*str == ':')
			str++;
		idx = strtoul(str, &end, 10);
		if (end == str || n == MAX_SPEC_LEN)
			return -EINVAL;
		str = end;
		if (raw == 0) {
			acc[n++].name = NULL;	/* index on the root pointer */
			continue;
		}
		t = skip_mods(local, id, &id);
		if (!t)
			return -EINVAL;
		if (btf_is_composite(t)) {
			const struct btf_member *m;

			if (idx >= btf_vlen(t))
				return -EINVAL;
			m = btf_members(t) + idx;
			if (m->name_off)
				acc[n++].name = btf__name_by_offset(local, m->name_off);
			id = m->type;
		} else if (btf_is_array(t)) {
			acc[n++].name = NULL;
			id = btf_array(t)->type;
		} else {
			return -EINVAL;
		}
	}
	*len = n;
	return 0;
}

static int keep_field_path(struct min_ctx *c, uint32_t cand, const struct access *acc, size_t len)
{
	uint32_t frontier[MAX_SPEC_LEN], next[MAX_SPEC_LEN];
	size_t count = 1, next_count;
	int err;

	frontier[0] = cand;
	err = keep_shape(c, cand, 0);
	for (size_t i = 1; i < len && count && !err; i++) {
		next_count = 0;
		for (size_t k = 0; k < count && !err; k++) {
			uint32_t id;
			const struct btf_type *t = skip_mods(c->kern, frontier[k], &id);

			if (!t)
				return -EINVAL;
			if (acc[i].name) {
				int found = find_members(c, id, acc[i].name, next, &next_count, 0);

				err = found < 0 ? found : 0;
			} else if (btf_is_array(t)) {
				if (next_count == MAX_SPEC_LEN)
					return -E2BIG;
				next[next_count++] = btf_array(t)->type;	/* kept by its shape */
			}
		}
		memcpy(frontier, next, next_count * sizeof(*next));
		count = next_count;
	}
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Candidate lists for every root name the relocations use: one pass over the kernel. */
static int index_candidates(struct min_ctx *c, const struct bpfy_btf_ext *ext)
{
	size_t n = 0;

	c->names = calloc(ext->relo_count + 1, sizeof(*c->names));
	if (!c->names)
		return -ENOMEM;
	for (size_t i = 0; i < ext->relo_count; i++) {
		const struct btf_type *t = btf__type_by_id(c->local, ext->relos[i].type_id);
		const char *name = t ? btf__name_by_offset(c->local, t->name_off) : NULL;

		if (name && *name)
			c->names[n++] = name;
	}
	qsort(c->names, n, sizeof(*c->names), name_cmp);
	c->name_count = 0;
	for (size_t i = 0; i < n; i++)
		if (!c->name_count || strcmp(c->names[c->name_count - 1], c->names[i]))
			c->names[c->name_count++] = c->names[i];
	/* flavored roots ("task_struct___old" and "task_struct") get the same list */
	c->name_lens = calloc(c->name_count + 1, sizeof(*c->name_lens));
	c->cands = calloc(c->name_count + 1, sizeof(*c->cands));
	c->cand_counts = calloc(c->name_count + 1, sizeof(*c->cand_counts));
	if (!c->name_lens || !c->cands || !c->cand_counts)
		return -ENOMEM;
	for (size_t i = 0; i < c->name_count; i++)
		c->name_lens[i] = essential_len(c->names[i]);
	for (uint32_t id = 1; id < c->count; id++) {
		const struct btf_type *t = btf__type_by_id(c->kern, id);
		const char *name = btf__name_by_offset(c->kern, t->name_off);
		size_t len;

		if (!name || !*name)
			continue;
		len = essential_len(name);
		for (size_t k = 0; k < c->name_count; k++) {
			uint32_t *grown;

			if (c->name_lens[k] != len || strncmp(c->names[k], name, len))
				continue;
			grown = realloc(c->cands[k], (c->cand_counts[k] + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			c->cands[k] = grown;
			grown[c->cand_counts[k]++] = id;
		}
	}
	return 0;
}

static int keep_relo(struct min_ctx *c, const struct bpfy_core_relo *relo)
{
	const struct btf_type *local_t = btf__type_by_id(c->local, relo->type_id);
	const char *name = local_t ? btf__name_by_offset(c->local, local_t->name_off) : NULL;
	struct access acc[MAX_SPEC_LEN];
	size_t len = 0, k, found = 0;
	int err = 0;

	switch (relo->kind) {
	case BPF_CORE_TYPE_ID_LOCAL:
		return 0;	/* answered from the object's own BTF */
	case BPF_CORE_FIELD_BYTE_OFFSET:
	case BPF_CORE_FIELD_BYTE_SIZE:
	case BPF_CORE_FIELD_EXISTS:
	case BPF_CORE_FIELD_SIGNED:
	case BPF_CORE_FIELD_LSHIFT_U64:
	case BPF_CORE_FIELD_RSHIFT_U64:
		err = parse_access(c->local, relo, acc, &len);
		break;
	case BPF_CORE_TYPE_EXISTS:
	case BPF_CORE_TYPE_SIZE:
	case BPF_CORE_ENUMVAL_EXISTS:
	case BPF_CORE_ENUMVAL_VALUE:
		break;
	default:
		return -EOPNOTSUPP;	/* TYPE_ID_TARGET, TYPE_MATCHES, unknown */
	}
	if (err || !name || !*name)
		return -EOPNOTSUPP;	/* libbpf fails these itself: let it, on the full BTF */
	for (k = 0; k < c->name_count; k++) {
		if (strcmp(c->names[k], name))
			continue;
		for (size_t i = 0; i < c->cand_counts[k] && !err; i++) {
			uint32_t cand = c->cands[k][i];

			if (!kinds_compat(btf__type_by_id(c->kern, cand), local_t))
				continue;
			found++;
			err = len ? keep_field_path(c, cand, acc, len) : keep_shape(c, cand, 0);
		}
	}
	if (!err && !found)
		return -ENOENT;	/* libbpf would search module BTFs */
	return err;
}

static int remap(const struct min_ctx *c, uint32_t *id)
{
	if (*id == 0)
		return 0;
	if (*id >= c->count || !c->map[*id])
		return -EINVAL;	/* a referenced type was not kept: a bug here */
	*id = c->map[*id];
	return 0;
}

static int remap_type(const struct min_ctx *c, struct btf_type *t)
{
	int err = 0;

	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return remap(c, &t->type);
	case BTF_KIND_ARRAY:
		err = remap(c, &btf_array(t)->type);
		return err ? err : remap(c, &btf_array(t)->index_type);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (uint16_t i = 0; i < btf_vlen(t) && !err; i++)
			err = remap(c, &btf_members(t)[i].type);
		return err;
	case BTF_KIND_FUNC_PROTO:
		for (uint16_t i = 0; i < btf_vlen(t) && !err; i++)
			err = remap(c, &btf_params(t)[i].type);
		return err ? err : remap(c, &t->type);
	default:
		return 0;
	}
}

/* A struct/union with only its kept members (same order, offsets, size, kflag). */
static int add_partial(struct btf *out, const struct min_ctx *c, const struct btf_type *t,
		       const uint8_t *bits)
{
	uint16_t vlen = btf_vlen(t), kept = 0;
	struct btf_type *copy;
	struct btf_member *m;
	int id;

	copy = malloc(sizeof(*copy) + (size_t)vlen * sizeof(*m));
	if (!copy)
		return -ENOMEM;
	*copy = *t;
	m = (struct btf_member *)(copy + 1);
	for (uint16_t i = 0; i < vlen; i++)
		if (bits && (bits[i / 8] & (1 << (i % 8))))
			m[kept++] = btf_members(t)[i];
	copy->info = (t->info & ~0xffffU) | kept;
	id = btf__add_type(out, c->kern, copy);
	free(copy);
	return id;
}

static int emit(struct min_ctx *c, void **data, size_t *size)
{
	struct btf *out = btf__new_empty();
	const void *raw;
	uint32_t raw_size, n;
	int id, err = 0;

	if (!out)
		return -errno;
	for (uint32_t i = 1; i < c->count && !err; i++) {
		const struct btf_type *t = btf__type_by_id(c->kern, i);

		if (!c->kept[i])
			continue;
		if (btf_is_composite(t))
			id = add_partial(out, c, t, c->members[i]);
		else
			id = btf__add_type(out, c->kern, t);
		if (id < 0)
			err = id;
		else
			c->map[i] = (uint32_t)id;
	}
	n = btf__type_cnt(out);
	for (uint32_t i = 1; i < n && !err; i++)
		err = remap_type(c, (struct btf_type *)btf__type_by_id(out, i));
	if (!err) {
		raw = btf__raw_data(out, &raw_size);
		*data = raw ? malloc(raw_size) : NULL;
		if (*data) {
			memcpy(*data, raw, raw_size);
			*size = raw_size;
		} else {
			err = -ENOMEM;
		}
	}
	btf__free(out);
	return err;
}

static void ctx_free(struct min_ctx *c)
{
	if (c->members)
		for (uint32_t i = 0; i < c->count; i++)
			free(c->members[i]);
	for (size_t k = 0; c->cands && k < c->name_count; k++)
		free(c->cands[k]);
	free(c->members);
	free(c->kept);
	free(c->map);
	free(c->names);
	free(c->name_lens);
	free(c->cands);
	free(c->cand_counts);
}

int bpfy_min_btf__build(const struct bpfy_btf_ext *ext, const struct btf *kernel, void **data,
			size_t *size)
{
	struct min_ctx c = { .kern = kernel, .local = ext->btf };
	int err;

	*data = NULL;
	*size = 0;
	if (!ext->btf || !ext->relo_count)
		return -ENODATA;
	c.count = btf__type_cnt(kernel);
	c.kept = calloc(c.count, 1);
	c.members = calloc(c.count, sizeof(*c.members));
	c.map = calloc(c.count, sizeof(*c.map));
	err = c.kept && c.members && c.map ? 0 : -ENOMEM;
	if (!err)
		err = index_candidates(&c, ext);
	for (size_t i = 0; i < ext->relo_count && !err; i++)
		err = keep_relo(&c, &ext->relos[i]);
	/* the last member of a struct with kept members: libbpf's flexible-array test */
	for (uint32_t i = 1; i < c.count && !err; i++)
		if (c.members[i])
			err = keep_member(&c, i, btf_vlen(btf__type_by_id(kernel, i)) - 1);
	if (!err) {
		/* "long": libbpf guesses the pointer size from it */
		int id = btf__find_by_name_kind(kernel, "long", BTF_KIND_INT);

		if (id > 0)
			err = keep_shape(&c, (uint32_t)id, 0);
	}
	if (!err)
		err = emit(&c, data, size);
	ctx_free(&c);
	return err;
}

int bpfy_min_btf__store(const void *image, size_t size, const char *path,
			uint8_t digest[BPFY_SHA256_LEN])
{
	struct bpfy_btf_ext ext;
	struct btf *kernel = NULL;
	void *data = NULL;
	size_t len = 0;
	int err;

	err = bpfy_btf_ext__parse(image, size, &ext);
	if (!err && (!ext.btf || !ext.relo_count))
		err = -ENODATA;	/* nothing to relocate: libbpf needs no kernel BTF */
	if (!err) {
		kernel = btf__parse(BPFY_VMLINUX_BTF, NULL);
		err = kernel ? 0 : -errno;
	}
	if (!err)
		err = bpfy_min_btf__build(&ext, kernel, &data, &len);
	if (!err)
		err = bpfy_sha256(data, len, digest);
	if (!err)
		err = bpfy_file__write_atomic(path, data, len, 0600);
	free(data);
	btf__free(kernel);
	bpfy_btf_ext__release(&ext);
	return err;
}
