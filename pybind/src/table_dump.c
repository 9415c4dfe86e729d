/*
 * Whole-map reads: batch lookups in chunks when the kernel has them for the
 * map type (table_read.c), else a next_key walk with one lookup per key.
 * Also the key iterator, counting and deleting everything.
 */
#include "table.h"

#include <errno.h>
#include <string.h>

/* The most walked elements before giving up: a map changing under a walk
 * can restart it (next_key of a deleted key is the first key). */
static uint64_t walk_cap(bpfy_table *t)
{
	return t->max_entries ? (uint64_t)t->max_entries * 2 + 16 : UINT64_MAX;
}

/* Walk reader: fn gets one element at a time. 0 or -1. */
static int read_walk(bpfy_table *t, bool want_values, bpfy_chunk_fn fn, void *ctx)
{
	unsigned char *cur, *next, *value, *buf, *tmp;
	uint64_t seen = 0, cap = walk_cap(t);
	int err, ret = -1;

	buf = bpfy_table_alloc(2 * (size_t)t->key_size + t->vbuf_size);
	if (!buf)
		return -1;
	cur = buf;
	next = buf + t->key_size;
	value = buf + 2 * (size_t)t->key_size;
	err = bpfy_map__next_key(t->fd, NULL, next);
	while (err == 0 && seen++ < cap) {
		if (want_values) {
			err = bpfy_map__lookup(t->fd, next, value, t->vbuf_size, 0);
			if (err && err != -ENOENT) {	/* ENOENT: deleted meanwhile */
				bpfy_table_raise(t, err, "lookup");
				goto out;
			}
		}
		if (err == 0 && fn(t, next, value, 1, ctx) < 0)
			goto out;
		tmp = cur;
		cur = next;
		next = tmp;
		err = bpfy_map__next_key(t->fd, cur, next);
	}
	if (err && err != -ENOENT) {
		bpfy_table_raise(t, err, "next key");
		goto out;
	}
	ret = 0;
out:
	PyMem_Free(buf);
	return ret;
}

/* -------------------------------------------------------------- dumping */

struct dump_ctx {
	PyObject *list;
	enum bpfy_dump_what what;
};

/* Room for `more` items past the list's size: list_resize's job, done once
 * per chunk instead of once per element (arrays: their exact length). */
static int list_reserve(bpfy_table *t, PyObject *list, size_t more)
{
	PyListObject *l = (PyListObject *)list;
	size_t need = (size_t)Py_SIZE(l) + more, cap = (size_t)l->allocated;
	PyObject **items;

	if (need <= cap)
		return 0;
	cap += cap / 2;
	if (t->traits->array && cap < t->max_entries)
		cap = t->max_entries;
	if (cap < need)
		cap = need;
	items = cap <= PY_SSIZE_T_MAX / sizeof(PyObject *)
			? PyMem_Realloc(l->ob_item, cap * sizeof(PyObject *)) : NULL;
	if (!items) {
		PyErr_NoMemory();
		return -1;
	}
	l->ob_item = items;
	l->allocated = (Py_ssize_t)cap;
	return 0;
}

/* Plain integer keys and values (u32, u64, pid_t...): decoded without the
 * per-element dispatch of bpfy_table_decode_key/value. */
static bool int_keys(bpfy_table *t)
{
	return t->traits->key_kind != BPFY_KEY_LPM && t->key->kind == BPFY_CODEC_INT &&
	       t->key->size <= 8;
}

static bool int_values(bpfy_table *t)
{
	return t->traits->value_kind == BPFY_VALUE_PLAIN && t->leaf->kind == BPFY_CODEC_INT &&
	       t->leaf->size <= 8;
}

static PyObject *decode_key(bpfy_table *t, bool fast, const unsigned char *kbuf)
{
	return fast ? bpfy_codec_decode_int(t->key, kbuf) : bpfy_table_decode_key(t, kbuf);
}

/* (Per-CPU lists: bpfy_table_decode_value picks the int decoder once.) */
static PyObject *decode_value(bpfy_table *t, bool fast, const unsigned char *vbuf)
{
	if (fast && !t->traits->percpu)
		return bpfy_codec_decode_int(t->leaf, vbuf);
	return bpfy_table_decode_value(t, vbuf);
}

