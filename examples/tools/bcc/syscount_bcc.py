#!/usr/bin/python3
# syscount_bcc: count syscalls by name, written against bcc's Python API
# (from bcc import BPF ...) so that it runs under bcc and under
# `python3 -m bpfy.compat syscount_bcc.py`. Ctrl-C (or -d) prints the top N.
from __future__ import print_function

import argparse
import signal
from time import sleep

from bcc import BPF
from bcc.syscall import syscall_name
from bcc.utils import printb

parser = argparse.ArgumentParser(description="Summarize syscall counts")
parser.add_argument("-p", "--pid", type=int, help="trace only this pid")
parser.add_argument("-T", "--top", type=int, default=10, help="print only the top syscalls")
parser.add_argument("-d", "--duration", type=int, help="total duration of trace, seconds")
parser.add_argument("-L", "--latency", action="store_true",
                    help="also print a log2 histogram of the syscall ids (for testing)")
args = parser.parse_args()

text = """
BPF_HASH(data, u32, u64);
BPF_HISTOGRAM(ids);

TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
    u64 pid_tgid = bpf_get_current_pid_tgid();
#ifdef FILTER_PID
    if (pid_tgid >> 32 != FILTER_PID)
        return 0;
#endif
    u32 key = args->id;
    u64 zero = 0, *val;
    val = data.lookup_or_try_init(&key, &zero);
    if (val) {
        lock_xadd(val, 1);
    }
    ids.increment(bpf_log2l(key));
    return 0;
}
"""
if args.pid:
    text = ("#define FILTER_PID %d\n" % args.pid) + text

bpf = BPF(text=text)
print("Tracing syscalls, printing top %d... Ctrl+C to quit." % args.top, flush=True)

signal.signal(signal.SIGTERM, signal.default_int_handler)
try:
    sleep(args.duration or 99999999)
except KeyboardInterrupt:
    pass

print("%-22s %8s" % ("SYSCALL", "COUNT"))
counts = bpf["data"]
for k, v in sorted(counts.items(), key=lambda kv: -kv[1].value)[:args.top]:
    printb(b"%-22s %8d" % (syscall_name(k.value), v.value))
if args.latency:
    bpf["ids"].print_log2_hist("id")
