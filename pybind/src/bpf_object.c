/*
 * The BPF type: compiles and loads one source, owns the loaded object and
 * every link made from it. Closing it (close(), `with`, or garbage
 * collection) detaches everything and releases every fd.
 */
#include <errno.h>
#include <string.h>

#include "ext.h"
#include "events.h"

#define LINK_CAPSULE "bpfy.link"

int bpfy_bpf_check_open(BPFObject *self)
{
	if (self->obj)
		return 0;
	PyErr_SetString(PyExc_ValueError, "operation on a closed BPF object");
	return -1;
}

static bpfy_state *state_of(BPFObject *self)
{
	return bpfy_state_from_type(Py_TYPE(self));
}

/* ------------------------------------------------------------ lifetime */

static void release(BPFObject *self)
{
	/* buffers first (they may be polled from a callback), then links, which
	 * detach while the programs are still known */
	bpfy_events_release(self);
	if (self->links)
		PyDict_Clear(self->links);
	if (self->open_tables)
		PyDict_Clear(self->open_tables);
	if (self->tables)
		PyDict_Clear(self->tables);
	bpfy_object__close(self->obj);
	self->obj = NULL;
}

static int BPF_traverse(BPFObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	Py_VISIT(self->links);
	Py_VISIT(self->tables);
	Py_VISIT(self->open_tables);
	Py_VISIT(self->event_types);
	Py_VISIT(self->generated_source);
	Py_VISIT(self->poller);
	return 0;
}

static int BPF_clear(BPFObject *self)
{
	bpfy_events_release(self);
	Py_CLEAR(self->open_tables);
	Py_CLEAR(self->event_types);
	Py_CLEAR(self->tables);
	Py_CLEAR(self->links);
	Py_CLEAR(self->generated_source);
	return 0;
}

static void BPF_dealloc(BPFObject *self)
{
	PyTypeObject *type = Py_TYPE(self);

	PyObject_GC_UnTrack(self);
	if (self->weakreflist)
		PyObject_ClearWeakRefs((PyObject *)self);
	release(self);
	BPF_clear(self);
	type->tp_free(self);
	Py_DECREF(type);
}

static PyObject *BPF_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	BPFObject *self = (BPFObject *)type->tp_alloc(type, 0);

	if (!self)
		return NULL;
	self->links = PyDict_New();
	self->tables = PyDict_New();
	self->open_tables = PyDict_New();
	self->event_types = PyDict_New();
	if (!self->links || !self->tables || !self->open_tables || !self->event_types) {
		Py_DECREF(self);
		return NULL;
	}
	return (PyObject *)self;
}

/* ---------------------------------------------------------------- links */

static void link_capsule_destroy(PyObject *capsule)
{
	bpfy_link__destroy(PyCapsule_GetPointer(capsule, LINK_CAPSULE));
}

/* Stores `link` under (kind, target, fn_name); the dict owns it from here. */
int bpfy_bpf_store_link(BPFObject *self, const char *kind, const char *target, const char *fn_name,
			struct bpfy_link *link)
{
	PyObject *key, *capsule;
	int err;

	capsule = PyCapsule_New(link, LINK_CAPSULE, link_capsule_destroy);
	if (!capsule) {
		bpfy_link__destroy(link);
		return -1;
	}
	key = Py_BuildValue("(sss)", kind, target, fn_name);
	if (!key) {
		Py_DECREF(capsule);
		return -1;
	}
	err = PyDict_SetItem(self->links, key, capsule);
	Py_DECREF(key);
	Py_DECREF(capsule);
	return err;
}

int bpfy_bpf_has_link(BPFObject *self, const char *kind, const char *target, const char *fn_name)
{
	PyObject *key = Py_BuildValue("(sss)", kind, target, fn_name);
	int found;

	if (!key)
		return -1;
	found = PyDict_Contains(self->links, key);
	Py_DECREF(key);
	return found;
}

