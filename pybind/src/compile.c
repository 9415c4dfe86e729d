/* Compiling from Python arguments: shared by BPF() and _bpfy.compile(). */
#include "ext.h"

/* A Python sequence of str/bytes → NULL-terminated argv borrowed from the
 * list stored in *list_out (the caller releases both). */
static const char **cflags_argv(PyObject *cflags, PyObject **list_out, size_t *count)
{
	PyObject *list = PySequence_List(cflags);
	const char **argv;
	Py_ssize_t n;

	*list_out = list;
	if (!list)
		return NULL;
	n = PyList_GET_SIZE(list);
	argv = PyMem_Calloc(n + 1, sizeof(*argv));
	if (!argv) {
		PyErr_NoMemory();
		return NULL;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		argv[i] = bpfy_name_arg(PyList_GET_ITEM(list, i), "cflags items");
		if (!argv[i]) {
			PyMem_Free(argv);
			return NULL;
		}
	}
	*count = n;
	return argv;
}

int bpfy_py_compile_elf(bpfy_state *st, const struct bpfy_py_compile_args *args,
			struct bpfy_elf *out)
{
	struct bpfy_compile_opts opts = { .sz = sizeof(opts) };
	struct bpfy_error error = {};
	PyObject *cflag_list = NULL;
	const char **argv = NULL;
	size_t argc = 0;
	int err = -1;

	if (args->cflags && args->cflags != Py_None) {
		argv = cflags_argv(args->cflags, &cflag_list, &argc);
		if (!argv)
			goto out;
	}
	opts.source = args->source;
	opts.source_len = args->source_len;
	opts.source_name = args->source_name;
	opts.cflags = argv;
	opts.cflag_count = argc;
	opts.include_dir = args->include_dir;
	opts.cache_dir = args->cache_dir;
	opts.no_cache = args->no_cache;
	opts.keep_source = args->keep_source;
	Py_BEGIN_ALLOW_THREADS
	err = bpfy_compile(&opts, out, &error);
	Py_END_ALLOW_THREADS
	if (err) {
		bpfy_raise(st, &error);
		bpfy_error__clear(&error);
		err = -1;
	}
out:
	PyMem_Free(argv);
	Py_XDECREF(cflag_list);
	return err;
}

const char bpfy_compile_doc[] =
	"compile(source, source_name='<text>', cflags=(), include_dir=None,\n"
	"        cache_dir=None, no_cache=False) -> bytes\n--\n\n"
	"Compile BPF C source to an ELF object with BTF; return its bytes.";

PyObject *bpfy_py_compile(PyObject *module, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "source",    "source_name", "cflags", "include_dir",
				  "cache_dir", "no_cache",    NULL };
	struct bpfy_py_compile_args cargs = { .source_name = "<text>" };
	struct bpfy_elf elf = {};
	PyObject *result;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#|sOzzp:compile", kwlist, &cargs.source,
					 &cargs.source_len, &cargs.source_name, &cargs.cflags,
					 &cargs.include_dir, &cargs.cache_dir, &cargs.no_cache))
		return NULL;
	if (bpfy_py_compile_elf(bpfy_state_from_module(module), &cargs, &elf))
		return NULL;
	result = PyBytes_FromStringAndSize(elf.data, elf.size);
	bpfy_elf__release(&elf);
	return result;
}
