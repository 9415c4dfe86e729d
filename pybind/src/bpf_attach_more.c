/* BPF methods: sk_reuseport, netfilter links, struct_ops maps. */
#include <errno.h>

#include "bpf_attach.h"

PyObject *bpfy_bpf_attach_reuseport(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	int sock_fd;

	if (!PyArg_ParseTuple(args, "ssi:_attach_reuseport", &fn_name, &key, &sock_fd))
		return NULL;
	prog = bpfy_attach_prepare(self, "sk_reuseport", key, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_reuseport(prog, sock_fd, &error);
	return bpfy_attach_finish(self, link, &error, "sk_reuseport", key, fn_name);
}

PyObject *bpfy_bpf_attach_netfilter(BPFObject *self, PyObject *args)
{
	const char *fn_name, *key;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	int pf, hooknum, priority;
	unsigned int flags;

	if (!PyArg_ParseTuple(args, "ssiiiI:_attach_netfilter", &fn_name, &key, &pf, &hooknum,
			      &priority, &flags))
		return NULL;
	prog = bpfy_attach_prepare(self, "netfilter", key, fn_name);
	if (!prog)
		return NULL;
	link = bpfy_prog__attach_netfilter(prog, pf, hooknum, priority, flags, &error);
	return bpfy_attach_finish(self, link, &error, "netfilter", key, fn_name);
}

PyObject *bpfy_bpf_probe_netfilter(BPFObject *self, PyObject *args)
{
	char reason[256] = "";
	int ok;

	(void)self;
	(void)args;
	ok = bpfy_netfilter__probe(reason, sizeof(reason));
	return Py_BuildValue("(Ns)", PyBool_FromLong(ok), reason);
}

PyObject *bpfy_bpf_attach_struct_ops(BPFObject *self, PyObject *args)
{
	const char *map_name;
	struct bpfy_error error = {};
	struct bpfy_link *link;
	int attached;

	if (!PyArg_ParseTuple(args, "s:_attach_struct_ops", &map_name))
		return NULL;
	if (bpfy_bpf_check_open(self))
		return NULL;
	attached = bpfy_bpf_has_link(self, "struct_ops", map_name, map_name);
	if (attached < 0)
		return NULL;
	if (attached)
		return bpfy_raise_errno(bpfy_state_from_type(Py_TYPE(self)), EEXIST,
					"struct_ops map '%s' is already registered", map_name);
	link = bpfy_object__attach_struct_ops(self->obj, map_name, &error);
	return bpfy_attach_finish(self, link, &error, "struct_ops", map_name, map_name);
}
