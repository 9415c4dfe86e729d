"""Child of test_attach_cleanup.py: attaches a program of every attach type
this kernel supports, prints "ready", then waits to be SIGKILLed.

    attach_everything.py TARGET_EXE DEV CGROUP NETNS CC_NAME
"""
import os
import socket
import sys
import time

from bpfy import BPF
from bpfy.usdt import PRELUDE

exe, dev, cgroup, netns, cc_name = sys.argv[1:6]

SOURCE = PRELUDE + r'''
BPF_ARRAY(hits, u64, 16);
static __always_inline int hit(int slot) { hits.increment(slot); return 0; }
int on_tp(void *ctx) { return hit(0); }
int on_raw(struct bpf_raw_tracepoint_args *ctx) { return hit(1); }
SEC("tp_btf/sys_enter")
int BPF_PROG(on_btf, struct pt_regs *regs, long id) { return hit(2); }
int on_perf(struct bpf_perf_event_data *ctx) { return hit(3); }
int on_uprobe(struct pt_regs *ctx) { return hit(4); }
int on_uretprobe(struct pt_regs *ctx) { return hit(5); }
int on_usdt(struct pt_regs *ctx) { return hit(6); }
int on_xdp(struct xdp_md *ctx) { hit(7); return XDP_PASS; }
int on_tc_in(struct __sk_buff *skb) { hit(8); return 0; }
int on_tc_out(struct __sk_buff *skb) { hit(9); return 0; }
int on_sock(struct __sk_buff *skb) { hit(10); return 0; }
int on_cgroup(struct __sk_buff *skb) { hit(11); return 1; }
SEC("iter/task")
int on_iter(struct bpf_iter__task *ctx) { return hit(12); }
'''

b = BPF(text=SOURCE)
b.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="on_tp")
b.attach_raw_tracepoint(tp="sys_enter", fn_name="on_raw")
b.attach_perf_event(ev_type=1, ev_config=0, fn_name="on_perf", sample_freq=49)
b.attach_uprobe(name=exe, sym="probe_me", fn_name="on_uprobe")
b.attach_uretprobe(name=exe, sym="probe_me", fn_name="on_uretprobe")
b.attach_usdt(exe, "bpfy", "tick", "on_usdt")
b.attach_xdp(dev, "on_xdp", 1 << 1)
b.attach_tc(dev, "on_tc_in", "ingress")
b.attach_tc(dev, "on_tc_out", "egress")
b.attach_raw_socket("on_sock", dev)
b.attach_cgroup(cgroup, "on_cgroup", 1)
iterator = b.attach_iter("on_iter")

# a second object: GPL struct_ops (a TCP congestion control), sk_reuseport, netfilter
MORE = r'''
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";
extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;
SEC("struct_ops/k_cong_avoid")
void BPF_PROG(k_cong_avoid, struct sock *sk, u32 ack, u32 acked) { tcp_reno_cong_avoid(sk, ack, acked); }
SEC("struct_ops/k_ssthresh")
u32 BPF_PROG(k_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }
SEC("struct_ops/k_undo_cwnd")
u32 BPF_PROG(k_undo_cwnd, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }
SEC(".struct_ops")
struct tcp_congestion_ops kill_cc = {
    .cong_avoid = (void *)k_cong_avoid, .ssthresh = (void *)k_ssthresh,
    .undo_cwnd = (void *)k_undo_cwnd, .name = CC_NAME,
};
int on_reuseport(struct sk_reuseport_md *md) { return SK_PASS; }
int on_netfilter(struct bpf_nf_ctx *ctx) { return 1; }
'''
more = BPF(text=MORE, cflags=[f'-DCC_NAME="{cc_name}"'])
more.attach_struct_ops("kill_cc")
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
more.attach_sk_reuseport(listener, "on_reuseport")
if BPF.support_netfilter():
    more.attach_netfilter("on_netfilter", netns=netns)
print("ready", len(b._links()) + len(more._links()), flush=True)
while True:
    time.sleep(60)
