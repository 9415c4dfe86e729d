/*
 * Sinks: where the runtime hands records during a drain (GIL held).
 *  - the table's Python callbacks: callback(cpu|ctx, data, size), lost_cb(n)
 *  - a list sink: each record decoded as event() would, appended to a list
 * (the bulk copy behind read_numpy() is in events_block.c)
 * Every sink stops the drain when a callback raises or the table closes.
 */
#include <errno.h>
#include <string.h>

#include "events.h"

/* The table, its object or its buffer closed (by a callback) mid-drain. */
static bool table_gone(bpfy_event_table *t)
{
	return t->closed || !t->owner->obj || !t->src;
}

/*
 * After a user callback: the callback may have closed the table or its BPF
 * object, and dropped the last reference to the table. The caller held one
 * across the call; release it here and stop the drain if the table is gone,
 * without touching it again (the runtime calls no sink after a stop).
 */
static int after_callback(bpfy_event_table *t, PyObject *res)
{
	bool gone = table_gone(t);

	Py_DECREF(t);
	if (!res)
		return BPFY_SINK_STOP;
	Py_DECREF(res);
	return gone ? BPFY_SINK_STOP : 0;
}

static int call_sample(void *ctx, int cpu, const void *data, uint32_t size)
{
	bpfy_event_table *t = ctx;
	PyObject *args[3], *callback, *res;

	if (table_gone(t))
		return BPFY_SINK_STOP;
	Py_INCREF(t);
	callback = Py_NewRef(t->callback);
	args[0] = t->kind == BPFY_EVENTS_PERF ? PyLong_FromLong(cpu) : Py_NewRef(t->cb_ctx);
	args[1] = PyBytes_FromStringAndSize(data, size);
	args[2] = PyLong_FromUnsignedLong(size);
	res = args[0] && args[1] && args[2] ? PyObject_Vectorcall(callback, args, 3, NULL) : NULL;
	Py_XDECREF(args[0]);
	Py_XDECREF(args[1]);
	Py_XDECREF(args[2]);
	Py_DECREF(callback);
	return after_callback(t, res);
}

static int call_lost(void *ctx, int cpu, uint64_t count)
{
	bpfy_event_table *t = ctx;
	PyObject *callback, *arg, *res;

	if (table_gone(t))
		return BPFY_SINK_STOP;
	if (t->lost_cb == Py_None)
		return 0;
	Py_INCREF(t);
	callback = Py_NewRef(t->lost_cb);
	arg = PyLong_FromUnsignedLongLong(count);
	res = arg ? PyObject_CallOneArg(callback, arg) : NULL;
	Py_XDECREF(arg);
	Py_DECREF(callback);
	return after_callback(t, res);
}

const struct bpfy_event_sink bpfy_sink_template = {
	.sample = call_sample,
	.lost = call_lost,
};

/* ------------------------------------------------------------ list sink */

static int list_sample(void *ctx, int cpu, const void *data, uint32_t size)
{
	struct bpfy_list_sink *s = ctx;
	PyObject *record;
	int err;

	if (table_gone(s->table))
		return BPFY_SINK_STOP;
	record = bpfy_event_decode(s->table, data, size);
	if (!record)
		return BPFY_SINK_STOP;
	err = PyList_Append(s->list, record);
	Py_DECREF(record);
	return err ? BPFY_SINK_STOP : 0;
}

/* Losses still reach lost_cb, which call_lost finds on the table. */
static int list_lost(void *ctx, int cpu, uint64_t count)
{
	return call_lost(((struct bpfy_list_sink *)ctx)->table, cpu, count);
}

void bpfy_list_sink_init(struct bpfy_list_sink *s, bpfy_event_table *t, PyObject *list)
{
	s->sink.sample = list_sample;
	s->sink.lost = list_lost;
	s->sink.ctx = s;
	s->table = t;
	s->list = list;
}
