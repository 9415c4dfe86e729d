/*
 * Table families beyond the foundation, one per Python protocol:
 *   LpmTrie       LPM_TRIE: (prefixlen, address) keys (map_lpm.c)
 *   QueueStack    QUEUE, STACK: push/pop/peek, no keys
 *   BloomFilter   BLOOM_FILTER: push and `in`
 *   StackTrace    STACK_TRACE: walk(stack_id)
 *   ProgArray     PROG_ARRAY: t[i] = Function/fd; reads give program ids
 *   FdMap         CGROUP_ARRAY, SOCKMAP, SOCKHASH, XSKMAP, REUSEPORT_SOCKARRAY
 *   MapInMap      ARRAY_OF_MAPS, HASH_OF_MAPS: t[k] = table; reads give tables
 *   DevMap        DEVMAP, DEVMAP_HASH, CPUMAP
 *   CgroupStorage, PerCpuCgroupStorage, LocalStorage, Arena, StructOps
 * Which map type gets which family, and how keys and values travel, is
 * table_traits.c.
 */
#include "table.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#define MAP_SHARED_VALUE MAP_SHARED
#define PROT_RW_VALUE (PROT_READ | PROT_WRITE)

/* ------------------------------------------------------ queue and stack */

static PyObject *push(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
		      PyObject *kwnames)
{
	static const char *const names[] = { "value", "flags" };
	bpfy_table *t = (bpfy_table *)self;
	PyObject *argv[2], *r = NULL;
	unsigned long long flags = 0;
	unsigned char *buf;
	int err;

	if (bpfy_table_check(t) < 0 ||
	    bpfy_parse_args("push", args, nargs, kwnames, names, 2, 1, argv) < 0)
		return NULL;
	if (argv[1]) {
		flags = PyLong_AsUnsignedLongLong(argv[1]);
		if (flags == (unsigned long long)-1 && PyErr_Occurred())
			return NULL;
	}
	buf = bpfy_table_alloc(t->vbuf_size);
	if (!buf)
		return NULL;
	if (bpfy_table_encode_value(t, argv[0], buf) == 0) {
		err = bpfy_map__update(t->fd, NULL, buf, flags);
		if (err)
			bpfy_table_raise(t, err, "push");
		else
			r = Py_NewRef(Py_None);
	}
	PyMem_Free(buf);
	return r;
}

static PyObject *pop_or_peek(bpfy_table *t, bool pop)
{
	unsigned char *buf;
	PyObject *r = NULL;
	int err;

	if (bpfy_table_check(t) < 0)
		return NULL;
	buf = bpfy_table_alloc(t->vbuf_size);
	if (!buf)
		return NULL;
	err = pop ? bpfy_map__lookup_and_delete(t->fd, NULL, buf, t->vbuf_size)
		  : bpfy_map__lookup(t->fd, NULL, buf, t->vbuf_size, 0);
	if (err == -ENOENT)
		PyErr_Format(PyExc_KeyError, "table '%U' is empty", t->name);
	else if (err)
		bpfy_table_raise(t, err, pop ? "pop" : "peek");
	else
		r = bpfy_table_decode_value(t, buf);
	PyMem_Free(buf);
	return r;
}

static PyObject *qs_pop(PyObject *self, PyObject *unused)
{
	return pop_or_peek((bpfy_table *)self, true);
}

static PyObject *qs_peek(PyObject *self, PyObject *unused)
{
	return pop_or_peek((bpfy_table *)self, false);
}

static PyObject *qs_drain(PyObject *self, PyObject *unused)
{
	PyObject *list = PyList_New(0), *v;

	while (list && (v = qs_pop(self, NULL))) {
		if (PyList_Append(list, v) < 0)
			Py_CLEAR(list);
		Py_DECREF(v);
	}
	if (list && PyErr_ExceptionMatches(PyExc_KeyError)) {
		PyErr_Clear();
		return list;
	}
	Py_XDECREF(list);
	return NULL;
}

/* --------------------------------------------------------- bloom filter */

static int bloom_contains(PyObject *self, PyObject *value)
{
	bpfy_table *t = (bpfy_table *)self;
	unsigned char *buf;
	int err, ret = -1;

	if (bpfy_table_check(t) < 0)
		return -1;
	buf = bpfy_table_alloc(t->vbuf_size);
	if (!buf)
		return -1;
	if (bpfy_table_encode_value(t, value, buf) == 0) {
		err = bpfy_map__lookup(t->fd, NULL, buf, t->vbuf_size, 0);
		if (err == 0 || err == -ENOENT)
			ret = err == 0;
		else
			bpfy_table_raise(t, err, "membership test");
	}
	PyMem_Free(buf);
	return ret;
}

