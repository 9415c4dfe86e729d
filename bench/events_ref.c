/*
 * C reference for bench/events.py: libbpf's own perf_buffer / ring_buffer
 * consumers on the same ELF, producer and buffer sizes as bpfy.
 *
 *   bench_events_ref produce N
 *       waits for a byte (or EOF) on stdin, the consumer's go once the BPF
 *       side knows the producer's pid, then makes N getpgrp() syscalls (the
 *       BPF side emits one record each)
 *   bench_events_ref e2e ELF perf|ring N PAGES WAKEUP
 *       forks the producer, consumes until it exited and the buffers are
 *       empty, prints "rate delivered lost attempted" (attempted: records
 *       the BPF side tried to write; perf losses are the kernel's exact
 *       count, PERF_FORMAT_LOST, announced or not)
 *   bench_events_ref drain ELF perf|ring N PAGES BURST
 *       fills the buffer from this process (BURST records per syscall),
 *       then times the drain alone; prints "rate drained"
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct bench {
	struct bpf_object *obj;
	int cfg_fd, lost_fd, attempted_fd;
	struct perf_buffer *pb;
	struct ring_buffer *rb;
	uint64_t delivered, lost;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Raw perf records, so that wakeup_events is ours to set (as in bpfy). */
static enum bpf_perf_event_ret on_perf(void *ctx, int cpu, struct perf_event_header *event)
{
	struct bench *b = ctx;

	if (event->type == PERF_RECORD_SAMPLE)
		b->delivered++;
	return LIBBPF_PERF_EVENT_CONT;	/* losses: perf_lost() */
}

static int on_ring(void *ctx, void *data, size_t size)
{
	((struct bench *)ctx)->delivered++;
	return 0;
}

static void set_cfg(struct bench *b, uint32_t key, uint64_t value)
{
	bpf_map_update_elem(b->cfg_fd, &key, &value, 0);
}

static uint64_t percpu_sum(int fd)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t values[ncpus], sum = 0;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(fd, &key, values))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += values[i];
	return sum;
}

/* The kernel's count of dropped records, over every CPU's event. */
static uint64_t perf_lost(struct bench *b)
{
	uint64_t values[2], sum = 0;

	for (size_t i = 0; i < perf_buffer__buffer_cnt(b->pb); i++)
		if (read(perf_buffer__buffer_fd(b->pb, i), values, sizeof(values)) == sizeof(values))
			sum += values[1];
	return sum;
}

static uint64_t lost(struct bench *b)
{
	return b->pb ? perf_lost(b) : percpu_sum(b->lost_fd);
}

static int load(struct bench *b, const char *elf, const char *kind, int pages, int wakeup)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	b->obj = bpf_object__open_file(elf, NULL);
	if (!b->obj)
		return -errno;
	map = bpf_object__find_map_by_name(b->obj, "rb");
	if (!strcmp(kind, "ring"))
		bpf_map__set_max_entries(map, pages * 4096);
	if (bpf_object__load(b->obj))
		return -errno;
	bpf_object__for_each_program(prog, b->obj)
		if (!bpf_program__attach(prog))
			return -errno;
	b->cfg_fd = bpf_object__find_map_fd_by_name(b->obj, "cfg");
	b->lost_fd = bpf_object__find_map_fd_by_name(b->obj, "rb__lost");
	b->attempted_fd = bpf_object__find_map_fd_by_name(b->obj, "attempted");
	set_cfg(b, 2, !strcmp(kind, "ring"));
	if (!strcmp(kind, "ring")) {
		b->rb = ring_buffer__new(bpf_object__find_map_fd_by_name(b->obj, "rb"), on_ring, b,
					 NULL);
		return b->rb ? 0 : -errno;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = wakeup,
		.read_format = PERF_FORMAT_LOST,
	};
	b->pb = perf_buffer__new_raw(bpf_object__find_map_fd_by_name(b->obj, "events"), pages, &attr,
				     on_perf, b, NULL);
	return b->pb ? 0 : -errno;
}

static int consume(struct bench *b, int timeout)
{
	return b->pb ? perf_buffer__poll(b->pb, timeout) : ring_buffer__poll(b->rb, timeout);
}

static int e2e(struct bench *b, const char *self, uint64_t n)
{
	char count[32];
	double start, elapsed;
	int go[2], status;
	pid_t child;

	snprintf(count, sizeof(count), "%llu", (unsigned long long)n);
	set_cfg(b, 1, 1);
	if (pipe(go))
		return 1;
	start = now();
	child = fork();
	if (child == 0) {
		dup2(go[0], 0);
		close(go[1]);
		execl(self, self, "produce", count, NULL);
		_exit(127);
	}
	close(go[0]);
	set_cfg(b, 0, child);
	close(go[1]);	/* go */
	while (waitpid(child, &status, WNOHANG) != child)
		consume(b, 100);
	/* the producer is gone: everything it made is in the buffers (perf
	 * buffers below wakeup_events are not readable: drain them all) */
	if (b->pb)
		perf_buffer__consume(b->pb);
	else
		ring_buffer__consume(b->rb);
	elapsed = now() - start;
	b->lost = lost(b);
	printf("%.0f %llu %llu %llu\n", b->delivered / elapsed, (unsigned long long)b->delivered,
	       (unsigned long long)b->lost, (unsigned long long)percpu_sum(b->attempted_fd));
	return 0;
}

static int drain(struct bench *b, uint64_t n, uint64_t burst, uint64_t fill_calls)
{
	double busy = 0, t0;

	set_cfg(b, 0, getpid());
	set_cfg(b, 1, burst);
	while (b->delivered < n) {
		for (uint64_t i = 0; i < fill_calls; i++)
			syscall(SYS_getpgrp);
		t0 = now();
		if (b->pb)
			perf_buffer__consume(b->pb);
		else
			ring_buffer__consume(b->rb);
		busy += now() - t0;
	}
	printf("%.0f %llu\n", b->delivered / busy, (unsigned long long)b->delivered);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = {};
	uint64_t n;

	if (argc == 3 && !strcmp(argv[1], "produce")) {
		char go;

		n = strtoull(argv[2], NULL, 10);
		if (read(0, &go, 1) < 0)
			return 1;
		for (uint64_t i = 0; i < n; i++)
			syscall(SYS_getpgrp);
		return 0;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: see the comment at the top of bench/events_ref.c\n");
		return 2;
	}
	if (!getenv("BPFY_BENCH_DEBUG"))
		libbpf_set_print(NULL);
	n = strtoull(argv[4], NULL, 10);
	if (load(&b, argv[2], argv[3], atoi(argv[5]), !strcmp(argv[1], "e2e") ? atoi(argv[6]) : 1)) {
		fprintf(stderr, "loading %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "e2e"))
		return e2e(&b, argv[0], n);
	return drain(&b, n, strtoull(argv[6], NULL, 10),
		     (uint64_t)atoi(argv[5]) * 4096 / 48 / strtoull(argv[6], NULL, 10) / 2 + 1);
}
