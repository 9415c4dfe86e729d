/*
 * libFuzzer target: the ELF symbol reader (runtime/syms_elf.c) on arbitrary
 * files, then every query the uprobe and stack paths make of it. The input
 * is handed over as a memfd opened by its /proc path, as a mapped file
 * would be.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpfy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfy_error error = { 0 };
	struct bpfy_elf_syms *syms;
	struct bpfy_sym sym;
	char path[64];
	uint64_t vaddr, off;
	size_t i, n;
	int fd;

	fd = memfd_create("fuzz_syms", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	syms = bpfy_elf_syms__open(path, &error);
	if (syms) {
		n = bpfy_elf_syms__count(syms);
		for (i = 0; i < n && i < 64; i++) {
			const char *name = bpfy_elf_syms__at(syms, i, &vaddr);

			if (!name)
				abort();
			if (bpfy_elf_syms__by_name(syms, name, &sym) == 0 && !sym.name)
				abort();
			if (bpfy_elf_syms__by_addr(syms, vaddr, &sym) == 0 && sym.offset > vaddr)
				abort();
			if (bpfy_elf_syms__vaddr_to_offset(syms, vaddr, &off) == 0)
				bpfy_elf_syms__offset_to_vaddr(syms, off, &vaddr);
		}
		bpfy_elf_syms__by_name(syms, "main", &sym);
		bpfy_elf_syms__by_addr(syms, 0, &sym);
		bpfy_elf_syms__by_addr(syms, UINT64_MAX, &sym);
		bpfy_elf_syms__free(syms);
	} else if (!error.message[0]) {
		abort();
	}
	bpfy_error__clear(&error);
	close(fd);
	return 0;
}
