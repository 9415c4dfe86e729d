/*
 * PerfEventArray and RingBuf tables: open a buffer with a Python callback
 * (bcc's open_perf_buffer / open_ring_buffer), decode records (event()),
 * or drain them in batches (read(), _read_raw() behind read_numpy()).
 * The buffers themselves belong to the BPF object's poller; the table
 * holds the poller and its own source.
 */
#include <errno.h>

#include "events.h"

#define IMPLICIT_PERF_PAGES 64

int bpfy_event_table_check(bpfy_event_table *t)
{
	if (t->closed) {
		PyErr_Format(PyExc_ValueError, "table '%U' is closed", t->name);
		return -1;
	}
	if (!t->owner->obj) {
		PyErr_Format(PyExc_ValueError, "table '%U': its BPF object is closed", t->name);
		return -1;
	}
	return 0;
}

struct bpfy_event_source *bpfy_event_table_source(bpfy_event_table *t)
{
	if (t->closed || !t->owner->obj || !t->poller || !t->poller->events)
		return NULL;
	return t->src;
}

static const char *kind_word(bpfy_event_table *t)
{
	return t->kind == BPFY_EVENTS_PERF ? "perf buffer" : "ring buffer";
}

static int check_callable(PyObject *obj, const char *what)
{
	if (obj == Py_None || PyCallable_Check(obj))
		return 0;
	PyErr_Format(PyExc_TypeError, "%s must be callable or None, not %.100s", what,
		     Py_TYPE(obj)->tp_name);
	return -1;
}

static void close_buffer(bpfy_event_table *t);

/* Opens the table's buffer in the object's poller. 0 or -1. */
static int open_buffer(bpfy_event_table *t, size_t page_cnt, uint32_t wakeup)
{
	struct bpfy_perf_buffer_opts opts = { .sz = sizeof(opts) };
	struct bpfy_event_sink sink = bpfy_sink_template;
	struct bpfy_error error = {};
	const char *name = PyUnicode_AsUTF8(t->name);
	bpfy_poller *p;

	sink.ctx = t;
	if (t->callback == Py_None)
		sink.sample = NULL;	/* read() only: object-wide polls skip it */
	if (bpfy_event_table_source(t)) {
		if (!t->implicit) {
			bpfy_raise_errno(t->st, EEXIST, "table '%s': a %s is already open", name,
					 kind_word(t));
			return -1;
		}
		/* opened by read(): a ring keeps its records, a perf buffer is
		 * reopened with the caller's sizes */
		if (t->kind == BPFY_EVENTS_RING) {
			bpfy_event_source__set_sink(t->src, &sink);
			t->implicit = false;
			return 0;
		}
		close_buffer(t);
	}
	p = bpfy_poller_of(t->owner, true);
	if (!p)
		return -1;
	opts.page_cnt = page_cnt;
	opts.wakeup_events = wakeup;
	if (t->kind == BPFY_EVENTS_PERF)
		t->src = bpfy_events__add_perf_buffer(p->events, t->fd, name, &opts, &sink, &error);
	else
		t->src = bpfy_events__add_ring_buffer(p->events, t->fd, name, &sink, &error);
	if (!t->src) {
		bpfy_bpf_raise(t->owner, &error);
		return -1;
	}
	Py_XSETREF(t->poller, (bpfy_poller *)Py_NewRef(p));
	t->implicit = false;
	/* b["events"].open_perf_buffer(cb) then b.perf_buffer_poll(): the BPF
	 * object keeps the table alive while its buffer can be polled */
	return PyDict_SetItem(t->owner->open_tables, t->name, (PyObject *)t);
}

/* The BPF object no longer keeps t alive. Cleanup: runs during dealloc
 * too, so the error indicator (maybe an exception on its way) is kept. */
static void forget_open_table(bpfy_event_table *t)
{
	PyObject *type, *value, *traceback, *held;

	if (!t->owner || !t->owner->open_tables)
		return;
	PyErr_Fetch(&type, &value, &traceback);
	held = PyDict_GetItemWithError(t->owner->open_tables, t->name);
	if (held == (PyObject *)t)
		PyDict_DelItem(t->owner->open_tables, t->name);
	PyErr_Restore(type, value, traceback);
}

