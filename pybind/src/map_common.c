/*
 * What every table has beyond the mapping protocol: pinning, reopening a
 * pin with checks, closing owned maps, and the raw dump behind to_numpy().
 */
#include "table.h"

#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

const char bpfy_table_pin_doc[] =
	"pin(path, mode=0o600)\n--\n\nPins the map at path in a bpffs (file mode `mode`). The "
	"pin outlives this process until unpin() or rm.";
const char bpfy_table_unpin_doc[] =
	"unpin(path=None)\n--\n\nRemoves the pin at path (default: the last pin() of this table).";
const char bpfy_table_close_doc[] =
	"close()\n--\n\nReleases the map's fd when this table owns it (created with create_map, "
	"opened with from_pinned, read from a map-in-map). Tables of declared maps close with "
	"their BPF object; close() is then a no-op.";
const char bpfy_table_from_pinned_doc[] =
	"from_pinned(path, type=None, key_size=None, value_size=None, max_entries=None, "
	"flags=None, like=None)\n--\n\nOpens the map pinned at path as a table that owns its fd. "
	"Each given expectation (type as a number or a name like 'hash'; or like=<table> for all "
	"of them) is checked and a mismatch raises ValueError. Called on a table family "
	"(bpfy.HashTable.from_pinned) the map must be of that family.";
const char bpfy_table_dump_raw_doc[] =
	"_dump_raw()\n--\n\n(keys: bytes, values: bytes, count): every element packed as the "
	"kernel returns them (per-CPU values padded to 8 bytes per CPU). One batch dump.";

PyObject *bpfy_table_pin(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
			 PyObject *kwnames)
{
	static const char *const names[] = { "path", "mode" };
	bpfy_table *t = (bpfy_table *)self;
	struct bpfy_error error = { 0 };
	PyObject *argv[2], *path = NULL;
	unsigned long mode = 0600;
	int err;

	if (bpfy_table_check(t) < 0 ||
	    bpfy_parse_args("pin", args, nargs, kwnames, names, 2, 1, argv) < 0)
		return NULL;
	if (argv[1]) {
		mode = PyLong_AsUnsignedLong(argv[1]);
		if (mode == (unsigned long)-1 && PyErr_Occurred())
			return NULL;
		if (mode > 07777) {
			PyErr_Format(PyExc_ValueError, "pin(): bad mode %lo", mode);
			return NULL;
		}
	}
	if (!PyUnicode_FSDecoder(argv[0], &path))
		return NULL;
	err = bpfy_map__pin(t->fd, PyUnicode_AsUTF8(path), (uint32_t)mode, &error);
	if (err) {
		Py_DECREF(path);
		return bpfy_raise(t->st, &error);
	}
	Py_XSETREF(t->pin_path, path);
	Py_RETURN_NONE;
}

PyObject *bpfy_table_unpin(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	bpfy_table *t = (bpfy_table *)self;
	struct bpfy_error error = { 0 };
	PyObject *path = NULL;
	int err;

	if (nargs > 1) {
		PyErr_SetString(PyExc_TypeError, "unpin(path=None)");
		return NULL;
	}
	if (nargs == 1 && args[0] != Py_None) {
		if (!PyUnicode_FSDecoder(args[0], &path))
			return NULL;
	} else if (t->pin_path) {
		path = Py_NewRef(t->pin_path);
	} else {
		PyErr_Format(PyExc_ValueError, "table '%U' was not pinned by pin()", t->name);
		return NULL;
	}
	err = bpfy_map__unpin(PyUnicode_AsUTF8(path), &error);
	if (!err && t->pin_path && PyUnicode_Compare(path, t->pin_path) == 0)
		Py_CLEAR(t->pin_path);
	Py_DECREF(path);
	if (err)
		return bpfy_raise(t->st, &error);
	Py_RETURN_NONE;
}

