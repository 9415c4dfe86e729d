/*
 * Records, the Python face of decoded structs and unions: Record is the
 * base of one heap type per struct/union layout. A record stores the C
 * bytes inline; each field is a descriptor in the record type that decodes
 * (and encodes) on access, like ctypes' CField. (CInt is codec_int.c.)
 */
#include "codec.h"

#include <string.h>

#define CODEC_ATTR "__bpfy_codec__"
#define FIELD_TYPE_KEY "type:field"

/* ------------------------------------------------------- field descriptor */

typedef struct {
	PyObject_HEAD
	bpfy_codec *owner;			/* strong: owns the field array */
	const struct bpfy_codec_field *field;	/* in owner->fields */
} field_descr;

static int descr_check(field_descr *self, PyObject *obj)
{
	if (PyObject_TypeCheck(obj, self->owner->pytype))
		return 0;
	PyErr_Format(PyExc_TypeError, "field %R of %U does not apply to %.100s",
		     self->field->name, self->owner->cname, Py_TYPE(obj)->tp_name);
	return -1;
}

static PyObject *descr_get(field_descr *self, PyObject *obj, PyObject *type)
{
	if (!obj)
		return Py_NewRef((PyObject *)self);
	if (descr_check(self, obj) < 0)
		return NULL;
	return bpfy_codec_decode_field(self->field, ((bpfy_record *)obj)->data);
}

static int descr_set(field_descr *self, PyObject *obj, PyObject *value)
{
	if (descr_check(self, obj) < 0)
		return -1;
	if (!value) {
		PyErr_Format(PyExc_AttributeError, "cannot delete field %R of %U",
			     self->field->name, self->owner->cname);
		return -1;
	}
	return bpfy_codec_encode_field(self->field, value, ((bpfy_record *)obj)->data);
}

static PyObject *descr_repr(field_descr *self)
{
	const struct bpfy_codec_field *f = self->field;

	if (f->bitfield_size)
		return PyUnicode_FromFormat("<field %U: %U, bits %u..%u>", f->name,
					    f->codec->cname, f->bit_offset,
					    f->bit_offset + f->bitfield_size - 1);
	return PyUnicode_FromFormat("<field %U: %U, offset %u, size %u>", f->name,
				    f->codec->cname, f->bit_offset / 8, f->codec->size);
}

static PyObject *descr_offset(field_descr *self, void *closure)
{
	return PyLong_FromUnsignedLong(self->field->bit_offset / 8);
}

static PyObject *descr_size(field_descr *self, void *closure)
{
	return PyLong_FromUnsignedLong(self->field->codec->size);
}

static int descr_traverse(field_descr *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	Py_VISIT(self->owner);
	return 0;
}

static int descr_clear(field_descr *self)
{
	Py_CLEAR(self->owner);
	return 0;
}

