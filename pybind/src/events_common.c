/*
 * What the event table types (PerfEventArray, RingBuf, UserRingBuf) share:
 * their fast-call argument parsing, the timeout argument in seconds, and
 * the attributes and GC traversal common to all three.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "events.h"

static int kw_index(PyObject *kw, const char *const *names, Py_ssize_t n)
{
	const char *s = PyUnicode_AsUTF8(kw);

	for (Py_ssize_t i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

int bpfy_events_args(const char *fname, PyObject *const *args, Py_ssize_t nargs,
		     PyObject *kwnames, const char *const *names, Py_ssize_t n, PyObject **out)
{
	Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	int at;

	if (nargs > n) {
		PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", fname,
			     n, nargs);
		return -1;
	}
	for (Py_ssize_t i = 0; i < n; i++)
		out[i] = i < nargs ? args[i] : NULL;
	for (Py_ssize_t i = 0; i < nkw; i++) {
		PyObject *kw = PyTuple_GET_ITEM(kwnames, i);

		at = kw_index(kw, names, n);
		if (at < 0 || out[at]) {
			PyErr_Format(PyExc_TypeError, "%s() got %s keyword argument '%U'", fname,
				     at < 0 ? "an unexpected" : "a repeated", kw);
			return -1;
		}
		out[at] = args[nargs + i];
	}
	return 0;
}

int bpfy_events_timeout(PyObject *obj, int *ms)
{
	double s;

	*ms = 0;
	if (!obj)
		return 0;
	if (obj == Py_None) {
		*ms = -1;
		return 0;
	}
	s = PyFloat_AsDouble(obj);
	if (s == -1.0 && PyErr_Occurred())
		return -1;
	if (isnan(s)) {
		PyErr_SetString(PyExc_ValueError, "timeout must not be NaN");
		return -1;
	}
	*ms = s < 0 ? -1 : (s * 1000 > INT_MAX ? INT_MAX : (int)ceil(s * 1000));
	return 0;
}

PyObject *bpfy_event_table_get_event_type(bpfy_event_table *t, void *closure)
{
	return Py_NewRef(t->event_type ? t->event_type : Py_None);
}

/* The type set is also kept by the BPF object: b["events"].event_type = T
 * must hold for the next b["events"], a new table once the first is gone. */
int bpfy_event_table_set_event_type(bpfy_event_table *t, PyObject *value, void *closure)
{
	PyObject *remembered = t->owner->event_types;

	if (bpfy_event_table_set_type(t, value) < 0)
		return -1;
	return remembered ? PyDict_SetItem(remembered, t->name, t->event_type) : 0;
}

PyObject *bpfy_event_table_get_closed(bpfy_event_table *t, void *closure)
{
	return PyBool_FromLong(t->closed || !t->owner->obj);
}

int bpfy_event_table_traverse(bpfy_event_table *t, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(t));
	Py_VISIT(t->owner);
	Py_VISIT(t->poller);
	Py_VISIT(t->callback);
	Py_VISIT(t->lost_cb);
	Py_VISIT(t->cb_ctx);
	Py_VISIT(t->event_type);
	Py_VISIT(t->codec);
	Py_VISIT(t->from_buffer);
	return 0;
}