static int append_chunk(bpfy_table *t, const unsigned char *keys, const unsigned char *values,
			uint32_t n, void *opaque)
{
	struct dump_ctx *ctx = opaque;
	bool want_k = ctx->what != BPFY_DUMP_VALUES, want_v = ctx->what != BPFY_DUMP_KEYS;
	bool fast_k = want_k && int_keys(t), fast_v = want_v && int_values(t);
	PyObject *k = NULL, *v = NULL, *item;
	Py_ssize_t size;
	uint32_t i;

	if (list_reserve(t, ctx->list, n) < 0)
		return -1;
	size = PyList_GET_SIZE(ctx->list);
	for (i = 0; i < n; i++) {
		if (want_k) {
			k = decode_key(t, fast_k, keys + (size_t)i * t->key_size);
			if (!k)
				return -1;
		}
		if (want_v) {
			v = decode_value(t, fast_v, values + (size_t)i * t->vbuf_size);
			if (!v) {
				Py_XDECREF(k);
				return -1;
			}
		}
		if (ctx->what == BPFY_DUMP_ITEMS) {
			item = PyTuple_New(2);
			if (!item) {
				Py_DECREF(k);
				Py_DECREF(v);
				return -1;
			}
			PyTuple_SET_ITEM(item, 0, k);
			PyTuple_SET_ITEM(item, 1, v);
			/* what the GC does to such tuples itself, at once: a pair
			 * of non-container objects cannot be part of a cycle */
			if (!PyObject_IS_GC(k) && !PyObject_IS_GC(v))
				PyObject_GC_UnTrack(item);
		} else {
			item = k ? k : v;
		}
		k = v = NULL;
		/* room reserved above; the list stays valid at every step */
		PyList_SET_ITEM(ctx->list, size, item);
		Py_SET_SIZE(ctx->list, ++size);
	}
	return 0;
}

/* Batch dump for bpfy_table_dump and items_*_batch: 1 when unsupported. */
int bpfy_table_dump_batch(bpfy_table *t, bool and_delete, PyObject *list)
{
	struct dump_ctx ctx = { list, BPFY_DUMP_ITEMS };
	int gc_was_on = PyGC_Disable(), ret;

	/* no collection while a million new objects arrive: they are all
	 * reachable from the list; one young collection runs afterwards */
	ret = bpfy_table_read_batches(t, and_delete, append_chunk, &ctx);
	if (gc_was_on)
		PyGC_Enable();
	return ret;
}

PyObject *bpfy_table_dump(bpfy_table *t, enum bpfy_dump_what what)
{
	struct dump_ctx ctx = { PyList_New(0), what };
	int gc_was_on, ret;

	if (!ctx.list)
		return NULL;
	gc_was_on = PyGC_Disable();	/* see bpfy_table_dump_batch */
	ret = bpfy_table_read_all(t, what != BPFY_DUMP_KEYS, append_chunk, &ctx);
	if (gc_was_on)
		PyGC_Enable();
	if (ret == 0)
		return ctx.list;
	Py_DECREF(ctx.list);
	return NULL;
}

int bpfy_table_read_all(bpfy_table *t, bool want_values, bpfy_chunk_fn fn, void *ctx)
{
	int ret;

	if (t->batch_ok) {
		ret = bpfy_table_read_batches(t, false, fn, ctx);
		if (ret <= 0)
			return ret;
		t->batch_ok = false;
	}
	return read_walk(t, want_values, fn, ctx);
}

static int count_one(bpfy_table *t, const unsigned char *keys, const unsigned char *values,
		     uint32_t n, void *ctx)
{
	*(Py_ssize_t *)ctx += n;
	return 0;
}

Py_ssize_t bpfy_table_count(bpfy_table *t)
{
	Py_ssize_t n = 0;

	return read_walk(t, false, count_one, &n) < 0 ? -1 : n;
}

/* ------------------------------------------------------------- deleting */

struct key_buf {
	unsigned char *data;
	size_t len, cap;
};

static int collect_key(bpfy_table *t, const unsigned char *keys, const unsigned char *values,
		       uint32_t n, void *ctx)
{
	struct key_buf *kb = ctx;
	size_t need = kb->len + (size_t)n * t->key_size;

	if (need > kb->cap) {
		size_t cap = kb->cap ? kb->cap * 2 : 4096;
		unsigned char *p;

		while (cap < need)
			cap *= 2;
		p = PyMem_Realloc(kb->data, cap);
		if (!p) {
			PyErr_NoMemory();
			return -1;
		}
		kb->data = p;
		kb->cap = cap;
	}
	memcpy(kb->data + kb->len, keys, (size_t)n * t->key_size);
	kb->len = need;
	return 0;
}

static int ignore_chunk(bpfy_table *t, const unsigned char *keys, const unsigned char *values,
			uint32_t n, void *ctx)
{
	return 0;
}

