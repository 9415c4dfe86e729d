/*
 * Names of the kernel's map types, for messages and for create_map("hash").
 * Numbered as enum bpf_map_type; kept here (not from libbpf) so types newer
 * than the installed libbpf still have names.
 */
#include <errno.h>
#include <strings.h>

#include "bpfy.h"

static const char *const names[] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
	"sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
	"stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
	"task_storage", "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
};

#define NR_NAMES (sizeof(names) / sizeof(names[0]))

const char *bpfy_map_type__name(uint32_t map_type)
{
	return map_type < NR_NAMES ? names[map_type] : NULL;
}

int bpfy_map_type__from_name(const char *name)
{
	size_t i;

	if (!name)
		return -EINVAL;
	if (strncasecmp(name, "BPF_MAP_TYPE_", 13) == 0)
		name += 13;
	for (i = 1; i < NR_NAMES; i++)
		if (strcasecmp(name, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}
