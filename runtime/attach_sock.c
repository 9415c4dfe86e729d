/*
 * Socket-level attach types beyond filters: SO_ATTACH_REUSEPORT_EBPF on a
 * reuseport group.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/bpf.h>

#include "attach_link.h"

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif

/* The dup of one socket of the group, closed after the detach. */
static int reuseport_detach(void *priv)
{
	int fd = *(int *)priv, zero = 0, err = 0;

	/* ENOENT: nothing attached any more (replaced by another program) */
	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero, sizeof(zero)) &&
	    errno != ENOENT)
		err = -errno;
	close(fd);
	return err;
}

struct bpfy_link *bpfy_prog__attach_reuseport(struct bpfy_prog *prog, int sock_fd,
					      struct bpfy_error *error)
{
	struct bpfy_link *link;
	int *priv = NULL, err, reuse = 0;
	socklen_t len = sizeof(reuse);

	if (getsockopt(sock_fd, SOL_SOCKET, SO_REUSEPORT, &reuse, &len)) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_USAGE, err,
				"sk_reuseport: fd %d is not a socket (%s)", sock_fd, strerror(err));
		goto err_out;
	}
	if (!reuse) {
		err = EINVAL;
		bpfy_error__set(error, BPFY_ERR_USAGE, err,
				"sk_reuseport: socket fd %d has no SO_REUSEPORT: set it before "
				"bind() so that the socket joins a reuseport group", sock_fd);
		goto err_out;
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT,
				       error))
		return NULL;
	priv = malloc(sizeof(*priv));
	if (!priv) {
		err = ENOMEM;
		bpfy_error__set(error, BPFY_ERR_OS, err, "out of memory");
		goto err_out;
	}
	*priv = fcntl(sock_fd, F_DUPFD_CLOEXEC, 3);
	if (*priv < 0) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "sk_reuseport: dup of fd %d: %s", sock_fd,
				strerror(err));
		goto err_out;
	}
	if (setsockopt(*priv, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog->fd, sizeof(prog->fd))) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_OS, err,
				"attaching '%s' to the reuseport group of fd %d "
				"(SO_ATTACH_REUSEPORT_EBPF): %s%s",
				prog->name, sock_fd, strerror(err),
				err == EINVAL ? " (the socket must be bound with SO_REUSEPORT)" : "");
		close(*priv);
		goto err_out;
	}
	link = bpfy_link__from_detach(reuseport_detach, priv, *priv);
	if (!link) {
		reuseport_detach(priv);
		err = ENOMEM;
		bpfy_error__set(error, BPFY_ERR_OS, err, "out of memory");
		goto err_out;
	}
	return link;

err_out:
	free(priv);
	errno = err;
	return NULL;
}
