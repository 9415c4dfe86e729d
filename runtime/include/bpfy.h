/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpfy runtime: the public C API.
 *
 * This is the only header pybind/ includes from runtime/. The runtime is a
 * plain C library: it never includes Python.h, never prints, never exits.
 *
 * Conventions
 *  - Functions returning int give 0 (or a count) on success and -errno on
 *    failure. Functions returning a pointer give NULL with errno set.
 *  - Every failing call that takes a `struct bpfy_error *` fills it with a
 *    message fit for a user (and, for compile/verify failures, the full log).
 *  - Ownership of every fd and heap object is stated on the function that
 *    hands it out.
 */
#ifndef BPFY_H
#define BPFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

enum bpfy_error_kind {
	BPFY_ERR_OS = 0,	/* a syscall or library call failed; see code */
	BPFY_ERR_COMPILE,	/* clang rejected the source; log holds diagnostics */
	BPFY_ERR_VERIFIER,	/* the kernel verifier rejected a program; log holds its log */
	BPFY_ERR_UNSUPPORTED,	/* the kernel lacks a feature; message names it */
	BPFY_ERR_USAGE,		/* bad argument from the caller (bad flag, bad name) */
};

struct bpfy_error {
	enum bpfy_error_kind kind;
	int code;		/* positive errno */
	char message[1024];	/* one or a few lines, names the object and operation */
	char *log;		/* heap, may be NULL: clang diagnostics or verifier log */
};

/* Frees error->log and resets the struct. Accepts NULL. */
void bpfy_error__clear(struct bpfy_error *error);

