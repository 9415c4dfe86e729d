/*
 * The bcc C dialect on top of libbpf: map declarations become BTF-defined
 * maps, map methods (rewritten by bpfy from `name.method(...)` into
 * BPFY_MAP_<METHOD>(name, ...)) become helper calls, and bcc's helpers and
 * probe macros are provided. See docs/dialect.md.
 */
#ifndef BPFY_DIALECT_H
#define BPFY_DIALECT_H

#include <bpfy/kernel_defs.h>

#define BPFY__STR1(x) #x
#define BPFY__STR(x) BPFY__STR1(x)

/* --------------------------------------------------------- map layouts */

/* A map with key and value types in BTF (what Python decodes). */
#define BPFY__MAP_KV(_type, _K, _V, _name, _n, _flags)				\
	struct {								\
		__uint(type, _type);						\
		__type(key, _K);						\
		__type(value, _V);						\
		__uint(max_entries, _n);					\
		__uint(map_flags, _flags);					\
	} _name SEC(".maps")

/* A map whose kernel type takes no BTF for key/value: sizes only. */
#define BPFY__MAP_SIZES(_type, _K, _V, _name, _n, _flags)			\
	struct {								\
		__uint(type, _type);						\
		__uint(key_size, sizeof(_K));					\
		__uint(value_size, sizeof(_V));					\
		__uint(max_entries, _n);					\
		__uint(map_flags, _flags);					\
	} _name SEC(".maps")

/* Value only (queue, stack, bloom filter). */
#define BPFY__MAP_V(_type, _V, _name, _n, _flags)				\
	struct {								\
		__uint(type, _type);						\
		__type(value, _V);						\
		__uint(max_entries, _n);					\
		__uint(map_flags, _flags);					\
	} _name SEC(".maps")

/* Local storages: int key, no preallocation, no max_entries. */
#define BPFY__MAP_STORAGE(_type, _V, _name)					\
	struct {								\
		__uint(type, _type);						\
		__uint(map_flags, BPF_F_NO_PREALLOC);				\
		__type(key, int);						\
		__type(value, _V);						\
	} _name SEC(".maps")

/* BPF_HISTOGRAM: a 4-byte integer key makes an array, anything else a hash. */
#define BPFY__HIST_TYPE(_K)							\
	((__builtin_classify_type(*(_K *)0) == 1 ||				\
	  __builtin_classify_type(*(_K *)0) == 3) && sizeof(_K) == 4 ?	\
	 BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH)

#ifndef BPFY_PAGE_SIZE
#define BPFY_PAGE_SIZE 4096
#endif

/* One macro per BPF_TABLE type string (bpfy turns "hash" into hash). */
#define BPFY__TABLE_hash(K, V, n, N, F) BPFY__MAP_KV(BPF_MAP_TYPE_HASH, K, V, n, N, F)
#define BPFY__TABLE_array(K, V, n, N, F) BPFY__MAP_KV(BPF_MAP_TYPE_ARRAY, K, V, n, N, F)
#define BPFY__TABLE_percpu_hash(K, V, n, N, F) BPFY__MAP_KV(BPF_MAP_TYPE_PERCPU_HASH, K, V, n, N, F)
#define BPFY__TABLE_percpu_array(K, V, n, N, F) BPFY__MAP_KV(BPF_MAP_TYPE_PERCPU_ARRAY, K, V, n, N, F)
#define BPFY__TABLE_lru_hash(K, V, n, N, F) BPFY__MAP_KV(BPF_MAP_TYPE_LRU_HASH, K, V, n, N, F)
#define BPFY__TABLE_lru_percpu_hash(K, V, n, N, F)				\
	BPFY__MAP_KV(BPF_MAP_TYPE_LRU_PERCPU_HASH, K, V, n, N, F)
#define BPFY__TABLE_histogram(K, V, n, N, F) BPFY__MAP_KV(BPFY__HIST_TYPE(K), K, V, n, N, F)
#define BPFY__TABLE_lpm_trie(K, V, n, N, F)					\
	BPFY__MAP_KV(BPF_MAP_TYPE_LPM_TRIE, K, V, n, N, (F) | BPF_F_NO_PREALLOC)
#define BPFY__TABLE_prog(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_PROG_ARRAY, u32, u32, n, N, F)
#define BPFY__TABLE_perf_output(K, V, n, N, F)					\
	BPFY__MAP_SIZES(BPF_MAP_TYPE_PERF_EVENT_ARRAY, int, u32, n, 0, F)