PyObject *bpfy_table_close(PyObject *self, PyObject *unused)
{
	bpfy_table *t = (bpfy_table *)self;

	Py_CLEAR(t->mapping);	/* views already handed out keep it mapped */
	if (t->ref) {
		bpfy_map_ref__close(t->ref);
		t->ref = NULL;
		t->ref_closed = true;
		t->fd = -1;
		t->desc = NULL;
	}
	Py_RETURN_NONE;
}

PyObject *bpfy_table_enter(PyObject *self, PyObject *unused)
{
	return bpfy_table_check((bpfy_table *)self) < 0 ? NULL : Py_NewRef(self);
}

PyObject *bpfy_table_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	PyObject *r = bpfy_table_close(self, NULL);

	Py_XDECREF(r);
	return r ? Py_NewRef(Py_False) : NULL;
}

/* ----------------------------------------------------------- from_pinned */

/* Compares one expectation with the pinned map: 0, or -1 with ValueError. */
static int expect(bpfy_table *t, PyObject *path, const char *what, PyObject *want, uint32_t got)
{
	unsigned long v;

	if (!want || want == Py_None)
		return 0;
	v = PyLong_AsUnsignedLong(want);
	if (v == (unsigned long)-1 && PyErr_Occurred())
		return -1;
	if (v == got)
		return 0;
	PyErr_Format(PyExc_ValueError, "pinned map '%U' at %R: %s is %u, expected %lu", t->name,
		     path, what, got, v);
	return -1;
}

/* A map type given as a number or a name, as an int object. New ref. */
static PyObject *type_number(PyObject *want)
{
	int type;

	if (!want || want == Py_None || !PyUnicode_Check(want))
		return Py_XNewRef(want);
	type = bpfy_map_type__from_name(PyUnicode_AsUTF8(want));
	if (type < 0) {
		PyErr_Format(PyExc_ValueError, "unknown map type %R", want);
		return NULL;
	}
	return PyLong_FromLong(type);
}

static int check_pinned(bpfy_table *t, PyTypeObject *cls, PyObject *path, PyObject **want)
{
	static const char *const what[] = { "type", "key_size", "value_size", "max_entries",
					    "flags" };
	uint32_t got[] = { t->map_type, t->key_size, t->value_size, t->max_entries, t->map_flags };
	bpfy_table *like = (bpfy_table *)want[5];
	int i;

	if (like && (PyObject *)like != Py_None) {
		if (!PyObject_TypeCheck((PyObject *)like, t->st->Table_Type)) {
			PyErr_SetString(PyExc_TypeError, "from_pinned(): like must be a table");
			return -1;
		}
		uint32_t ref[] = { like->map_type, like->key_size, like->value_size,
				   like->max_entries, like->map_flags };
		for (i = 0; i < 5; i++)
			if (ref[i] != got[i]) {
				PyErr_Format(PyExc_ValueError, "pinned map '%U' at %R: %s is %u, "
					     "table '%U' has %u", t->name, path, what[i], got[i],
					     like->name, ref[i]);
				return -1;
			}
	}
	for (i = 0; i < 5; i++)
		if (expect(t, path, what[i], want[i], got[i]) < 0)
			return -1;
	if (cls != t->st->Table_Type && !PyObject_TypeCheck((PyObject *)t, cls)) {
		PyErr_Format(PyExc_ValueError, "pinned map '%U' at %R is a %s map (%s), not a %s",
			     t->name, path, bpfy_table_type_name(t), t->traits->family,
			     cls->tp_name);
		return -1;
	}
	return 0;
}