/* Frees the table's buffer (deferred while a drain runs). */
static void close_buffer(bpfy_event_table *t)
{
	struct bpfy_event_source *src = bpfy_event_table_source(t);

	if (src) {
		if (t->kind == BPFY_EVENTS_PERF)
			t->lost_prev += bpfy_event_source__lost(src);
		bpfy_poller_remove(t->poller, src);
	}
	t->src = NULL;
	Py_CLEAR(t->poller);
	forget_open_table(t);
}

static int parse_page_cnt(PyObject *obj, size_t *out)
{
	long n = PyLong_AsLong(obj);

	if (n == -1 && PyErr_Occurred())
		return -1;
	if (n <= 0 || (n & (n - 1))) {
		PyErr_Format(PyExc_ValueError, "page_cnt must be a power of two, not %ld", n);
		return -1;
	}
	*out = (size_t)n;
	return 0;
}

PyDoc_STRVAR(open_perf_buffer_doc,
	     "open_perf_buffer(callback, page_cnt=8, lost_cb=None, wakeup_events=1)\n--\n\n"
	     "Open one perf buffer per CPU of page_cnt pages (a power of two). The BPF\n"
	     "object's perf_buffer_poll()/poll() then call callback(cpu, data, size) for\n"
	     "each record (data: bytes) and lost_cb(count) when the kernel dropped records.\n"
	     "wakeup_events=N wakes the poller every N records (faster, more latency).\n"
	     "callback=None opens the buffer for read() only.");

static PyObject *open_perf_buffer(bpfy_event_table *t, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "callback", "page_cnt", "lost_cb", "wakeup_events", NULL };
	PyObject *callback, *pages = NULL, *lost_cb = Py_None;
	unsigned int wakeup = 1;
	size_t page_cnt = 8;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOI:open_perf_buffer", kwlist, &callback,
					 &pages, &lost_cb, &wakeup) ||
	    bpfy_event_table_check(t) || check_callable(callback, "callback") ||
	    check_callable(lost_cb, "lost_cb") || (pages && parse_page_cnt(pages, &page_cnt)))
		return NULL;
	if (wakeup == 0) {
		PyErr_SetString(PyExc_ValueError, "wakeup_events must be at least 1");
		return NULL;
	}
	Py_XSETREF(t->callback, Py_NewRef(callback));
	Py_XSETREF(t->lost_cb, Py_NewRef(lost_cb));
	if (open_buffer(t, page_cnt, wakeup))
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(open_ring_buffer_doc,
	     "open_ring_buffer(callback, ctx=None)\n--\n\n"
	     "Map the ring buffer. The BPF object's ring_buffer_poll()/poll() then call\n"
	     "callback(ctx, data, size) for each record (data: bytes), in order.\n"
	     "callback=None opens the buffer for read() only.");

static PyObject *open_ring_buffer(bpfy_event_table *t, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "callback", "ctx", NULL };
	PyObject *callback, *ctx = Py_None;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:open_ring_buffer", kwlist, &callback,
					 &ctx) ||
	    bpfy_event_table_check(t) || check_callable(callback, "callback"))
		return NULL;
	Py_XSETREF(t->callback, Py_NewRef(callback));
	Py_XSETREF(t->cb_ctx, Py_NewRef(ctx));
	if (open_buffer(t, 0, 0))
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(close_buffer_doc, "close_perf_buffer()\n--\n\n"
			       "Free the table's buffer (reopen with open_*_buffer).");

static PyObject *close_buffer_method(bpfy_event_table *t, PyObject *unused)
{
	close_buffer(t);
	Py_RETURN_NONE;
}

PyDoc_STRVAR(event_doc, "event(data)\n--\n\n"
			"Decode one record (the callback's data) into the table's event_type: a\n"
			"record with named fields, a ctypes structure, or bytes. Copies the data.");

static PyObject *event(bpfy_event_table *t, PyObject *data)
{
	Py_buffer view;
	PyObject *out;

	if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE))
		return NULL;
	out = bpfy_event_decode(t, view.buf, view.len);
	PyBuffer_Release(&view);
	return out;
}

static int parse_max(PyObject *obj, uint64_t *max)
{
	long long n;

	*max = 0;
	if (!obj || obj == Py_None)
		return 0;
	n = PyLong_AsLongLong(obj);
	if (n == -1 && PyErr_Occurred())
		return -1;
	if (n <= 0) {
		PyErr_Format(PyExc_ValueError, "max_events must be positive, not %lld", n);
		return -1;
	}
	*max = (uint64_t)n;
	return 0;
}

