/*
 * Encoding: Python values -> the raw bytes the kernel reads (see codec.h
 * for what each kind accepts). Ints are range-checked; a failed field
 * encoding leaves the record as it was.
 */
#include "codec.h"

#include <string.h>

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

/* A number given another way: obj.value (ctypes, CInt-likes) or bytes of
 * the whole size. 1 when obj was one (*ret: 0 or -1), else 0. */
static int encode_number_other(bpfy_codec *c, PyObject *obj, void *out, int *ret)
{
	int handled, r = encode_value_attr(c, obj, out, &handled);

	if (handled) {
		*ret = r;
		return 1;
	}
	r = encode_buffer(c, obj, out, false);
	*ret = r < 0 ? -1 : 0;
	return r != 0;
}

static int encode_int(bpfy_codec *c, PyObject *obj, void *out)
{
	uint32_t bits = c->kind == BPFY_CODEC_BOOL ? 1 : c->size * 8;
	PyObject *num;
	uint64_t v;
	int ret;

	if (!PyLong_Check(obj) && !PyFloat_Check(obj) &&
	    !(Py_TYPE(obj)->tp_as_number && Py_TYPE(obj)->tp_as_number->nb_index) &&
	    encode_number_other(c, obj, out, &ret))
		return ret;
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
	int ret;

	if (!PyFloat_Check(obj) && !PyLong_Check(obj))
		return encode_number_other(c, obj, out, &ret) ? ret : type_error(c, obj);
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
	bpfy_u128 word;
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
	word = bpfy_load_bits(base, f->bit_offset, bits);
	word &= ~((bpfy_u128)mask << shift);
	word |= (bpfy_u128)(v & mask) << shift;
	bpfy_store_bits(base, f->bit_offset, bits, word);
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

