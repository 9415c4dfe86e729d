/*
 * The event set of one BPF object: an epoll fd per kind (perf buffers, ring
 * buffers) nested in one top-level epoll fd, over the epoll fd libbpf keeps
 * for each buffer. Waiting never runs callbacks; draining never blocks.
 *
 * Draining always walks every buffer of a source rather than trusting which
 * fds epoll reported: perf fds clear their readiness when polled and ring
 * buffers only notify a consumer that caught up, so a drain that stopped
 * early (a callback asked to stop, a record budget) or a readiness check by
 * someone else (select on the top fd) must never strand records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "events_private.h"

enum { KIND_PERF, KIND_RING, KIND_COUNT };

struct bpfy_events {
	int top_fd;			/* every source's epoll fd */
	int kind_fd[KIND_COUNT];	/* the sources of one kind */
	struct bpfy_event_source *sources;
};

static int kind_index(enum bpfy_event_kind kind)
{
	return kind == BPFY_EVENTS_PERF ? KIND_PERF : KIND_RING;
}

static int close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
	return -1;
}

/* epoll fds are CLOEXEC and kept above stdio like every other fd. */
int bpfy_events__epoll_fd(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	int moved;

	if (fd < 0 || fd > 2)
		return fd < 0 ? -errno : fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved < 0 ? -errno : moved;
}

struct bpfy_events *bpfy_events__new(struct bpfy_error *error)
{
	struct bpfy_events *events = calloc(1, sizeof(*events));
	int err = -ENOMEM;

	if (!events)
		goto err_out;
	events->top_fd = events->kind_fd[KIND_PERF] = events->kind_fd[KIND_RING] = -1;
	events->top_fd = bpfy_events__epoll_fd();
	if (events->top_fd < 0) {
		err = events->top_fd;
		goto err_out;
	}
	for (int k = 0; k < KIND_COUNT; k++) {
		events->kind_fd[k] = bpfy_events__epoll_fd();
		if (events->kind_fd[k] < 0) {
			err = events->kind_fd[k];
			goto err_out;
		}
	}
	return events;

err_out:
	bpfy_events__free(events);
	bpfy_error__set(error, BPFY_ERR_OS, err, "creating the event epoll set: %s", strerror(-err));
	return NULL;
}

void bpfy_event_source__destroy(struct bpfy_event_source *src)
{
	if (!src)
		return;
	if (src->impl && src->ops)
		src->ops->free(src);
	close_fd(src->dup_fd);
	free(src->name);
	free(src);
}

void bpfy_events__free(struct bpfy_events *events)
{
	struct bpfy_event_source *src, *next;

	if (!events)
		return;
	for (src = events->sources; src; src = next) {
		next = src->next;
		bpfy_event_source__destroy(src);
	}
	for (int k = 0; k < KIND_COUNT; k++)
		close_fd(events->kind_fd[k]);
	close_fd(events->top_fd);
	free(events);
}

int bpfy_events__fd(const struct bpfy_events *events, unsigned int kinds)
{
	if (kinds == BPFY_EVENTS_PERF)
		return events->kind_fd[KIND_PERF];
	if (kinds == BPFY_EVENTS_RING)
		return events->kind_fd[KIND_RING];
	return events->top_fd;
}

struct bpfy_event_source *bpfy_event_source__alloc(enum bpfy_event_kind kind, const char *name,
						   struct bpfy_error *error)
{
	struct bpfy_event_source *src = calloc(1, sizeof(*src));

	if (src)
		src->name = strdup(name ? name : "?");
	if (!src || !src->name) {
		free(src);
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		return NULL;
	}
	src->kind = kind;
	src->dup_fd = -1;
	src->epoll_fd = -1;
	return src;
}

