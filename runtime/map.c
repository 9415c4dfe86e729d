/*
 * Map element syscalls: thin wrappers over libbpf's bpf.h that keep the
 * runtime's convention (0 or -errno) and hide libbpf's opts structs.
 */
#include <errno.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "internal.h"

/* libbpf >= 1.0 returns -errno, but be robust to a stray -1 + errno. */
static int ret_errno(int ret)
{
	if (ret >= 0)
		return ret;
	if (ret == -1 && errno > 0)
		return -errno;
	return ret;
}

int bpfy_num_possible_cpus(void)
{
	static int cached;
	int n = cached;

	if (n > 0)
		return n;
	n = libbpf_num_possible_cpus();
	if (n > 0)
		cached = n;
	return n;
}

bool bpfy_map_type__is_percpu(uint32_t map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return true;
	default:
		return false;
	}
}

size_t bpfy_map_desc__value_buffer_size(const struct bpfy_map_desc *desc)
{
	int cpus;

	if (!bpfy_map_type__is_percpu(desc->type))
		return desc->value_size;
	cpus = bpfy_num_possible_cpus();
	if (cpus <= 0)
		return 0;
	return (((size_t)desc->value_size + 7) & ~(size_t)7) * (size_t)cpus;
}

int bpfy_map__lookup(int fd, const void *key, void *value, size_t value_size, uint64_t flags)
{
	int ret = ret_errno(bpf_map_lookup_elem_flags(fd, key, value, flags));

	if (ret == 0)	/* per-CPU values: valgrind knows of one slot only */
		mark_kernel_filled(value, value_size);
	return ret;
}

int bpfy_map__lookup_and_delete(int fd, const void *key, void *value, size_t value_size)
{
	int ret = ret_errno(bpf_map_lookup_and_delete_elem(fd, key, value));

	if (ret == 0)
		mark_kernel_filled(value, value_size);
	return ret;
}

int bpfy_map__update(int fd, const void *key, const void *value, uint64_t flags)
{
	return ret_errno(bpf_map_update_elem(fd, key, value, flags));
}

int bpfy_map__delete(int fd, const void *key)
{
	return ret_errno(bpf_map_delete_elem(fd, key));
}

int bpfy_map__next_key(int fd, const void *key, void *next_key)
{
	return ret_errno(bpf_map_get_next_key(fd, key, next_key));
}

int bpfy_map__lookup_batch(int fd, const void *in_batch, void *out_batch, void *keys,
			   size_t key_size, void *values, size_t value_size, uint32_t *count,
			   bool and_delete)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int ret;

	if (and_delete)
		ret = bpf_map_lookup_and_delete_batch(fd, (void *)in_batch, out_batch, keys,
						      values, count, &opts);
	else
		ret = bpf_map_lookup_batch(fd, (void *)in_batch, out_batch, keys, values,
					   count, &opts);
	ret = ret_errno(ret);
	if (ret == 0 || ret == -ENOENT) {
		/* memory checkers do not know these syscalls write our buffers */
		mark_kernel_filled(keys, (size_t)*count * key_size);
		mark_kernel_filled(values, (size_t)*count * value_size);
		mark_kernel_filled(out_batch, key_size > 8 ? key_size : 8);
	}
	return ret;
}

int bpfy_map__update_batch(int fd, const void *keys, const void *values, uint32_t *count,
			   uint64_t flags)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = flags);

	return ret_errno(bpf_map_update_batch(fd, keys, values, count, &opts));
}

int bpfy_map__delete_batch(int fd, const void *keys, uint32_t *count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	return ret_errno(bpf_map_delete_batch(fd, keys, count, &opts));
}
