/*
 * Codecs: how one C type (a map key or value, or a struct field) travels
 * between Python objects and raw bytes.
 *
 * A codec is a small private Python object built from a runtime layout
 * (struct bpfy_type). It copies everything it needs out of the layout, so
 * codecs, records and table types stay valid after the BPF object that
 * described them is closed. Codecs are cached in the module state by a
 * structural signature: the same C type in two programs shares one codec
 * and one Python record type.
 *
 * Files: codec.c (the codec object, its cache, numpy descriptions),
 * codec_build.c (layout -> codec), codec_decode.c, codec_encode.c,
 * codec_int.c (C integers, the CInt types), record.c (record types).
 *
 * Decoding returns:  ints -> instances of CInt subtypes (int with .value),
 *                    _Bool -> bool, float/double -> float, char[N] -> bytes
 *                    up to the first NUL, other arrays -> list,
 *                    struct/union -> record (subtype of Record),
 *                    anything else (or no BTF) -> bytes.
 * Encoding accepts what decode returns plus: ints (range-checked), objects
 * with an int `.value` (ctypes), bytes-like objects of exactly the size,
 * str for char arrays, dicts/tuples for structs, sequences for arrays.
 */
#ifndef BPFY_CODEC_H
#define BPFY_CODEC_H

#include "ext.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bpfy codecs assume a little-endian host"
#endif

enum bpfy_codec_kind {
	BPFY_CODEC_RAW,		/* bytes of `size` */
	BPFY_CODEC_INT,		/* ints, enums, pointers */
	BPFY_CODEC_BOOL,
	BPFY_CODEC_FLOAT,
	BPFY_CODEC_CHARS,	/* char[N]: bytes up to the first NUL */
	BPFY_CODEC_ARRAY,	/* list of `elem` */
	BPFY_CODEC_RECORD,	/* struct/union: instance of `pytype` */
};

struct bpfy_codec;

/* One member of a record, as seen from Python (anonymous members flattened). */
struct bpfy_codec_field {
	PyObject *name;			/* interned str */
	uint32_t bit_offset;
	uint32_t bitfield_size;		/* 0 unless a bitfield */
	struct bpfy_codec *codec;	/* strong */
};

typedef struct bpfy_codec {
	PyObject_HEAD
	enum bpfy_codec_kind kind;
	uint32_t size;
	bool is_signed;			/* INT */
	PyObject *cname;		/* str: C spelling ("u32", "struct data_t") */
	PyObject *sig;			/* str: structural signature, the cache key */
	PyTypeObject *pytype;		/* INT: CInt subtype; RECORD: record type; else NULL */
	struct bpfy_codec *elem;	/* ARRAY */
	uint32_t nr_elems;		/* ARRAY, CHARS */
	uint32_t nr_fields;		/* RECORD: direct members, anonymous ones as one */
	struct bpfy_codec_field *fields;
	PyObject **small;		/* INT: shared instances of 0..BPFY_CINT_SMALL-1, or NULL */
} bpfy_codec;

#define BPFY_CINT_SMALL 256

/*
 * The codec for `type` (NULL: raw bytes) of a value that the kernel sees as
 * `size` bytes. A layout whose size disagrees with `size` is ignored (raw
 * bytes). New reference, or NULL with an exception set.
 */
bpfy_codec *bpfy_codec_get(bpfy_state *st, const struct bpfy_type *type, uint32_t size);

/* Decodes codec->size bytes at `data`. New reference or NULL. */
PyObject *bpfy_codec_decode(bpfy_codec *codec, const void *data);
/* The same for an INT codec, without the dispatch on the kind (hot loops
 * that checked the kind once). New reference or NULL. */
PyObject *bpfy_codec_decode_int(bpfy_codec *codec, const void *data);

/*
 * Encodes `obj` into exactly codec->size bytes at `out` (bytes the value
 * does not cover are zeroed). 0, or -1 with TypeError/ValueError/
 * OverflowError set; `out` may then hold a partial result.
 */
int bpfy_codec_encode(bpfy_codec *codec, PyObject *obj, void *out);

