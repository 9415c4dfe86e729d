"""struct_ops: a minimal TCP congestion control (Reno through the kernel's
tcp_reno_* kfuncs, with call counters) registered with attach_struct_ops and
used by a loopback TCP connection through setsockopt(TCP_CONGESTION)."""
import errno
import os
import socket
import threading

import pytest

from bpfy import BPF, BPFError, UnsupportedError

CC = f"bpfy{os.getpid() % 10000000}".encode()
AVAILABLE = "/proc/sys/net/ipv4/tcp_available_congestion_control"

SOURCE = r'''
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";

extern u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked) __ksym;
extern u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

BPF_ARRAY(calls, u64, 4);   /* 0 init, 1 cong_avoid, 2 ssthresh, 3 undo_cwnd */

SEC("struct_ops/bpfy_init")
void BPF_PROG(bpfy_init, struct sock *sk) {
    int slot = 0;
    calls.increment(slot);
}
SEC("struct_ops/bpfy_cong_avoid")
void BPF_PROG(bpfy_cong_avoid, struct sock *sk, u32 ack, u32 acked) {
    int slot = 1;
    calls.increment(slot);
    tcp_reno_cong_avoid(sk, ack, acked);
}
SEC("struct_ops/bpfy_ssthresh")
u32 BPF_PROG(bpfy_ssthresh, struct sock *sk) {
    int slot = 2;
    calls.increment(slot);
    return tcp_reno_ssthresh(sk);
}
SEC("struct_ops/bpfy_undo_cwnd")
u32 BPF_PROG(bpfy_undo_cwnd, struct sock *sk) {
    int slot = 3;
    calls.increment(slot);
    return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops")
struct tcp_congestion_ops bpfy_cc = {
    .init = (void *)bpfy_init,
    .cong_avoid = (void *)bpfy_cong_avoid,
    .ssthresh = (void *)bpfy_ssthresh,
    .undo_cwnd = (void *)bpfy_undo_cwnd,
    .name = CC_NAME,
};
'''


def compile_cc():
    return BPF(text=SOURCE, cflags=[f'-DCC_NAME="{CC.decode()}"'])


def register(b):
    """attach_struct_ops, or skip with what the kernel refused."""
    try:
        b.attach_struct_ops("bpfy_cc")
    except UnsupportedError as exc:
        assert "struct_ops map 'bpfy_cc' (tcp_congestion_ops)" in str(exc)
        pytest.skip(f"kernel refused struct_ops: {exc}")


def available():
    with open(AVAILABLE) as f:
        return f.read().split()


def transfer(size=4 << 20):
    """A loopback TCP connection using CC; returns its congestion control name."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket()
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, CC)
    client.connect(server.getsockname())
    conn, _ = server.accept()
    received = []

    def drain():
        total = 0
        while total < size:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            total += len(chunk)
        received.append(total)

    reader = threading.Thread(target=drain)
    reader.start()
    client.sendall(b"x" * size)
    reader.join(10)
    name = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")
    for sock in (client, conn, server):
        sock.close()
    assert received == [size]
    return name


def test_tcp_congestion_control_used_by_a_loopback_connection():
    with compile_cc() as b:
        register(b)
        assert CC.decode() in available()
        assert transfer() == CC
        calls = [b["calls"][i].value for i in range(4)]
        assert calls[0] >= 1, "init runs when the socket takes the congestion control"
        assert calls[1] >= 1, "cong_avoid runs on the ACKs of a 4 MiB transfer"
        b.detach_struct_ops("bpfy_cc")
        assert CC.decode() not in available()
        with pytest.raises(BPFError) as info:
            b.detach_struct_ops("bpfy_cc")
        assert info.value.errno == errno.ENOENT


def test_close_unregisters_and_unknown_cc_is_refused():
    b = compile_cc()
    register(b)
    b.close()
    assert CC.decode() not in available()
    sock = socket.socket()
    with pytest.raises(OSError) as info:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, CC)
    assert info.value.errno == errno.ENOENT
    sock.close()


def test_struct_ops_errors():
    with compile_cc() as b:
        with pytest.raises(BPFError, match="no map named 'nope'"):
            b.attach_struct_ops("nope")
        with pytest.raises(BPFError, match="'calls' is not a struct_ops map") as info:
            b.attach_struct_ops("calls")
        assert info.value.errno == errno.EINVAL
        register(b)
        with pytest.raises(BPFError) as info:
            b.attach_struct_ops("bpfy_cc")
        assert info.value.errno == errno.EEXIST
