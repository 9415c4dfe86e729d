#!/usr/bin/python3
"""profile: sample stacks on every CPU at a fixed frequency (a software
perf event, PERF_COUNT_SW_CPU_CLOCK), kernel and user.

    profile.py -F 99 -d 5        # 99 Hz for 5 seconds
    profile.py -p 1234 -f        # one process, folded output
"""
import argparse

from bpfy import BPF

from _common import (filter_cflags, kernel_frames, print_stack, user_frames,
                     wait_until_interrupted)

PROGRAM = r'''
struct key_t {
    u32 pid;
    s64 user_stack_id;
    s64 kernel_stack_id;
    char name[TASK_COMM_LEN];
};
BPF_HASH(counts, struct key_t, u64);
BPF_STACK_TRACE(stack_traces, 16384);

int do_perf_event(struct bpf_perf_event_data *ctx) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
#ifdef FILTER_PID
    if (tgid != FILTER_PID)
        return 0;
#endif
    struct key_t key = {};
    key.pid = tgid;
    bpf_get_current_comm(&key.name, sizeof(key.name));
    key.user_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
    key.kernel_stack_id = stack_traces.get_stackid(ctx, 0);
    counts.increment(key);
    return 0;
}
'''

PERF_TYPE_SOFTWARE = 1
PERF_COUNT_SW_CPU_CLOCK = 0


def main():
    parser = argparse.ArgumentParser(description="Profile CPU stacks")
    parser.add_argument("-p", "--pid", type=int, help="profile only this process")
    parser.add_argument("-F", "--frequency", type=int, default=49, help="samples a second")
    parser.add_argument("-f", "--folded", action="store_true", help="folded stacks output")
    parser.add_argument("-d", "--duration", type=float, help="seconds to profile")
    args = parser.parse_args()
    cflags = filter_cflags(FILTER_PID=args.pid)
    b = BPF(text=PROGRAM, cflags=cflags)
    b.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK,
                        fn_name="do_perf_event", sample_freq=args.frequency)
    wait_until_interrupted(f"Sampling at {args.frequency} Hertz of all threads by user + kernel "
                           "stack... Hit Ctrl-C to end.", args.duration)
    stacks = b["stack_traces"]
    for key, value in sorted(b["counts"].items(), key=lambda kv: kv[1].value):
        user = user_frames(b, stacks, key.user_stack_id, key.pid)
        kernel = kernel_frames(b, stacks, key.kernel_stack_id)
        print_stack(key.name.decode(errors="replace"), key.pid, kernel, user, value.value,
                    args.folded)
    b.close()


if __name__ == "__main__":
    main()
