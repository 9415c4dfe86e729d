#!/usr/bin/python3
"""killsnoop: trace kill() signals (syscalls:sys_enter_kill/sys_exit_kill).

    killsnoop.py            # every kill() on the machine
    killsnoop.py -x         # only failed ones
    killsnoop.py -s 15      # only SIGTERM
"""
import argparse
import ctypes as ct

from bpfy import BPF

from _common import event_table, filter_cflags, poll_until_interrupted

PROGRAM = r'''
struct data_t {
    u32 pid;
    s32 tpid;
    s32 sig;
    s32 ret;
    char comm[TASK_COMM_LEN];
};
BPF_HASH(pending, u32, struct data_t);
BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(syscalls, sys_enter_kill) {
#ifdef FILTER_SIG
    if (args->sig != FILTER_SIG)
        return 0;
#endif
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = id;
    struct data_t data = {};
    data.pid = id >> 32;
    data.tpid = args->pid;
    data.sig = args->sig;
    bpf_get_current_comm(&data.comm, sizeof(data.comm));
    pending.update(&tid, &data);
    return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_kill) {
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
    _fields_ = [("pid", ct.c_uint32), ("tpid", ct.c_int32), ("sig", ct.c_int32),
                ("ret", ct.c_int32), ("comm", ct.c_char * 16)]


def main():
    parser = argparse.ArgumentParser(description="Trace kill() signals")
    parser.add_argument("-x", "--failed", action="store_true", help="only failed kills")
    parser.add_argument("-s", "--signal", type=int, help="only this signal number")
    args = parser.parse_args()
    cflags = filter_cflags(FILTER_SIG=args.signal)
    b = BPF(text=PROGRAM, cflags=cflags)
    events = event_table(b, "events", Data)

    def on_event(cpu, data, size):
        ev = events.event(data)
        if args.failed and ev.ret >= 0:
            return
        print(f"{ev.pid:<7} {ev.comm.decode(errors='replace'):<16} {ev.sig:>4} "
              f"{ev.tpid:<7} {ev.ret}", flush=True)

    events.open_perf_buffer(on_event)
    poll_until_interrupted(b, f"{'PID':<7} {'COMM':<16} {'SIG':>4} {'TPID':<7} RESULT")
    b.close()


if __name__ == "__main__":
    main()
