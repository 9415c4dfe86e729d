/*
 * Private to pybind/src/bpf_attach*.c and syms.c: the methods these files
 * add to the BPF type (listed in bpfy_bpf_attach_methods, bpf_attach.c),
 * and the helper they share.
 */
#ifndef BPFY_BPF_ATTACH_H
#define BPFY_BPF_ATTACH_H

#include "ext.h"

#define BPFY_METH(name) PyObject *name(BPFObject *self, PyObject *args)

/*
 * The function named fn_name, checked not attached yet under (kind, target,
 * fn_name): NULL with BPFError(ENOENT)/(EEXIST) set otherwise.
 */
struct bpfy_prog *bpfy_attach_prepare(BPFObject *self, const char *kind, const char *target,
				      const char *fn_name);

/* Stores link (NULL: raises error) under (kind, target, fn_name). None or NULL. */
PyObject *bpfy_attach_finish(BPFObject *self, struct bpfy_link *link, struct bpfy_error *error,
			     const char *kind, const char *target, const char *fn_name);

/* The link stored under (kind, target, fn_name), borrowed; NULL (no
 * exception) when there is none, NULL with an exception on error. */
struct bpfy_link *bpfy_attach_find_link(BPFObject *self, const char *kind, const char *target,
					const char *fn_name);

/* Raises error as the module's exception classes do, from a static method
 * (no BPF object at hand), clears it. Returns NULL. */
PyObject *bpfy_attach_raise_static(struct bpfy_error *error);

/* bpf_attach_perf.c */
BPFY_METH(bpfy_bpf_attach_perf_event);
BPFY_METH(bpfy_bpf_online_cpus);

/* bpf_attach_uprobe.c */
BPFY_METH(bpfy_bpf_attach_uprobe);
BPFY_METH(bpfy_bpf_attach_usdt);
BPFY_METH(bpfy_bpf_attach_kprobe);
BPFY_METH(bpfy_bpf_attach_trampoline);
BPFY_METH(bpfy_bpf_probe_trampoline);
BPFY_METH(bpfy_bpf_kprobes_supported);

/* bpf_attach_net.c */
BPFY_METH(bpfy_bpf_attach_xdp);
BPFY_METH(bpfy_bpf_remove_xdp);
BPFY_METH(bpfy_bpf_attach_raw_socket);
BPFY_METH(bpfy_bpf_attach_tc);
BPFY_METH(bpfy_bpf_attach_cgroup);
BPFY_METH(bpfy_bpf_attach_func);
BPFY_METH(bpfy_bpf_attach_iter);

/* bpf_attach_more.c */
BPFY_METH(bpfy_bpf_attach_reuseport);
BPFY_METH(bpfy_bpf_attach_netfilter);
BPFY_METH(bpfy_bpf_probe_netfilter);
BPFY_METH(bpfy_bpf_attach_struct_ops);

/* syms.c (static methods: self is NULL) */
BPFY_METH(bpfy_syms_ksym);
BPFY_METH(bpfy_syms_ksymname);
BPFY_METH(bpfy_syms_ksym_names);
BPFY_METH(bpfy_syms_usym);
BPFY_METH(bpfy_syms_elf_symbol);
BPFY_METH(bpfy_syms_elf_symbols);
BPFY_METH(bpfy_syms_demangle);
BPFY_METH(bpfy_syms_set_debug_dirs);
BPFY_METH(bpfy_syms_debug_file);
BPFY_METH(bpfy_syms_build_id);

#endif /* BPFY_BPF_ATTACH_H */