static int epoll_add(int epfd, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int bpfy_events__link(struct bpfy_events *events, struct bpfy_event_source *src,
		      struct bpfy_error *error)
{
	int kind_fd = events->kind_fd[kind_index(src->kind)];
	int err;

	err = epoll_add(kind_fd, src->epoll_fd, src);
	if (err)
		goto err_out;
	err = epoll_add(events->top_fd, src->epoll_fd, src);
	if (err) {
		epoll_ctl(kind_fd, EPOLL_CTL_DEL, src->epoll_fd, NULL);
		goto err_out;
	}
	src->events = events;
	src->next = events->sources;
	events->sources = src;
	return 0;

err_out:
	bpfy_error__set(error, BPFY_ERR_OS, err, "map '%s': adding its buffer to the epoll set: %s",
			src->name, strerror(-err));
	bpfy_event_source__destroy(src);
	return err;
}

void bpfy_events__remove(struct bpfy_events *events, struct bpfy_event_source *src)
{
	struct bpfy_event_source **link;

	if (!src)
		return;
	for (link = &events->sources; *link; link = &(*link)->next) {
		if (*link != src)
			continue;
		*link = src->next;
		epoll_ctl(events->kind_fd[kind_index(src->kind)], EPOLL_CTL_DEL, src->epoll_fd, NULL);
		epoll_ctl(events->top_fd, EPOLL_CTL_DEL, src->epoll_fd, NULL);
		break;
	}
	bpfy_event_source__destroy(src);
}

static int wait_fd(int epfd, int timeout_ms)
{
	struct epoll_event ev[8];
	int n = epoll_wait(epfd, ev, 8, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n;
}

int bpfy_events__wait(struct bpfy_events *events, unsigned int kinds, int timeout_ms)
{
	return wait_fd(bpfy_events__fd(events, kinds), timeout_ms);
}

long bpfy_events__consume(struct bpfy_events *events, unsigned int kinds)
{
	struct bpfy_event_source *src;
	long total = 0, n;

	for (src = events->sources; src; src = src->next) {
		if (!(src->kind & kinds) || !src->sink.sample)
			continue;
		n = bpfy_event_source__consume(src, NULL, 0);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

size_t bpfy_events__count(const struct bpfy_events *events, unsigned int kinds)
{
	const struct bpfy_event_source *src;
	size_t n = 0;

	for (src = events->sources; src; src = src->next)
		n += (src->kind & kinds) && src->sink.sample;
	return n;
}

void bpfy_event_source__set_sink(struct bpfy_event_source *src, const struct bpfy_event_sink *sink)
{
	if (sink)
		src->sink = *sink;
	else
		memset(&src->sink, 0, sizeof(src->sink));
}

enum bpfy_event_kind bpfy_event_source__kind(const struct bpfy_event_source *src)
{
	return src->kind;
}

int bpfy_event_source__fd(const struct bpfy_event_source *src)
{
	return src->epoll_fd;
}

int bpfy_event_source__wait(struct bpfy_event_source *src, int timeout_ms)
{
	return wait_fd(src->epoll_fd, timeout_ms);
}

uint64_t bpfy_event_source__lost(const struct bpfy_event_source *src)
{
	return src->ops->lost ? src->ops->lost(src) : src->lost;
}

long bpfy_event_source__copy(struct bpfy_event_source *src, void *buf, size_t rec_size,
			     uint64_t cap)
{
	if (!rec_size)
		return -EINVAL;
	if (src->drain)	/* called from a callback of this source */
		return -EBUSY;
	if (!cap)
		return 0;
	return src->ops->copy(src, buf, rec_size, cap);
}

size_t bpfy_event_source__capacity(const struct bpfy_event_source *src)
{
	return src->capacity;
}

long bpfy_event_source__consume(struct bpfy_event_source *src, const struct bpfy_event_sink *sink,
				uint64_t max_records)
{
	struct bpfy_drain drain = { .sink = sink ? sink : &src->sink, .max = max_records };
	int err;

	if (!drain.sink->sample)
		return -EINVAL;
	if (src->drain)	/* re-entered from one of its callbacks */
		return -EBUSY;
	src->drain = &drain;
	err = src->ops->consume(src);
	src->drain = NULL;
	if (drain.stop && drain.stop != BPFY_DRAIN_FULL)
		return drain.stop;
	if (err < 0 && !drain.stop)
		return err;
	return (long)drain.count;
}

int bpfy_drain_record(struct bpfy_event_source *src, int cpu, const void *data, uint32_t size)
{
	struct bpfy_drain *drain = src->drain;
	int ret;

	ret = drain->sink->sample(drain->sink->ctx, cpu, data, size);
	drain->count++;
	if (ret < 0)
		drain->stop = ret;
	else if (drain->max && drain->count >= drain->max)
		drain->stop = ret = BPFY_DRAIN_FULL;
	return ret < 0 ? ret : 0;
}

int bpfy_drain_lost(struct bpfy_event_source *src, int cpu, uint64_t count)
{
	struct bpfy_drain *drain = src->drain;
	int ret = 0;

	src->lost += count;
	if (drain->sink->lost)
		ret = drain->sink->lost(drain->sink->ctx, cpu, count);
	if (ret < 0)
		drain->stop = ret;
	return ret < 0 ? ret : 0;
}
