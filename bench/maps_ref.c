/*
 * C reference for bench/maps.py: the same map operations with libbpf alone.
 * Prints one "name elements_per_second" line per measurement (best of 7).
 *
 *   maps_ref <n_perkey> <n_small> <n_large> <n_percpu>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#define CHUNK_BYTES (4u << 20)	/* what bpfy fetches per batch syscall */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_map(enum bpf_map_type type, unsigned int n)
{
	int fd = bpf_map_create(type, "ref", 4, 8, n, NULL);

	if (fd < 0) {
		fprintf(stderr, "bpf_map_create: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static void fill(int fd, unsigned int n)
{
	for (__u32 k = 0; k < n; k++) {
		__u64 v = k * 3ull;

		bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	}
}

static double per_key(int fd, unsigned int n, int update)
{
	double best = 0;

	for (int round = 0; round < 7; round++) {
		double start = now(), rate;

		for (__u32 k = 0; k < n; k++) {
			__u64 v = k;

			if (update)
				bpf_map_update_elem(fd, &k, &v, BPF_ANY);
			else
				bpf_map_lookup_elem(fd, &k, &v);
		}
		rate = n / (now() - start);
		best = rate > best ? rate : best;
	}
	return best;
}

/* Whole-map batch dump into chunk buffers, as bpfy's items() reads it. */
static double batch_dump(int fd, unsigned int n, size_t vsize, unsigned int *total)
{
	unsigned int chunk = CHUNK_BYTES / (4 + vsize);
	void *keys, *values;
	double best = 0;
	__u64 in, out;

	if (chunk > n)
		chunk = n;
	keys = malloc((size_t)chunk * 4);
	values = malloc((size_t)chunk * vsize);
	for (int round = 0; round < 7; round++) {
		double start = now(), rate;
		unsigned int got = 0;
		int first = 1, err;

		do {
			__u32 count = chunk;

			err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, values,
						   &count, NULL);
			got += count;
			in = out;
			first = 0;
		} while (!err);
		rate = got / (now() - start);
		best = rate > best ? rate : best;
		*total = got;
	}
	free(keys);
	free(values);
	return best;
}

int main(int argc, char **argv)
{
	unsigned int n_key, n_small, n_large, n_pc, got;
	int fd, ncpus = libbpf_num_possible_cpus();

	if (argc != 5) {
		fprintf(stderr, "usage: %s n_perkey n_small n_large n_percpu\n", argv[0]);
		return 2;
	}
	n_key = atoi(argv[1]);
	n_small = atoi(argv[2]);
	n_large = atoi(argv[3]);
	n_pc = atoi(argv[4]);

	fd = make_map(BPF_MAP_TYPE_HASH, n_key);
	printf("update %.0f\n", per_key(fd, n_key, 1));
	printf("lookup %.0f\n", per_key(fd, n_key, 0));
	close(fd);

	fd = make_map(BPF_MAP_TYPE_HASH, n_small);
	fill(fd, n_small);
	printf("batch_small %.0f\n", batch_dump(fd, n_small, 8, &got));
	close(fd);

	fd = make_map(BPF_MAP_TYPE_HASH, n_large);
	fill(fd, n_large);
	printf("batch_large %.0f\n", batch_dump(fd, n_large, 8, &got));
	close(fd);

	fd = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, n_pc);
	printf("percpu %.0f\n", batch_dump(fd, n_pc, 8 * (size_t)ncpus, &got));
	close(fd);
	return 0;
}
