"""Netfilter BPF links: a program on NF_INET_LOCAL_IN of a network namespace
the test creates counts (and then drops) UDP packets sent over that
namespace's loopback; skipped, naming the refusal, where the kernel has no
netfilter links."""
import errno
import os
import sys

import pytest

from bpfy import BPF, BPFError, UnsupportedError
from bpfy.attach import NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NFPROTO_IPV4
from helpers import new_netns, sh

PID = os.getpid()
NS = f"bpfy-nf-{PID}"
PAYLOAD = 123
IP_LEN = 20 + 8 + PAYLOAD      # what the hook sees as skb->len: unique to our packets
N = 10

SOURCE = r'''
BPF_ARRAY(counts, u64, 2);     /* 0: our packets at the hook, 1: every IPv4 packet */
BPF_ARRAY(drop, u32, 1);

int nf_count(struct bpf_nf_ctx *ctx) {
    int zero = 0, one = 1;
    counts.increment(one);
    if (ctx->skb->len != IP_LEN)
        return 1;              /* NF_ACCEPT */
    counts.increment(zero);
    u32 *d = drop.lookup(&zero);
    return d && *d ? 0 : 1;    /* NF_DROP : NF_ACCEPT */
}
'''

# runs inside the namespace: N datagrams to a socket of its own over loopback
EXCHANGE = f'''
import socket
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
rx.settimeout(0.3)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range({N}):
    try:
        tx.sendto(b"n" * {PAYLOAD}, rx.getsockname())
    except PermissionError:    # dropped on the way out (LOCAL_OUT)
        pass
got = 0
try:
    while True:
        rx.recv(1000)
        got += 1
except socket.timeout:
    pass
print(got)
'''


def exchange():
    """Datagrams that arrived, of N sent over the namespace's loopback."""
    return int(sh("ip", "netns", "exec", NS, sys.executable, "-c", EXCHANGE).stdout)


@pytest.fixture(scope="module")
def netns():
    if not BPF.support_netfilter():
        pytest.skip(f"no netfilter BPF links: {BPF.netfilter_refusal()}")
    with new_netns(NS, lo_up=True):
        yield NS


def test_local_in_hook_counts_and_drops_loopback_packets(netns):
    with BPF(text=SOURCE, cflags=[f"-DIP_LEN={IP_LEN}"]) as b:
        b.attach_netfilter("nf_count", NF_INET_LOCAL_IN, NFPROTO_IPV4, priority=-100,
                           netns=netns)
        assert exchange() == N
        assert b["counts"][0].value == N
        b["drop"][0] = 1
        assert exchange() == 0
        assert b["counts"][0].value == 2 * N
        # the hook is in the test namespace only: this namespace's traffic passes by
        seen = b["counts"][1].value
        exec(EXCHANGE, {})          # the same datagrams, over this namespace's loopback
        assert b["counts"][1].value == seen
        b.detach_netfilter("nf_count", NF_INET_LOCAL_IN, NFPROTO_IPV4, priority=-100,
                           netns=netns)
        assert exchange() == N
        assert b["counts"][0].value == 2 * N
        with pytest.raises(BPFError) as info:
            b.detach_netfilter("nf_count", NF_INET_LOCAL_IN, NFPROTO_IPV4, priority=-100,
                               netns=netns)
        assert info.value.errno == errno.ENOENT


def test_close_removes_the_hook(netns):
    b = BPF(text=SOURCE, cflags=[f"-DIP_LEN={IP_LEN}"])
    b["drop"][0] = 1
    b.attach_netfilter("nf_count", NF_INET_LOCAL_OUT, netns=netns)
    assert exchange() == 0          # dropped on the way out
    b.close()
    assert exchange() == N


def test_netfilter_errors(netns):
    with BPF(text=SOURCE, cflags=[f"-DIP_LEN={IP_LEN}"]) as b:
        with pytest.raises(BPFError, match="pf must be NFPROTO_IPV4") as info:
            b.attach_netfilter("nf_count", NF_INET_LOCAL_IN, pf=7, netns=netns)
        assert info.value.errno == errno.EAFNOSUPPORT
        with pytest.raises(BPFError, match="hooknum must be NF_INET_PRE_ROUTING") as info:
            b.attach_netfilter("nf_count", 9, netns=netns)
        assert info.value.errno == errno.EPROTO
        with pytest.raises(BPFError, match="priority must be neither") as info:
            b.attach_netfilter("nf_count", priority=-2**31, netns=netns)
        assert info.value.errno == errno.ERANGE
        with pytest.raises(BPFError, match="flags must be 0 or") as info:
            b.attach_netfilter("nf_count", flags=0x80, netns=netns)
        assert info.value.errno == errno.EOPNOTSUPP
        with pytest.raises(BPFError, match="setns to network namespace") as info:
            b.attach_netfilter("nf_count", netns="/proc/self/status")
        with pytest.raises(FileNotFoundError):
            b.attach_netfilter("nf_count", netns="bpfy-no-such-namespace")
        b.attach_netfilter("nf_count", netns=netns)
        with pytest.raises(BPFError) as info:
            b.attach_netfilter("nf_count", netns=netns)
        assert info.value.errno == errno.EEXIST
