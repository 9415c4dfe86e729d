/*
 * Codecs from runtime layouts (struct bpfy_type): one codec per structural
 * signature, interned in the module's cache (codec.c), so the same C type in
 * two programs shares one codec, one CInt subtype and one record type.
 */
#include "codec.h"

#include <string.h>

#define MAX_DEPTH 64

static bpfy_codec *build(bpfy_state *st, const struct bpfy_type *t, uint32_t size, int depth);

static bpfy_codec *build_raw(bpfy_state *st, uint32_t size)
{
	bpfy_codec *c = bpfy_codec_alloc(st, BPFY_CODEC_RAW, size, "bytes");

	if (!c)
		return NULL;
	c->sig = PyUnicode_FromFormat("R%u", size);
	return c->sig ? bpfy_codec_intern(st, c) : (Py_DECREF(c), NULL);
}

/* Python name of an integer type: "u32", "unsigned_int", "color" (enum). */
static PyObject *int_type_name(const struct bpfy_type *t)
{
	const char *name = t->name;
	PyObject *s, *r;

	if (t->kind == BPFY_TYPE_PTR)
		return PyUnicode_FromString("ptr");
	if (strncmp(name, "enum ", 5) == 0)
		name += 5;
	if (!name[0] || strcmp(name, "enum") == 0)
		return PyUnicode_FromFormat("%s%u", t->is_signed ? "s" : "u", t->size * 8);
	s = PyUnicode_FromString(name);
	if (!s)
		return NULL;
	r = PyObject_CallMethod(s, "replace", "ss", " ", "_");
	Py_DECREF(s);
	return r;
}

static bpfy_codec *build_int(bpfy_state *st, const struct bpfy_type *t)
{
	PyObject *pyname = NULL, *key = NULL, *pytype = NULL;
	bpfy_codec *c = NULL;
	bool is_signed = t->kind != BPFY_TYPE_PTR && t->is_signed;

	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 && t->size != 16)
		return build_raw(st, t->size);
	pyname = int_type_name(t);
	if (!pyname)
		goto err_out;
	/* one CInt subtype per name, shared by every codec that uses it */
	key = PyUnicode_FromFormat("cint:%U", pyname);
	if (!key)
		goto err_out;
	pytype = bpfy_codec_cached(st, key);
	if (!pytype && !PyErr_Occurred()) {
		pytype = (PyObject *)bpfy_cint_type_new(st, PyUnicode_AsUTF8(pyname));
		if (!pytype || PyDict_SetItem(st->codec_cache, key, pytype) < 0)
			goto err_out;
	}
	if (!pytype)
		goto err_out;
	c = bpfy_codec_alloc(st, BPFY_CODEC_INT, t->size, t->name[0] ? t->name : "int");
	if (!c)
		goto err_out;
	c->is_signed = is_signed;
	c->pytype = (PyTypeObject *)pytype;
	pytype = NULL;
	c->sig = PyUnicode_FromFormat("I%U/%u%c", pyname, t->size, is_signed ? 's' : 'u');
	if (!c->sig)
		goto err_out;
	Py_DECREF(pyname);
	Py_DECREF(key);
	return bpfy_codec_intern(st, c);

err_out:
	Py_XDECREF(pyname);
	Py_XDECREF(key);
	Py_XDECREF(pytype);
	Py_XDECREF(c);
	return NULL;
}

static bpfy_codec *build_simple(bpfy_state *st, enum bpfy_codec_kind kind,
				const struct bpfy_type *t)
{
	bpfy_codec *c = bpfy_codec_alloc(st, kind, t->size, t->name);

	if (!c)
		return NULL;
	c->sig = PyUnicode_FromFormat("%c%s/%u", kind == BPFY_CODEC_BOOL ? 'B' : 'F', t->name,
				      t->size);
	return c->sig ? bpfy_codec_intern(st, c) : (Py_DECREF(c), NULL);
}

