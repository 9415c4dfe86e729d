/* BPF type methods of one area (events); see BPF_method_groups in bpf_object.c. */
#include "ext.h"

PyMethodDef bpfy_bpf_events_methods[] = {
	{ NULL },
};
