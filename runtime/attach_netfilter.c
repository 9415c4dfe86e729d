/*
 * Netfilter hooks as BPF links (Linux 6.4): BPF_PROG_TYPE_NETFILTER programs
 * on an NF_INET_* hook of the calling thread's network namespace. libbpf 1.1
 * and the installed uapi headers predate them, so the link is created with
 * the bpf syscall directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "attach_link.h"

#define PROG_TYPE_NETFILTER 32	/* BPF_PROG_TYPE_NETFILTER */
#define ATTACH_NETFILTER 45	/* BPF_NETFILTER */
#define NFPROTO_UNSPEC 0

/* union bpf_attr's link_create with its netfilter member (uapi 6.4). */
struct nf_link_create {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint32_t pf;
	uint32_t hooknum;
	int32_t priority;
	uint32_t nf_flags;
};

static int nf_link_create(int prog_fd, int pf, int hooknum, int priority, uint32_t flags)
{
	struct nf_link_create attr = {
		.prog_fd = prog_fd, .attach_type = ATTACH_NETFILTER, .pf = pf,
		.hooknum = hooknum, .priority = priority, .nf_flags = flags,
	};
	int fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));

	if (fd >= 0 && fd < 3) {	/* keep 0..2 free, as libbpf does */
		int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		close(fd);
		fd = moved;
	}
	return fd < 0 ? -errno : fd;
}

static struct {
	int result;		/* 0 unknown, 1 supported, 2 refused */
	int err;
	char reason[256];
} probed;

/* Loads `return NF_ACCEPT` as a netfilter program, then asks for a link with
 * an invalid protocol family: a kernel with netfilter links answers
 * EAFNOSUPPORT without registering anything; one without, EINVAL. */
static void run_probe(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = ATTACH_NETFILTER);
	int prog_fd, fd;

	prog_fd = bpf_prog_load(PROG_TYPE_NETFILTER, "bpfy_probe", "GPL", insns, 2, &opts);
	if (prog_fd < 0) {
		probed.err = errno;
		snprintf(probed.reason, sizeof(probed.reason),
			 "the kernel refused to load a BPF_PROG_TYPE_NETFILTER program: %s "
			 "(netfilter BPF links need Linux 6.4 with CONFIG_NETFILTER_BPF_LINK)",
			 strerror(probed.err));
		probed.result = 2;
		return;
	}
	fd = nf_link_create(prog_fd, NFPROTO_UNSPEC, 0, 0, 0);
	if (fd >= 0) {		/* not expected; the link is dropped at once */
		close(fd);
		probed.result = 1;
	} else if (fd == -EAFNOSUPPORT) {
		probed.result = 1;
	} else {
		probed.err = -fd;
		snprintf(probed.reason, sizeof(probed.reason),
			 "the kernel refused a BPF_NETFILTER link (BPF_LINK_CREATE): %s",
			 strerror(-fd));
		probed.result = 2;
	}
	close(prog_fd);
}

int bpfy_netfilter__probe(char *reason, size_t reason_size)
{
	if (!probed.result)
		run_probe();
	if (reason && reason_size)
		snprintf(reason, reason_size, "%s", probed.reason);
	return probed.result == 1;
}

struct bpfy_link *bpfy_prog__attach_netfilter(struct bpfy_prog *prog, int pf, int hooknum,
					      int priority, uint32_t flags,
					      struct bpfy_error *error)
{
	char reason[256];
	int fd;

	if (!bpfy_netfilter__probe(reason, sizeof(reason))) {
		bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, probed.err,
				"cannot attach '%s' as a netfilter hook: %s", prog->name, reason);
		errno = probed.err;
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, PROG_TYPE_NETFILTER, ATTACH_NETFILTER, error))
		return NULL;
	fd = nf_link_create(prog->fd, pf, hooknum, priority, flags);
	if (fd < 0) {
		bpfy_error__set(error, BPFY_ERR_OS, -fd,
				"attaching '%s' to netfilter (pf %d, hook %d, priority %d, "
				"flags 0x%x): %s%s",
				prog->name, pf, hooknum, priority, flags, strerror(-fd),
				fd == -EBUSY ? " (another BPF program holds this priority)" :
				fd == -EAFNOSUPPORT ? " (pf must be NFPROTO_IPV4 (2) or "
						      "NFPROTO_IPV6 (10))" :
				fd == -EPROTO ? " (hooknum must be NF_INET_PRE_ROUTING (0) to "
						"NF_INET_POST_ROUTING (4))" :
				fd == -ERANGE ? " (priority must be neither INT_MIN nor INT_MAX)" :
				fd == -EOPNOTSUPP ? " (flags must be 0 or BPF_F_NETFILTER_IP_DEFRAG)" :
				"");
		errno = -fd;
		return NULL;
	}
	return bpfy_link__from_fd(fd);
}
