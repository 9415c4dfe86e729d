/* Programs: their properties, and loading on demand with a given type. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

const char *bpfy_prog__name(const struct bpfy_prog *prog)
{
	return prog->name;
}

const char *bpfy_prog__section(const struct bpfy_prog *prog)
{
	return prog->section;
}

uint32_t bpfy_prog__type(const struct bpfy_prog *prog)
{
	return prog->type;
}

int bpfy_prog__fd(const struct bpfy_prog *prog)
{
	return prog->fd;
}

bool bpfy_prog__has_auto_attach(const struct bpfy_prog *prog)
{
	static const char *const prefixes[] = { "tracepoint/", "tp/", "raw_tp/", "raw_tracepoint/",
						"tp_btf/", "kprobe/", "kretprobe/", "uprobe/",
						"uretprobe/", "fentry/", "fexit/", "lsm/", NULL };

	for (size_t i = 0; prefixes[i]; i++)
		if (!strncmp(prog->section, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

int bpfy_prog__reuse_maps(struct bpf_object *from, struct bpf_object *into,
			  const struct bpf_map *skip)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, into) {
		struct bpf_map *twin;
		int err;

		if (map == skip)
			continue;
		twin = bpf_object__find_map_by_name(from, bpf_map__name(map));
		if (!twin)
			return -ENOENT;
		err = bpf_map__reuse_fd(map, bpf_map__fd(twin));
		if (err)
			return err;
	}
	return 0;
}

int bpfy_prog__load(struct bpfy_prog *prog, uint32_t prog_type, uint32_t expected_attach_type,
		    struct bpfy_error *error)
{
	struct bpfy_object *owner = prog->owner;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = owner->name);
	struct bpf_object *lazy = NULL;
	struct bpf_program *program, *mine = NULL;
	char what[256];
	int err;

	if (prog->fd >= 0) {
		if (prog->type == prog_type)
			return 0;
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "function '%s' is already loaded as program type %u, "
				       "cannot also load it as type %u",
				       prog->name, prog->type, prog_type);
	}
	/* the minimal BTF the object loaded with, unless it has gone (cache removed) */
	if (owner->btf_custom_path && access(owner->btf_custom_path, R_OK) == 0)
		open_opts.btf_custom_path = owner->btf_custom_path;
	snprintf(what, sizeof(what), "loading function '%s'", prog->name);
	bpfy_libbpf_log__begin();
	lazy = bpf_object__open_mem(owner->elf, owner->elf_size, &open_opts);
	if (!lazy) {
		err = -errno;
		goto err_report;
	}
	bpf_object__for_each_program(program, lazy) {
		if (strcmp(bpf_program__name(program), prog->name)) {
			bpf_program__set_autoload(program, false);
			continue;
		}
		mine = program;
		bpf_program__set_autoload(program, true);
		bpf_program__set_type(program, prog_type);
		bpf_program__set_expected_attach_type(program, expected_attach_type);
	}
	err = bpfy_prog__reuse_maps(owner->obj, lazy, NULL);
	if (!err)
		err = bpf_object__load(lazy);
	if (err)
		goto err_report;
	free(bpfy_libbpf_log__end());
	prog->lazy_obj = lazy;
	prog->program = mine;
	prog->type = prog_type;
	prog->fd = bpf_program__fd(mine);
	return 0;

err_report:
	bpf_object__close(lazy);
	return bpfy_report_load_failure(error, err, what, bpfy_libbpf_log__end());
}