PyObject *bpfy_table_from_pinned(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
				 PyObject *kwnames)
{
	static const char *const names[] = { "path", "type", "key_size", "value_size",
					     "max_entries", "flags", "like" };
	bpfy_state *st = bpfy_state_from_type((PyTypeObject *)cls);
	struct bpfy_error error = { 0 };
	struct bpfy_map_ref *ref;
	PyObject *argv[7], *path = NULL, *table = NULL;

	if (!st || bpfy_parse_args("from_pinned", args, nargs, kwnames, names, 7, 1, argv) < 0)
		return NULL;
	if (!PyUnicode_FSDecoder(argv[0], &path))
		return NULL;
	argv[1] = type_number(argv[1]);
	if (PyErr_Occurred())
		goto out;
	Py_BEGIN_ALLOW_THREADS
	ref = bpfy_map_ref__open_pinned(PyUnicode_AsUTF8(path), &error);
	Py_END_ALLOW_THREADS
	if (!ref) {
		bpfy_raise(st, &error);
		goto out;
	}
	table = bpfy_table_from_desc(st, NULL, bpfy_map_ref__desc(ref), ref);
	if (table && check_pinned((bpfy_table *)table, (PyTypeObject *)cls, path, argv + 1) < 0)
		Py_CLEAR(table);
out:
	Py_XDECREF(argv[1]);
	Py_DECREF(path);
	return table;
}

/* -------------------------------------------------------------- raw dump */

struct raw_ctx {
	PyObject *keys, *values;	/* bytes, resized as they fill */
	size_t n, cap;
};

static int grow(PyObject **bytes, size_t size)
{
	return _PyBytes_Resize(bytes, (Py_ssize_t)size);
}

/* Room for `more` elements past c->n. 0 or -1. */
static int reserve(bpfy_table *t, struct raw_ctx *c, size_t more)
{
	size_t cap;

	if (c->n + more <= c->cap)
		return 0;
	cap = c->cap * 2 > c->n + more ? c->cap * 2 : c->n + more;
	if (grow(&c->keys, cap * t->key_size) < 0 || grow(&c->values, cap * t->vbuf_size) < 0)
		return -1;
	c->cap = cap;
	return 0;
}

static int raw_chunk(bpfy_table *t, const unsigned char *keys, const unsigned char *values,
		     uint32_t n, void *opaque)
{
	struct raw_ctx *c = opaque;

	if (reserve(t, c, n) < 0)
		return -1;
	memcpy(PyBytes_AS_STRING(c->keys) + c->n * t->key_size, keys, (size_t)n * t->key_size);
	memcpy(PyBytes_AS_STRING(c->values) + c->n * t->vbuf_size, values,
	       (size_t)n * t->vbuf_size);
	c->n += n;
	return 0;
}

#define RAW_CHUNK_BYTES (4u << 20)	/* keys + values per batch syscall of a raw dump */
#define RAW_PREALLOC_MAX (256u << 20)	/* bytes reserved up front at most */

/*
 * Batch dump straight into the result buffers: the kernel writes each chunk
 * where it belongs, nothing is copied after it. 0 done, 1 no batch ops for
 * this map (nothing read), -1 with an exception.
 */
static int raw_batches(bpfy_table *t, struct raw_ctx *c)
{
	unsigned char in[64], out[64];
	size_t per = (size_t)t->key_size + t->vbuf_size;
	uint32_t chunk = t->batch_chunk ? t->batch_chunk : RAW_CHUNK_BYTES / (per ? per : 1), count;
	bool first = true;
	int err;

	if (t->key_size > sizeof(in))
		return 1;
	if (t->max_entries && chunk > t->max_entries)
		chunk = t->max_entries;
	if (chunk == 0)
		chunk = 1;
	for (;;) {
		if (reserve(t, c, chunk) < 0)
			return -1;
		count = chunk;
		Py_BEGIN_ALLOW_THREADS
		err = bpfy_map__lookup_batch(t->fd, first ? NULL : in, out,
					     PyBytes_AS_STRING(c->keys) + c->n * t->key_size,
					     t->key_size,
					     PyBytes_AS_STRING(c->values) + c->n * t->vbuf_size,
					     t->vbuf_size, &count, false);
		Py_END_ALLOW_THREADS
		if (err == -ENOSPC && count == 0 && chunk < UINT32_MAX / 2) {
			chunk *= 2;	/* a bucket larger than the chunk */
			continue;
		}
		if (err && err != -ENOENT) {
			if (first && bpfy_batch_unsupported(err))
				return 1;
			bpfy_table_raise(t, err, "lookup batch");
			return -1;
		}
		c->n += count;
		if (err == -ENOENT)
			return 0;
		memcpy(in, out, sizeof(in));
		first = false;
	}
}