/* Detaches every link of `kind` at `target` (and of fn_name when given). */
PyObject *bpfy_bpf_detach_matching(BPFObject *self, const char *kind, const char *target,
				   const char *fn_name)
{
	PyObject *keys, *key;
	Py_ssize_t removed = 0;

	if (bpfy_bpf_check_open(self))
		return NULL;
	keys = PyDict_Keys(self->links);
	if (!keys)
		return NULL;
	for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
		key = PyList_GET_ITEM(keys, i);
		if (strcmp(PyUnicode_AsUTF8(PyTuple_GET_ITEM(key, 0)), kind) ||
		    strcmp(PyUnicode_AsUTF8(PyTuple_GET_ITEM(key, 1)), target) ||
		    (fn_name && strcmp(PyUnicode_AsUTF8(PyTuple_GET_ITEM(key, 2)), fn_name)))
			continue;
		if (PyDict_DelItem(self->links, key)) {
			Py_DECREF(keys);
			return NULL;
		}
		removed++;
	}
	Py_DECREF(keys);
	if (!removed)
		return bpfy_raise_errno(state_of(self), ENOENT, "no program is attached to %s '%s'",
					kind, target);
	Py_RETURN_NONE;
}

/* bcc accepts str or bytes for names. Returns a borrowed UTF-8 pointer
 * valid while `obj` lives. */
const char *bpfy_name_arg(PyObject *obj, const char *what)
{
	const char *name;
	Py_ssize_t len;

	if (PyUnicode_Check(obj)) {
		name = PyUnicode_AsUTF8AndSize(obj, &len);
	} else if (PyBytes_Check(obj)) {
		name = PyBytes_AS_STRING(obj);
		len = PyBytes_GET_SIZE(obj);
	} else {
		PyErr_Format(PyExc_TypeError, "%s must be str or bytes, not %.100s", what,
			     Py_TYPE(obj)->tp_name);
		return NULL;
	}
	if (name && strlen(name) != (size_t)len) {
		/* "h\0junk" must not silently mean "h" */
		PyErr_Format(PyExc_ValueError, "%s must not contain a NUL character", what);
		return NULL;
	}
	return name;
}

struct bpfy_prog *bpfy_bpf_find_function(BPFObject *self, const char *fn_name)
{
	struct bpfy_prog *prog = bpfy_object__prog_by_name(self->obj, fn_name);

	if (!prog)
		bpfy_raise_errno(state_of(self), ENOENT, "no function named '%s' in the BPF program",
				 fn_name);
	return prog;
}

PyObject *bpfy_bpf_raise(BPFObject *self, struct bpfy_error *error)
{
	bpfy_raise(state_of(self), error);
	bpfy_error__clear(error);
	return NULL;
}

/* ------------------------------------------------------------ __init__ */

static int auto_attach(BPFObject *self)
{
	struct bpfy_error error = {};

	for (size_t i = 0; i < bpfy_object__prog_count(self->obj); i++) {
		struct bpfy_prog *prog = bpfy_object__prog_at(self->obj, i);
		struct bpfy_link *link;

		if (!bpfy_prog__has_auto_attach(prog))
			continue;
		link = bpfy_prog__attach_auto(prog, &error);
		if (!link) {
			bpfy_bpf_raise(self, &error);
			return -1;
		}
		if (bpfy_bpf_store_link(self, "auto", bpfy_prog__section(prog), bpfy_prog__name(prog), link))
			return -1;
	}
	return 0;
}

/* Compiles the source into elf, keeping what the object reports about it. */
static int compile_source(BPFObject *self, const struct bpfy_py_compile_args *cargs,
			  struct bpfy_elf *elf)
{
	if (bpfy_py_compile_elf(state_of(self), cargs, elf))
		return -1;
	self->cache_hit = elf->cache_hit;
	if (elf->final_source) {
		Py_XSETREF(self->generated_source, PyUnicode_FromString(elf->final_source));
		if (!self->generated_source)
			return -1;
	}
	return 0;
}

