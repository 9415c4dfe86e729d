/*
 * Perf buffers: one mmap'ed ring per CPU on a PERF_EVENT_ARRAY map, opened
 * through libbpf's raw interface so that `wakeup_events` is ours to set and
 * a callback can stop a drain (libbpf's plain sample callback cannot).
 *
 * Records go to sinks through libbpf's reader; the bulk copy walks the
 * mmapped pages itself (data_head/data_tail of each CPU's header page).
 *
 * Losses: the kernel announces dropped records with PERF_RECORD_LOST only
 * ahead of the next record that fits, so a notice can stay pending for as
 * long as that CPU produces nothing. The events are opened with
 * PERF_FORMAT_LOST (Linux 6.0) where available: read() on each CPU's event
 * then gives the exact count so far, announced or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>

#include "events_private.h"

/* PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW: the header, then the raw size
 * and bytes. PERF_RECORD_LOST: the header, an id, the count. */
struct raw_sample {
	struct perf_event_header header;
	uint32_t size;
	char data[];
};

struct lost_notice {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

static enum bpf_perf_event_ret on_event(void *ctx, int cpu, struct perf_event_header *event)
{
	struct bpfy_event_source *src = ctx;
	int ret = 0;

	if (event->type == PERF_RECORD_SAMPLE) {
		const struct raw_sample *s = (const void *)event;

		ret = bpfy_drain_record(src, cpu, s->data, s->size);
	} else if (event->type == PERF_RECORD_LOST) {
		const struct lost_notice *l = (const void *)event;

		ret = bpfy_drain_lost(src, cpu, l->lost);
	}
	return ret < 0 ? LIBBPF_PERF_EVENT_ERROR : LIBBPF_PERF_EVENT_CONT;
}

static int perf_consume(struct bpfy_event_source *src)
{
	struct perf_buffer *pb = src->impl;
	size_t count = perf_buffer__buffer_cnt(pb);
	int err;

	for (size_t i = 0; i < count; i++) {
		err = perf_buffer__consume_buffer(pb, i);
		if (err)
			return src->drain->stop ? src->drain->stop : err;
	}
	return 0;
}

/* `len` bytes at ring offset `pos` into `out`, across the end of the ring. */
static inline void ring_read(void *out, const char *data, size_t size, uint64_t pos, size_t len)
{
	size_t at = pos & (size - 1), first = size - at;

	if (len <= first) {
		memcpy(out, data + at, len);
	} else {
		memcpy(out, data + at, first);
		memcpy((char *)out + first, data, len - first);
	}
}

/* One CPU's ring into fixed-size slots; stops at `cap`. Records copied. */
static uint64_t copy_buffer(struct bpfy_event_source *src, struct perf_event_mmap_page *hdr,
			    size_t size, size_t page_size, char *buf, size_t rec_size,
			    uint64_t cap)
{
	const char *data = (const char *)hdr + page_size;
	uint64_t head = __atomic_load_n(&hdr->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = hdr->data_tail, n = 0;

	while (tail < head && n < cap) {
		/* records are 8-byte aligned: a header or the raw size never wraps */
		const struct perf_event_header *eh = (const void *)(data + (tail & (size - 1)));

		bpfy_prefetch_ring(data, size - 1, tail);
		if (eh->type == PERF_RECORD_SAMPLE) {
			uint32_t len = *(const uint32_t *)(data + ((tail + 8) & (size - 1)));
			size_t at = (tail + 12) & (size - 1);
			char *out = buf + n * rec_size;

			if (at + len <= size) {		/* the usual case: no wrap */
				bpfy_copy_slot(out, data + at, len, rec_size);
			} else if (len >= rec_size) {
				ring_read(out, data, size, tail + 12, rec_size);
			} else {
				ring_read(out, data, size, tail + 12, len);
				memset(out + len, 0, rec_size - len);
			}
			n++;
		} else if (eh->type == PERF_RECORD_LOST) {
			uint64_t lost;

			ring_read(&lost, data, size, tail + 16, sizeof(lost));
			src->lost += lost;
		}
		tail += eh->size;
	}
	__atomic_store_n(&hdr->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

static long perf_copy(struct bpfy_event_source *src, char *buf, size_t rec_size, uint64_t cap)
{
	struct perf_buffer *pb = src->impl;
	size_t count = perf_buffer__buffer_cnt(pb), page_size = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t n = 0;

	for (size_t i = 0; i < count && n < cap; i++) {
		void *base;
		size_t size;

		if (perf_buffer__buffer(pb, (int)i, &base, &size))
			continue;
		n += copy_buffer(src, base, size, page_size, buf + n * rec_size, rec_size, cap - n);
	}
	return (long)n;
}

/* The kernel's count of records dropped so far, or -1 when unknown. */
static int64_t perf_kernel_lost(const struct bpfy_event_source *src)
{
	struct perf_buffer *pb = src->impl;
	size_t count = perf_buffer__buffer_cnt(pb);
	uint64_t values[2], sum = 0;	/* PERF_FORMAT_LOST alone: { value, lost } */

	if (!src->exact_lost)
		return -1;
	for (size_t i = 0; i < count; i++) {
		int fd = perf_buffer__buffer_fd(pb, i);

		if (fd < 0 || read(fd, values, sizeof(values)) != sizeof(values))
			return -1;
		sum += values[1];
	}
	return (int64_t)sum;
}

static uint64_t perf_lost(const struct bpfy_event_source *src)
{
	int64_t kernel = perf_kernel_lost(src);

	return kernel > (int64_t)src->lost ? (uint64_t)kernel : src->lost;
}

static void perf_free(struct bpfy_event_source *src)
{
	perf_buffer__free(src->impl);
	src->impl = NULL;
}

static const struct bpfy_event_source_ops perf_ops = {
	.consume = perf_consume,
	.copy = perf_copy,
	.lost = perf_lost,
	.free = perf_free,
};

static bool is_power_of_two(size_t n)
{
	return n && !(n & (n - 1));
}

struct bpfy_event_source *bpfy_events__add_perf_buffer(struct bpfy_events *events, int map_fd,
							const char *name,
							const struct bpfy_perf_buffer_opts *opts,
							const struct bpfy_event_sink *sink,
							struct bpfy_error *error)
{
	LIBBPF_OPTS(perf_buffer_raw_opts, raw_opts);
	struct perf_event_attr attr = {};
	struct bpfy_event_source *src;
	size_t page_cnt = opts && opts->page_cnt ? opts->page_cnt : 8;
	uint32_t wakeup = opts && opts->wakeup_events ? opts->wakeup_events : 1;
	int err;

	if (!is_power_of_two(page_cnt)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"map '%s': page_cnt must be a power of two, not %zu", name, page_cnt);
		return NULL;
	}
	src = bpfy_event_source__alloc(BPFY_EVENTS_PERF, name, error);
	if (!src)
		return NULL;
	src->ops = &perf_ops;
	src->capacity = page_cnt;
	if (sink)
		src->sink = *sink;
	/* libbpf deletes the map's slots on free: give it an fd that stays ours */
	src->dup_fd = fcntl(map_fd, F_DUPFD_CLOEXEC, 3);
	if (src->dup_fd < 0) {
		err = -errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "map '%s': dup: %s", name, strerror(-err));
		goto err_out;
	}
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = 1;
	attr.wakeup_events = wakeup;
	attr.read_format = PERF_FORMAT_LOST;
	src->impl = perf_buffer__new_raw(src->dup_fd, page_cnt, &attr, on_event, src, &raw_opts);
	src->exact_lost = src->impl != NULL;
	if (!src->impl && errno == EINVAL) {	/* before Linux 6.0: losses as announced */
		attr.read_format = 0;
		src->impl = perf_buffer__new_raw(src->dup_fd, page_cnt, &attr, on_event, src,
						 &raw_opts);
	}
	if (!src->impl) {
		err = -errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "map '%s': opening perf buffers (%zu pages per CPU): %s",
				name, page_cnt, strerror(-err));
		goto err_out;
	}
	src->epoll_fd = perf_buffer__epoll_fd(src->impl);
	if (bpfy_events__link(events, src, error))
		return NULL;
	return src;

err_out:
	bpfy_event_source__destroy(src);
	return NULL;
}
