/*
 * Private header of the _bpfy extension: module state and the functions the
 * extension's files call across each other. Nothing here is kernel logic:
 * that lives in runtime/ behind bpfy.h.
 */
#ifndef BPFY_EXT_H
#define BPFY_EXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdbool.h>

#include "bpfy.h"

/* Per-module state (PEP 489 multi-phase init). */
typedef struct {
	/* exceptions (errors.c) */
	PyObject *BPFError;		/* base: OSError subclass, keeps errno */
	PyObject *CompileError;		/* .log: clang diagnostics */
	PyObject *VerifierError;	/* .log: verifier log */
	PyObject *UnsupportedError;	/* the kernel lacks a feature */
	PyObject *PermissionError;	/* BPFError + PermissionError: EPERM/EACCES */

	/* types */
	PyTypeObject *BPF_Type;		/* bpf_object.c */
	PyObject *table_types;		/* table.c: dict map-family name -> type */
	PyTypeObject *Table_Type;	/* table.c: base of every table type */
	PyTypeObject *Record_Type;	/* record.c: base of struct records */
	PyTypeObject *CInt_Type;	/* record.c: int subclass with .value */
	PyObject *codec_cache;		/* codec.c: private cache, may be NULL */
} bpfy_state;

extern PyModuleDef bpfy_module_def;

/* Module state from a type created with PyType_FromModuleAndSpec. */
bpfy_state *bpfy_state_from_type(PyTypeObject *type);
bpfy_state *bpfy_state_from_module(PyObject *module);

/* ------------------------------------------------------------- errors.c */
int bpfy_errors_init(PyObject *module, bpfy_state *st);
/* Raises the exception matching error->kind/code (CompileError,
 * VerifierError, PermissionError-derived BPFError, ...). Returns NULL. */
PyObject *bpfy_raise(bpfy_state *st, const struct bpfy_error *error);
/* Raises a BPFError (or a subclass chosen by errno: KeyError is never used
 * here) for a failed syscall: code is a negative or positive errno. */
PyObject *bpfy_raise_errno(bpfy_state *st, int code, const char *fmt, ...);

/* ---------------------------------------------------------- bpf_object.c */
/* The Python-visible BPF object: owns the runtime object and every link. */
typedef struct {
	PyObject_HEAD
	struct bpfy_object *obj;	/* NULL once closed */
	PyObject *links;		/* dict: (kind, target, fn_name) -> LinkCapsule */
	PyObject *tables;		/* dict: name -> weakref to the table (cache) */
	PyObject *open_tables;		/* dict: name -> event table with an open
					 * buffer (kept alive while it can be polled) */
	PyObject *event_types;		/* dict: name -> event_type set from Python,
					 * so it outlives the weakly cached table */
	PyObject *generated_source;	/* str or NULL: the rewritten source (keep_source) */
	PyObject *poller;		/* events_poller.c: the event set, or NULL */
	bool cache_hit;			/* compiled object came from the cache */
	PyObject *weakreflist;
} BPFObject;

int bpfy_bpf_type_init(PyObject *module, bpfy_state *st);
/* Sets ValueError and returns -1 when the object is closed. */
int bpfy_bpf_check_open(BPFObject *self);
/* Raises the runtime error (and clears it). Returns NULL. */
PyObject *bpfy_bpf_raise(BPFObject *self, struct bpfy_error *error);
/* The function fn_name, or NULL with a BPFError(ENOENT) set. */
struct bpfy_prog *bpfy_bpf_find_function(BPFObject *self, const char *fn_name);
/* bcc accepts str or bytes for names: a UTF-8 pointer borrowed from obj,
 * or NULL with TypeError set. */
const char *bpfy_name_arg(PyObject *obj, const char *what);

/*
 * Links of a BPF object live in self->links under (kind, target, fn_name).
 * store_link takes ownership of `link` (destroyed on failure too).
 * has_link: 1/0, -1 on error. detach_matching removes every link of kind at
 * target (only fn_name's when not NULL); BPFError(ENOENT) when none matched.
 */
int bpfy_bpf_store_link(BPFObject *self, const char *kind, const char *target,
			const char *fn_name, struct bpfy_link *link);
int bpfy_bpf_has_link(BPFObject *self, const char *kind, const char *target, const char *fn_name);
PyObject *bpfy_bpf_detach_matching(BPFObject *self, const char *kind, const char *target,
				   const char *fn_name);

/* Method groups of the BPF type, one per file (bpf_<area>.c). */
extern PyMethodDef bpfy_bpf_attach_methods[];
extern PyMethodDef bpfy_bpf_events_methods[];
extern PyMethodDef bpfy_bpf_maps_methods[];

/* Module-level functions of one area, added at module init. */
extern PyMethodDef bpfy_btf_query_methods[];	/* btf_query.c */

/* --------------------------------------------------------------- table.c */
int bpfy_tables_init(PyObject *module, bpfy_state *st);
/*
 * A new table object for `map` of `owner` (a BPFObject, kept alive by the
 * table). The table type is chosen from the map type's traits. New ref or
 * NULL with an exception set.
 */
PyObject *bpfy_table_new(bpfy_state *st, BPFObject *owner, struct bpfy_map *map);

/* ------------------------------------------------------------- compile.c */
struct bpfy_py_compile_args {
	const char *source;
	Py_ssize_t source_len;
	const char *source_name;
	PyObject *cflags;		/* sequence of str/bytes, or NULL/None */
	const char *include_dir;
	const char *cache_dir;
	int no_cache;
	int keep_source;
};

/* Compiles with the GIL released. 0, or -1 with the exception set. */
int bpfy_py_compile_elf(bpfy_state *st, const struct bpfy_py_compile_args *args,
			struct bpfy_elf *out);
PyObject *bpfy_py_compile(PyObject *module, PyObject *args, PyObject *kwds);
extern const char bpfy_compile_doc[];

/* --------------------------------------------------- codec.c / record.c */
int bpfy_records_init(PyObject *module, bpfy_state *st);

#endif /* BPFY_EXT_H */
