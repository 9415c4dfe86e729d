/* BTF -> bpfy_type layouts: kernel BTF types and hand-built edge cases. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "layout.h"

static int failures;

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			failures++;                                     \
			fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                   \
			fputc('\n', stderr);                            \
		}                                                       \
	} while (0)

static const struct bpfy_field *field(const struct bpfy_type *t, const char *name)
{
	uint32_t i;

	for (i = 0; i < t->nr_fields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	return NULL;
}

/* Depth-first through anonymous members, as C name lookup does. */
static const struct bpfy_field *deep_field(const struct bpfy_type *t, const char *name)
{
	const struct bpfy_field *f = field(t, name);
	uint32_t i;

	for (i = 0; !f && i < t->nr_fields; i++)
		if (!t->fields[i].name[0] && t->fields[i].type->nr_fields)
			f = deep_field(t->fields[i].type, name);
	return f;
}

static const struct bpfy_type *by_name(struct bpfy_layouts *l, const struct btf *btf,
				       const char *name, int kind)
{
	int id = btf__find_by_name_kind(btf, name, kind);

	if (id < 0)
		return NULL;
	return bpfy_layouts__get(l, (uint32_t)id);
}

static void test_vmlinux(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct bpfy_type *t, *t2;
	const struct bpfy_field *f;
	struct bpfy_layouts *l;
	int id;

	if (!btf) {
		fprintf(stderr, "SKIP vmlinux: no kernel BTF (%d)\n", errno);
		return;
	}
	l = bpfy_layouts__new(btf);
	CHECK(l != NULL, "layouts__new errno %d", errno);

	t = by_name(l, btf, "list_head", BTF_KIND_STRUCT);
	CHECK(t && t->kind == BPFY_TYPE_STRUCT && t->size == 16, "list_head");
	CHECK(t && t->nr_fields == 2, "list_head fields");
	CHECK(t && strcmp(t->name, "struct list_head") == 0, "name %s", t ? t->name : "");
	f = t ? field(t, "prev") : NULL;
	CHECK(f && f->type->kind == BPFY_TYPE_PTR && f->type->size == 8 && f->bit_offset == 64,
	      "list_head.prev");
	CHECK(f && strcmp(f->type->name, "struct list_head *") == 0, "ptr name %s",
	      f ? f->type->name : "");

	t = by_name(l, btf, "u32", BTF_KIND_TYPEDEF);
	CHECK(t && t->kind == BPFY_TYPE_INT && t->size == 4 && !t->is_signed, "u32");
	CHECK(t && strcmp(t->name, "u32") == 0, "u32 name");

	id = btf__find_by_name_kind(btf, "u32", BTF_KIND_TYPEDEF);
	t2 = bpfy_layouts__get(l, (uint32_t)id);
	CHECK(t == t2, "memoized");

	t = by_name(l, btf, "task_struct", BTF_KIND_STRUCT);
	CHECK(t && t->kind == BPFY_TYPE_STRUCT, "task_struct");
	f = t ? field(t, "pid") : NULL;
	CHECK(f && f->type->kind == BPFY_TYPE_INT && f->type->size == 4 && f->type->is_signed,
	      "task_struct.pid");
	f = t ? field(t, "comm") : NULL;
	CHECK(f && f->type->kind == BPFY_TYPE_ARRAY && f->type->nr_elems == 16 &&
	      f->type->elem->is_char, "task_struct.comm");

	/* struct sk_buff has bitfields (pkt_type:3 ...) */
	t = by_name(l, btf, "sk_buff", BTF_KIND_STRUCT);
	CHECK(t != NULL, "sk_buff");
	f = t ? deep_field(t, "pkt_type") : NULL;
	CHECK(f && f->bitfield_size == 3, "sk_buff.pkt_type bitfield");

	t = by_name(l, btf, "bpf_map_type", BTF_KIND_ENUM);
	CHECK(t && t->kind == BPFY_TYPE_ENUM && t->nr_values > 30, "enum bpf_map_type");
	CHECK(t && strcmp(t->values[1].name, "BPF_MAP_TYPE_HASH") == 0 && t->values[1].value == 1,
	      "enum value");

	bpfy_layouts__free(l);
	btf__free(btf);
}