static void descr_dealloc(field_descr *self)
{
	PyTypeObject *tp = Py_TYPE(self);

	PyObject_GC_UnTrack(self);
	descr_clear(self);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static PyGetSetDef descr_getset[] = {
	{ "offset", (getter)descr_offset, NULL, "Byte offset in the record.", NULL },
	{ "size", (getter)descr_size, NULL, "Size in bytes.", NULL },
	{ NULL },
};

static PyType_Slot descr_slots[] = {
	{ Py_tp_descr_get, descr_get },
	{ Py_tp_descr_set, descr_set },
	{ Py_tp_repr, descr_repr },
	{ Py_tp_getset, descr_getset },
	{ Py_tp_traverse, descr_traverse },
	{ Py_tp_clear, descr_clear },
	{ Py_tp_dealloc, descr_dealloc },
	{ 0, NULL },
};

static PyType_Spec descr_spec = {
	.name = "bpfy._bpfy.Field",
	.basicsize = sizeof(field_descr),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = descr_slots,
};

/* ----------------------------------------------------------------- Record */

static bpfy_codec *type_codec(PyTypeObject *type)
{
	PyObject *name = PyUnicode_InternFromString(CODEC_ATTR);
	PyObject *c;

	if (!name)
		return NULL;
	c = _PyType_Lookup(type, name);
	Py_DECREF(name);
	if (!c) {
		PyErr_Format(PyExc_TypeError, "%.100s is not a record type of a map",
			     type->tp_name);
		return NULL;
	}
	return (bpfy_codec *)c;
}

PyObject *bpfy_record_from_bytes(bpfy_codec *codec, const void *data)
{
	PyTypeObject *type = codec->pytype;
	bpfy_record *r;

	/* record types of codecs are not GC types: plain malloc + init */
	r = PyObject_Malloc((size_t)type->tp_basicsize);
	if (!r)
		return PyErr_NoMemory();
	PyObject_Init((PyObject *)r, type);
	r->codec = codec;
	memcpy(r->data, data, codec->size);
	return (PyObject *)r;
}

static PyObject *record_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	bpfy_codec *codec = type_codec(type);
	Py_ssize_t i, n = PyTuple_GET_SIZE(args), pos = 0;
	const struct bpfy_codec_field *f;
	PyObject *key, *value;
	bpfy_record *self;

	if (!codec)
		return NULL;
	if (n > (Py_ssize_t)codec->nr_fields) {
		PyErr_Format(PyExc_TypeError, "%U takes at most %u positional values, got %zd",
			     codec->cname, codec->nr_fields, n);
		return NULL;
	}
	self = (bpfy_record *)type->tp_alloc(type, 0);
	if (!self)
		return NULL;
	self->codec = codec;
	for (i = 0; i < n; i++)
		if (bpfy_codec_encode_field(&codec->fields[i], PyTuple_GET_ITEM(args, i),
					    self->data) < 0)
			goto err_out;
	while (kwds && PyDict_Next(kwds, &pos, &key, &value)) {
		f = bpfy_codec_find_field(codec, key);
		if (!f) {
			PyErr_Format(PyExc_TypeError, "%U has no field %R", codec->cname, key);
			goto err_out;
		}
		if (bpfy_codec_encode_field(f, value, self->data) < 0)
			goto err_out;
	}
	return (PyObject *)self;

err_out:
	Py_DECREF(self);
	return NULL;
}

static PyObject *record_from_buffer_copy(PyTypeObject *type, PyObject *const *args,
					 Py_ssize_t nargs)
{
	bpfy_codec *codec = type_codec(type);
	Py_ssize_t offset = 0;
	bpfy_record *self;
	Py_buffer view;

	if (!codec)
		return NULL;
	if (nargs < 1 || nargs > 2) {
		PyErr_SetString(PyExc_TypeError, "from_buffer_copy(source, offset=0)");
		return NULL;
	}
	if (nargs == 2) {
		offset = PyLong_AsSsize_t(args[1]);
		if (offset == -1 && PyErr_Occurred())
			return NULL;
	}
	if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
		return NULL;
	if (offset < 0 || view.len - offset < (Py_ssize_t)codec->size) {
		PyErr_Format(PyExc_ValueError, "%U needs %u bytes at offset %zd, buffer has %zd",
			     codec->cname, codec->size, offset, view.len);
		PyBuffer_Release(&view);
		return NULL;
	}
	self = (bpfy_record *)type->tp_alloc(type, 0);
	if (self) {
		self->codec = codec;
		memcpy(self->data, (char *)view.buf + offset, codec->size);
	}
	PyBuffer_Release(&view);
	return (PyObject *)self;
}

static PyObject *record_asdict(bpfy_record *self, PyObject *unused)
{
	PyObject *d = PyDict_New(), *v;
	uint32_t i;

	if (!d)
		return NULL;
	for (i = 0; i < self->codec->nr_fields; i++) {
		v = bpfy_codec_decode_field(&self->codec->fields[i], self->data);
		if (!v || PyDict_SetItem(d, self->codec->fields[i].name, v) < 0) {
			Py_XDECREF(v);
			Py_DECREF(d);
			return NULL;
		}
		Py_DECREF(v);
	}
	return d;
}

