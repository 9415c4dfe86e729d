/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of the bpfy runtime's public API (included by bpfy.h): attach types
 * beyond tracepoints.
 *
 * Every bpfy_prog__attach_* below loads the program first when it is not
 * loaded yet, with the program type the attach implies (a function already
 * loaded as another type gives -EINVAL/BPFY_ERR_USAGE naming both), and
 * returns a link owned by the caller: bpfy_link__destroy() detaches and
 * releases every fd the attachment holds. Every attachment is tied to an fd
 * of this process (a BPF link, a perf event, a socket), so nothing outlives
 * the process, with two documented exceptions: bpfy_prog__attach_func
 * (BPF_PROG_ATTACH has no link) and the clsact mode of attach_tc (the
 * fallback on kernels without tcx links). On failure: NULL with errno set
 * and error filled.
 */
#ifndef BPFY_ATTACH_H
#define BPFY_ATTACH_H

#include "bpfy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ perf events */

struct bpfy_perf_event_opts {
	size_t sz;		/* sizeof(struct bpfy_perf_event_opts) */
	uint32_t type;		/* PERF_TYPE_* (ignored when attr is given) */
	uint64_t config;	/* PERF_COUNT_* (ignored when attr is given) */
	uint64_t sample_period;	/* exactly one of period and freq is non-zero */
	uint64_t sample_freq;
	int pid;		/* -1: every process */
	int cpu;		/* < 0: one event on every online CPU */
	int group_fd;		/* -1: none */
	const void *attr;	/* raw struct perf_event_attr, or NULL */
	size_t attr_size;
};

/*
 * Opens the perf event(s) and attaches prog (loaded as PERF_EVENT) to each;
 * the link owns every perf event fd. A hardware event on a machine without a
 * PMU gives BPFY_ERR_UNSUPPORTED naming the event.
 */
struct bpfy_link *bpfy_prog__attach_perf_event(struct bpfy_prog *prog,
					       const struct bpfy_perf_event_opts *opts,
					       struct bpfy_error *error);

/* Online CPU numbers into cpus[0..room); returns how many (may exceed room),
 * or -errno. */
int bpfy_online_cpus(int *cpus, int room);

/* ---------------------------------------------------------------- uprobes */

/*
 * Attaches prog (loaded as KPROBE) at file offset `offset` of the ELF file
 * `path` (an executable or shared library), as a uretprobe when `retprobe`.
 * pid -1: every process; else only that process. perf_event based (no
 * tracefs entries are created).
 */
struct bpfy_link *bpfy_prog__attach_uprobe(struct bpfy_prog *prog, bool retprobe, int pid,
					   const char *path, uint64_t offset,
					   struct bpfy_error *error);

/*
 * Attaches prog to USDT probe provider:name in path (libbpf's USDT support;
 * the program must use <bpf/usdt.bpf.h> and be loaded as KPROBE).
 */
struct bpfy_link *bpfy_prog__attach_usdt(struct bpfy_prog *prog, int pid, const char *path,
					 const char *provider, const char *name,
					 struct bpfy_error *error);

/* ----------------------------------------------- kprobes and trampolines */

/*
 * kprobe/kretprobe through a perf_event link. On a kernel without kprobes
 * the error is BPFY_ERR_UNSUPPORTED "kernel built without CONFIG_KPROBES; use
 * a tracepoint or raw tracepoint" (errno EOPNOTSUPP), found by the failing
 * attach and confirmed by the absence of the kprobe PMU and kprobe_events.
 */
struct bpfy_link *bpfy_prog__attach_kprobe(struct bpfy_prog *prog, bool retprobe,
					   const char *func, uint64_t offset, int maxactive,
					   struct bpfy_error *error);

/* True when the kernel has kprobes (kprobe PMU or tracefs kprobe_events). */
bool bpfy_kprobes_supported(void);

enum bpfy_trampoline_kind {
	BPFY_TRAMPOLINE_FENTRY,
	BPFY_TRAMPOLINE_FEXIT,
	BPFY_TRAMPOLINE_FMOD_RET,
	BPFY_TRAMPOLINE_LSM,
};

/*
 * Feature probe: loads and attaches a tiny program of `kind` (fentry/fexit/
 * fmod_ret on a kernel function, LSM on a hook) and detaches it at once.
 * 1 when the kernel allows it; 0 when it refused, with `reason` (if not
 * NULL) naming what was refused and the errno; -errno when the probe itself
 * could not run. The result is cached per kind.
 */
int bpfy_trampoline__probe(enum bpfy_trampoline_kind kind, char *reason, size_t reason_size);

/*
 * Attaches a program whose section names its trampoline target
 * (fentry/..., fexit/..., fmod_ret/..., lsm/...). When the kernel refuses
 * trampolines the error is BPFY_ERR_UNSUPPORTED with the probe's reason.
 */
struct bpfy_link *bpfy_prog__attach_trampoline(struct bpfy_prog *prog,
					       enum bpfy_trampoline_kind kind,
					       struct bpfy_error *error);

/* ------------------------------------------------------------- networking */

/*
 * XDP through a BPF link on ifindex; flags are XDP_FLAGS_* (the mode bits
 * SKB/DRV/HW are passed to the kernel; UPDATE_IF_NOEXIST is implied by
 * links, which never replace another program).
 */
struct bpfy_link *bpfy_prog__attach_xdp(struct bpfy_prog *prog, int ifindex, uint32_t flags,
					struct bpfy_error *error);

