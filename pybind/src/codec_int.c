/*
 * C integers as Python values: the CInt base type (an int subclass with
 * `.value`, so bcc code's `k.value` works), one subtype per C integer type
 * name ("u32", "pid_t"), and the constructors every decoder uses.
 *
 * Decoding a big map makes millions of these, so they are built directly:
 *  - CPython 3.11 (the layout of int is known): the digits are written into
 *    a fresh object of the subtype, no int.__new__, no temporary int;
 *  - each INT codec caches its instances of 0..BPFY_CINT_SMALL-1, as CPython
 *    caches small ints (CInts are immutable: no __dict__, no weakrefs);
 *  - CInt types free their instances themselves (subtype_dealloc would
 *    look for a __dict__, weakrefs and finalizers every time).
 */
#include "codec.h"

#include <string.h>

/* ------------------------------------------------------------ the types */

static PyObject *cint_get_value(PyObject *self, void *closure)
{
	return PyNumber_Index(self);	/* an exact int copy */
}

static PyObject *cint_reduce(PyObject *self, PyObject *unused)
{
	PyObject *num = PyNumber_Index(self);

	if (!num)
		return NULL;
	return Py_BuildValue("(O(N))", (PyObject *)&PyLong_Type, num);
}

/* Instances are plain ints of a heap type: free the memory, drop the type.
 * (A Python subclass gets subtype_dealloc, which calls this last.) */
static void cint_dealloc(PyObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);

	tp->tp_free(self);
	Py_DECREF(tp);
}

static PyGetSetDef cint_getset[] = {
	{ "value", cint_get_value, NULL, "The value as a plain int (as ctypes' .value).", NULL },
	{ NULL },
};

static PyMethodDef cint_methods[] = {
	{ "__reduce__", cint_reduce, METH_NOARGS, NULL },
	{ NULL },
};

static PyType_Slot cint_slots[] = {
	{ Py_tp_dealloc, cint_dealloc },
	{ Py_tp_getset, cint_getset },
	{ Py_tp_methods, cint_methods },
	{ Py_tp_doc, "An int decoded from a C integer; .value gives it as a plain int." },
	{ 0, NULL },
};

static PyType_Spec cint_spec = {
	.name = "bpfy._bpfy.CInt",
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.slots = cint_slots,
};

static PyType_Slot cint_sub_slots[] = {
	{ Py_tp_dealloc, cint_dealloc },
	{ 0, NULL },
};

int bpfy_cint_init(PyObject *module, bpfy_state *st)
{
	st->CInt_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &cint_spec,
								  (PyObject *)&PyLong_Type);
	return st->CInt_Type ? 0 : -1;
}

PyTypeObject *bpfy_cint_type_new(bpfy_state *st, const char *name)
{
	PyObject *module = PyType_GetModuleByDef(st->CInt_Type, &bpfy_module_def);
	char qualname[256];
	PyType_Spec spec = {
		.name = qualname,
		.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
		.slots = cint_sub_slots,
	};

	if (!module)
		return NULL;
	snprintf(qualname, sizeof(qualname), "bpfy.%s", name);
	return (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec,
							 (PyObject *)st->CInt_Type);
}

/* ---------------------------------------------------------- construction */

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
/* 3.11: an int of `type` with the digits of mag (ob_size carries the sign). */
static PyObject *cint_new(PyTypeObject *type, uint64_t mag, bool negative)
{
	Py_ssize_t n = 0, i;
	PyLongObject *o;
	uint64_t t;

	for (t = mag; t; t >>= PyLong_SHIFT)
		n++;
	/* what int.__new__ would allocate: at least one digit */
	o = PyObject_Malloc(offsetof(PyLongObject, ob_digit) + (n ? n : 1) * sizeof(digit));
	if (!o)
		return PyErr_NoMemory();
	PyObject_InitVar((PyVarObject *)o, type, negative ? -n : n);
	o->ob_digit[0] = 0;
	for (i = 0; i < n; i++) {
		o->ob_digit[i] = (digit)(mag & PyLong_MASK);
		mag >>= PyLong_SHIFT;
	}
	return (PyObject *)o;
}
#else
static PyObject *cint_new(PyTypeObject *type, uint64_t mag, bool negative)
{
	PyObject *num, *r;

	if (negative)	/* mag <= 2^63 */
		num = PyLong_FromLongLong(mag == (1ULL << 63) ? INT64_MIN : -(int64_t)mag);
	else
		num = PyLong_FromUnsignedLongLong(mag);
	if (!num)
		return NULL;
	r = PyObject_CallOneArg((PyObject *)type, num);
	Py_DECREF(num);
	return r;
}
#endif

/* The codec's shared instance of v < BPFY_CINT_SMALL, made on first use. */
static PyObject *cint_small(bpfy_codec *c, uint64_t v)
{
	PyObject *o;

	if (!c->small) {
		c->small = PyMem_Calloc(BPFY_CINT_SMALL, sizeof(*c->small));
		if (!c->small)
			return PyErr_NoMemory();
	}
	o = c->small[v];
	if (!o) {
		o = cint_new(c->pytype, v, false);
		if (!o)
			return NULL;
		c->small[v] = o;
	}
	return Py_NewRef(o);
}

PyObject *bpfy_cint_from_u64(bpfy_codec *c, uint64_t v)
{
	if (v < BPFY_CINT_SMALL)
		return cint_small(c, v);
	return cint_new(c->pytype, v, false);
}

PyObject *bpfy_cint_from_s64(bpfy_codec *c, int64_t v)
{
	if (v >= 0)
		return bpfy_cint_from_u64(c, (uint64_t)v);
	return cint_new(c->pytype, (uint64_t)(-(v + 1)) + 1, true);
}

/* -------------------------------------------------------------- decoding */

PyObject *bpfy_codec_decode_int(bpfy_codec *c, const void *data)
{
	unsigned int unused;
	uint64_t u;

	switch (c->size) {
	case 1: u = *(const uint8_t *)data; break;
	case 2: { uint16_t v; memcpy(&v, data, 2); u = v; break; }
	case 4: { uint32_t v; memcpy(&v, data, 4); u = v; break; }
	case 8: memcpy(&u, data, 8); break;
	default: {	/* __int128 */
		PyObject *num = _PyLong_FromByteArray(data, c->size, 1, c->is_signed), *r;

		if (!num)
			return NULL;
		r = PyObject_CallOneArg((PyObject *)c->pytype, num);
		Py_DECREF(num);
		return r;
	}
	}
	if (!c->is_signed)
		return bpfy_cint_from_u64(c, u);
	unused = 64 - 8 * c->size;	/* sign-extend from the top bit of the value */
	return bpfy_cint_from_s64(c, (int64_t)(u << unused) >> unused);
}