static int BPF_init(BPFObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "source",      "source_name", "cflags",    "include_dir",
				  "cache_dir",   "no_cache",    "keep_source", "auto_attach",
				  "log_level",   "elf",         NULL };
	struct bpfy_py_compile_args cargs = { .source_name = "<text>" };
	struct bpfy_object_opts oopts = { .sz = sizeof(oopts) };
	Py_buffer given = { .buf = NULL };
	struct bpfy_elf elf = {};
	struct bpfy_error error = {};
	unsigned int log_level = 0;
	int attach = 1, ret = -1;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#|sOzzpppIy*:BPF", kwlist, &cargs.source,
					 &cargs.source_len, &cargs.source_name, &cargs.cflags,
					 &cargs.include_dir, &cargs.cache_dir, &cargs.no_cache,
					 &cargs.keep_source, &attach, &log_level, &given))
		return -1;
	if (self->obj) {
		PyErr_SetString(PyExc_ValueError, "BPF object is already loaded");
		goto out;
	}
	/* elf=: an object compiled ahead of time (obj_file); no compiler runs */
	if (!given.buf && compile_source(self, &cargs, &elf))
		goto out;
	oopts.name = cargs.source_name;
	oopts.log_level = log_level;
	oopts.btf_custom_path = elf.btf_path;
	Py_BEGIN_ALLOW_THREADS
	if (given.buf)
		self->obj = bpfy_object__open_elf(given.buf, given.len, &oopts, &error);
	else
		self->obj = bpfy_object__open_elf(elf.data, elf.size, &oopts, &error);
	Py_END_ALLOW_THREADS
	if (!self->obj) {
		bpfy_bpf_raise(self, &error);
		goto out;
	}
	if (attach && auto_attach(self)) {
		/* release() runs destructors that may touch the error state */
		PyObject *type, *value, *traceback;

		PyErr_Fetch(&type, &value, &traceback);
		release(self);
		PyErr_Restore(type, value, traceback);
		goto out;
	}
	ret = 0;
out:
	if (given.buf)
		PyBuffer_Release(&given);
	bpfy_elf__release(&elf);
	return ret;
}

/* ------------------------------------------------------------- attaching */

/* Attaches fn_name at target through `attach`, once per (kind, target, fn). */
typedef struct bpfy_link *(*attach_fn)(struct bpfy_prog *prog, const char *target,
					 struct bpfy_error *error);

static PyObject *attach_once(BPFObject *self, const char *kind, const char *target,
			     const char *fn_name, attach_fn attach)
{
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	int attached = bpfy_bpf_has_link(self, kind, target, fn_name);

	if (attached < 0)
		return NULL;
	if (attached)
		return bpfy_raise_errno(state_of(self), EEXIST, "'%s' is already attached to %s '%s'",
					fn_name, kind, target);
	prog = bpfy_bpf_find_function(self, fn_name);
	if (!prog)
		return NULL;
	link = attach(prog, target, &error);
	if (!link)
		return bpfy_bpf_raise(self, &error);
	if (bpfy_bpf_store_link(self, kind, target, fn_name, link))
		return NULL;
	Py_RETURN_NONE;
}

/* "category:event" → the two parts; the caller checked the form. */
static struct bpfy_link *attach_tracepoint_target(struct bpfy_prog *prog, const char *target,
						  struct bpfy_error *error)
{
	const char *colon = strchr(target, ':');
	char category[256];

	snprintf(category, sizeof(category), "%.*s", (int)(colon - target), target);
	return bpfy_prog__attach_tracepoint(prog, category, colon + 1, error);
}

