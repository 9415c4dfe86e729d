/* Kernel symbols from /proc/kallsyms, sorted by address for lookups. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfy.h"

struct ksym {
	uint64_t addr;
	char type;
	const char *name;	/* in the pool */
	const char *module;	/* in the pool, "" for vmlinux */
};

struct bpfy_ksyms {
	struct ksym *syms;
	size_t count;
	char **pools;		/* one per chunk of names */
	size_t pool_count;
	char *pool_cursor;
	size_t pool_left;
};

#define POOL_CHUNK (1 << 20)

static const char *intern(struct bpfy_ksyms *ks, const char *text, size_t len)
{
	char *dst, **pools;

	if (len + 1 > ks->pool_left) {
		pools = realloc(ks->pools, (ks->pool_count + 1) * sizeof(*pools));
		if (!pools)
			return NULL;
		ks->pools = pools;
		ks->pool_left = len + 1 > POOL_CHUNK ? len + 1 : POOL_CHUNK;
		ks->pool_cursor = malloc(ks->pool_left);
		if (!ks->pool_cursor)
			return NULL;
		ks->pools[ks->pool_count++] = ks->pool_cursor;
	}
	dst = ks->pool_cursor;
	memcpy(dst, text, len);
	dst[len] = '\0';
	ks->pool_cursor += len + 1;
	ks->pool_left -= len + 1;
	return dst;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* "ffffffff81000000 T _stext" or "... t name\t[module]" */
static int add_line(struct bpfy_ksyms *ks, char *line, size_t *room)
{
	unsigned long long addr;
	char type, *name, *module, *end;
	int used = 0;

	if (sscanf(line, "%llx %c %n", &addr, &type, &used) < 2 || !used)
		return 0;
	name = line + used;
	name[strcspn(name, "\n")] = '\0';
	module = strchr(name, '\t');
	if (module) {
		*module++ = '\0';
		if (*module == '[')
			module++;
		end = strchr(module, ']');
		if (end)
			*end = '\0';
	}
	if (ks->count == *room) {
		struct ksym *grown;

		*room = *room ? *room * 2 : 65536;
		grown = realloc(ks->syms, *room * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ks->syms = grown;
	}
	ks->syms[ks->count].addr = addr;
	ks->syms[ks->count].type = type;
	ks->syms[ks->count].name = intern(ks, name, strlen(name));
	ks->syms[ks->count].module = module ? intern(ks, module, strlen(module)) : "";
	if (!ks->syms[ks->count].name || !ks->syms[ks->count].module)
		return -ENOMEM;
	ks->count++;
	return 0;
}

struct bpfy_ksyms *bpfy_ksyms__load(struct bpfy_error *error)
{
	struct bpfy_ksyms *ks = calloc(1, sizeof(*ks));
	FILE *file = NULL;
	char *line = NULL;
	size_t line_size = 0, room = 0;
	bool any_address = false;
	int err = -ENOMEM;

	if (!ks)
		goto err_out;
	file = fopen("/proc/kallsyms", "re");
	if (!file) {
		err = -errno;
		goto err_out;
	}
	while (getline(&line, &line_size, file) > 0) {
		err = add_line(ks, line, &room);
		if (err)
			goto err_out;
		if (ks->count && ks->syms[ks->count - 1].addr)
			any_address = true;
	}
	if (!any_address) {
		err = -EPERM;
		goto err_out;
	}
	qsort(ks->syms, ks->count, sizeof(*ks->syms), by_addr);
	free(line);
	fclose(file);
	return ks;

err_out:
	if (err == -EPERM)
		bpfy_error__set(error, BPFY_ERR_OS, EPERM,
				"kernel symbol addresses are hidden (/proc/kallsyms shows zeros; "
				"see kernel.kptr_restrict)");
	else
		bpfy_error__set(error, BPFY_ERR_OS, -err, "reading /proc/kallsyms: %s",
				strerror(-err));
	free(line);
	if (file)
		fclose(file);
	bpfy_ksyms__free(ks);
	errno = -err;
	return NULL;
}

void bpfy_ksyms__free(struct bpfy_ksyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->pool_count; i++)
		free(ks->pools[i]);
	free(ks->pools);
	free(ks->syms);
	free(ks);
}

int bpfy_ksyms__find(const struct bpfy_ksyms *ks, uint64_t addr, struct bpfy_sym *out)
{
	size_t lo = 0, hi = ks->count;

	/* the last symbol with sym.addr <= addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !addr)
		return -ENOENT;
	out->name = ks->syms[lo - 1].name;
	out->module = ks->syms[lo - 1].module;
	out->addr = ks->syms[lo - 1].addr;
	out->size = lo < ks->count ? ks->syms[lo].addr - out->addr : 0;
	out->offset = addr - out->addr;
	return 0;
}

int bpfy_ksyms__addr(const struct bpfy_ksyms *ks, const char *name, uint64_t *addr)
{
	for (size_t i = 0; i < ks->count; i++) {
		if (!strcmp(ks->syms[i].name, name)) {
			*addr = ks->syms[i].addr;
			return 0;
		}
	}
	return -ENOENT;
}

size_t bpfy_ksyms__count(const struct bpfy_ksyms *ks)
{
	return ks->count;
}

const char *bpfy_ksyms__at(const struct bpfy_ksyms *ks, size_t index, char *type,
			   uint64_t *addr, const char **module)
{
	if (index >= ks->count)
		return NULL;
	if (type)
		*type = ks->syms[index].type;
	if (addr)
		*addr = ks->syms[index].addr;
	if (module)
		*module = ks->syms[index].module;
	return ks->syms[index].name;
}
