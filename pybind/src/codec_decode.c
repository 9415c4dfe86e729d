/*
 * Decoding: raw bytes -> Python values (see codec.h for what each kind
 * gives). Integers are codec_int.c.
 *
 * Byte order: the host's, which is the kernel's (BPF maps are host-endian).
 * Bitfield extraction assumes little endian, the only order of the targets
 * bpfy runs on (x86-64, arm64); codec.h refuses to build elsewhere.
 */
#include "codec.h"

#include <string.h>

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

static PyObject *decode_float(bpfy_codec *c, const void *data)
{
	float f;
	double d;

	if (c->size == 4) {
		memcpy(&f, data, 4);
		return PyFloat_FromDouble(f);
	}
	memcpy(&d, data, 8);
	return PyFloat_FromDouble(d);
}

PyObject *bpfy_codec_decode(bpfy_codec *c, const void *data)
{
	switch (c->kind) {
	case BPFY_CODEC_INT:
		return bpfy_codec_decode_int(c, data);
	case BPFY_CODEC_BOOL:
		return PyBool_FromLong(*(const uint8_t *)data != 0);
	case BPFY_CODEC_FLOAT:
		return decode_float(c, data);
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

static PyObject *decode_bitfield(const struct bpfy_codec_field *f, const unsigned char *base)
{
	uint32_t shift = f->bit_offset % 8, bits = f->bitfield_size;
	bpfy_u128 word = bpfy_load_bits(base, f->bit_offset, bits);
	uint64_t v, mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;

	v = (uint64_t)(word >> shift) & mask;
	if (f->codec->kind == BPFY_CODEC_BOOL)
		return PyBool_FromLong(v != 0);
	if (f->codec->is_signed && bits < 64 && (v >> (bits - 1)) & 1)
		return bpfy_cint_from_s64(f->codec, (int64_t)(v | ~mask));
	if (f->codec->is_signed)
		return bpfy_cint_from_s64(f->codec, (int64_t)v);
	return bpfy_cint_from_u64(f->codec, v);
}

PyObject *bpfy_codec_decode_field(const struct bpfy_codec_field *f, const unsigned char *base)
{
	if (f->bitfield_size)
		return decode_bitfield(f, base);
	return bpfy_codec_decode(f->codec, base + f->bit_offset / 8);
}
