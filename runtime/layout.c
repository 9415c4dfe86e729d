/*
 * BTF -> struct bpfy_type trees. See layout.h for the contract.
 *
 * Every node lives in an arena of bump-allocated blocks freed at once.
 * Lookups are memoized per type id; a per-id "building" mark turns a type
 * that contains itself (only possible in malformed BTF: C needs a pointer
 * for recursion, and pointers are leaves here) into ELOOP instead of an
 * endless recursion.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "layout.h"

#define ARENA_BLOCK_SIZE (64 * 1024)
#define PTR_SIZE 8	/* BPF and every 64-bit host we support */

struct arena_block {
	struct arena_block *next;
	size_t used;
	size_t cap;
	_Alignas(16) unsigned char data[];
};

struct bpfy_layouts {
	const struct btf *btf;
	uint32_t nr_types;
	const struct bpfy_type **by_id;	/* memo, nr_types slots */
	unsigned char *building;	/* 1 while the id is being built */
	struct arena_block *blocks;
};

/* ------------------------------------------------------------------ arena */

static void *arena_alloc(struct bpfy_layouts *l, size_t size)
{
	struct arena_block *b = l->blocks;
	size_t cap;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < size) {
		cap = size > ARENA_BLOCK_SIZE ? size : ARENA_BLOCK_SIZE;
		b = malloc(sizeof(*b) + cap);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = l->blocks;
		l->blocks = b;
	}
	p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

