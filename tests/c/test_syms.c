/* Symbols in the runtime: kallsyms, one ELF file, and this process. */
#include <unistd.h>

#include "bpfy.h"
#include "testutil.h"

__attribute__((noinline)) int test_syms_marker(int x)
{
	return x * 7 + 1;
}

static void kernel_symbols(void)
{
	struct bpfy_error error = {};
	struct bpfy_ksyms *ks = bpfy_ksyms__load(&error);
	struct bpfy_sym sym;
	uint64_t addr = 0;

	CHECK(ks, "%s", error.message);
	if (!ks)
		return;
	CHECK(bpfy_ksyms__count(ks) > 1000, "%zu symbols", bpfy_ksyms__count(ks));
	CHECK(!bpfy_ksyms__addr(ks, "do_sys_openat2", &addr) && addr, "no do_sys_openat2");
	CHECK(!bpfy_ksyms__find(ks, addr + 2, &sym), "no symbol at its address");
	CHECK(!strcmp(sym.name, "do_sys_openat2") && sym.offset == 2 && !*sym.module,
	      "%s+%llu [%s]", sym.name, (unsigned long long)sym.offset, sym.module);
	CHECK(bpfy_ksyms__addr(ks, "no_such_symbol_xyz", &addr) == -ENOENT, "found a ghost");
	CHECK(bpfy_ksyms__find(ks, 0, &sym) == -ENOENT, "address 0 resolved");
	bpfy_ksyms__free(ks);
	bpfy_ksyms__free(NULL);
}

static void elf_symbols(void)
{
	struct bpfy_error error = {};
	struct bpfy_elf_syms *syms = bpfy_elf_syms__open("/proc/self/exe", &error);
	struct bpfy_sym sym, back;
	uint64_t offset, vaddr;

	CHECK(syms, "%s", error.message);
	if (!syms)
		return;
	CHECK(!bpfy_elf_syms__by_name(syms, "test_syms_marker", &sym), "marker not found");
	CHECK(sym.size > 0, "unsized marker");
	CHECK(!bpfy_elf_syms__by_addr(syms, sym.addr + 1, &back) &&
	      !strcmp(back.name, "test_syms_marker") && back.offset == 1, "by_addr");
	CHECK(!bpfy_elf_syms__vaddr_to_offset(syms, sym.addr, &offset), "no segment");
	CHECK(!bpfy_elf_syms__offset_to_vaddr(syms, offset, &vaddr) && vaddr == sym.addr,
	      "round trip 0x%llx", (unsigned long long)vaddr);
	CHECK(bpfy_elf_syms__by_name(syms, "no_such_fn", &sym) == -ENOENT, "ghost");
	bpfy_elf_syms__free(syms);

	CHECK(!bpfy_elf_syms__open("/no/such/file", &error) && error.code == ENOENT, "open");
	CHECK(!bpfy_elf_syms__open("/proc/self/status", &error) && error.code == ENOEXEC,
	      "not an ELF: %s", error.message);
	bpfy_error__clear(&error);
}

static void this_process(void)
{
	struct bpfy_usyms *usyms = bpfy_usyms__new(getpid());
	struct bpfy_sym sym;
	int err;

	CHECK(usyms, "no memory");
	if (!usyms)
		return;
	err = bpfy_usyms__find(usyms, (uint64_t)(uintptr_t)test_syms_marker + 3, &sym);
	CHECK(!err && !strcmp(sym.name, "test_syms_marker") && sym.offset == 3, "err %d", err);
	err = bpfy_usyms__find(usyms, (uint64_t)(uintptr_t)getpid, &sym);
	CHECK(!err && strstr(sym.module, "libc"), "getpid: err %d", err);
	CHECK(bpfy_usyms__find(usyms, 8, &sym) == -ENOENT, "address 8 resolved");
	bpfy_usyms__free(usyms);

	usyms = bpfy_usyms__new(0x3fffffff);
	CHECK(bpfy_usyms__find(usyms, 0x1000, &sym) == -ESRCH, "no such pid");
	bpfy_usyms__free(usyms);
}

static void online_cpus(void)
{
	int cpus[1024], count = bpfy_online_cpus(cpus, 1024);

	CHECK(count >= 1 && count <= bpfy_num_possible_cpus(), "%d online", count);
	CHECK(bpfy_online_cpus(NULL, 0) == count, "count without room");
}

int main(void)
{
	RUN(kernel_symbols);
	RUN(elf_symbols);
	RUN(this_process);
	RUN(online_cpus);
	return TESTUTIL_EXIT();
}
