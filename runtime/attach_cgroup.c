/* cgroup programs through links, and BPF_PROG_ATTACH for everything else. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "attach_link.h"

uint32_t bpfy_cgroup_attach_prog_type(uint32_t attach_type)
{
	switch (attach_type) {
	case BPF_CGROUP_INET_INGRESS:
	case BPF_CGROUP_INET_EGRESS:
		return BPF_PROG_TYPE_CGROUP_SKB;
	case BPF_CGROUP_INET_SOCK_CREATE:
	case BPF_CGROUP_INET_SOCK_RELEASE:
	case BPF_CGROUP_INET4_POST_BIND:
	case BPF_CGROUP_INET6_POST_BIND:
		return BPF_PROG_TYPE_CGROUP_SOCK;
	case BPF_CGROUP_INET4_BIND:
	case BPF_CGROUP_INET6_BIND:
	case BPF_CGROUP_INET4_CONNECT:
	case BPF_CGROUP_INET6_CONNECT:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME:
	case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UDP4_SENDMSG:
	case BPF_CGROUP_UDP6_SENDMSG:
	case BPF_CGROUP_UDP4_RECVMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
		return BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	case BPF_CGROUP_SOCK_OPS:
		return BPF_PROG_TYPE_SOCK_OPS;
	case BPF_CGROUP_DEVICE:
		return BPF_PROG_TYPE_CGROUP_DEVICE;
	case BPF_CGROUP_SYSCTL:
		return BPF_PROG_TYPE_CGROUP_SYSCTL;
	case BPF_CGROUP_GETSOCKOPT:
	case BPF_CGROUP_SETSOCKOPT:
		return BPF_PROG_TYPE_CGROUP_SOCKOPT;
	default:
		return 0;
	}
}

struct bpfy_link *bpfy_prog__attach_cgroup(struct bpfy_prog *prog, const char *cgroup_path,
					   uint32_t attach_type, struct bpfy_error *error)
{
	uint32_t type = bpfy_cgroup_attach_prog_type(attach_type);
	struct bpfy_link *link;
	char what[600];
	int cgroup_fd;

	if (!type) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"attach type %u is not a cgroup attach type", attach_type);
		return NULL;
	}
	cgroup_fd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgroup_fd < 0) {
		bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot open cgroup '%s': %s",
				cgroup_path, strerror(errno));
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, type, attach_type, error)) {
		close(cgroup_fd);
		return NULL;
	}
	snprintf(what, sizeof(what), "attaching '%s' to cgroup '%s' (attach type %u)",
		 prog->name, cgroup_path, attach_type);
	/* bpf_program__attach_cgroup takes the attach type from the program */
	bpf_program__set_expected_attach_type(prog->program, attach_type);
	bpfy_libbpf_log__begin();
	link = bpfy_link__wrap(bpf_program__attach_cgroup(prog->program, cgroup_fd), what, error);
	close(cgroup_fd);
	return link;
}

struct prog_attachment {
	int prog_fd;		/* dup, owned */
	int target_fd;		/* dup, owned */
	uint32_t attach_type;
};

static int prog_detach(void *priv)
{
	struct prog_attachment *att = priv;
	int err = bpf_prog_detach2(att->prog_fd, att->target_fd, att->attach_type);

	close(att->prog_fd);
	close(att->target_fd);
	return err;
}

struct bpfy_link *bpfy_prog__attach_func(struct bpfy_prog *prog, int target_fd,
					 uint32_t attach_type, uint32_t flags,
					 struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts, .flags = flags);
	struct prog_attachment *att = NULL;
	struct bpfy_link *link;
	int err;

	if (prog->fd < 0) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"function '%s' is not loaded: load it first (load_func)",
				prog->name);
		return NULL;
	}
	att = calloc(1, sizeof(*att));
	if (!att) {
		err = ENOMEM;
		goto err_out;
	}
	att->attach_type = attach_type;
	att->prog_fd = fcntl(prog->fd, F_DUPFD_CLOEXEC, 3);
	att->target_fd = fcntl(target_fd, F_DUPFD_CLOEXEC, 3);
	if (att->prog_fd < 0 || att->target_fd < 0) {
		err = errno;
		goto err_close;
	}
	if (bpf_prog_attach_opts(prog->fd, target_fd, attach_type, &opts)) {
		err = errno;
		goto err_close;
	}
	link = bpfy_link__from_detach(prog_detach, att, prog->fd);
	if (!link) {
		prog_detach(att);
		err = ENOMEM;
		goto err_free;
	}
	return link;

err_close:
	if (att->prog_fd >= 0)
		close(att->prog_fd);
	if (att->target_fd >= 0)
		close(att->target_fd);
err_free:
	free(att);
err_out:
	bpfy_error__set(error, BPFY_ERR_OS, err, "attaching '%s' to fd %d (attach type %u): %s",
			prog->name, target_fd, attach_type, strerror(err));
	errno = err;
	return NULL;
}