static PyObject *record_repr(bpfy_record *self)
{
	PyObject *parts = NULL, *sep = NULL, *joined = NULL, *name = NULL, *r = NULL;
	bpfy_codec *c = self->codec;
	uint32_t i;

	if (Py_ReprEnter((PyObject *)self))
		return PyUnicode_FromString("...");
	parts = PyList_New(c->nr_fields);
	if (!parts)
		goto out;
	for (i = 0; i < c->nr_fields; i++) {
		PyObject *v = bpfy_codec_decode_field(&c->fields[i], self->data);
		PyObject *part;

		if (!v)
			goto out;
		part = PyUnicode_FromFormat("%U=%R", c->fields[i].name, v);
		Py_DECREF(v);
		if (!part)
			goto out;
		PyList_SET_ITEM(parts, i, part);
	}
	sep = PyUnicode_FromString(", ");
	joined = sep ? PyUnicode_Join(sep, parts) : NULL;
	name = joined ? PyType_GetName(Py_TYPE(self)) : NULL;
	if (name)
		r = PyUnicode_FromFormat("%U(%U)", name, joined);
out:
	Py_ReprLeave((PyObject *)self);
	Py_XDECREF(parts);
	Py_XDECREF(sep);
	Py_XDECREF(joined);
	Py_XDECREF(name);
	return r;
}

static PyObject *record_richcompare(PyObject *a, PyObject *b, int op)
{
	bpfy_record *ra = (bpfy_record *)a, *rb = (bpfy_record *)b;
	int equal;

	if ((op != Py_EQ && op != Py_NE) || Py_TYPE(b)->tp_richcompare != record_richcompare)
		Py_RETURN_NOTIMPLEMENTED;
	/* records of one layout share one codec (codecs are interned) */
	if (ra->codec != rb->codec)
		Py_RETURN_NOTIMPLEMENTED;
	equal = memcmp(ra->data, rb->data, ra->codec->size) == 0;
	return PyBool_FromLong(op == Py_EQ ? equal : !equal);
}

/* Hashable by content so that struct keys from items() can key dicts, as
 * decoded ints do. Like any mutable key, do not change it while in a dict. */
static Py_hash_t record_hash(bpfy_record *self)
{
	Py_hash_t h = _Py_HashBytes(self->data, self->codec->size);

	return h == -1 ? -2 : h;
}

static int record_getbuffer(bpfy_record *self, Py_buffer *view, int flags)
{
	return PyBuffer_FillInfo(view, (PyObject *)self, self->data, self->codec->size, 0, flags);
}

static PyObject *record_sizeof(bpfy_record *self, PyObject *unused)
{
	return PyLong_FromSsize_t(Py_TYPE(self)->tp_basicsize);
}

static PyObject *record_copy(bpfy_record *self, PyObject *unused)
{
	return bpfy_record_from_bytes(self->codec, self->data);
}

static PyMethodDef record_methods[] = {
	{ "from_buffer_copy", (PyCFunction)(void (*)(void))record_from_buffer_copy,
	  METH_FASTCALL | METH_CLASS,
	  "from_buffer_copy(source, offset=0)\n--\n\n"
	  "A new record holding a copy of the record's size bytes of source at offset." },
	{ "_asdict", (PyCFunction)record_asdict, METH_NOARGS,
	  "A dict of field name to decoded value." },
	{ "__copy__", (PyCFunction)record_copy, METH_NOARGS, NULL },
	{ "__sizeof__", (PyCFunction)record_sizeof, METH_NOARGS, NULL },
	{ NULL },
};

static PyType_Slot record_slots[] = {
	{ Py_tp_new, record_new },
	{ Py_tp_repr, record_repr },
	{ Py_tp_richcompare, record_richcompare },
	{ Py_tp_hash, record_hash },
	{ Py_tp_methods, record_methods },
	{ Py_bf_getbuffer, record_getbuffer },
	{ Py_tp_doc, "A C struct or union decoded from BTF: fields by attribute, bytes(rec) "
		     "for the raw bytes, T(field=...) or T(*values) to build one." },
	{ 0, NULL },
};

static PyType_Spec record_spec = {
	.name = "bpfy._bpfy.Record",
	.basicsize = sizeof(bpfy_record),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.slots = record_slots,
};