/* Deletes `n` keys: one batch syscall, else one by one (absent keys are fine). */
int bpfy_table_delete_keys(bpfy_table *t, const unsigned char *keys, uint32_t n)
{
	uint32_t i, count = n;
	int err;

	if (n == 0)
		return 0;
	if (t->batch_ok) {
		err = bpfy_map__delete_batch(t->fd, keys, &count);
		if (err == 0)
			return 0;
		if (!bpfy_batch_unsupported(err) || count) {
			bpfy_table_raise(t, err, "delete batch");
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		err = bpfy_map__delete(t->fd, keys + (size_t)i * t->key_size);
		if (err && err != -ENOENT) {
			bpfy_table_raise(t, err, "delete");
			return -1;
		}
	}
	return 0;
}

int bpfy_table_delete_all(bpfy_table *t)
{
	struct key_buf kb = { 0 };
	int ret;

	if (t->batch_ok) {
		ret = bpfy_table_read_batches(t, true, ignore_chunk, NULL);
		if (ret <= 0)
			return ret;
	}
	/* no batch ops: snapshot the keys, then delete them */
	ret = read_walk(t, false, collect_key, &kb);
	if (ret == 0 && t->key_size)
		ret = bpfy_table_delete_keys(t, kb.data, (uint32_t)(kb.len / t->key_size));
	PyMem_Free(kb.data);
	return ret;
}

/* -------------------------------------------------------------- iterator */

typedef struct {
	PyObject_HEAD
	bpfy_table *table;	/* strong */
	unsigned char *key;	/* last key returned, key_size bytes */
	bool started, done;
} table_iter;

static PyObject *iter_next(table_iter *it)
{
	bpfy_table *t = it->table;
	unsigned char *next;
	int err;

	if (it->done)
		return NULL;
	if (bpfy_table_check(t) < 0)
		return NULL;
	next = bpfy_table_alloc(t->key_size);
	if (!next)
		return NULL;
	err = bpfy_map__next_key(t->fd, it->started ? it->key : NULL, next);
	if (err) {
		PyMem_Free(next);
		it->done = true;
		if (err != -ENOENT)
			bpfy_table_raise(t, err, "next key");
		return NULL;
	}
	PyMem_Free(it->key);
	it->key = next;
	it->started = true;
	return bpfy_table_decode_key(t, next);
}

static int iter_traverse(table_iter *it, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(it));
	Py_VISIT(it->table);
	return 0;
}

static int iter_clear(table_iter *it)
{
	Py_CLEAR(it->table);
	return 0;
}

static void iter_dealloc(table_iter *it)
{
	PyTypeObject *tp = Py_TYPE(it);

	PyObject_GC_UnTrack(it);
	iter_clear(it);
	PyMem_Free(it->key);
	tp->tp_free(it);
	Py_DECREF(tp);
}

static PyType_Slot iter_slots[] = {
	{ Py_tp_iter, PyObject_SelfIter },
	{ Py_tp_iternext, iter_next },
	{ Py_tp_traverse, iter_traverse },
	{ Py_tp_clear, iter_clear },
	{ Py_tp_dealloc, iter_dealloc },
	{ 0, NULL },
};

static PyType_Spec iter_spec = {
	.name = "bpfy._bpfy.TableIterator",
	.basicsize = sizeof(table_iter),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = iter_slots,
};

#define ITER_KEY "_TableIterator"	/* private entry of st->table_types */

int bpfy_table_iter_type_init(PyObject *module, bpfy_state *st)
{
	PyObject *type = PyType_FromModuleAndSpec(module, &iter_spec, NULL);
	int ret;

	if (!type)
		return -1;
	ret = PyDict_SetItemString(st->table_types, ITER_KEY, type);
	Py_DECREF(type);
	return ret;
}

PyObject *bpfy_table_iter(PyObject *self)
{
	bpfy_table *t = (bpfy_table *)self;
	PyTypeObject *type;
	table_iter *it;

	if (bpfy_table_check(t) < 0)
		return NULL;
	if (t->traits->no_iter) {
		bpfy_table_not_applicable(t, "iteration");
		return NULL;
	}
	type = (PyTypeObject *)PyDict_GetItemString(t->st->table_types, ITER_KEY);
	if (!type) {
		PyErr_SetString(PyExc_SystemError, "bpfy table iterator type missing");
		return NULL;
	}
	it = (table_iter *)type->tp_alloc(type, 0);
	if (!it)
		return NULL;
	it->table = (bpfy_table *)Py_NewRef(self);
	return (PyObject *)it;
}
