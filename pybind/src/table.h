/*
 * Tables: the Python face of BPF maps (b["name"]).
 *
 * One C base type `Table` does the work for every map type; a map type's
 * traits (per-CPU values, keys or indices, deletable, batchable) pick the
 * Python subtype and steer the shared code, so there is no per-type branch
 * chain. Files:
 *   table.c         base type, mapping protocol, lifetime, type registry
 *   table_traits.c  per-kernel-type traits (family, key/value kinds, abilities)
 *   table_encode.c  keys and values <-> bytes, dispatched on the traits
 *   table_dump.c    whole-map reads (keys/values/items, batch or walk), iteration
 *   table_read.c    batch reads in chunks, read ahead by a helper thread
 *   table_family.c  the subtypes: HashTable, Array (zero), per-CPU helpers
 *   table_batch.c   items_*_batch methods
 */
#ifndef BPFY_TABLE_H
#define BPFY_TABLE_H

#include "codec.h"

/* How a map type's keys and values travel (see table_keys.c, map_fd.c). */
enum bpfy_key_kind {
	BPFY_KEY_PLAIN,		/* the key codec */
	BPFY_KEY_INDEX,		/* ints 0..max_entries-1 (negative from the end), else codec */
	BPFY_KEY_FD,		/* local storages: an fd, an object with fileno(), a path */
	BPFY_KEY_LPM,		/* (prefixlen, address) / ip_network / "10.0.0.0/8" */
	BPFY_KEY_NONE,		/* queue, stack, bloom filter, arena: no keys */
};

enum bpfy_value_kind {
	BPFY_VALUE_PLAIN,	/* the value codec (per CPU when percpu) */
	BPFY_VALUE_FD,		/* assign fds/objects holding one; reads give ids/cookies */
	BPFY_VALUE_MAP,		/* map-in-map: assign tables/fds; reads give the inner table */
	BPFY_VALUE_STACK,	/* stack trace: a list of addresses up to the first 0 */
};

struct bpfy_table_traits {
	const char *family;	/* Python type in st->table_types */
	bool percpu;		/* values are one slot per possible CPU */
	bool array;		/* never absent: len is max_entries, clear() zeroes */
	bool can_delete;	/* del t[k] is an operation of the map type */
	bool batch;		/* the kernel has lookup/update/delete batch ops */
	bool no_iter;		/* the kernel cannot list keys (get_next_key) */
	bool no_lookup;		/* user space cannot read values */
	uint8_t key_kind;	/* enum bpfy_key_kind */
	uint8_t value_kind;	/* enum bpfy_value_kind */
};

/* The traits of a kernel map type (a generic entry for unknown types). */
const struct bpfy_table_traits *bpfy_table_traits_of(uint32_t map_type);

typedef struct {
	PyObject_HEAD
	bpfy_state *st;			/* the module's state (the type keeps it alive) */
	BPFObject *owner;		/* strong or NULL: the declared map's fd belongs to it */
	const struct bpfy_map_desc *desc; /* valid while owner->obj != NULL */
	const struct bpfy_table_traits *traits;
	PyObject *name;			/* str, kept for messages after close */
	uint32_t map_type, key_size, value_size, max_entries, map_flags, id;
	int fd;
	size_t vbuf_size;		/* one value as the kernel reads it */
	uint32_t stride;		/* per-CPU: bytes between CPU slots */
	int ncpus;			/* per-CPU: slots per value, else 1 */
	bool batch_ok;			/* false once the kernel refused a batch op */
	bpfy_codec *key;		/* strong */
	bpfy_codec *leaf;		/* strong: one element (one CPU's slot) */
	PyObject *weakreflist;
	struct bpfy_map_ref *ref;	/* owned, or NULL: the map belongs to owner */
	bool ref_closed;		/* owned ref closed by close() */
	PyObject *pin_path;		/* str of the last pin(), or NULL */
	int *tmp_fds;			/* fds opened to encode one op (paths), closed after */
	int ntmp_fds, cap_tmp_fds;
	uint32_t batch_chunk;		/* elements per batch syscall, 0: by CHUNK_BYTES (tests) */
	PyObject *mapping;		/* arena: the mmap object behind memoryview(), or NULL */
	char serial_reads;		/* no helper thread for batch reads (bench, tests) */
} bpfy_table;

/* ----------------------------------------------------------- table.c */

/* 0, or -1 with ValueError("table 'x' is closed"). */
int bpfy_table_check(bpfy_table *t);