PyObject *bpfy_table_dump_raw(PyObject *self, PyObject *unused)
{
	bpfy_table *t = (bpfy_table *)self;
	struct raw_ctx c = { 0 };
	size_t per = (size_t)t->key_size + t->vbuf_size;
	PyObject *r = NULL;
	int ret = 1;

	if (bpfy_table_check(t) < 0)
		return NULL;
	if (t->traits->no_iter || t->traits->no_lookup)
		return bpfy_table_not_applicable(t, "a dump"), NULL;
	/* a hash map holds at most max_entries: reserve that when it is modest */
	c.cap = t->max_entries && per && (size_t)t->max_entries * per <= RAW_PREALLOC_MAX
			? t->max_entries : 4096;
	c.keys = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(c.cap * t->key_size) + 1);
	c.values = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(c.cap * t->vbuf_size) + 1);
	if (!c.keys || !c.values)
		goto out;
	if (t->batch_ok)
		ret = raw_batches(t, &c);
	if (ret > 0) {
		t->batch_ok = false;
		c.n = 0;
		ret = bpfy_table_read_all(t, true, raw_chunk, &c);
	}
	if (ret < 0)
		goto out;
	if (grow(&c.keys, c.n * t->key_size) < 0 || grow(&c.values, c.n * t->vbuf_size) < 0)
		goto out;
	r = Py_BuildValue("(OOn)", c.keys, c.values, (Py_ssize_t)c.n);
out:
	Py_XDECREF(c.keys);
	Py_XDECREF(c.values);
	return r;
}

/* ---------------------------------------------------------- numpy, pandas */

const char bpfy_table_numpy_doc[] =
	"to_numpy()\n--\n\nThe whole map as a numpy structured array with fields 'key' and "
	"'value' (per-CPU values: shape (n, cpus)), from one batch dump. Needs numpy.";
const char bpfy_table_pandas_doc[] =
	"to_pandas()\n--\n\nThe whole map as a pandas DataFrame (one column per key/value "
	"field; per-CPU values as one column per CPU). Needs pandas.";

static PyObject *call_helper(PyObject *self, const char *fn)
{
	PyObject *mod = PyImport_ImportModule("bpfy.maps"), *r;

	if (!mod)
		return NULL;
	r = PyObject_CallMethod(mod, fn, "(O)", self);
	Py_DECREF(mod);
	return r;
}

/*
 * to_numpy(): the batch reader's chunks packed straight into the result's
 * memory (key, then the value or each CPU's value, as numpy's packed
 * structured dtype lays them out), while the next chunk is read; the array
 * is a view of that one buffer. No second copy, no fresh pages beyond it.
 */
struct pack_ctx {
	PyObject *buf;		/* bytearray */
	size_t n, cap, item;	/* elements, room, bytes per element */
};

static int pack_chunk(bpfy_table *t, const unsigned char *keys, const unsigned char *values,
		      uint32_t n, void *opaque)
{
	struct pack_ctx *c = opaque;
	int slots = t->traits->percpu ? t->ncpus : 1;
	unsigned char *out;

	if (c->n + n > c->cap) {
		size_t cap = c->cap * 2 > c->n + n ? c->cap * 2 : c->n + n;

		if (PyByteArray_Resize(c->buf, (Py_ssize_t)(cap * c->item)) < 0)
			return -1;
		c->cap = cap;
	}
	out = (unsigned char *)PyByteArray_AS_STRING(c->buf) + c->n * c->item;
	if (t->key_size == 4 && t->value_size == 8 && slots == 1) {
		for (uint32_t i = 0; i < n; i++, out += 12) {	/* u32 -> u64, the usual */
			memcpy(out, keys + (size_t)i * 4, 4);
			memcpy(out + 4, values + (size_t)i * t->vbuf_size, 8);
		}
	} else {
		for (uint32_t i = 0; i < n; i++) {
			const unsigned char *v = values + (size_t)i * t->vbuf_size;

			memcpy(out, keys + (size_t)i * t->key_size, t->key_size);
			out += t->key_size;
			for (int cpu = 0; cpu < slots; cpu++, out += t->value_size)
				memcpy(out, v + (size_t)cpu * t->stride, t->value_size);
		}
	}
	c->n += n;
	return 0;
}