/* ---------------------------------------------------------- stack trace */

PyObject *bpfy_stack_decode(bpfy_table *t, const void *vbuf)
{
	const unsigned char *p = vbuf;
	size_t n = t->value_size / 8, i;
	PyObject *frames = PyList_New(0);
	uint64_t ip;

	for (i = 0; frames && i < n; i++) {
		PyObject *addr;

		memcpy(&ip, p + i * 8, 8);
		if (!ip)
			break;
		addr = PyLong_FromUnsignedLongLong(ip);
		if (!addr || PyList_Append(frames, addr) < 0)
			Py_CLEAR(frames);
		Py_XDECREF(addr);
	}
	return frames;
}

static PyObject *st_walk(PyObject *self, PyObject *stack_id)
{
	bpfy_table *t = (bpfy_table *)self;
	PyObject *frames, *it;
	long id = PyLong_AsLong(stack_id);

	if (id == -1 && PyErr_Occurred())
		return NULL;
	if (id < 0) {
		PyErr_Format(PyExc_ValueError, "table '%U': stack id %ld is an error from "
			     "bpf_get_stackid (-errno)", t->name, id);
		return NULL;
	}
	frames = PyObject_GetItem(self, stack_id);
	if (!frames)
		return NULL;
	it = PyObject_GetIter(frames);
	Py_DECREF(frames);
	return it;
}

/* ---------------------------------------------------------------- arena */

static PyObject *arena_memoryview(PyObject *self, PyObject *unused)
{
	bpfy_table *t = (bpfy_table *)self;
	PyObject *mod, *m = NULL, *view = NULL;
	long page = sysconf(_SC_PAGESIZE);

	if (bpfy_table_check(t) < 0)
		return NULL;
	/* one mapping per table: the first mmap fixes the arena's user address */
	if (!t->mapping) {
		mod = PyImport_ImportModule("mmap");
		if (!mod)
			return NULL;
		m = PyObject_CallMethod(mod, "mmap", "inii", t->fd,
					(Py_ssize_t)t->max_entries * page, MAP_SHARED_VALUE,
					PROT_RW_VALUE);
		Py_DECREF(mod);
		if (!m)
			return NULL;
		t->mapping = m;
	}
	view = PyMemoryView_FromObject(t->mapping);
	return view;
}

/* ------------------------------------------------------------- families */

PyDoc_STRVAR(push_doc, "push(value, flags=0)\n--\n\nAdds value (BPF_EXIST on a full queue or "
	     "stack overwrites the oldest).");
PyDoc_STRVAR(pop_doc, "pop()\n--\n\nRemoves and returns the next value; KeyError when empty.");
PyDoc_STRVAR(peek_doc, "peek()\n--\n\nThe next value without removing it; KeyError when empty.");
PyDoc_STRVAR(drain_doc, "drain()\n--\n\nPops every value: a list in pop order.");
PyDoc_STRVAR(walk_doc, "walk(stack_id)\n--\n\nAn iterator over the addresses of the stack "
	     "(innermost first); KeyError for an unknown id.");
PyDoc_STRVAR(memoryview_doc, "memoryview()\n--\n\nA writable memoryview over the arena's "
	     "pages (max_entries pages), shared with BPF programs. The table maps the arena once "
	     "(that fixes its user address: map it before loading programs that use the arena, "
	     "unless map_extra gives the address); every call views that one mapping. Touching a "
	     "page from Python allocates it.");

static PyMethodDef qs_methods[] = {
	{ "push", (PyCFunction)(void (*)(void))push, METH_FASTCALL | METH_KEYWORDS, push_doc },
	{ "pop", qs_pop, METH_NOARGS, pop_doc },
	{ "peek", qs_peek, METH_NOARGS, peek_doc },
	{ "drain", qs_drain, METH_NOARGS, drain_doc },
	{ NULL },
};
static PyMethodDef bloom_methods[] = {
	{ "push", (PyCFunction)(void (*)(void))push, METH_FASTCALL | METH_KEYWORDS, push_doc },
	{ NULL },
};
static PyMethodDef stack_methods[] = {
	{ "walk", st_walk, METH_O, walk_doc },
	{ NULL },
};
static PyMethodDef arena_methods[] = {
	{ "memoryview", arena_memoryview, METH_NOARGS, memoryview_doc },
	{ NULL },
};
static PyMethodDef no_methods[] = { { NULL } };