/* A record field at `base` (the record's bytes), bitfields included. */
PyObject *bpfy_codec_decode_field(const struct bpfy_codec_field *field, const unsigned char *base);
/* Encodes obj into the field at `base`; on error `base` is left untouched. */
int bpfy_codec_encode_field(const struct bpfy_codec_field *field, PyObject *obj,
			    unsigned char *base);
/* The field of a RECORD codec named `name`, or NULL (no exception set). */
const struct bpfy_codec_field *bpfy_codec_find_field(bpfy_codec *codec, PyObject *name);

/* The Python type matching the codec (table.Key / table.Leaf): the CInt or
 * record type, or bool/float/bytes/list. New reference. */
PyObject *bpfy_codec_pytype(bpfy_codec *codec);

/* numpy.dtype() argument for the codec: "<u4", "S16", (elem, (n,)), or a
 * dict of names/formats/offsets/itemsize for records (bitfields left out).
 * New reference or NULL. */
PyObject *bpfy_codec_numpy_descr(bpfy_codec *codec);

/* ------------------------------------------------------------ record.c */

/* A record: the raw bytes of one struct/union, stored inline. */
typedef struct {
	PyObject_HEAD
	bpfy_codec *codec;		/* borrowed: the record's type holds it */
	_Alignas(8) unsigned char data[];
} bpfy_record;

/* A new record type (subtype of st->Record_Type) for a RECORD codec whose
 * fields are already filled. New reference or NULL. */
PyTypeObject *bpfy_record_type_new(bpfy_state *st, bpfy_codec *codec);

/* A new record of codec->pytype holding a copy of data[0..codec->size). */
PyObject *bpfy_record_from_bytes(bpfy_codec *codec, const void *data);

/* ---------------------------------------------------------- codec_int.c */

/* Creates st->CInt_Type (called by bpfy_records_init). 0 or -1. */
int bpfy_cint_init(PyObject *module, bpfy_state *st);

/* An int subtype of st->CInt_Type named `name` (cached by the caller). */
PyTypeObject *bpfy_cint_type_new(bpfy_state *st, const char *name);

/* v as an instance of the INT codec's CInt subtype (small values shared).
 * New reference or NULL. */
PyObject *bpfy_cint_from_u64(bpfy_codec *codec, uint64_t v);
PyObject *bpfy_cint_from_s64(bpfy_codec *codec, int64_t v);

/* The codec type (created by bpfy_records_init). */
int bpfy_codec_type_init(PyObject *module, bpfy_state *st);

/* ------------------------------------------ internal to codec*.c, record.c */

/* A new, empty codec of `kind` (fields, sig, pytype filled by the caller). */
bpfy_codec *bpfy_codec_alloc(bpfy_state *st, enum bpfy_codec_kind kind, uint32_t size,
			     const char *cname);
/* Returns the cached codec for c->sig (dropping c), or caches c. Steals c. */
bpfy_codec *bpfy_codec_intern(bpfy_state *st, bpfy_codec *c);
/* The cached object for `sig` (new reference), or NULL (maybe with an error). */
PyObject *bpfy_codec_cached(bpfy_state *st, PyObject *sig);

/* Bitfields: the bytes covering bits [bit_offset, bit_offset + bits) of
 * base as one little-endian word, and back. */
typedef unsigned __int128 bpfy_u128;

static inline bpfy_u128 bpfy_load_bits(const unsigned char *base, uint32_t bit_offset,
				       uint32_t bits)
{
	uint32_t first = bit_offset / 8, nbytes = (bit_offset % 8 + bits + 7) / 8;
	bpfy_u128 word = 0;

	for (uint32_t i = 0; i < nbytes; i++)
		word |= (bpfy_u128)base[first + i] << (8 * i);
	return word;
}

static inline void bpfy_store_bits(unsigned char *base, uint32_t bit_offset, uint32_t bits,
				   bpfy_u128 word)
{
	uint32_t first = bit_offset / 8, nbytes = (bit_offset % 8 + bits + 7) / 8;

	for (uint32_t i = 0; i < nbytes; i++)
		base[first + i] = (unsigned char)(word >> (8 * i));
}

#endif /* BPFY_CODEC_H */
