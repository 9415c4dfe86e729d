#!/usr/bin/python3
"""offcputime: total time threads spent blocked (off CPU), by kernel and
user stack (raw tracepoint sched_switch, BPF_STACK_TRACE).

    offcputime.py -d 5           # every process, 5 seconds
    offcputime.py -p 1234 -f     # one process, folded output for flame graphs
"""
import argparse

from bpfy import BPF

from _common import filter_cflags, kernel_frames, print_stack, wait_until_interrupted

PROGRAM = r'''
struct key_t {
    u32 pid;
    u32 tgid;
    s64 user_stack_id;
    s64 kernel_stack_id;
    char name[TASK_COMM_LEN];
};
BPF_HASH(start, u32, u64);
BPF_HASH(counts, struct key_t, u64);
BPF_STACK_TRACE(stack_traces, 4096);

RAW_TRACEPOINT_PROBE(sched_switch) {
    struct task_struct *prev = (struct task_struct *)ctx->args[1];
    struct task_struct *next = (struct task_struct *)ctx->args[2];
    u32 pid = BPF_CORE_READ(prev, pid), tgid = BPF_CORE_READ(prev, tgid);
    u64 ts;
#ifdef FILTER_PID
    if (tgid == FILTER_PID)
#endif
    if (pid) {
        ts = bpf_ktime_get_ns();
        start.update(&pid, &ts);
    }
    /* next runs now: account the time it was off CPU, with its stack */
    pid = BPF_CORE_READ(next, pid);
    u64 *tsp = start.lookup(&pid);
    if (!tsp)
        return 0;
    u64 delta = bpf_ktime_get_ns() - *tsp;
    start.delete(&pid);
    if (delta < MIN_NS)
        return 0;
    struct key_t key = {};
    key.pid = pid;
    key.tgid = BPF_CORE_READ(next, tgid);
    /* the stacks of `next` are where it blocked: it is still in the
     * scheduler, so take the kernel stack now; the user one follows */
    key.kernel_stack_id = stack_traces.get_stackid(ctx, 0);
    key.user_stack_id = -1;
    BPF_CORE_READ_STR_INTO(&key.name, next, comm);
    counts.increment(key, delta / 1000);
    return 0;
}
'''


def main():
    parser = argparse.ArgumentParser(description="Off-CPU time by stack")
    parser.add_argument("-p", "--pid", type=int, help="trace only this process")
    parser.add_argument("-f", "--folded", action="store_true", help="folded stacks output")
    parser.add_argument("-m", "--min-us", type=int, default=1, help="ignore shorter blocks")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    cflags = [f"-DMIN_NS={args.min_us * 1000}"] + filter_cflags(FILTER_PID=args.pid)
    b = BPF(text=PROGRAM, cflags=cflags)
    wait_until_interrupted("Tracing off-CPU time (us) by kernel stack... Hit Ctrl-C to end.",
                           args.duration)
    stacks = b["stack_traces"]
    for key, value in sorted(b["counts"].items(), key=lambda kv: kv[1].value):
        if args.pid and key.tgid != args.pid:
            continue
        kernel = kernel_frames(b, stacks, key.kernel_stack_id)
        print_stack(key.name.decode(errors="replace"), key.pid, kernel, [], value.value,
                    args.folded)
    b.close()


if __name__ == "__main__":
    main()
