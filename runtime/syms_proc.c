/* User symbols of a process: its mappings from /proc/<pid>/maps, each file's
 * ELF symbols (cached per path), reread when the process exec'ed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfy.h"

struct mapping {
	uint64_t start, end, pgoff;
	char *path;		/* "/usr/lib/...", "[vdso]", "" for anonymous */
};

struct elf_entry {
	char *path;
	struct bpfy_elf_syms *syms;	/* NULL: not an ELF we can read */
};

struct bpfy_usyms {
	int pid;
	dev_t exe_dev;
	ino_t exe_ino;
	struct mapping *maps;
	size_t map_count;
	struct elf_entry *elves;
	size_t elf_count;
};

struct bpfy_usyms *bpfy_usyms__new(int pid)
{
	struct bpfy_usyms *usyms = calloc(1, sizeof(*usyms));

	if (!usyms) {
		errno = ENOMEM;
		return NULL;
	}
	usyms->pid = pid;
	return usyms;
}

static void drop_maps(struct bpfy_usyms *usyms)
{
	for (size_t i = 0; i < usyms->map_count; i++)
		free(usyms->maps[i].path);
	free(usyms->maps);
	usyms->maps = NULL;
	usyms->map_count = 0;
}

static void drop_elves(struct bpfy_usyms *usyms)
{
	for (size_t i = 0; i < usyms->elf_count; i++) {
		free(usyms->elves[i].path);
		bpfy_elf_syms__free(usyms->elves[i].syms);
	}
	free(usyms->elves);
	usyms->elves = NULL;
	usyms->elf_count = 0;
}

void bpfy_usyms__free(struct bpfy_usyms *usyms)
{
	if (!usyms)
		return;
	drop_maps(usyms);
	drop_elves(usyms);
	free(usyms);
}

static int add_mapping(struct bpfy_usyms *usyms, const char *line, size_t *room)
{
	unsigned long long start, end, pgoff;
	int path_at = 0;
	const char *path;

	if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &pgoff, &path_at) < 3)
		return 0;
	path = path_at ? line + path_at : "";
	if (usyms->map_count == *room) {
		struct mapping *grown;

		*room = *room ? *room * 2 : 64;
		grown = realloc(usyms->maps, *room * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		usyms->maps = grown;
	}
	usyms->maps[usyms->map_count] = (struct mapping){ start, end, pgoff, strdup(path) };
	if (!usyms->maps[usyms->map_count].path)
		return -ENOMEM;
	usyms->maps[usyms->map_count].path[strcspn(path, "\n")] = '\0';
	usyms->map_count++;
	return 0;
}

static int read_maps(struct bpfy_usyms *usyms)
{
	char path[64], *line = NULL;
	size_t line_size = 0, room = 0;
	FILE *file;
	int err = 0;

	drop_maps(usyms);
	snprintf(path, sizeof(path), "/proc/%d/maps", usyms->pid);
	file = fopen(path, "re");
	if (!file)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && getline(&line, &line_size, file) > 0)
		err = add_mapping(usyms, line, &room);
	free(line);
	fclose(file);
	return err;
}

/* Drops everything when /proc/<pid>/exe is another file than last time. */
static int check_exec(struct bpfy_usyms *usyms)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", usyms->pid);
	if (stat(path, &st))
		return errno == ENOENT ? -ESRCH : 0; /* kernel threads have no exe */
	if (st.st_dev != usyms->exe_dev || st.st_ino != usyms->exe_ino) {
		drop_maps(usyms);
		drop_elves(usyms);
		usyms->exe_dev = st.st_dev;
		usyms->exe_ino = st.st_ino;
	}
	return 0;
}

static const struct mapping *find_mapping(const struct bpfy_usyms *usyms, uint64_t addr)
{
	for (size_t i = 0; i < usyms->map_count; i++)
		if (addr >= usyms->maps[i].start && addr < usyms->maps[i].end)
			return &usyms->maps[i];
	return NULL;
}

/* The ELF symbols of a mapped file, seen through the process's root. */
static struct bpfy_elf_syms *elf_of(struct bpfy_usyms *usyms, const char *path)
{
	struct elf_entry *grown;
	char full[4200];
	struct bpfy_error ignored = {};

	for (size_t i = 0; i < usyms->elf_count; i++)
		if (!strcmp(usyms->elves[i].path, path))
			return usyms->elves[i].syms;
	grown = realloc(usyms->elves, (usyms->elf_count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	usyms->elves = grown;
	snprintf(full, sizeof(full), "/proc/%d/root%s", usyms->pid, path);
	grown[usyms->elf_count].syms = bpfy_elf_syms__open(full, &ignored);
	if (!grown[usyms->elf_count].syms)
		grown[usyms->elf_count].syms = bpfy_elf_syms__open(path, &ignored);
	bpfy_error__clear(&ignored);
	grown[usyms->elf_count].path = strdup(path);
	if (!grown[usyms->elf_count].path) {
		bpfy_elf_syms__free(grown[usyms->elf_count].syms);
		return NULL;
	}
	return grown[usyms->elf_count++].syms;
}

int bpfy_usyms__find(struct bpfy_usyms *usyms, uint64_t addr, struct bpfy_sym *out)
{
	const struct mapping *map;
	struct bpfy_elf_syms *syms;
	uint64_t vaddr;
	int err;

	memset(out, 0, sizeof(*out));
	err = check_exec(usyms);
	if (err)
		return err;
	map = find_mapping(usyms, addr);
	if (!map) {
		err = read_maps(usyms);
		if (err)
			return err;
		map = find_mapping(usyms, addr);
		if (!map)
			return -ENOENT;
	}
	out->module = map->path;
	if (map->path[0] != '/')
		return -ENOENT;
	syms = elf_of(usyms, map->path);
	if (!syms || bpfy_elf_syms__offset_to_vaddr(syms, addr - map->start + map->pgoff, &vaddr))
		return -ENOENT;
	err = bpfy_elf_syms__by_addr(syms, vaddr, out);
	out->module = map->path;
	return err;
}
