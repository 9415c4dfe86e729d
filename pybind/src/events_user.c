/*
 * UserRingBuf: user space -> BPF (BPF_MAP_TYPE_USER_RINGBUF), drained in the
 * kernel by bpf_user_ringbuf_drain(). write() copies one record in;
 * reserve() hands out a writable UserRingSample to fill in place and then
 * submit() or discard(). A sample keeps its table (and so the mapping)
 * alive, and refuses submit while memoryviews of it exist, like mmap.
 */
#include <errno.h>
#include <string.h>

#include "events.h"

typedef struct {
	PyObject_HEAD
	bpfy_event_table *table;	/* strong, NULL once submitted/discarded */
	void *ptr;
	uint32_t size;
	Py_ssize_t exports;
} bpfy_user_sample;

static void free_ring_if_idle(bpfy_event_table *t)
{
	if (t->uring && t->reserved == 0 && (t->closed || !t->owner->obj)) {
		bpfy_user_ring__free(t->uring);
		t->uring = NULL;
	}
}

static int ensure_ring(bpfy_event_table *t)
{
	struct bpfy_error error = {};

	if (bpfy_event_table_check(t))
		return -1;
	if (t->uring)
		return 0;
	t->uring = bpfy_user_ring__new(t->fd, PyUnicode_AsUTF8(t->name), &error);
	if (!t->uring) {
		bpfy_bpf_raise(t->owner, &error);
		return -1;
	}
	return 0;
}

/* Reserves size bytes, waiting up to timeout_ms with the GIL released. */
static void *reserve(bpfy_event_table *t, Py_ssize_t size, int timeout_ms)
{
	void *p;
	int err;

	if (size <= 0 || size > UINT32_MAX) {
		PyErr_Format(PyExc_ValueError, "table '%U': record size %zd out of range", t->name,
			     size);
		return NULL;
	}
	if (timeout_ms == 0) {
		p = bpfy_user_ring__reserve(t->uring, (uint32_t)size, 0);
	} else {
		Py_BEGIN_ALLOW_THREADS
		p = bpfy_user_ring__reserve(t->uring, (uint32_t)size, timeout_ms);
		Py_END_ALLOW_THREADS
	}
	if (!p) {
		err = errno;
		bpfy_raise_errno(t->st, err, "table '%s': reserving %zd bytes in the user ring buffer%s",
				 PyUnicode_AsUTF8(t->name), size, err == ENOSPC ? " (full)" : "");
	}
	return p;
}

PyDoc_STRVAR(write_doc,
	     "write(data, timeout=0)\n--\n\n"
	     "Copy one record into the ring for the BPF side: bytes-like data (a bpfy\n"
	     "record, a ctypes structure, bytes), or a dict/tuple encoded as event_type.\n"
	     "timeout (seconds, None: forever) waits for room; 0 raises BPFError(ENOSPC)\n"
	     "when the ring is full.");

static PyObject *user_write(bpfy_event_table *t, PyObject *const *args, Py_ssize_t nargs,
			    PyObject *kwnames)
{
	static const char *const names[] = { "data", "timeout" };
	PyObject *argv[2];
	Py_buffer view = { .obj = NULL };
	Py_ssize_t size;
	int timeout_ms;
	void *p;

	if (bpfy_events_args("write", args, nargs, kwnames, names, 2, argv) ||
	    bpfy_events_timeout(argv[1], &timeout_ms) || ensure_ring(t))
		return NULL;
	if (!argv[0]) {
		PyErr_SetString(PyExc_TypeError, "write() needs data");
		return NULL;
	}
	if (PyObject_CheckBuffer(argv[0])) {
		if (PyObject_GetBuffer(argv[0], &view, PyBUF_SIMPLE))
			return NULL;
		size = view.len;
	} else if (t->decode == BPFY_DECODE_CODEC) {
		size = t->event_size;
	} else {
		PyErr_Format(PyExc_TypeError,
			     "table '%U': write() takes bytes-like data (set event_type to encode "
			     "%.100s)", t->name, Py_TYPE(argv[0])->tp_name);
		return NULL;
	}
	p = reserve(t, size, timeout_ms);
	if (!p)
		goto err_out;
	if (view.obj) {
		memcpy(p, view.buf, size);
		PyBuffer_Release(&view);
	} else if (bpfy_codec_encode(t->codec, argv[0], p)) {
		bpfy_user_ring__discard(t->uring, p);
		return NULL;
	}
	bpfy_user_ring__submit(t->uring, p);
	Py_RETURN_NONE;
err_out:
	if (view.obj)
		PyBuffer_Release(&view);
	return NULL;
}

PyDoc_STRVAR(reserve_doc,
	     "reserve(size=None, timeout=0) -> UserRingSample\n--\n\n"
	     "Reserve size bytes (event_size when None) to fill in place (buffer protocol:\n"
	     "memoryview(sample), ctypes from_buffer) and then submit() or discard().");

