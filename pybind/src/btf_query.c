/*
 * Module functions over the running kernel's BTF (runtime/btf_query.c):
 * kernel_struct_has_field(struct_name, field_name) and
 * kernel_enum_has_val(enum_name, value_name), behind bcc's static methods of
 * the same names. Exported as a method table that module init adds with
 * PyModule_AddFunctions(module, bpfy_btf_query_methods).
 */
#include "ext.h"

typedef int (*btf_question)(const char *, const char *, struct bpfy_error *);

static PyObject *ask(PyObject *module, PyObject *args, const char *format, btf_question fn)
{
	struct bpfy_error error = {};
	const char *a, *b;
	int rc;

	if (!PyArg_ParseTuple(args, format, &a, &b))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	rc = fn(a, b, &error);	/* the first call loads the kernel's BTF (~10 ms) */
	Py_END_ALLOW_THREADS
	if (rc < 0) {
		bpfy_raise(bpfy_state_from_module(module), &error);
		bpfy_error__clear(&error);
		return NULL;
	}
	return PyBool_FromLong(rc);
}

PyDoc_STRVAR(struct_has_field_doc,
	     "kernel_struct_has_field(struct_name, field_name)\n--\n\n"
	     "True when the running kernel's struct (or union) struct_name has a member\n"
	     "field_name, anonymous struct/union members included (from the kernel's BTF).\n"
	     "\"struct task_struct\" and \"task_struct\" are the same. Raises\n"
	     "UnsupportedError when the kernel has no BTF.");

static PyObject *struct_has_field(PyObject *module, PyObject *args)
{
	return ask(module, args, "ss:kernel_struct_has_field", bpfy_btf__struct_has_field);
}

PyDoc_STRVAR(enum_has_val_doc,
	     "kernel_enum_has_val(enum_name, value_name)\n--\n\n"
	     "True when the running kernel's enum enum_name has the enumerator value_name\n"
	     "(from the kernel's BTF; \"enum bpf_func_id\" and \"bpf_func_id\" are the same,\n"
	     "\"\" searches every enum, anonymous ones too). Raises UnsupportedError when\n"
	     "the kernel has no BTF.");

static PyObject *enum_has_val(PyObject *module, PyObject *args)
{
	return ask(module, args, "ss:kernel_enum_has_val", bpfy_btf__enum_has_val);
}

PyMethodDef bpfy_btf_query_methods[] = {
	{ "kernel_struct_has_field", struct_has_field, METH_VARARGS, struct_has_field_doc },
	{ "kernel_enum_has_val", enum_has_val, METH_VARARGS, enum_has_val_doc },
	{ NULL },
};
