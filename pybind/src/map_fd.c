/*
 * Maps that hold kernel objects by fd: program arrays, cgroup arrays,
 * socket maps, XSK maps, map-in-map (values), and local storages (keys).
 * From Python an fd is given as an int, an object with fileno() (sockets,
 * files), an object with an int .fd (Function, tables), or a path (a cgroup
 * directory), which is opened for the one operation and closed after it.
 */
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* An fd from obj, or -1 with an exception. */
int bpfy_table_fd_of(bpfy_table *t, PyObject *obj, const char *what)
{
	PyObject *num = NULL, *path = NULL;
	long fd = -1;

	if (PyLong_Check(obj)) {
		num = Py_NewRef(obj);
	} else if (PyUnicode_Check(obj) || PyBytes_Check(obj) || PyObject_HasAttrString(obj,
										  "__fspath__")) {
		if (!PyUnicode_FSDecoder(obj, &path))
			return -1;
		fd = open(PyUnicode_AsUTF8(path), O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			bpfy_raise_errno(t->st, -errno, "table '%s': opening %s '%s'",
					 PyUnicode_AsUTF8(t->name), what, PyUnicode_AsUTF8(path));
			Py_DECREF(path);
			return -1;
		}
		Py_DECREF(path);
		return bpfy_table_add_tmp(t, (int)fd) < 0 ? -1 : (int)fd;
	} else if (PyObject_HasAttrString(obj, "fileno")) {
		num = PyObject_CallMethod(obj, "fileno", NULL);
	} else if (PyObject_HasAttrString(obj, "fd")) {
		num = PyObject_GetAttrString(obj, "fd");
	} else {
		PyErr_Format(PyExc_TypeError, "table '%U' (%s map): %s must be an fd, an object "
			     "with fileno() or .fd, or a path, not %.100s", t->name,
			     bpfy_table_type_name(t), what, Py_TYPE(obj)->tp_name);
		return -1;
	}
	if (!num)
		return -1;
	fd = PyLong_AsLong(num);
	Py_DECREF(num);
	if (fd == -1 && PyErr_Occurred())
		return -1;
	if (fd < 0 || fd > INT32_MAX) {
		PyErr_Format(PyExc_ValueError, "table '%U': bad %s fd %ld", t->name, what, fd);
		return -1;
	}
	return (int)fd;
}

/* Writes fd as a value of `size` bytes (u32, or u64 for socket maps). */
static int store_fd(bpfy_table *t, int fd, void *out, uint32_t size)
{
	uint64_t v64 = (uint32_t)fd;
	uint32_t v32 = (uint32_t)fd;

	if (size == 8) {
		memcpy(out, &v64, 8);
	} else if (size == 4) {
		memcpy(out, &v32, 4);
	} else {
		PyErr_Format(PyExc_TypeError, "table '%U': fd slots of %u bytes are not supported",
			     t->name, size);
		return -1;
	}
	return 0;
}

int bpfy_table_encode_fd_key(bpfy_table *t, PyObject *key, void *out)
{
	int fd = bpfy_table_fd_of(t, key, "key");

	return fd < 0 ? -1 : store_fd(t, fd, out, t->key_size);
}

int bpfy_table_encode_fd_value(bpfy_table *t, PyObject *value, void *out)
{
	int fd = bpfy_table_fd_of(t, value, "value");

	return fd < 0 ? -1 : store_fd(t, fd, out, t->value_size);
}

/* Map-in-map reads give the inner map's id: open it as a table of its own. */
PyObject *bpfy_table_decode_map_value(bpfy_table *t, const void *vbuf)
{
	struct bpfy_error error = { 0 };
	struct bpfy_map_ref *ref;
	uint32_t id;

	memcpy(&id, vbuf, 4);
	ref = bpfy_map_ref__from_id(id, &error);
	if (!ref)
		return bpfy_raise(t->st, &error);
	return bpfy_table_from_desc(t->st, NULL, bpfy_map_ref__desc(ref), ref);
}
