/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of the bpfy runtime's public API (included by bpfy.h): events.
 *
 * Perf buffers and ring buffers (BPF -> user space) of one BPF object live
 * in one `struct bpfy_events`: an epoll set whose fd a caller can hand to
 * select/poll/asyncio. Records go to C callbacks (a "sink"); the runtime
 * never calls into any language runtime, so a binding decides when to hold
 * its interpreter lock: wait with bpfy_events__wait() (blocking, no
 * callbacks run) and then drain with bpfy_events__consume() (never blocks,
 * runs callbacks).
 *
 * User ring buffers (user space -> BPF) are a separate, small object.
 */
#ifndef BPFY_EVENTS_H
#define BPFY_EVENTS_H

#include "bpfy.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bpfy_events;		/* the epoll set of one BPF object */
struct bpfy_event_source;	/* one perf buffer or ring buffer in a set */
struct bpfy_user_ring;		/* one user ring buffer */

enum bpfy_event_kind {
	BPFY_EVENTS_PERF = 1,	/* BPF_MAP_TYPE_PERF_EVENT_ARRAY via perf buffers */
	BPFY_EVENTS_RING = 2,	/* BPF_MAP_TYPE_RINGBUF */
	BPFY_EVENTS_ALL = 3,
};

/*
 * One record. `data` is valid only during the call (it points into the
 * shared buffer). `cpu` is the producing CPU for perf buffers, -1 for ring
 * buffers. Return 0 to go on; a negative value stops the drain: the record
 * counts as consumed, later records stay in the buffer for the next drain,
 * and the drain returns that value.
 */
typedef int (*bpfy_event_fn)(void *ctx, int cpu, const void *data, uint32_t size);

/* Perf buffers only: the kernel dropped `count` records of `cpu` because the
 * buffer was full. Same return convention as bpfy_event_fn. */
typedef int (*bpfy_lost_fn)(void *ctx, int cpu, uint64_t count);

/* Where a source's records go. `sample` NULL: the source is skipped by
 * bpfy_events__consume() and only drained with an explicit sink. */
struct bpfy_event_sink {
	bpfy_event_fn sample;
	bpfy_lost_fn lost;	/* may be NULL: losses are still counted */
	void *ctx;
};

/* A new, empty set. Owned by the caller (bpfy_events__free). NULL with
 * error filled. */
struct bpfy_events *bpfy_events__new(struct bpfy_error *error);

/* Frees every source of the set and its epoll fds. Accepts NULL. Must not
 * be called from inside a sink callback of the set. */
void bpfy_events__free(struct bpfy_events *events);

/* The epoll fd (owned by the set) that is readable when a source of
 * `kinds` may have records: BPFY_EVENTS_ALL gives the set's single fd. */
int bpfy_events__fd(const struct bpfy_events *events, unsigned int kinds);

struct bpfy_perf_buffer_opts {
	size_t sz;		/* sizeof(struct bpfy_perf_buffer_opts) */
	size_t page_cnt;	/* pages per CPU, a power of two; 0 = 8 */
	uint32_t wakeup_events;	/* wake the reader every N records; 0 = 1 */
};

/*
 * Opens one perf buffer per online CPU on the PERF_EVENT_ARRAY map `map_fd`
 * (duplicated: the caller keeps its fd) and adds it to the set. `name`
 * names the map in messages. The source is owned by the set (freed by
 * bpfy_events__remove or bpfy_events__free). NULL with error filled: a page
 * count that is not a power of two is BPFY_ERR_USAGE.
 */
struct bpfy_event_source *bpfy_events__add_perf_buffer(struct bpfy_events *events, int map_fd,
							const char *name,
							const struct bpfy_perf_buffer_opts *opts,
							const struct bpfy_event_sink *sink,
							struct bpfy_error *error);

/* Maps the RINGBUF map `map_fd` (the caller keeps its fd) and adds it to
 * the set. Ownership as for perf buffers. NULL with error filled. */
struct bpfy_event_source *bpfy_events__add_ring_buffer(struct bpfy_events *events, int map_fd,
							const char *name,
							const struct bpfy_event_sink *sink,
							struct bpfy_error *error);

/* Removes and frees one source. Accepts NULL. Not from inside its sink. */
void bpfy_events__remove(struct bpfy_events *events, struct bpfy_event_source *src);

/*
 * Blocks up to timeout_ms (-1: forever, 0: not at all) until a source of
 * `kinds` signals records; runs no callback. Returns > 0 when something is
 * ready, 0 on timeout or a signal (EINTR), -errno on failure.
 */
int bpfy_events__wait(struct bpfy_events *events, unsigned int kinds, int timeout_ms);