static bpfy_codec *build_array(bpfy_state *st, const struct bpfy_type *t, int depth)
{
	const struct bpfy_type *elem = t->elem;
	bpfy_codec *c, *ec;

	if (!elem || (uint64_t)elem->size * t->nr_elems != t->size)
		return build_raw(st, t->size);
	if (elem->kind == BPFY_TYPE_INT && elem->is_char && elem->size == 1) {
		c = bpfy_codec_alloc(st, BPFY_CODEC_CHARS, t->size, t->name);
		if (!c)
			return NULL;
		c->nr_elems = t->nr_elems;
		c->sig = PyUnicode_FromFormat("C%u", t->size);
		return c->sig ? bpfy_codec_intern(st, c) : (Py_DECREF(c), NULL);
	}
	ec = build(st, elem, elem->size, depth + 1);
	if (!ec)
		return NULL;
	c = bpfy_codec_alloc(st, BPFY_CODEC_ARRAY, t->size, t->name);
	if (!c) {
		Py_DECREF(ec);
		return NULL;
	}
	c->elem = ec;
	c->nr_elems = t->nr_elems;
	c->sig = PyUnicode_FromFormat("A%u[%U]", t->nr_elems, ec->sig);
	return c->sig ? bpfy_codec_intern(st, c) : (Py_DECREF(c), NULL);
}

/* Appends the fields of one member to the list, flattening anonymous records. */
static int add_field(PyObject *list, PyObject *name, uint32_t bit_offset, uint32_t bitfield_size,
		     bpfy_codec *fc)
{
	PyObject *item = Py_BuildValue("(OIIO)", name, bit_offset, bitfield_size, (PyObject *)fc);
	int ret;

	if (!item)
		return -1;
	ret = PyList_Append(list, item);
	Py_DECREF(item);
	return ret;
}

static int collect_fields(bpfy_state *st, const struct bpfy_type *t, PyObject *list,
			  int depth)
{
	uint32_t i, j;

	for (i = 0; i < t->nr_fields; i++) {
		const struct bpfy_field *f = &t->fields[i];
		const struct bpfy_type *ft = f->type;
		uint32_t end_bit = f->bit_offset + (f->bitfield_size ? f->bitfield_size : ft->size * 8);
		bpfy_codec *fc;
		PyObject *name;
		int ret = 0;

		if (end_bit > t->size * 8 || (!f->bitfield_size && f->bit_offset % 8))
			continue;	/* malformed: never read out of bounds */
		fc = build(st, ft, ft->size, depth + 1);
		if (!fc)
			return -1;
		if (f->bitfield_size && (fc->kind != BPFY_CODEC_INT && fc->kind != BPFY_CODEC_BOOL)) {
			Py_DECREF(fc);
			continue;
		}
		if (!f->name[0]) {
			/* anonymous struct/union: its members become ours */
			for (j = 0; fc->kind == BPFY_CODEC_RECORD && j < fc->nr_fields; j++) {
				const struct bpfy_codec_field *sub = &fc->fields[j];

				ret = add_field(list, sub->name, f->bit_offset + sub->bit_offset,
						sub->bitfield_size, sub->codec);
				if (ret)
					break;
			}
			Py_DECREF(fc);
			if (ret)
				return -1;
			continue;
		}
		name = PyUnicode_InternFromString(f->name);
		ret = name ? add_field(list, name, f->bit_offset, f->bitfield_size, fc) : -1;
		Py_XDECREF(name);
		Py_DECREF(fc);
		if (ret)
			return -1;
	}
	return 0;
}

/* Fills c->fields from the collected list (duplicate names keep the first). */
static int set_fields(bpfy_codec *c, PyObject *list)
{
	Py_ssize_t i, n = PyList_GET_SIZE(list);
	uint32_t k = 0, j;

	c->fields = PyMem_Calloc(n ? (size_t)n : 1, sizeof(*c->fields));
	if (!c->fields) {
		PyErr_NoMemory();
		return -1;
	}
	for (i = 0; i < n; i++) {
		PyObject *item = PyList_GET_ITEM(list, i);
		PyObject *name = PyTuple_GET_ITEM(item, 0);
		bool dup = false;

		for (j = 0; j < k && !dup; j++)
			dup = PyUnicode_Compare(c->fields[j].name, name) == 0;
		if (dup)
			continue;
		c->fields[k].name = Py_NewRef(name);
		c->fields[k].bit_offset = (uint32_t)PyLong_AsUnsignedLong(PyTuple_GET_ITEM(item, 1));
		c->fields[k].bitfield_size = (uint32_t)PyLong_AsUnsignedLong(PyTuple_GET_ITEM(item, 2));
		c->fields[k].codec = (bpfy_codec *)Py_NewRef(PyTuple_GET_ITEM(item, 3));
		c->nr_fields = ++k;
	}
	return 0;
}