static void test_handmade(void)
{
	struct btf *btf = btf__new_empty();
	int u8_id, char_id, int_id, uint_id, u64_id, arr_id, arr2_id, comm_id, st_id, en_id,
	    td_id, un_id, cst_id, self_ptr_id, float_id;
	const struct bpfy_type *t;
	const struct bpfy_field *f;
	struct bpfy_layouts *l;

	CHECK(btf != NULL, "btf__new_empty");
	if (!btf)
		return;
	char_id = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	u8_id = btf__add_int(btf, "unsigned char", 1, 0);
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	uint_id = btf__add_int(btf, "unsigned int", 4, 0);
	u64_id = btf__add_int(btf, "long long unsigned int", 8, 0);
	float_id = btf__add_float(btf, "double", 8);
	comm_id = btf__add_array(btf, int_id, char_id, 16);	/* char[16] */
	arr_id = btf__add_array(btf, int_id, int_id, 3);	/* int[3] */
	arr2_id = btf__add_array(btf, int_id, arr_id, 2);	/* int[2][3] */
	en_id = btf__add_enum(btf, "color", 4);
	btf__add_enum_value(btf, "RED", 0);
	btf__add_enum_value(btf, "BLUE", -2);
	cst_id = btf__add_const(btf, uint_id);
	td_id = btf__add_typedef(btf, "u32", cst_id);

	/* struct data_t { u32 pid; unsigned a:3, b:5; char comm[16]; int m[2][3];
	 *                 u8 c; enum color col; struct data_t *self; double d; u64 big; } */
	/* a pointer to the struct added next: fields must follow add_struct */
	self_ptr_id = btf__add_ptr(btf, (int)btf__type_cnt(btf) + 1);
	st_id = btf__add_struct(btf, "data_t", 72);
	btf__add_field(btf, "pid", td_id, 0, 0);
	btf__add_field(btf, "a", uint_id, 32, 3);
	btf__add_field(btf, "b", uint_id, 35, 5);
	btf__add_field(btf, "comm", comm_id, 64, 0);
	btf__add_field(btf, "m", arr2_id, 192, 0);
	btf__add_field(btf, "c", u8_id, 384, 0);
	btf__add_field(btf, "col", en_id, 416, 0);
	btf__add_field(btf, "self", self_ptr_id, 448, 0);
	btf__add_field(btf, "d", float_id, 512, 0);
	btf__add_field(btf, "big", u64_id, 512, 0);	/* overlaps d: fine for a layout */

	un_id = btf__add_union(btf, "u", 8);
	btf__add_field(btf, "", u64_id, 0, 0);
	btf__add_field(btf, "x", int_id, 0, 0);

	l = bpfy_layouts__new(btf);
	CHECK(l != NULL, "layouts__new");
	if (!l)
		goto out;

	t = bpfy_layouts__get(l, (uint32_t)st_id);
	CHECK(t && t->kind == BPFY_TYPE_STRUCT && t->size == 72 && t->nr_fields == 10,
	      "data_t errno %d", errno);
	if (!t)
		goto out;
	CHECK(strcmp(t->name, "struct data_t") == 0, "name %s", t->name);
	f = field(t, "pid");
	CHECK(f && strcmp(f->type->name, "u32") == 0 && f->type->size == 4 && !f->type->is_signed,
	      "pid through typedef+const");
	f = field(t, "a");
	CHECK(f && f->bit_offset == 32 && f->bitfield_size == 3, "bitfield a");
	f = field(t, "b");
	CHECK(f && f->bit_offset == 35 && f->bitfield_size == 5, "bitfield b");
	f = field(t, "comm");
	CHECK(f && f->type->kind == BPFY_TYPE_ARRAY && f->type->nr_elems == 16 &&
	      f->type->elem->is_char && f->type->size == 16, "char[16]");
	f = field(t, "m");
	CHECK(f && f->type->nr_elems == 2 && f->type->elem->nr_elems == 3 && f->type->size == 24,
	      "int[2][3]");
	CHECK(f && strcmp(f->type->name, "int[2][3]") == 0, "name %s", f ? f->type->name : "");
	f = field(t, "c");
	CHECK(f && !f->type->is_char && f->type->size == 1, "unsigned char is not text");
	f = field(t, "col");
	CHECK(f && f->type->kind == BPFY_TYPE_ENUM && f->type->nr_values == 2 &&
	      f->type->is_signed && f->type->values[1].value == -2, "enum");
	f = field(t, "self");
	CHECK(f && f->type->kind == BPFY_TYPE_PTR && f->type->size == 8, "self pointer");
	f = field(t, "d");
	CHECK(f && f->type->kind == BPFY_TYPE_FLOAT && f->type->size == 8, "double");

	t = bpfy_layouts__get(l, (uint32_t)un_id);
	CHECK(t && t->kind == BPFY_TYPE_UNION && t->nr_fields == 2 && t->fields[0].name[0] == 0,
	      "union with anonymous member");

	t = bpfy_layouts__get(l, 0);
	CHECK(t && t->kind == BPFY_TYPE_OPAQUE && t->size == 0, "void");
	t = bpfy_layouts__get(l, 100000);
	CHECK(!t && errno == ENOENT, "no such id");
out:
	bpfy_layouts__free(l);
	btf__free(btf);
}

int main(void)
{
	test_vmlinux();
	test_handmade();
	bpfy_layouts__free(NULL);
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("test_layout: ok\n");
	return 0;
}
