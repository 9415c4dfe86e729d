/* _bpfy.compile(): the compile step alone, giving the ELF image as bytes
 * (ahead-of-time compiles and benchmarks need it without loading). */
#include "ext.h"

const char bpfy_compile_doc[] =
	     "compile(source, source_name='<text>', cflags=(), include_dir=None,\n"
	     "        cache_dir=None, no_cache=False) -> bytes\n--\n\n"
	     "Compile BPF C source to an ELF object with BTF; return its bytes.";

PyObject *bpfy_py_compile(PyObject *module, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "source",    "source_name", "cflags", "include_dir",
				  "cache_dir", "no_cache",    NULL };
	const char *source, *source_name = "<text>", *include_dir = NULL, *cache_dir = NULL;
	struct bpfy_compile_opts opts = { .sz = sizeof(opts) };
	PyObject *cflags = NULL, *list = NULL, *result = NULL;
	struct bpfy_error error = {};
	struct bpfy_elf elf = {};
	const char **argv = NULL;
	Py_ssize_t source_len, n = 0;
	int no_cache = 0, err;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#|sOzzp:compile", kwlist, &source,
					 &source_len, &source_name, &cflags, &include_dir,
					 &cache_dir, &no_cache))
		return NULL;
	if (cflags && cflags != Py_None) {
		list = PySequence_List(cflags);
		if (!list)
			return NULL;
		n = PyList_GET_SIZE(list);
		argv = PyMem_Calloc(n + 1, sizeof(*argv));
		if (!argv) {
			PyErr_NoMemory();
			goto out;
		}
		for (Py_ssize_t i = 0; i < n; i++)
			if (!(argv[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(list, i))))
				goto out;
	}
	opts.source = source;
	opts.source_len = source_len;
	opts.source_name = source_name;
	opts.cflags = argv;
	opts.cflag_count = n;
	opts.include_dir = include_dir;
	opts.cache_dir = cache_dir;
	opts.no_cache = no_cache;
	Py_BEGIN_ALLOW_THREADS
	err = bpfy_compile(&opts, &elf, &error);
	Py_END_ALLOW_THREADS
	if (err) {
		bpfy_raise(bpfy_state_from_module(module), &error);
		bpfy_error__clear(&error);
		goto out;
	}
	result = PyBytes_FromStringAndSize(elf.data, elf.size);
out:
	bpfy_elf__release(&elf);
	PyMem_Free(argv);
	Py_XDECREF(list);
	return result;
}
