/*
 * The event types (PerfEventArray, RingBuf, UserRingBuf, their helpers) and
 * the table factory hook: bpfy_event_table_new() answers for the three map
 * types it knows and returns NULL without an exception for the others.
 */
#include <errno.h>
#include <linux/bpf.h>

#include "events.h"

static const struct {
	const char *name;
	PyType_Spec *spec;
} event_types[] = {
	{ "PerfEventArray", &bpfy_perf_table_spec },
	{ "RingBuf", &bpfy_ring_table_spec },
	{ "UserRingBuf", &bpfy_user_ring_spec },
	{ "UserRingSample", &bpfy_user_sample_spec },
	{ "_Poller", &bpfy_poller_spec },
	{ "_EventBlock", &bpfy_event_block_spec },
};

#define N_TYPES (sizeof(event_types) / sizeof(event_types[0]))

int bpfy_events_init(PyObject *module, bpfy_state *st)
{
	PyObject *type;

	for (size_t i = 0; i < N_TYPES; i++) {
		if (PyObject_HasAttrString(module, event_types[i].name))
			continue;
		type = PyType_FromModuleAndSpec(module, event_types[i].spec, NULL);
		if (!type)
			return -1;
		if (PyModule_AddObjectRef(module, event_types[i].name, type)) {
			Py_DECREF(type);
			return -1;
		}
		if (st->table_types && event_types[i].name[0] != '_' &&
		    PyDict_SetItemString(st->table_types, event_types[i].name, type)) {
			Py_DECREF(type);
			return -1;
		}
		Py_DECREF(type);
	}
	return 0;
}

PyTypeObject *bpfy_events_type(bpfy_state *st, PyObject *module, const char *name)
{
	PyObject *type;

	if (!PyObject_HasAttrString(module, name) && bpfy_events_init(module, st))
		return NULL;
	type = PyObject_GetAttrString(module, name);
	if (!type)
		return NULL;
	Py_DECREF(type);	/* the module keeps it */
	return (PyTypeObject *)type;
}

static const char *type_name_of(uint32_t map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return "PerfEventArray";
	case BPF_MAP_TYPE_RINGBUF:
		return "RingBuf";
	case BPF_MAP_TYPE_USER_RINGBUF:
		return "UserRingBuf";
	default:
		return NULL;
	}
}

static enum bpfy_event_kind kind_of(uint32_t map_type)
{
	if (map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return BPFY_EVENTS_PERF;
	return map_type == BPF_MAP_TYPE_RINGBUF ? BPFY_EVENTS_RING : 0;
}

PyObject *bpfy_event_table_new(bpfy_state *st, BPFObject *owner, struct bpfy_map *map)
{
	const struct bpfy_map_desc *desc = bpfy_map__desc(map);
	const char *type_name = type_name_of(desc->type);
	PyObject *module;
	PyTypeObject *type;
	bpfy_event_table *t;

	if (!type_name)
		return NULL;
	module = PyType_GetModuleByDef(Py_TYPE(owner), &bpfy_module_def);
	type = module ? bpfy_events_type(st, module, type_name) : NULL;
	if (!type)
		return NULL;
	t = (bpfy_event_table *)type->tp_alloc(type, 0);
	if (!t)
		return NULL;
	t->st = st;
	t->owner = (BPFObject *)Py_NewRef((PyObject *)owner);
	t->map_type = desc->type;
	t->max_entries = desc->max_entries;
	t->fd = desc->fd;
	t->kind = kind_of(desc->type);
	t->event_type = Py_NewRef(Py_None);
	t->name = PyUnicode_FromString(desc->name ? desc->name : "");
	if (!t->name || bpfy_event_table_use_type(t, desc->event_type))
		goto err_out;
	if (owner->event_types) {	/* one set from Python on an earlier table */
		PyObject *set = PyDict_GetItemWithError(owner->event_types, t->name);

		if (set ? bpfy_event_table_set_type(t, set) < 0 : PyErr_Occurred() != NULL)
			goto err_out;
	}
	return (PyObject *)t;
err_out:
	Py_DECREF(t);
	return NULL;
}
