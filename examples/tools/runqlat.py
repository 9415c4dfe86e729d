#!/usr/bin/python3
"""runqlat: run queue (scheduler) latency histogram: time from a task's
wakeup to it running (raw tracepoints sched_wakeup, sched_wakeup_new,
sched_switch; BTF task_struct reads through CO-RE).

    runqlat.py -d 5          # usecs histogram
    runqlat.py -p 1234 -m    # one process, msecs
"""
import argparse

from bpfy import BPF
from bpfy import histogram

from _common import filter_cflags, wait_until_interrupted

PROGRAM = r'''
BPF_HASH(start, u32, u64);
BPF_HISTOGRAM(dist);

static inline int enqueue(struct task_struct *p) {
    u32 tgid = BPF_CORE_READ(p, tgid), pid = BPF_CORE_READ(p, pid);
#ifdef FILTER_PID
    if (tgid != FILTER_PID)
        return 0;
#endif
    if (!pid)
        return 0;
    u64 ts = bpf_ktime_get_ns();
    start.update(&pid, &ts);
    return 0;
}

RAW_TRACEPOINT_PROBE(sched_wakeup) {
    return enqueue((struct task_struct *)ctx->args[0]);
}

RAW_TRACEPOINT_PROBE(sched_wakeup_new) {
    return enqueue((struct task_struct *)ctx->args[0]);
}

RAW_TRACEPOINT_PROBE(sched_switch) {
    /* TP_PROTO(bool preempt, struct task_struct *prev, struct task_struct *next, ...) */
    struct task_struct *prev = (struct task_struct *)ctx->args[1];
    struct task_struct *next = (struct task_struct *)ctx->args[2];
    if (BPF_CORE_READ(prev, __state) == TASK_RUNNING)
        enqueue(prev);  /* preempted: back on the run queue at once */
    u32 pid = BPF_CORE_READ(next, pid);
    u64 *tsp = start.lookup(&pid);
    if (!tsp)
        return 0;
    u64 delta = (bpf_ktime_get_ns() - *tsp) / UNIT_NS;
    start.delete(&pid);
    dist.atomic_increment(bpf_log2l(delta));
    return 0;
}
'''


def main():
    parser = argparse.ArgumentParser(description="Run queue latency histogram")
    parser.add_argument("-p", "--pid", type=int, help="trace only this process")
    parser.add_argument("-m", "--milliseconds", action="store_true", help="msecs, not usecs")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    histogram.install()
    cflags = [f"-DUNIT_NS={1000000 if args.milliseconds else 1000}"]
    cflags += filter_cflags(FILTER_PID=args.pid)
    b = BPF(text=PROGRAM, cflags=cflags)
    wait_until_interrupted("Tracing run queue latency... Hit Ctrl-C to end.", args.duration)
    b["dist"].print_log2_hist("msecs" if args.milliseconds else "usecs")
    b.close()


if __name__ == "__main__":
    main()
