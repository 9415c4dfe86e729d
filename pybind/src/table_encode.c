/*
 * How keys and values of a table travel between Python objects and the
 * bytes the kernel reads: index keys, per-CPU values, and the dispatch over
 * the key/value kinds of the map type's traits (table_traits.c).
 */
#include "table.h"

#include <string.h>

bool bpfy_table_is_index(PyObject *obj)
{
	PyNumberMethods *nb = Py_TYPE(obj)->tp_as_number;

	return PyLong_Check(obj) || (!PyFloat_Check(obj) && nb && nb->nb_index);
}

/* Array keys: Python indices, negative from the end, range-checked. */
static int encode_index(bpfy_table *t, PyObject *key, void *out)
{
	Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
	uint32_t idx;

	if (i == -1 && PyErr_Occurred())
		return -1;
	if (i < 0)
		i += t->max_entries;
	if (i < 0 || i >= (Py_ssize_t)t->max_entries) {
		PyErr_Format(PyExc_IndexError, "table '%U': index %R out of range (%u entries)",
			     t->name, key, t->max_entries);
		return -1;
	}
	idx = (uint32_t)i;
	memset(out, 0, t->key_size);
	memcpy(out, &idx, t->key_size < 4 ? t->key_size : 4);
	return 0;
}

static int encode_plain_key(bpfy_table *t, PyObject *key, void *out)
{
	return bpfy_codec_encode(t->key, key, out);
}

static int encode_index_key(bpfy_table *t, PyObject *key, void *out)
{
	if (bpfy_table_is_index(key))
		return encode_index(t, key, out);
	return bpfy_codec_encode(t->key, key, out);
}

static int encode_no_key(bpfy_table *t, PyObject *key, void *out)
{
	return bpfy_table_not_applicable(t, "access by key");
}

typedef int (*key_encoder)(bpfy_table *t, PyObject *key, void *out);

static const key_encoder key_encoders[] = {
	[BPFY_KEY_PLAIN] = encode_plain_key,
	[BPFY_KEY_INDEX] = encode_index_key,
	[BPFY_KEY_FD] = bpfy_table_encode_fd_key,
	[BPFY_KEY_LPM] = bpfy_lpm_encode_key,
	[BPFY_KEY_NONE] = encode_no_key,
};

int bpfy_table_encode_key(bpfy_table *t, PyObject *key, void *out)
{
	return key_encoders[t->traits->key_kind](t, key, out);
}

PyObject *bpfy_table_decode_key(bpfy_table *t, const void *kbuf)
{
	if (t->traits->key_kind == BPFY_KEY_LPM)
		return bpfy_lpm_decode_key(t, kbuf);
	return bpfy_codec_decode(t->key, kbuf);
}

/* A list (or a tuple, when a tuple cannot mean one struct) gives one value
 * per CPU; anything else is stored on every CPU. */
static int encode_percpu(bpfy_table *t, PyObject *value, unsigned char *out)
{
	bool per_cpu = PyList_Check(value) ||
		       (PyTuple_Check(value) && t->leaf->kind != BPFY_CODEC_RECORD &&
			t->leaf->kind != BPFY_CODEC_ARRAY);
	Py_ssize_t n;
	int cpu;

	memset(out, 0, t->vbuf_size);
	if (!per_cpu) {
		if (bpfy_codec_encode(t->leaf, value, out) < 0)
			return -1;
		for (cpu = 1; cpu < t->ncpus; cpu++)
			memcpy(out + (size_t)cpu * t->stride, out, t->value_size);
		return 0;
	}
	n = PySequence_Fast_GET_SIZE(value);
	if (n != t->ncpus) {
		PyErr_Format(PyExc_ValueError,
			     "table '%U': per-CPU value needs %d values (one per possible CPU), "
			     "got %zd", t->name, t->ncpus, n);
		return -1;
	}
	for (cpu = 0; cpu < t->ncpus; cpu++)
		if (bpfy_codec_encode(t->leaf, PySequence_Fast_GET_ITEM(value, cpu),
				      out + (size_t)cpu * t->stride) < 0)
			return -1;
	return 0;
}

static int encode_plain_value(bpfy_table *t, PyObject *value, void *out)
{
	if (t->traits->percpu)
		return encode_percpu(t, value, out);
	return bpfy_codec_encode(t->leaf, value, out);
}

typedef int (*value_encoder)(bpfy_table *t, PyObject *value, void *out);

static const value_encoder value_encoders[] = {
	[BPFY_VALUE_PLAIN] = encode_plain_value,
	[BPFY_VALUE_FD] = bpfy_table_encode_fd_value,
	[BPFY_VALUE_MAP] = bpfy_table_encode_fd_value,
	[BPFY_VALUE_STACK] = encode_plain_value,
};

int bpfy_table_encode_value(bpfy_table *t, PyObject *value, void *out)
{
	return value_encoders[t->traits->value_kind](t, value, out);
}

PyObject *bpfy_table_decode_value(bpfy_table *t, const void *vbuf)
{
	const unsigned char *p = vbuf;
	PyObject *(*decode)(bpfy_codec *, const void *) = bpfy_codec_decode;
	PyObject *list;
	int cpu;

	if (t->traits->value_kind == BPFY_VALUE_MAP)
		return bpfy_table_decode_map_value(t, vbuf);
	if (t->traits->value_kind == BPFY_VALUE_STACK)
		return bpfy_stack_decode(t, vbuf);
	if (!t->traits->percpu)
		return bpfy_codec_decode(t->leaf, vbuf);
	if (t->leaf->kind == BPFY_CODEC_INT && t->leaf->size <= 8)
		decode = bpfy_codec_decode_int;	/* the usual counters: no dispatch per CPU */
	list = PyList_New(t->ncpus);
	if (!list)
		return NULL;
	for (cpu = 0; cpu < t->ncpus; cpu++) {
		PyObject *v = decode(t->leaf, p + (size_t)cpu * t->stride);

		if (!v) {
			Py_DECREF(list);
			return NULL;
		}
		PyList_SET_ITEM(list, cpu, v);
	}
	return list;
}
