/* BPF methods: uprobes, USDT, kprobes and trampolines. */
#include <errno.h>

#include "bpf_attach.h"

PyObject *bpfy_bpf_attach_uprobe(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key, *path;
	unsigned long long offset;
	int retprobe, pid;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "sspisK:_attach_uprobe", &fn_name, &key, &retprobe, &pid,
			      &path, &offset))
		return NULL;
	prog = bpfy_attach_prepare(self, retprobe ? "uretprobe" : "uprobe", key, fn_name);
	if (!prog)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	link = bpfy_prog__attach_uprobe(prog, retprobe, pid, path, offset, &error);
	Py_END_ALLOW_THREADS
	return bpfy_attach_finish(self, link, &error, retprobe ? "uretprobe" : "uprobe", key,
				  fn_name);
}

PyObject *bpfy_bpf_attach_usdt(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key, *path, *provider, *name;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	int pid;

	if (!PyArg_ParseTuple(args, "ssisss:_attach_usdt", &fn_name, &key, &pid, &path, &provider,
			      &name))
		return NULL;
	prog = bpfy_attach_prepare(self, "usdt", key, fn_name);
	if (!prog)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	link = bpfy_prog__attach_usdt(prog, pid, path, provider, name, &error);
	Py_END_ALLOW_THREADS
	return bpfy_attach_finish(self, link, &error, "usdt", key, fn_name);
}

PyObject *bpfy_bpf_attach_kprobe(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key, *func;
	unsigned long long offset;
	int retprobe, maxactive;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "sspsKi:_attach_kprobe", &fn_name, &key, &retprobe, &func,
			      &offset, &maxactive))
		return NULL;
	prog = bpfy_attach_prepare(self, retprobe ? "kretprobe" : "kprobe", key, fn_name);
	if (!prog)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	link = bpfy_prog__attach_kprobe(prog, retprobe, func, offset, maxactive, &error);
	Py_END_ALLOW_THREADS
	return bpfy_attach_finish(self, link, &error, retprobe ? "kretprobe" : "kprobe", key,
				  fn_name);
}

static const char *const trampoline_kinds[] = { "fentry", "fexit", "fmod_ret", "lsm" };

PyObject *bpfy_bpf_attach_trampoline(BPFObject *self, PyObject *args)
{
	const char *fn_name;
	unsigned int kind;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "sI:_attach_trampoline", &fn_name, &kind))
		return NULL;
	if (kind > BPFY_TRAMPOLINE_LSM) {
		PyErr_Format(PyExc_ValueError, "unknown trampoline kind %u", kind);
		return NULL;
	}
	prog = bpfy_attach_prepare(self, trampoline_kinds[kind], fn_name, fn_name);
	if (!prog)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	link = bpfy_prog__attach_trampoline(prog, kind, &error);
	Py_END_ALLOW_THREADS
	return bpfy_attach_finish(self, link, &error, trampoline_kinds[kind], fn_name, fn_name);
}

PyObject *bpfy_bpf_probe_trampoline(BPFObject *self, PyObject *args)
{
	unsigned int kind;
	char reason[256] = "";
	int ret;

	if (!PyArg_ParseTuple(args, "I:_probe_trampoline", &kind))
		return NULL;
	if (kind > BPFY_TRAMPOLINE_LSM) {
		PyErr_Format(PyExc_ValueError, "unknown trampoline kind %u", kind);
		return NULL;
	}
	Py_BEGIN_ALLOW_THREADS
	ret = bpfy_trampoline__probe(kind, reason, sizeof(reason));
	Py_END_ALLOW_THREADS
	if (ret < 0) {
		errno = -ret;
		return PyErr_SetFromErrno(PyExc_OSError);
	}
	return Py_BuildValue("(Os)", ret ? Py_True : Py_False, reason);
}

PyObject *bpfy_bpf_kprobes_supported(BPFObject *self, PyObject *args)
{
	return PyBool_FromLong(bpfy_kprobes_supported());
}