static const char *arena_printf(struct bpfy_layouts *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *arena_printf(struct bpfy_layouts *l, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = arena_alloc(l, (size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static struct bpfy_type *new_type(struct bpfy_layouts *l, enum bpfy_type_kind kind,
				  const char *name, uint32_t size)
{
	struct bpfy_type *t = arena_alloc(l, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = kind;
	t->name = name ? name : "";
	t->size = size;
	return t;
}

/* ------------------------------------------------------------------ names */

/* A name from the BTF string section; "" for a bad offset (never NULL). */
static const char *btf_string(struct bpfy_layouts *l, uint32_t name_off)
{
	const char *name = btf__name_by_offset(l->btf, name_off);

	return name ? name : "";
}

static const char *btf_name(struct bpfy_layouts *l, const struct btf_type *t)
{
	return btf_string(l, t->name_off);
}

/* "struct foo", "union foo", "enum foo"; bare keyword when anonymous. */
static const char *tagged_name(struct bpfy_layouts *l, const char *tag, const struct btf_type *t)
{
	const char *name = btf_name(l, t);

	if (!name[0])
		return tag;
	return arena_printf(l, "%s %s", tag, name);
}

/* The C spelling of a type id without building it (pointee names). */
static const char *spell(struct bpfy_layouts *l, uint32_t id, int depth)
{
	const struct btf_type *t;

	if (id == 0)
		return "void";
	t = btf__type_by_id(l->btf, id);
	if (!t || depth > 16)
		return "?";
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return tagged_name(l, "struct", t);
	case BTF_KIND_UNION:
		return tagged_name(l, "union", t);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return tagged_name(l, "enum", t);
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return spell(l, t->type, depth + 1);
	case BTF_KIND_PTR:
		return arena_printf(l, "%s *", spell(l, t->type, depth + 1));
	case BTF_KIND_FUNC_PROTO:
		return "func";
	default:
		return btf_name(l, t);
	}
}

/* Array names: elem "int[3]" of 2 -> "int[2][3]" (C order, outermost first). */
static const char *array_name(struct bpfy_layouts *l, const char *elem_name, uint32_t n)
{
	const char *bracket = strchr(elem_name, '[');

	if (!bracket)
		return arena_printf(l, "%s[%u]", elem_name, n);
	return arena_printf(l, "%.*s[%u]%s", (int)(bracket - elem_name), elem_name, n, bracket);
}

/* ------------------------------------------------------------ builders */

static const struct bpfy_type *build(struct bpfy_layouts *l, uint32_t id);

static const struct bpfy_type *build_int(struct bpfy_layouts *l, const struct btf_type *t)
{
	const char *name = btf_name(l, t);
	uint8_t enc = btf_int_encoding(t);
	struct bpfy_type *ty = new_type(l, BPFY_TYPE_INT, name, t->size);

	if (!ty)
		return NULL;
	ty->is_signed = enc & BTF_INT_SIGNED;
	ty->is_bool = enc & BTF_INT_BOOL;
	/* clang never sets BTF_INT_CHAR; plain `char` is what C code means as text */
	ty->is_char = t->size == 1 && ((enc & BTF_INT_CHAR) || strcmp(name, "char") == 0);
	return ty;
}

static const struct bpfy_type *build_enum(struct bpfy_layouts *l, const struct btf_type *t)
{
	uint16_t i, n = btf_vlen(t);
	struct bpfy_enum_value *values;
	struct bpfy_type *ty;
	bool is_signed = btf_kflag(t);

	ty = new_type(l, BPFY_TYPE_ENUM, tagged_name(l, "enum", t), t->size);
	values = arena_alloc(l, sizeof(*values) * (n ? n : 1));
	if (!ty || !values)
		return NULL;
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		/* BTF before kflag-signedness stored negative values as s32 */
		for (i = 0; i < n; i++)
			if (e[i].val < 0)
				is_signed = true;
		for (i = 0; i < n; i++) {
			values[i].name = btf_string(l, e[i].name_off);
			values[i].value = is_signed ? (int64_t)e[i].val : (int64_t)(uint32_t)e[i].val;
		}
	} else {
		const struct btf_enum64 *e = btf_enum64(t);

		for (i = 0; i < n; i++) {
			values[i].name = btf_string(l, e[i].name_off);
			values[i].value = (int64_t)btf_enum64_value(&e[i]);
		}
	}
	ty->is_signed = is_signed;
	ty->nr_values = n;
	ty->values = values;
	return ty;
}

static const struct bpfy_type *build_array(struct bpfy_layouts *l, const struct btf_type *t)
{
	const struct btf_array *a = btf_array(t);
	const struct bpfy_type *elem = build(l, a->type);
	struct bpfy_type *ty;
	uint64_t size;

	if (!elem)
		return NULL;
	size = (uint64_t)elem->size * a->nelems;
	if (size > UINT32_MAX) {
		errno = E2BIG;
		return NULL;
	}
	ty = new_type(l, BPFY_TYPE_ARRAY, array_name(l, elem->name, a->nelems), (uint32_t)size);
	if (!ty)
		return NULL;
	ty->nr_elems = a->nelems;
	ty->elem = elem;
	return ty;
}

/*
 * Old-style bitfields (struct without kflag) carry their width in the
 * member's INT type: bits narrower than the int, or a bit offset in it.
 */
static void legacy_bitfield(struct bpfy_layouts *l, uint32_t type_id, struct bpfy_field *f)
{
	const struct btf_type *t = btf__type_by_id(l->btf, type_id);
	int guard = 0;

	while (t && (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t)) && guard++ < 32)
		t = btf__type_by_id(l->btf, t->type);
	if (!t || !btf_is_int(t))
		return;
	if (btf_int_offset(t) == 0 && btf_int_bits(t) == t->size * 8)
		return;
	f->bit_offset += btf_int_offset(t);
	f->bitfield_size = btf_int_bits(t);
}

static const struct bpfy_type *build_composite(struct bpfy_layouts *l, const struct btf_type *t)
{
	bool is_union = btf_is_union(t);
	const struct btf_member *m = btf_members(t);
	uint16_t i, n = btf_vlen(t);
	struct bpfy_field *fields;
	struct bpfy_type *ty;

	ty = new_type(l, is_union ? BPFY_TYPE_UNION : BPFY_TYPE_STRUCT,
		      tagged_name(l, is_union ? "union" : "struct", t), t->size);
	fields = arena_alloc(l, sizeof(*fields) * (n ? n : 1));
	if (!ty || !fields)
		return NULL;
	for (i = 0; i < n; i++) {
		fields[i].name = btf__name_by_offset(l->btf, m[i].name_off);
		if (!fields[i].name)
			fields[i].name = "";
		fields[i].bit_offset = btf_member_bit_offset(t, i);
		fields[i].bitfield_size = btf_member_bitfield_size(t, i);
		fields[i].type = build(l, m[i].type);
		if (!fields[i].type)
			return NULL;
		if (!btf_kflag(t))
			legacy_bitfield(l, m[i].type, &fields[i]);
	}
	ty->nr_fields = n;
	ty->fields = fields;
	return ty;
}

/* A DATASEC (.bss, .data, .rodata maps) reads as a struct of its variables. */
static const struct bpfy_type *build_datasec(struct bpfy_layouts *l, const struct btf_type *t)
{
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	uint16_t i, n = btf_vlen(t);
	struct bpfy_field *fields;
	struct bpfy_type *ty;

	ty = new_type(l, BPFY_TYPE_STRUCT, btf_name(l, t), t->size);
	fields = arena_alloc(l, sizeof(*fields) * (n ? n : 1));
	if (!ty || !fields)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct btf_type *var = btf__type_by_id(l->btf, vs[i].type);

		if (!var) {
			errno = ENOENT;
			return NULL;
		}
		fields[i].name = btf_name(l, var);
		fields[i].bit_offset = vs[i].offset * 8;
		fields[i].type = build(l, vs[i].type);
		if (!fields[i].type)
			return NULL;
	}
	ty->nr_fields = n;
	ty->fields = fields;
	return ty;
}

static const struct bpfy_type *build_typedef(struct bpfy_layouts *l, const struct btf_type *t)
{
	const struct bpfy_type *target = build(l, t->type);
	struct bpfy_type *ty;

	if (!target)
		return NULL;
	ty = arena_alloc(l, sizeof(*ty));
	if (!ty)
		return NULL;
	*ty = *target;		/* fields/values/elem are shared, owned by the arena */
	ty->name = btf_name(l, t);
	return ty;
}

static const struct bpfy_type *build_uncached(struct bpfy_layouts *l, uint32_t id)
{
	const struct btf_type *t;
	__s64 size;

	if (id == 0)
		return new_type(l, BPFY_TYPE_OPAQUE, "void", 0);
	t = btf__type_by_id(l->btf, id);
	if (!t) {
		errno = ENOENT;
		return NULL;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return build_int(l, t);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return build_enum(l, t);
	case BTF_KIND_FLOAT:
		return new_type(l, BPFY_TYPE_FLOAT, btf_name(l, t), t->size);
	case BTF_KIND_PTR:
		return new_type(l, BPFY_TYPE_PTR, spell(l, id, 0), PTR_SIZE);
	case BTF_KIND_ARRAY:
		return build_array(l, t);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return build_composite(l, t);
	case BTF_KIND_DATASEC:
		return build_datasec(l, t);
	case BTF_KIND_TYPEDEF:
		return build_typedef(l, t);
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		return build(l, t->type);
	default:		/* FWD, FUNC, FUNC_PROTO, DECL_TAG, unknown */
		size = btf__resolve_size(l->btf, id);
		return new_type(l, BPFY_TYPE_OPAQUE, spell(l, id, 0),
				size > 0 && size <= UINT32_MAX ? (uint32_t)size : 0);
	}
}

static const struct bpfy_type *build(struct bpfy_layouts *l, uint32_t id)
{
	const struct bpfy_type *ty;

	if (id >= l->nr_types) {
		errno = ENOENT;
		return NULL;
	}
	if (l->by_id[id])
		return l->by_id[id];
	if (l->building[id]) {
		errno = ELOOP;
		return NULL;
	}
	l->building[id] = 1;
	ty = build_uncached(l, id);
	l->building[id] = 0;
	if (ty)
		l->by_id[id] = ty;
	else if (!errno)
		errno = ENOMEM;
	return ty;
}

/* ------------------------------------------------------------- public API */

struct bpfy_layouts *bpfy_layouts__new(const struct btf *btf)
{
	struct bpfy_layouts *l;

	if (!btf) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		goto err_out;
	l->btf = btf;
	l->nr_types = btf__type_cnt(btf);
	l->by_id = calloc(l->nr_types, sizeof(*l->by_id));
	l->building = calloc(l->nr_types, 1);
	if (!l->by_id || !l->building)
		goto err_out;
	return l;

err_out:
	bpfy_layouts__free(l);
	errno = ENOMEM;
	return NULL;
}

const struct bpfy_type *bpfy_layouts__get(struct bpfy_layouts *layouts, uint32_t type_id)
{
	if (!layouts) {
		errno = EINVAL;
		return NULL;
	}
	errno = 0;
	return build(layouts, type_id);
}

void bpfy_layouts__free(struct bpfy_layouts *layouts)
{
	struct arena_block *b, *next;

	if (!layouts)
		return;
	for (b = layouts->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(layouts->by_id);
	free(layouts->building);
	free(layouts);
}