/* Opens a read()-only buffer when none is open yet. */
static int ensure_open(bpfy_event_table *t)
{
	if (bpfy_event_table_check(t))
		return -1;
	if (bpfy_event_table_source(t))
		return 0;
	if (!t->lost_cb)
		t->lost_cb = Py_NewRef(Py_None);
	if (!t->cb_ctx)
		t->cb_ctx = Py_NewRef(Py_None);
	Py_XSETREF(t->callback, Py_NewRef(Py_None));
	if (open_buffer(t, IMPLICIT_PERF_PAGES, 1))
		return -1;
	t->implicit = true;
	return 0;
}

PyDoc_STRVAR(read_doc,
	     "read(max_events=None, timeout=0)\n--\n\n"
	     "Drain up to max_events records (all waiting when None) and return them\n"
	     "decoded as event() does, in a list. timeout (seconds, None: forever) is how\n"
	     "long to wait for the first record. Opens the buffer when none is open.");

static PyObject *read_events(bpfy_event_table *t, PyObject *const *args, Py_ssize_t nargs,
			     PyObject *kwnames)
{
	static const char *const names[] = { "max_events", "timeout" };
	PyObject *argv[2] = { NULL, NULL }, *list;
	struct bpfy_list_sink sink;
	uint64_t max;
	int timeout_ms;

	if (bpfy_events_args("read", args, nargs, kwnames, names, 2, argv) ||
	    parse_max(argv[0], &max) || bpfy_events_timeout(argv[1], &timeout_ms))
		return NULL;
	if (ensure_open(t))
		return NULL;
	list = PyList_New(0);
	if (!list)
		return NULL;
	bpfy_list_sink_init(&sink, t, list);
	if (bpfy_poller_run(t->poller, t->owner, t->kind, t, &sink.sink, NULL, max, timeout_ms) < 0)
		Py_CLEAR(list);
	return list;
}

PyDoc_STRVAR(read_raw_doc,
	     "_read_raw(record_size, max_events=None, timeout=0) -> buffer\n--\n\n"
	     "Drain records into one buffer object, each cut or zero-padded to\n"
	     "record_size bytes (the fast path behind read_numpy()).");

static PyObject *read_raw(bpfy_event_table *t, PyObject *const *args, Py_ssize_t nargs,
			  PyObject *kwnames)
{
	static const char *const names[] = { "record_size", "max_events", "timeout" };
	PyObject *argv[3] = { NULL, NULL, NULL };
	struct bpfy_copy_sink sink;
	uint64_t max;
	long rec_size;
	int timeout_ms;

	if (bpfy_events_args("_read_raw", args, nargs, kwnames, names, 3, argv))
		return NULL;
	if (!argv[0]) {
		PyErr_SetString(PyExc_TypeError, "_read_raw() needs record_size");
		return NULL;
	}
	rec_size = PyLong_AsLong(argv[0]);
	if (rec_size == -1 && PyErr_Occurred())
		return NULL;
	if (rec_size <= 0 || rec_size > (1 << 24)) {
		PyErr_Format(PyExc_ValueError, "record_size out of range: %ld", rec_size);
		return NULL;
	}
	if (parse_max(argv[1], &max) || bpfy_events_timeout(argv[2], &timeout_ms))
		return NULL;
	if (ensure_open(t))
		return NULL;
	if (bpfy_copy_sink_init(&sink, t, (uint32_t)rec_size))
		return NULL;
	if (bpfy_poller_run(t->poller, t->owner, t->kind, t, NULL, &sink, max, timeout_ms) < 0) {
		bpfy_copy_sink_abandon(&sink);
		return NULL;
	}
	return bpfy_copy_sink_finish(&sink);
}

PyDoc_STRVAR(fileno_doc, "fileno()\n--\n\n"
			 "An fd readable when this table's buffer has records (for selectors and\n"
			 "asyncio; then call read(timeout=0)). Opens the buffer when none is open.");

static PyObject *table_fileno(bpfy_event_table *t, PyObject *unused)
{
	if (ensure_open(t))
		return NULL;
	return PyLong_FromLong(bpfy_event_source__fd(t->src));
}

PyDoc_STRVAR(close_doc, "close()\n--\n\nFree the table's buffer; the table is unusable after.");

static PyObject *table_close(bpfy_event_table *t, PyObject *unused)
{
	close_buffer(t);
	t->closed = true;
	Py_RETURN_NONE;
}

