#!/usr/bin/python3
# execsnoop_bcc: trace exec() calls through the syscalls:sys_enter_execve and
# sched:sched_process_exec tracepoints, written against bcc's Python API so
# that it runs under `python3 -m bpfy.compat execsnoop_bcc.py`.
from __future__ import print_function

import argparse

from bcc import BPF
from bcc.utils import ArgString, printb

parser = argparse.ArgumentParser(description="Trace exec() syscalls")
parser.add_argument("-n", "--name", type=ArgString,
                    help="only print commands whose file name contains this")
parser.add_argument("--max-events", type=int, help="exit after this many events")
args = parser.parse_args()

bpf_text = """
#include <uapi/linux/ptrace.h>
#include <linux/sched.h>

struct data_t {
    u32 pid;
    u32 ppid;
    char comm[TASK_COMM_LEN];
    char fname[128];
    int retval;
};
BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(syscalls, sys_enter_execve) {
    struct data_t data = {};
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    data.pid = bpf_get_current_pid_tgid() >> 32;
    data.ppid = BPF_CORE_READ(task, real_parent, tgid);
    bpf_get_current_comm(&data.comm, sizeof(data.comm));
    bpf_probe_read_user_str(&data.fname, sizeof(data.fname), (void *)args->filename);
    events.perf_submit(args, &data, sizeof(data));
    return 0;
}
"""

b = BPF(text=bpf_text)
print("%-16s %-7s %-7s %s" % ("PCOMM", "PID", "PPID", "FILE"), flush=True)

seen = [0]


def print_event(cpu, data, size):
    event = b["events"].event(data)
    if args.name and bytes(args.name) not in event.fname:
        return
    printb(b"%-16s %-7d %-7d %s" % (event.comm, event.pid, event.ppid, event.fname))
    seen[0] += 1


b["events"].open_perf_buffer(print_event)
while True:
    try:
        b.perf_buffer_poll()
    except KeyboardInterrupt:
        exit()
    if args.max_events and seen[0] >= args.max_events:
        exit()
