/* Function symbols of one ELF file through libelf, and its PT_LOAD layout. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfy.h"

struct elf_sym {
	uint64_t addr;
	uint64_t size;
	char *name;
};

struct segment {
	uint64_t vaddr, offset, filesz;
};

struct bpfy_elf_syms {
	char *path;
	char *debug_path;		/* separate debug file the symbols came from, or NULL */
	struct elf_sym *by_addr;	/* sorted by addr */
	size_t count;
	struct segment *segments;
	size_t segment_count;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* same address: prefer the sized, then the shorter (un-versioned) name */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strlen(x->name) < strlen(y->name) ? -1 : strlen(x->name) > strlen(y->name);
}

static int add_symbols(struct bpfy_elf_syms *syms, Elf *elf, Elf_Scn *scn, size_t *room)
{
	GElf_Shdr shdr;
	Elf_Data *data;
	GElf_Sym sym;
	size_t n;

	if (!gelf_getshdr(scn, &shdr) || !(data = elf_getdata(scn, NULL)) || !shdr.sh_entsize)
		return 0;
	n = shdr.sh_size / shdr.sh_entsize;
	for (size_t i = 0; i < n; i++) {
		const char *name;
		int type;

		if (!gelf_getsym(data, i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !sym.st_value ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (syms->count == *room) {
			struct elf_sym *grown;

			*room = *room ? *room * 2 : 256;
			grown = realloc(syms->by_addr, *room * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			syms->by_addr = grown;
		}
		syms->by_addr[syms->count].addr = sym.st_value;
		syms->by_addr[syms->count].size = sym.st_size;
		syms->by_addr[syms->count].name = strdup(name);
		if (!syms->by_addr[syms->count].name)
			return -ENOMEM;
		syms->count++;
	}
	return 0;
}

static int read_segments(struct bpfy_elf_syms *syms, Elf *elf)
{
	size_t count;
	GElf_Phdr phdr;

	if (elf_getphdrnum(elf, &count))
		return -EINVAL;
	syms->segments = calloc(count ? count : 1, sizeof(*syms->segments));
	if (!syms->segments)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		syms->segments[syms->segment_count].vaddr = phdr.p_vaddr;
		syms->segments[syms->segment_count].offset = phdr.p_offset;
		syms->segments[syms->segment_count].filesz = phdr.p_filesz;
		syms->segment_count++;
	}
	return 0;
}

/* Adds the symbols of every section of type `type` (SHT_SYMTAB/SHT_DYNSYM). */
static int add_tables(struct bpfy_elf_syms *syms, Elf *elf, uint32_t type, size_t *room)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	int err;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != type)
			continue;
		err = add_symbols(syms, elf, scn, room);
		if (err)
			return err;
	}
	return 0;
}

static bool has_section(Elf *elf, uint32_t type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type)
			return true;
	return false;
}

/*
 * A stripped file's .symtab from its separate debug file (build-id or
 * .gnu_debuglink, see bpfy_elf__debug_file): 1 when used, 0 when there is
 * none, -ENOMEM.
 */
static int add_debug_symbols(struct bpfy_elf_syms *syms, Elf *elf, size_t *room)
{
	char *debug = bpfy_elf__debug_file(syms->path, elf);
	Elf *debug_elf;
	int fd, err = 0;

	if (!debug)
		return 0;
	fd = open(debug, O_RDONLY | O_CLOEXEC);
	debug_elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	if (debug_elf && elf_kind(debug_elf) == ELF_K_ELF && has_section(debug_elf, SHT_SYMTAB)) {
		err = add_tables(syms, debug_elf, SHT_SYMTAB, room);
		if (!err) {
			syms->debug_path = debug;
			debug = NULL;
			err = 1;
		}
	}
	elf_end(debug_elf);
	if (fd >= 0)
		close(fd);
	free(debug);
	return err;
}

struct bpfy_elf_syms *bpfy_elf_syms__open(const char *path, struct bpfy_error *error)
{
	struct bpfy_elf_syms *syms = calloc(1, sizeof(*syms));
	Elf *elf = NULL;
	size_t room = 0;
	int fd = -1, err = -ENOMEM;

