/*
 * The codec object and its cache (see codec.h). Building codecs from
 * layouts is codec_build.c, decoding codec_decode.c, encoding
 * codec_encode.c, C integers and the CInt types codec_int.c.
 */
#include "codec.h"

/* ------------------------------------------------------------ codec type */

static int codec_traverse(bpfy_codec *self, visitproc visit, void *arg)
{
	uint32_t i;

	Py_VISIT(Py_TYPE(self));
	Py_VISIT(self->pytype);
	Py_VISIT(self->elem);
	for (i = 0; i < self->nr_fields; i++)
		Py_VISIT(self->fields[i].codec);
	return 0;
}

static int codec_clear(bpfy_codec *self)
{
	uint32_t i;

	Py_CLEAR(self->pytype);
	Py_CLEAR(self->elem);
	for (i = 0; self->small && i < BPFY_CINT_SMALL; i++)
		Py_CLEAR(self->small[i]);
	for (i = 0; i < self->nr_fields; i++) {
		Py_CLEAR(self->fields[i].codec);
		Py_CLEAR(self->fields[i].name);
	}
	return 0;
}

static void codec_dealloc(bpfy_codec *self)
{
	PyTypeObject *tp = Py_TYPE(self);

	PyObject_GC_UnTrack(self);
	codec_clear(self);
	Py_CLEAR(self->cname);
	Py_CLEAR(self->sig);
	PyMem_Free(self->fields);
	PyMem_Free(self->small);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static PyObject *codec_repr(bpfy_codec *self)
{
	return PyUnicode_FromFormat("<codec %U (%u bytes)>", self->cname, self->size);
}

static PyType_Slot codec_slots[] = {
	{ Py_tp_traverse, codec_traverse },
	{ Py_tp_clear, codec_clear },
	{ Py_tp_dealloc, codec_dealloc },
	{ Py_tp_repr, codec_repr },
	{ 0, NULL },
};

static PyType_Spec codec_spec = {
	.name = "bpfy._bpfy._Codec",
	.basicsize = sizeof(bpfy_codec),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = codec_slots,
};

/* The codec type lives in the private cache under the key None. */
int bpfy_codec_type_init(PyObject *module, bpfy_state *st)
{
	PyObject *type;
	int ret;

	st->codec_cache = PyDict_New();
	if (!st->codec_cache)
		return -1;
	type = PyType_FromModuleAndSpec(module, &codec_spec, NULL);
	if (!type)
		return -1;
	ret = PyDict_SetItem(st->codec_cache, Py_None, type);
	Py_DECREF(type);
	return ret;
}

bpfy_codec *bpfy_codec_alloc(bpfy_state *st, enum bpfy_codec_kind kind, uint32_t size,
			      const char *cname)
{
	PyTypeObject *type = (PyTypeObject *)PyDict_GetItemWithError(st->codec_cache, Py_None);
	bpfy_codec *c;

	if (!type) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_SystemError, "bpfy codec type missing");
		return NULL;
	}
	c = (bpfy_codec *)type->tp_alloc(type, 0);
	if (!c)
		return NULL;
	c->kind = kind;
	c->size = size;
	c->cname = PyUnicode_FromString(cname ? cname : "");
	if (!c->cname) {
		Py_DECREF(c);
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------------ cache */

bpfy_codec *bpfy_codec_intern(bpfy_state *st, bpfy_codec *c)
{
	PyObject *hit;

	if (!c->sig)
		return c;
	hit = PyDict_GetItemWithError(st->codec_cache, c->sig);
	if (hit) {
		Py_DECREF(c);
		Py_INCREF(hit);
		return (bpfy_codec *)hit;
	}
	if (PyErr_Occurred() || PyDict_SetItem(st->codec_cache, c->sig, (PyObject *)c) < 0) {
		Py_DECREF(c);
		return NULL;
	}
	return c;
}

PyObject *bpfy_codec_cached(bpfy_state *st, PyObject *sig)
{
	PyObject *hit = PyDict_GetItemWithError(st->codec_cache, sig);

	Py_XINCREF(hit);
	return hit;
}

/* ------------------------------------------------------ Python faces */

PyObject *bpfy_codec_pytype(bpfy_codec *c)
{
	switch (c->kind) {
	case BPFY_CODEC_INT:
	case BPFY_CODEC_RECORD:
		return Py_NewRef((PyObject *)c->pytype);
	case BPFY_CODEC_BOOL:
		return Py_NewRef((PyObject *)&PyBool_Type);
	case BPFY_CODEC_FLOAT:
		return Py_NewRef((PyObject *)&PyFloat_Type);
	case BPFY_CODEC_ARRAY:
		return Py_NewRef((PyObject *)&PyList_Type);
	default:
		return Py_NewRef((PyObject *)&PyBytes_Type);
	}
}

/* ------------------------------------------------------------ numpy */

PyObject *bpfy_codec_numpy_descr(bpfy_codec *c)
{
	PyObject *names = NULL, *formats = NULL, *offsets = NULL, *out = NULL, *elem;

	switch (c->kind) {
	case BPFY_CODEC_INT:
		return PyUnicode_FromFormat("<%c%u", c->is_signed ? 'i' : 'u', c->size);
	case BPFY_CODEC_BOOL:
		return PyUnicode_FromString("?");
	case BPFY_CODEC_FLOAT:
		return PyUnicode_FromFormat("<f%u", c->size);
	case BPFY_CODEC_CHARS:
		return PyUnicode_FromFormat("S%u", c->size);
	case BPFY_CODEC_ARRAY:
		elem = bpfy_codec_numpy_descr(c->elem);
		return elem ? Py_BuildValue("(N(I))", elem, c->nr_elems) : NULL;
	case BPFY_CODEC_RECORD:
		break;
	default:
		return PyUnicode_FromFormat("V%u", c->size);
	}
	names = PyList_New(0);
	formats = PyList_New(0);
	offsets = PyList_New(0);
	if (!names || !formats || !offsets)
		goto out;
	for (uint32_t i = 0; i < c->nr_fields; i++) {
		const struct bpfy_codec_field *f = &c->fields[i];
		PyObject *fmt, *off;
		int err;

		if (f->bitfield_size || f->bit_offset % 8)
			continue;	/* numpy has no bitfields */
		fmt = bpfy_codec_numpy_descr(f->codec);
		off = PyLong_FromUnsignedLong(f->bit_offset / 8);
		err = !fmt || !off || PyList_Append(names, f->name) || PyList_Append(formats, fmt) ||
		      PyList_Append(offsets, off);
		Py_XDECREF(fmt);
		Py_XDECREF(off);
		if (err)
			goto out;
	}
	out = Py_BuildValue("{sOsOsOsI}", "names", names, "formats", formats, "offsets", offsets,
			    "itemsize", c->size);
out:
	Py_XDECREF(names);
	Py_XDECREF(formats);
	Py_XDECREF(offsets);
	return out;
}
