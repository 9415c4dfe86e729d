/* BPF methods: perf_event programs. */
#include <errno.h>

#include "bpf_attach.h"

PyObject *bpfy_bpf_attach_perf_event(BPFObject *self, PyObject *args)
{
	struct bpfy_perf_event_opts opts = { .sz = sizeof(opts) };
	const char *fn_name, *key;
	unsigned int type;
	unsigned long long config, period, freq;
	Py_buffer attr = { .buf = NULL };
	struct bpfy_error error = {};
	struct bpfy_prog *prog;
	struct bpfy_link *link;
	PyObject *ret = NULL;

	if (!PyArg_ParseTuple(args, "ssIKKKiiiz*:_attach_perf_event", &fn_name, &key, &type,
			      &config, &period, &freq, &opts.pid, &opts.cpu, &opts.group_fd,
			      &attr))
		return NULL;
	prog = bpfy_attach_prepare(self, "perf_event", key, fn_name);
	if (!prog)
		goto out;
	opts.type = type;
	opts.config = config;
	opts.sample_period = period;
	opts.sample_freq = freq;
	opts.attr = attr.buf;
	opts.attr_size = attr.buf ? attr.len : 0;
	Py_BEGIN_ALLOW_THREADS
	link = bpfy_prog__attach_perf_event(prog, &opts, &error);
	Py_END_ALLOW_THREADS
	ret = bpfy_attach_finish(self, link, &error, "perf_event", key, fn_name);
out:
	if (attr.buf)
		PyBuffer_Release(&attr);
	return ret;
}

PyObject *bpfy_bpf_online_cpus(BPFObject *self, PyObject *args)
{
	int cpus[4096], count = bpfy_online_cpus(cpus, 4096);
	PyObject *list;

	if (count < 0) {
		errno = -count;
		return PyErr_SetFromErrnoWithFilename(PyExc_OSError,
						      "/sys/devices/system/cpu/online");
	}
	list = PyList_New(0);
	for (int i = 0; list && i < count && i < 4096; i++) {
		PyObject *cpu = PyLong_FromLong(cpus[i]);

		if (!cpu || PyList_Append(list, cpu))
			Py_CLEAR(list);
		Py_XDECREF(cpu);
	}
	return list;
}
