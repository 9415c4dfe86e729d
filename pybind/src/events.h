/*
 * Event tables: perf event arrays, ring buffers and user ring buffers as
 * Python types of their own, and the per-BPF-object poller behind
 * b.poll()/b.fileno(). Files:
 *   events_poller.c   the Poller (one runtime event set per BPF object),
 *                     the sliced, interruptible wait loop
 *   events_table.c    PerfEventArray / RingBuf: open_*_buffer, event(),
 *                     read(), lost, close
 *   events_sink.c     C sinks: Python callbacks, decode-into-list
 *   events_block.c    read_numpy()'s bulk copy into recycled memory blocks
 *   events_decode.c   event_type handling and decoding of one record
 *   events_user.c     UserRingBuf and its reserved Sample type
 *   events_types.c    type creation and the table factory hook
 *   events_common.c   what the table types share: argument and timeout
 *                     parsing, event_type/closed attributes, GC traversal
 *   bpf_events.c      BPF methods: perf_buffer_poll, ring_buffer_poll, ...
 */
#ifndef BPFY_EVENTS_PY_H
#define BPFY_EVENTS_PY_H

#include "codec.h"

/* ---------------------------------------------------------------- poller */

typedef struct {
	PyObject_HEAD
	struct bpfy_events *events;	/* NULL once closed */
	int busy;			/* drains in progress (callbacks running) */
	bool close_pending;		/* close() asked while busy */
	struct bpfy_event_source **doomed; /* removals deferred while busy */
	size_t ndoomed, doomed_cap;
} bpfy_poller;

/* How event() decodes a record. */
enum bpfy_event_decode {
	BPFY_DECODE_BYTES,	/* a bytes copy */
	BPFY_DECODE_CODEC,	/* a bpfy record / value through a codec */
	BPFY_DECODE_CALL,	/* type.from_buffer_copy(data) (ctypes) */
};

struct bpfy_event_table {
	PyObject_HEAD
	bpfy_state *st;
	BPFObject *owner;		/* strong */
	bpfy_poller *poller;		/* strong while a buffer is open */
	struct bpfy_event_source *src;	/* owned by poller->events; NULL if none */
	PyObject *name;			/* str */
	uint32_t map_type, max_entries;
	int fd;				/* owned by the BPF object */
	enum bpfy_event_kind kind;	/* perf / ring; 0 for user ring buffers */
	PyObject *callback;		/* None or callable */
	PyObject *lost_cb;		/* None or callable */
	PyObject *cb_ctx;		/* ring buffers: first callback argument */
	PyObject *event_type;		/* None, a record type, or a ctypes type */
	bpfy_codec *codec;		/* DECODE_CODEC */
	PyObject *from_buffer;		/* DECODE_CALL: bound type.from_buffer_copy */
	Py_ssize_t event_size;		/* bytes event() reads; 0 for BYTES */
	enum bpfy_event_decode decode;
	bool closed;			/* close() ran on the table */
	bool implicit;			/* the buffer was opened by read()/fileno() */
	uint64_t lost_prev;		/* perf: losses of buffers closed earlier */
	struct bpfy_block_pool *pool;	/* _read_raw()'s recycled blocks */
	struct bpfy_user_ring *uring;	/* user ring buffers */
	Py_ssize_t reserved;		/* user ring: samples not yet submitted */
	PyObject *weakreflist;
};

/* The poller of `owner`, created on first use. Borrowed ref or NULL. */
bpfy_poller *bpfy_poller_of(BPFObject *owner, bool create);

typedef struct bpfy_event_table bpfy_event_table;
struct bpfy_copy_sink;
struct bpfy_block_pool;

/*
 * Waits (GIL released, in slices, KeyboardInterrupt-aware) and drains:
 * `t` NULL drains every source of `kinds` through their own sinks, else
 * only t's source (with `sink` and `max` as for bpfy_event_source__consume,
 * or, `sink` NULL, copied in bulk into `copy`).
 * Returns once something was delivered or timeout_ms passed (< 0: never).
 * Returns records delivered, or -1 with an exception set.
 */
long bpfy_poller_run(bpfy_poller *p, BPFObject *owner, unsigned int kinds,
		     bpfy_event_table *t, const struct bpfy_event_sink *sink,
		     struct bpfy_copy_sink *copy, uint64_t max, int timeout_ms);

/* Removes a source now, or after the current drain when busy. */
void bpfy_poller_remove(bpfy_poller *p, struct bpfy_event_source *src);

/* Frees every buffer of the object (now, or after the current drain). */
void bpfy_poller_close(bpfy_poller *p);

/* ------------------------------------------------------------- tables */

/* 0, or -1 with ValueError when the table or its BPF object is closed. */
int bpfy_event_table_check(bpfy_event_table *t);

/* The table's open source, or NULL (no exception) when none is open. */
struct bpfy_event_source *bpfy_event_table_source(bpfy_event_table *t);

/* Sets the table's event type from None / str / record type / ctypes
 * type. 0 or -1 with an exception. */
int bpfy_event_table_set_type(bpfy_event_table *t, PyObject *type);

