"""struct_ops: a TCP congestion control written in BPF (a struct
tcp_congestion_ops) registered with the kernel, chosen by a socket over
loopback, called by the kernel, and gone after detach (the guest of
`make test-vm`; skipped where the kernel refuses BPF trampolines)."""
import socket
import threading

import pytest

from bpfy import BPF, UnsupportedError
from vmfeatures import IN_GUEST

pytestmark = pytest.mark.vm

CA_NAME = "bpfy_test_ca"
SOURCE = r'''
BPF_ARRAY(calls, u64, 2);

SEC("struct_ops/bpfy_ca_init")
void BPF_PROG(bpfy_ca_init, struct sock *sk)
{
    int idx = 0;
    calls.increment(idx);
}

SEC("struct_ops/bpfy_ca_ssthresh")
__u32 BPF_PROG(bpfy_ca_ssthresh, struct sock *sk)
{
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    __u32 half = tp->snd_cwnd >> 1;
    return half > 2 ? half : 2;
}

SEC("struct_ops/bpfy_ca_cong_avoid")
void BPF_PROG(bpfy_ca_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
    int idx = 1;
    calls.increment(idx);
}

SEC("struct_ops/bpfy_ca_undo_cwnd")
__u32 BPF_PROG(bpfy_ca_undo_cwnd, struct sock *sk)
{
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    return tp->snd_cwnd;
}

SEC(".struct_ops")
struct tcp_congestion_ops bpfy_ca = {
    .init = (void *)bpfy_ca_init,
    .ssthresh = (void *)bpfy_ca_ssthresh,
    .cong_avoid = (void *)bpfy_ca_cong_avoid,
    .undo_cwnd = (void *)bpfy_ca_undo_cwnd,
    .name = "CA_NAME",
};
'''.replace("CA_NAME", CA_NAME)


def available():
    with open("/proc/sys/net/ipv4/tcp_available_congestion_control") as f:
        return f.read().split()


def loopback_transfer(size):
    """Send size bytes over a loopback TCP connection whose sender uses CA_NAME;
    the receiver reads in a thread."""
    got = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)

        def receive():
            conn, _ = server.accept()
            with conn:
                total = 0
                while chunk := conn.recv(1 << 16):
                    total += len(chunk)
                got.append(total)

        receiver = threading.Thread(target=receive, daemon=True)
        receiver.start()
        try:
            with socket.socket() as client:
                client.settimeout(60)
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, CA_NAME.encode())
                client.connect(server.getsockname())
                used = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
                assert used.rstrip(b"\0").decode() == CA_NAME
                client.sendall(b"x" * size)
        finally:
            receiver.join(60)
    assert got == [size]


def test_tcp_congestion_ops_registered_used_and_unregistered():
    if not hasattr(BPF, "attach_struct_ops"):
        pytest.skip("bpfy has no attach_struct_ops() yet")
    with BPF(text=SOURCE) as b:
        try:
            b.attach_struct_ops("bpfy_ca")
        except UnsupportedError as exc:
            if IN_GUEST:
                raise
            pytest.skip(f"struct_ops refused by this kernel: {exc}")
        assert CA_NAME in available()
        loopback_transfer(4 << 20)
        assert b["calls"][0].value >= 1       # init, once per socket
        assert b["calls"][1].value >= 1       # cong_avoid, as ACKs arrive
        b.detach_struct_ops("bpfy_ca")
        assert CA_NAME not in available()
        with pytest.raises(OSError):
            s = socket.socket()
            with s:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, CA_NAME.encode())
