/* Ring buffers (BPF_MAP_TYPE_RINGBUF): one libbpf ring_buffer per map, so
 * that each source drains and waits on its own. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "events_private.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	return bpfy_drain_record(ctx, -1, data, (uint32_t)size);
}

static int ring_consume(struct bpfy_event_source *src)
{
	int n = ring_buffer__consume(src->impl);

	if (n < 0 && src->drain->stop)
		return src->drain->stop;
	return n < 0 ? n : 0;
}

static void ring_free(struct bpfy_event_source *src)
{
	ring_buffer__free(src->impl);
	src->impl = NULL;
}

static const struct bpfy_event_source_ops ring_ops = {
	.consume = ring_consume,
	.free = ring_free,
};

struct bpfy_event_source *bpfy_events__add_ring_buffer(struct bpfy_events *events, int map_fd,
							const char *name,
							const struct bpfy_event_sink *sink,
							struct bpfy_error *error)
{
	struct bpfy_event_source *src = bpfy_event_source__alloc(BPFY_EVENTS_RING, name, error);
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	int err;

	if (!src)
		return NULL;
	src->ops = &ring_ops;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len) == 0)
		src->capacity = info.max_entries;
	if (sink)
		src->sink = *sink;
	src->impl = ring_buffer__new(map_fd, on_sample, src, NULL);
	if (!src->impl) {
		err = -errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "map '%s': mapping the ring buffer: %s",
				name, strerror(-err));
		bpfy_event_source__destroy(src);
		return NULL;
	}
	src->epoll_fd = ring_buffer__epoll_fd(src->impl);
	if (bpfy_events__link(events, src, error))
		return NULL;
	return src;
}