/* Decodes one record as event() does. New reference or NULL. */
PyObject *bpfy_event_decode(bpfy_event_table *t, const void *data, Py_ssize_t size);

/* Sinks (ctx = the table): Python callback(cpu|ctx, data, size) and
 * lost_cb(count). They stop the drain (-ECANCELED) when a callback raises
 * or the table closed. */
extern const struct bpfy_event_sink bpfy_sink_template;
#define BPFY_SINK_STOP (-ECANCELED)

/* A sink appending decoded records to `list`. */
struct bpfy_list_sink {
	struct bpfy_event_sink sink;
	bpfy_event_table *table;
	PyObject *list;
};
void bpfy_list_sink_init(struct bpfy_list_sink *s, bpfy_event_table *t, PyObject *list);

/* Fixed-size records, cut or zero-padded to `rec_size` bytes, copied in
 * bulk (bpfy_event_source__copy, no call per record) into a block taken
 * from the table's pool (events_block.c). */
struct bpfy_copy_sink {
	bpfy_event_table *t;
	char *mem;		/* the block, owned until finish/abandon */
	size_t cap, used;
	uint32_t rec_size;
};
/* 0, or -1 with an exception. */
int bpfy_copy_sink_init(struct bpfy_copy_sink *s, bpfy_event_table *t, uint32_t rec_size);
/* Copies what `src` holds (up to `max` records, 0: no limit), growing the
 * block. Records copied, or a negative code (-1 with MemoryError set, or
 * -errno). */
long bpfy_copy_sink_drain(struct bpfy_copy_sink *s, struct bpfy_event_source *src, uint64_t max);
/* The records as an _EventBlock (buffer protocol; new ref), or NULL. The
 * block returns to the pool when the object dies. Ends the sink. */
PyObject *bpfy_copy_sink_finish(struct bpfy_copy_sink *s);
/* Ends the sink without a result (the block goes back to the pool). */
void bpfy_copy_sink_abandon(struct bpfy_copy_sink *s);

struct bpfy_block_pool *bpfy_block_pool_new(void);
void bpfy_block_pool_decref(struct bpfy_block_pool *pool);	/* accepts NULL */

/* events_decode.c: decode records as `type` (the map's desc->event_type)
 * when it is a struct or union; NULL or another kind changes nothing.
 * 0 or -1. */
int bpfy_event_table_use_type(bpfy_event_table *t, const struct bpfy_type *type);

extern PyType_Spec bpfy_perf_table_spec;
extern PyType_Spec bpfy_ring_table_spec;
extern PyType_Spec bpfy_user_ring_spec;
extern PyType_Spec bpfy_user_sample_spec;
extern PyType_Spec bpfy_poller_spec;
extern PyType_Spec bpfy_event_block_spec;

/* ----------------------------------------------------------- factory */

/*
 * A new table for `map` of `owner` when the map is a PERF_EVENT_ARRAY,
 * RINGBUF or USER_RINGBUF; NULL *without* an exception for any other map
 * type; NULL with an exception on failure (check PyErr_Occurred()).
 */
PyObject *bpfy_event_table_new(bpfy_state *st, BPFObject *owner, struct bpfy_map *map);

/* Creates the event types and adds them to `module` (PerfEventArray,
 * RingBuf, UserRingBuf). Idempotent. 0 or -1. */
int bpfy_events_init(PyObject *module, bpfy_state *st);

/* For BPF.close(): frees every perf/ring buffer of `owner` (deferred to the
 * end of a poll in progress). Safe on objects that never opened one. */
void bpfy_events_release(BPFObject *owner);

/*
 * Positional-or-keyword arguments of a METH_FASTCALL|METH_KEYWORDS method:
 * fills out[0..n) (borrowed; NULL when absent). 0 or -1 with TypeError.
 */
int bpfy_events_args(const char *fname, PyObject *const *args, Py_ssize_t nargs,
		     PyObject *kwnames, const char *const *names, Py_ssize_t n, PyObject **out);

/*
 * A timeout argument in seconds (rounded up to whole milliseconds): absent
 * (NULL) is 0, no wait; None or negative is -1, wait forever. 0, or -1
 * with TypeError/ValueError (NaN).
 */
int bpfy_events_timeout(PyObject *obj, int *ms);

/* The attributes and GC traversal the three table types share. */
PyObject *bpfy_event_table_get_event_type(bpfy_event_table *t, void *closure);
int bpfy_event_table_set_event_type(bpfy_event_table *t, PyObject *value, void *closure);
PyObject *bpfy_event_table_get_closed(bpfy_event_table *t, void *closure);
int bpfy_event_table_traverse(bpfy_event_table *t, visitproc visit, void *arg);

/* numpy.dtype() arguments (names/formats/offsets/itemsize) for a record
 * event type; None for other event types. */
PyObject *bpfy_event_dtype_spec(bpfy_event_table *t);

void bpfy_event_table_dealloc(bpfy_event_table *t);

/* A type created by bpfy_events_init (borrowed), by name. */
PyTypeObject *bpfy_events_type(bpfy_state *st, PyObject *module, const char *name);

#endif /* BPFY_EVENTS_PY_H */
