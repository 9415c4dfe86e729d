/*
 * Where read_numpy() records land: a block of memory the runtime's bulk
 * copy writes into, handed to Python as a small buffer object (numpy
 * arrays view it without a copy). When the last view goes, the block goes
 * back to its table's pool and the next read writes into the same, already
 * faulted-in pages: on this path a fresh allocation's page faults cost more
 * than the drain itself (a 4 MiB batch is 1024 faults).
 *
 * The pool is a small refcounted C struct shared by a table and its
 * blocks, so a block outliving its table simply frees its memory.
 */
#include <string.h>

#include "events.h"

#define POOL_KEEP 2		/* free blocks kept per table */
#define BLOCK_MIN 65536

struct bpfy_block_pool {
	Py_ssize_t refs;
	size_t nfree;
	struct {
		char *mem;
		size_t cap;
	} free[POOL_KEEP];
};

struct bpfy_block_pool *bpfy_block_pool_new(void)
{
	struct bpfy_block_pool *pool = PyMem_RawCalloc(1, sizeof(*pool));

	if (!pool)
		PyErr_NoMemory();
	else
		pool->refs = 1;
	return pool;
}

void bpfy_block_pool_decref(struct bpfy_block_pool *pool)
{
	if (!pool || --pool->refs > 0)
		return;
	for (size_t i = 0; i < pool->nfree; i++)
		PyMem_RawFree(pool->free[i].mem);
	PyMem_RawFree(pool);
}

/* The largest free block, or a new one of BLOCK_MIN bytes. */
static char *pool_take(struct bpfy_block_pool *pool, size_t *cap)
{
	size_t best = 0;
	char *mem;

	if (pool->nfree) {
		for (size_t i = 1; i < pool->nfree; i++)
			if (pool->free[i].cap > pool->free[best].cap)
				best = i;
		mem = pool->free[best].mem;
		*cap = pool->free[best].cap;
		pool->free[best] = pool->free[--pool->nfree];
		return mem;
	}
	mem = PyMem_RawMalloc(BLOCK_MIN);
	if (!mem) {
		PyErr_NoMemory();
		return NULL;
	}
	*cap = BLOCK_MIN;
	return mem;
}

/* Keeps the block (replacing the smallest kept one when full) or frees it. */
static void pool_give(struct bpfy_block_pool *pool, char *mem, size_t cap)
{
	size_t smallest = 0;

	if (pool->nfree < POOL_KEEP) {
		pool->free[pool->nfree].mem = mem;
		pool->free[pool->nfree++].cap = cap;
		return;
	}
	for (size_t i = 1; i < POOL_KEEP; i++)
		if (pool->free[i].cap < pool->free[smallest].cap)
			smallest = i;
	if (pool->free[smallest].cap < cap) {
		PyMem_RawFree(pool->free[smallest].mem);
		pool->free[smallest].mem = mem;
		pool->free[smallest].cap = cap;
		return;
	}
	PyMem_RawFree(mem);
}

int bpfy_copy_sink_init(struct bpfy_copy_sink *s, bpfy_event_table *t, uint32_t rec_size)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->rec_size = rec_size ? rec_size : 1;
	if (!t->pool && !(t->pool = bpfy_block_pool_new()))
		return -1;
	s->mem = pool_take(t->pool, &s->cap);
	return s->mem ? 0 : -1;
}

static int copy_grow(struct bpfy_copy_sink *s, size_t need)
{
	size_t cap = s->cap;
	char *grown;

	while (cap < need)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	grown = PyMem_RawRealloc(s->mem, cap);
	if (!grown) {
		PyErr_NoMemory();
		return -1;
	}
	s->mem = grown;
	s->cap = cap;
	return 0;
}

long bpfy_copy_sink_drain(struct bpfy_copy_sink *s, struct bpfy_event_source *src, uint64_t max)
{
	uint64_t total = 0, room;
	long n;

	for (;;) {
		if (copy_grow(s, s->used + s->rec_size))
			return -1;
		room = (s->cap - s->used) / s->rec_size;
		if (max && room > max - total)
			room = max - total;
		n = bpfy_event_source__copy(src, s->mem + s->used, s->rec_size, room);
		if (n < 0)
			return n;
		s->used += (size_t)n * s->rec_size;
		total += (uint64_t)n;
		if ((uint64_t)n < room || (max && total >= max))
			return (long)total;
		/* full: double the block and go on */
		if (copy_grow(s, s->cap * 2))
			return -1;
	}
}

void bpfy_copy_sink_abandon(struct bpfy_copy_sink *s)
{
	if (s->mem)
		pool_give(s->t->pool, s->mem, s->cap);
	s->mem = NULL;
}

/* ---------------------------------------------------------- the block type */

typedef struct {
	PyObject_HEAD
	struct bpfy_block_pool *pool;	/* a reference */
	char *mem;
	size_t cap;
	Py_ssize_t len;
	Py_ssize_t exports;
} bpfy_event_block;

PyObject *bpfy_copy_sink_finish(struct bpfy_copy_sink *s)
{
	PyObject *module = PyType_GetModuleByDef(Py_TYPE(s->t), &bpfy_module_def);
	PyTypeObject *type = module ? bpfy_events_type(s->t->st, module, "_EventBlock") : NULL;
	bpfy_event_block *b = type ? PyObject_New(bpfy_event_block, type) : NULL;

	if (!b) {
		bpfy_copy_sink_abandon(s);
		return NULL;
	}
	b->pool = s->t->pool;
	b->pool->refs++;
	b->mem = s->mem;
	b->cap = s->cap;
	b->len = (Py_ssize_t)s->used;
	b->exports = 0;
	s->mem = NULL;
	return (PyObject *)b;
}

static int block_getbuffer(bpfy_event_block *b, Py_buffer *view, int flags)
{
	if (PyBuffer_FillInfo(view, (PyObject *)b, b->mem, b->len, 0, flags))
		return -1;
	b->exports++;
	return 0;
}

static void block_releasebuffer(bpfy_event_block *b, Py_buffer *view)
{
	b->exports--;
}

static Py_ssize_t block_len(bpfy_event_block *b)
{
	return b->len;
}

static void block_dealloc(bpfy_event_block *b)
{
	PyTypeObject *tp = Py_TYPE(b);

	if (b->mem)
		pool_give(b->pool, b->mem, b->cap);
	bpfy_block_pool_decref(b->pool);
	PyObject_Free(b);
	Py_DECREF(tp);
}

static PyType_Slot block_slots[] = {
	{ Py_bf_getbuffer, block_getbuffer },
	{ Py_bf_releasebuffer, block_releasebuffer },
	{ Py_sq_length, block_len },
	{ Py_tp_dealloc, block_dealloc },
	{ Py_tp_doc, "Records copied by _read_raw() (buffer protocol); its memory is reused\n"
		     "by the table's next read once no view of it is left." },
	{ 0, NULL },
};

PyType_Spec bpfy_event_block_spec = {
	.name = "bpfy._bpfy._EventBlock",
	.basicsize = sizeof(bpfy_event_block),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.slots = block_slots,
};
