/*
 * The Table subtypes, one per map family whose Python protocol differs:
 *   HashTable    HASH, LRU_HASH
 *   Array        ARRAY: zero()
 *   PerCpuHash   PERCPU_HASH, LRU_PERCPU_HASH: getvalue/sum/max/average
 *   PerCpuArray  PERCPU_ARRAY: both
 * Which map type gets which family is the traits table in table.c.
 */
#include "table.h"

#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

/* ------------------------------------------------------------------ arrays */

#define ZERO_CHUNK 4096u

/* Rewrites `n` elements from `first` with zeroes; batch, else one by one. */
static int zero_range(bpfy_table *t, unsigned char *keys, const unsigned char *zeros,
		      uint32_t first, uint32_t n)
{
	uint32_t i, count = n;
	int err;

	for (i = 0; i < n; i++) {
		uint32_t idx = first + i;

		memcpy(keys + (size_t)i * t->key_size, &idx, 4);
	}
	if (t->batch_ok) {
		err = bpfy_map__update_batch(t->fd, keys, zeros, &count, BPF_ANY);
		if (err == 0)
			return 0;
		if (!bpfy_batch_unsupported(err) || count) {
			bpfy_table_raise(t, err, "update batch");
			return -1;
		}
		t->batch_ok = false;
	}
	for (i = 0; i < n; i++) {
		err = bpfy_map__update(t->fd, keys + (size_t)i * t->key_size, zeros, BPF_ANY);
		if (err) {
			bpfy_table_raise(t, err, "update");
			return -1;
		}
	}
	return 0;
}

int bpfy_table_zero_all(bpfy_table *t)
{
	uint32_t chunk = t->max_entries < ZERO_CHUNK ? t->max_entries : ZERO_CHUNK, first;
	unsigned char *keys, *zeros;
	int ret = 0;

	if (t->key_size != 4) {
		PyErr_Format(PyExc_TypeError, "table '%U': array keys are %u bytes, expected 4",
			     t->name, t->key_size);
		return -1;
	}
	keys = bpfy_table_alloc((size_t)chunk * 4);
	zeros = bpfy_table_alloc((size_t)chunk * t->vbuf_size);
	if (!keys || !zeros)
		ret = -1;
	for (first = 0; ret == 0 && first < t->max_entries; first += chunk) {
		uint32_t n = t->max_entries - first < chunk ? t->max_entries - first : chunk;

		ret = zero_range(t, keys, zeros, first, n);
	}
	PyMem_Free(keys);
	PyMem_Free(zeros);
	return ret;
}