#define BPFY__TABLE_perf_array(K, V, n, N, F)					\
	BPFY__MAP_SIZES(BPF_MAP_TYPE_PERF_EVENT_ARRAY, int, u32, n, 0, F)
#define BPFY__TABLE_stacktrace(K, V, n, N, F)					\
	BPFY__MAP_SIZES(BPF_MAP_TYPE_STACK_TRACE, u32, V, n, N, F)
#define BPFY__TABLE_queue(K, V, n, N, F) BPFY__MAP_V(BPF_MAP_TYPE_QUEUE, V, n, N, F)
#define BPFY__TABLE_stack(K, V, n, N, F) BPFY__MAP_V(BPF_MAP_TYPE_STACK, V, n, N, F)
#define BPFY__TABLE_bloom_filter(K, V, n, N, F) BPFY__MAP_V(BPF_MAP_TYPE_BLOOM_FILTER, V, n, N, F)
/* A ring buffer and its per-CPU count of failed writes (Python: table.lost). */
#define BPFY__TABLE_ringbuf(K, V, n, N, F)					\
	struct {								\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);			\
		__uint(max_entries, 1);						\
		__type(key, u32);						\
		__type(value, u64);						\
	} n##__lost SEC(".maps");						\
	struct {								\
		__uint(type, BPF_MAP_TYPE_RINGBUF);				\
		__uint(max_entries, (N) * BPFY_PAGE_SIZE);			\
	} n SEC(".maps")
#define BPFY__TABLE_devmap(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_DEVMAP, K, V, n, N, F)
#define BPFY__TABLE_devmap_hash(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_DEVMAP_HASH, K, V, n, N, F)
#define BPFY__TABLE_cpumap(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_CPUMAP, K, V, n, N, F)
#define BPFY__TABLE_xskmap(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_XSKMAP, K, V, n, N, F)
#define BPFY__TABLE_sockmap(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_SOCKMAP, K, V, n, N, F)
#define BPFY__TABLE_sockhash(K, V, n, N, F) BPFY__MAP_SIZES(BPF_MAP_TYPE_SOCKHASH, K, V, n, N, F)
#define BPFY__TABLE_cgroup_array(K, V, n, N, F)					\
	BPFY__MAP_SIZES(BPF_MAP_TYPE_CGROUP_ARRAY, u32, u32, n, N, F)
#define BPFY__TABLE_sk_storage(K, V, n, N, F) BPFY__MAP_STORAGE(BPF_MAP_TYPE_SK_STORAGE, V, n)
#define BPFY__TABLE_inode_storage(K, V, n, N, F) BPFY__MAP_STORAGE(BPF_MAP_TYPE_INODE_STORAGE, V, n)
#define BPFY__TABLE_task_storage(K, V, n, N, F) BPFY__MAP_STORAGE(BPF_MAP_TYPE_TASK_STORAGE, V, n)
#define BPFY__TABLE_cgrp_storage(K, V, n, N, F) BPFY__MAP_STORAGE(BPF_MAP_TYPE_CGRP_STORAGE, V, n)

#define BPFY__TABLE_cgroup_storage(K, V, n, N, F)				\
	BPFY__MAP_KV(BPF_MAP_TYPE_CGROUP_STORAGE, struct bpf_cgroup_storage_key, V, n, 0, F)
#define BPFY__TABLE_percpu_cgroup_storage(K, V, n, N, F)			\
	BPFY__MAP_KV(BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, struct bpf_cgroup_storage_key, V, n, 0, F)
#define BPFY__TABLE_user_ringbuf(K, V, n, N, F)					\
	struct {								\
		__uint(type, BPF_MAP_TYPE_USER_RINGBUF);			\
		__uint(max_entries, (N) * BPFY_PAGE_SIZE);			\
	} n SEC(".maps")
#define BPFY__TABLE_reuseport_sockarray(K, V, n, N, F)				\
	BPFY__MAP_SIZES(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, u32, u64, n, N, F)
/* Map-in-map: the inner map is a declared map (bcc passes its name as a string;
 * bpfy passes the bare name), its definition is the template. */
#define BPFY__TABLE_array_of_maps(K, V, n, N, F)				\
	struct {								\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);			\
		__type(key, int);						\
		__uint(max_entries, N);						\
		__array(values, typeof(V));					\
	} n SEC(".maps")
#define BPFY__TABLE_hash_of_maps(K, V, n, N, F)					\
	struct {								\
		__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);			\
		__type(key, K);							\
		__uint(max_entries, N);						\
		__array(values, typeof(V));					\
	} n SEC(".maps")

