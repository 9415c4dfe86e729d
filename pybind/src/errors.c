/*
 * The exception hierarchy: everything derives from BPFError(OSError), which
 * keeps errno. CompileError and VerifierError carry the full log on `.log`.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ext.h"

static PyObject *new_exception(PyObject *module, const char *name, const char *doc,
			       PyObject *bases)
{
	char qualified[128];
	PyObject *type;

	snprintf(qualified, sizeof(qualified), "bpfy.%s", name);
	type = PyErr_NewExceptionWithDoc(qualified, doc, bases, NULL);
	if (!type)
		return NULL;
	if (PyModule_AddObjectRef(module, name, type)) {
		Py_DECREF(type);
		return NULL;
	}
	return type;
}

int bpfy_errors_init(PyObject *module, bpfy_state *st)
{
	PyObject *bases;

	st->BPFError = new_exception(module, "BPFError",
				     "Base of every bpfy error; an OSError that keeps errno.",
				     PyExc_OSError);
	if (!st->BPFError)
		return -1;
	st->CompileError = new_exception(
		module, "CompileError",
		"clang rejected the BPF source. `.log` holds the full diagnostics, with the "
		"user's own file name and line numbers.",
		st->BPFError);
	st->VerifierError = new_exception(
		module, "VerifierError",
		"The kernel verifier rejected a program. `.log` holds the verifier log; the "
		"message shows where it gave up.",
		st->BPFError);
	st->UnsupportedError = new_exception(
		module, "UnsupportedError",
		"The running kernel lacks a feature the operation needs; the message names it.",
		st->BPFError);
	if (!st->CompileError || !st->VerifierError || !st->UnsupportedError)
		return -1;
	bases = PyTuple_Pack(2, st->BPFError, PyExc_PermissionError);
	if (!bases)
		return -1;
	st->PermissionError = new_exception(
		module, "BPFPermissionError",
		"The kernel refused the operation (EPERM/EACCES): also a PermissionError.", bases);
	Py_DECREF(bases);
	return st->PermissionError ? 0 : -1;
}

static PyObject *class_for(bpfy_state *st, enum bpfy_error_kind kind, int code)
{
	switch (kind) {
	case BPFY_ERR_COMPILE:
		return st->CompileError;
	case BPFY_ERR_VERIFIER:
		return st->VerifierError;
	case BPFY_ERR_UNSUPPORTED:
		return st->UnsupportedError;
	default:
		break;
	}
	if (code == EPERM || code == EACCES)
		return st->PermissionError;
	return st->BPFError;
}

static PyObject *raise_with(PyObject *cls, int code, const char *message, const char *log)
{
	PyObject *exc, *log_obj;

	exc = PyObject_CallFunction(cls, "is", code, message);
	if (!exc)
		return NULL;
	if (log)
		log_obj = PyUnicode_DecodeUTF8(log, strlen(log), "replace");
	else
		log_obj = Py_NewRef(Py_None);
	if (!log_obj || PyObject_SetAttrString(exc, "log", log_obj)) {
		Py_XDECREF(log_obj);
		Py_DECREF(exc);
		return NULL;
	}
	Py_DECREF(log_obj);
	PyErr_SetObject(cls, exc);
	Py_DECREF(exc);
	return NULL;
}

/* EPERM from an unprivileged process: name the capabilities it lacks. */
static void add_privilege_hint(char *message, size_t size, int code)
{
	size_t len = strlen(message);

	if ((code == EPERM || code == EACCES) && geteuid() != 0 && len < size)
		snprintf(message + len, size - len,
			 " (bpfy needs root, or CAP_BPF with CAP_PERFMON and CAP_NET_ADMIN)");
}

PyObject *bpfy_raise(bpfy_state *st, const struct bpfy_error *error)
{
	char message[sizeof(error->message) + 128];
	int code = error->code ? error->code : EINVAL;

	snprintf(message, sizeof(message), "%s", error->message[0] ? error->message : strerror(code));
	if (error->kind == BPFY_ERR_OS)
		add_privilege_hint(message, sizeof(message), code);
	return raise_with(class_for(st, error->kind, code), code, message, error->log);
}

PyObject *bpfy_raise_errno(bpfy_state *st, int code, const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	int used;

	if (code < 0)
		code = -code;
	va_start(ap, fmt);
	used = vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (used >= 0 && (size_t)used < sizeof(message))
		snprintf(message + used, sizeof(message) - used, ": %s", strerror(code));
	add_privilege_hint(message, sizeof(message), code);
	return raise_with(class_for(st, BPFY_ERR_OS, code), code, message, NULL);
}
