/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of the bpfy runtime's public API (included by bpfy.h): maps beyond
 * the foundation. A `struct bpfy_map_ref` is a map that is not (only) part
 * of a BPF object: created from user space, opened from a bpffs pin, or
 * reached by id (an inner map read from a map-in-map). It owns one fd and,
 * when the kernel has BTF for the map, the layouts of its key and value.
 */
#ifndef BPFY_MAPS_H
#define BPFY_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpfy_error;
struct bpfy_map_desc;
struct bpfy_map_ref;

/* Kernel name of a map type ("hash", "lpm_trie", "arena"), or NULL when
 * this build does not know the number. */
const char *bpfy_map_type__name(uint32_t map_type);
/* The map type named `name` (same names; "BPF_MAP_TYPE_HASH" and any case
 * accepted), or -EINVAL. */
int bpfy_map_type__from_name(const char *name);

struct bpfy_map_create_opts {
	size_t sz;			/* sizeof(struct bpfy_map_create_opts) */
	const char *name;		/* kernel map name (15 chars kept), may be NULL */
	uint32_t type;			/* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t map_extra;		/* bloom filter hashes, arena address hint */
	int inner_map_fd;		/* map-in-map: template of the inner maps (0: none) */
	int btf_like_fd;		/* a map whose BTF key/value types the new map takes (0: none) */
};

/*
 * Creates a map. Returns a ref owned by the caller (bpfy_map_ref__close), or
 * NULL with errno set and error filled (the kernel's refusal, naming the type).
 */
struct bpfy_map_ref *bpfy_map_ref__create(const struct bpfy_map_create_opts *opts,
					  struct bpfy_error *error);

/*
 * Takes ownership of `fd` (closed on failure too), which must be a BPF map
 * fd: reads its info and, when the map has BTF, loads it to describe keys
 * and values. NULL with errno/error (EBADF/EINVAL for a non-map fd).
 */
struct bpfy_map_ref *bpfy_map_ref__adopt_fd(int fd, struct bpfy_error *error);

/* Opens the map with kernel id `id` (a new fd owned by the ref). */
struct bpfy_map_ref *bpfy_map_ref__from_id(uint32_t id, struct bpfy_error *error);

/* Opens the map pinned at `path` in a bpffs. A pin that is not a map is
 * -EINVAL naming the path. */
struct bpfy_map_ref *bpfy_map_ref__open_pinned(const char *path, struct bpfy_error *error);

/* Description valid until the ref is closed; desc->fd is the ref's fd. */
const struct bpfy_map_desc *bpfy_map_ref__desc(const struct bpfy_map_ref *ref);

/* Closes the fd and frees the ref. Accepts NULL. */
void bpfy_map_ref__close(struct bpfy_map_ref *ref);

/* Pins map fd at `path` (bpffs mounted first when /sys/fs/bpf is absent)
 * with file mode `mode` (0600 when 0). 0 or -errno with error filled. */
int bpfy_map__pin(int fd, const char *path, uint32_t mode, struct bpfy_error *error);

/* Removes the pin at `path` (only a BPF object in a bpffs). 0 or -errno. */
int bpfy_map__unpin(const char *path, struct bpfy_error *error);

/* Kernel id of the map behind fd, or -errno. */
int bpfy_map__id(int fd);

/* Element ops of keyless maps (queue, stack) and lookup-and-delete. */
int bpfy_map__lookup_and_delete(int fd, const void *key, void *value, size_t value_size);

#ifdef __cplusplus
}
#endif

#endif /* BPFY_MAPS_H */
