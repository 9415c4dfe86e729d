/*
 * The Poller: the runtime event set of one BPF object, held by the object
 * (BPFObject.poller) and released by BPF.close() and garbage collection.
 *
 * Waiting happens with the GIL released, in slices of at most SLICE_MS so
 * that signal handlers (Ctrl-C) run promptly; draining happens with the GIL
 * held, because it runs Python callbacks. Closing while a drain is running
 * (a callback called close()) is deferred to the end of that drain.
 */
#include <errno.h>
#include <time.h>

#include "events.h"

#define SLICE_MS 100

/* The owner's poller (owner->poller holds it), created on first use. */
bpfy_poller *bpfy_poller_of(BPFObject *owner, bool create)
{
	struct bpfy_error error = {};
	PyTypeObject *type;
	PyObject *module;
	bpfy_poller *p;

	if (owner->poller || !create)
		return (bpfy_poller *)owner->poller;
	module = PyType_GetModuleByDef(Py_TYPE(owner), &bpfy_module_def);
	type = module ? bpfy_events_type(bpfy_state_from_module(module), module, "_Poller") : NULL;
	if (!type)
		return NULL;
	p = PyObject_New(bpfy_poller, type);
	if (!p)
		return NULL;
	p->busy = 0;
	p->close_pending = false;
	p->doomed = NULL;
	p->ndoomed = p->doomed_cap = 0;
	p->events = bpfy_events__new(&error);
	if (!p->events) {
		Py_DECREF(p);
		bpfy_bpf_raise(owner, &error);
		return NULL;
	}
	owner->poller = (PyObject *)p;
	return p;
}

static void flush_deferred(bpfy_poller *p)
{
	if (p->busy)
		return;
	for (size_t i = 0; i < p->ndoomed; i++)
		if (p->events)
			bpfy_events__remove(p->events, p->doomed[i]);
	p->ndoomed = 0;
	if (p->close_pending) {
		bpfy_events__free(p->events);
		p->events = NULL;
		p->close_pending = false;
	}
}

void bpfy_poller_remove(bpfy_poller *p, struct bpfy_event_source *src)
{
	struct bpfy_event_source **grown;

	if (!p->events || !src)
		return;
	if (!p->busy) {
		bpfy_events__remove(p->events, src);
		return;
	}
	if (p->ndoomed == p->doomed_cap) {
		size_t cap = p->doomed_cap ? p->doomed_cap * 2 : 4;

		grown = PyMem_Realloc(p->doomed, cap * sizeof(*grown));
		if (!grown)	/* keep it linked: freed with the set */
			return;
		p->doomed = grown;
		p->doomed_cap = cap;
	}
	p->doomed[p->ndoomed++] = src;
}

void bpfy_poller_close(bpfy_poller *p)
{
	p->close_pending = true;
	flush_deferred(p);
}

/* Called by BPF.close() and dealloc: touches no module state and leaves the
 * error indicator alone (an exception may be on its way out). */
void bpfy_events_release(BPFObject *owner)
{
	bpfy_poller *p = (bpfy_poller *)owner->poller;

	if (!p)
		return;
	bpfy_poller_close(p);	/* deferred while a callback drains */
	owner->poller = NULL;
	Py_DECREF(p);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long drain(bpfy_poller *p, unsigned int kinds, struct bpfy_event_source *src,
		  const struct bpfy_event_sink *sink, struct bpfy_copy_sink *copy, uint64_t max)
{
	long n;

	if (!p->events)
		return 0;
	Py_INCREF(p);	/* a callback may close the BPF object, which drops its poller */
	p->busy++;
	if (src && copy)
		n = bpfy_copy_sink_drain(copy, src, max);
	else if (src)
		n = bpfy_event_source__consume(src, sink, max);
	else
		n = bpfy_events__consume(p->events, kinds);
	p->busy--;
	flush_deferred(p);
	Py_DECREF(p);
	return n;
}

static int wait_slice(bpfy_poller *p, unsigned int kinds, struct bpfy_event_source *src, int ms)
{
	int n;

	Py_BEGIN_ALLOW_THREADS
	n = src ? bpfy_event_source__wait(src, ms) : bpfy_events__wait(p->events, kinds, ms);
	Py_END_ALLOW_THREADS
	return n;
}

static long drain_error(bpfy_poller *p, BPFObject *owner, long n)
{
	if (PyErr_Occurred())
		return -1;
	if (n == BPFY_SINK_STOP)	/* a table or the object closed mid-drain */
		return 0;
	bpfy_raise_errno(bpfy_state_from_type(Py_TYPE(owner)), (int)n,
			 n == -EBUSY ? "polling a buffer from inside its own callback"
				     : "draining event buffers");
	return -1;
}

long bpfy_poller_run(bpfy_poller *p, BPFObject *owner, unsigned int kinds,
		     bpfy_event_table *t, const struct bpfy_event_sink *sink,
		     struct bpfy_copy_sink *copy, uint64_t max, int timeout_ms)
{
	struct bpfy_event_source *src = NULL;
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	long n = 0;
	int ready, slice;

	Py_INCREF(p);
	for (;;) {
		/* a callback may have closed the table or the object */
		if (!p->events || (t && !(src = bpfy_event_table_source(t))))
			break;
		/* drain first: records may wait that no wakeup will announce */
		n = drain(p, kinds, src, sink, copy, max);
		if (n != 0 || timeout_ms == 0)
			break;
		slice = SLICE_MS;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				break;
			if (left < slice)
				slice = (int)left;
		}
		ready = wait_slice(p, kinds, src, slice);
		if (ready < 0) {
			n = ready;
			break;
		}
		if (PyErr_CheckSignals()) {
			n = -1;
			goto out;
		}
	}
	if (n < 0)
		n = drain_error(p, owner, n);
out:
	Py_DECREF(p);
	return n;
}

static void poller_dealloc(bpfy_poller *p)
{
	PyTypeObject *tp = Py_TYPE(p);

	bpfy_events__free(p->events);
	PyMem_Free(p->doomed);
	PyObject_Free(p);
	Py_DECREF(tp);
}

static PyType_Slot poller_slots[] = {
	{ Py_tp_dealloc, poller_dealloc },
	{ Py_tp_doc, "The epoll set of one BPF object's event buffers (private)." },
	{ 0, NULL },
};

PyType_Spec bpfy_poller_spec = {
	.name = "bpfy._bpfy._Poller",
	.basicsize = sizeof(bpfy_poller),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = poller_slots,
};