/* BPF_TABLE("type", key, leaf, name, size[, flags]): the type arrives as a bare token. */
#define BPF_TABLE(_t, _K, _V, _name, _n) BPFY__TABLE_##_t(_K, _V, _name, _n, 0)
#define BPF_F_TABLE(_t, _K, _V, _name, _n, _f) BPFY__TABLE_##_t(_K, _V, _name, _n, _f)

/* ------------------------------------------------- declaration macros */

/* Pinned tables: libbpf pins by name under the object's pin root and reuses a
 * compatible pinned map (an incompatible one fails the load, naming the map).
 * The bcc path is recorded in BTF as `__bpfy_pin__<name>` for the loader. */
#define BPFY__PINNED(_t, _K, _V, _name, _n, _f, _path)				\
	BPFY__PIN_DEF(BPFY__TABLE_##_t(_K, _V, _name, _n, _f), _name, _path)
#define BPFY__PIN_DEF(_decl, _name, _path)					\
	static const char __bpfy_pin__##_name[]				\
		__attribute__((used, section(".bpfy.events"))) = _path;	\
	_decl
#define BPF_TABLE_PINNED(_t, _K, _V, _name, _n, _path)				\
	BPFY__PINNED(_t, _K, _V, _name, _n, 0, _path)
#define BPF_F_TABLE_PINNED(_t, _K, _V, _name, _n, _f, _path)			\
	BPFY__PINNED(_t, _K, _V, _name, _n, _f, _path)
/* Public/shared tables: ordinary maps marked `__bpfy_public__<name>`; the loader
 * publishes them to the other BPF objects of the process (runtime/shared_tables.c),
 * where BPF_TABLE("extern", key, leaf, name, size) finds them by name. */
#define BPFY__MARK(_kind, _name)						\
	static const char __bpfy_##_kind##__##_name				\
		__attribute__((used, section(".bpfy.events"))) = 1
#define BPFY__PUBLIC(_decl, _name) BPFY__MARK(public, _name); _decl
#define BPF_TABLE_PUBLIC(_t, _K, _V, _name, _n)					\
	BPFY__PUBLIC(BPFY__TABLE_##_t(_K, _V, _name, _n, 0), _name)
#define BPF_TABLE_SHARED(_t, _K, _V, _name, _n)					\
	BPFY__PUBLIC(BPFY__TABLE_##_t(_K, _V, _name, _n, 0), _name)
/* An extern table: key and value types for this object's code and Python's
 * decoding; its real type, sizes and fd come from the public table at load
 * (bpf_map__reuse_fd). HASH is only the placeholder libbpf needs to open. */
#define BPFY__TABLE_extern(K, V, n, N, F)					\
	BPFY__MARK(extern, n);							\
	BPFY__MAP_KV(BPF_MAP_TYPE_HASH, K, V, n, N, F)
#define BPF_QUEUESTACK(_t, _name, _V, _n, _f) BPFY__TABLE_##_t(int, _V, _name, _n, _f)
#define BPF_QUEUESTACK_PINNED(_t, _name, _V, _n, _f, _path)			\
	BPFY__PINNED(_t, int, _V, _name, _n, _f, _path)
#define BPF_QUEUESTACK_PUBLIC(_t, _name, _V, _n, _f)				\
	BPFY__PUBLIC(BPFY__TABLE_##_t(int, _V, _name, _n, _f), _name)
#define BPF_QUEUESTACK_SHARED(_t, _name, _V, _n, _f)				\
	BPFY__PUBLIC(BPFY__TABLE_##_t(int, _V, _name, _n, _f), _name)



#define BPFY__PICK1(_1, NAME, ...) NAME
#define BPFY__PICK2(_1, _2, NAME, ...) NAME
#define BPFY__PICK3(_1, _2, _3, NAME, ...) NAME
#define BPFY__PICK4(_1, _2, _3, _4, NAME, ...) NAME

/* BPF_HASH(name[, key = u64[, leaf = u64[, size = 10240]]]) and friends */
#define BPFY__KVN(_t, ...)							\
	BPFY__PICK4(__VA_ARGS__, BPFY__KVN4, BPFY__KVN3, BPFY__KVN2, BPFY__KVN1)(_t, __VA_ARGS__)
#define BPFY__KVN1(_t, _name) BPFY__TABLE_##_t(u64, u64, _name, 10240, 0)
#define BPFY__KVN2(_t, _name, _K) BPFY__TABLE_##_t(_K, u64, _name, 10240, 0)
#define BPFY__KVN3(_t, _name, _K, _V) BPFY__TABLE_##_t(_K, _V, _name, 10240, 0)
#define BPFY__KVN4(_t, _name, _K, _V, _n) BPFY__TABLE_##_t(_K, _V, _name, _n, 0)

#define BPF_HASH(...) BPFY__KVN(hash, __VA_ARGS__)
#define BPF_PERCPU_HASH(...) BPFY__KVN(percpu_hash, __VA_ARGS__)
#define BPF_LPM_TRIE(...) BPFY__KVN(lpm_trie, __VA_ARGS__)

/* BPF_ARRAY(name[, leaf = u64[, size = 10240]]): int keys */
#define BPFY__VN(_t, ...)							\
	BPFY__PICK3(__VA_ARGS__, BPFY__VN3, BPFY__VN2, BPFY__VN1)(_t, __VA_ARGS__)
#define BPFY__VN1(_t, _name) BPFY__TABLE_##_t(int, u64, _name, 10240, 0)
#define BPFY__VN2(_t, _name, _V) BPFY__TABLE_##_t(int, _V, _name, 10240, 0)
#define BPFY__VN3(_t, _name, _V, _n) BPFY__TABLE_##_t(int, _V, _name, _n, 0)

#define BPF_ARRAY(...) BPFY__VN(array, __VA_ARGS__)
#define BPF_PERCPU_ARRAY(...) BPFY__VN(percpu_array, __VA_ARGS__)

/* BPF_HISTOGRAM(name[, key = int[, size = 64]]): u64 counters */
#define BPF_HISTOGRAM(...)							\
	BPFY__PICK3(__VA_ARGS__, BPFY__HIST3, BPFY__HIST2, BPFY__HIST1)(__VA_ARGS__)
#define BPFY__HIST1(_name) BPFY__TABLE_histogram(int, u64, _name, 64, 0)
#define BPFY__HIST2(_name, _K) BPFY__TABLE_histogram(_K, u64, _name, 64, 0)
#define BPFY__HIST3(_name, _K, _n) BPFY__TABLE_histogram(_K, u64, _name, _n, 0)

#define BPF_PERF_OUTPUT(_name) BPFY__TABLE_perf_output(int, u32, _name, 0, 0)
#define BPF_RINGBUF_OUTPUT(_name, _pages) BPFY__TABLE_ringbuf(int, int, _name, _pages, 0)

#ifndef BPF_MAX_STACK_DEPTH
#define BPF_MAX_STACK_DEPTH 127
#endif
struct bpf_stacktrace {
	u64 ip[BPF_MAX_STACK_DEPTH];
};
#define BPF_STACK_TRACE(_name, _n)						\
	BPFY__TABLE_stacktrace(int, struct bpf_stacktrace, _name, _n, 0)
#define BPF_PROG_ARRAY(_name, _n) BPFY__TABLE_prog(u32, u32, _name, _n, 0)
#define BPF_QUEUE(_name, _V, _n) BPFY__TABLE_queue(int, _V, _name, _n, 0)
#define BPF_STACK(_name, _V, _n) BPFY__TABLE_stack(int, _V, _name, _n, 0)
#define BPF_DEVMAP(_name, _n) BPFY__TABLE_devmap(int, int, _name, _n, 0)
#define BPF_CPUMAP(_name, _n) BPFY__TABLE_cpumap(u32, u32, _name, _n, 0)
#define BPF_XSKMAP(_name, _n) BPFY__TABLE_xskmap(int, int, _name, _n, 0)
#define BPF_SOCKMAP(_name, _n) BPFY__TABLE_sockmap(int, int, _name, _n, 0)
#define BPF_SOCKHASH(_name, _K, _n) BPFY__TABLE_sockhash(_K, int, _name, _n, 0)
#define BPF_CGROUP_ARRAY(_name, _n) BPFY__TABLE_cgroup_array(int, int, _name, _n, 0)
#define BPF_SK_STORAGE(_name, _V) BPFY__TABLE_sk_storage(int, _V, _name, 0, 0)
#define BPF_INODE_STORAGE(_name, _V) BPFY__TABLE_inode_storage(int, _V, _name, 0, 0)
#define BPF_TASK_STORAGE(_name, _V) BPFY__TABLE_task_storage(int, _V, _name, 0, 0)
#define BPF_CGRP_STORAGE(_name, _V) BPFY__TABLE_cgrp_storage(int, _V, _name, 0, 0)
#define BPF_CGROUP_STORAGE(_name, _V) BPFY__TABLE_cgroup_storage(int, _V, _name, 0, 0)
#define BPF_PERCPU_CGROUP_STORAGE(_name, _V)					\
	BPFY__TABLE_percpu_cgroup_storage(int, _V, _name, 0, 0)
#define BPF_PERF_ARRAY(_name, _n) BPFY__TABLE_perf_array(int, u32, _name, _n, 0)
#define BPF_ARRAY_OF_MAPS(_name, _inner, _n) BPFY__TABLE_array_of_maps(int, _inner, _name, _n, 0)
#define BPF_HASH_OF_MAPS(_name, _K, _inner, _n) BPFY__TABLE_hash_of_maps(_K, _inner, _name, _n, 0)
struct bpf_stacktrace_buildid {
	struct bpf_stack_build_id trace[BPF_MAX_STACK_DEPTH];
};
#define BPF_STACK_TRACE_BUILDID(_name, _n)					\
	BPFY__MAP_SIZES(BPF_MAP_TYPE_STACK_TRACE, u32, struct bpf_stacktrace_buildid, _name, _n, \
			BPF_F_STACK_BUILD_ID)

/* ------------------------------------------------------- map methods */

/* The map's BPF_MAP_TYPE_*, as a constant expression (from __uint(type, ...)). */
#define BPFY__MAP_TYPE(m) (sizeof(*(m).type) / sizeof(int))
#define BPFY__IS_PERCPU(m)							\
	(BPFY__MAP_TYPE(m) == BPF_MAP_TYPE_PERCPU_HASH ||			\
	 BPFY__MAP_TYPE(m) == BPF_MAP_TYPE_PERCPU_ARRAY ||			\
	 BPFY__MAP_TYPE(m) == BPF_MAP_TYPE_LRU_PERCPU_HASH)

#define BPFY_MAP_LOOKUP(m, k) ((typeof((m).value))bpf_map_lookup_elem(&(m), (k)))
#define BPFY_MAP_UPDATE(m, k, v) bpf_map_update_elem(&(m), (k), (v), BPF_ANY)
#define BPFY_MAP_INSERT(m, k, v) bpf_map_update_elem(&(m), (k), (v), BPF_NOEXIST)
#define BPFY_MAP_DELETE(m, k) bpf_map_delete_elem(&(m), (k))

#define BPFY_MAP_LOOKUP_OR_TRY_INIT(m, k, init)					\
	({									\
		typeof(k) __bpfy_k = (k);					\
		typeof((m).value) __bpfy_v = bpf_map_lookup_elem(&(m), __bpfy_k); \
		if (!__bpfy_v) {						\
			bpf_map_update_elem(&(m), __bpfy_k, (init), BPF_NOEXIST); \
			__bpfy_v = bpf_map_lookup_elem(&(m), __bpfy_k);		\
		}								\
		__bpfy_v;							\
	})
#define BPFY_MAP_LOOKUP_OR_INIT(m, k, init) BPFY_MAP_LOOKUP_OR_TRY_INIT(m, k, init)

/* increment(key[, n]): by-value key; add to an existing value (atomically
 * unless per-CPU), else insert n with BPF_NOEXIST (bcc semantics). */
#define BPFY__INCREMENT(m, k, n, always_atomic)					\
	({									\
		typeof(*(m).key) __bpfy_key = (k);				\
		typeof((m).value) __bpfy_val = bpf_map_lookup_elem(&(m), &__bpfy_key); \
		if (__bpfy_val) {						\
			if (!(always_atomic) && BPFY__IS_PERCPU(m))		\
				*__bpfy_val += (n);				\
			else							\
				__sync_fetch_and_add(__bpfy_val, (n));		\
		} else {							\
			typeof(*(m).value) __bpfy_init = (n);			\
			bpf_map_update_elem(&(m), &__bpfy_key, &__bpfy_init, BPF_NOEXIST); \
		}								\
	})
#define BPFY__INCREMENT_1(m, k) BPFY__INCREMENT(m, k, 1, 0)
#define BPFY__INCREMENT_N(m, k, n) BPFY__INCREMENT(m, k, n, 0)
#define BPFY_MAP_INCREMENT(m, ...)						\
	BPFY__PICK2(__VA_ARGS__, BPFY__INCREMENT_N, BPFY__INCREMENT_1)(m, __VA_ARGS__)
#define BPFY__ATOMIC_INCREMENT_1(m, k) BPFY__INCREMENT(m, k, 1, 1)
#define BPFY__ATOMIC_INCREMENT_N(m, k, n) BPFY__INCREMENT(m, k, n, 1)
#define BPFY_MAP_ATOMIC_INCREMENT(m, ...)					\
	BPFY__PICK2(__VA_ARGS__, BPFY__ATOMIC_INCREMENT_N, BPFY__ATOMIC_INCREMENT_1)(m, __VA_ARGS__)

/* The struct a perf/ring buffer carries, recorded for Python (table.event()):
 * a never-used pointer variable named after the map, in a section libbpf skips;
 * runtime/event_types.c finds it in the object's BTF. */
#define BPFY__EVENT_TYPE(m, T)							\
	static T *__bpfy_event__##m __attribute__((used, section(".bpfy.events")))
#define BPFY_MAP_PERF_SUBMIT(m, ctx, data, size)				\
	({									\
		BPFY__EVENT_TYPE(m, typeof(*(data)));				\
		bpf_perf_event_output((ctx), &(m), BPF_F_CURRENT_CPU, (data), (size)); \
	})
#define BPFY_MAP_PERF_SUBMIT_SKB(m, ctx, skb_len, data, size)			\
	({									\
		BPFY__EVENT_TYPE(m, typeof(*(data)));				\
		bpf_perf_event_output((ctx), &(m),				\
				      ((u64)(skb_len) << 32) | BPF_F_CURRENT_CPU, (data), (size)); \
	})
#define BPFY_MAP_RINGBUF_OUTPUT(m, data, size, flags)				\
	({									\
		BPFY__EVENT_TYPE(m, typeof(*(data)));				\
		bpf_ringbuf_output(&(m), (data), (size), (flags));		\
	})
#define BPFY_MAP_RINGBUF_RESERVE(m, size) bpf_ringbuf_reserve(&(m), (size), 0)
/* ringbuf_reserve(sizeof(T)): the rewriter passes T along */
#define BPFY_MAP_RINGBUF_RESERVE_T(m, T, size)					\
	({									\
		BPFY__EVENT_TYPE(m, typeof(T));					\
		(typeof(T) *)bpf_ringbuf_reserve(&(m), (size), 0);		\
	})
/* The same for dialect-declared ring buffers: failures counted in m##__lost. */
#define BPFY__COUNT_LOST(m)							\
	({									\
		u32 __bpfy_zero = 0;						\
		u64 *__bpfy_lost = bpf_map_lookup_elem(&m##__lost, &__bpfy_zero); \
		if (__bpfy_lost) /* atomic: a nested program may count too */	\
			__sync_fetch_and_add(__bpfy_lost, 1);			\
	})
#define BPFY_MAP_RINGBUF_OUTPUT_COUNTED(m, data, size, flags)			\
	({									\
		long __bpfy_ret = BPFY_MAP_RINGBUF_OUTPUT(m, data, size, flags); \
		if (__bpfy_ret)							\
			BPFY__COUNT_LOST(m);					\
		__bpfy_ret;							\
	})
#define BPFY_MAP_RINGBUF_RESERVE_COUNTED(m, size)				\
	({									\
		void *__bpfy_rec = BPFY_MAP_RINGBUF_RESERVE(m, size);		\
		if (!__bpfy_rec)						\
			BPFY__COUNT_LOST(m);					\
		__bpfy_rec;							\
	})
#define BPFY_MAP_RINGBUF_RESERVE_T_COUNTED(m, T, size)				\
	({									\
		typeof(T) *__bpfy_rec = BPFY_MAP_RINGBUF_RESERVE_T(m, T, size);	\
		if (!__bpfy_rec)						\
			BPFY__COUNT_LOST(m);					\
		__bpfy_rec;							\
	})
#define BPFY_MAP_RINGBUF_SUBMIT(m, p, flags) bpf_ringbuf_submit((p), (flags))
#define BPFY_MAP_RINGBUF_DISCARD(m, p, flags) bpf_ringbuf_discard((p), (flags))
#define BPFY_MAP_RINGBUF_QUERY(m, flags) bpf_ringbuf_query(&(m), (flags))
#define BPFY_MAP_PUSH(m, v, flags) bpf_map_push_elem(&(m), (v), (flags))
#define BPFY_MAP_POP(m, v) bpf_map_pop_elem(&(m), (v))
#define BPFY_MAP_PEEK(m, v) bpf_map_peek_elem(&(m), (v))
#define BPFY_MAP_GET_STACKID(m, ctx, flags) bpf_get_stackid((ctx), &(m), (flags))
#define BPFY_MAP_CALL(m, ctx, idx) bpf_tail_call((ctx), &(m), (idx))
#define BPFY_MAP_REDIRECT_MAP(m, idx, flags) bpf_redirect_map(&(m), (idx), (flags))
#define BPFY_MAP_CHECK_CURRENT_TASK(m, idx) bpf_current_task_under_cgroup(&(m), (idx))
#define BPFY_MAP_SK_STORAGE_GET(m, sk, v, flags) bpf_sk_storage_get(&(m), (sk), (v), (flags))
#define BPFY_MAP_SK_STORAGE_DELETE(m, sk) bpf_sk_storage_delete(&(m), (sk))
#define BPFY_MAP_INODE_STORAGE_GET(m, i, v, flags) bpf_inode_storage_get(&(m), (i), (v), (flags))
#define BPFY_MAP_INODE_STORAGE_DELETE(m, i) bpf_inode_storage_delete(&(m), (i))
#define BPFY_MAP_TASK_STORAGE_GET(m, t, v, flags) bpf_task_storage_get(&(m), (t), (v), (flags))
#define BPFY_MAP_TASK_STORAGE_DELETE(m, t) bpf_task_storage_delete(&(m), (t))
#define BPFY_MAP_CGRP_STORAGE_GET(m, c, v, flags) bpf_cgrp_storage_get(&(m), (c), (v), (flags))
#define BPFY_MAP_CGRP_STORAGE_DELETE(m, c) bpf_cgrp_storage_delete(&(m), (c))
#define BPFY_MAP_PERF_READ(m, idx) bpf_perf_event_read(&(m), (idx))
#define BPFY_MAP_PERF_COUNTER_VALUE(m, idx, buf, size) bpf_perf_event_read_value(&(m), (idx), (buf), (size))
#define BPFY_MAP_GET_LOCAL_STORAGE(m, flags) ((typeof((m).value))bpf_get_local_storage(&(m), (flags)))
#define BPFY_MAP_SOCK_MAP_UPDATE(m, ops, k, flags) bpf_sock_map_update((ops), &(m), (k), (flags))
#define BPFY_MAP_SOCK_HASH_UPDATE(m, ops, k, flags) bpf_sock_hash_update((ops), &(m), (k), (flags))
#define BPFY_MAP_MSG_REDIRECT_MAP(m, msg, k, flags) bpf_msg_redirect_map((msg), &(m), (k), (flags))
#define BPFY_MAP_MSG_REDIRECT_HASH(m, msg, k, flags) bpf_msg_redirect_hash((msg), &(m), (k), (flags))
#define BPFY_MAP_SK_REDIRECT_MAP(m, skb, k, flags) bpf_sk_redirect_map((skb), &(m), (k), (flags))
#define BPFY_MAP_SK_REDIRECT_HASH(m, skb, k, flags) bpf_sk_redirect_hash((skb), &(m), (k), (flags))

/* ------------------------------------------------------------ probes */

#define TRACEPOINT_PROBE(cat, event)						\
	SEC("tracepoint/" #cat "/" #event)					\
	int tracepoint__##cat##__##event(struct tracepoint__##cat##__##event *args)
#define RAW_TRACEPOINT_PROBE(event)						\
	SEC("raw_tp/" #event)							\
	int raw_tracepoint__##event(struct bpf_raw_tracepoint_args *ctx)
#define KFUNC_PROBE(event, args...)						\
	SEC("fentry/" #event) int BPF_PROG(kfunc__vmlinux__##event, ##args)
#define KRETFUNC_PROBE(event, args...)						\
	SEC("fexit/" #event) int BPF_PROG(kretfunc__vmlinux__##event, ##args)
#define LSM_PROBE(hook, args...) SEC("lsm/" #hook) int BPF_PROG(lsm__##hook, ##args)
/* fmod_ret: the return value replaces the function's (bcc's KMOD_RET). */
#define KMOD_RET(event, args...)						\
	SEC("fmod_ret/" #event) int BPF_PROG(kmod_ret__##event, ##args)
/* A bpf_iter program: BPF_ITER(task) gets `struct bpf_iter__task *ctx`
 * (ctx->meta->seq, ctx->task); Python reads its output with b.attach_iter(fn). */
#define BPF_ITER(target)							\
	SEC("iter/" #target) int bpf_iter__##target(struct bpf_iter__##target *ctx)

/* __data_loc fields of tracepoint structs are named data_loc_<field>. */
#define TP_DATA_LOC_READ_CONST(dst, field, length)				\
	do {									\
		unsigned short __bpfy_off = args->data_loc_##field & 0xFFFF;	\
		bpf_probe_read_kernel((void *)(dst), (length), (char *)args + __bpfy_off); \
	} while (0)
#define TP_DATA_LOC_READ(dst, field)						\
	do {									\
		unsigned short __bpfy_off = args->data_loc_##field & 0xFFFF;	\
		unsigned short __bpfy_len = args->data_loc_##field >> 16;	\
		bpf_probe_read_kernel((void *)(dst), __bpfy_len, (char *)args + __bpfy_off); \
	} while (0)

/* ----------------------------------------------------------- helpers */

/* The 6th argument (libbpf 1.1 stops at 5), plain and from a syscall's inner regs. */
#if defined(__TARGET_ARCH_x86)
#define BPFY__PARM6(x) (((const struct pt_regs *)(x))->r9)
#define BPFY__PARM6_SYSCALL(x) BPF_CORE_READ((const struct pt_regs *)(x), r9)
#elif defined(__TARGET_ARCH_arm64)
#define BPFY__PARM6(x) (((const struct user_pt_regs *)(x))->regs[5])
#define BPFY__PARM6_SYSCALL(x) BPF_CORE_READ((const struct user_pt_regs *)(x), regs[5])
#else
#define BPFY__PARM6(x) ({ _Pragma(__BPF_TARGET_MISSING); 0l; })
#define BPFY__PARM6_SYSCALL(x) BPFY__PARM6(x)
#endif
#define BPFY__PARM1(x) PT_REGS_PARM1(x)
#define BPFY__PARM2(x) PT_REGS_PARM2(x)
#define BPFY__PARM3(x) PT_REGS_PARM3(x)
#define BPFY__PARM4(x) PT_REGS_PARM4(x)
#define BPFY__PARM5(x) PT_REGS_PARM5(x)
#define BPFY__PARM1_SYSCALL(x) PT_REGS_PARM1_CORE_SYSCALL(x)
#define BPFY__PARM2_SYSCALL(x) PT_REGS_PARM2_CORE_SYSCALL(x)
#define BPFY__PARM3_SYSCALL(x) PT_REGS_PARM3_CORE_SYSCALL(x)
#define BPFY__PARM4_SYSCALL(x) PT_REGS_PARM4_CORE_SYSCALL(x)
#define BPFY__PARM5_SYSCALL(x) PT_REGS_PARM5_CORE_SYSCALL(x)

/* An implicit kernel read (bpfy wraps member accesses through kernel pointers
 * in this; see docs/dialect.md). The field's offset is CO-RE relocated
 * (vmlinux.h types carry preserve_access_index); the load is a probe read. */
#define BPFY_KREAD(x)								\
	({									\
		__auto_type __bpfy_p = &(x);					\
		typeof(*__bpfy_p) __bpfy_v;					\
		bpf_probe_read_kernel((void *)&__bpfy_v, sizeof(__bpfy_v),	\
				      (const void *)__bpfy_p);			\
		__bpfy_v;							\
	})

/* bcc's bpf_probe_read is the kernel one (use bpf_probe_read_user for user memory). */
#define bpf_probe_read bpf_probe_read_kernel
#define bpf_probe_read_str bpf_probe_read_kernel_str

/* bcc's bpf_trace_printk(fmt, args...): fmt is a string literal. More than
 * three args go through bpf_trace_vprintk (as libbpf's bpf_printk does). */
#undef bpf_printk
#define bpf_trace_printk(fmt, args...) ___bpf_pick_printk(args)(fmt, ##args)
#define bpf_printk(fmt, args...) bpf_trace_printk(fmt, ##args)

#define lock_xadd(ptr, val) ((void)__sync_fetch_and_add((ptr), (val)))

/* floor(log2(v)) for v > 0; 0 for 0 (bcc). */
static __always_inline unsigned int bpf_log2(unsigned int v)
{
	unsigned int r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/* Histogram slot of v (bcc's): floor(log2(v)) + 1 for v > 0; 0 shares slot 1 with 1. */
static __always_inline unsigned int bpf_log2l(unsigned long v)
{
	unsigned int hi = v >> 32;

	if (hi)
		return bpf_log2(hi) + 32 + 1;
	return bpf_log2(v) + 1;
}

#endif /* BPFY_DIALECT_H */