static PyObject *table_enter(bpfy_event_table *t, PyObject *unused)
{
	if (bpfy_event_table_check(t))
		return NULL;
	return Py_NewRef(t);
}

static PyObject *table_exit(bpfy_event_table *t, PyObject *args)
{
	table_close(t, NULL);
	Py_RETURN_FALSE;
}

/* ------------------------------------------------------------ attributes */

/* Ring buffers: the dialect counts failed writes per CPU in `<map>__lost`. */
static int ring_lost(bpfy_event_table *t, uint64_t *out)
{
	char name[256];
	struct bpfy_map *map;
	const struct bpfy_map_desc *desc;
	unsigned char *buf;
	size_t size, stride;
	uint32_t key = 0;
	int err, ncpus;

	*out = 0;
	snprintf(name, sizeof(name), "%s__lost", PyUnicode_AsUTF8(t->name));
	map = bpfy_object__map_by_name(t->owner->obj, name);
	if (!map)
		return 0;
	desc = bpfy_map__desc(map);
	if (desc->value_size != 8 || desc->key_size != 4)
		return 0;
	ncpus = bpfy_map_type__is_percpu(desc->type) ? bpfy_num_possible_cpus() : 1;
	stride = 8;
	size = bpfy_map_desc__value_buffer_size(desc);
	buf = PyMem_Calloc(1, size ? size : 8);
	if (!buf) {
		PyErr_NoMemory();
		return -1;
	}
	err = bpfy_map__lookup(desc->fd, &key, buf, size ? size : 8, 0);
	for (int cpu = 0; !err && cpu < ncpus; cpu++)
		*out += *(uint64_t *)(buf + cpu * stride);
	PyMem_Free(buf);
	if (err && err != -ENOENT) {
		bpfy_raise_errno(t->st, err, "table '%s': reading its lost counter", name);
		return -1;
	}
	return 0;
}

static PyObject *get_lost(bpfy_event_table *t, void *closure)
{
	struct bpfy_event_source *src;
	uint64_t lost = t->lost_prev;

	if (bpfy_event_table_check(t))
		return NULL;
	if (t->kind == BPFY_EVENTS_RING) {
		if (ring_lost(t, &lost))
			return NULL;
	} else if ((src = bpfy_event_table_source(t))) {
		lost += bpfy_event_source__lost(src);
	}
	return PyLong_FromUnsignedLongLong(lost);
}

static PyObject *get_event_size(bpfy_event_table *t, void *closure)
{
	return PyLong_FromSsize_t(t->event_size);
}

static PyObject *get_dtype_spec(bpfy_event_table *t, void *closure)
{
	return bpfy_event_dtype_spec(t);
}

static PyObject *get_is_open(bpfy_event_table *t, void *closure)
{
	return PyBool_FromLong(bpfy_event_table_source(t) != NULL);
}

static PyObject *table_repr(bpfy_event_table *t)
{
	return PyUnicode_FromFormat("<%s '%U'%s>", Py_TYPE(t)->tp_name, t->name,
				    t->closed || !t->owner->obj ? " closed" : "");
}

/* ----------------------------------------------------------------- GC */

static int table_clear(bpfy_event_table *t)
{
	if (t->poller)
		close_buffer(t);
	Py_CLEAR(t->callback);
	Py_CLEAR(t->lost_cb);
	Py_CLEAR(t->cb_ctx);
	Py_CLEAR(t->event_type);
	Py_CLEAR(t->codec);
	Py_CLEAR(t->from_buffer);
	Py_CLEAR(t->owner);
	return 0;
}

void bpfy_event_table_dealloc(bpfy_event_table *t)
{
	PyTypeObject *tp = Py_TYPE(t);

	PyObject_GC_UnTrack(t);
	if (t->weakreflist)
		PyObject_ClearWeakRefs((PyObject *)t);
	table_clear(t);
	Py_CLEAR(t->name);
	bpfy_block_pool_decref(t->pool);
	tp->tp_free(t);
	Py_DECREF(tp);
}

