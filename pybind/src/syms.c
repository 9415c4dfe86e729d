/*
 * Symbol lookups as static methods of the BPF type (bcc has BPF.ksym,
 * BPF.sym, ...; pybind/bpfy/syms.py wraps these). The kernel table and the
 * per-process symbolizers are process-wide caches guarded by the GIL.
 */
#include <errno.h>

#include "bpf_attach.h"

static struct bpfy_ksyms *kernel_syms;

#define USYMS_SLOTS 16
static struct {
	int pid;
	struct bpfy_usyms *usyms;
	unsigned long used;	/* last use, for eviction */
} usyms_cache[USYMS_SLOTS];
static unsigned long usyms_clock;

static struct bpfy_ksyms *ksyms(void)
{
	struct bpfy_error error = {};

	if (kernel_syms)
		return kernel_syms;
	Py_BEGIN_ALLOW_THREADS
	kernel_syms = bpfy_ksyms__load(&error);
	Py_END_ALLOW_THREADS
	if (!kernel_syms)
		bpfy_attach_raise_static(&error);
	return kernel_syms;
}

PyObject *bpfy_syms_ksym(BPFObject *self, PyObject *args)
{
	unsigned long long addr;
	struct bpfy_sym sym;

	if (!PyArg_ParseTuple(args, "K:_ksym", &addr) || !ksyms())
		return NULL;
	if (bpfy_ksyms__find(kernel_syms, addr, &sym))
		Py_RETURN_NONE;
	return Py_BuildValue("(ssK)", sym.name, sym.module, (unsigned long long)sym.offset);
}

PyObject *bpfy_syms_ksymname(BPFObject *self, PyObject *args)
{
	const char *name;
	uint64_t addr;

	if (!PyArg_ParseTuple(args, "s:_ksymname", &name) || !ksyms())
		return NULL;
	if (bpfy_ksyms__addr(kernel_syms, name, &addr))
		return PyLong_FromLong(-1);
	return PyLong_FromUnsignedLongLong(addr);
}

PyObject *bpfy_syms_ksym_names(BPFObject *self, PyObject *args)
{
	const char *types, *name;
	PyObject *list, *item;
	int with_addr = 0;
	uint64_t addr;
	char type;

	if (!PyArg_ParseTuple(args, "s|p:_ksym_names", &types, &with_addr) || !ksyms())
		return NULL;
	list = PyList_New(0);
	for (size_t i = 0; list && i < bpfy_ksyms__count(kernel_syms); i++) {
		name = bpfy_ksyms__at(kernel_syms, i, &type, &addr, NULL);
		if (!strchr(types, type))
			continue;
		item = with_addr ? Py_BuildValue("(sK)", name, (unsigned long long)addr) :
				   PyUnicode_FromString(name);
		if (!item || PyList_Append(list, item))
			Py_CLEAR(list);
		Py_XDECREF(item);
	}
	return list;
}

static struct bpfy_usyms *usyms_for(int pid)
{
	size_t victim = 0;

	for (size_t i = 0; i < USYMS_SLOTS; i++) {
		if (usyms_cache[i].usyms && usyms_cache[i].pid == pid) {
			usyms_cache[i].used = ++usyms_clock;
			return usyms_cache[i].usyms;
		}
		if (usyms_cache[i].used < usyms_cache[victim].used)
			victim = i;
	}
	bpfy_usyms__free(usyms_cache[victim].usyms);
	usyms_cache[victim].usyms = bpfy_usyms__new(pid);
	if (!usyms_cache[victim].usyms) {
		PyErr_NoMemory();
		return NULL;
	}
	usyms_cache[victim].pid = pid;
	usyms_cache[victim].used = ++usyms_clock;
	return usyms_cache[victim].usyms;
}

PyObject *bpfy_syms_usym(BPFObject *self, PyObject *args)
{
	unsigned long long addr;
	struct bpfy_usyms *usyms;
	struct bpfy_sym sym;
	int pid, err;

	if (!PyArg_ParseTuple(args, "iK:_usym", &pid, &addr) || !(usyms = usyms_for(pid)))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	err = bpfy_usyms__find(usyms, addr, &sym);
	Py_END_ALLOW_THREADS
	if (err == -ESRCH || err == -ENOMEM) {
		struct bpfy_error error = {};

		bpfy_error__set(&error, BPFY_ERR_OS, -err, "symbolizing 0x%llx in pid %d: %s", addr,
				pid, err == -ESRCH ? "no such process" : "out of memory");
		return bpfy_attach_raise_static(&error);
	}
	return Py_BuildValue("(zzK)", err ? NULL : sym.name,
			     sym.module && sym.module[0] ? sym.module : NULL,
			     err ? 0ULL : (unsigned long long)sym.offset);
}

