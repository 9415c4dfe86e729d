/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of the bpfy runtime's public API (included by bpfy.h): kernel and
 * user symbols. Kernel symbols come from /proc/kallsyms, user symbols from
 * the ELF files a process maps (libelf: .symtab, else .dynsym).
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
void bpfy_ksyms__free(struct bpfy_ksyms *ksyms);

/* The symbol containing addr (the nearest one at or below it). 0 or -ENOENT. */
int bpfy_ksyms__find(const struct bpfy_ksyms *ksyms, uint64_t addr, struct bpfy_sym *out);
/* Address of the symbol named name (first match; "name" or "module:name"
 * not supported, plain names only). 0 or -ENOENT. */
int bpfy_ksyms__addr(const struct bpfy_ksyms *ksyms, const char *name, uint64_t *addr);

size_t bpfy_ksyms__count(const struct bpfy_ksyms *ksyms);
/* The index-th symbol in address order; type is kallsyms' letter (t, T, d...). */
const char *bpfy_ksyms__at(const struct bpfy_ksyms *ksyms, size_t index, char *type,
			   uint64_t *addr, const char **module);

/* --------------------------------------------------------------- ELF */

struct bpfy_elf_syms;

/* Function symbols of one ELF file (.symtab, and .dynsym). Owned by the
 * caller (bpfy_elf_syms__free); NULL with error filled. */
struct bpfy_elf_syms *bpfy_elf_syms__open(const char *path, struct bpfy_error *error);
void bpfy_elf_syms__free(struct bpfy_elf_syms *syms);

/* By name: fills out (addr = st_value). 0 or -ENOENT. */
int bpfy_elf_syms__by_name(const struct bpfy_elf_syms *syms, const char *name,
			   struct bpfy_sym *out);
/* The function containing vaddr. 0 or -ENOENT. */
int bpfy_elf_syms__by_addr(const struct bpfy_elf_syms *syms, uint64_t vaddr,
			   struct bpfy_sym *out);
size_t bpfy_elf_syms__count(const struct bpfy_elf_syms *syms);
const char *bpfy_elf_syms__at(const struct bpfy_elf_syms *syms, size_t index, uint64_t *vaddr);

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
