/*
 * A loaded BPF object: libbpf opens the ELF, creates the maps, applies CO-RE
 * and loads the programs whose section names give their type. Functions of
 * the bcc dialect have no type until Python attaches them; they are loaded
 * then (bpfy_prog__load), from a second libbpf object that reuses the maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "internal.h"
#include "layout.h"

static void object_free(struct bpfy_object *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->prog_count; i++) {
		bpf_object__close(obj->progs[i].lazy_obj);
		free(obj->progs[i].name);
		free(obj->progs[i].section);
	}
	bpfy_shared__unpublish(obj);
	bpfy_layouts__free(obj->layouts);
	bpf_object__close(obj->obj);
	free(obj->progs);
	free(obj->maps);
	free(obj->elf);
	free(obj->btf_custom_path);
	free(obj->name);
	free(obj);
}

void bpfy_object__close(struct bpfy_object *obj)
{
	object_free(obj);
}

/* Programs without a type from their section wait for an attach call. */
static int collect_programs(struct bpfy_object *obj, struct bpfy_error *error)
{
	struct bpf_program *program;
	size_t count = 0;

	bpf_object__for_each_program(program, obj->obj)
		count++;
	obj->progs = calloc(count ? count : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	bpf_object__for_each_program(program, obj->obj) {
		struct bpfy_prog *prog = &obj->progs[obj->prog_count++];

		prog->owner = obj;
		prog->program = program;
		prog->fd = -1;
		prog->name = strdup(bpf_program__name(program));
		prog->section = strdup(bpf_program__section_name(program));
		if (!prog->name || !prog->section)
			return bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		prog->type = bpf_program__type(program);
		if (prog->type == BPF_PROG_TYPE_UNSPEC)
			bpf_program__set_autoload(program, false);
	}
	return 0;
}

static int describe_map(struct bpfy_object *obj, struct bpfy_map *map, struct bpfy_error *error)
{
	struct bpfy_map_desc *desc = &map->desc;
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	uint32_t key_id, value_id;

	desc->name = bpf_map__name(map->map);
	desc->fd = bpf_map__fd(map->map);
	desc->type = bpf_map__type(map->map);
	desc->key_size = bpf_map__key_size(map->map);
	desc->value_size = bpf_map__value_size(map->map);
	desc->max_entries = bpf_map__max_entries(map->map);
	desc->map_flags = bpf_map__map_flags(map->map);
	if (bpf_obj_get_info_by_fd(desc->fd, &info, &info_len) == 0)
		desc->id = info.id;
	key_id = bpf_map__btf_key_type_id(map->map);
	value_id = bpf_map__btf_value_type_id(map->map);
	/* an extern table: its own name and types, not the public map's */
	bpfy_shared__extern_info(obj->obj, map->map, &desc->name, &key_id, &value_id);
	if (obj->layouts && key_id)
		desc->key_type = bpfy_layouts__get(obj->layouts, key_id);
	if (obj->layouts && value_id)
		desc->value_type = bpfy_layouts__get(obj->layouts, value_id);
	if (obj->layouts)
		desc->event_type = bpfy_event_type__find(bpf_object__btf(obj->obj), obj->layouts,
							 desc->name);
	return 0;
}

/* Maps the user declared; libbpf's internal .data/.rodata/.bss stay hidden. */
static int collect_maps(struct bpfy_object *obj, struct bpfy_error *error)
{
	struct bpf_map *map;
	size_t count = 0;

	bpf_object__for_each_map(map, obj->obj)
		count++;
	obj->maps = calloc(count ? count : 1, sizeof(*obj->maps));
	if (!obj->maps)
		return bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	if (bpf_object__btf(obj->obj))
		obj->layouts = bpfy_layouts__new(bpf_object__btf(obj->obj));
	bpf_object__for_each_map(map, obj->obj) {
		struct bpfy_map *entry;

		if (bpf_map__is_internal(map))
			continue;
		entry = &obj->maps[obj->map_count++];
		entry->owner = obj;
		entry->map = map;
		describe_map(obj, entry, error);
	}
	return 0;
}

/*
 * A kernel that refuses BPF trampolines fails the whole load with a bare
 * EPERM. When a trampoline program is in the object, say that instead,
 * with what the feature probe found. True when the error was filled.
 */
static bool explain_refused_trampoline(struct bpfy_object *obj, int err, struct bpfy_error *error)
{
	static const struct {
		const char *prefix;
		enum bpfy_trampoline_kind kind;
	} sections[] = {
		{ "fentry/", BPFY_TRAMPOLINE_FENTRY },	{ "fexit/", BPFY_TRAMPOLINE_FEXIT },
		{ "fmod_ret/", BPFY_TRAMPOLINE_FMOD_RET }, { "lsm/", BPFY_TRAMPOLINE_LSM },
	};
	char reason[256];

	if (err != -EPERM)
		return false;
	for (size_t i = 0; i < obj->prog_count; i++) {
		for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
			if (strncmp(obj->progs[i].section, sections[k].prefix,
				    strlen(sections[k].prefix)))
				continue;
			if (bpfy_trampoline__probe(sections[k].kind, reason, sizeof(reason)) != 0)
				return false;	/* allowed, or unknown: not the cause */
			bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, EPERM,
					"loading BPF object '%s': function '%s' (section '%s') needs "
					"a BPF trampoline, and %s",
					obj->name, obj->progs[i].name, obj->progs[i].section, reason);
			return true;
		}
	}
	return false;
}