/* Parses (tp, fn_name) of an attach method; 0 or -1 with an exception set. */
static int attach_args(BPFObject *self, PyObject *args, PyObject *kwds, const char *method,
		       const char **tp, const char **fn_name)
{
	static char *kwlist[] = { "tp", "fn_name", NULL };
	PyObject *tp_obj, *fn_obj;
	char format[64];

	snprintf(format, sizeof(format), "OO:%s", method);
	if (!PyArg_ParseTupleAndKeywords(args, kwds, format, kwlist, &tp_obj, &fn_obj) ||
	    bpfy_bpf_check_open(self))
		return -1;
	*tp = bpfy_name_arg(tp_obj, "tp");
	*fn_name = *tp ? bpfy_name_arg(fn_obj, "fn_name") : NULL;
	return *fn_name ? 0 : -1;
}

/* Parses (tp, fn_name=None) of a detach method; 0 or -1 with an exception set. */
static int detach_args(PyObject *args, PyObject *kwds, const char *method, const char **tp,
		       const char **fn_name)
{
	static char *kwlist[] = { "tp", "fn_name", NULL };
	PyObject *tp_obj, *fn_obj = Py_None;
	char format[64];

	snprintf(format, sizeof(format), "O|O:%s", method);
	if (!PyArg_ParseTupleAndKeywords(args, kwds, format, kwlist, &tp_obj, &fn_obj))
		return -1;
	*fn_name = NULL;
	*tp = bpfy_name_arg(tp_obj, "tp");
	if (!*tp || (fn_obj != Py_None && !(*fn_name = bpfy_name_arg(fn_obj, "fn_name"))))
		return -1;
	return 0;
}

PyDoc_STRVAR(attach_tracepoint_doc,
	     "attach_tracepoint(tp, fn_name)\n--\n\n"
	     "Attach function fn_name to tracepoint tp (\"category:event\"). The function\n"
	     "is loaded as a tracepoint program if it is not loaded yet.");

static PyObject *BPF_attach_tracepoint(BPFObject *self, PyObject *args, PyObject *kwds)
{
	const char *tp, *fn_name, *colon;

	if (attach_args(self, args, kwds, "attach_tracepoint", &tp, &fn_name))
		return NULL;
	colon = strchr(tp, ':');
	if (!colon || colon == tp || !colon[1] || colon - tp >= 256) {
		PyErr_Format(PyExc_ValueError, "tracepoint '%s' is not of the form 'category:event'",
			     tp);
		return NULL;
	}
	return attach_once(self, "tracepoint", tp, fn_name, attach_tracepoint_target);
}

PyDoc_STRVAR(detach_tracepoint_doc,
	     "detach_tracepoint(tp, fn_name=None)\n--\n\n"
	     "Detach what is attached to tracepoint tp (only fn_name when given).");

static PyObject *BPF_detach_tracepoint(BPFObject *self, PyObject *args, PyObject *kwds)
{
	const char *tp, *fn_name;

	if (detach_args(args, kwds, "detach_tracepoint", &tp, &fn_name))
		return NULL;
	return bpfy_bpf_detach_matching(self, "tracepoint", tp, fn_name);
}

PyDoc_STRVAR(attach_raw_tracepoint_doc,
	     "attach_raw_tracepoint(tp, fn_name)\n--\n\n"
	     "Attach function fn_name to raw tracepoint tp (e.g. \"sched_switch\").");

static PyObject *BPF_attach_raw_tracepoint(BPFObject *self, PyObject *args, PyObject *kwds)
{
	const char *tp, *fn_name;

	if (attach_args(self, args, kwds, "attach_raw_tracepoint", &tp, &fn_name))
		return NULL;
	return attach_once(self, "raw_tracepoint", tp, fn_name,
			   bpfy_prog__attach_raw_tracepoint);
}

PyDoc_STRVAR(detach_raw_tracepoint_doc,
	     "detach_raw_tracepoint(tp, fn_name=None)\n--\n\n"
	     "Detach what is attached to raw tracepoint tp (only fn_name when given).");

static PyObject *BPF_detach_raw_tracepoint(BPFObject *self, PyObject *args, PyObject *kwds)
{
	const char *tp, *fn_name;

	if (detach_args(args, kwds, "detach_raw_tracepoint", &tp, &fn_name))
		return NULL;
	return bpfy_bpf_detach_matching(self, "raw_tracepoint", tp, fn_name);
}

