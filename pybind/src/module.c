/* The _bpfy extension module: multi-phase init (PEP 489) with module state. */
#include "ext.h"
#include "events.h"

bpfy_state *bpfy_state_from_module(PyObject *module)
{
	return (bpfy_state *)PyModule_GetState(module);
}

bpfy_state *bpfy_state_from_type(PyTypeObject *type)
{
	PyObject *module = PyType_GetModuleByDef(type, &bpfy_module_def);

	return module ? bpfy_state_from_module(module) : NULL;
}

PyDoc_STRVAR(tracefs_dir_doc, "tracefs_dir()\n--\n\n"
			      "The tracefs directory, mounted first when it is not mounted.");

static PyObject *module_tracefs_dir(PyObject *module, PyObject *unused)
{
	struct bpfy_error error = {};
	const char *dir = bpfy_tracefs_dir(&error);

	if (!dir) {
		bpfy_raise(bpfy_state_from_module(module), &error);
		bpfy_error__clear(&error);
		return NULL;
	}
	return PyUnicode_FromString(dir);
}

static PyMethodDef module_methods[] = {
	{ "tracefs_dir", module_tracefs_dir, METH_NOARGS, tracefs_dir_doc },
	{ "compile", (PyCFunction)(void (*)(void))bpfy_py_compile, METH_VARARGS | METH_KEYWORDS,
	  bpfy_compile_doc },
	{ NULL },
};

static int module_exec(PyObject *module)
{
	bpfy_state *st = bpfy_state_from_module(module);

	if (bpfy_errors_init(module, st) || bpfy_records_init(module, st) ||
	    bpfy_tables_init(module, st) || bpfy_events_init(module, st) ||
	    bpfy_bpf_type_init(module, st))
		return -1;
	if (PyModule_AddFunctions(module, bpfy_btf_query_methods))
		return -1;
	if (PyModule_AddIntConstant(module, "NUM_POSSIBLE_CPUS", bpfy_num_possible_cpus()))
		return -1;
	return 0;
}

static int module_traverse(PyObject *module, visitproc visit, void *arg)
{
	bpfy_state *st = bpfy_state_from_module(module);

	Py_VISIT(st->BPFError);
	Py_VISIT(st->CompileError);
	Py_VISIT(st->VerifierError);
	Py_VISIT(st->UnsupportedError);
	Py_VISIT(st->PermissionError);
	Py_VISIT(st->BPF_Type);
	Py_VISIT(st->table_types);
	Py_VISIT(st->Table_Type);
	Py_VISIT(st->Record_Type);
	Py_VISIT(st->CInt_Type);
	Py_VISIT(st->codec_cache);
	return 0;
}

static int module_clear(PyObject *module)
{
	bpfy_state *st = bpfy_state_from_module(module);

	Py_CLEAR(st->BPFError);
	Py_CLEAR(st->CompileError);
	Py_CLEAR(st->VerifierError);
	Py_CLEAR(st->UnsupportedError);
	Py_CLEAR(st->PermissionError);
	Py_CLEAR(st->BPF_Type);
	Py_CLEAR(st->table_types);
	Py_CLEAR(st->Table_Type);
	Py_CLEAR(st->Record_Type);
	Py_CLEAR(st->CInt_Type);
	Py_CLEAR(st->codec_cache);
	return 0;
}

static void module_free(void *module)
{
	module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
	{ Py_mod_exec, module_exec },
	{ 0, NULL },
};

PyModuleDef bpfy_module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "bpfy._bpfy",
	.m_doc = "C core of bpfy: compiling, loading and attaching BPF programs, and their maps.",
	.m_size = sizeof(bpfy_state),
	.m_methods = module_methods,
	.m_slots = module_slots,
	.m_traverse = module_traverse,
	.m_clear = module_clear,
	.m_free = module_free,
};

PyMODINIT_FUNC PyInit__bpfy(void)
{
	return PyModuleDef_Init(&bpfy_module_def);
}