/* Forgets the programs collect_programs() found (before a retry). */
static void drop_programs(struct bpfy_object *obj)
{
	for (size_t i = 0; i < obj->prog_count; i++) {
		free(obj->progs[i].name);
		free(obj->progs[i].section);
	}
	free(obj->progs);
	obj->progs = NULL;
	obj->prog_count = 0;
}

/*
 * libbpf opens obj->elf, creates the maps (pinned and shared ones reused)
 * and loads the programs of known type. On failure the libbpf object is
 * closed again and error says why; 0 or -errno.
 */
static int open_and_load(struct bpfy_object *obj, const struct bpf_object_open_opts *open_opts,
			 struct bpfy_error *error)
{
	char what[256];
	int err;

	bpfy_libbpf_log__begin();
	obj->obj = bpf_object__open_mem(obj->elf, obj->elf_size, open_opts);
	if (!obj->obj) {
		err = -errno;
		snprintf(what, sizeof(what), "opening BPF object '%s'", obj->name);
		bpfy_report_load_failure(error, err, what, bpfy_libbpf_log__end());
		return err;
	}
	err = collect_programs(obj, error);
	if (!err)
		err = bpfy_pins__apply(obj->obj, obj->elf, obj->elf_size, error);
	if (!err)
		err = bpfy_shared__reuse(obj->obj, error);
	if (err) {
		free(bpfy_libbpf_log__end());
		goto err_out;
	}
	err = bpf_object__load(obj->obj);
	if (err) {
		char *captured = bpfy_libbpf_log__end();

		if (!explain_refused_trampoline(obj, err, error) &&
		    !bpfy_pins__explain_mismatch(obj->obj, captured, error)) {
			snprintf(what, sizeof(what), "loading BPF object '%s'", obj->name);
			bpfy_report_load_failure(error, err, what, captured);
		} else {
			free(captured);
		}
		goto err_out;
	}
	free(bpfy_libbpf_log__end());
	return 0;

err_out:
	drop_programs(obj);
	bpf_object__close(obj->obj);
	obj->obj = NULL;
	return err;
}

struct bpfy_object *bpfy_object__open_elf(const void *elf, size_t size,
					  const struct bpfy_object_opts *opts,
					  struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct bpfy_object *obj;
	int err;

	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		return NULL;
	}
	obj->elf = malloc(size ? size : 1);
	obj->name = strdup(opts && opts->name ? opts->name : "bpf");
	if (!obj->elf || !obj->name) {
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		goto err_out;
	}
	memcpy(obj->elf, elf, size);
	obj->elf_size = size;
	open_opts.object_name = obj->name;
	/* pinned maps need bpffs; mount it if absent (a failure shows up at pin time) */
	bpfy_bpffs_ensure(NULL);
	if (opts && opts->log_level)
		open_opts.kernel_log_level = opts->log_level;
	if (opts && opts->sz > offsetof(struct bpfy_object_opts, btf_custom_path) &&
	    opts->btf_custom_path) {
		obj->btf_custom_path = strdup(opts->btf_custom_path);
		if (!obj->btf_custom_path) {
			err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
			goto err_out;
		}
		open_opts.btf_custom_path = obj->btf_custom_path;
	}

	err = open_and_load(obj, &open_opts, error);
	if (err && open_opts.btf_custom_path) {
		/* the cached minimal BTF did not do: relocate against the kernel's own */
		bpfy_error__clear(error);
		free(obj->btf_custom_path);
		obj->btf_custom_path = NULL;
		open_opts.btf_custom_path = NULL;
		err = open_and_load(obj, &open_opts, error);
	}
	if (err)
		goto err_out;
	for (size_t i = 0; i < obj->prog_count; i++)
		if (obj->progs[i].type != BPF_PROG_TYPE_UNSPEC)
			obj->progs[i].fd = bpf_program__fd(obj->progs[i].program);
	err = collect_maps(obj, error);
	if (!err)
		err = bpfy_shared__publish(obj->obj, obj, error);
	if (err)
		goto err_out;
	return obj;

err_out:
	object_free(obj);
	errno = -err;
	return NULL;
}

size_t bpfy_object__prog_count(const struct bpfy_object *obj)
{
	return obj->prog_count;
}

struct bpfy_prog *bpfy_object__prog_at(struct bpfy_object *obj, size_t index)
{
	if (index >= obj->prog_count) {
		errno = ENOENT;
		return NULL;
	}
	return &obj->progs[index];
}

struct bpfy_prog *bpfy_object__prog_by_name(struct bpfy_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->prog_count; i++)
		if (!strcmp(obj->progs[i].name, name))
			return &obj->progs[i];
	errno = ENOENT;
	return NULL;
}

size_t bpfy_object__map_count(const struct bpfy_object *obj)
{
	return obj->map_count;
}

struct bpfy_map *bpfy_object__map_at(struct bpfy_object *obj, size_t index)
{
	if (index >= obj->map_count) {
		errno = ENOENT;
		return NULL;
	}
	return &obj->maps[index];
}

struct bpfy_map *bpfy_object__map_by_name(struct bpfy_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->map_count; i++)
		if (!strcmp(obj->maps[i].desc.name, name))
			return &obj->maps[i];
	errno = ENOENT;
	return NULL;
}

const struct bpfy_map_desc *bpfy_map__desc(const struct bpfy_map *map)
{
	return &map->desc;
}