/*
 * Drains, without blocking, every source of `kinds` that has a sink with a
 * `sample` callback. Returns the number of records delivered, or the
 * negative value a sink returned to stop (the remaining records stay), or
 * -errno.
 */
long bpfy_events__consume(struct bpfy_events *events, unsigned int kinds);

/* How many sources of `kinds` have a sink with a `sample` callback. */
size_t bpfy_events__count(const struct bpfy_events *events, unsigned int kinds);

/* Replaces the source's sink (used by bpfy_events__consume). */
void bpfy_event_source__set_sink(struct bpfy_event_source *src, const struct bpfy_event_sink *sink);

/* Perf or ring buffer; never fails. */
enum bpfy_event_kind bpfy_event_source__kind(const struct bpfy_event_source *src);

/* An epoll fd of this source alone (owned by the source). */
int bpfy_event_source__fd(const struct bpfy_event_source *src);

/* As bpfy_events__wait, for this source alone. */
int bpfy_event_source__wait(struct bpfy_event_source *src, int timeout_ms);

/*
 * Drains this source without blocking into `sink` (NULL: the source's own
 * sink), stopping after max_records (0: no limit). Returns the number of
 * records delivered, or the negative value the sink returned, or -errno.
 * The fast batch path: a sink that copies records into a caller buffer.
 */
long bpfy_event_source__consume(struct bpfy_event_source *src, const struct bpfy_event_sink *sink,
				uint64_t max_records);

/*
 * The fast batch path: copies the waiting records of `src`, oldest first
 * (per CPU for perf buffers), into `buf` as an array of `cap` slots of
 * `rec_size` bytes, each record cut or zero-padded to its slot. Reads the
 * mmapped buffers directly and runs no callback: perf loss notices are
 * counted (bpfy_event_source__lost) but reach no sink. Returns the number
 * of records copied (cap: more may wait), or -errno: EINVAL (rec_size 0),
 * EBUSY (called from inside a drain of this source).
 */
long bpfy_event_source__copy(struct bpfy_event_source *src, void *buf, size_t rec_size,
			     uint64_t cap);

/*
 * Records lost so far. Perf buffers: the kernel's exact count of dropped
 * records on every CPU (PERF_FORMAT_LOST, Linux 6.0+), including drops not
 * yet announced by a PERF_RECORD_LOST notice (the kernel writes one only
 * ahead of the next record that fits); on older kernels, the sum of the
 * notices drained so far. Ring buffers: 0 (the kernel keeps no count; the
 * BPF side counts failed writes, see the dialect's `<map>__lost`).
 */
uint64_t bpfy_event_source__lost(const struct bpfy_event_source *src);

/* Pages per CPU (perf) or data bytes (ring): the source's capacity. */
size_t bpfy_event_source__capacity(const struct bpfy_event_source *src);

/* ----------------------------------------------------- user ring buffers */

/* Maps the USER_RINGBUF map `map_fd` (the caller keeps its fd). Owned by
 * the caller (bpfy_user_ring__free). NULL with error filled. */
struct bpfy_user_ring *bpfy_user_ring__new(int map_fd, const char *name,
					   struct bpfy_error *error);

/* Unmaps the ring. Samples reserved and not submitted are lost. Accepts
 * NULL. */
void bpfy_user_ring__free(struct bpfy_user_ring *ring);

/*
 * Reserves `size` bytes to fill and then submit or discard. timeout_ms 0
 * fails at once when the ring is full; > 0 or -1 waits for the BPF side to
 * drain (blocking: callers release their locks). NULL with errno: ENOSPC
 * (full), E2BIG (larger than the ring), ETIMEDOUT, EBUSY (too many reserved).
 */
void *bpfy_user_ring__reserve(struct bpfy_user_ring *ring, uint32_t size, int timeout_ms);
/* Hands a reserved sample to the BPF side, or gives it back unsent. The
 * sample belongs to the ring again after either; neither fails. */
void bpfy_user_ring__submit(struct bpfy_user_ring *ring, void *sample);
void bpfy_user_ring__discard(struct bpfy_user_ring *ring, void *sample);

/* ----------------------------------------------------------- event types */

/*
 * The layout of a type named in the object's BTF: "struct x", "union x",
 * or a bare name looked up as struct, union, then typedef (what an explicit
 * `table.event_type = "struct x"` names). Owned by the object. NULL with
 * errno ENOENT (no such type or no BTF).
 */
const struct bpfy_type *bpfy_object__find_type(struct bpfy_object *obj, const char *name);

/* The record type of an event map is bpfy_map__desc(map)->event_type: the
 * loader fills it from the dialect's `__bpfy_event__<map>` marker. */

#ifdef __cplusplus
}
#endif

#endif /* BPFY_EVENTS_H */
