/* User ring buffers (BPF_MAP_TYPE_USER_RINGBUF): user space produces, a BPF
 * program drains with bpf_user_ringbuf_drain(). Thin, errno-keeping
 * wrappers over libbpf's user_ring_buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bpfy.h"

struct bpfy_user_ring {
	struct user_ring_buffer *rb;
};

struct bpfy_user_ring *bpfy_user_ring__new(int map_fd, const char *name,
					   struct bpfy_error *error)
{
	struct bpfy_user_ring *ring = calloc(1, sizeof(*ring));
	int err;

	if (!ring) {
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		return NULL;
	}
	ring->rb = user_ring_buffer__new(map_fd, NULL);
	if (!ring->rb) {
		err = errno;
		free(ring);
		bpfy_error__set(error, err == EOPNOTSUPP ? BPFY_ERR_UNSUPPORTED : BPFY_ERR_OS, err,
				"map '%s': mapping the user ring buffer: %s", name ? name : "?",
				strerror(err));
		return NULL;
	}
	return ring;
}

void bpfy_user_ring__free(struct bpfy_user_ring *ring)
{
	if (!ring)
		return;
	user_ring_buffer__free(ring->rb);
	free(ring);
}

void *bpfy_user_ring__reserve(struct bpfy_user_ring *ring, uint32_t size, int timeout_ms)
{
	if (timeout_ms == 0)
		return user_ring_buffer__reserve(ring->rb, size);
	return user_ring_buffer__reserve_blocking(ring->rb, size, timeout_ms);
}

void bpfy_user_ring__submit(struct bpfy_user_ring *ring, void *sample)
{
	user_ring_buffer__submit(ring->rb, sample);
}

void bpfy_user_ring__discard(struct bpfy_user_ring *ring, void *sample)
{
	user_ring_buffer__discard(ring->rb, sample);
}
