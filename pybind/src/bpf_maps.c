/* BPF type methods of one area (maps: creating maps from Python, ...);
 * see BPF_method_groups in bpf_object.c. */
#include "ext.h"

PyMethodDef bpfy_bpf_maps_methods[] = {
	{ NULL },
};
