/*
 * BPF type methods of one area (attach); see BPF_method_groups in
 * bpf_object.c. The methods are private (underscored) primitives with plain
 * arguments; pybind/bpfy/attach.py gives them bcc's signatures.
 */
#include <errno.h>

#include "bpf_attach.h"

static bpfy_state *state_of(BPFObject *self)
{
	return bpfy_state_from_type(Py_TYPE(self));
}

struct bpfy_prog *bpfy_attach_prepare(BPFObject *self, const char *kind, const char *target,
				      const char *fn_name)
{
	int attached;

	if (bpfy_bpf_check_open(self))
		return NULL;
	attached = bpfy_bpf_has_link(self, kind, target, fn_name);
	if (attached < 0)
		return NULL;
	if (attached) {
		bpfy_raise_errno(state_of(self), EEXIST, "'%s' is already attached to %s '%s'",
				 fn_name, kind, target);
		return NULL;
	}
	return bpfy_bpf_find_function(self, fn_name);
}

PyObject *bpfy_attach_finish(BPFObject *self, struct bpfy_link *link, struct bpfy_error *error,
			     const char *kind, const char *target, const char *fn_name)
{
	if (!link)
		return bpfy_bpf_raise(self, error);
	if (bpfy_bpf_store_link(self, kind, target, fn_name, link))
		return NULL;
	Py_RETURN_NONE;
}

/* Same name as LINK_CAPSULE in bpf_object.c, which stores the links. */
#define LINK_CAPSULE_NAME "bpfy.link"

struct bpfy_link *bpfy_attach_find_link(BPFObject *self, const char *kind, const char *target,
					const char *fn_name)
{
	PyObject *key, *capsule;

	if (bpfy_bpf_check_open(self))
		return NULL;
	key = Py_BuildValue("(sss)", kind, target, fn_name);
	if (!key)
		return NULL;
	capsule = PyDict_GetItemWithError(self->links, key);
	Py_DECREF(key);
	if (!capsule)
		return NULL;
	return PyCapsule_GetPointer(capsule, LINK_CAPSULE_NAME);
}

PyObject *bpfy_attach_raise_static(struct bpfy_error *error)
{
	PyObject *module = PyImport_ImportModule("bpfy._bpfy");

	if (module) {
		bpfy_raise(bpfy_state_from_module(module), error);
		Py_DECREF(module);
	}
	bpfy_error__clear(error);
	return NULL;
}

PyDoc_STRVAR(detach_doc, "_detach(kind, target, fn_name=None)\n--\n\n"
			 "Destroy the links stored under (kind, target[, fn_name]).\n"
			 "BPFError(ENOENT) when there is none.");

static PyObject *BPF_detach(BPFObject *self, PyObject *args)
{
	const char *kind, *target, *fn_name = NULL;

	if (!PyArg_ParseTuple(args, "ss|z:_detach", &kind, &target, &fn_name))
		return NULL;
	return bpfy_bpf_detach_matching(self, kind, target, fn_name);
}

#define M(name, fn, doc) { name, (PyCFunction)(void (*)(void))fn, METH_VARARGS, doc }
#define S(name, fn, doc) { name, (PyCFunction)(void (*)(void))fn, METH_VARARGS | METH_STATIC, doc }

PyMethodDef bpfy_bpf_attach_methods[] = {
	M("_detach", BPF_detach, detach_doc),
	M("_attach_perf_event", bpfy_bpf_attach_perf_event,
	  "_attach_perf_event(fn_name, key, type, config, sample_period, sample_freq, pid, cpu,\n"
	  "                   group_fd, attr)"),
	S("_online_cpus", bpfy_bpf_online_cpus, "_online_cpus() -> list of CPU numbers"),
	M("_attach_uprobe", bpfy_bpf_attach_uprobe,
	  "_attach_uprobe(fn_name, key, retprobe, pid, path, offset)"),
	M("_attach_usdt", bpfy_bpf_attach_usdt,
	  "_attach_usdt(fn_name, key, pid, path, provider, name)"),
	M("_attach_kprobe", bpfy_bpf_attach_kprobe,
	  "_attach_kprobe(fn_name, key, retprobe, func, offset, maxactive)"),
	M("_attach_trampoline", bpfy_bpf_attach_trampoline,
	  "_attach_trampoline(fn_name, kind) kind: 0 fentry, 1 fexit, 2 fmod_ret, 3 lsm"),
	S("_probe_trampoline", bpfy_bpf_probe_trampoline,
	  "_probe_trampoline(kind) -> (supported, reason)"),
	S("_kprobes_supported", bpfy_bpf_kprobes_supported, "_kprobes_supported() -> bool"),
	M("_attach_xdp", bpfy_bpf_attach_xdp, "_attach_xdp(fn_name, dev, ifindex, flags)"),
	S("_remove_xdp", bpfy_bpf_remove_xdp, "_remove_xdp(ifindex, flags)"),
	M("_attach_raw_socket", bpfy_bpf_attach_raw_socket,
	  "_attach_raw_socket(fn_name, dev) -> socket fd (owned by the link)"),
	M("_attach_tc", bpfy_bpf_attach_tc,
	  "_attach_tc(fn_name, dev, ifindex, egress, mode=0) mode: 0 auto, 1 tcx, 2 clsact"),
	M("_attach_reuseport", bpfy_bpf_attach_reuseport,
	  "_attach_reuseport(fn_name, key, sock_fd) (the link holds a dup of sock_fd)"),
	M("_attach_netfilter", bpfy_bpf_attach_netfilter,
	  "_attach_netfilter(fn_name, key, pf, hooknum, priority, flags)"),
	S("_probe_netfilter", bpfy_bpf_probe_netfilter, "_probe_netfilter() -> (supported, reason)"),
	M("_attach_struct_ops", bpfy_bpf_attach_struct_ops, "_attach_struct_ops(map_name)"),
	M("_attach_cgroup", bpfy_bpf_attach_cgroup, "_attach_cgroup(fn_name, path, attach_type)"),
	M("_attach_func", bpfy_bpf_attach_func,
	  "_attach_func(fn_name, target_fd, attach_type, flags)"),
	M("_attach_iter", bpfy_bpf_attach_iter,
	  "_attach_iter(fn_name) -> new iterator fd (caller owns it)"),
	S("_ksym", bpfy_syms_ksym, "_ksym(addr) -> (name, module, offset) or None"),
	S("_ksymname", bpfy_syms_ksymname, "_ksymname(name) -> address or -1"),
	S("_ksym_names", bpfy_syms_ksym_names,
	  "_ksym_names(types, addrs=False) -> names (or (name, addr) pairs) of kernel\n"
	  "symbols whose kallsyms type is in types, in address order"),
	S("_usym", bpfy_syms_usym,
	  "_usym(pid, addr) -> (name or None, module or None, offset)"),
	S("_elf_symbol", bpfy_syms_elf_symbol,
	  "_elf_symbol(path, name) -> (vaddr, size, file_offset)"),
	S("_elf_symbols", bpfy_syms_elf_symbols,
	  "_elf_symbols(path) -> list of (name, vaddr, file_offset)"),
	S("_demangle", bpfy_syms_demangle, "_demangle(name) -> C++ name, or None"),
	S("_set_debug_dirs", bpfy_syms_set_debug_dirs,
	  "_set_debug_dirs(dirs or None) colon-separated debug roots; clears the pid caches"),
	S("_debug_file", bpfy_syms_debug_file, "_debug_file(path) -> separate debug file or None"),
	S("_build_id", bpfy_syms_build_id, "_build_id(path) -> hex GNU build-id or None"),
	{ NULL },
};