/* Encodes a key / value into buffers of key_size / vbuf_size bytes. Arrays
 * take indices (negative from the end, IndexError out of range). */
int bpfy_table_encode_key(bpfy_table *t, PyObject *key, void *out);
int bpfy_table_encode_value(bpfy_table *t, PyObject *value, void *out);
/* Decodes one value buffer (a list of per-CPU values for per-CPU maps). */
PyObject *bpfy_table_decode_value(bpfy_table *t, const void *vbuf);

/* True for ints and objects with __index__ (not floats): array indices. */
bool bpfy_table_is_index(PyObject *obj);
/* Decodes one key (a tuple for LPM keys). */
PyObject *bpfy_table_decode_key(bpfy_table *t, const void *kbuf);
/* Closes the fds a value/key encoding opened (paths). */
void bpfy_table_release_tmp(bpfy_table *t);
/* Remembers an fd to close after the operation; -1 with MemoryError. */
int bpfy_table_add_tmp(bpfy_table *t, int fd);
/* TypeError "table 'x' (a <type> map): <op> does not apply"; returns -1. */
int bpfy_table_not_applicable(bpfy_table *t, const char *op);
/* Kernel name of the table's map type ("lpm_trie"). */
const char *bpfy_table_type_name(bpfy_table *t);
/*
 * A table for a map described by desc: declared by owner's program (ref
 * NULL), or owned through ref (ownership taken, closed on failure; owner
 * may then be NULL). New ref or NULL.
 */
PyObject *bpfy_table_from_desc(bpfy_state *st, BPFObject *owner, const struct bpfy_map_desc *desc,
			       struct bpfy_map_ref *ref);
/* The table's map as an fd-holding value: an int fd, objects with fileno()
 * or .fd, str paths (opened, closed after the op). -1 on error. */
int bpfy_table_fd_of(bpfy_table *t, PyObject *obj, const char *what);

/* Raises the BPFError subclass for -errno `err` naming the table and op. */
PyObject *bpfy_table_raise(bpfy_table *t, int err, const char *op);

/* PyMem buffer of n bytes, zeroed; NULL with MemoryError. */
void *bpfy_table_alloc(size_t n);

/* ------------------------------------------------------ table_dump.c */

enum bpfy_dump_what { BPFY_DUMP_KEYS, BPFY_DUMP_VALUES, BPFY_DUMP_ITEMS };

/* A list of keys, values or (key, value) tuples of the whole map: batch
 * lookups where the kernel has them, else a next_key walk. */
PyObject *bpfy_table_dump(bpfy_table *t, enum bpfy_dump_what what);
/* Number of keys by a next_key walk. -1 with an exception. */
Py_ssize_t bpfy_table_count(bpfy_table *t);
/* Deletes every key (batch where possible). 0 or -1. */
int bpfy_table_delete_all(bpfy_table *t);
/* A new iterator over the table's keys (next_key walk). */
PyObject *bpfy_table_iter(PyObject *self);
int bpfy_table_iter_type_init(PyObject *module, bpfy_state *st);

/* Called once per chunk of n elements (keys and values back to back). */
typedef int (*bpfy_chunk_fn)(bpfy_table *t, const unsigned char *keys,
			     const unsigned char *values, uint32_t n, void *ctx);
/* Every element in chunks: batch reads, else a walk. 0 or -1. */
int bpfy_table_read_all(bpfy_table *t, bool want_values, bpfy_chunk_fn fn, void *ctx);

/* Batch-reads every (key, value) pair into list (deleting them when
 * and_delete): 0, 1 when the map type has no batch ops, -1 with an exception. */
int bpfy_table_dump_batch(bpfy_table *t, bool and_delete, PyObject *list);
/* Deletes n packed keys (batch, else one by one; absent keys ignored). */
int bpfy_table_delete_keys(bpfy_table *t, const unsigned char *keys, uint32_t n);

/* ------------------------------------------------------ table_read.c */

/* True when `err` means "this map type has no batch ops". */
bool bpfy_batch_unsupported(int err);
/* Every element by batch calls (deleting them when and_delete), fn called
 * per chunk: 0, 1 when the map type has no batch ops (nothing was read),
 * -1 with an exception. */
int bpfy_table_read_batches(bpfy_table *t, bool and_delete, bpfy_chunk_fn fn, void *ctx);

/* ------------------------------------------------- table_family.c */

/* The subtypes of Table (HashTable, Array, PerCpuHash, PerCpuArray), added
 * to st->table_types and the module. */
