"""Detach semantics across every attach type: detach undoes exactly the
attachment, a second detach (or one of nothing) raises BPFError(ENOENT),
attaching twice raises EEXIST, close() detaches what is left and is
idempotent, and a closed object raises ValueError. Also num_open_* counters
and get_kprobe_functions' regular expressions (bcc's re.match semantics)."""
import errno
import os
import re
import socket
import subprocess

import pytest

from bpfy import BPF, BPFError
from bpfy.usdt import PRELUDE
from helpers import build_attach_target, new_cgroup, new_netns, new_veth

PID = os.getpid()
DEV, PEER = f"bpfyd{PID % 100000}", f"bpfye{PID % 100000}"
CGROUP = f"/sys/fs/cgroup/unified/bpfy-detach-{PID}"
NETNS = f"bpfy-detach-{PID}"
CC = f"bpfyd{PID % 1000000}"

SOURCE = PRELUDE + r'''
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";
extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

int on_tp(void *ctx) { return 0; }
int on_raw(struct bpf_raw_tracepoint_args *ctx) { return 0; }
int on_perf(struct bpf_perf_event_data *ctx) { return 0; }
int on_probe(struct pt_regs *ctx) { return 0; }
int on_usdt(struct pt_regs *ctx) { return 0; }
int on_xdp(struct xdp_md *ctx) { return XDP_PASS; }
int on_tc(struct __sk_buff *skb) { return 0; }
int on_sock(struct __sk_buff *skb) { return 0; }
int on_cgroup(struct __sk_buff *skb) { return 1; }
int on_reuseport(struct sk_reuseport_md *md) { return SK_PASS; }
int on_netfilter(struct bpf_nf_ctx *ctx) { return 1; }
SEC("iter/task")
int on_iter(struct bpf_iter__task *ctx) { return 0; }
SEC("struct_ops/d_cong_avoid")
void BPF_PROG(d_cong_avoid, struct sock *sk, u32 ack, u32 acked) { tcp_reno_cong_avoid(sk, ack, acked); }
SEC("struct_ops/d_ssthresh")
u32 BPF_PROG(d_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }
SEC("struct_ops/d_undo_cwnd")
u32 BPF_PROG(d_undo_cwnd, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }
SEC(".struct_ops")
struct tcp_congestion_ops detach_cc = {
    .cong_avoid = (void *)d_cong_avoid, .ssthresh = (void *)d_ssthresh,
    .undo_cwnd = (void *)d_undo_cwnd, .name = CC_NAME,
};
'''


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A target binary, a veth device, a cgroup, a netns, a reuseport socket."""
    exe = build_attach_target(tmp_path_factory.mktemp("detach"), usdt=True)
    with new_veth(DEV, PEER), new_cgroup(CGROUP), new_netns(NETNS):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        cgroup_fd = os.open(CGROUP, os.O_RDONLY | os.O_DIRECTORY)
        try:
            yield {"exe": exe, "sock": sock, "cgroup_fd": cgroup_fd}
        finally:
            os.close(cgroup_fd)
            sock.close()


@pytest.fixture
def b(world):
    with BPF(text=SOURCE, cflags=[f'-DCC_NAME="{CC}"']) as bpf:
        yield bpf


def fn(b, name, prog_type):
    return b.load_func(name, prog_type)


# (name, attach(b, w), detach(b, w)): each detach undoes its attach exactly
CASES = [
    ("tracepoint", lambda b, w: b.attach_tracepoint(tp="syscalls:sys_enter_getppid",
                                                    fn_name="on_tp"),
     lambda b, w: b.detach_tracepoint(tp="syscalls:sys_enter_getppid")),
    ("raw_tracepoint", lambda b, w: b.attach_raw_tracepoint(tp="sys_enter", fn_name="on_raw"),
     lambda b, w: b.detach_raw_tracepoint(tp="sys_enter")),
    ("perf_event", lambda b, w: b.attach_perf_event(ev_type=1, ev_config=0, fn_name="on_perf",
                                                    sample_freq=9),
     lambda b, w: b.detach_perf_event(ev_type=1, ev_config=0)),
    ("uprobe", lambda b, w: b.attach_uprobe(name=w["exe"], sym="probe_me", fn_name="on_probe"),
     lambda b, w: b.detach_uprobe(name=w["exe"], sym="probe_me")),
    ("uretprobe", lambda b, w: b.attach_uretprobe(name=w["exe"], sym="probe_me",
                                                  fn_name="on_probe"),
     lambda b, w: b.detach_uretprobe(name=w["exe"], sym="probe_me")),
    ("usdt", lambda b, w: b.attach_usdt(w["exe"], "bpfy", "tick", "on_usdt"),
     lambda b, w: b.detach_usdt(w["exe"], "bpfy", "tick")),
    ("tc", lambda b, w: b.attach_tc(DEV, "on_tc", "egress"),
     lambda b, w: b.detach_tc(DEV, "egress")),
    ("tc clsact", lambda b, w: b.attach_tc(DEV, "on_tc", "ingress", mode="clsact"),
     lambda b, w: b.detach_tc(DEV, "ingress")),
    ("raw_socket", lambda b, w: b.attach_raw_socket(fn(b, "on_sock", BPF.SOCKET_FILTER), DEV),
     lambda b, w: b.detach_raw_socket("on_sock", DEV)),
    ("cgroup", lambda b, w: b.attach_cgroup(CGROUP, "on_cgroup", 1),
     lambda b, w: b.detach_cgroup(CGROUP, attach_type=1)),
    ("func", lambda b, w: b.attach_func(fn(b, "on_cgroup", BPF.CGROUP_SKB), w["cgroup_fd"], 0),
     lambda b, w: b.detach_func("on_cgroup", w["cgroup_fd"], 0)),
    ("iter", lambda b, w: b.attach_iter("on_iter").close(),
     lambda b, w: b.detach_iter("on_iter")),
    ("sk_reuseport", lambda b, w: b.attach_sk_reuseport(w["sock"], "on_reuseport"),
     lambda b, w: b.detach_sk_reuseport(w["sock"])),
    ("netfilter", lambda b, w: b.attach_netfilter("on_netfilter", netns=NETNS),
     lambda b, w: b.detach_netfilter("on_netfilter", netns=NETNS)),
    ("struct_ops", lambda b, w: b.attach_struct_ops("detach_cc"),
     lambda b, w: b.detach_struct_ops("detach_cc")),
]


def links_of(b):
    return len(b._links())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_detach_is_exact_and_a_second_detach_is_enoent(b, world, case):
    name, attach, detach = case
    if name == "netfilter" and not BPF.support_netfilter():
        pytest.skip(f"no netfilter links: {BPF.netfilter_refusal()}")
    with pytest.raises(BPFError) as info:           # nothing attached yet
        detach(b, world)
    assert info.value.errno == errno.ENOENT
    attach(b, world)
    assert links_of(b) == 1
    if name != "iter":                               # attach_iter reuses its link
        with pytest.raises(BPFError) as info:
            attach(b, world)
        assert info.value.errno == errno.EEXIST, name
        assert links_of(b) == 1
    detach(b, world)
    assert links_of(b) == 0
    with pytest.raises(BPFError) as info:
        detach(b, world)
    assert info.value.errno == errno.ENOENT
    attach(b, world)                                 # attachable again after a detach
    assert links_of(b) == 1


def test_close_detaches_everything_and_closed_objects_refuse(world):
    b = BPF(text=SOURCE, cflags=[f'-DCC_NAME="{CC}"'])
    for name, attach, _ in CASES:
        if name == "netfilter" and not BPF.support_netfilter():
            continue
        attach(b, world)
    attached = links_of(b)
    assert attached >= len(CASES) - 1
    b.close()
    b.close()                                        # idempotent
    assert b.closed
    with open("/proc/sys/net/ipv4/tcp_available_congestion_control") as f:
        assert CC not in f.read().split()
    assert "bpf" not in subprocess.run(["tc", "filter", "show", "dev", DEV, "ingress"],
                                       capture_output=True, text=True).stdout
    for _, _, detach in CASES:
        with pytest.raises(ValueError):
            detach(b, world)
    with pytest.raises(ValueError):
        b.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="on_tp")


def test_remove_xdp_is_idempotent_like_bcc(b, world):
    b.attach_xdp(DEV, "on_xdp", 1 << 1)
    assert links_of(b) == 1
    b.remove_xdp(DEV)
    assert links_of(b) == 0
    b.remove_xdp(DEV)      # nothing there: bcc's remove_xdp succeeds too
    assert "xdp" not in subprocess.run(["ip", "link", "show", DEV], capture_output=True,
                                       text=True).stdout


def test_refused_attach_types_detach_with_enoent(b):
    for detach in (lambda: b.detach_kprobe("do_sys_openat2"),
                   lambda: b.detach_kretprobe("do_sys_openat2"),
                   lambda: b.detach_kfunc("on_tp"), lambda: b.detach_kretfunc("on_tp"),
                   lambda: b.detach_fmod_ret("on_tp"), lambda: b.detach_lsm("on_tp")):
        with pytest.raises(BPFError) as info:
            detach()
        assert info.value.errno == errno.ENOENT


def test_num_open_counters(b, world):
    assert (b.num_open_kprobes(), b.num_open_uprobes(), b.num_open_tracepoints()) == (0, 0, 0)
    if not BPF._kprobes_supported():
        with pytest.raises(BPFError):
            b.attach_kprobe(event="do_sys_openat2", fn_name="on_probe")
        assert b.num_open_kprobes() == 0                 # a refused attach leaves nothing
    b.attach_uprobe(name=world["exe"], sym_re=r"^(probe_me|main)$", fn_name="on_probe")
    b.attach_uretprobe(name=world["exe"], sym="probe_me", fn_name="on_probe")
    b.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="on_tp")
    assert (b.num_open_kprobes(), b.num_open_uprobes(), b.num_open_tracepoints()) == (0, 3, 1)
    b.detach_uprobe(name=world["exe"], sym="main")
    assert b.num_open_uprobes() == 2
    b.detach_uretprobe(name=world["exe"], sym="probe_me")
    assert b.num_open_uprobes() == 1


def test_get_kprobe_functions_regex_semantics():
    # re.match: anchored at the start, not at the end
    found = BPF.get_kprobe_functions(b"vfs_read")
    assert b"vfs_read" in found and all(n.startswith(b"vfs_read") for n in found)
    assert not {n for n in BPF.get_kprobe_functions(b"sys_openat2") if n != b"sys_openat2"}
    assert b"do_sys_openat2" in BPF.get_kprobe_functions(b".*sys_openat2$")
    # str, bytes and compiled patterns agree
    assert BPF.get_kprobe_functions("vfs_rea[dl]") == \
        BPF.get_kprobe_functions(b"vfs_rea[dl]") == \
        BPF.get_kprobe_functions(re.compile(b"vfs_rea[dl]"))
    # bcc's exclusions, and init/irqentry text
    assert not BPF.get_kprobe_functions(b"perf_event_open$")
    assert not BPF.get_kprobe_functions(b"__perf")
    assert not any(n.endswith(b".cold") or b".cold." in n
                   for n in BPF.get_kprobe_functions(b".*cold"))
    assert not BPF.get_kprobe_functions(b"start_kernel$")        # __init text
    assert not BPF.get_kprobe_functions(b"asm_exc_page_fault$")  # irqentry text
    assert BPF.get_kprobe_functions(b"exc_page_fault$") == {b"exc_page_fault"}
    # only text symbols: a data symbol never matches
    assert not BPF.get_kprobe_functions(b"jiffies_64$")
    with pytest.raises(re.error):
        BPF.get_kprobe_functions(b"(unclosed")
