/*
 * Event types: which struct a program sends through each perf or ring
 * buffer, so Python can decode events without the user declaring the type
 * again (bcc does this from its AST). The dialect's perf_submit/ringbuf_*
 * macros declare `static T *__bpfy_event__<map>` in section .bpfy.events
 * (never loaded by libbpf); its BTF VAR names the map and points at T.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

#include "internal.h"
#include "layout.h"

#define EVENT_PREFIX "__bpfy_event__"

/* The id of the VAR recording map_name's event type, or 0. */
static uint32_t find_var(const struct btf *btf, const char *map_name)
{
	char wanted[256];
	uint32_t n = btf__type_cnt(btf);

	if (snprintf(wanted, sizeof(wanted), EVENT_PREFIX "%s", map_name) >= (int)sizeof(wanted))
		return 0;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		const char *name, *dot;

		if (!btf_is_var(t))
			continue;
		/* function-scope statics are named "<function>.<variable>" */
		name = btf__name_by_offset(btf, t->name_off);
		dot = strrchr(name, '.');
		if (!strcmp(dot ? dot + 1 : name, wanted))
			return id;
	}
	return 0;
}

/* Follows const/volatile/typedef to the pointer and returns what it points at. */
static uint32_t pointee_of(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return t && btf_is_ptr(t) ? t->type : 0;
}

const struct bpfy_type *bpfy_event_type__find(const struct btf *btf, struct bpfy_layouts *layouts,
					      const char *map_name)
{
	uint32_t var, target;

	if (!btf || !layouts || !map_name) {
		errno = EINVAL;
		return NULL;
	}
	var = find_var(btf, map_name);
	target = var ? pointee_of(btf, btf__type_by_id(btf, var)->type) : 0;
	if (!target) {	/* not recorded, or a void * was submitted */
		errno = ENOENT;
		return NULL;
	}
	return bpfy_layouts__get(layouts, target);
}