int bpfy_table_families_init(PyObject *module, bpfy_state *st);
/* Zeroes every element of an array map (update batch, else one by one). */
int bpfy_table_zero_all(bpfy_table *t);

/* Adds a family type (spec) on base family `base` to st->table_types and the
 * module. 0 or -1. */
int bpfy_table_add_family(PyObject *module, bpfy_state *st, PyType_Spec *spec, const char *base);
/* map_*.c: families beyond the foundation. */
int bpfy_map_families_init(PyObject *module, bpfy_state *st);
/* Common methods every table has beyond the mapping protocol (map_common.c). */
PyObject *bpfy_table_pin(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
			 PyObject *kwnames);
PyObject *bpfy_table_unpin(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bpfy_table_close(PyObject *self, PyObject *unused);
PyObject *bpfy_table_enter(PyObject *self, PyObject *unused);
PyObject *bpfy_table_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *bpfy_table_from_pinned(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
				 PyObject *kwnames);
PyObject *bpfy_table_dump_raw(PyObject *self, PyObject *unused);
PyObject *bpfy_table_to_numpy(PyObject *self, PyObject *unused);
PyObject *bpfy_table_to_pandas(PyObject *self, PyObject *unused);
/* getter _dtype_parts: (key descr, value descr, ncpus or 0, stride, key_size, vbuf_size) */
PyObject *bpfy_table_dtype_parts(PyObject *self, void *closure);
extern const char bpfy_table_numpy_doc[], bpfy_table_pandas_doc[];
extern const char bpfy_table_pin_doc[], bpfy_table_unpin_doc[], bpfy_table_close_doc[],
	bpfy_table_from_pinned_doc[], bpfy_table_dump_raw_doc[];

#define BPFY_TABLE_COMMON_METHODS                                                           \
	{ "pin", (PyCFunction)(void (*)(void))bpfy_table_pin, METH_FASTCALL | METH_KEYWORDS, \
	  bpfy_table_pin_doc },                                                             \
	{ "unpin", (PyCFunction)(void (*)(void))bpfy_table_unpin, METH_FASTCALL,           \
	  bpfy_table_unpin_doc },                                                           \
	{ "close", bpfy_table_close, METH_NOARGS, bpfy_table_close_doc },                  \
	{ "__enter__", bpfy_table_enter, METH_NOARGS, NULL },                              \
	{ "__exit__", (PyCFunction)(void (*)(void))bpfy_table_exit, METH_FASTCALL, NULL },  \
	{ "from_pinned", (PyCFunction)(void (*)(void))bpfy_table_from_pinned,              \
	  METH_FASTCALL | METH_KEYWORDS | METH_CLASS, bpfy_table_from_pinned_doc },          \
	{ "_dump_raw", bpfy_table_dump_raw, METH_NOARGS, bpfy_table_dump_raw_doc },         \
	{ "to_numpy", bpfy_table_to_numpy, METH_NOARGS, bpfy_table_numpy_doc },            \
	{ "to_pandas", bpfy_table_to_pandas, METH_NOARGS, bpfy_table_pandas_doc }

/* map_lpm.c: LPM trie keys. */
int bpfy_lpm_encode_key(bpfy_table *t, PyObject *key, void *out);
PyObject *bpfy_lpm_decode_key(bpfy_table *t, const void *kbuf);
/* map_fd.c: keys of local storages, values of fd-holding maps. */
int bpfy_table_encode_fd_key(bpfy_table *t, PyObject *key, void *out);
int bpfy_table_encode_fd_value(bpfy_table *t, PyObject *value, void *out);
PyObject *bpfy_table_decode_map_value(bpfy_table *t, const void *vbuf);
/* map_families.c: a stack trace value as a list of addresses. */
PyObject *bpfy_stack_decode(bpfy_table *t, const void *vbuf);
/* Parses positional-or-keyword args of a METH_FASTCALL|METH_KEYWORDS
 * method into out[nnames] (NULL when absent). 0 or -1. */
int bpfy_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs,
		    PyObject *kwnames, const char *const *names, int nnames, int required,
		    PyObject **out);

/* table_batch.c */
PyObject *bpfy_table_items_lookup_batch(PyObject *self, PyObject *unused);
PyObject *bpfy_table_items_lookup_and_delete_batch(PyObject *self, PyObject *unused);
PyObject *bpfy_table_items_delete_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
					PyObject *kwnames);
PyObject *bpfy_table_items_update_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
					PyObject *kwnames);

#endif /* BPFY_TABLE_H */
