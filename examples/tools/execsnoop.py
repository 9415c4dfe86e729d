#!/usr/bin/python3
"""execsnoop: trace new processes (execve) through the syscalls:sys_enter_execve
and sys_exit_execve tracepoints.

    execsnoop.py                 # every exec on the machine, until Ctrl-C
    execsnoop.py -n ssh -x       # only file names containing "ssh", with failures
    execsnoop.py --ppid 1234     # only children of 1234
"""
import argparse
import ctypes as ct

from bpfy import BPF

from _common import event_table, filter_cflags, poll_until_interrupted

PROGRAM = r'''
struct data_t {
    u32 pid;
    u32 ppid;
    s32 retval;
    char comm[TASK_COMM_LEN];
    char fname[160];
};
BPF_HASH(pending, u32, struct data_t);
BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(syscalls, sys_enter_execve) {
    struct data_t data = {};
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    u32 tid = bpf_get_current_pid_tgid();
    data.pid = bpf_get_current_pid_tgid() >> 32;
    data.ppid = BPF_CORE_READ(task, real_parent, tgid);
#ifdef FILTER_PPID
    if (data.ppid != FILTER_PPID)
        return 0;
#endif
    bpf_get_current_comm(&data.comm, sizeof(data.comm));
    bpf_probe_read_user_str(&data.fname, sizeof(data.fname), (void *)args->filename);
    pending.update(&tid, &data);
    return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_execve) {
    u32 tid = bpf_get_current_pid_tgid();
    struct data_t *data = pending.lookup(&tid);
    if (!data)
        return 0;
    data->retval = args->ret;
    bpf_get_current_comm(&data->comm, sizeof(data->comm));  /* the new program's */
    events.perf_submit(args, data, sizeof(*data));
    pending.delete(&tid);
    return 0;
}
'''


class Data(ct.Structure):
    """The C struct data_t, for kernels' tables that do not decode it themselves."""
    _fields_ = [("pid", ct.c_uint32), ("ppid", ct.c_uint32), ("retval", ct.c_int32),
                ("comm", ct.c_char * 16), ("fname", ct.c_char * 160)]


def main():
    parser = argparse.ArgumentParser(description="Trace exec() calls")
    parser.add_argument("-n", "--name", help="only file names containing NAME")
    parser.add_argument("-x", "--fails", action="store_true", help="include failed execs")
    parser.add_argument("--ppid", type=int, help="only children of this process")
    parser.add_argument("--max-events", type=int, help="exit after this many events")
    args = parser.parse_args()
    cflags = filter_cflags(FILTER_PPID=args.ppid)
    b = BPF(text=PROGRAM, cflags=cflags)
    events = event_table(b, "events", Data)
    shown = 0

    def on_event(cpu, data, size):
        nonlocal shown
        ev = events.event(data)
        fname = ev.fname.decode(errors="replace")
        if args.name and args.name not in fname:
            return
        if ev.retval != 0 and not args.fails:
            return
        print(f"{ev.comm.decode(errors='replace'):<16} {ev.pid:<7} {ev.ppid:<7} "
              f"{ev.retval:>3} {fname}", flush=True)
        shown += 1

    events.open_perf_buffer(on_event)
    poll_until_interrupted(b, f"{'PCOMM':<16} {'PID':<7} {'PPID':<7} {'RET':>3} FILE",
                           done=lambda: args.max_events and shown >= args.max_events)
    b.close()


if __name__ == "__main__":
    main()
