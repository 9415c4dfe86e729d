/*
 * Traits of every kernel map type: which Python family shows it and how its
 * keys and values travel. The shared table code reads these; no code path
 * asks "is this map type X".
 */
#include "table.h"

#include <linux/bpf.h>

#define KI .key_kind = BPFY_KEY_INDEX
#define KN .key_kind = BPFY_KEY_NONE
#define KF .key_kind = BPFY_KEY_FD
#define VFD .value_kind = BPFY_VALUE_FD
#define VMAP .value_kind = BPFY_VALUE_MAP

/* Types 27..33 may be newer than the installed linux/bpf.h: numbered here. */
enum {
	T_RINGBUF = 27, T_INODE_STORAGE, T_TASK_STORAGE, T_BLOOM_FILTER, T_USER_RINGBUF,
	T_CGRP_STORAGE, T_ARENA, T_COUNT
};

static const struct bpfy_table_traits traits_by_type[T_COUNT] = {
	[BPF_MAP_TYPE_HASH] = { "HashTable", .can_delete = true, .batch = true },
	[BPF_MAP_TYPE_LRU_HASH] = { "HashTable", .can_delete = true, .batch = true },
	[BPF_MAP_TYPE_ARRAY] = { "Array", .array = true, .batch = true, KI },
	[BPF_MAP_TYPE_PERCPU_HASH] = { "PerCpuHash", .percpu = true, .can_delete = true,
				       .batch = true },
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = { "PerCpuHash", .percpu = true, .can_delete = true,
					   .batch = true },
	[BPF_MAP_TYPE_PERCPU_ARRAY] = { "PerCpuArray", .percpu = true, .array = true,
					.batch = true, KI },
	[BPF_MAP_TYPE_LPM_TRIE] = { "LpmTrie", .can_delete = true, .batch = true,
				    .key_kind = BPFY_KEY_LPM },
	[BPF_MAP_TYPE_QUEUE] = { "QueueStack", .no_iter = true, KN },
	[BPF_MAP_TYPE_STACK] = { "QueueStack", .no_iter = true, KN },
	[T_BLOOM_FILTER] = { "BloomFilter", .no_iter = true, .no_lookup = true, KN },
	[BPF_MAP_TYPE_STACK_TRACE] = { "StackTrace", .can_delete = true,
				       .value_kind = BPFY_VALUE_STACK },
	[BPF_MAP_TYPE_PROG_ARRAY] = { "ProgArray", .can_delete = true, KI, VFD },
	[BPF_MAP_TYPE_CGROUP_ARRAY] = { "FdMap", .can_delete = true, .no_lookup = true, KI,
					VFD },
	[BPF_MAP_TYPE_SOCKMAP] = { "FdMap", .can_delete = true, KI, VFD },
	[BPF_MAP_TYPE_SOCKHASH] = { "FdMap", .can_delete = true, VFD },
	[BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = { "FdMap", .can_delete = true, KI, VFD },
	[BPF_MAP_TYPE_XSKMAP] = { "FdMap", .can_delete = true, .no_lookup = true, KI, VFD },
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = { "MapInMap", .can_delete = true, .batch = true, KI, VMAP },
	[BPF_MAP_TYPE_HASH_OF_MAPS] = { "MapInMap", .can_delete = true, .batch = true, VMAP },
	[BPF_MAP_TYPE_DEVMAP] = { "DevMap", .can_delete = true, KI },
	[BPF_MAP_TYPE_DEVMAP_HASH] = { "DevMap", .can_delete = true },
	[BPF_MAP_TYPE_CPUMAP] = { "DevMap", .can_delete = true, KI },
	[BPF_MAP_TYPE_CGROUP_STORAGE] = { "CgroupStorage" },
	[BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = { "PerCpuCgroupStorage", .percpu = true },
	[BPF_MAP_TYPE_SK_STORAGE] = { "LocalStorage", .can_delete = true, .no_iter = true, KF },
	[T_INODE_STORAGE] = { "LocalStorage", .can_delete = true, .no_iter = true, KF },
	[T_TASK_STORAGE] = { "LocalStorage", .can_delete = true, .no_iter = true, KF },
	[T_CGRP_STORAGE] = { "LocalStorage", .can_delete = true, .no_iter = true, KF },
	[T_ARENA] = { "Arena", .no_iter = true, .no_lookup = true, KN },
	[BPF_MAP_TYPE_STRUCT_OPS] = { "StructOps", .no_iter = false, KI },
};

static const struct bpfy_table_traits generic_traits = {
	.family = "Table", .can_delete = true, .batch = true,
};

const struct bpfy_table_traits *bpfy_table_traits_of(uint32_t map_type)
{
	const struct bpfy_table_traits *tr = NULL;

	if (map_type < T_COUNT)
		tr = &traits_by_type[map_type];
	return tr && tr->family ? tr : &generic_traits;
}