#define FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION)
#define SLOTS(var, methods, doc)                                   \
	static PyType_Slot var[] = {                               \
		{ Py_tp_methods, methods },                        \
		{ Py_tp_doc, (void *)(doc) },                      \
		{ 0, NULL },                                       \
	}

SLOTS(lpm_slots, no_methods, "An LPM trie: keys are (prefixlen, address) tuples (ipaddress "
      "objects or bytes), an ip_network or a 'net/len' str; t[(32, addr)] is the value of "
      "the longest prefix containing addr.");
SLOTS(qs_slots, qs_methods, "A BPF queue (FIFO) or stack (LIFO): push/pop/peek; no keys.");
static PyType_Slot bloom_slots[] = {
	{ Py_tp_methods, bloom_methods },
	{ Py_sq_contains, bloom_contains },
	{ Py_tp_doc, "A bloom filter: push(v); `v in t` is False for values never pushed (and "
		     "rarely True for them: false positives)." },
	{ 0, NULL },
};
SLOTS(stack_slots, stack_methods, "Stacks recorded by bpf_get_stackid: walk(id) yields "
      "addresses; b.ksym(addr) names kernel ones.");
SLOTS(prog_slots, no_methods, "A program array: t[i] = Function (or a program fd); reads "
      "give program ids; del t[i] empties a slot.");
SLOTS(fd_slots, no_methods, "A map of kernel objects by fd (cgroups, sockets, XSK sockets): "
      "assign an fd, an object with fileno() or a path; reads give ids/cookies where the "
      "kernel allows.");
SLOTS(mim_slots, no_methods, "A map of maps: t[k] = table (or map fd); t[k] is the inner "
      "map as a table owning its own fd.");
SLOTS(dev_slots, no_methods, "A device or CPU map for XDP redirects: values are ifindexes "
      "(devmap) or queue sizes (cpumap).");
SLOTS(cgs_slots, no_methods, "Cgroup storage: one value per (cgroup, attach type) of an "
      "attached program; keys come from iterating.");
SLOTS(pcgs_slots, no_methods, "Per-CPU cgroup storage: values are per-CPU lists.");
SLOTS(ls_slots, no_methods, "A local storage (socket, task, cgroup, inode): keys are fds "
      "(socket objects, pidfds, cgroup fds or paths); no iteration.");
SLOTS(arena_slots, arena_methods, "An arena: pages shared between BPF and user space; "
      "memoryview() maps them.");
SLOTS(sops_slots, no_methods, "A struct_ops map: a kernel struct of BPF callbacks.");

struct family {
	PyType_Spec spec;
	const char *base;
};

static struct family families[] = {
	{ { "bpfy._bpfy.LpmTrie", 0, 0, FLAGS, lpm_slots }, "HashTable" },
	{ { "bpfy._bpfy.QueueStack", 0, 0, FLAGS, qs_slots }, "Table" },
	{ { "bpfy._bpfy.BloomFilter", 0, 0, FLAGS, bloom_slots }, "Table" },
	{ { "bpfy._bpfy.StackTrace", 0, 0, FLAGS, stack_slots }, "Table" },
	{ { "bpfy._bpfy.ProgArray", 0, 0, FLAGS, prog_slots }, "Table" },
	{ { "bpfy._bpfy.FdMap", 0, 0, FLAGS, fd_slots }, "Table" },
	{ { "bpfy._bpfy.MapInMap", 0, 0, FLAGS, mim_slots }, "Table" },
	{ { "bpfy._bpfy.DevMap", 0, 0, FLAGS, dev_slots }, "Table" },
	{ { "bpfy._bpfy.CgroupStorage", 0, 0, FLAGS, cgs_slots }, "Table" },
	{ { "bpfy._bpfy.PerCpuCgroupStorage", 0, 0, FLAGS, pcgs_slots }, "PerCpuHash" },
	{ { "bpfy._bpfy.LocalStorage", 0, 0, FLAGS, ls_slots }, "Table" },
	{ { "bpfy._bpfy.Arena", 0, 0, FLAGS, arena_slots }, "Table" },
	{ { "bpfy._bpfy.StructOps", 0, 0, FLAGS, sops_slots }, "Table" },
};

int bpfy_map_families_init(PyObject *module, bpfy_state *st)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (bpfy_table_add_family(module, st, &families[i].spec, families[i].base) < 0)
			return -1;
	return 0;
}