/* Detaches whatever XDP program (not link) is attached to ifindex. 0 or -errno. */
int bpfy_xdp__detach(int ifindex, uint32_t flags, struct bpfy_error *error);

/*
 * Opens a raw packet socket (AF_PACKET, all protocols, non-blocking) bound
 * to ifname ("" or NULL: every interface) and attaches prog (SOCKET_FILTER)
 * to it. The link owns the socket; bpfy_link__fd() returns it.
 */
struct bpfy_link *bpfy_prog__attach_raw_socket(struct bpfy_prog *prog, const char *ifname,
					       struct bpfy_error *error);

enum bpfy_tc_mode {
	BPFY_TC_AUTO,		/* a tcx link, else (EINVAL: no tcx) a clsact filter */
	BPFY_TC_TCX,		/* a tcx link only (Linux 6.6) */
	BPFY_TC_CLSACT,		/* a clsact filter only (netlink, libbpf's tc API) */
};

/*
 * tc: prog (SCHED_CLS) on ifindex at ingress or egress. A tcx link is gone
 * with the process. A clsact filter is not: its qdisc is created when absent
 * and left in place, the filter (direct action, handle and priority chosen
 * by the kernel) is removed by destroying the link but survives a crash.
 */
struct bpfy_link *bpfy_prog__attach_tc(struct bpfy_prog *prog, int ifindex, bool egress,
				       enum bpfy_tc_mode mode, struct bpfy_error *error);

/* ---------------------------------------------------------- sk_reuseport */

/*
 * SO_ATTACH_REUSEPORT_EBPF: prog (SK_REUSEPORT, expected attach
 * BPF_SK_REUSEPORT_SELECT) picks the socket of sock_fd's reuseport group
 * that takes each new connection or datagram (bpf_sk_select_reuseport over
 * a REUSEPORT_SOCKARRAY). The link holds a dup of sock_fd (so the socket
 * stays open until the link is destroyed); destroying it runs
 * SO_DETACH_REUSEPORT_BPF and closes the dup. -EINVAL/BPFY_ERR_USAGE when the
 * socket has no SO_REUSEPORT.
 */
struct bpfy_link *bpfy_prog__attach_reuseport(struct bpfy_prog *prog, int sock_fd,
					      struct bpfy_error *error);

/* ------------------------------------------------------------ netfilter */

/*
 * Feature probe (cached): 1 when the kernel has BPF_PROG_TYPE_NETFILTER and
 * BPF_NETFILTER links; 0 with `reason` naming the refusal. Registers no hook.
 */
int bpfy_netfilter__probe(char *reason, size_t reason_size);

/*
 * Links prog (NETFILTER) to hook `hooknum` (NF_INET_*) of protocol family pf
 * (NFPROTO_IPV4 2, NFPROTO_IPV6 10) at priority in the network namespace of
 * the calling thread; flags: BPF_F_NETFILTER_IP_DEFRAG (1). Without kernel
 * support: BPFY_ERR_UNSUPPORTED with the probe's reason.
 */
struct bpfy_link *bpfy_prog__attach_netfilter(struct bpfy_prog *prog, int pf, int hooknum,
					      int priority, uint32_t flags,
					      struct bpfy_error *error);

/* ------------------------------------------------------------ struct_ops */

/*
 * Registers the struct_ops map map_name of obj (a SEC(".struct_ops") variable
 * such as a struct tcp_congestion_ops) with the kernel through libbpf;
 * destroying the link unregisters it. The kernel builds BPF trampolines
 * here: when it refuses (EPERM/EOPNOTSUPP) the error is BPFY_ERR_UNSUPPORTED
 * naming the map, its kernel type and the errno.
 */
struct bpfy_link *bpfy_object__attach_struct_ops(struct bpfy_object *obj, const char *map_name,
						 struct bpfy_error *error);

/* ---------------------------------------------------- cgroups, prog_attach */

/*
 * Program type implied by a cgroup attach type (enum bpf_attach_type), or 0
 * when the attach type is not a cgroup one.
 */
uint32_t bpfy_cgroup_attach_prog_type(uint32_t attach_type);

/* Links prog to the cgroup v2 directory cgroup_path at attach_type. */
struct bpfy_link *bpfy_prog__attach_cgroup(struct bpfy_prog *prog, const char *cgroup_path,
					   uint32_t attach_type, struct bpfy_error *error);

/*
 * BPF_PROG_ATTACH of prog (must be loaded) to target_fd (a cgroup, a
 * sockmap, ...; duplicated, the caller keeps its fd) at attach_type with
 * flags. Destroying the link runs BPF_PROG_DETACH. Not tied to the process:
 * an attachment made this way survives a crash of the caller.
 */
struct bpfy_link *bpfy_prog__attach_func(struct bpfy_prog *prog, int target_fd,
					 uint32_t attach_type, uint32_t flags,
					 struct bpfy_error *error);

/* ------------------------------------------------------------- iterators */

/*
 * Links an iterator program (section iter/<target>) and creates one
 * iterator: *iter_fd receives a readable fd owned by the caller (read() it
 * to run the program; each fd runs one pass). The link stays with the
 * caller too.
 */
struct bpfy_link *bpfy_prog__attach_iter(struct bpfy_prog *prog, int *iter_fd,
					 struct bpfy_error *error);

/* A new readable iterator fd from an existing iterator link, caller owns it. */
int bpfy_link__new_iter(const struct bpfy_link *link, struct bpfy_error *error);

#ifdef __cplusplus
}
#endif

#endif /* BPFY_ATTACH_H */
