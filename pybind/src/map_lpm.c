/*
 * LPM trie keys: struct { u32 prefixlen; u8 data[N]; } seen from Python as
 * (prefixlen, address). Addresses are ipaddress objects (N = 4 or 16), or
 * bytes of N; an ip_network or "10.0.0.0/8" gives both at once. Lookups are
 * the kernel's: t[(32, addr)] finds the longest prefix that contains addr.
 */
#include "table.h"

#include <string.h>

static PyObject *ipaddress_call(const char *fn, PyObject *arg)
{
	PyObject *mod = PyImport_ImportModule("ipaddress"), *r;

	if (!mod)
		return NULL;
	r = PyObject_CallMethod(mod, fn, "(O)", arg);
	Py_DECREF(mod);
	return r;
}

/* ipaddress.ip_network(s, strict=False) */
static PyObject *ip_network(PyObject *s)
{
	PyObject *mod, *fn = NULL, *args = NULL, *kw = NULL, *r = NULL;

	mod = PyImport_ImportModule("ipaddress");
	if (mod)
		fn = PyObject_GetAttrString(mod, "ip_network");
	if (fn)
		args = PyTuple_Pack(1, s);
	if (args)
		kw = Py_BuildValue("{sO}", "strict", Py_False);
	if (kw)
		r = PyObject_Call(fn, args, kw);
	Py_XDECREF(kw);
	Py_XDECREF(args);
	Py_XDECREF(fn);
	Py_XDECREF(mod);
	return r;
}

/* The N address bytes of addr (bytes-like, ipaddress object or str). */
static int address_bytes(bpfy_table *t, PyObject *addr, unsigned char *out, uint32_t n)
{
	PyObject *packed = NULL, *parsed = NULL;
	Py_buffer view;
	int ret = -1;

	if (PyUnicode_Check(addr)) {
		parsed = ipaddress_call("ip_address", addr);
		if (!parsed)
			return -1;
		addr = parsed;
	}
	if (PyObject_HasAttrString(addr, "packed"))
		packed = PyObject_GetAttrString(addr, "packed");
	else
		packed = Py_NewRef(addr);
	if (!packed || PyObject_GetBuffer(packed, &view, PyBUF_SIMPLE) < 0) {
		if (packed)
			PyErr_Format(PyExc_TypeError, "table '%U': an LPM address is an ipaddress "
				     "object, a str or %u bytes", t->name, n);
		goto out;
	}
	if ((size_t)view.len != n)
		PyErr_Format(PyExc_ValueError, "table '%U': LPM address of %zd bytes, the key "
			     "holds %u", t->name, view.len, n);
	else
		memcpy(out, view.buf, n), ret = 0;
	PyBuffer_Release(&view);
out:
	Py_XDECREF(packed);
	Py_XDECREF(parsed);
	return ret;
}

static int encode_pair(bpfy_table *t, PyObject *plen, PyObject *addr, unsigned char *out)
{
	uint32_t n = t->key_size - 4;
	unsigned long prefixlen = PyLong_AsUnsignedLong(plen);

	if (prefixlen == (unsigned long)-1 && PyErr_Occurred())
		return -1;
	if (prefixlen > (unsigned long)n * 8) {
		PyErr_Format(PyExc_ValueError, "table '%U': prefix length %lu > %u bits", t->name,
			     prefixlen, n * 8);
		return -1;
	}
	memcpy(out, &(uint32_t){ (uint32_t)prefixlen }, 4);
	return address_bytes(t, addr, out + 4, n);
}

int bpfy_lpm_encode_key(bpfy_table *t, PyObject *key, void *out)
{
	PyObject *net = NULL, *plen, *addr;
	int ret;

	if (t->key_size <= 4)
		return bpfy_codec_encode(t->key, key, out);
	if (PyTuple_Check(key) && PyTuple_GET_SIZE(key) == 2 &&
	    PyLong_Check(PyTuple_GET_ITEM(key, 0)))
		return encode_pair(t, PyTuple_GET_ITEM(key, 0), PyTuple_GET_ITEM(key, 1), out);
	if (PyUnicode_Check(key)) {
		net = ip_network(key);
		if (!net)
			return -1;
		key = net;
	}
	if (PyObject_HasAttrString(key, "prefixlen") &&
	    PyObject_HasAttrString(key, "network_address")) {
		plen = PyObject_GetAttrString(key, "prefixlen");
		addr = plen ? PyObject_GetAttrString(key, "network_address") : NULL;
		ret = addr ? encode_pair(t, plen, addr, out) : -1;
		Py_XDECREF(plen);
		Py_XDECREF(addr);
		Py_XDECREF(net);
		return ret;
	}
	Py_XDECREF(net);
	return bpfy_codec_encode(t->key, key, out);
}

PyObject *bpfy_lpm_decode_key(bpfy_table *t, const void *kbuf)
{
	const unsigned char *p = kbuf;
	uint32_t prefixlen, n = t->key_size - 4;
	PyObject *raw, *addr;

	if (t->key_size <= 4)
		return bpfy_codec_decode(t->key, kbuf);
	memcpy(&prefixlen, p, 4);
	raw = PyBytes_FromStringAndSize((const char *)p + 4, n);
	if (!raw)
		return NULL;
	if (n == 4 || n == 16) {
		addr = ipaddress_call("ip_address", raw);
		Py_DECREF(raw);
	} else {
		addr = raw;
	}
	return addr ? Py_BuildValue("(IN)", prefixlen, addr) : NULL;
}