	if (!syms || !(syms->path = strdup(path)))
		goto err_out;
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		bpfy_error__set(error, BPFY_ERR_OS, -err, "cannot open '%s': %s", path,
				strerror(-err));
		goto err_out;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		bpfy_error__set(error, BPFY_ERR_USAGE, ENOEXEC, "'%s' is not an ELF file", path);
		goto err_out;
	}
	/* .symtab is a superset of .dynsym when present; a stripped file's comes
	 * from its debug file; else .dynsym alone */
	if (has_section(elf, SHT_SYMTAB))
		err = add_tables(syms, elf, SHT_SYMTAB, &room);
	else if ((err = add_debug_symbols(syms, elf, &room)) == 0)
		err = add_tables(syms, elf, SHT_DYNSYM, &room);
	if (err < 0)
		goto err_nomem;
	err = read_segments(syms, elf);
	if (err)
		goto err_nomem;
	if (syms->count)	/* qsort(NULL, 0, ...) is undefined */
		qsort(syms->by_addr, syms->count, sizeof(*syms->by_addr), cmp_addr);
	elf_end(elf);
	close(fd);
	return syms;

err_nomem:
	bpfy_error__set(error, BPFY_ERR_OS, -err, "reading symbols of '%s': %s", path,
			strerror(-err));
err_out:
	if (err == -ENOMEM && !syms)
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	bpfy_elf_syms__free(syms);
	errno = -err;
	return NULL;
}

const char *bpfy_elf_syms__debug_path(const struct bpfy_elf_syms *syms)
{
	return syms->debug_path;
}

void bpfy_elf_syms__free(struct bpfy_elf_syms *syms)
{
	if (!syms)
		return;
	for (size_t i = 0; i < syms->count; i++)
		free(syms->by_addr[i].name);
	free(syms->by_addr);
	free(syms->segments);
	free(syms->debug_path);
	free(syms->path);
	free(syms);
}

static void fill(const struct bpfy_elf_syms *syms, const struct elf_sym *sym, uint64_t at,
		 struct bpfy_sym *out)
{
	out->name = sym->name;
	out->module = syms->path;
	out->addr = sym->addr;
	out->size = sym->size;
	out->offset = at - sym->addr;
}

int bpfy_elf_syms__by_name(const struct bpfy_elf_syms *syms, const char *name,
			   struct bpfy_sym *out)
{
	for (size_t i = 0; i < syms->count; i++) {
		if (!strcmp(syms->by_addr[i].name, name)) {
			fill(syms, &syms->by_addr[i], syms->by_addr[i].addr, out);
			return 0;
		}
	}
	return -ENOENT;
}

int bpfy_elf_syms__by_addr(const struct bpfy_elf_syms *syms, uint64_t vaddr,
			   struct bpfy_sym *out)
{
	size_t lo = 0, hi = syms->count;
	const struct elf_sym *sym;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms->by_addr[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -ENOENT;
	/* among aliases at one address, the first sorts as the preferred name */
	while (lo > 1 && syms->by_addr[lo - 2].addr == syms->by_addr[lo - 1].addr)
		lo--;
	sym = &syms->by_addr[lo - 1];
	/* sized symbols must contain vaddr; unsized ones extend to the next */
	if (sym->size && vaddr >= sym->addr + sym->size)
		return -ENOENT;
	fill(syms, sym, vaddr, out);
	return 0;
}

size_t bpfy_elf_syms__count(const struct bpfy_elf_syms *syms)
{
	return syms->count;
}

const char *bpfy_elf_syms__at(const struct bpfy_elf_syms *syms, size_t index, uint64_t *vaddr)
{
	if (index >= syms->count)
		return NULL;
	if (vaddr)
		*vaddr = syms->by_addr[index].addr;
	return syms->by_addr[index].name;
}

int bpfy_elf_syms__vaddr_to_offset(const struct bpfy_elf_syms *syms, uint64_t vaddr,
				   uint64_t *offset)
{
	for (size_t i = 0; i < syms->segment_count; i++) {
		const struct segment *seg = &syms->segments[i];

		if (vaddr >= seg->vaddr && vaddr < seg->vaddr + seg->filesz) {
			*offset = vaddr - seg->vaddr + seg->offset;
			return 0;
		}
	}
	return -ENOENT;
}

int bpfy_elf_syms__offset_to_vaddr(const struct bpfy_elf_syms *syms, uint64_t offset,
				   uint64_t *vaddr)
{
	for (size_t i = 0; i < syms->segment_count; i++) {
		const struct segment *seg = &syms->segments[i];

		if (offset >= seg->offset && offset < seg->offset + seg->filesz) {
			*vaddr = offset - seg->offset + seg->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}