static PyObject *array_zero(bpfy_table *t, PyObject *unused)
{
	if (bpfy_table_check(t) < 0 || bpfy_table_zero_all(t) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(zero_doc, "zero()\n--\n\nSets every element of the array to zero.");

/* ----------------------------------------------------------------- per-CPU */

static PyObject *percpu_getvalue(bpfy_table *t, PyObject *key)
{
	return PyObject_GetItem((PyObject *)t, key);
}

/* The per-CPU values of key, checked to be numbers. New ref or NULL. */
static PyObject *numeric_values(bpfy_table *t, PyObject *key, const char *op)
{
	if (t->leaf->kind != BPFY_CODEC_INT && t->leaf->kind != BPFY_CODEC_FLOAT &&
	    t->leaf->kind != BPFY_CODEC_BOOL) {
		PyErr_Format(PyExc_TypeError, "table '%U': %s() needs numeric values, not %U",
			     t->name, op, t->leaf->cname);
		return NULL;
	}
	return percpu_getvalue(t, key);
}

static PyObject *sum_of(PyObject *list)
{
	PyObject *total = PyLong_FromLong(0), *next;
	Py_ssize_t i;

	for (i = 0; total && i < PyList_GET_SIZE(list); i++) {
		next = PyNumber_Add(total, PyList_GET_ITEM(list, i));
		Py_DECREF(total);
		total = next;
	}
	return total;
}

static PyObject *percpu_sum(bpfy_table *t, PyObject *key)
{
	PyObject *list = numeric_values(t, key, "sum"), *total, *r;

	if (!list)
		return NULL;
	total = sum_of(list);
	Py_DECREF(list);
	if (!total || t->leaf->kind != BPFY_CODEC_INT)
		return total;
	r = PyObject_CallOneArg((PyObject *)t->leaf->pytype, total);	/* keeps .value */
	Py_DECREF(total);
	return r;
}

static PyObject *percpu_max(bpfy_table *t, PyObject *key)
{
	PyObject *list = numeric_values(t, key, "max"), *best = NULL;
	Py_ssize_t i;
	int gt;

	if (!list)
		return NULL;
	for (i = 0; i < PyList_GET_SIZE(list); i++) {
		PyObject *v = PyList_GET_ITEM(list, i);

		gt = best ? PyObject_RichCompareBool(v, best, Py_GT) : 1;
		if (gt < 0) {
			best = NULL;
			break;
		}
		if (gt)
			best = v;
	}
	Py_XINCREF(best);
	Py_DECREF(list);
	return best;
}

static PyObject *percpu_average(bpfy_table *t, PyObject *key)
{
	PyObject *list = numeric_values(t, key, "average"), *total, *n, *r = NULL;

	if (!list)
		return NULL;
	total = sum_of(list);
	n = PyLong_FromSsize_t(PyList_GET_SIZE(list));
	if (total && n)
		r = PyNumber_TrueDivide(total, n);
	Py_XDECREF(total);
	Py_XDECREF(n);
	Py_DECREF(list);
	return r;
}

PyDoc_STRVAR(getvalue_doc, "getvalue(key)\n--\n\nThe list of per-CPU values of key (t[key]).");
PyDoc_STRVAR(sum_doc, "sum(key)\n--\n\nThe sum of key's per-CPU values (a Leaf for ints).");
PyDoc_STRVAR(max_doc, "max(key)\n--\n\nThe largest of key's per-CPU values.");
PyDoc_STRVAR(average_doc, "average(key)\n--\n\nThe mean of key's per-CPU values (a float).");

#define PERCPU_METHODS                                                                     \
	{ "getvalue", (PyCFunction)percpu_getvalue, METH_O, getvalue_doc },               \
	{ "sum", (PyCFunction)percpu_sum, METH_O, sum_doc },                              \
	{ "max", (PyCFunction)percpu_max, METH_O, max_doc },                              \
	{ "average", (PyCFunction)percpu_average, METH_O, average_doc }

/* ------------------------------------------------------------------- specs */

static PyMethodDef hash_methods[] = { { NULL } };
static PyMethodDef array_methods[] = {
	{ "zero", (PyCFunction)array_zero, METH_NOARGS, zero_doc },
	{ NULL },
};
static PyMethodDef percpu_hash_methods[] = { PERCPU_METHODS, { NULL } };
static PyMethodDef percpu_array_methods[] = {
	PERCPU_METHODS,
	{ "zero", (PyCFunction)array_zero, METH_NOARGS, zero_doc },
	{ NULL },
};

#define FAMILY_FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | /* GC inherited */ \
		      Py_TPFLAGS_DISALLOW_INSTANTIATION)

#define FAMILY_SLOTS(var, methods, doc)                 \
	static PyType_Slot var[] = {                    \
		{ Py_tp_methods, methods },             \
		{ Py_tp_doc, (void *)(doc) },           \
		{ 0, NULL },                            \
	}

FAMILY_SLOTS(hash_slots, hash_methods,
	     "A BPF hash map (HASH, LRU_HASH) as a dict. len() walks the keys.");
FAMILY_SLOTS(array_slots, array_methods,
	     "A BPF array map as a fixed-length sequence keyed by index (negative indices "
	     "count from the end). Elements cannot be deleted; zero()/clear() reset them.");
FAMILY_SLOTS(percpu_hash_slots, percpu_hash_methods,
	     "A per-CPU hash map: values are lists with one value per possible CPU; "
	     "assign a list of that length, or one value for every CPU.");
FAMILY_SLOTS(percpu_array_slots, percpu_array_methods,
	     "A per-CPU array map: values are lists with one value per possible CPU.");

struct family {
	PyType_Spec spec;
	const char *base;	/* family name of the base type */
};

static struct family families[] = {
	{ { "bpfy._bpfy.HashTable", 0, 0, FAMILY_FLAGS, hash_slots }, "Table" },
	{ { "bpfy._bpfy.Array", 0, 0, FAMILY_FLAGS, array_slots }, "Table" },
	{ { "bpfy._bpfy.PerCpuHash", 0, 0, FAMILY_FLAGS, percpu_hash_slots }, "HashTable" },
	{ { "bpfy._bpfy.PerCpuArray", 0, 0, FAMILY_FLAGS, percpu_array_slots }, "Array" },
};

int bpfy_table_add_family(PyObject *module, bpfy_state *st, PyType_Spec *spec, const char *base)
{
	const char *name = strrchr(spec->name, '.') + 1;
	PyObject *btype = PyDict_GetItemString(st->table_types, base), *type;
	int ret;

	if (!btype) {
		PyErr_Format(PyExc_SystemError, "table base %s missing", base);
		return -1;
	}
	type = PyType_FromModuleAndSpec(module, spec, btype);
	if (!type)
		return -1;
	ret = PyDict_SetItemString(st->table_types, name, type);
	if (ret == 0)
		ret = PyModule_AddObjectRef(module, name, type);
	Py_DECREF(type);
	return ret;
}

int bpfy_table_families_init(PyObject *module, bpfy_state *st)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (bpfy_table_add_family(module, st, &families[i].spec, families[i].base) < 0)
			return -1;
	return 0;
}
