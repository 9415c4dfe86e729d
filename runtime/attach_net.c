/* Networking attach types: XDP and tc on an interface, socket filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>

#include "attach_link.h"

/* tcx links (Linux 6.6); older uapi headers lack the names */
#define TCX_INGRESS 46
#define TCX_EGRESS 47

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

static void name_ifindex(int ifindex, char *name)
{
	if (!if_indextoname(ifindex, name))
		snprintf(name, IF_NAMESIZE, "#%d", ifindex);
}

/* ------------------------------------------------------------------ XDP */

struct bpfy_link *bpfy_prog__attach_xdp(struct bpfy_prog *prog, int ifindex, uint32_t flags,
					struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags & XDP_FLAGS_MODES);
	char ifname[IF_NAMESIZE];
	int fd, err;

	name_ifindex(ifindex, ifname);
	if (flags & ~(XDP_FLAGS_MODES | XDP_FLAGS_UPDATE_IF_NOEXIST)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"XDP on %s: flags 0x%x not supported (XDP_FLAGS_SKB_MODE, "
				"DRV_MODE, HW_MODE, UPDATE_IF_NOEXIST)",
				ifname, flags);
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_XDP, BPF_XDP, error))
		return NULL;
	fd = bpf_link_create(prog->fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "attaching '%s' as XDP on %s: %s%s",
				prog->name, ifname, strerror(err),
				err == EBUSY || err == EEXIST ?
					" (another XDP program is attached there)" : "");
		errno = err;
		return NULL;
	}
	return bpfy_link__from_fd(fd);
}

int bpfy_xdp__detach(int ifindex, uint32_t flags, struct bpfy_error *error)
{
	char ifname[IF_NAMESIZE];
	int err = bpf_xdp_detach(ifindex, flags, NULL);

	if (err) {
		name_ifindex(ifindex, ifname);
		return bpfy_error__set(error, BPFY_ERR_OS, -err, "removing XDP from %s: %s", ifname,
				       strerror(-err));
	}
	return 0;
}

/* -------------------------------------------------------- socket filter */

struct bpfy_link *bpfy_prog__attach_raw_socket(struct bpfy_prog *prog, const char *ifname,
					       struct bpfy_error *error)
{
	struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = -1, err;

	if (ifname && *ifname) {
		addr.sll_ifindex = if_nametoindex(ifname);
		if (!addr.sll_ifindex) {
			bpfy_error__set(error, BPFY_ERR_USAGE, ENODEV, "no network interface '%s'",
					ifname);
			errno = ENODEV;
			return NULL;
		}
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_SOCKET_FILTER, 0, error))
		return NULL;
	fd = socket(PF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "socket(AF_PACKET): %s", strerror(err));
		goto err_out;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "binding a packet socket to '%s': %s",
				ifname && *ifname ? ifname : "every interface", strerror(err));
		goto err_out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &prog->fd, sizeof(prog->fd))) {
		err = errno;
		bpfy_error__set(error, BPFY_ERR_OS, err, "attaching '%s' to a packet socket: %s",
				prog->name, strerror(err));
		goto err_out;
	}
	return bpfy_link__from_fd(fd);

err_out:
	if (fd >= 0)
		close(fd);
	errno = err;
	return NULL;
}

/* ------------------------------------------------------------------- tc */

struct tc_filter {
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
};

/* Removes the filter only: the clsact qdisc may carry other filters. */
static int tc_filter_detach(void *priv)
{
	struct tc_filter *filter = priv;

	filter->opts.prog_fd = 0;
	filter->opts.prog_id = 0;
	filter->opts.flags = 0;
	return bpf_tc_detach(&filter->hook, &filter->opts);
}

static struct bpfy_link *attach_clsact(struct bpfy_prog *prog, int ifindex, bool egress,
				       const char *ifname, struct bpfy_error *error)
{
	struct tc_filter *filter = calloc(1, sizeof(*filter));
	struct bpfy_link *link;
	int err;

	if (!filter) {
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		return NULL;
	}
	filter->hook.sz = sizeof(filter->hook);
	filter->hook.ifindex = ifindex;
	filter->hook.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
	filter->opts.sz = sizeof(filter->opts);
	filter->opts.prog_fd = prog->fd;
	err = bpf_tc_hook_create(&filter->hook);
	if (err && err != -EEXIST)
		goto err_out;
	err = bpf_tc_attach(&filter->hook, &filter->opts);
	if (err)
		goto err_out;
	link = bpfy_link__from_detach(tc_filter_detach, filter, prog->fd);
	if (!link) {
		tc_filter_detach(filter);
		err = -ENOMEM;
		goto err_out;
	}
	return link;

err_out:
	free(filter);
	bpfy_error__set(error, BPFY_ERR_OS, -err, "attaching '%s' to tc %s of %s: %s", prog->name,
			egress ? "egress" : "ingress", ifname, strerror(-err));
	errno = -err;
	return NULL;
}

struct bpfy_link *bpfy_prog__attach_tc(struct bpfy_prog *prog, int ifindex, bool egress,
				       enum bpfy_tc_mode mode, struct bpfy_error *error)
{
	char ifname[IF_NAMESIZE];
	int fd, err;

	name_ifindex(ifindex, ifname);
	if (mode > BPFY_TC_CLSACT) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "tc on %s: unknown mode %d", ifname,
				(int)mode);
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_SCHED_CLS, 0, error))
		return NULL;
	if (mode == BPFY_TC_CLSACT)
		return attach_clsact(prog, ifindex, egress, ifname, error);
	fd = bpf_link_create(prog->fd, ifindex, egress ? TCX_EGRESS : TCX_INGRESS, NULL);
	if (fd >= 0)
		return bpfy_link__from_fd(fd);
	err = errno;
	if (err != EINVAL || mode == BPFY_TC_TCX)
		goto err_out;
	/* no tcx on this kernel: a filter on the clsact qdisc */
	return attach_clsact(prog, ifindex, egress, ifname, error);

err_out:
	bpfy_error__set(error, err == EINVAL ? BPFY_ERR_UNSUPPORTED : BPFY_ERR_OS, err,
			"attaching '%s' to tc %s of %s as a tcx link: %s%s", prog->name,
			egress ? "egress" : "ingress", ifname, strerror(err),
			err == EINVAL ? " (no tcx links before Linux 6.6: use the clsact mode)" : "");
	errno = err;
	return NULL;
}
