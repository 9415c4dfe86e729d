/* BPF type methods of one area (attach); see BPF_method_groups in bpf_object.c. */
#include "ext.h"

PyMethodDef bpfy_bpf_attach_methods[] = {
	{ NULL },
};