PyDoc_STRVAR(load_func_doc,
	     "_load_func(fn_name, prog_type, expected_attach_type=0) -> fd\n--\n\n"
	     "Load function fn_name as a program of prog_type (if not loaded yet) and\n"
	     "return its fd, owned by this object.");

static PyObject *BPF_load_func(BPFObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "fn_name", "prog_type", "expected_attach_type", NULL };
	PyObject *fn_obj;
	unsigned int prog_type, attach_type = 0;
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	const char *fn_name;
	int err;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OI|I:load_func", kwlist, &fn_obj, &prog_type,
					 &attach_type) ||
	    bpfy_bpf_check_open(self))
		return NULL;
	fn_name = bpfy_name_arg(fn_obj, "fn_name");
	if (!fn_name || !(prog = bpfy_bpf_find_function(self, fn_name)))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	err = bpfy_prog__load(prog, prog_type, attach_type, &error);
	Py_END_ALLOW_THREADS
	if (err)
		return bpfy_bpf_raise(self, &error);
	return PyLong_FromLong(bpfy_prog__fd(prog));
}

/* ----------------------------------------------------------------- tables */

static PyObject *known_tables(BPFObject *self)
{
	PyObject *names = PyList_New(0);

	if (!names)
		return NULL;
	for (size_t i = 0; i < bpfy_object__map_count(self->obj); i++) {
		const struct bpfy_map_desc *desc = bpfy_map__desc(bpfy_object__map_at(self->obj, i));
		PyObject *name = PyUnicode_FromString(desc->name);

		if (!name || PyList_Append(names, name)) {
			Py_XDECREF(name);
			Py_DECREF(names);
			return NULL;
		}
		Py_DECREF(name);
	}
	return names;
}

static PyObject *get_table(BPFObject *self, PyObject *key)
{
	struct bpfy_map *map;
	PyObject *table, *names, *weak;
	const char *name;

	if (bpfy_bpf_check_open(self))
		return NULL;
	/* tables are cached weakly: a table holds its BPF object, and a strong
	 * cache would make every b[name] a cycle that keeps a dropped object
	 * attached until the collector runs */
	weak = PyDict_GetItemWithError(self->tables, key);
	if (weak) {
		table = PyWeakref_GetObject(weak);
		if (table != Py_None)
			return Py_NewRef(table);
	} else if (PyErr_Occurred()) {
		return NULL;
	}
	name = bpfy_name_arg(key, "table name");
	if (!name)
		return NULL;
	map = bpfy_object__map_by_name(self->obj, name);
	if (!map) {
		names = known_tables(self);
		if (names) {
			PyErr_Format(PyExc_KeyError, "no table named '%s' (tables: %R)", name, names);
			Py_DECREF(names);
		}
		return NULL;
	}
	table = bpfy_table_new(state_of(self), self, map);
	if (!table)
		return NULL;
	weak = PyWeakref_NewRef(table, NULL);
	if (!weak || PyDict_SetItem(self->tables, key, weak)) {
		Py_XDECREF(weak);
		Py_DECREF(table);
		return NULL;
	}
	Py_DECREF(weak);
	return table;
}

PyDoc_STRVAR(get_table_doc, "get_table(name)\n--\n\nThe table (map) named name; same as b[name].");

static PyObject *BPF_get_table(BPFObject *self, PyObject *name)
{
	return get_table(self, name);
}

static int BPF_contains(BPFObject *self, PyObject *key)
{
	const char *name;

	if (bpfy_bpf_check_open(self))
		return -1;
	name = bpfy_name_arg(key, "table name");
	if (!name)
		return -1;
	return bpfy_object__map_by_name(self->obj, name) != NULL;
}

PyDoc_STRVAR(tables_doc, "tables()\n--\n\nNames of the tables (maps) the program declares.");

