/* Private to runtime/: struct bodies shared by object.c and attach.c. */
#ifndef BPFY_INTERNAL_H
#define BPFY_INTERNAL_H

#include <bpf/libbpf.h>
#include <bpf/btf.h>

#include "bpfy.h"

struct bpfy_layouts;

struct bpfy_prog {
	struct bpfy_object *owner;
	char *name;
	char *section;
	struct bpf_program *program;	/* in owner->obj, or in lazy_obj once loaded on demand */
	struct bpf_object *lazy_obj;	/* second libbpf object holding this program only */
	uint32_t type;			/* enum bpf_prog_type, 0 when not known yet */
	int fd;				/* -1 until loaded; owned by the libbpf object */
};

struct bpfy_map {
	struct bpfy_object *owner;
	struct bpf_map *map;
	struct bpfy_map_desc desc;
};

struct bpfy_object {
	struct bpf_object *obj;
	void *elf;			/* private copy, reopened for on-demand loads */
	size_t elf_size;
	char *btf_custom_path;		/* minimal BTF for CO-RE (also for on-demand loads), or NULL */
	char *name;
	struct bpfy_prog *progs;
	size_t prog_count;
	struct bpfy_map *maps;
	size_t map_count;
	struct bpfy_layouts *layouts;
};

/*
 * valgrind (3.19) does not model every bpf command, so memory the kernel
 * filled through them (batch lookups, per-CPU values, BTF fetched by id,
 * verifier logs) looks uninitialised to it: say it is defined. A no-op
 * outside valgrind, and when its header is absent at build time.
 */
#if defined(__has_include) && __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define mark_kernel_filled(buf, len) ((void)VALGRIND_MAKE_MEM_DEFINED((buf), (len)))
#else
#define mark_kernel_filled(buf, len) ((void)(buf), (void)(len))
#endif

/* event_types.c: the struct type a program submits through the perf or ring
 * buffer map `map_name`, as the dialect recorded it in BTF; NULL if none. */
const struct bpfy_type *bpfy_event_type__find(const struct btf *btf, struct bpfy_layouts *layouts,
					      const char *map_name);

/* pins.c: pin paths the dialect recorded (BPF_TABLE_PINNED), given to libbpf
 * before the load; and the error for a pinned map of another layout. */
int bpfy_pins__apply(struct bpf_object *obj, const void *image, size_t size,
		     struct bpfy_error *error);
bool bpfy_pins__explain_mismatch(struct bpf_object *obj, const char *captured,
				 struct bpfy_error *error);

/*
 * shared_tables.c: tables shared between the objects of one process.
 * reuse: extern tables take the fd of a live public table (before load);
 * publish: this object's public tables become visible (after load);
 * unpublish: they disappear (at close); extern_info: an extern map's own
 * name and BTF ids, which reusing the public map's fd replaced (1 if extern).
 */
int bpfy_shared__reuse(struct bpf_object *obj, struct bpfy_error *error);
int bpfy_shared__publish(struct bpf_object *obj, const void *owner, struct bpfy_error *error);
void bpfy_shared__unpublish(const void *owner);
int bpfy_shared__extern_info(struct bpf_object *obj, const struct bpf_map *map, const char **name,
			     uint32_t *key_id, uint32_t *value_id);

/* prog.c: every map of the second object `into` but `skip` (may be NULL)
 * reuses the fd of its twin in the first object `from`; 0 or -errno. */
int bpfy_prog__reuse_maps(struct bpf_object *from, struct bpf_object *into,
			  const struct bpf_map *skip);

/* libbpf_log.c: libbpf's messages, captured per thread instead of printed. */
void bpfy_libbpf_log__begin(void);
/* Ends the capture; returns the heap text captured (caller frees), may be NULL. */
char *bpfy_libbpf_log__end(void);

/* Turns a failed libbpf load into a user error: a verifier rejection
 * (BPFY_ERR_VERIFIER with its log) or an OS error with libbpf's message. */
int bpfy_report_load_failure(struct bpfy_error *error, int err, const char *what, char *captured);

#endif /* BPFY_INTERNAL_H */
