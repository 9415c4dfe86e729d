/*
 * Tables: the Python face of BPF maps (b["name"]).
 *
 * One C base type `Table` does the work for every map type; a map type's
 * traits (per-CPU values, keys or indices, deletable, batchable) pick the
 * Python subtype and steer the shared code, so there is no per-type branch
 * chain. Files:
 *   table.c         base type, traits, mapping protocol, type registry
 *   table_dump.c    whole-map reads (keys/values/items, batch or walk), iteration
 *   table_family.c  the subtypes: HashTable, Array (zero), per-CPU helpers
 *   table_batch.c   items_*_batch methods
 */
#ifndef BPFY_TABLE_H
#define BPFY_TABLE_H

#include "codec.h"

struct bpfy_table_traits {
	const char *family;	/* Python type in st->table_types */
	bool percpu;		/* values are one slot per possible CPU */
	bool array;		/* keys are indices 0..max_entries-1, never absent */
	bool can_delete;	/* del t[k] is an operation of the map type */
	bool batch;		/* the kernel has lookup/update/delete batch ops */
};

typedef struct {
	PyObject_HEAD
	bpfy_state *st;			/* the module's state (the type keeps it alive) */
	BPFObject *owner;		/* strong: the maps' fds belong to it */
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

/* Batch-reads every (key, value) pair into list (deleting them when
 * and_delete): 0, 1 when the map type has no batch ops, -1 with an exception. */
int bpfy_table_dump_batch(bpfy_table *t, bool and_delete, PyObject *list);
/* Deletes n packed keys (batch, else one by one; absent keys ignored). */
int bpfy_table_delete_keys(bpfy_table *t, const unsigned char *keys, uint32_t n);

/* True when `err` means "this map type has no batch ops". */
bool bpfy_batch_unsupported(int err);

/* ------------------------------------------------- table_family.c */

/* The subtypes of Table (HashTable, Array, PerCpuHash, PerCpuArray), added
 * to st->table_types and the module. */
int bpfy_table_families_init(PyObject *module, bpfy_state *st);
/* Zeroes every element of an array map (update batch, else one by one). */
int bpfy_table_zero_all(bpfy_table *t);

/* table_batch.c */
PyObject *bpfy_table_items_lookup_batch(PyObject *self, PyObject *unused);
PyObject *bpfy_table_items_lookup_and_delete_batch(PyObject *self, PyObject *unused);
PyObject *bpfy_table_items_delete_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
					PyObject *kwnames);
PyObject *bpfy_table_items_update_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
					PyObject *kwnames);

#endif /* BPFY_TABLE_H */
