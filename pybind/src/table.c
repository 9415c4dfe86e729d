/*
 * The Table base type: one BPF map seen as a Python mapping. Map types
 * differ only by their traits (below); subtypes add the few methods that
 * belong to one family (table_family.c).
 */
#include "table.h"
#include "events.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <structmember.h>

/* ----------------------------------------------------------------- helpers */

static bool table_closed(bpfy_table *t)
{
	if (t->ref || t->ref_closed)
		return t->ref == NULL;
	return !t->owner || !t->owner->obj;
}

int bpfy_table_check(bpfy_table *t)
{
	if (!table_closed(t))
		return 0;
	PyErr_Format(PyExc_ValueError, "table '%U' is closed", t->name);
	return -1;
}

void *bpfy_table_alloc(size_t n)
{
	void *p = PyMem_Calloc(1, n ? n : 1);

	if (!p)
		PyErr_NoMemory();
	return p;
}

PyObject *bpfy_table_raise(bpfy_table *t, int err, const char *op)
{
	return bpfy_raise_errno(t->st, err, "table '%s' (%s map): %s", PyUnicode_AsUTF8(t->name),
				bpfy_table_type_name(t), op);
}

const char *bpfy_table_type_name(bpfy_table *t)
{
	const char *name = bpfy_map_type__name(t->map_type);

	return name ? name : "unknown";
}

int bpfy_table_not_applicable(bpfy_table *t, const char *op)
{
	PyErr_Format(PyExc_TypeError, "table '%U' is a %s map (%s): %s does not apply to it",
		     t->name, bpfy_table_type_name(t), t->traits->family, op);
	return -1;
}

int bpfy_table_add_tmp(bpfy_table *t, int fd)
{
	if (t->ntmp_fds == t->cap_tmp_fds) {
		int cap = t->cap_tmp_fds ? t->cap_tmp_fds * 2 : 4;
		int *p = PyMem_Realloc(t->tmp_fds, cap * sizeof(int));

		if (!p) {
			close(fd);
			PyErr_NoMemory();
			return -1;
		}
		t->tmp_fds = p;
		t->cap_tmp_fds = cap;
	}
	t->tmp_fds[t->ntmp_fds++] = fd;
	return 0;
}

void bpfy_table_release_tmp(bpfy_table *t)
{
	while (t->ntmp_fds > 0)
		close(t->tmp_fds[--t->ntmp_fds]);
}

#define STACK_BUF 512	/* key + value bytes handled without a heap buffer */

/* A buffer of n bytes: `small` when it fits, else the heap. */
static unsigned char *op_buffer(unsigned char *small, size_t n)
{
	if (n <= STACK_BUF)
		return small;
	return bpfy_table_alloc(n);
}

static void op_buffer_free(unsigned char *buf, unsigned char *small)
{
	if (buf != small)
		PyMem_Free(buf);
}

/*
 * Looks key up. Returns 1 with *value set (new ref), 0 when the key is
 * absent (no exception), -1 with an exception.
 */
static int table_lookup(bpfy_table *t, PyObject *key, PyObject **value)
{
	_Alignas(8) unsigned char small[STACK_BUF];
	unsigned char *buf;
	int err, ret = -1;

	*value = NULL;
	if (bpfy_table_check(t) < 0)
		return -1;
	if (t->traits->no_lookup)
		return bpfy_table_not_applicable(t, "reading values from user space");
	buf = op_buffer(small, t->key_size + t->vbuf_size);
	if (!buf)
		return -1;
	if (bpfy_table_encode_key(t, key, buf) < 0)
		goto out;
	err = bpfy_map__lookup(t->fd, buf, buf + t->key_size, t->vbuf_size, 0);
	if (err == -ENOENT) {
		ret = 0;
	} else if (err) {
		bpfy_table_raise(t, err, "lookup");
	} else {
		*value = bpfy_table_decode_value(t, buf + t->key_size);
		ret = *value ? 1 : -1;
	}
out:
	bpfy_table_release_tmp(t);
	op_buffer_free(buf, small);
	return ret;
}

/* --------------------------------------------------------- mapping protocol */

static PyObject *table_subscript(bpfy_table *t, PyObject *key)
{
	PyObject *value;
	int found = table_lookup(t, key, &value);

	if (found == 0)
		PyErr_SetObject(PyExc_KeyError, key);
	return value;
}