#define COMMON_METHODS                                                                        \
	{ "event", (PyCFunction)event, METH_O, event_doc },                                    \
	{ "read", (PyCFunction)(void (*)(void))read_events, METH_FASTCALL | METH_KEYWORDS,     \
	  read_doc },                                                                          \
	{ "_read_raw", (PyCFunction)(void (*)(void))read_raw, METH_FASTCALL | METH_KEYWORDS,   \
	  read_raw_doc },                                                                      \
	{ "fileno", (PyCFunction)table_fileno, METH_NOARGS, fileno_doc },                      \
	{ "close", (PyCFunction)table_close, METH_NOARGS, close_doc },                         \
	{ "__enter__", (PyCFunction)table_enter, METH_NOARGS, NULL },                          \
	{ "__exit__", (PyCFunction)table_exit, METH_VARARGS, NULL }

static PyMethodDef perf_methods[] = {
	{ "open_perf_buffer", (PyCFunction)(void (*)(void))open_perf_buffer,
	  METH_VARARGS | METH_KEYWORDS, open_perf_buffer_doc },
	{ "close_perf_buffer", (PyCFunction)close_buffer_method, METH_NOARGS, close_buffer_doc },
	COMMON_METHODS,
	{ NULL },
};

static PyMethodDef ring_methods[] = {
	{ "open_ring_buffer", (PyCFunction)(void (*)(void))open_ring_buffer,
	  METH_VARARGS | METH_KEYWORDS, open_ring_buffer_doc },
	{ "close_ring_buffer", (PyCFunction)close_buffer_method, METH_NOARGS, close_buffer_doc },
	COMMON_METHODS,
	{ NULL },
};

static PyGetSetDef table_getset[] = {
	{ "lost", (getter)get_lost, NULL,
	  "Records lost: reported by the kernel (perf buffers) or counted by the BPF\n"
	  "side's failed ring buffer writes (the dialect's <name>__lost map).", NULL },
	{ "event_type", (getter)bpfy_event_table_get_event_type,
	  (setter)bpfy_event_table_set_event_type,
	  "What event()/read() decode records into: None (bytes), a struct name in the\n"
	  "program's BTF, a bpfy record type or a ctypes type.", NULL },
	{ "event_size", (getter)get_event_size, NULL, "Bytes of one decoded record (0: bytes).",
	  NULL },
	{ "closed", (getter)bpfy_event_table_get_closed, NULL, "True once the table or its BPF object closed.", NULL },
	{ "_dtype_spec", (getter)get_dtype_spec, NULL,
	  "numpy.dtype() arguments for a record event_type, else None.", NULL },
	{ "is_open", (getter)get_is_open, NULL, "True while a buffer is open.", NULL },
	{ NULL },
};

static PyMemberDef table_members[] = {
	{ "name", T_OBJECT, offsetof(bpfy_event_table, name), READONLY, "The map's name." },
	{ "map_type", T_UINT, offsetof(bpfy_event_table, map_type), READONLY, NULL },
	{ "max_entries", T_UINT, offsetof(bpfy_event_table, max_entries), READONLY, NULL },
	{ "map_fd", T_INT, offsetof(bpfy_event_table, fd), READONLY, NULL },
	{ "__weaklistoffset__", T_PYSSIZET, offsetof(bpfy_event_table, weakreflist), READONLY },
	{ NULL },
};

#define TABLE_SLOTS(methods)                                                                   \
	{ Py_tp_methods, methods }, { Py_tp_getset, table_getset },                            \
		{ Py_tp_members, table_members }, { Py_tp_traverse, bpfy_event_table_traverse },          \
		{ Py_tp_clear, table_clear }, { Py_tp_dealloc, bpfy_event_table_dealloc },     \
		{ Py_tp_repr, table_repr },                                                    \
	{                                                                                      \
		0, NULL                                                                        \
	}

static PyType_Slot perf_slots[] = { { Py_tp_doc, "A BPF_PERF_OUTPUT / PERF_EVENT_ARRAY table." },
				    TABLE_SLOTS(perf_methods) };
static PyType_Slot ring_slots[] = { { Py_tp_doc, "A BPF_RINGBUF_OUTPUT / RINGBUF table." },
				    TABLE_SLOTS(ring_methods) };

PyType_Spec bpfy_perf_table_spec = {
	.name = "bpfy._bpfy.PerfEventArray",
	.basicsize = sizeof(bpfy_event_table),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE |
		 Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = perf_slots,
};

PyType_Spec bpfy_ring_table_spec = {
	.name = "bpfy._bpfy.RingBuf",
	.basicsize = sizeof(bpfy_event_table),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE |
		 Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = ring_slots,
};
