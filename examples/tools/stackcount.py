#!/usr/bin/python3
"""stackcount: count the kernel (and user) stacks that reach a tracepoint.

    stackcount.py sched:sched_switch -d 2
    stackcount.py syscalls:sys_enter_getppid -p 1234 -U
"""
import argparse

from bpfy import BPF

from _common import filter_cflags, kernel_frames, user_frames, wait_until_interrupted

PROGRAM = r'''
struct key_t {
    u32 pid;
    s64 user_stack_id;
    s64 kernel_stack_id;
};
BPF_HASH(counts, struct key_t, u64);
BPF_STACK_TRACE(stack_traces, 4096);

int trace_count(void *ctx) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
#ifdef FILTER_PID
    if (tgid != FILTER_PID)
        return 0;
#endif
    struct key_t key = {};
    key.pid = tgid;
    key.kernel_stack_id = stack_traces.get_stackid(ctx, 0);
    key.user_stack_id = USER_STACKS ? stack_traces.get_stackid(ctx, BPF_F_USER_STACK) : -1;
    counts.increment(key);
    return 0;
}
'''


def main():
    parser = argparse.ArgumentParser(description="Count stacks at a tracepoint")
    parser.add_argument("tracepoint", help="category:event")
    parser.add_argument("-p", "--pid", type=int, help="only this process")
    parser.add_argument("-U", "--user", action="store_true", help="user stacks too")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    cflags = [f"-DUSER_STACKS={int(args.user)}"] + filter_cflags(FILTER_PID=args.pid)
    b = BPF(text=PROGRAM, cflags=cflags)
    b.attach_tracepoint(tp=args.tracepoint, fn_name="trace_count")
    wait_until_interrupted(f"Tracing {args.tracepoint}... Hit Ctrl-C to end.", args.duration)
    stacks = b["stack_traces"]
    totals = {}
    for key, value in b["counts"].items():
        frames = kernel_frames(b, stacks, key.kernel_stack_id)
        if args.user:
            frames += user_frames(b, stacks, key.user_stack_id, key.pid)
        totals[tuple(frames)] = totals.get(tuple(frames), 0) + value.value
    for frames, count in sorted(totals.items(), key=lambda kv: kv[1]):
        for frame in frames:
            print(f"  {frame}")
        print(f"    {count}\n")
    b.close()


if __name__ == "__main__":
    main()