static int table_delete(bpfy_table *t, PyObject *key)
{
	_Alignas(8) unsigned char small[STACK_BUF];
	unsigned char *kbuf;
	int err, ret = -1;

	if (!t->traits->can_delete) {
		if (t->traits->array)
			PyErr_Format(PyExc_TypeError,
				     "table '%U' is an %s map: its elements cannot be deleted (use "
				     "zero() or assign a value)", t->name, t->traits->family);
		else
			bpfy_table_not_applicable(t, "del");
		return -1;
	}
	kbuf = op_buffer(small, t->key_size);
	if (!kbuf)
		return -1;
	if (bpfy_table_encode_key(t, key, kbuf) < 0)
		goto out;
	err = bpfy_map__delete(t->fd, kbuf);
	if (err == -ENOENT)
		PyErr_SetObject(PyExc_KeyError, key);
	else if (err)
		bpfy_table_raise(t, err, "delete");
	else
		ret = 0;
out:
	bpfy_table_release_tmp(t);
	op_buffer_free(kbuf, small);
	return ret;
}

static int table_ass_subscript(bpfy_table *t, PyObject *key, PyObject *value)
{
	_Alignas(8) unsigned char small[STACK_BUF];
	unsigned char *buf;
	int err, ret = -1;

	if (bpfy_table_check(t) < 0)
		return -1;
	if (!value)
		return table_delete(t, key);
	buf = op_buffer(small, t->key_size + t->vbuf_size);
	if (!buf)
		return -1;
	if (t->key_size + t->vbuf_size > STACK_BUF)
		memset(buf, 0, t->key_size + t->vbuf_size);
	if (bpfy_table_encode_key(t, key, buf) < 0 ||
	    bpfy_table_encode_value(t, value, buf + t->key_size) < 0)
		goto out;
	err = bpfy_map__update(t->fd, buf, buf + t->key_size, BPF_ANY);
	if (err)
		bpfy_table_raise(t, err, "update");
	else
		ret = 0;
out:
	bpfy_table_release_tmp(t);
	op_buffer_free(buf, small);
	return ret;
}

static int table_contains(bpfy_table *t, PyObject *key)
{
	PyObject *value;
	int found;

	if (t->traits->array && bpfy_table_is_index(key)) {
		Py_ssize_t i = PyNumber_AsSsize_t(key, NULL);

		if (bpfy_table_check(t) < 0 || (i == -1 && PyErr_Occurred()))
			return -1;
		return i >= 0 && i < (Py_ssize_t)t->max_entries;
	}
	found = table_lookup(t, key, &value);
	Py_XDECREF(value);
	return found;
}

static Py_ssize_t table_length(bpfy_table *t)
{
	if (bpfy_table_check(t) < 0)
		return -1;
	if (t->traits->array)
		return t->max_entries;
	if (t->traits->no_iter)
		return bpfy_table_not_applicable(t, "len()");
	return bpfy_table_count(t);
}

/* ------------------------------------------------------------------ methods */

static PyObject *dump(bpfy_table *t, enum bpfy_dump_what what, const char *op)
{
	if (bpfy_table_check(t) < 0)
		return NULL;
	if (t->traits->no_iter || (t->traits->no_lookup && what != BPFY_DUMP_KEYS)) {
		bpfy_table_not_applicable(t, op);
		return NULL;
	}
	return bpfy_table_dump(t, what);
}

static PyObject *table_keys(bpfy_table *t, PyObject *unused)
{
	return dump(t, BPFY_DUMP_KEYS, "keys()");
}

static PyObject *table_values(bpfy_table *t, PyObject *unused)
{
	return dump(t, BPFY_DUMP_VALUES, "values()");
}

static PyObject *table_items(bpfy_table *t, PyObject *unused)
{
	return dump(t, BPFY_DUMP_ITEMS, "items()");
}

