/*
 * bcc's BPF_TABLE_PINNED: the dialect records each map's pin path as a
 * string symbol `__bpfy_pin__<map>` in the ELF. Before the object loads we
 * hand those paths to libbpf, which reuses a compatible pinned map or
 * creates and pins a new one.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "internal.h"

#define PIN_PREFIX "__bpfy_pin__"

/* The NUL-terminated string a symbol points at, or NULL. */
static const char *symbol_string(Elf *elf, const GElf_Sym *sym)
{
	Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	if (!data || !data->d_buf || sym->st_value >= data->d_size || !sym->st_size ||
	    sym->st_value + sym->st_size > data->d_size)
		return NULL;
	if (((const char *)data->d_buf)[sym->st_value + sym->st_size - 1] != '\0')
		return NULL;
	return (const char *)data->d_buf + sym->st_value;
}

static int apply_symbols(struct bpf_object *obj, Elf *elf, Elf_Scn *symtab,
			 struct bpfy_error *error)
{
	GElf_Shdr shdr;
	Elf_Data *data = elf_getdata(symtab, NULL);
	size_t count;

	if (!gelf_getshdr(symtab, &shdr) || !data || !shdr.sh_entsize)
		return 0;
	count = shdr.sh_size / shdr.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		const char *name, *path;
		struct bpf_map *map;
		GElf_Sym sym;
		int err;

		if (!gelf_getsym(data, i, &sym))
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name || strncmp(name, PIN_PREFIX, strlen(PIN_PREFIX)))
			continue;
		map = bpf_object__find_map_by_name(obj, name + strlen(PIN_PREFIX));
		path = symbol_string(elf, &sym);
		if (!map || !path)
			continue;
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return bpfy_error__set(error, BPFY_ERR_OS, err,
					       "map '%s': cannot pin at '%s': %s",
					       bpf_map__name(map), path, strerror(-err));
	}
	return 0;
}

int bpfy_pins__apply(struct bpf_object *obj, const void *image, size_t size,
		     struct bpfy_error *error)
{
	Elf_Scn *scn = NULL;
	Elf *elf;
	int err = 0;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, size);
	if (!elf)
		return bpfy_error__set(error, BPFY_ERR_OS, EINVAL, "cannot read the ELF: %s",
				       elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;

		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB) {
			err = apply_symbols(obj, elf, scn, error);
			break;
		}
	}
	elf_end(elf);
	return err;
}

/* After a failed load: a pinned map whose layout differs is the likely cause. */
bool bpfy_pins__explain_mismatch(struct bpf_object *obj, const char *captured,
				 struct bpfy_error *error)
{
	struct bpf_map *map;

	if (!captured || !strstr(captured, "couldn't reuse pinned map"))
		return false;
	bpf_object__for_each_map(map, obj) {
		const char *path = bpf_map__pin_path(map);

		if (path && strstr(captured, path)) {
			bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
					"map '%s': the map pinned at '%s' has another layout "
					"(type, key/value size, max_entries or flags); remove the "
					"pin or declare the same layout",
					bpf_map__name(map), path);
			return true;
		}
	}
	return false;
}
