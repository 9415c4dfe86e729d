/*
 * Perf buffers: one mmap'ed ring per CPU on a PERF_EVENT_ARRAY map, opened
 * through libbpf's raw interface so that `wakeup_events` is ours to set and
 * a callback can stop a drain (libbpf's plain sample callback cannot).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
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

static void perf_free(struct bpfy_event_source *src)
{
	perf_buffer__free(src->impl);
	src->impl = NULL;
}

static const struct bpfy_event_source_ops perf_ops = {
	.consume = perf_consume,
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
	src->impl = perf_buffer__new_raw(src->dup_fd, page_cnt, &attr, on_event, src, &raw_opts);
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
