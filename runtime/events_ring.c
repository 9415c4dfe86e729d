/*
 * Ring buffers (BPF_MAP_TYPE_RINGBUF), read straight from the map's mmap
 * (as libbpf's ringbuf.c does, without its per-record callback) so that one
 * walker serves both paths: records handed to a sink one by one, and
 * records copied in bulk into a caller's array (read_numpy()).
 *
 * Layout (kernel/bpf/ringbuf.c): page 0 holds consumer_pos (ours to write),
 * page 1 producer_pos, then the data area mapped twice in a row so that a
 * record never wraps. Each record starts with an 8-byte header: a 32-bit
 * length whose top bits say BUSY (reserved, not yet committed) or DISCARD
 * (skip it), and a page offset; records are 8-byte aligned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "events_private.h"

#define RINGBUF_BUSY_BIT (1U << 31)
#define RINGBUF_DISCARD_BIT (1U << 30)
#define RINGBUF_HDR_SZ 8

struct ring {
	unsigned long *consumer_pos;	/* page 0, read-write */
	const unsigned long *producer_pos; /* page 1, read-only */
	const char *data;		/* after producer_pos' page, mapped twice */
	size_t page_size;
	size_t size;			/* data bytes (max_entries), a power of two */
	int epoll_fd;
};

static inline unsigned long load_acquire(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_release(unsigned long *p, unsigned long v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint32_t record_len(uint32_t len)
{
	len &= ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
	return (len + RINGBUF_HDR_SZ + 7) & ~7U;
}

/* Records to the drain's sink, committing consumer_pos before each call
 * so that a sink that stops leaves the rest in place. */
static int ring_consume(struct bpfy_event_source *src)
{
	struct ring *r = src->impl;
	unsigned long cons = load_acquire(r->consumer_pos), prod;
	bool progress;
	int ret;

	do {
		progress = false;
		prod = load_acquire(r->producer_pos);
		while (cons < prod) {
			const uint32_t *hdr = (const void *)(r->data + (cons & (r->size - 1)));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & RINGBUF_BUSY_BIT)
				goto out;
			progress = true;
			bpfy_prefetch_ring(r->data, r->size - 1, cons);
			cons += record_len(len);
			store_release(r->consumer_pos, cons);
			if (len & RINGBUF_DISCARD_BIT)
				continue;
			ret = bpfy_drain_record(src, -1, hdr + 2, len);
			if (ret < 0)
				return ret;
		}
	} while (progress);
out:
	return 0;
}

/* The bulk path: no call per record, consumer_pos written once per pass. */
static long ring_copy(struct bpfy_event_source *src, char *buf, size_t rec_size, uint64_t cap)
{
	struct ring *r = src->impl;
	const size_t mask = r->size - 1;
	unsigned long cons = load_acquire(r->consumer_pos), prod;
	uint64_t n = 0;
	bool progress;

	do {
		progress = false;
		prod = load_acquire(r->producer_pos);
		while (cons < prod && n < cap) {
			const uint32_t *hdr = (const void *)(r->data + (cons & mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & RINGBUF_BUSY_BIT)
				break;
			progress = true;
			bpfy_prefetch_ring(r->data, mask, cons);
			cons += record_len(len);
			if (len & RINGBUF_DISCARD_BIT)
				continue;
			bpfy_copy_slot(buf + n * rec_size, hdr + 2, len, rec_size);
			n++;
		}
		store_release(r->consumer_pos, cons);
	} while (progress && n < cap);
	return (long)n;
}

static void ring_free(struct bpfy_event_source *src)
{
	struct ring *r = src->impl;

	if (!r)
		return;
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page_size);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page_size + 2 * r->size);
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	free(r);
	src->impl = NULL;
}

static const struct bpfy_event_source_ops ring_ops = {
	.consume = ring_consume,
	.copy = ring_copy,
	.free = ring_free,
};

/* Maps the ring and makes an epoll fd readable when it holds data. 0 or -errno. */
static int ring_map(struct ring *r, int map_fd, size_t size)
{
	struct epoll_event ev = { .events = EPOLLIN };
	void *p;

	r->page_size = (size_t)sysconf(_SC_PAGESIZE);
	r->size = size;
	p = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->consumer_pos = p;
	p = mmap(NULL, r->page_size + 2 * size, PROT_READ, MAP_SHARED, map_fd, (off_t)r->page_size);
	if (p == MAP_FAILED)
		return -errno;
	r->producer_pos = p;
	r->data = (const char *)p + r->page_size;
	r->epoll_fd = bpfy_events__epoll_fd();
	if (r->epoll_fd < 0)
		return r->epoll_fd;
	return epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) ? -errno : 0;
}

struct bpfy_event_source *bpfy_events__add_ring_buffer(struct bpfy_events *events, int map_fd,
							const char *name,
							const struct bpfy_event_sink *sink,
							struct bpfy_error *error)
{
	struct bpfy_event_source *src = bpfy_event_source__alloc(BPFY_EVENTS_RING, name, error);
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	struct ring *r;
	int err;

	if (!src)
		return NULL;
	src->ops = &ring_ops;
	if (sink)
		src->sink = *sink;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len)) {
		err = -errno;
		goto err_out;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF) {
		err = -EINVAL;
		goto err_out;
	}
	src->capacity = info.max_entries;
	r = calloc(1, sizeof(*r));
	if (!r) {
		err = -ENOMEM;
		goto err_out;
	}
	r->epoll_fd = -1;
	src->impl = r;
	err = ring_map(r, map_fd, info.max_entries);
	if (err)
		goto err_out;
	src->epoll_fd = r->epoll_fd;
	if (bpfy_events__link(events, src, error))
		return NULL;
	return src;

err_out:
	bpfy_error__set(error, BPFY_ERR_OS, -err, "map '%s': mapping the ring buffer: %s", name,
			err == -EINVAL ? "not a BPF_MAP_TYPE_RINGBUF map" : strerror(-err));
	bpfy_event_source__destroy(src);
	return NULL;
}
