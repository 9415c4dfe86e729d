/* Private to runtime/events*.c: the body of an event source and the
 * per-kind operations behind it. */
#ifndef BPFY_EVENTS_PRIVATE_H
#define BPFY_EVENTS_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bpfy.h"

/* Internal stop code of a drain that reached its record budget. */
#define BPFY_DRAIN_FULL (-4096)

/* The drain in progress on a source (set by bpfy_event_source__consume). */
struct bpfy_drain {
	const struct bpfy_event_sink *sink;
	uint64_t max;		/* 0: no limit */
	uint64_t count;		/* records delivered so far */
	int stop;		/* the negative code that stopped it, else 0 */
};

struct bpfy_event_source_ops {
	/* Drains every buffer; calls bpfy_drain_record/lost. 0 or -errno or
	 * the stop code. */
	int (*consume)(struct bpfy_event_source *src);
	/* Copies up to cap records into fixed-size slots (no callback).
	 * Records copied, or -errno. */
	long (*copy)(struct bpfy_event_source *src, char *buf, size_t rec_size, uint64_t cap);
	/* Records lost so far; NULL: src->lost. */
	uint64_t (*lost)(const struct bpfy_event_source *src);
	void (*free)(struct bpfy_event_source *src);
};

struct bpfy_event_source {
	struct bpfy_events *events;
	const struct bpfy_event_source_ops *ops;
	enum bpfy_event_kind kind;
	char *name;
	void *impl;			/* struct perf_buffer * / struct ring_buffer * */
	int epoll_fd;			/* libbpf's, owned by impl */
	int dup_fd;			/* our copy of the map fd, -1 if none */
	size_t capacity;
	uint64_t lost;			/* as announced (PERF_RECORD_LOST) */
	bool exact_lost;		/* perf: events opened with PERF_FORMAT_LOST */
	struct bpfy_event_sink sink;
	struct bpfy_drain *drain;	/* non-NULL while draining */
	struct bpfy_event_source *next;
};

/* Delivers one record / one loss notice to the drain in progress. Return
 * 0 to go on, a negative stop code otherwise. */
int bpfy_drain_record(struct bpfy_event_source *src, int cpu, const void *data, uint32_t size);
int bpfy_drain_lost(struct bpfy_event_source *src, int cpu, uint64_t count);

/* events.c: links a source filled by a per-kind constructor into the set
 * (takes ownership: frees it on failure). 0 or -errno with error filled. */
int bpfy_events__link(struct bpfy_events *events, struct bpfy_event_source *src,
		      struct bpfy_error *error);
/* A zeroed source of `kind` named `name`; NULL with error filled. */
struct bpfy_event_source *bpfy_event_source__alloc(enum bpfy_event_kind kind, const char *name,
						   struct bpfy_error *error);
/* A new epoll fd (CLOEXEC, above 2), or -errno. */
int bpfy_events__epoll_fd(void);
/* Frees a source that is not linked (or was unlinked). Accepts NULL. */
void bpfy_event_source__destroy(struct bpfy_event_source *src);

/*
 * Bytes the bulk copies prefetch ahead of the record they read. Records the
 * kernel has just written are not in this CPU's near caches, and the
 * hardware prefetchers stop at 4 KiB page boundaries (the ring's pages are
 * scattered vmalloc pages): without this the copy waits on memory for every
 * line, 65-80M records/s on the 2-core test VM, 250M+/s with it (a C
 * experiment over a 16 MiB BPF ring, 32-byte records; 1-4 KiB ahead were
 * best). A prefetch never faults, so reading past the producer is harmless.
 */
#define BPFY_PREFETCH_AHEAD 2048

/* Prefetches the ring bytes at `pos` + BPFY_PREFETCH_AHEAD (ring of mask + 1 bytes). */
static inline void bpfy_prefetch_ring(const char *data, size_t mask, uint64_t pos)
{
	__builtin_prefetch(data + ((pos + BPFY_PREFETCH_AHEAD) & mask));
}

/*
 * One record of `len` bytes into a slot of `rec_size` bytes: cut, or
 * zero-padded. The bulk copy's inner loop: common slot sizes (multiples of
 * 8 up to 64) move with constant-size copies the compiler inlines.
 */
static inline void bpfy_copy_slot(char *out, const void *in, uint32_t len, size_t rec_size)
{
	if (len < rec_size) {
		memcpy(out, in, len);
		memset(out + len, 0, rec_size - len);
		return;
	}
	switch (rec_size) {
#define SLOT(n)                          \
	case n:                          \
		memcpy(out, in, n);      \
		return;
	SLOT(8) SLOT(16) SLOT(24) SLOT(32) SLOT(40) SLOT(48) SLOT(56) SLOT(64)
#undef SLOT
	default:
		memcpy(out, in, rec_size);
	}
}

#endif /* BPFY_EVENTS_PRIVATE_H */