static struct bpfy_elf_syms *open_elf(const char *path)
{
	struct bpfy_error error = {};
	struct bpfy_elf_syms *syms;

	Py_BEGIN_ALLOW_THREADS
	syms = bpfy_elf_syms__open(path, &error);
	Py_END_ALLOW_THREADS
	if (!syms)
		bpfy_attach_raise_static(&error);
	return syms;
}

PyObject *bpfy_syms_elf_symbol(BPFObject *self, PyObject *args)
{
	const char *path, *name;
	struct bpfy_elf_syms *syms;
	struct bpfy_sym sym;
	uint64_t offset;
	PyObject *ret = NULL;

	if (!PyArg_ParseTuple(args, "ss:_elf_symbol", &path, &name) || !(syms = open_elf(path)))
		return NULL;
	if (bpfy_elf_syms__by_name(syms, name, &sym)) {
		struct bpfy_error error = {};

		bpfy_error__set(&error, BPFY_ERR_USAGE, ENOENT, "no function symbol '%s' in '%s'",
				name, path);
		bpfy_attach_raise_static(&error);
		goto out;
	}
	if (bpfy_elf_syms__vaddr_to_offset(syms, sym.addr, &offset))
		offset = sym.addr;
	ret = Py_BuildValue("(KKK)", (unsigned long long)sym.addr, (unsigned long long)sym.size,
			    (unsigned long long)offset);
out:
	bpfy_elf_syms__free(syms);
	return ret;
}

PyObject *bpfy_syms_elf_symbols(BPFObject *self, PyObject *args)
{
	struct bpfy_elf_syms *syms;
	const char *path, *name;
	uint64_t vaddr, offset;
	PyObject *list, *item;

	if (!PyArg_ParseTuple(args, "s:_elf_symbols", &path) || !(syms = open_elf(path)))
		return NULL;
	list = PyList_New(0);
	for (size_t i = 0; list && i < bpfy_elf_syms__count(syms); i++) {
		name = bpfy_elf_syms__at(syms, i, &vaddr);
		if (bpfy_elf_syms__vaddr_to_offset(syms, vaddr, &offset))
			offset = vaddr;
		item = Py_BuildValue("(sKK)", name, (unsigned long long)vaddr,
				     (unsigned long long)offset);
		if (!item || PyList_Append(list, item))
			Py_CLEAR(list);
		Py_XDECREF(item);
	}
	bpfy_elf_syms__free(syms);
	return list;
}

PyObject *bpfy_syms_demangle(BPFObject *self, PyObject *args)
{
	const char *name;
	PyObject *ret;
	char *out;

	if (!PyArg_ParseTuple(args, "s:_demangle", &name))
		return NULL;
	out = bpfy_demangle(name);
	if (!out) {
		if (errno == ENOMEM)
			return PyErr_NoMemory();
		Py_RETURN_NONE;
	}
	ret = PyUnicode_DecodeUTF8(out, strlen(out), "replace");
	free(out);
	return ret;
}

PyObject *bpfy_syms_set_debug_dirs(BPFObject *self, PyObject *args)
{
	const char *dirs;

	if (!PyArg_ParseTuple(args, "z:_set_debug_dirs", &dirs))
		return NULL;
	if (bpfy_syms__set_debug_dirs(dirs))
		return PyErr_NoMemory();
	/* symbol tables read under the old roots are stale: forget them */
	for (size_t i = 0; i < USYMS_SLOTS; i++) {
		bpfy_usyms__free(usyms_cache[i].usyms);
		usyms_cache[i].usyms = NULL;
		usyms_cache[i].used = 0;
	}
	Py_RETURN_NONE;
}

PyObject *bpfy_syms_debug_file(BPFObject *self, PyObject *args)
{
	const char *path;
	PyObject *ret;
	char *found;

	if (!PyArg_ParseTuple(args, "s:_debug_file", &path))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	found = bpfy_elf__debug_file(path, NULL);
	Py_END_ALLOW_THREADS
	if (!found)
		Py_RETURN_NONE;
	ret = PyUnicode_DecodeFSDefault(found);
	free(found);
	return ret;
}

PyObject *bpfy_syms_build_id(BPFObject *self, PyObject *args)
{
	const char *path;
	char hex[2 * 64 + 1];
	int err;

	if (!PyArg_ParseTuple(args, "s:_build_id", &path))
		return NULL;
	err = bpfy_elf__build_id(path, hex, sizeof(hex));
	if (err == -ENOENT)
		Py_RETURN_NONE;
	if (err) {
		struct bpfy_error error = {};

		bpfy_error__set(&error, BPFY_ERR_OS, -err, "reading the build-id of '%s': %s", path,
				strerror(-err));
		return bpfy_attach_raise_static(&error);
	}
	return PyUnicode_FromString(hex);
}