/* "struct data_t" -> "data_t"; anonymous -> "anon_struct". */
static void record_type_name(bpfy_codec *codec, char *buf, size_t len)
{
	const char *name = PyUnicode_AsUTF8(codec->cname);
	char *p;

	if (!name)
		name = "";
	if (strcmp(name, "struct") == 0 || strcmp(name, "union") == 0 || !name[0])
		snprintf(buf, len, "bpfy.anon_%s", name[0] ? name : "record");
	else if (strncmp(name, "struct ", 7) == 0)
		snprintf(buf, len, "bpfy.%s", name + 7);
	else if (strncmp(name, "union ", 6) == 0)
		snprintf(buf, len, "bpfy.%s", name + 6);
	else
		snprintf(buf, len, "bpfy.%s", name);
	for (p = buf; *p; p++)
		if (*p == ' ' || *p == '.')
			*p = '_';
	buf[4] = '.';	/* keep the one module dot of "bpfy." */
}

static int add_descriptors(bpfy_state *st, PyTypeObject *type, bpfy_codec *codec)
{
	PyObject *names = PyTuple_New(codec->nr_fields);
	PyTypeObject *dtype;
	uint32_t i;
	int ret = -1;

	dtype = (PyTypeObject *)PyDict_GetItemString(st->codec_cache, FIELD_TYPE_KEY);
	if (!names || !dtype)
		goto out;
	if (PyObject_SetAttrString((PyObject *)type, CODEC_ATTR, (PyObject *)codec) < 0)
		goto out;
	for (i = 0; i < codec->nr_fields; i++) {
		field_descr *d = (field_descr *)dtype->tp_alloc(dtype, 0);

		if (!d)
			goto out;
		d->owner = (bpfy_codec *)Py_NewRef((PyObject *)codec);
		d->field = &codec->fields[i];
		ret = PyObject_SetAttr((PyObject *)type, codec->fields[i].name, (PyObject *)d);
		Py_DECREF(d);
		if (ret < 0)
			goto out;
		ret = -1;
		PyTuple_SET_ITEM(names, i, Py_NewRef(codec->fields[i].name));
	}
	if (PyObject_SetAttrString((PyObject *)type, "_fields", names) < 0)
		goto out;
	ret = 0;
out:
	if (!dtype && !PyErr_Occurred())
		PyErr_SetString(PyExc_SystemError, "bpfy field type missing");
	Py_XDECREF(names);
	return ret;
}

PyTypeObject *bpfy_record_type_new(bpfy_state *st, bpfy_codec *codec)
{
	PyObject *module = PyType_GetModuleByDef(st->Record_Type, &bpfy_module_def);
	static PyType_Slot no_slots[] = { { 0, NULL } };
	char qualname[256];
	PyType_Spec spec = {
		.name = qualname,
		.basicsize = (int)(sizeof(bpfy_record) + ((codec->size + 7) & ~7u)),
		.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
		.slots = no_slots,
	};
	PyTypeObject *type;

	if (!module)
		return NULL;
	record_type_name(codec, qualname, sizeof(qualname));
	type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec,
							 (PyObject *)st->Record_Type);
	if (!type)
		return NULL;
	if (add_descriptors(st, type, codec) < 0) {
		Py_DECREF(type);
		return NULL;
	}
	return type;
}

/* --------------------------------------------------------------------- init */

int bpfy_records_init(PyObject *module, bpfy_state *st)
{
	PyObject *dtype;

	if (bpfy_cint_init(module, st) < 0)
		return -1;
	st->Record_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &record_spec, NULL);
	if (!st->Record_Type)
		return -1;
	if (bpfy_codec_type_init(module, st) < 0)
		return -1;
	dtype = PyType_FromModuleAndSpec(module, &descr_spec, NULL);
	if (!dtype || PyDict_SetItemString(st->codec_cache, FIELD_TYPE_KEY, dtype) < 0) {
		Py_XDECREF(dtype);
		return -1;
	}
	Py_DECREF(dtype);
	if (PyModule_AddObjectRef(module, "CInt", (PyObject *)st->CInt_Type) < 0 ||
	    PyModule_AddObjectRef(module, "Record", (PyObject *)st->Record_Type) < 0)
		return -1;
	return 0;
}
