"""Implicit kernel reads through sk_buff and sock fields (bcc's rewrite of
`skb->sk->...`), on raw tracepoints that attach here, compared with what
Python knows of its own loopback sockets (ports, socket inode, payload size)."""
import os
import socket

import pytest

from bpfy import BPF

PID = os.getpid()

# net_dev_queue(struct sk_buff *skb): our UDP datagram leaving through lo
SKB_SRC = r'''
BPF_ARRAY(out, u64, 8);
RAW_TRACEPOINT_PROBE(net_dev_queue) {
    struct sk_buff *skb = (struct sk_buff *)ctx->args[0];
    struct sock *sk = skb->sk;                       /* chain 1 */
    if ((bpf_get_current_pid_tgid() >> 32) != PID || !sk) return 0;
    if (bpf_ntohs(sk->__sk_common.skc_dport) != DPORT) return 0;   /* chain 2 */
    { int k = 0; u64 v = skb->sk->__sk_common.skc_num; out.update(&k, &v); }
    { int k = 1; u64 v = skb->len; out.update(&k, &v); }
    { int k = 2; u64 v = skb->dev->ifindex; out.update(&k, &v); }
    { int k = 3; u64 v = skb->sk->sk_socket->file->f_inode->i_ino; out.update(&k, &v); }  /* chain 4 */
    { int k = 4; u64 v = sk->sk_protocol; out.update(&k, &v); }
    return 0;
}
'''

# inet_sock_set_state(const struct sock *sk, int oldstate, int newstate)
SOCK_SRC = r'''
BPF_ARRAY(out, u64, 8);
RAW_TRACEPOINT_PROBE(inet_sock_set_state) {
    struct sock *sk = (struct sock *)ctx->args[0];
    int newstate = ctx->args[2];
    u16 lport = sk->__sk_common.skc_num;
    u16 dport = bpf_ntohs(sk->__sk_common.skc_dport);
    if (newstate != TCP_ESTABLISHED || dport != LPORT) return 0;
    { int k = 0; u64 v = lport; out.update(&k, &v); }
    { int k = 1; u64 v = sk->__sk_common.skc_family; out.update(&k, &v); }
    { int k = 2; u64 v = bpf_ntohl(sk->__sk_common.skc_daddr); out.update(&k, &v); }
    { int k = 3; u64 v = bpf_ntohl(sk->__sk_common.skc_rcv_saddr); out.update(&k, &v); }
    return 0;
}
'''


def _values(b):
    return [b["out"][i].value for i in range(8)]


def test_skb_chains_udp_loopback():
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.connect(("127.0.0.1", port))  # a connected socket has skc_dport
    payload = b"x" * 37
    try:
        with BPF(text=SKB_SRC, cflags=[f"-DPID={PID}", f"-DDPORT={port}"]) as b:
            tx.send(payload)
            assert rx.recv(100) == payload
            sport, length, ifindex, ino, proto = _values(b)[:5]
        assert sport == tx.getsockname()[1]
        assert length == 14 + 20 + 8 + len(payload)   # lo has an Ethernet header
        assert ifindex == socket.if_nametoindex("lo")
        assert ino == os.fstat(tx.fileno()).st_ino
        assert proto == socket.IPPROTO_UDP
    finally:
        rx.close()
        tx.close()


def test_sock_chains_tcp_loopback():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    try:
        with BPF(text=SOCK_SRC, cflags=[f"-DLPORT={port}"]) as b:
            cli = socket.create_connection(("127.0.0.1", port))
            conn, _ = srv.accept()
            lport, family, daddr, saddr = _values(b)[:4]
            conn.close()
            cli_port = cli.getsockname()[1]
            cli.close()
        assert lport == cli_port
        assert family == socket.AF_INET
        assert daddr == saddr == 0x7F000001
    finally:
        srv.close()


def test_sock_rewrite_is_visible(capsys):
    """The rewrite wrapped each read of the chain (CO-RE'd probe reads)."""
    from bpfy.bpf import DEBUG_SOURCE
    with BPF(text=SKB_SRC, cflags=[f"-DPID={PID}", "-DDPORT=1"], debug=DEBUG_SOURCE,
             no_cache=True) as b:
        src = b.generated_source
    capsys.readouterr()
    assert ("BPFY_KREAD(BPFY_KREAD(BPFY_KREAD(BPFY_KREAD(BPFY_KREAD(skb->sk)->sk_socket)"
            "->file)->f_inode)->i_ino)") in src