static PyObject *record_sig(const struct bpfy_type *t, PyObject *list)
{
	PyObject *parts = NULL, *sep = NULL, *joined = NULL, *sig = NULL;
	Py_ssize_t i, n = PyList_GET_SIZE(list);

	parts = PyList_New(n);
	if (!parts)
		goto out;
	for (i = 0; i < n; i++) {
		PyObject *item = PyList_GET_ITEM(list, i);
		PyObject *part = PyUnicode_FromFormat(
			"%U@%S:%S=%U", PyTuple_GET_ITEM(item, 0), PyTuple_GET_ITEM(item, 1),
			PyTuple_GET_ITEM(item, 2), ((bpfy_codec *)PyTuple_GET_ITEM(item, 3))->sig);

		if (!part)
			goto out;
		PyList_SET_ITEM(parts, i, part);
	}
	sep = PyUnicode_FromString(",");
	joined = sep ? PyUnicode_Join(sep, parts) : NULL;
	if (joined)
		sig = PyUnicode_FromFormat("S%s/%u{%U}", t->name, t->size, joined);
out:
	Py_XDECREF(parts);
	Py_XDECREF(sep);
	Py_XDECREF(joined);
	return sig;
}

static bpfy_codec *build_record(bpfy_state *st, const struct bpfy_type *t, int depth)
{
	PyObject *list = PyList_New(0), *sig = NULL, *hit;
	bpfy_codec *c = NULL;

	if (!list || collect_fields(st, t, list, depth) < 0)
		goto err_out;
	sig = record_sig(t, list);
	if (!sig)
		goto err_out;
	hit = bpfy_codec_cached(st, sig);
	if (hit || PyErr_Occurred()) {
		Py_DECREF(list);
		Py_DECREF(sig);
		return (bpfy_codec *)hit;
	}
	c = bpfy_codec_alloc(st, BPFY_CODEC_RECORD, t->size, t->name);
	if (!c || set_fields(c, list) < 0)
		goto err_out;
	c->sig = sig;
	sig = NULL;
	c->pytype = bpfy_record_type_new(st, c);
	if (!c->pytype)
		goto err_out;
	Py_DECREF(list);
	return bpfy_codec_intern(st, c);

err_out:
	Py_XDECREF(list);
	Py_XDECREF(sig);
	Py_XDECREF(c);
	return NULL;
}

static bpfy_codec *build(bpfy_state *st, const struct bpfy_type *t, uint32_t size, int depth)
{
	if (depth > MAX_DEPTH) {
		PyErr_SetString(PyExc_RecursionError, "C type nested too deeply");
		return NULL;
	}
	if (!t || t->size != size || size == 0)
		return build_raw(st, size);
	switch (t->kind) {
	case BPFY_TYPE_INT:
		if (t->is_bool && t->size == 1)
			return build_simple(st, BPFY_CODEC_BOOL, t);
		return build_int(st, t);
	case BPFY_TYPE_ENUM:
	case BPFY_TYPE_PTR:
		return build_int(st, t);
	case BPFY_TYPE_FLOAT:
		if (t->size == 4 || t->size == 8)
			return build_simple(st, BPFY_CODEC_FLOAT, t);
		return build_raw(st, size);
	case BPFY_TYPE_ARRAY:
		return build_array(st, t, depth);
	case BPFY_TYPE_STRUCT:
	case BPFY_TYPE_UNION:
		return build_record(st, t, depth);
	default:
		return build_raw(st, size);
	}
}

bpfy_codec *bpfy_codec_get(bpfy_state *st, const struct bpfy_type *type, uint32_t size)
{
	return build(st, type, size, 0);
}