static PyObject *user_reserve(bpfy_event_table *t, PyObject *const *args, Py_ssize_t nargs,
			      PyObject *kwnames)
{
	static const char *const names[] = { "size", "timeout" };
	PyObject *argv[2], *module;
	PyTypeObject *type;
	bpfy_user_sample *s;
	Py_ssize_t size;
	int timeout_ms;
	void *p;

	if (bpfy_events_args("reserve", args, nargs, kwnames, names, 2, argv) ||
	    bpfy_events_timeout(argv[1], &timeout_ms) || ensure_ring(t))
		return NULL;
	size = argv[0] && argv[0] != Py_None ? PyLong_AsSsize_t(argv[0]) : t->event_size;
	if (size == -1 && PyErr_Occurred())
		return NULL;
	module = PyType_GetModuleByDef(Py_TYPE(t), &bpfy_module_def);
	type = module ? bpfy_events_type(t->st, module, "UserRingSample") : NULL;
	if (!type)
		return NULL;
	p = reserve(t, size, timeout_ms);
	if (!p)
		return NULL;
	s = PyObject_New(bpfy_user_sample, type);
	if (!s) {
		bpfy_user_ring__discard(t->uring, p);
		return NULL;
	}
	s->table = (bpfy_event_table *)Py_NewRef(t);
	s->ptr = p;
	s->size = (uint32_t)size;
	s->exports = 0;
	t->reserved++;
	return (PyObject *)s;
}

/* Submits (or discards) and detaches the sample from its table. */
static int finish_sample(bpfy_user_sample *s, bool submit)
{
	bpfy_event_table *t = s->table;

	if (!t) {
		PyErr_SetString(PyExc_ValueError, "sample was already submitted or discarded");
		return -1;
	}
	if (s->exports) {
		PyErr_SetString(PyExc_BufferError,
				"sample has exported buffers: release memoryviews first");
		return -1;
	}
	if (submit)
		bpfy_user_ring__submit(t->uring, s->ptr);
	else
		bpfy_user_ring__discard(t->uring, s->ptr);
	s->table = NULL;
	s->ptr = NULL;
	t->reserved--;
	free_ring_if_idle(t);
	Py_DECREF(t);
	return 0;
}

static bpfy_user_sample *sample_arg(bpfy_event_table *t, PyObject *obj)
{
	PyObject *module = PyType_GetModuleByDef(Py_TYPE(t), &bpfy_module_def);
	PyTypeObject *type = module ? bpfy_events_type(t->st, module, "UserRingSample") : NULL;

	if (!type)
		return NULL;
	if (!PyObject_TypeCheck(obj, type)) {
		PyErr_Format(PyExc_TypeError, "expected a UserRingSample from reserve(), not %.100s",
			     Py_TYPE(obj)->tp_name);
		return NULL;
	}
	if (((bpfy_user_sample *)obj)->table && ((bpfy_user_sample *)obj)->table != t) {
		PyErr_SetString(PyExc_ValueError, "sample was reserved in another table");
		return NULL;
	}
	return (bpfy_user_sample *)obj;
}

PyDoc_STRVAR(submit_doc, "submit(sample)\n--\n\nHand a reserved sample to the BPF side.");