/* numpy.dtype([("key", k), ("value", v[, (ncpus,)])]), as bpfy.maps builds it. */
static PyObject *numpy_dtype(bpfy_table *t, PyObject *np)
{
	PyObject *k = bpfy_codec_numpy_descr(t->key), *v = k ? bpfy_codec_numpy_descr(t->leaf)
							       : NULL;
	PyObject *fields;

	if (!v) {
		Py_XDECREF(k);
		return NULL;
	}
	if (t->traits->percpu)
		fields = Py_BuildValue("[(sN)(sN(i))]", "key", k, "value", v, t->ncpus);
	else
		fields = Py_BuildValue("[(sN)(sN)]", "key", k, "value", v);
	return fields ? PyObject_CallMethod(np, "dtype", "(N)", fields) : NULL;
}

PyObject *bpfy_table_to_numpy(PyObject *self, PyObject *unused)
{
	bpfy_table *t = (bpfy_table *)self;
	struct pack_ctx c = { 0 };
	PyObject *np = NULL, *dtype = NULL, *itemsize, *r = NULL;
	size_t item;

	if (bpfy_table_check(t) < 0)
		return NULL;
	if (t->traits->no_iter || t->traits->no_lookup)
		return bpfy_table_not_applicable(t, "a dump"), NULL;
	if (t->traits->value_kind != BPFY_VALUE_PLAIN && t->traits->value_kind != BPFY_VALUE_STACK)
		return call_helper(self, "to_numpy");
	np = PyImport_ImportModule("numpy");
	dtype = np ? numpy_dtype(t, np) : NULL;
	itemsize = dtype ? PyObject_GetAttrString(dtype, "itemsize") : NULL;
	if (!itemsize)
		goto out;
	item = PyLong_AsSize_t(itemsize);
	Py_DECREF(itemsize);
	if (item != t->key_size + (size_t)(t->traits->percpu ? t->ncpus : 1) * t->value_size) {
		PyErr_Format(PyExc_SystemError, "table '%U': numpy itemsize %zd, expected %zu",
			     t->name, (Py_ssize_t)item, t->key_size + (size_t)t->value_size);
		goto out;
	}
	c.item = item;
	/* a map holds at most max_entries: reserve that when it is modest */
	c.cap = t->max_entries && (size_t)t->max_entries * item <= RAW_PREALLOC_MAX
			? t->max_entries : 4096;
	c.buf = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(c.cap * item));
	if (!c.buf || bpfy_table_read_all(t, true, pack_chunk, &c) < 0 ||
	    PyByteArray_Resize(c.buf, (Py_ssize_t)(c.n * item)) < 0)
		goto out;
	if (c.n)
		r = PyObject_CallMethod(np, "frombuffer", "OO", c.buf, dtype);
	else
		r = PyObject_CallMethod(np, "empty", "iO", 0, dtype);
out:
	Py_XDECREF(c.buf);
	Py_XDECREF(dtype);
	Py_XDECREF(np);
	return r;
}

PyObject *bpfy_table_to_pandas(PyObject *self, PyObject *unused)
{
	return call_helper(self, "to_pandas");
}

PyObject *bpfy_table_dtype_parts(PyObject *self, void *closure)
{
	bpfy_table *t = (bpfy_table *)self;
	PyObject *k = bpfy_codec_numpy_descr(t->key), *v = k ? bpfy_codec_numpy_descr(t->leaf)
							       : NULL;

	if (!v) {
		Py_XDECREF(k);
		return NULL;
	}
	return Py_BuildValue("(NNiIIn)", k, v, t->traits->percpu ? t->ncpus : 0, t->stride,
			     t->key_size, (Py_ssize_t)t->vbuf_size);
}
