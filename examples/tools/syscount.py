#!/usr/bin/python3
"""syscount: count syscalls (and their total latency with -L) by syscall or
by process (raw_syscalls:sys_enter/sys_exit tracepoints).

    syscount.py -d 5            # top 10 syscalls over 5 s
    syscount.py -p 1234 -L      # one process, with latency
    syscount.py -P              # by process
"""
import argparse

from bpfy import BPF
from bpfy.syscall import syscall_name

from _common import filter_cflags, wait_until_interrupted

PROGRAM = r'''
struct stat_t { u64 count; u64 total_ns; };
BPF_HASH(start, u32, u64);
BPF_HASH(data, u32, struct stat_t);

static inline bool wanted(u64 id) {
#ifdef FILTER_PID
    return (id >> 32) == FILTER_PID;
#else
    return true;
#endif
}

TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
    u64 id = bpf_get_current_pid_tgid();
    if (!wanted(id))
        return 0;
    u32 tid = id;
    u64 ts = bpf_ktime_get_ns();
    start.update(&tid, &ts);
    return 0;
}

TRACEPOINT_PROBE(raw_syscalls, sys_exit) {
    u64 id = bpf_get_current_pid_tgid();
    if (!wanted(id))
        return 0;
    u32 tid = id;
    u64 *ts = start.lookup(&tid);
    if (!ts)
        return 0;
#ifdef BY_PROCESS
    u32 key = id >> 32;
#else
    u32 key = args->id;
#endif
    struct stat_t zero = {}, *st = data.lookup_or_try_init(&key, &zero);
    if (st) {
        __sync_fetch_and_add(&st->count, 1);
        __sync_fetch_and_add(&st->total_ns, bpf_ktime_get_ns() - *ts);
    }
    start.delete(&tid);
    return 0;
}
'''


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "[exited]"


def main():
    parser = argparse.ArgumentParser(description="Count syscalls")
    parser.add_argument("-p", "--pid", type=int, help="trace only this process")
    parser.add_argument("-P", "--process", action="store_true", help="count by process")
    parser.add_argument("-L", "--latency", action="store_true", help="show total latency")
    parser.add_argument("-T", "--top", type=int, default=10, help="rows to print")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    cflags = filter_cflags(FILTER_PID=args.pid)
    if args.process:
        cflags.append("-DBY_PROCESS")
    b = BPF(text=PROGRAM, cflags=cflags)
    wait_until_interrupted("Tracing syscalls... Ctrl-C to end.", args.duration)
    rows = sorted(b["data"].items(), key=lambda kv: -kv[1].count)[:args.top]
    label = "PID    COMM" if args.process else "SYSCALL"
    print(f"{label:<22} {'COUNT':>10}" + (f" {'TIME (us)':>12}" if args.latency else ""))
    for key, st in rows:
        name = (f"{key.value:<6} {comm_of(key.value)}" if args.process
                else syscall_name(key.value).decode())
        line = f"{name:<22} {st.count:>10}"
        if args.latency:
            line += f" {st.total_ns / 1000:>12.1f}"
        print(line)
    b.close()


if __name__ == "__main__":
    main()