static PyObject *user_submit(bpfy_event_table *t, PyObject *obj)
{
	bpfy_user_sample *s = sample_arg(t, obj);

	if (!s || finish_sample(s, true))
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(discard_doc, "discard(sample)\n--\n\nGive a reserved sample back unsent.");

static PyObject *user_discard(bpfy_event_table *t, PyObject *obj)
{
	bpfy_user_sample *s = sample_arg(t, obj);

	if (!s || finish_sample(s, false))
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *user_close(bpfy_event_table *t, PyObject *unused)
{
	t->closed = true;
	free_ring_if_idle(t);
	Py_RETURN_NONE;
}

static int user_clear(bpfy_event_table *t)
{
	Py_CLEAR(t->event_type);
	Py_CLEAR(t->codec);
	Py_CLEAR(t->from_buffer);
	return 0;
}

static void user_dealloc(bpfy_event_table *t)
{
	PyTypeObject *tp = Py_TYPE(t);

	PyObject_GC_UnTrack(t);
	if (t->weakreflist)
		PyObject_ClearWeakRefs((PyObject *)t);
	bpfy_user_ring__free(t->uring);	/* no sample is left: each holds the table */
	user_clear(t);
	Py_CLEAR(t->owner);
	Py_CLEAR(t->name);
	tp->tp_free(t);
	Py_DECREF(tp);
}

static PyObject *user_repr(bpfy_event_table *t)
{
	return PyUnicode_FromFormat("<%s '%U'>", Py_TYPE(t)->tp_name, t->name);
}

static PyMethodDef user_methods[] = {
	{ "write", (PyCFunction)(void (*)(void))user_write, METH_FASTCALL | METH_KEYWORDS,
	  write_doc },
	{ "reserve", (PyCFunction)(void (*)(void))user_reserve, METH_FASTCALL | METH_KEYWORDS,
	  reserve_doc },
	{ "submit", (PyCFunction)user_submit, METH_O, submit_doc },
	{ "discard", (PyCFunction)user_discard, METH_O, discard_doc },
	{ "close", (PyCFunction)user_close, METH_NOARGS,
	  "close()\n--\n\nUnmap the ring (once no sample is reserved)." },
	{ NULL },
};

static PyGetSetDef user_getset[] = {
	{ "event_type", (getter)bpfy_event_table_get_event_type,
	  (setter)bpfy_event_table_set_event_type,
	  "The record type write() encodes dicts/tuples as (None: bytes only).", NULL },
	{ "closed", (getter)bpfy_event_table_get_closed, NULL, "True once the table or its BPF object closed.",
	  NULL },
	{ NULL },
};

static PyMemberDef user_members[] = {
	{ "name", T_OBJECT, offsetof(bpfy_event_table, name), READONLY, "The map's name." },
	{ "max_entries", T_UINT, offsetof(bpfy_event_table, max_entries), READONLY, NULL },
	{ "map_fd", T_INT, offsetof(bpfy_event_table, fd), READONLY, NULL },
	{ "__weaklistoffset__", T_PYSSIZET, offsetof(bpfy_event_table, weakreflist), READONLY },
	{ NULL },
};

static PyType_Slot user_slots[] = {
	{ Py_tp_doc, "A USER_RINGBUF table: records from Python to BPF." },
	{ Py_tp_methods, user_methods },
	{ Py_tp_getset, user_getset },
	{ Py_tp_members, user_members },
	{ Py_tp_traverse, bpfy_event_table_traverse },
	{ Py_tp_clear, user_clear },
	{ Py_tp_dealloc, user_dealloc },
	{ Py_tp_repr, user_repr },
	{ 0, NULL },
};

PyType_Spec bpfy_user_ring_spec = {
	.name = "bpfy._bpfy.UserRingBuf",
	.basicsize = sizeof(bpfy_event_table),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE |
		 Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = user_slots,
};

/* ---------------------------------------------------------------- sample */

static int sample_getbuffer(bpfy_user_sample *s, Py_buffer *view, int flags)
{
	if (!s->table) {
		PyErr_SetString(PyExc_ValueError, "sample was already submitted or discarded");
		return -1;
	}
	if (PyBuffer_FillInfo(view, (PyObject *)s, s->ptr, s->size, 0, flags))
		return -1;
	s->exports++;
	return 0;
}

static void sample_releasebuffer(bpfy_user_sample *s, Py_buffer *view)
{
	s->exports--;
}

static PyObject *sample_submit(bpfy_user_sample *s, PyObject *unused)
{
	if (finish_sample(s, true))
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *sample_discard(bpfy_user_sample *s, PyObject *unused)
{
	if (finish_sample(s, false))
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *sample_get_size(bpfy_user_sample *s, void *closure)
{
	return PyLong_FromUnsignedLong(s->size);
}

static Py_ssize_t sample_len(bpfy_user_sample *s)
{
	return s->table ? (Py_ssize_t)s->size : 0;
}

static void sample_dealloc(bpfy_user_sample *s)
{
	PyTypeObject *tp = Py_TYPE(s);

	if (s->table && finish_sample(s, false))	/* dropped unsent: discard */
		PyErr_WriteUnraisable((PyObject *)s);
	PyObject_Free(s);
	Py_DECREF(tp);
}

static PyMethodDef sample_methods[] = {
	{ "submit", (PyCFunction)sample_submit, METH_NOARGS,
	  "submit()\n--\n\nHand this sample to the BPF side." },
	{ "discard", (PyCFunction)sample_discard, METH_NOARGS,
	  "discard()\n--\n\nGive this sample back unsent." },
	{ NULL },
};

static PyGetSetDef sample_getset[] = {
	{ "size", (getter)sample_get_size, NULL, "Bytes reserved.", NULL },
	{ NULL },
};

static PyType_Slot sample_slots[] = {
	{ Py_tp_doc, "A reserved, writable record of a user ring buffer." },
	{ Py_bf_getbuffer, sample_getbuffer },
	{ Py_bf_releasebuffer, sample_releasebuffer },
	{ Py_sq_length, sample_len },
	{ Py_tp_methods, sample_methods },
	{ Py_tp_getset, sample_getset },
	{ Py_tp_dealloc, sample_dealloc },
	{ 0, NULL },
};

PyType_Spec bpfy_user_sample_spec = {
	.name = "bpfy._bpfy.UserRingSample",
	.basicsize = sizeof(bpfy_user_sample),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = sample_slots,
};