static PyObject *table_get(bpfy_table *t, PyObject *const *args, Py_ssize_t nargs)
{
	PyObject *value;
	int found;

	if (nargs < 1 || nargs > 2) {
		PyErr_SetString(PyExc_TypeError, "get(key, default=None)");
		return NULL;
	}
	found = table_lookup(t, args[0], &value);
	if (found < 0 && t->traits->array && PyErr_ExceptionMatches(PyExc_IndexError)) {
		PyErr_Clear();
		found = 0;
	}
	if (found)
		return value;
	return Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

static PyObject *table_clear(bpfy_table *t, PyObject *unused)
{
	int ret;

	if (bpfy_table_check(t) < 0)
		return NULL;
	if (t->traits->no_iter || (!t->traits->array && !t->traits->can_delete))
		return bpfy_table_not_applicable(t, "clear()"), NULL;
	ret = t->traits->array ? bpfy_table_zero_all(t) : bpfy_table_delete_all(t);
	return ret < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *table_repr(bpfy_table *t)
{
	const char *tp = Py_TYPE(t)->tp_name, *dot = strrchr(tp, '.');

	if (dot)
		tp = dot + 1;
	if (table_closed(t))
		return PyUnicode_FromFormat("<%s '%U' (closed)>", tp, t->name);
	return PyUnicode_FromFormat("<%s '%U': %U -> %U, max_entries %u>", tp, t->name,
				    t->key->cname, t->leaf->cname, t->max_entries);
}

/* ------------------------------------------------------------- attributes */

static PyObject *table_get_key_type(bpfy_table *t, void *closure)
{
	return bpfy_codec_pytype(t->key);
}

static PyObject *table_get_leaf_type(bpfy_table *t, void *closure)
{
	return bpfy_codec_pytype(t->leaf);
}

static PyObject *table_get_name(bpfy_table *t, void *closure)
{
	return Py_NewRef(t->name);
}

static PyObject *table_get_fd(bpfy_table *t, void *closure)
{
	return bpfy_table_check(t) < 0 ? NULL : PyLong_FromLong(t->fd);
}

static PyObject *table_get_closed(bpfy_table *t, void *closure)
{
	return PyBool_FromLong(table_closed(t));
}

static PyObject *table_get_info(bpfy_table *t, void *closure)
{
	if (bpfy_table_check(t) < 0)
		return NULL;
	return Py_BuildValue("{sIsssIsIsIsIsIsO}", "type", t->map_type, "type_name",
			     bpfy_table_type_name(t), "key_size", t->key_size,
			     "value_size", t->value_size, "max_entries", t->max_entries,
			     "flags", t->map_flags, "id", t->id, "name", t->name);
}

/* ---------------------------------------------------------------- lifetime */

static int table_traverse(bpfy_table *t, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(t));
	Py_VISIT(t->owner);
	Py_VISIT(t->key);
	Py_VISIT(t->leaf);
	Py_VISIT(t->mapping);
	return 0;
}

static int table_clear_refs(bpfy_table *t)
{
	Py_CLEAR(t->owner);
	Py_CLEAR(t->key);
	Py_CLEAR(t->leaf);
	Py_CLEAR(t->mapping);
	return 0;
}

static void table_dealloc(bpfy_table *t)
{
	PyTypeObject *tp = Py_TYPE(t);

	PyObject_GC_UnTrack(t);
	if (t->weakreflist)
		PyObject_ClearWeakRefs((PyObject *)t);
	table_clear_refs(t);
	bpfy_table_release_tmp(t);
	PyMem_Free(t->tmp_fds);
	bpfy_map_ref__close(t->ref);
	Py_CLEAR(t->pin_path);
	Py_CLEAR(t->name);
	tp->tp_free(t);
	Py_DECREF(tp);
}

/* Integer codecs for maps without BTF: unsigned ints of the usual sizes. */
static const struct bpfy_type plain_ints[] = {
	{ BPFY_TYPE_INT, "u8", 1 }, { BPFY_TYPE_INT, "u16", 2 },
	{ BPFY_TYPE_INT, "u32", 4 }, { BPFY_TYPE_INT, "u64", 8 },
};

static bpfy_codec *codec_for(bpfy_state *st, const struct bpfy_type *type, uint32_t size)
{
	for (size_t i = 0; !type && i < sizeof(plain_ints) / sizeof(plain_ints[0]); i++)
		if (plain_ints[i].size == size)
			type = &plain_ints[i];
	return bpfy_codec_get(st, type, size);
}

PyObject *bpfy_table_from_desc(bpfy_state *st, BPFObject *owner, const struct bpfy_map_desc *desc,
			       struct bpfy_map_ref *ref)
{
	const struct bpfy_table_traits *tr = bpfy_table_traits_of(desc->type);
	PyTypeObject *type;
	bpfy_table *t;

	type = (PyTypeObject *)PyDict_GetItemString(st->table_types, tr->family);
	if (!type) {
		bpfy_map_ref__close(ref);
		PyErr_Format(PyExc_SystemError, "no table type %s", tr->family);
		return NULL;
	}
	t = (bpfy_table *)type->tp_alloc(type, 0);
	if (!t) {
		bpfy_map_ref__close(ref);
		return NULL;
	}
	t->ref = ref;
	t->st = st;
	t->owner = (BPFObject *)Py_XNewRef((PyObject *)owner);
	t->desc = desc;
	t->traits = tr;
	t->map_type = desc->type;
	t->key_size = desc->key_size;
	t->value_size = desc->value_size;
	t->max_entries = desc->max_entries;
	t->map_flags = desc->map_flags;
	t->id = desc->id;
	t->fd = desc->fd;
	t->batch_ok = tr->batch;
	t->ncpus = 1;
	t->stride = desc->value_size;
	t->vbuf_size = desc->value_size;
	if (tr->percpu) {
		t->ncpus = bpfy_num_possible_cpus();
		t->stride = (desc->value_size + 7) & ~7u;
		t->vbuf_size = bpfy_map_desc__value_buffer_size(desc);
		if (t->ncpus <= 0 || !t->vbuf_size) {
			bpfy_raise_errno(st, t->ncpus < 0 ? t->ncpus : -EINVAL,
					 "table '%s': counting possible CPUs", desc->name);
			goto err_out;
		}
	}
	t->name = PyUnicode_FromString(desc->name ? desc->name : "");
	if (!t->name)
		goto err_out;
	t->key = codec_for(st, desc->key_type, desc->key_size);
	if (!t->key)
		goto err_out;
	t->leaf = codec_for(st, desc->value_type, desc->value_size);
	if (!t->leaf)
		goto err_out;
	return (PyObject *)t;

err_out:
	Py_DECREF(t);
	return NULL;
}

PyObject *bpfy_table_new(bpfy_state *st, BPFObject *owner, struct bpfy_map *map)
{
	PyObject *events;

	/* perf/ring/user ring buffers have tables of their own (events*.c) */
	events = bpfy_event_table_new(st, owner, map);
	if (events || PyErr_Occurred())
		return events;
	return bpfy_table_from_desc(st, owner, bpfy_map__desc(map), NULL);
}

/* -------------------------------------------------------------- type spec */

PyDoc_STRVAR(keys_doc, "keys()\n--\n\nA list of every key (batch reads where the kernel has them).");
PyDoc_STRVAR(values_doc, "values()\n--\n\nA list of every value.");
PyDoc_STRVAR(items_doc,
	     "items()\n--\n\nA list of (key, value) pairs of the whole map, read with batch "
	     "syscalls where the kernel has them, else by walking the keys.");
PyDoc_STRVAR(get_doc, "get(key, default=None)\n--\n\nThe value of key, or default when absent.");
PyDoc_STRVAR(clear_doc,
	     "clear()\n--\n\nDeletes every element; arrays have every element zeroed instead.");
PyDoc_STRVAR(lookup_batch_doc,
	     "items_lookup_batch()\n--\n\nA list of (key, value) pairs read with batch syscalls; "
	     "raises when the kernel has no batch ops for this map type.");
PyDoc_STRVAR(lookup_delete_batch_doc,
	     "items_lookup_and_delete_batch()\n--\n\nLike items_lookup_batch(), deleting what it "
	     "returns.");
PyDoc_STRVAR(delete_batch_doc,
	     "items_delete_batch(keys=None)\n--\n\nDeletes keys (a sequence) in one syscall, or "
	     "every element when keys is None.");
PyDoc_STRVAR(update_batch_doc,
	     "items_update_batch(keys, values)\n--\n\nSets keys[i] to values[i] in one syscall.");

static PyMethodDef table_methods[] = {
	{ "keys", (PyCFunction)table_keys, METH_NOARGS, keys_doc },
	{ "values", (PyCFunction)table_values, METH_NOARGS, values_doc },
	{ "items", (PyCFunction)table_items, METH_NOARGS, items_doc },
	{ "get", (PyCFunction)(void (*)(void))table_get, METH_FASTCALL, get_doc },
	{ "clear", (PyCFunction)table_clear, METH_NOARGS, clear_doc },
	{ "items_lookup_batch", bpfy_table_items_lookup_batch, METH_NOARGS, lookup_batch_doc },
	{ "items_lookup_and_delete_batch", bpfy_table_items_lookup_and_delete_batch,
	  METH_NOARGS, lookup_delete_batch_doc },
	{ "items_delete_batch", (PyCFunction)(void (*)(void))bpfy_table_items_delete_batch,
	  METH_FASTCALL | METH_KEYWORDS, delete_batch_doc },
	{ "items_update_batch", (PyCFunction)(void (*)(void))bpfy_table_items_update_batch,
	  METH_FASTCALL | METH_KEYWORDS, update_batch_doc },
	BPFY_TABLE_COMMON_METHODS,
	{ NULL },
};

static PyGetSetDef table_getset[] = {
	{ "Key", (getter)table_get_key_type, NULL, "Python type of keys: Key(...) builds one.",
	  NULL },
	{ "Leaf", (getter)table_get_leaf_type, NULL,
	  "Python type of values (one CPU's value for per-CPU maps).", NULL },
	{ "name", (getter)table_get_name, NULL, "The map's name.", NULL },
	{ "fd", (getter)table_get_fd, NULL, "The map's fd (owned by the BPF object).", NULL },
	{ "closed", (getter)table_get_closed, NULL, "True once the BPF object is closed.", NULL },
	{ "_dtype_parts", (getter)bpfy_table_dtype_parts, NULL,
	  "numpy descriptions used by to_numpy() (private).", NULL },
	{ "info", (getter)table_get_info, NULL,
	  "dict: type, type_name, key_size, value_size, max_entries, flags, id, name.", NULL },
	{ NULL },
};

static PyMemberDef table_members[] = {
	{ "_serial_reads", T_BOOL, offsetof(bpfy_table, serial_reads), 0,
	  "True: batch reads without the read-ahead helper thread. For benchmarks." },
	{ "_batch_chunk", T_UINT, offsetof(bpfy_table, batch_chunk), 0,
	  "Elements per batch syscall (0: as many as fit in 4 MiB). For tests." },
	{ "__weaklistoffset__", T_PYSSIZET, offsetof(bpfy_table, weakreflist), READONLY },
	{ NULL },
};

PyDoc_STRVAR(table_doc,
	     "A BPF map as a mapping: t[k], t[k] = v, del t[k], k in t, iteration over keys, "
	     "keys()/values()/items(), get(), clear(), batch ops.\n\n"
	     "len(t) is max_entries for arrays and a walk over the keys for hash maps.\n"
	     "Tables are closed with their BPF object; then every operation raises ValueError.");

static PyType_Slot table_slots[] = {
	{ Py_tp_doc, (void *)table_doc },
	{ Py_tp_dealloc, table_dealloc },
	{ Py_tp_traverse, table_traverse },
	{ Py_tp_clear, table_clear_refs },
	{ Py_tp_repr, table_repr },
	{ Py_tp_iter, bpfy_table_iter },
	{ Py_tp_methods, table_methods },
	{ Py_tp_getset, table_getset },
	{ Py_tp_members, table_members },
	{ Py_mp_length, table_length },
	{ Py_mp_subscript, table_subscript },
	{ Py_mp_ass_subscript, table_ass_subscript },
	{ Py_sq_contains, table_contains },
	{ Py_tp_hash, PyObject_HashNotImplemented },
	{ 0, NULL },
};

static PyType_Spec table_spec = {
	.name = "bpfy._bpfy.Table",
	.basicsize = sizeof(bpfy_table),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC |
		 Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = table_slots,
};

int bpfy_tables_init(PyObject *module, bpfy_state *st)
{
	st->table_types = PyDict_New();
	if (!st->table_types)
		return -1;
	st->Table_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &table_spec, NULL);
	if (!st->Table_Type)
		return -1;
	if (PyDict_SetItemString(st->table_types, "Table", (PyObject *)st->Table_Type) < 0 ||
	    PyModule_AddObjectRef(module, "Table", (PyObject *)st->Table_Type) < 0)
		return -1;
	if (bpfy_table_iter_type_init(module, st) < 0)
		return -1;
	if (bpfy_table_families_init(module, st) < 0)
		return -1;
	return bpfy_map_families_init(module, st);
}