static PyObject *BPF_tables(BPFObject *self, PyObject *unused)
{
	if (bpfy_bpf_check_open(self))
		return NULL;
	return known_tables(self);
}

PyDoc_STRVAR(functions_doc,
	     "functions()\n--\n\nNames of the program's functions (loaded or loadable).");

static PyObject *BPF_functions(BPFObject *self, PyObject *unused)
{
	PyObject *names;

	if (bpfy_bpf_check_open(self))
		return NULL;
	names = PyList_New(0);
	for (size_t i = 0; names && i < bpfy_object__prog_count(self->obj); i++) {
		PyObject *name =
			PyUnicode_FromString(bpfy_prog__name(bpfy_object__prog_at(self->obj, i)));

		if (!name || PyList_Append(names, name))
			Py_CLEAR(names);
		Py_XDECREF(name);
	}
	return names;
}

PyDoc_STRVAR(links_doc,
	     "_links()\n--\n\nList of (kind, target, fn_name) for every attachment alive.");

static PyObject *BPF_links(BPFObject *self, PyObject *unused)
{
	return PyDict_Keys(self->links);
}

/* ------------------------------------------------------------- closing */

PyDoc_STRVAR(close_doc, "close()\n--\n\n"
			"Detach every program and release every fd. Idempotent. Tables of this\n"
			"object are closed too.");

static PyObject *BPF_close(BPFObject *self, PyObject *unused)
{
	release(self);
	Py_RETURN_NONE;
}

static PyObject *BPF_enter(BPFObject *self, PyObject *unused)
{
	if (bpfy_bpf_check_open(self))
		return NULL;
	return Py_NewRef(self);
}

/* Through the close method, so that subclasses' close() runs too. */
static PyObject *BPF_exit(BPFObject *self, PyObject *args)
{
	PyObject *result = PyObject_CallMethod((PyObject *)self, "close", NULL);

	if (!result)
		return NULL;
	Py_DECREF(result);
	Py_RETURN_FALSE;
}

static PyObject *BPF_get_closed(BPFObject *self, void *closure)
{
	return PyBool_FromLong(self->obj == NULL);
}

static PyObject *BPF_get_cache_hit(BPFObject *self, void *closure)
{
	return PyBool_FromLong(self->cache_hit);
}

static PyObject *BPF_get_generated_source(BPFObject *self, void *closure)
{
	return Py_NewRef(self->generated_source ? self->generated_source : Py_None);
}

static PyMethodDef BPF_core_methods[] = {
	{ "attach_tracepoint", (PyCFunction)(void (*)(void))BPF_attach_tracepoint,
	  METH_VARARGS | METH_KEYWORDS, attach_tracepoint_doc },
	{ "detach_tracepoint", (PyCFunction)(void (*)(void))BPF_detach_tracepoint,
	  METH_VARARGS | METH_KEYWORDS, detach_tracepoint_doc },
	{ "attach_raw_tracepoint", (PyCFunction)(void (*)(void))BPF_attach_raw_tracepoint,
	  METH_VARARGS | METH_KEYWORDS, attach_raw_tracepoint_doc },
	{ "detach_raw_tracepoint", (PyCFunction)(void (*)(void))BPF_detach_raw_tracepoint,
	  METH_VARARGS | METH_KEYWORDS, detach_raw_tracepoint_doc },
	{ "_load_func", (PyCFunction)(void (*)(void))BPF_load_func, METH_VARARGS | METH_KEYWORDS,
	  load_func_doc },
	{ "get_table", (PyCFunction)BPF_get_table, METH_O, get_table_doc },
	{ "tables", (PyCFunction)BPF_tables, METH_NOARGS, tables_doc },
	{ "functions", (PyCFunction)BPF_functions, METH_NOARGS, functions_doc },
	{ "_links", (PyCFunction)BPF_links, METH_NOARGS, links_doc },
	{ "close", (PyCFunction)BPF_close, METH_NOARGS, close_doc },
	{ "cleanup", (PyCFunction)BPF_close, METH_NOARGS, close_doc },
	{ "__enter__", (PyCFunction)BPF_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)BPF_exit, METH_VARARGS, NULL },
	{ NULL },
};

