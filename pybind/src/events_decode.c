/*
 * What event() makes of one record. Perf event arrays and ring buffers have
 * no value type in BTF, so the type comes from, in order: an explicit
 * `table.event_type` (a bpfy record type, a ctypes type with
 * from_buffer_copy, or the name of a struct in the program's BTF), or the
 * type the loader found for the map (bpfy_map_desc.event_type, from the
 * dialect's `__bpfy_event__<map>` marker); without either, records are bytes.
 */
#include <errno.h>
#include <string.h>

#include "events.h"

#define CODEC_ATTR "__bpfy_codec__"

static void clear_type(bpfy_event_table *t)
{
	Py_CLEAR(t->codec);
	Py_CLEAR(t->from_buffer);
	Py_XSETREF(t->event_type, Py_NewRef(Py_None));
	t->event_size = 0;
	t->decode = BPFY_DECODE_BYTES;
}

static int use_codec(bpfy_event_table *t, bpfy_codec *codec, PyObject *shown)
{
	clear_type(t);
	t->codec = codec;
	t->event_size = codec->size;
	t->decode = BPFY_DECODE_CODEC;
	Py_XSETREF(t->event_type, shown ? shown : bpfy_codec_pytype(codec));
	return t->event_type ? 0 : -1;
}

static int type_from_btf(bpfy_event_table *t, const char *name)
{
	const struct bpfy_type *type;
	bpfy_codec *codec;

	if (bpfy_event_table_check(t))
		return -1;
	type = bpfy_object__find_type(t->owner->obj, name);
	if (!type) {
		PyErr_Format(PyExc_TypeError, "table '%U': no type named '%s' in the program's BTF",
			     t->name, name);
		return -1;
	}
	codec = bpfy_codec_get(t->st, type, type->size);
	return codec ? use_codec(t, codec, NULL) : -1;
}

static Py_ssize_t ctypes_sizeof(PyObject *type)
{
	PyObject *ctypes = PyImport_ImportModule("ctypes"), *size;
	Py_ssize_t n = -1;

	if (!ctypes)
		return -1;
	size = PyObject_CallMethod(ctypes, "sizeof", "O", type);
	Py_DECREF(ctypes);
	if (size) {
		n = PyLong_AsSsize_t(size);
		Py_DECREF(size);
	}
	return n;
}

int bpfy_event_table_set_type(bpfy_event_table *t, PyObject *type)
{
	PyObject *codec, *from_buffer;
	Py_ssize_t size;

	if (type == NULL || type == Py_None) {
		clear_type(t);
		return 0;
	}
	if (PyUnicode_Check(type) || PyBytes_Check(type))
		return type_from_btf(t, bpfy_name_arg(type, "event_type"));
	if (!PyType_Check(type))
		goto bad;
	codec = PyObject_GetAttrString(type, CODEC_ATTR);
	if (codec)
		return use_codec(t, (bpfy_codec *)codec, Py_NewRef(type));
	PyErr_Clear();
	from_buffer = PyObject_GetAttrString(type, "from_buffer_copy");
	if (!from_buffer) {
		PyErr_Clear();
		goto bad;
	}
	size = ctypes_sizeof(type);
	if (size < 0) {
		Py_DECREF(from_buffer);
		return -1;
	}
	clear_type(t);
	t->from_buffer = from_buffer;
	t->event_size = size;
	t->decode = BPFY_DECODE_CALL;
	Py_XSETREF(t->event_type, Py_NewRef(type));
	return 0;
bad:
	PyErr_Format(PyExc_TypeError,
		     "table '%U': event_type must be None, a struct name, a bpfy record type or "
		     "a ctypes type, not %.100R", t->name, type);
	return -1;
}

/* The record type the loader found for the map (the dialect's
 * `__bpfy_event__<map>` marker, bpfy_map_desc.event_type); NULL: bytes. */
int bpfy_event_table_use_type(bpfy_event_table *t, const struct bpfy_type *type)
{
	bpfy_codec *codec;

	if (!type || (type->kind != BPFY_TYPE_STRUCT && type->kind != BPFY_TYPE_UNION))
		return 0;
	codec = bpfy_codec_get(t->st, type, type->size);
	return codec ? use_codec(t, codec, NULL) : -1;
}

/* A record shorter than the type (a truncated perf sample) is zero-padded. */
PyObject *bpfy_event_decode(bpfy_event_table *t, const void *data, Py_ssize_t size)
{
	unsigned char small[256], *padded = NULL;
	PyObject *out, *view;

	if (t->decode == BPFY_DECODE_BYTES)
		return PyBytes_FromStringAndSize(data, size);
	if (size < t->event_size) {
		padded = t->event_size <= (Py_ssize_t)sizeof(small) ? small
								    : PyMem_Malloc(t->event_size);
		if (!padded)
			return PyErr_NoMemory();
		memcpy(padded, data, size);
		memset(padded + size, 0, t->event_size - size);
		data = padded;
		size = t->event_size;
	}
	if (t->decode == BPFY_DECODE_CODEC) {
		out = bpfy_codec_decode(t->codec, data);
	} else {
		view = PyMemoryView_FromMemory((char *)data, size, PyBUF_READ);
		out = view ? PyObject_CallOneArg(t->from_buffer, view) : NULL;
		Py_XDECREF(view);
	}
	if (padded != small)
		PyMem_Free(padded);
	return out;
}

/* The record type's numpy description (codec.c), None without one. */
PyObject *bpfy_event_dtype_spec(bpfy_event_table *t)
{
	if (t->decode != BPFY_DECODE_CODEC || t->codec->kind != BPFY_CODEC_RECORD)
		Py_RETURN_NONE;
	return bpfy_codec_numpy_descr(t->codec);
}
