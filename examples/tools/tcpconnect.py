#!/usr/bin/python3
"""tcpconnect: trace active TCP connections (connect()) through the
sock:inet_sock_set_state tracepoint (CLOSE -> SYN_SENT), IPv4 and IPv6.

    tcpconnect.py            # every connect on the machine
    tcpconnect.py -P 80      # only to port 80
"""
import argparse
import ctypes as ct
import ipaddress

from bpfy import BPF

from _common import event_table, filter_cflags, poll_until_interrupted

PROGRAM = r'''
struct data_t {
    u32 pid;
    u16 family;
    u16 dport;
    u16 sport;
    u8 saddr[16];
    u8 daddr[16];
    char comm[TASK_COMM_LEN];
};
BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(sock, inet_sock_set_state) {
    if (args->protocol != IPPROTO_TCP)
        return 0;
    if (args->oldstate != TCP_CLOSE || args->newstate != TCP_SYN_SENT)
        return 0;
#ifdef FILTER_PORT
    if (args->dport != FILTER_PORT)
        return 0;
#endif
    struct data_t data = {};
    data.pid = bpf_get_current_pid_tgid() >> 32;
    data.family = args->family;
    data.dport = args->dport;
    data.sport = args->sport;
    if (args->family == AF_INET) {
        __builtin_memcpy(data.saddr, args->saddr, 4);
        __builtin_memcpy(data.daddr, args->daddr, 4);
    } else {
        __builtin_memcpy(data.saddr, args->saddr_v6, 16);
        __builtin_memcpy(data.daddr, args->daddr_v6, 16);
    }
    bpf_get_current_comm(&data.comm, sizeof(data.comm));
    events.perf_submit(args, &data, sizeof(data));
    return 0;
}
'''

TCP_CLOSE, TCP_SYN_SENT, AF_INET = 7, 2, 2


class Data(ct.Structure):
    _fields_ = [("pid", ct.c_uint32), ("family", ct.c_uint16), ("dport", ct.c_uint16),
                ("sport", ct.c_uint16), ("saddr", ct.c_uint8 * 16), ("daddr", ct.c_uint8 * 16),
                ("comm", ct.c_char * 16)]


def address(family, raw):
    raw = bytes(raw)
    return str(ipaddress.IPv4Address(raw[:4]) if family == AF_INET else ipaddress.IPv6Address(raw))


def main():
    parser = argparse.ArgumentParser(description="Trace TCP connects")
    parser.add_argument("-P", "--port", type=int, help="only this destination port")
    args = parser.parse_args()
    cflags = [f"-DTCP_CLOSE={TCP_CLOSE}", f"-DTCP_SYN_SENT={TCP_SYN_SENT}"]
    cflags += filter_cflags(FILTER_PORT=args.port)
    b = BPF(text=PROGRAM, cflags=cflags)
    events = event_table(b, "events", Data)

    def on_event(cpu, data, size):
        ev = events.event(data)
        ip = 4 if ev.family == AF_INET else 6
        print(f"{ev.pid:<7} {ev.comm.decode(errors='replace'):<16} {ip:<2} "
              f"{address(ev.family, ev.saddr):<16} {address(ev.family, ev.daddr):<16} "
              f"{ev.dport}", flush=True)

    events.open_perf_buffer(on_event)
    poll_until_interrupted(b, f"{'PID':<7} {'COMM':<16} {'IP':<2} {'SADDR':<16} {'DADDR':<16} "
                              "DPORT")
    b.close()


if __name__ == "__main__":
    main()