/* Fills error (if not NULL) and returns -code. printf-style message. */
int bpfy_error__set(struct bpfy_error *error, enum bpfy_error_kind kind, int code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Replaces error->log with a heap copy of log[0..len). */
void bpfy_error__set_log(struct bpfy_error *error, const char *log, size_t len);

/* ------------------------------------------------------------ filesystems */

/*
 * Directory of tracefs ("/sys/kernel/tracing"), mounting tracefs there when
 * it is not mounted yet. Returns a static string, or NULL with error filled.
 */
const char *bpfy_tracefs_dir(struct bpfy_error *error);

/* Mounts bpffs at /sys/fs/bpf when absent. 0 or -errno. */
int bpfy_bpffs_ensure(struct bpfy_error *error);

/* --------------------------------------------------------------- compiling */

struct bpfy_compile_opts {
	size_t sz;			/* sizeof(struct bpfy_compile_opts) */
	const char *source;		/* BPF C in the bcc dialect or libbpf style */
	size_t source_len;
	const char *source_name;	/* shown in diagnostics: a path or "<text>" */
	const char *const *cflags;	/* extra clang flags, validated (no -o, -MF, plugins) */
	size_t cflag_count;
	const char *include_dir;	/* programs/include of this install (dialect + compat) */
	const char *cache_dir;		/* NULL: $XDG_CACHE_HOME/bpfy or ~/.cache/bpfy */
	bool no_cache;			/* also forced by env BPFY_NO_CACHE=1 */
	bool keep_source;		/* fill bpfy_elf.final_source (debug dumps) */
};

/* A compiled object. All fields are heap-owned by the struct. */
struct bpfy_elf {
	void *data;		/* ELF image with BTF */
	size_t size;
	bool cache_hit;		/* true when clang did not run */
	char *final_source;	/* rewritten source (only with keep_source) */
	char *clang_path;	/* clang binary used (informational) */
	char *btf_path;		/* minimal target BTF for the object's CO-RE relocations
				 * (cached beside it; give it to bpfy_object_opts.
				 * btf_custom_path), NULL: none, libbpf uses the kernel's */
};

/*
 * Compiles opts->source to a BPF ELF object: dialect rewrite, tracepoint
 * structs from tracefs, vmlinux.h + PCH from kernel BTF, clang -target bpf,
 * cached by content hash. On success fills *out (free with
 * bpfy_elf__release). On failure returns -errno; a clang failure sets kind
 * BPFY_ERR_COMPILE with the diagnostics (user's file name and lines) in
 * error->log and the first error in error->message.
 */
int bpfy_compile(const struct bpfy_compile_opts *opts, struct bpfy_elf *out,
		 struct bpfy_error *error);

/* Frees what bpfy_compile put in elf. Accepts NULL and zeroed structs. */
void bpfy_elf__release(struct bpfy_elf *elf);

/* ------------------------------------------------------------ type layouts */

/*
 * Layouts of map keys/values, decoded from BTF into a plain tree so that
 * bindings need no BTF knowledge. Owned by the bpfy_object they come from.
 */
enum bpfy_type_kind {
	BPFY_TYPE_INT,		/* integer (also char, bool, enum underlying) */
	BPFY_TYPE_ENUM,		/* enum: int with named values */
	BPFY_TYPE_FLOAT,
	BPFY_TYPE_PTR,		/* pointer: decoded as an unsigned address */
	BPFY_TYPE_ARRAY,
	BPFY_TYPE_STRUCT,
	BPFY_TYPE_UNION,
	BPFY_TYPE_OPAQUE,	/* anything else: raw bytes of `size` */
};

struct bpfy_type;

struct bpfy_field {
	const char *name;		/* "" for anonymous members */
	uint32_t bit_offset;		/* from the start of the enclosing struct */
	uint32_t bitfield_size;		/* 0 unless a bitfield */
	const struct bpfy_type *type;
};

struct bpfy_enum_value {
	const char *name;
	int64_t value;
};

struct bpfy_type {
	enum bpfy_type_kind kind;
	const char *name;		/* C name ("u32", "struct data_t"), may be "" */
	uint32_t size;			/* bytes */
	bool is_signed;			/* INT, ENUM */
	bool is_char;			/* INT of size 1 named char-like: arrays of it are bytes */
	bool is_bool;			/* INT that is _Bool */
	uint32_t nr_elems;		/* ARRAY */
	const struct bpfy_type *elem;	/* ARRAY */
	uint32_t nr_fields;		/* STRUCT, UNION */
	const struct bpfy_field *fields;
	uint32_t nr_values;		/* ENUM */
	const struct bpfy_enum_value *values;
};

/* ----------------------------------------------------------------- objects */

struct bpfy_object;
struct bpfy_prog;
struct bpfy_map;
struct bpfy_link;

struct bpfy_object_opts {
	size_t sz;		/* sizeof(struct bpfy_object_opts) */
	const char *name;	/* object name (for messages), may be NULL */
	uint32_t log_level;	/* verifier log level for loads, 0 = only on failure */
	const char *btf_custom_path;	/* BTF for CO-RE instead of the kernel's (bpfy_elf.
					 * btf_path), NULL: the kernel's; copied */
};

/*
 * Opens the ELF image (copied; the caller keeps `elf`), creates all maps,
 * applies CO-RE relocations and loads every program whose type its section
 * name tells. Programs without a known type (plain functions in the bcc
 * dialect) are loaded later by bpfy_prog__load(). Returns an object owned by
 * the caller (free with bpfy_object__close) or NULL with error filled; a
 * verifier rejection has kind BPFY_ERR_VERIFIER and the log in error->log.
 */
struct bpfy_object *bpfy_object__open_elf(const void *elf, size_t size,
					  const struct bpfy_object_opts *opts,
					  struct bpfy_error *error);

/* Closes every program and map fd of the object. Links made from its
 * programs are NOT destroyed (they are owned by whoever made them) and stay
 * valid. Accepts NULL. */
void bpfy_object__close(struct bpfy_object *obj);

/* Programs of the object, owned by it (valid until bpfy_object__close).
 * prog_at: NULL with errno ENOENT when index >= prog_count. */
size_t bpfy_object__prog_count(const struct bpfy_object *obj);
struct bpfy_prog *bpfy_object__prog_at(struct bpfy_object *obj, size_t index);
/* NULL with errno ENOENT when there is no such function. */
struct bpfy_prog *bpfy_object__prog_by_name(struct bpfy_object *obj, const char *name);

/* Maps of the object, owned by it (valid until bpfy_object__close).
 * map_at: NULL with errno ENOENT when index >= map_count. */
size_t bpfy_object__map_count(const struct bpfy_object *obj);
struct bpfy_map *bpfy_object__map_at(struct bpfy_object *obj, size_t index);
/* NULL with errno ENOENT when there is no such map. */
struct bpfy_map *bpfy_object__map_by_name(struct bpfy_object *obj, const char *name);

/* ---------------------------------------------------------------- programs */

/* The function's name and its ELF section, owned by the object; never fail. */
const char *bpfy_prog__name(const struct bpfy_prog *prog);
const char *bpfy_prog__section(const struct bpfy_prog *prog);
/* Kernel program type (enum bpf_prog_type), 0 when not known yet. */
uint32_t bpfy_prog__type(const struct bpfy_prog *prog);
/* Program fd owned by the object, or -1 when not loaded yet. */
int bpfy_prog__fd(const struct bpfy_prog *prog);
/* True when the section name says where to attach (tracepoint/..., raw_tp/...). */
bool bpfy_prog__has_auto_attach(const struct bpfy_prog *prog);

/*
 * Loads a program that was not loaded with its object, as `prog_type` /
 * `expected_attach_type` (enum bpf_prog_type / bpf_attach_type), reusing the
 * object's maps. Already loaded with the same type: no-op returning 0.
 * Loaded with another type: -EINVAL with a message naming both.
 */
int bpfy_prog__load(struct bpfy_prog *prog, uint32_t prog_type,
		    uint32_t expected_attach_type, struct bpfy_error *error);

/* ------------------------------------------------------------------- links */

/* Each returns a link owned by the caller (bpfy_link__destroy), or NULL with
 * error filled. The program is loaded first if it is not yet. */
struct bpfy_link *bpfy_prog__attach_auto(struct bpfy_prog *prog, struct bpfy_error *error);
struct bpfy_link *bpfy_prog__attach_tracepoint(struct bpfy_prog *prog, const char *category,
					       const char *event, struct bpfy_error *error);
struct bpfy_link *bpfy_prog__attach_raw_tracepoint(struct bpfy_prog *prog, const char *name,
						   struct bpfy_error *error);

/* The link's fd (owned by the link). */
int bpfy_link__fd(const struct bpfy_link *link);
/* Detaches and frees. Accepts NULL. Returns 0 or -errno (the link is freed anyway). */
int bpfy_link__destroy(struct bpfy_link *link);

/* -------------------------------------------------------------------- maps */

struct bpfy_map_desc {
	const char *name;
	uint32_t type;			/* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;		/* per element, per CPU for per-CPU maps */
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t id;			/* kernel map id */
	int fd;				/* owned by the object */
	const struct bpfy_type *key_type;	/* NULL when BTF has none: raw bytes */
	const struct bpfy_type *value_type;	/* NULL when BTF has none: raw bytes */
	const struct bpfy_type *event_type;	/* perf/ring buffers: the struct the program
						 * submits (recorded by the dialect), or NULL */
};

/* Description valid while the object is open. */
const struct bpfy_map_desc *bpfy_map__desc(const struct bpfy_map *map);

/* --------------------------------------------------------- kernel types */

/*
 * Questions about the running kernel's types, from its BTF (loaded once per
 * process): 1 yes, 0 no, -errno with error filled when the BTF is missing.
 * A field of an anonymous struct/union member counts; enum_name "" searches
 * every enum.
 */
int bpfy_btf__struct_has_field(const char *struct_name, const char *field_name,
			       struct bpfy_error *error);
int bpfy_btf__enum_has_val(const char *enum_name, const char *value_name,
			   struct bpfy_error *error);

/* Number of possible CPUs (per-CPU values hold this many slots), or -errno
 * when /sys/devices/system/cpu/possible cannot be read. */
int bpfy_num_possible_cpus(void);

/*
 * Size in bytes of one value buffer as the kernel reads/writes it: value_size
 * for ordinary maps, round_up(value_size, 8) * possible CPUs for per-CPU ones.
 */
size_t bpfy_map_desc__value_buffer_size(const struct bpfy_map_desc *desc);
/* True for the per-CPU map types (enum bpf_map_type); never fails. */
bool bpfy_map_type__is_percpu(uint32_t map_type);

/* Element syscalls on a map fd. 0 or -errno (-ENOENT: no such key).
 * value_size: the value buffer's size (bpfy_map_desc__value_buffer_size). */
int bpfy_map__lookup(int fd, const void *key, void *value, size_t value_size, uint64_t flags);
int bpfy_map__update(int fd, const void *key, const void *value, uint64_t flags);
int bpfy_map__delete(int fd, const void *key);
/* key NULL: first key. -ENOENT after the last key. */
int bpfy_map__next_key(int fd, const void *key, void *next_key);

/*
 * Batch lookup (and delete when `and_delete`). in_batch NULL starts from the
 * beginning; out_batch receives the cursor (key_size bytes, or 4 for hash
 * maps: callers pass a buffer of max(key_size, 8)). keys and values hold
 * *count elements of key_size and value_size bytes (value_size: one value
 * buffer, see bpfy_map_desc__value_buffer_size). *count: in = room, out =
 * elements returned. Returns 0, -ENOENT when the map is exhausted (count may
 * still be > 0), -EOPNOTSUPP/-EINVAL when the map type has no batch ops.
 */
int bpfy_map__lookup_batch(int fd, const void *in_batch, void *out_batch, void *keys,
			   size_t key_size, void *values, size_t value_size, uint32_t *count,
			   bool and_delete);
/* Batch update / delete of *count elements; *count out = elements done.
 * 0 or -errno (-EOPNOTSUPP/-EINVAL as above; -ENOENT: a key to delete is
 * missing). The caller keeps its buffers. */
int bpfy_map__update_batch(int fd, const void *keys, const void *values, uint32_t *count,
			   uint64_t flags);
int bpfy_map__delete_batch(int fd, const void *keys, uint32_t *count);

#ifdef __cplusplus
}
#endif

/* The rest of the API, one header per area. */
#include "bpfy_attach.h"	/* attach types beyond tracepoints */
#include "bpfy_events.h"	/* perf buffers, ring buffers, user ring buffers */
#include "bpfy_syms.h"		/* kernel and user symbols */
#include "bpfy_maps.h"		/* maps beyond the foundation: create, pin, by id */

#endif /* BPFY_H */
