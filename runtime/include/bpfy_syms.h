/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of the bpfy runtime's public API (included by bpfy.h): kernel and
 * user symbols. Kernel symbols come from /proc/kallsyms, user symbols from
 * the ELF files a process maps (libelf: .symtab, else the .symtab of a
 * separate debug file, else .dynsym).
 */
#ifndef BPFY_SYMS_H
#define BPFY_SYMS_H

#include "bpfy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One resolved symbol. Strings are owned by the table that returned them and
 * stay valid until it is freed (or, for bpfy_usyms, refreshed). */
struct bpfy_sym {
	const char *name;
	const char *module;	/* kernel module ("" for vmlinux) or mapped file path */
	uint64_t addr;		/* start address of the symbol */
	uint64_t size;		/* 0 when unknown */
	uint64_t offset;	/* looked-up address minus addr */
};

/* ------------------------------------------------------------ kernel */

struct bpfy_ksyms;

/* Reads /proc/kallsyms. Owned by the caller (bpfy_ksyms__free); NULL with
 * error filled. With kptr_restrict every address reads 0: that gives
 * BPFY_ERR_OS/EPERM "kernel symbol addresses are hidden". */
struct bpfy_ksyms *bpfy_ksyms__load(struct bpfy_error *error);
/* Frees the table and its strings. Accepts NULL. */
void bpfy_ksyms__free(struct bpfy_ksyms *ksyms);

/* The symbol containing addr (the nearest one at or below it). 0 or -ENOENT. */
int bpfy_ksyms__find(const struct bpfy_ksyms *ksyms, uint64_t addr, struct bpfy_sym *out);
/* Address of the symbol named name (first match; "name" or "module:name"
 * not supported, plain names only). 0 or -ENOENT. */
int bpfy_ksyms__addr(const struct bpfy_ksyms *ksyms, const char *name, uint64_t *addr);

/* Symbols in the table; never fails. */
size_t bpfy_ksyms__count(const struct bpfy_ksyms *ksyms);
/* The index-th symbol in address order; type is kallsyms' letter (t, T, d...).
 * Name and module are owned by ksyms; NULL when index >= count. Any of
 * type, addr, module may be NULL. */
const char *bpfy_ksyms__at(const struct bpfy_ksyms *ksyms, size_t index, char *type,
			   uint64_t *addr, const char **module);

/* --------------------------------------------------------------- ELF */

struct bpfy_elf_syms;

/* Function symbols of one ELF file (.symtab, and .dynsym). Owned by the
 * caller (bpfy_elf_syms__free); NULL with error filled. */
struct bpfy_elf_syms *bpfy_elf_syms__open(const char *path, struct bpfy_error *error);
/* Frees the tables and their strings. Accepts NULL. */
void bpfy_elf_syms__free(struct bpfy_elf_syms *syms);

/* By name: fills out (addr = st_value). 0 or -ENOENT. */
int bpfy_elf_syms__by_name(const struct bpfy_elf_syms *syms, const char *name,
			   struct bpfy_sym *out);
/* The function containing vaddr. 0 or -ENOENT. */
int bpfy_elf_syms__by_addr(const struct bpfy_elf_syms *syms, uint64_t vaddr,
			   struct bpfy_sym *out);
/* Function symbols in address order: count never fails; at gives the
 * index-th name (owned by syms) and its vaddr (when not NULL), NULL when
 * index >= count. */
size_t bpfy_elf_syms__count(const struct bpfy_elf_syms *syms);
const char *bpfy_elf_syms__at(const struct bpfy_elf_syms *syms, size_t index, uint64_t *vaddr);

/* The separate debug file whose .symtab gave the symbols of a stripped
 * file, owned by syms; NULL when the file's own tables were used. */
const char *bpfy_elf_syms__debug_path(const struct bpfy_elf_syms *syms);

/*
 * The separate debug file of the ELF file path, found as gdb does: by the
 * GNU build-id note under ROOT/.build-id/xx/rest.debug, then by the
 * .gnu_debuglink name (CRC32 checked) next to the file, in its .debug/
 * directory and under ROOT/<the file's directory>/. The roots are
 * bpfy_syms__set_debug_dirs()'s, else $BPFY_DEBUG_DIRS, else /usr/lib/debug.
 * elf may be NULL or a libelf Elf * of path already open. Returns a heap
 * path (caller frees) or NULL with errno ENOENT.
 */
char *bpfy_elf__debug_file(const char *path, void *elf);

/* Colon-separated debug roots for bpfy_elf__debug_file (NULL: back to the
 * environment or the default). Symbol tables already read are not reread.
 * 0 or -ENOMEM. */
int bpfy_syms__set_debug_dirs(const char *dirs);

/* The GNU build-id of path as lowercase hex into out. 0, -ENOENT, -errno. */
int bpfy_elf__build_id(const char *path, char *out, size_t size);

/* The demangled form of a C++ (Itanium ABI, "_Z...") name, through
 * libstdc++'s abi::__cxa_demangle loaded at run time. A heap string (caller
 * frees), or NULL with errno EINVAL (not a mangled name), ENOSYS (no
 * libstdc++), ENOMEM. */
char *bpfy_demangle(const char *name);

/* Virtual address <-> file offset through the PT_LOAD program headers
 * (what uprobes need). 0 or -ENOENT when no segment holds it. */
int bpfy_elf_syms__vaddr_to_offset(const struct bpfy_elf_syms *syms, uint64_t vaddr,
				   uint64_t *offset);
int bpfy_elf_syms__offset_to_vaddr(const struct bpfy_elf_syms *syms, uint64_t offset,
				   uint64_t *vaddr);

/* ------------------------------------------------------------ processes */

struct bpfy_usyms;

/* Symbolizer of process pid: reads /proc/<pid>/maps lazily, keeps the ELF
 * tables of the files it has seen, and rereads the maps when an address is
 * in no known mapping or the process exec'ed (its exe changed). Owned by
 * the caller (bpfy_usyms__free). NULL with errno ENOMEM. */
struct bpfy_usyms *bpfy_usyms__new(int pid);
/* Frees the symbolizer and the ELF tables it keeps. Accepts NULL. */
void bpfy_usyms__free(struct bpfy_usyms *usyms);

/*
 * The symbol containing addr in the process. 0, -ENOENT when no mapping or
 * no symbol holds it (out->module is still filled when a mapping did), or
 * -ESRCH when the process is gone.
 */
int bpfy_usyms__find(struct bpfy_usyms *usyms, uint64_t addr, struct bpfy_sym *out);

#ifdef __cplusplus
}
#endif

#endif /* BPFY_SYMS_H */
