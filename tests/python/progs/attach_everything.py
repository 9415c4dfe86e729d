"""Child of test_attach_cleanup.py: attaches a program of every attach type
this kernel supports, prints "ready", then waits to be SIGKILLed.

    attach_everything.py TARGET_EXE DEV CGROUP
"""
import os
import sys
import time

from bpfy import BPF
from bpfy.usdt import PRELUDE

exe, dev, cgroup = sys.argv[1:4]

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
print("ready", len(b._links()), flush=True)
while True:
    time.sleep(60)
