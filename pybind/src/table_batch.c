/*
 * bcc's items_*_batch methods: whole-map reads and bulk writes in single
 * syscalls. Unlike items(), these never fall back to walking: a kernel
 * without batch ops for the map type raises.
 */
#include "table.h"

#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

static PyObject *lookup_batch(bpfy_table *t, bool and_delete)
{
	PyObject *list;
	int ret;

	if (bpfy_table_check(t) < 0)
		return NULL;
	list = PyList_New(0);
	if (!list)
		return NULL;
	ret = bpfy_table_dump_batch(t, and_delete, list);
	if (ret == 0)
		return list;
	Py_DECREF(list);
	if (ret > 0)
		bpfy_table_raise(t, -EOPNOTSUPP, and_delete ? "lookup and delete batch"
							    : "lookup batch");
	return NULL;
}

PyObject *bpfy_table_items_lookup_batch(PyObject *self, PyObject *unused)
{
	return lookup_batch((bpfy_table *)self, false);
}

PyObject *bpfy_table_items_lookup_and_delete_batch(PyObject *self, PyObject *unused)
{
	return lookup_batch((bpfy_table *)self, true);
}

/* Positional-or-keyword arguments of a METH_FASTCALL|METH_KEYWORDS method. */
int bpfy_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs,
		    PyObject *kwnames, const char *const *names, int nnames, int required,
		    PyObject **out)
{
	Py_ssize_t i, nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	int j;

	if (nargs > nnames) {
		PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments", fname, nnames);
		return -1;
	}
	for (j = 0; j < nnames; j++)
		out[j] = j < nargs ? args[j] : NULL;
	for (i = 0; i < nkw; i++) {
		PyObject *kw = PyTuple_GET_ITEM(kwnames, i);

		for (j = 0; j < nnames; j++)
			if (PyUnicode_CompareWithASCIIString(kw, names[j]) == 0)
				break;
		if (j == nnames || out[j]) {
			PyErr_Format(PyExc_TypeError, "%s() got an unexpected or repeated argument %R",
				     fname, kw);
			return -1;
		}
		out[j] = args[nargs + i];
	}
	for (j = 0; j < required; j++)
		if (!out[j]) {
			PyErr_Format(PyExc_TypeError, "%s() missing argument '%s'", fname, names[j]);
			return -1;
		}
	return 0;
}

/* Encodes a sequence of keys (or values) into one packed buffer. */
static unsigned char *pack(bpfy_table *t, PyObject *seq, bool values, Py_ssize_t *n)
{
	size_t size = values ? t->vbuf_size : t->key_size;
	unsigned char *buf;
	Py_ssize_t i;

	*n = PySequence_Fast_GET_SIZE(seq);
	if ((size_t)*n > UINT32_MAX / (size ? size : 1)) {
		PyErr_SetString(PyExc_OverflowError, "too many elements for one batch");
		return NULL;
	}
	buf = bpfy_table_alloc((size_t)*n * size);
	if (!buf)
		return NULL;
	for (i = 0; i < *n; i++) {
		PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
		int ret = values ? bpfy_table_encode_value(t, item, buf + i * size)
				 : bpfy_table_encode_key(t, item, buf + i * size);

		if (ret < 0) {
			PyMem_Free(buf);
			return NULL;
		}
	}
	return buf;
}

PyObject *bpfy_table_items_delete_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
					PyObject *kwnames)
{
	static const char *const names[] = { "keys" };
	bpfy_table *t = (bpfy_table *)self;
	PyObject *keys, *seq = NULL, *r = NULL;
	unsigned char *buf = NULL;
	uint32_t count;
	Py_ssize_t n;
	int err;

	if (bpfy_table_check(t) < 0 ||
	    bpfy_parse_args("items_delete_batch", args, nargs, kwnames, names, 1, 0, &keys) < 0)
		return NULL;
	if (!keys || keys == Py_None) {
		PyObject *list = lookup_batch(t, true);

		Py_XDECREF(list);
		return list ? Py_NewRef(Py_None) : NULL;
	}
	seq = PySequence_Fast(keys, "items_delete_batch(): keys must be a sequence");
	if (!seq)
		return NULL;
	buf = pack(t, seq, false, &n);
	if (!buf)
		goto out;
	count = (uint32_t)n;
	err = n ? bpfy_map__delete_batch(t->fd, buf, &count) : 0;
	if (err == -ENOENT && count < n)
		PyErr_SetObject(PyExc_KeyError, PySequence_Fast_GET_ITEM(seq, count));
	else if (err)
		bpfy_table_raise(t, err, "delete batch");
	else
		r = Py_NewRef(Py_None);
out:
	PyMem_Free(buf);
	Py_DECREF(seq);
	return r;
}

PyObject *bpfy_table_items_update_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
					PyObject *kwnames)
{
	static const char *const names[] = { "keys", "values" };
	bpfy_table *t = (bpfy_table *)self;
	PyObject *argv[2], *kseq = NULL, *vseq = NULL, *r = NULL;
	unsigned char *kbuf = NULL, *vbuf = NULL;
	Py_ssize_t nk, nv;
	uint32_t count;
	int err;

	if (bpfy_table_check(t) < 0 ||
	    bpfy_parse_args("items_update_batch", args, nargs, kwnames, names, 2, 2, argv) < 0)
		return NULL;
	kseq = PySequence_Fast(argv[0], "items_update_batch(): keys must be a sequence");
	vseq = kseq ? PySequence_Fast(argv[1], "items_update_batch(): values must be a sequence")
		    : NULL;
	if (!vseq)
		goto out;
	if (PySequence_Fast_GET_SIZE(kseq) != PySequence_Fast_GET_SIZE(vseq)) {
		PyErr_Format(PyExc_ValueError, "items_update_batch(): %zd keys but %zd values",
			     PySequence_Fast_GET_SIZE(kseq), PySequence_Fast_GET_SIZE(vseq));
		goto out;
	}
	kbuf = pack(t, kseq, false, &nk);
	vbuf = kbuf ? pack(t, vseq, true, &nv) : NULL;
	if (!vbuf)
		goto out;
	count = (uint32_t)nk;
	err = nk ? bpfy_map__update_batch(t->fd, kbuf, vbuf, &count, BPF_ANY) : 0;
	if (err)
		bpfy_table_raise(t, err, "update batch");
	else
		r = Py_NewRef(Py_None);
out:
	PyMem_Free(kbuf);
	PyMem_Free(vbuf);
	Py_XDECREF(kseq);
	Py_XDECREF(vseq);
	return r;
}
