#!/usr/bin/python3
"""opensnoop: trace openat() calls (syscalls:sys_enter_openat/sys_exit_openat).

    opensnoop.py             # every open on the machine
    opensnoop.py -p 1234     # one process
    opensnoop.py -x          # only failed opens
"""
import argparse
import ctypes as ct
import time

from bpfy import BPF

from _common import event_table, filter_cflags, poll_until_interrupted

PROGRAM = r'''
struct data_t {
    u32 pid;
    s32 ret;
    s32 flags;
    char comm[TASK_COMM_LEN];
    char fname[200];
};
BPF_HASH(pending, u32, struct data_t);
BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(syscalls, sys_enter_openat) {
    u64 id = bpf_get_current_pid_tgid();
#ifdef FILTER_PID
    if ((id >> 32) != FILTER_PID)
        return 0;
#endif
    u32 tid = id;
    struct data_t data = {};
    data.pid = id >> 32;
    data.flags = args->flags;
    bpf_get_current_comm(&data.comm, sizeof(data.comm));
    bpf_probe_read_user_str(&data.fname, sizeof(data.fname), (void *)args->filename);
    pending.update(&tid, &data);
    return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_openat) {
    u32 tid = bpf_get_current_pid_tgid();
    struct data_t *data = pending.lookup(&tid);
    if (!data)
        return 0;
    data->ret = args->ret;
    events.perf_submit(args, data, sizeof(*data));
    pending.delete(&tid);
    return 0;
}
'''


class Data(ct.Structure):
    _fields_ = [("pid", ct.c_uint32), ("ret", ct.c_int32), ("flags", ct.c_int32),
                ("comm", ct.c_char * 16), ("fname", ct.c_char * 200)]


def main():
    parser = argparse.ArgumentParser(description="Trace openat() calls")
    parser.add_argument("-p", "--pid", type=int, help="trace only this process")
    parser.add_argument("-x", "--failed", action="store_true", help="only failed opens")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    cflags = filter_cflags(FILTER_PID=args.pid)
    b = BPF(text=PROGRAM, cflags=cflags)
    events = event_table(b, "events", Data)

    def on_event(cpu, data, size):
        ev = events.event(data)
        if args.failed and ev.ret >= 0:
            return
        fd, err = (ev.ret, 0) if ev.ret >= 0 else (-1, -ev.ret)
        print(f"{ev.pid:<7} {ev.comm.decode(errors='replace'):<16} {fd:>4} {err:>3} "
              f"{ev.fname.decode(errors='replace')}", flush=True)

    events.open_perf_buffer(on_event)
    deadline = time.monotonic() + args.duration if args.duration else None
    poll_until_interrupted(b, f"{'PID':<7} {'COMM':<16} {'FD':>4} {'ERR':>3} PATH",
                           done=lambda: deadline is not None and time.monotonic() >= deadline)
    b.close()


if __name__ == "__main__":
    main()
