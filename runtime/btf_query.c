/*
 * Questions about the running kernel's types, answered from its BTF
 * (/sys/kernel/btf/vmlinux, loaded once per process by libbpf and kept):
 * bcc's BPF.kernel_struct_has_field() and BPF.kernel_enum_has_val().
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <bpf/btf.h>

#include "bpfy.h"

static pthread_mutex_t vmlinux_lock = PTHREAD_MUTEX_INITIALIZER;
static struct btf *vmlinux_btf;	/* never freed: it lives as long as the process */

/* The kernel's BTF, loaded on first use; NULL with error filled. */
static const struct btf *kernel_btf(struct bpfy_error *error)
{
	struct btf *btf;
	int err = 0;

	pthread_mutex_lock(&vmlinux_lock);
	if (!vmlinux_btf) {
		btf = btf__load_vmlinux_btf();
		if (btf)
			vmlinux_btf = btf;
		else
			err = errno ? errno : ENOENT;
	}
	btf = vmlinux_btf;
	pthread_mutex_unlock(&vmlinux_lock);
	if (!btf)
		bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, err,
				"cannot load the kernel's BTF (CONFIG_DEBUG_INFO_BTF, "
				"/sys/kernel/btf/vmlinux): %s", strerror(err));
	return btf;
}

/* "struct task_struct" -> "task_struct" (the keyword is optional). */
static const char *strip_keyword(const char *name, const char *keyword)
{
	size_t n = strlen(keyword);

	if (!strncmp(name, keyword, n) && name[n] == ' ') {
		name += n;
		while (*name == ' ')
			name++;
	}
	return name;
}

/* Member field of struct/union type id, looking into anonymous members too. */
static bool has_member(const struct btf *btf, __u32 id, const char *field, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	__u16 i;

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (!t || !btf_is_composite(t) || depth > 8)
		return false;
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (name && *name && !strcmp(name, field))
			return true;
		if ((!name || !*name) && has_member(btf, m->type, field, depth + 1))
			return true;
	}
	return false;
}

int bpfy_btf__struct_has_field(const char *struct_name, const char *field_name,
			       struct bpfy_error *error)
{
	const struct btf *btf;
	const char *name;
	__s32 id;

	if (!struct_name || !field_name)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "struct and field names needed");
	btf = kernel_btf(error);
	if (!btf)
		return -(error && error->code ? error->code : ENOENT);
	name = strip_keyword(strip_keyword(struct_name, "struct"), "union");
	id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id > 0 && has_member(btf, (__u32)id, field_name, 0))
		return 1;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	return id > 0 && has_member(btf, (__u32)id, field_name, 0);
}

/* Enumerator value_name in enum type t (ENUM: 8-byte entries, ENUM64: 12). */
static bool enum_has(const struct btf *btf, const struct btf_type *t, const char *value_name)
{
	size_t size = btf_is_enum64(t) ? 12 : 8;
	const char *entry = (const char *)(t + 1);
	__u16 i;

	for (i = 0; i < btf_vlen(t); i++, entry += size) {
		__u32 name_off;
		const char *name;

		memcpy(&name_off, entry, sizeof(name_off));	/* name_off leads both layouts */
		name = btf__name_by_offset(btf, name_off);
		if (name && !strcmp(name, value_name))
			return true;
	}
	return false;
}

int bpfy_btf__enum_has_val(const char *enum_name, const char *value_name,
			   struct bpfy_error *error)
{
	const struct btf *btf;
	const char *name;
	__u32 id, count;

	if (!enum_name || !value_name)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "enum and value names needed");
	btf = kernel_btf(error);
	if (!btf)
		return -(error && error->code ? error->code : ENOENT);
	name = strip_keyword(enum_name, "enum");	/* "": any enum, anonymous ones too */
	count = btf__type_cnt(btf);
	/* enums may share a name with a forward declaration or come twice (ENUM
	 * and ENUM64 spellings): look at every enum of that name */
	for (id = 1; id < count; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tname;

		if (!btf_is_any_enum(t))
			continue;
		tname = btf__name_by_offset(btf, t->name_off);
		if ((!*name || (tname && !strcmp(tname, name))) && enum_has(btf, t, value_name))
			return 1;
	}
	return 0;
}
