/*
 * The CO-RE relocation records of a BPF object, read from its .BTF.ext
 * section (layout: the kernel's Documentation/bpf/btf.rst, ".BTF.ext
 * section"): a header whose offsets count from its end, then the core_relo
 * subsection = u32 record size + blocks of { u32 sec_name_off; u32 count;
 * count records }. libbpf 1.1 has no public API that walks them.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "internal.h"

#define BTF_EXT_MAGIC 0xeB9F

/* The fixed part every .BTF.ext has, then the optional CO-RE part. */
struct ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off;
	uint32_t func_info_len;
	uint32_t line_info_off;
	uint32_t line_info_len;
	uint32_t core_relo_off;	/* present when hdr_len covers it */
	uint32_t core_relo_len;
};

static int find_sections(const void *image, size_t size, Elf_Data **btf, Elf_Data **ext,
			 Elf **elfp)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, size);	/* read only: libelf does not write */
	if (!elf)
		return -EINVAL;
	*elfp = elf;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr))
			return -EINVAL;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".BTF"))
			*btf = elf_getdata(scn, NULL);
		else if (!strcmp(name, ".BTF.ext"))
			*ext = elf_getdata(scn, NULL);
	}
	return 0;
}

/* Appends every record of the core_relo subsection [data, data + len). */
static int collect_relos(const uint8_t *data, uint32_t len, struct bpfy_btf_ext *out)
{
	uint32_t rec_size, off = 4;

	if (len == 0)
		return 0;
	if (len < 4)
		return -EINVAL;
	memcpy(&rec_size, data, 4);
	if (rec_size < sizeof(struct bpfy_core_relo) || rec_size % 4)
		return -EINVAL;
	while (off < len) {
		uint32_t hdr[2], count, i;
		struct bpfy_core_relo *grown;

		if (len - off < sizeof(hdr))
			return -EINVAL;
		memcpy(hdr, data + off, sizeof(hdr));
		off += sizeof(hdr);
		count = hdr[1];
		if (!count || count > (len - off) / rec_size)
			return -EINVAL;
		grown = realloc(out->relos, (out->relo_count + count) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		out->relos = grown;
		for (i = 0; i < count; i++, off += rec_size)
			memcpy(&out->relos[out->relo_count++], data + off, sizeof(*grown));
	}
	return 0;
}

static int parse_ext(const Elf_Data *ext, struct bpfy_btf_ext *out)
{
	const uint8_t *data = ext->d_buf;
	struct ext_header hdr = { 0 };
	size_t size = ext->d_size;

	if (!data || size < 8)
		return -EINVAL;
	memcpy(&hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	if (hdr.magic != BTF_EXT_MAGIC || hdr.version != 1 || hdr.hdr_len > size ||
	    hdr.hdr_len < offsetof(struct ext_header, core_relo_off))
		return -EINVAL;
	if (hdr.hdr_len < sizeof(hdr))
		return 0;	/* no CO-RE part */
	if (hdr.core_relo_off > size - hdr.hdr_len ||
	    hdr.core_relo_len > size - hdr.hdr_len - hdr.core_relo_off)
		return -EINVAL;
	return collect_relos(data + hdr.hdr_len + hdr.core_relo_off, hdr.core_relo_len, out);
}

int bpfy_btf_ext__parse(const void *image, size_t size, struct bpfy_btf_ext *out)
{
	Elf_Data *btf = NULL, *ext = NULL;
	Elf *elf = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = find_sections(image, size, &btf, &ext, &elf);
	if (err || !btf || !btf->d_buf)
		goto out;
	out->btf = btf__new(btf->d_buf, btf->d_size);
	if (!out->btf) {
		err = -errno;
		goto out;
	}
	if (ext)
		err = parse_ext(ext, out);
out:
	elf_end(elf);
	if (err)
		bpfy_btf_ext__release(out);
	return err;
}

void bpfy_btf_ext__release(struct bpfy_btf_ext *ext)
{
	if (!ext)
		return;
	btf__free(ext->btf);
	free(ext->relos);
	memset(ext, 0, sizeof(*ext));
}
