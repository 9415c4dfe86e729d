/*
 * Codecs: build (from runtime layouts), cache, decode, encode. See codec.h.
 *
 * Byte order: the host's, which is the kernel's (BPF maps are host-endian).
 * Bitfield extraction assumes little endian, the only order of the targets
 * bpfy runs on (x86-64, arm64); big-endian hosts fail to build below.
 */
#include "codec.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bpfy codecs assume a little-endian host"
#endif

#define MAX_DEPTH 64

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

static bpfy_codec *codec_alloc(bpfy_state *st, enum bpfy_codec_kind kind, uint32_t size,
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

/* Returns the cached codec for c->sig (dropping c), or caches c. Steals c. */
static bpfy_codec *cache_intern(bpfy_state *st, bpfy_codec *c)
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

static PyObject *cache_lookup(bpfy_state *st, PyObject *sig)
{
	PyObject *hit = PyDict_GetItemWithError(st->codec_cache, sig);

	Py_XINCREF(hit);
	return hit;
}

/* ------------------------------------------------------------ building */

static bpfy_codec *build(bpfy_state *st, const struct bpfy_type *t, uint32_t size, int depth);

static bpfy_codec *build_raw(bpfy_state *st, uint32_t size)
{
	bpfy_codec *c = codec_alloc(st, BPFY_CODEC_RAW, size, "bytes");

	if (!c)
		return NULL;
	c->sig = PyUnicode_FromFormat("R%u", size);
	return c->sig ? cache_intern(st, c) : (Py_DECREF(c), NULL);
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
	pytype = cache_lookup(st, key);
	if (!pytype && !PyErr_Occurred()) {
		pytype = (PyObject *)bpfy_cint_type_new(st, PyUnicode_AsUTF8(pyname));
		if (!pytype || PyDict_SetItem(st->codec_cache, key, pytype) < 0)
			goto err_out;
	}
	if (!pytype)
		goto err_out;
	c = codec_alloc(st, BPFY_CODEC_INT, t->size, t->name[0] ? t->name : "int");
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
	return cache_intern(st, c);

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
	bpfy_codec *c = codec_alloc(st, kind, t->size, t->name);

	if (!c)
		return NULL;
	c->sig = PyUnicode_FromFormat("%c%s/%u", kind == BPFY_CODEC_BOOL ? 'B' : 'F', t->name,
				      t->size);
	return c->sig ? cache_intern(st, c) : (Py_DECREF(c), NULL);
}

static bpfy_codec *build_array(bpfy_state *st, const struct bpfy_type *t, int depth)
{
	const struct bpfy_type *elem = t->elem;
	bpfy_codec *c, *ec;

	if (!elem || (uint64_t)elem->size * t->nr_elems != t->size)
		return build_raw(st, t->size);
	if (elem->kind == BPFY_TYPE_INT && elem->is_char && elem->size == 1) {
		c = codec_alloc(st, BPFY_CODEC_CHARS, t->size, t->name);
		if (!c)
			return NULL;
		c->nr_elems = t->nr_elems;
		c->sig = PyUnicode_FromFormat("C%u", t->size);
		return c->sig ? cache_intern(st, c) : (Py_DECREF(c), NULL);
	}
	ec = build(st, elem, elem->size, depth + 1);
	if (!ec)
		return NULL;
	c = codec_alloc(st, BPFY_CODEC_ARRAY, t->size, t->name);
	if (!c) {
		Py_DECREF(ec);
		return NULL;
	}
	c->elem = ec;
	c->nr_elems = t->nr_elems;
	c->sig = PyUnicode_FromFormat("A%u[%U]", t->nr_elems, ec->sig);
	return c->sig ? cache_intern(st, c) : (Py_DECREF(c), NULL);
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
	hit = cache_lookup(st, sig);
	if (hit || PyErr_Occurred()) {
		Py_DECREF(list);
		Py_DECREF(sig);
		return (bpfy_codec *)hit;
	}
	c = codec_alloc(st, BPFY_CODEC_RECORD, t->size, t->name);
	if (!c || set_fields(c, list) < 0)
		goto err_out;
	c->sig = sig;
	sig = NULL;
	c->pytype = bpfy_record_type_new(st, c);
	if (!c->pytype)
		goto err_out;
	Py_DECREF(list);
	return cache_intern(st, c);

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

/* ------------------------------------------------------------- decoding */

static PyObject *decode_int(bpfy_codec *c, const void *data)
{
	union { uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } v;

	switch (c->size) {
	case 1:
		memcpy(&v.u8, data, 1);
		return c->is_signed ? bpfy_cint_from_s64(c->pytype, (int8_t)v.u8)
				    : bpfy_cint_from_u64(c->pytype, v.u8);
	case 2:
		memcpy(&v.u16, data, 2);
		return c->is_signed ? bpfy_cint_from_s64(c->pytype, (int16_t)v.u16)
				    : bpfy_cint_from_u64(c->pytype, v.u16);
	case 4:
		memcpy(&v.u32, data, 4);
		return c->is_signed ? bpfy_cint_from_s64(c->pytype, (int32_t)v.u32)
				    : bpfy_cint_from_u64(c->pytype, v.u32);
	case 8:
		memcpy(&v.u64, data, 8);
		return c->is_signed ? bpfy_cint_from_s64(c->pytype, (int64_t)v.u64)
				    : bpfy_cint_from_u64(c->pytype, v.u64);
	default: {
		PyObject *num = _PyLong_FromByteArray(data, c->size, 1, c->is_signed);
		PyObject *r;

		if (!num)
			return NULL;
		r = PyObject_CallOneArg((PyObject *)c->pytype, num);
		Py_DECREF(num);
		return r;
	}
	}
}

static PyObject *decode_array(bpfy_codec *c, const unsigned char *data)
{
	PyObject *list = PyList_New(c->nr_elems);
	uint32_t i;

	if (!list)
		return NULL;
	for (i = 0; i < c->nr_elems; i++) {
		PyObject *item = bpfy_codec_decode(c->elem, data + (size_t)i * c->elem->size);

		if (!item) {
			Py_DECREF(list);
			return NULL;
		}
		PyList_SET_ITEM(list, i, item);
	}
	return list;
}

PyObject *bpfy_codec_decode(bpfy_codec *c, const void *data)
{
	switch (c->kind) {
	case BPFY_CODEC_INT:
		return decode_int(c, data);
	case BPFY_CODEC_BOOL:
		return PyBool_FromLong(*(const uint8_t *)data != 0);
	case BPFY_CODEC_FLOAT:
		if (c->size == 4) {
			float f;

			memcpy(&f, data, 4);
			return PyFloat_FromDouble(f);
		} else {
			double d;

			memcpy(&d, data, 8);
			return PyFloat_FromDouble(d);
		}
	case BPFY_CODEC_CHARS:
		return PyBytes_FromStringAndSize(data, (Py_ssize_t)strnlen(data, c->size));
	case BPFY_CODEC_ARRAY:
		return decode_array(c, data);
	case BPFY_CODEC_RECORD:
		return bpfy_record_from_bytes(c, data);
	default:
		return PyBytes_FromStringAndSize(data, c->size);
	}
}

/* ----------------------------------------------------------- bitfields */

typedef unsigned __int128 u128;

static u128 load_bits(const unsigned char *base, uint32_t bit_offset, uint32_t bits)
{
	uint32_t first = bit_offset / 8, nbytes = (bit_offset % 8 + bits + 7) / 8;
	u128 word = 0;
	uint32_t i;

	for (i = 0; i < nbytes; i++)
		word |= (u128)base[first + i] << (8 * i);
	return word;
}

static void store_bits(unsigned char *base, uint32_t bit_offset, uint32_t bits, u128 word)
{
	uint32_t first = bit_offset / 8, nbytes = (bit_offset % 8 + bits + 7) / 8;
	uint32_t i;

	for (i = 0; i < nbytes; i++)
		base[first + i] = (unsigned char)(word >> (8 * i));
}

static PyObject *decode_bitfield(const struct bpfy_codec_field *f, const unsigned char *base)
{
	uint32_t shift = f->bit_offset % 8, bits = f->bitfield_size;
	u128 word = load_bits(base, f->bit_offset, bits);
	uint64_t v, mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;

	v = (uint64_t)(word >> shift) & mask;
	if (f->codec->kind == BPFY_CODEC_BOOL)
		return PyBool_FromLong(v != 0);
	if (f->codec->is_signed && bits < 64 && (v >> (bits - 1)) & 1)
		return bpfy_cint_from_s64(f->codec->pytype, (int64_t)(v | ~mask));
	if (f->codec->is_signed)
		return bpfy_cint_from_s64(f->codec->pytype, (int64_t)v);
	return bpfy_cint_from_u64(f->codec->pytype, v);
}

PyObject *bpfy_codec_decode_field(const struct bpfy_codec_field *f, const unsigned char *base)
{
	if (f->bitfield_size)
		return decode_bitfield(f, base);
	return bpfy_codec_decode(f->codec, base + f->bit_offset / 8);
}

/* ------------------------------------------------------------- encoding */

static int encode_value_attr(bpfy_codec *c, PyObject *obj, void *out, int *handled);

/* Whole-size bytes-like objects: 1 handled, 0 not bytes-like, -1 error. */
static int encode_buffer(bpfy_codec *c, PyObject *obj, void *out, bool allow_shorter)
{
	Py_buffer view;

	if (!PyObject_CheckBuffer(obj))
		return 0;
	if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
		return -1;
	if (view.len != (Py_ssize_t)c->size && !(allow_shorter && view.len < c->size)) {
		PyErr_Format(PyExc_ValueError, "%U takes %u bytes, got %zd", c->cname, c->size,
			     view.len);
		PyBuffer_Release(&view);
		return -1;
	}
	memset(out, 0, c->size);
	memcpy(out, view.buf, (size_t)view.len);
	PyBuffer_Release(&view);
	return 1;
}

static int type_error(bpfy_codec *c, PyObject *obj)
{
	PyErr_Format(PyExc_TypeError, "%U (%u bytes) cannot be made from %.100s", c->cname,
		     c->size, Py_TYPE(obj)->tp_name);
	return -1;
}

/* Range-checked int into `bits` bits; writes a host-endian word of c->size. */
static int int_value(bpfy_codec *c, PyObject *num, uint32_t bits, uint64_t *out)
{
	int overflow;
	long long s;

	if (c->is_signed) {
		long long lo = bits >= 64 ? INT64_MIN : -(1LL << (bits - 1));
		long long hi = bits >= 64 ? INT64_MAX : (1LL << (bits - 1)) - 1;

		s = PyLong_AsLongLongAndOverflow(num, &overflow);
		if (s == -1 && PyErr_Occurred())
			return -1;
		if (overflow || s < lo || s > hi)
			goto range;
		*out = (uint64_t)s;
		return 0;
	}
	if (_PyLong_Sign(num) < 0)
		goto range;
	*out = PyLong_AsUnsignedLongLong(num);
	if (*out == (uint64_t)-1 && PyErr_Occurred()) {
		PyErr_Clear();
		goto range;
	}
	if (bits < 64 && *out >> bits)
		goto range;
	return 0;
range:
	PyErr_Format(PyExc_OverflowError, "%R out of range for %U (%s%u bits)", num, c->cname,
		     c->is_signed ? "signed " : "unsigned ", bits);
	return -1;
}

/* An int-like object as a new reference to an int, or NULL (TypeError). */
static PyObject *as_int(bpfy_codec *c, PyObject *obj)
{
	if (PyLong_Check(obj))
		return Py_NewRef(obj);
	if (!PyFloat_Check(obj) && Py_TYPE(obj)->tp_as_number &&
	    Py_TYPE(obj)->tp_as_number->nb_index)
		return PyNumber_Index(obj);	/* numpy integers */
	type_error(c, obj);
	return NULL;
}

static int encode_int(bpfy_codec *c, PyObject *obj, void *out)
{
	uint32_t bits = c->kind == BPFY_CODEC_BOOL ? 1 : c->size * 8;
	PyObject *num;
	uint64_t v;
	int ret, handled;

	if (!PyLong_Check(obj) && !PyFloat_Check(obj) && !(Py_TYPE(obj)->tp_as_number &&
							    Py_TYPE(obj)->tp_as_number->nb_index)) {
		ret = encode_value_attr(c, obj, out, &handled);
		if (handled)
			return ret;
		ret = encode_buffer(c, obj, out, false);
		if (ret)
			return ret < 0 ? -1 : 0;
	}
	num = as_int(c, obj);
	if (!num)
		return -1;
	if (c->size > 8) {
		ret = _PyLong_AsByteArray((PyLongObject *)num, out, c->size, 1, c->is_signed);
		Py_DECREF(num);
		return ret;
	}
	ret = int_value(c, num, bits, &v);
	Py_DECREF(num);
	if (ret)
		return -1;
	memcpy(out, &v, c->size);	/* little endian: the low bytes first */
	return 0;
}

static int encode_float(bpfy_codec *c, PyObject *obj, void *out)
{
	double d;
	float f;
	int ret, handled;

	if (!PyFloat_Check(obj) && !PyLong_Check(obj)) {
		ret = encode_value_attr(c, obj, out, &handled);
		if (handled)
			return ret;
		ret = encode_buffer(c, obj, out, false);
		if (ret)
			return ret < 0 ? -1 : 0;
		return type_error(c, obj);
	}
	d = PyFloat_AsDouble(obj);
	if (d == -1.0 && PyErr_Occurred())
		return -1;
	if (c->size == 8) {
		memcpy(out, &d, 8);
	} else {
		f = (float)d;
		memcpy(out, &f, 4);
	}
	return 0;
}

static int encode_chars(bpfy_codec *c, PyObject *obj, void *out)
{
	Py_ssize_t len;
	const char *s;
	int ret;

	if (PyUnicode_Check(obj)) {
		s = PyUnicode_AsUTF8AndSize(obj, &len);
		if (!s)
			return -1;
		if (len > (Py_ssize_t)c->size) {
			PyErr_Format(PyExc_ValueError, "%U holds %u bytes, got a %zd-byte string",
				     c->cname, c->size, len);
			return -1;
		}
		memset(out, 0, c->size);
		memcpy(out, s, (size_t)len);
		return 0;
	}
	ret = encode_buffer(c, obj, out, true);
	if (ret)
		return ret < 0 ? -1 : 0;
	return type_error(c, obj);
}

static int encode_array(bpfy_codec *c, PyObject *obj, void *out)
{
	PyObject *seq;
	Py_ssize_t i, n;
	int ret;

	ret = encode_buffer(c, obj, out, false);
	if (ret)
		return ret < 0 ? -1 : 0;
	if (!PyList_Check(obj) && !PyTuple_Check(obj) &&
	    (PyUnicode_Check(obj) || !PySequence_Check(obj)))
		return type_error(c, obj);
	seq = PySequence_Fast(obj, "array values must be a sequence");
	if (!seq)
		return -1;
	n = PySequence_Fast_GET_SIZE(seq);
	if (n > (Py_ssize_t)c->nr_elems) {
		PyErr_Format(PyExc_ValueError, "%U has %u elements, got %zd", c->cname,
			     c->nr_elems, n);
		goto err_out;
	}
	memset(out, 0, c->size);
	for (i = 0; i < n; i++)
		if (bpfy_codec_encode(c->elem, PySequence_Fast_GET_ITEM(seq, i),
				      (unsigned char *)out + (size_t)i * c->elem->size) < 0)
			goto err_out;
	Py_DECREF(seq);
	return 0;
err_out:
	Py_DECREF(seq);
	return -1;
}

const struct bpfy_codec_field *bpfy_codec_find_field(bpfy_codec *c, PyObject *name)
{
	uint32_t i;

	for (i = 0; i < c->nr_fields; i++)
		if (c->fields[i].name == name)
			return &c->fields[i];
	for (i = 0; i < c->nr_fields; i++)
		if (PyUnicode_Check(name) && PyUnicode_Compare(c->fields[i].name, name) == 0)
			return &c->fields[i];
	return NULL;
}

static int encode_record_dict(bpfy_codec *c, PyObject *dict, unsigned char *out)
{
	const struct bpfy_codec_field *f;
	PyObject *key, *value;
	Py_ssize_t pos = 0;

	memset(out, 0, c->size);
	while (PyDict_Next(dict, &pos, &key, &value)) {
		f = bpfy_codec_find_field(c, key);
		if (!f) {
			PyErr_Format(PyExc_TypeError, "%U has no field %R", c->cname, key);
			return -1;
		}
		if (bpfy_codec_encode_field(f, value, out) < 0)
			return -1;
	}
	return 0;
}

static int encode_record_tuple(bpfy_codec *c, PyObject *tuple, unsigned char *out)
{
	Py_ssize_t i, n = PyTuple_GET_SIZE(tuple);

	if (n > (Py_ssize_t)c->nr_fields) {
		PyErr_Format(PyExc_ValueError, "%U has %u fields, got %zd values", c->cname,
			     c->nr_fields, n);
		return -1;
	}
	memset(out, 0, c->size);
	for (i = 0; i < n; i++)
		if (bpfy_codec_encode_field(&c->fields[i], PyTuple_GET_ITEM(tuple, i), out) < 0)
			return -1;
	return 0;
}

static int encode_record(bpfy_codec *c, PyObject *obj, void *out)
{
	int ret;

	if (PyObject_TypeCheck(obj, c->pytype)) {
		memcpy(out, ((bpfy_record *)obj)->data, c->size);
		return 0;
	}
	if (PyDict_Check(obj))
		return encode_record_dict(c, obj, out);
	if (PyTuple_Check(obj))
		return encode_record_tuple(c, obj, out);
	if (PyObject_TypeCheck(obj, c->pytype->tp_base))
		return type_error(c, obj);	/* a record of another struct */
	ret = encode_buffer(c, obj, out, false);
	if (ret)
		return ret < 0 ? -1 : 0;
	return type_error(c, obj);
}

/* obj.value as a new reference in *value, NULL when absent. -1 on error. */
static int lookup_value(PyObject *obj, PyObject **value)
{
	*value = PyObject_GetAttrString(obj, "value");
	if (*value)
		return 0;
	if (!PyErr_ExceptionMatches(PyExc_AttributeError))
		return -1;
	PyErr_Clear();
	return 0;
}

/* ctypes objects and CInt-likes: encode obj.value. *handled = 0 when absent. */
static int encode_value_attr(bpfy_codec *c, PyObject *obj, void *out, int *handled)
{
	PyObject *value;
	int ret;

	*handled = 0;
	if (PyBytes_Check(obj) || PyByteArray_Check(obj) || PyUnicode_Check(obj))
		return 0;
	if (lookup_value(obj, &value) < 0) {
		*handled = 1;
		return -1;
	}
	if (!value)
		return 0;
	*handled = 1;
	if (!PyLong_Check(value) && !PyFloat_Check(value)) {
		Py_DECREF(value);
		return type_error(c, obj);
	}
	ret = bpfy_codec_encode(c, value, out);
	Py_DECREF(value);
	return ret;
}

int bpfy_codec_encode(bpfy_codec *c, PyObject *obj, void *out)
{
	switch (c->kind) {
	case BPFY_CODEC_INT:
	case BPFY_CODEC_BOOL:
		return encode_int(c, obj, out);
	case BPFY_CODEC_FLOAT:
		return encode_float(c, obj, out);
	case BPFY_CODEC_CHARS:
		return encode_chars(c, obj, out);
	case BPFY_CODEC_ARRAY:
		return encode_array(c, obj, out);
	case BPFY_CODEC_RECORD:
		return encode_record(c, obj, out);
	default: {
		int ret = encode_buffer(c, obj, out, false);

		if (ret)
			return ret < 0 ? -1 : 0;
		return type_error(c, obj);
	}
	}
}

static int encode_bitfield(const struct bpfy_codec_field *f, PyObject *obj, unsigned char *base)
{
	uint32_t shift = f->bit_offset % 8, bits = f->bitfield_size;
	uint64_t v, mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	PyObject *num, *value = NULL;
	u128 word;
	int ret;

	if (!PyLong_Check(obj) && lookup_value(obj, &value) < 0)
		return -1;
	num = as_int(f->codec, value ? value : obj);
	Py_XDECREF(value);
	if (!num)
		return -1;
	ret = int_value(f->codec, num, bits, &v);
	Py_DECREF(num);
	if (ret)
		return -1;
	word = load_bits(base, f->bit_offset, bits);
	word &= ~((u128)mask << shift);
	word |= (u128)(v & mask) << shift;
	store_bits(base, f->bit_offset, bits, word);
	return 0;
}

int bpfy_codec_encode_field(const struct bpfy_codec_field *f, PyObject *obj, unsigned char *base)
{
	unsigned char stack[256], *tmp = stack;
	uint32_t size = f->codec->size;
	int ret;

	if (f->bitfield_size)
		return encode_bitfield(f, obj, base);
	/* encode aside so that a failure leaves the record as it was */
	if (size > sizeof(stack)) {
		tmp = PyMem_Malloc(size);
		if (!tmp) {
			PyErr_NoMemory();
			return -1;
		}
	}
	ret = bpfy_codec_encode(f->codec, obj, tmp);
	if (ret == 0)
		memcpy(base + f->bit_offset / 8, tmp, size);
	if (tmp != stack)
		PyMem_Free(tmp);
	return ret;
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
