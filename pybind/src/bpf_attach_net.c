/* BPF methods: XDP, tc, socket filters, cgroups, BPF_PROG_ATTACH, iterators. */
#include <errno.h>
#include <unistd.h>

#include "bpf_attach.h"

PyObject *bpfy_bpf_attach_xdp(BPFObject *self, PyObject *args)
{
	const char *fn_name, *dev;
	int ifindex;
	unsigned int flags;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "ssiI:_attach_xdp", &fn_name, &dev, &ifindex, &flags))
		return NULL;
	prog = bpfy_attach_prepare(self, "xdp", dev, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_xdp(prog, ifindex, flags, &error);
	return bpfy_attach_finish(self, link, &error, "xdp", dev, fn_name);
}

PyObject *bpfy_bpf_remove_xdp(BPFObject *self, PyObject *args)
{
	struct bpfy_error error = {};
	unsigned int flags;
	int ifindex;

	if (!PyArg_ParseTuple(args, "iI:_remove_xdp", &ifindex, &flags))
		return NULL;
	if (bpfy_xdp__detach(ifindex, flags, &error)) {
		bpfy_attach_raise_static(&error);
		return NULL;
	}
	Py_RETURN_NONE;
}

PyObject *bpfy_bpf_attach_raw_socket(BPFObject *self, PyObject *args)
{
	const char *fn_name, *dev;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	PyObject *ret;
	int fd;

	if (!PyArg_ParseTuple(args, "ss:_attach_raw_socket", &fn_name, &dev))
		return NULL;
	prog = bpfy_attach_prepare(self, "raw_socket", dev, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_raw_socket(prog, dev, &error);
	fd = link ? bpfy_link__fd(link) : -1;
	ret = bpfy_attach_finish(self, link, &error, "raw_socket", dev, fn_name);
	if (!ret)
		return NULL;
	Py_DECREF(ret);
	return PyLong_FromLong(fd);
}

PyObject *bpfy_bpf_attach_tc(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key;
	int ifindex, egress, mode = BPFY_TC_AUTO;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "ssip|i:_attach_tc", &fn_name, &key, &ifindex, &egress,
			      &mode))
		return NULL;
	prog = bpfy_attach_prepare(self, "tc", key, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_tc(prog, ifindex, egress, mode, &error);
	return bpfy_attach_finish(self, link, &error, "tc", key, fn_name);
}

PyObject *bpfy_bpf_attach_cgroup(BPFObject *self, PyObject *args)
{
	const char *fn_name, *path;
	unsigned int attach_type;
	char key[4200];
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "ssI:_attach_cgroup", &fn_name, &path, &attach_type))
		return NULL;
	snprintf(key, sizeof(key), "%s:%u", path, attach_type);
	prog = bpfy_attach_prepare(self, "cgroup", key, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_cgroup(prog, path, attach_type, &error);
	return bpfy_attach_finish(self, link, &error, "cgroup", key, fn_name);
}

PyObject *bpfy_bpf_attach_func(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key;
	int target_fd;
	unsigned int attach_type, flags;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;

	if (!PyArg_ParseTuple(args, "ssiII:_attach_func", &fn_name, &key, &target_fd,
			      &attach_type, &flags))
		return NULL;
	prog = bpfy_attach_prepare(self, "func", key, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_func(prog, target_fd, attach_type, flags, &error);
	return bpfy_attach_finish(self, link, &error, "func", key, fn_name);
}

PyObject *bpfy_bpf_attach_iter(BPFObject *self, PyObject *args)
{
	const char *fn_name;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	PyObject *ret;
	int fd = -1;

	if (!PyArg_ParseTuple(args, "s:_attach_iter", &fn_name))
		return NULL;
	link = bpfy_attach_find_link(self, "iter", fn_name, fn_name);
	if (link) {
		/* attached already: one more pass over the same link */
		fd = bpfy_link__new_iter(link, &error);
		return fd < 0 ? bpfy_bpf_raise(self, &error) : PyLong_FromLong(fd);
	}
	if (PyErr_Occurred())
		return NULL;
	prog = bpfy_attach_prepare(self, "iter", fn_name, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_iter(prog, &fd, &error);
	ret = bpfy_attach_finish(self, link, &error, "iter", fn_name, fn_name);
	if (!ret) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	Py_DECREF(ret);
	return PyLong_FromLong(fd);
}
