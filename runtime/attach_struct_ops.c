/*
 * struct_ops: registering a SEC(".struct_ops") map (a tcp_congestion_ops,
 * ...) with the kernel.
 *
 * libbpf 1.1 registers by writing the map's value, which the kernel keeps
 * registered until the value is deleted: a crash of the process would leave
 * the ops (a congestion control, say) registered for good. Kernels since 6.4
 * offer struct_ops links instead (a map created with BPF_F_LINK, registered
 * by BPF_LINK_CREATE, unregistered when the link fd closes). The map of the
 * loaded object was created without that flag and flags are fixed at
 * creation, so the attach opens the object's ELF a second time, creates
 * only that map again with BPF_F_LINK (every other map reuses the first
 * object's fd, so the programs share them), loads the struct_ops programs,
 * writes the value and creates the link. The second libbpf object is closed
 * at once: the link holds the map and the map its programs. On a kernel
 * without struct_ops links the value-write registration is used, and that
 * one, documented in bpfy_attach.h, survives a crash.
 *
 * The kernel builds BPF trampolines when the value is written: a kernel that
 * refuses trampolines refuses there, and the error says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "attach_link.h"

#define MAP_F_LINK (1U << 13)		/* BPF_F_LINK */
#define ATTACH_STRUCT_OPS 44		/* BPF_STRUCT_OPS (uapi 6.4) */

/* The kernel struct a struct_ops map implements (from the object's BTF). */
static const char *struct_ops_type(struct bpfy_object *obj, struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj->obj);
	const struct btf_type *type;
	uint32_t id = bpf_map__btf_value_type_id(map);

	if (!btf || !id)
		return "?";
	type = btf__type_by_id(btf, id);
	return type ? btf__name_by_offset(btf, type->name_off) : "?";
}

static int refusal(struct bpfy_error *error, int err, const char *map_name, const char *type,
		   const char *step, char *captured)
{
	if (err == EPERM || err == EOPNOTSUPP || err == ENOTSUP)
		bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, err,
				"cannot register struct_ops map '%s' (%s): the kernel refused "
				"%s: %s (%s)",
				map_name, type, step, err == EPERM ? "EPERM" : "EOPNOTSUPP",
				strerror(err));
	else
		bpfy_error__set(error, BPFY_ERR_OS, err,
				"registering struct_ops map '%s' (%s): %s: %s%s%s", map_name,
				type, step, strerror(err), captured ? "\n" : "",
				captured ? captured : "");
	free(captured);
	errno = err;
	return -err;
}

/*
 * The link-based registration. NULL with *fallback set when this kernel has
 * no struct_ops links (the map cannot be created with BPF_F_LINK).
 */
static struct bpfy_link *attach_as_link(struct bpfy_object *obj, const char *map_name,
					const char *type, bool *fallback,
					struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = obj->name);
	struct bpf_object *second;
	struct bpf_program *prog;
	struct bpf_link *written;
	struct bpf_map *map;
	int err, link_fd;

	bpfy_libbpf_log__begin();
	second = bpf_object__open_mem(obj->elf, obj->elf_size, &open_opts);
	if (!second) {
		err = errno;
		return refusal(error, err, map_name, type, "reopening the object",
			       bpfy_libbpf_log__end()), NULL;
	}
	bpf_object__for_each_program(prog, second)
		bpf_program__set_autoload(prog,
					  bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS);
	map = bpf_object__find_map_by_name(second, map_name);
	err = map ? bpf_map__set_map_flags(map, bpf_map__map_flags(map) | MAP_F_LINK) : -ENOENT;
	if (!err)
		err = bpfy_prog__reuse_maps(obj->obj, second, map);
	if (!err)
		err = bpf_object__load(second);
	if (err) {
		char *captured = bpfy_libbpf_log__end();

		bpf_object__close(second);
		if (err == -EINVAL && captured && strstr(captured, map_name)) {
			/* BPF_F_LINK unknown to this kernel's struct_ops maps */
			free(captured);
			*fallback = true;
			return NULL;
		}
		return refusal(error, -err, map_name, type, "loading its programs", captured),
		       NULL;
	}
	/* writes the value (trampolines built here); a BPF_F_LINK map is not
	 * registered by that, and the libbpf link's detach (delete) is not
	 * needed: disconnect it */
	written = bpf_map__attach_struct_ops(map);
	if (!written) {
		err = errno;
		bpf_object__close(second);
		return refusal(error, err, map_name, type,
			       "to build its BPF trampolines (writing the map's value)",
			       bpfy_libbpf_log__end()), NULL;
	}
	bpf_link__disconnect(written);
	bpf_link__destroy(written);
	link_fd = bpf_link_create(bpf_map__fd(map), 0, ATTACH_STRUCT_OPS, NULL);
	err = link_fd < 0 ? errno : 0;
	bpf_object__close(second);
	if (link_fd < 0)
		return refusal(error, err, map_name, type, "a struct_ops link (BPF_LINK_CREATE)",
			       bpfy_libbpf_log__end()), NULL;
	free(bpfy_libbpf_log__end());
	return bpfy_link__from_fd(link_fd);
}

struct bpfy_link *bpfy_object__attach_struct_ops(struct bpfy_object *obj, const char *map_name,
						 struct bpfy_error *error)
{
	struct bpfy_map *entry = bpfy_object__map_by_name(obj, map_name);
	struct bpfy_link *link;
	struct bpf_link *written;
	const char *type;
	bool fallback = false;

	if (!entry) {
		bpfy_error__set(error, BPFY_ERR_USAGE, ENOENT, "no map named '%s'", map_name);
		return NULL;
	}
	if (bpf_map__type(entry->map) != BPF_MAP_TYPE_STRUCT_OPS) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"map '%s' is not a struct_ops map: declare it as a kernel ops "
				"struct in SEC(\".struct_ops\"), e.g. "
				"SEC(\".struct_ops\") struct tcp_congestion_ops %s = { ... }",
				map_name, map_name);
		return NULL;
	}
	type = struct_ops_type(obj, entry->map);
	link = attach_as_link(obj, map_name, type, &fallback, error);
	if (link || !fallback)
		return link;
	/* no struct_ops links: libbpf's registration by value (survives a crash) */
	bpfy_libbpf_log__begin();
	written = bpf_map__attach_struct_ops(entry->map);
	if (!written) {
		int err = errno;

		refusal(error, err, map_name, type,
			"to build its BPF trampolines (writing the map's value)",
			bpfy_libbpf_log__end());
		return NULL;
	}
	return bpfy_link__wrap(written, map_name, error);
}
