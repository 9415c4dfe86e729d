/*
 * BPF type methods of one area (events); see BPF_method_groups in
 * bpf_object.c. bcc's names first (perf_buffer_poll, ring_buffer_poll,
 * ..._consume; timeouts in milliseconds as in bcc), then poll()/fileno()
 * over every buffer of the object through its single epoll fd.
 */
#include <errno.h>
#include <limits.h>

#include "events.h"

static int parse_timeout(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
			 const char *fname, int *timeout_ms)
{
	static const char *const names[] = { "timeout" };
	PyObject *arg;
	long ms;

	*timeout_ms = -1;
	if (bpfy_events_args(fname, args, nargs, kwnames, names, 1, &arg))
		return -1;
	if (!arg || arg == Py_None)
		return 0;
	ms = PyLong_AsLong(arg);
	if (ms == -1 && PyErr_Occurred())
		return -1;
	*timeout_ms = ms < 0 ? -1 : (ms > INT_MAX ? INT_MAX : (int)ms);
	return 0;
}

static const char *kinds_word(unsigned int kinds)
{
	if (kinds == BPFY_EVENTS_PERF)
		return "perf buffer (open_perf_buffer)";
	if (kinds == BPFY_EVENTS_RING)
		return "ring buffer (open_ring_buffer)";
	return "perf or ring buffer";
}

static PyObject *run(BPFObject *self, unsigned int kinds, int timeout_ms)
{
	bpfy_poller *p;
	long n;

	if (bpfy_bpf_check_open(self))
		return NULL;
	p = bpfy_poller_of(self, false);
	if (!p && PyErr_Occurred())
		return NULL;
	if (!p || !p->events || !bpfy_events__count(p->events, kinds)) {
		PyErr_Format(PyExc_ValueError, "no %s with a callback is open", kinds_word(kinds));
		return NULL;
	}
	n = bpfy_poller_run(p, self, kinds, NULL, NULL, NULL, 0, timeout_ms);
	return n < 0 ? NULL : PyLong_FromLong(n);
}

#define POLL_METHOD(fn, kinds, pyname)                                                         \
	static PyObject *fn(BPFObject *self, PyObject *const *args, Py_ssize_t nargs,          \
			    PyObject *kwnames)                                                 \
	{                                                                                      \
		int timeout_ms;                                                                \
		if (parse_timeout(args, nargs, kwnames, pyname, &timeout_ms))                  \
			return NULL;                                                           \
		return run(self, kinds, timeout_ms);                                           \
	}

POLL_METHOD(perf_buffer_poll, BPFY_EVENTS_PERF, "perf_buffer_poll")
POLL_METHOD(ring_buffer_poll, BPFY_EVENTS_RING, "ring_buffer_poll")
POLL_METHOD(poll_all, BPFY_EVENTS_ALL, "poll")

static PyObject *perf_buffer_consume(BPFObject *self, PyObject *unused)
{
	return run(self, BPFY_EVENTS_PERF, 0);
}

static PyObject *ring_buffer_consume(BPFObject *self, PyObject *unused)
{
	return run(self, BPFY_EVENTS_RING, 0);
}

static PyObject *events_fileno(BPFObject *self, PyObject *unused)
{
	bpfy_poller *p;

	if (bpfy_bpf_check_open(self))
		return NULL;
	p = bpfy_poller_of(self, true);
	if (!p)
		return NULL;
	return PyLong_FromLong(bpfy_events__fd(p->events, BPFY_EVENTS_ALL));
}

static PyObject *event_types(PyObject *cls, PyObject *unused)
{
	PyObject *module = PyType_GetModuleByDef((PyTypeObject *)cls, &bpfy_module_def);
	bpfy_state *st = module ? bpfy_state_from_module(module) : NULL;
	static const char *const names[] = { "PerfEventArray", "RingBuf", "UserRingBuf",
					     "UserRingSample" };
	PyObject *dict;

	if (!st || bpfy_events_init(module, st))
		return NULL;
	dict = PyDict_New();
	for (size_t i = 0; dict && i < sizeof(names) / sizeof(names[0]); i++) {
		PyObject *type = PyObject_GetAttrString(module, names[i]);

		if (!type || PyDict_SetItemString(dict, names[i], type))
			Py_CLEAR(dict);
		Py_XDECREF(type);
	}
	return dict;
}

PyDoc_STRVAR(perf_buffer_poll_doc,
	     "perf_buffer_poll(timeout=-1)\n--\n\n"
	     "Wait up to timeout ms (-1: until records arrive) and call the callbacks of\n"
	     "every open perf buffer. Returns the number of records delivered. An exception\n"
	     "raised by a callback stops the poll and is raised here; the records not yet\n"
	     "delivered stay for the next poll.");
PyDoc_STRVAR(ring_buffer_poll_doc,
	     "ring_buffer_poll(timeout=-1)\n--\n\n"
	     "As perf_buffer_poll, for every open ring buffer.");
PyDoc_STRVAR(poll_doc, "poll(timeout=-1)\n--\n\n"
		       "As perf_buffer_poll, for every open perf and ring buffer of this object.");
PyDoc_STRVAR(perf_buffer_consume_doc,
	     "perf_buffer_consume()\n--\n\nDeliver every waiting perf buffer record now.");
PyDoc_STRVAR(ring_buffer_consume_doc,
	     "ring_buffer_consume()\n--\n\nDeliver every waiting ring buffer record now.");
PyDoc_STRVAR(fileno_doc,
	     "fileno()\n--\n\n"
	     "The object's epoll fd: readable when any of its perf or ring buffers may\n"
	     "have records (for selectors/asyncio; then call poll(0)).");

PyMethodDef bpfy_bpf_events_methods[] = {
	{ "perf_buffer_poll", (PyCFunction)(void (*)(void))perf_buffer_poll,
	  METH_FASTCALL | METH_KEYWORDS, perf_buffer_poll_doc },
	{ "ring_buffer_poll", (PyCFunction)(void (*)(void))ring_buffer_poll,
	  METH_FASTCALL | METH_KEYWORDS, ring_buffer_poll_doc },
	{ "poll", (PyCFunction)(void (*)(void))poll_all, METH_FASTCALL | METH_KEYWORDS, poll_doc },
	{ "perf_buffer_consume", (PyCFunction)perf_buffer_consume, METH_NOARGS,
	  perf_buffer_consume_doc },
	{ "ring_buffer_consume", (PyCFunction)ring_buffer_consume, METH_NOARGS,
	  ring_buffer_consume_doc },
	{ "fileno", (PyCFunction)events_fileno, METH_NOARGS, fileno_doc },
	{ "_event_types", (PyCFunction)event_types, METH_NOARGS | METH_CLASS,
	  "_event_types()\n--\n\nThe event table types by name (creating them once)." },
	{ NULL },
};
