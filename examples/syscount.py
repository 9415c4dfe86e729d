#!/usr/bin/python3
"""syscount: count system calls by name, system-wide or for one process.

    examples/syscount.py -d 5          # top 10 syscalls over 5 seconds
    examples/syscount.py -p 1234 -T 20 # one process, top 20, until Ctrl-C
"""
import argparse
import signal
import time

from bpfy import BPF
from bpfy.syscall import syscall_name

PROGRAM = r'''
BPF_HASH(counts, u32, u64);

TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
#ifdef FILTER_PID
    if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
        return 0;
#endif
    u32 id = args->id;
    counts.increment(id);
    return 0;
}
'''


def parse_args():
    parser = argparse.ArgumentParser(description="Count system calls by name.")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace (default: until Ctrl-C)")
    parser.add_argument("-p", "--pid", type=int, help="trace only this process id")
    parser.add_argument("-T", "--top", type=int, default=10, help="how many syscalls to show")
    return parser.parse_args()


def main():
    args = parse_args()
    cflags = [f"-DFILTER_PID={args.pid}"] if args.pid else []
    with BPF(text=PROGRAM, cflags=cflags) as b:
        who = f"process {args.pid}" if args.pid else "all processes"
        span = f"{args.duration:g} s" if args.duration else "until Ctrl-C"
        print(f"Tracing syscalls of {who} for {span}...", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            time.sleep(args.duration) if args.duration else signal.pause()
        except KeyboardInterrupt:
            pass
        counts = sorted(b["counts"].items(), key=lambda kv: -kv[1].value)
        print(f"{'SYSCALL':<24} {'COUNT':>10}")
        for key, value in counts[:args.top]:
            print(f"{syscall_name(key.value).decode():<24} {value.value:>10}")


if __name__ == "__main__":
    main()