static PyGetSetDef BPF_getset[] = {
	{ "closed", (getter)BPF_get_closed, NULL, "True once close() ran.", NULL },
	{ "cache_hit", (getter)BPF_get_cache_hit, NULL,
	  "True when the compiled object came from the cache (clang did not run).", NULL },
	{ "generated_source", (getter)BPF_get_generated_source, NULL,
	  "The rewritten C source clang compiled (with keep_source=True), else None.", NULL },
	{ NULL },
};

static PyMemberDef BPF_members[] = {
	{ "__weaklistoffset__", T_PYSSIZET, offsetof(BPFObject, weakreflist), READONLY },
	{ NULL },
};

PyDoc_STRVAR(BPF_doc, "BPF(source, source_name='<text>', cflags=(), include_dir=None,\n"
		      "    cache_dir=None, no_cache=False, keep_source=False, auto_attach=True,\n"
		      "    log_level=0, elf=None)\n--\n\n"
		      "Compile BPF C source (bcc dialect or libbpf style), load it and attach\n"
		      "the functions whose names or sections say where. With elf= (bytes of an\n"
		      "object compiled ahead of time) no compiler runs. bpfy.BPF is the\n"
		      "bcc-compatible front end built on this type.");

static PyType_Slot BPF_slots[] = {
	{ Py_tp_doc, (void *)BPF_doc },
	{ Py_tp_new, BPF_new },
	{ Py_tp_init, BPF_init },
	{ Py_tp_dealloc, BPF_dealloc },
	{ Py_tp_traverse, BPF_traverse },
	{ Py_tp_clear, BPF_clear },
	{ Py_tp_methods, NULL }, /* filled by bpfy_bpf_type_init */
	{ Py_tp_getset, BPF_getset },
	{ Py_tp_members, BPF_members },
	{ Py_mp_subscript, get_table },
	{ Py_sq_contains, BPF_contains },
	{ 0, NULL },
};

static PyType_Spec BPF_spec = {
	.name = "bpfy._bpfy.BPF",
	.basicsize = sizeof(BPFObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
	.slots = BPF_slots,
};

/* The BPF type's methods come from several files, one per area. */
static PyMethodDef *const BPF_method_groups[] = {
	BPF_core_methods,
	bpfy_bpf_attach_methods,	/* bpf_attach.c: attach types beyond tracepoints */
	bpfy_bpf_events_methods,	/* bpf_events.c: perf and ring buffer polling */
	bpfy_bpf_maps_methods,		/* bpf_maps.c: maps created from Python */
	NULL,
};

/* Concatenates the groups once into a static table the type keeps. */
static PyMethodDef *all_methods(void)
{
	static PyMethodDef *table;
	size_t count = 0, used = 0;

	if (table)
		return table;
	for (size_t g = 0; BPF_method_groups[g]; g++)
		for (PyMethodDef *m = BPF_method_groups[g]; m->ml_name; m++)
			count++;
	table = PyMem_RawCalloc(count + 1, sizeof(*table));
	if (!table)
		return NULL;
	for (size_t g = 0; BPF_method_groups[g]; g++)
		for (PyMethodDef *m = BPF_method_groups[g]; m->ml_name; m++)
			table[used++] = *m;
	return table;
}

int bpfy_bpf_type_init(PyObject *module, bpfy_state *st)
{
	PyMethodDef *methods = all_methods();

	if (!methods) {
		PyErr_NoMemory();
		return -1;
	}
	for (PyType_Slot *slot = BPF_slots; slot->slot; slot++)
		if (slot->slot == Py_tp_methods)
			slot->pfunc = methods;
	st->BPF_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &BPF_spec, NULL);
	if (!st->BPF_Type)
		return -1;
	return PyModule_AddObjectRef(module, "BPF", (PyObject *)st->BPF_Type);
}
