/*
 * libFuzzer target: BTF blobs -> the layouts the codecs are built from
 * (struct bpfy_type trees, runtime/layout.c). The codecs in pybind/ copy
 * these trees field by field, so every layout libbpf's BTF parser accepts
 * must be finite and self-consistent: fields inside their struct, array
 * sizes that multiply out, no cycles. Then a walk over a buffer of the
 * layout's size touches only bytes inside it, as the codecs' encoders and
 * decoders do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "layout.h"

static unsigned char fuzz_codec_sink;

/* Reads every leaf of `type` at `base` the way a decoder would; checks bounds. */
static void fuzz_codec_walk(const struct bpfy_type *type, const unsigned char *base,
			    size_t room, int depth)
{
	uint32_t i;

	if (!type || depth > 64)
		return;
	if (type->size > room)
		abort();	/* a member that does not fit its container */
	switch (type->kind) {
	case BPFY_TYPE_ARRAY:
		if (!type->elem)
			abort();
		if ((uint64_t)type->elem->size * type->nr_elems > type->size)
			abort();
		for (i = 0; i < type->nr_elems && i < 4; i++)
			fuzz_codec_walk(type->elem, base + (size_t)i * type->elem->size,
					type->size - (size_t)i * type->elem->size, depth + 1);
		break;
	case BPFY_TYPE_STRUCT:
	case BPFY_TYPE_UNION:
		for (i = 0; i < type->nr_fields; i++) {
			const struct bpfy_field *f = &type->fields[i];
			uint64_t bits = f->bitfield_size ? f->bitfield_size
							 : (uint64_t)(f->type ? f->type->size : 0) * 8;

			if (!f->name || !f->type)
				abort();
			if ((uint64_t)f->bit_offset + bits > (uint64_t)type->size * 8)
				continue;	/* reported by the codec as raw bytes; no read */
			if (!f->bitfield_size)
				fuzz_codec_walk(f->type, base + f->bit_offset / 8,
						type->size - f->bit_offset / 8, depth + 1);
		}
		break;
	case BPFY_TYPE_ENUM:
		/* the header promises names, never NULL (a bad name_off once gave NULL) */
		for (i = 0; i < type->nr_values; i++)
			if (!type->values[i].name)
				abort();
		/* fallthrough */
	default:
		if (type->size)
			fuzz_codec_sink ^= base[type->size - 1];
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfy_layouts *layouts;
	struct btf *btf;
	uint32_t id, n;

	btf = btf__new(data, size);
	if (!btf)
		return 0;
	layouts = bpfy_layouts__new(btf);
	if (layouts) {
		n = btf__type_cnt(btf);
		for (id = 0; id < n + 2; id++) {
			const struct bpfy_type *type = bpfy_layouts__get(layouts, id);
			unsigned char *buf;

			if (!type)
				continue;
			if (!type->name)
				abort();
			if (bpfy_layouts__get(layouts, id) != type)
				abort();	/* memoized: the same pointer twice */
			if (type->size > (1u << 20))
				continue;
			buf = calloc(1, type->size ? type->size : 1);
			if (!buf)
				continue;
			fuzz_codec_walk(type, buf, type->size, 0);
			free(buf);
		}
		bpfy_layouts__free(layouts);
	}
	btf__free(btf);
	return 0;
}
