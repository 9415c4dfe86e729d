/* BPF type methods of the maps area: maps created from Python (inner maps
 * of map-in-maps, scratch maps); see BPF_method_groups in bpf_object.c. */
#include "table.h"

#include <errno.h>

static int opt_u32(PyObject *obj, uint32_t *out, const char *what)
{
	unsigned long v;

	if (!obj || obj == Py_None)
		return 0;
	v = PyLong_AsUnsignedLong(obj);
	if (v == (unsigned long)-1 && PyErr_Occurred())
		return -1;
	if (v > UINT32_MAX) {
		PyErr_Format(PyExc_OverflowError, "create_map(): %s %lu out of range", what, v);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int map_type_arg(PyObject *obj, uint32_t *out)
{
	int type;

	if (!obj || obj == Py_None)
		return 0;
	if (!PyUnicode_Check(obj))
		return opt_u32(obj, out, "map_type");
	type = bpfy_map_type__from_name(PyUnicode_AsUTF8(obj));
	if (type < 0) {
		PyErr_Format(PyExc_ValueError, "create_map(): unknown map type %R", obj);
		return -1;
	}
	*out = (uint32_t)type;
	return 0;
}

PyDoc_STRVAR(create_map_doc,
	     "create_map(map_type=None, key_size=None, value_size=None, max_entries=None, "
	     "flags=None, name=None, inner_map=None, like=None, map_extra=0)\n--\n\n"
	     "Creates a map from user space and returns its table, which owns the fd "
	     "(close() or garbage collection releases it). map_type is a number or a name "
	     "('hash', 'array_of_maps', ...). like=<table> copies the type, sizes, flags and "
	     "the BTF key/value types of a declared map (a template), so keys and values "
	     "decode as in that map; explicit arguments override. inner_map=<table or fd> is "
	     "the inner map template of a map-in-map. Without BTF, keys/values of 1, 2, 4 or "
	     "8 bytes are unsigned ints, others bytes.");

static PyObject *BPF_create_map(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
				PyObject *kwnames)
{
	static const char *const names[] = { "map_type", "key_size", "value_size",
					     "max_entries", "flags", "name", "inner_map",
					     "like", "map_extra" };
	bpfy_state *st = bpfy_state_from_type(Py_TYPE(self));
	struct bpfy_map_create_opts opts = { .sz = sizeof(opts) };
	struct bpfy_error error = { 0 };
	struct bpfy_map_ref *ref;
	bpfy_table *like = NULL;
	PyObject *argv[9];

	if (!st || bpfy_bpf_check_open((BPFObject *)self) ||
	    bpfy_parse_args("create_map", args, nargs, kwnames, names, 9, 0, argv) < 0)
		return NULL;
	if (argv[7] && argv[7] != Py_None) {
		if (!PyObject_TypeCheck(argv[7], st->Table_Type)) {
			PyErr_SetString(PyExc_TypeError, "create_map(): like must be a table");
			return NULL;
		}
		like = (bpfy_table *)argv[7];
		if (bpfy_table_check(like) < 0)
			return NULL;
		opts.type = like->map_type;
		opts.key_size = like->key_size;
		opts.value_size = like->value_size;
		opts.max_entries = like->max_entries;
		opts.map_flags = like->map_flags;
		opts.btf_like_fd = like->fd;
	}
	if (map_type_arg(argv[0], &opts.type) < 0 || opt_u32(argv[1], &opts.key_size, "key_size") ||
	    opt_u32(argv[2], &opts.value_size, "value_size") ||
	    opt_u32(argv[3], &opts.max_entries, "max_entries") ||
	    opt_u32(argv[4], &opts.map_flags, "flags"))
		return NULL;
	if (!opts.type) {
		PyErr_SetString(PyExc_TypeError, "create_map(): map_type (or like=) is required");
		return NULL;
	}
	if (argv[5] && argv[5] != Py_None) {
		opts.name = bpfy_name_arg(argv[5], "map name");
		if (!opts.name)
			return NULL;
	} else if (like) {
		opts.name = PyUnicode_AsUTF8(like->name);
	}
	if (argv[6] && argv[6] != Py_None) {
		if (PyObject_TypeCheck(argv[6], st->Table_Type)) {
			if (bpfy_table_check((bpfy_table *)argv[6]) < 0)
				return NULL;
			opts.inner_map_fd = ((bpfy_table *)argv[6])->fd;
		} else {
			long fd = PyLong_AsLong(argv[6]);

			if (fd == -1 && PyErr_Occurred())
				return NULL;
			opts.inner_map_fd = (int)fd;
		}
	}
	if (argv[8] && argv[8] != Py_None) {
		opts.map_extra = PyLong_AsUnsignedLongLong(argv[8]);
		if (opts.map_extra == (uint64_t)-1 && PyErr_Occurred())
			return NULL;
	}
	ref = bpfy_map_ref__create(&opts, &error);
	if (!ref)
		return bpfy_raise(st, &error);
	return bpfy_table_from_desc(st, NULL, bpfy_map_ref__desc(ref), ref);
}

PyMethodDef bpfy_bpf_maps_methods[] = {
	{ "create_map", (PyCFunction)(void (*)(void))BPF_create_map,
	  METH_FASTCALL | METH_KEYWORDS, create_map_doc },
	{ NULL },
};
