"""XDP, tc and socket filters on a veth pair the test creates between this
network namespace and one of its own (real UDP packets, counted and dropped),
cgroup skb programs on a cgroup v2 the test creates (loopback traffic)."""
import errno
import os
import socket
import subprocess
import time

import pytest

from bpfy import BPF, BPFError
from helpers import new_cgroup, new_netns, new_veth, require_cgroup2, sh

PID = os.getpid()
NS = f"bpfy-net-{PID}"
HOST_DEV, PEER_DEV = f"bpfyh{PID % 100000}", f"bpfyp{PID % 100000}"
HOST_IP, PEER_IP = "10.213.77.1", "10.213.77.2"
PORT = 40000 + PID % 20000
N = 20
CGROUP_ROOT = "/sys/fs/cgroup/unified"
BPF_CGROUP_INET_EGRESS = 1

SOURCE = r'''
BPF_ARRAY(counts, u64, 8);     /* 0 xdp, 1 tc ingress, 2 tc egress, 3 socket, 4 cgroup */
BPF_ARRAY(drop, u32, 8);       /* same slots: drop what is counted when set */

static __always_inline int ours(void *data, void *end) {
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(0x0800))
        return 0;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != 17 || ip->ihl != 5)
        return 0;
    struct udphdr *udp = (void *)(ip + 1);
    return (void *)(udp + 1) <= end && udp->dest == bpf_htons(PORT);
}
static __always_inline int count(int slot) {
    counts.increment(slot);
    u32 *d = drop.lookup(&slot);
    return d && *d;
}
int xdp_count(struct xdp_md *ctx) {
    if (!ours((void *)(long)ctx->data, (void *)(long)ctx->data_end))
        return XDP_PASS;
    return count(0) ? XDP_DROP : XDP_PASS;
}
int tc_in(struct __sk_buff *skb) {
    if (!ours((void *)(long)skb->data, (void *)(long)skb->data_end))
        return 0;                      /* TC_ACT_OK */
    return count(1) ? 2 : 0;           /* TC_ACT_SHOT */
}
int tc_out(struct __sk_buff *skb) {
    if (!ours((void *)(long)skb->data, (void *)(long)skb->data_end))
        return 0;
    return count(2) ? 2 : 0;
}
int sock_filter(struct __sk_buff *skb) {
    u8 proto = 0;
    u16 dport = 0;
    if (bpf_skb_load_bytes(skb, 14 + 9, &proto, 1) || proto != 17 ||
        bpf_skb_load_bytes(skb, 14 + 20 + 2, &dport, 2) || dport != bpf_htons(PORT))
        return 0;                      /* not for the socket */
    count(3);
    return -1;                         /* the whole packet */
}
int cg_egress(struct __sk_buff *skb) {
    u8 proto = 0;
    u16 dport = 0;
    if (bpf_skb_load_bytes(skb, 9, &proto, 1) || proto != 17 ||
        bpf_skb_load_bytes(skb, 20 + 2, &dport, 2) || dport != bpf_htons(PORT))
        return 1;
    return count(4) ? 0 : 1;
}
'''


@pytest.fixture(scope="module")
def veth():
    with new_netns(NS), new_veth(HOST_DEV, PEER_DEV):
        sh("ip", "link", "set", PEER_DEV, "netns", NS)
        sh("ip", "addr", "add", f"{HOST_IP}/30", "dev", HOST_DEV)
        sh("ip", "link", "set", HOST_DEV, "up")
        sh("ip", "-n", NS, "addr", "add", f"{PEER_IP}/30", "dev", PEER_DEV)
        sh("ip", "-n", NS, "link", "set", PEER_DEV, "up")
        sh("ip", "-n", NS, "link", "set", "lo", "up")
        yield HOST_DEV


@pytest.fixture(scope="module")
def b(veth):
    with BPF(text=SOURCE, cflags=[f"-DPORT={PORT}"]) as bpf:
        yield bpf


@pytest.fixture
def counts(b):
    for i in range(8):
        b["counts"][i] = 0
        b["drop"][i] = 0
    return lambda slot: b["counts"][slot].value


def send_from_peer(count=N):
    """count UDP packets from the namespace to HOST_IP:PORT."""
    code = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"for i in range({count}): s.sendto(b'bpfy%d' % i, ('{HOST_IP}', {PORT}))")
    sh("ip", "netns", "exec", NS, "/usr/bin/python3", "-c", code)


def received(sock, wait=0.3):
    got = 0
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            sock.recv(100)
            got += 1
        except BlockingIOError:
            time.sleep(0.01)
    return got


@pytest.fixture
def receiver(veth):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST_IP, PORT))
        s.setblocking(False)
        yield s


def test_xdp_counts_and_drops(b, counts, receiver):
    fn = b.load_func("xdp_count", BPF.XDP)
    BPF.attach_xdp(HOST_DEV, fn, 1 << 1)  # XDP_FLAGS_SKB_MODE, as bcc users call it
    try:
        send_from_peer()
        assert received(receiver) == N
        assert counts(0) == N
        b["drop"][0] = 1
        send_from_peer()
        assert received(receiver) == 0
        assert counts(0) == 2 * N
    finally:
        BPF.remove_xdp(HOST_DEV, 1 << 1)
    send_from_peer()
    assert received(receiver) == N and counts(0) == 2 * N
    assert "xdp" not in sh("ip", "link", "show", HOST_DEV).stdout


def test_xdp_errors(b):
    fn = b.load_func("xdp_count", BPF.XDP)
    with pytest.raises(BPFError) as info:
        BPF.attach_xdp("no-such-dev0", fn, 0)
    assert info.value.errno == errno.ENODEV
    b.attach_xdp(HOST_DEV, "xdp_count", 1 << 1)
    try:
        with pytest.raises(BPFError) as info:
            b.attach_xdp(HOST_DEV, "xdp_count", 1 << 1)
        assert info.value.errno == errno.EEXIST
        with pytest.raises(TypeError):
            BPF.attach_xdp(HOST_DEV, "xdp_count", 0)
    finally:
        b.remove_xdp(HOST_DEV)


def check_tc_ingress_and_egress(b, counts, receiver):
    """With tc_in/tc_out attached: ingress counts the peer's packets and drops
    them once told to; egress counts this side's."""
    send_from_peer()
    assert received(receiver) == N and counts(1) == N
    b["drop"][1] = 1
    send_from_peer()
    assert received(receiver) == 0 and counts(1) == 2 * N
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        for i in range(N):
            out.sendto(b"x", (PEER_IP, PORT))
    assert counts(2) == N


def test_tc_ingress_and_egress(b, counts, receiver):
    b.attach_tc(HOST_DEV, "tc_in", direction="ingress")
    b.attach_tc(HOST_DEV, b.load_func("tc_out", BPF.SCHED_CLS), direction="egress")
    try:
        check_tc_ingress_and_egress(b, counts, receiver)
    finally:
        b.detach_tc(HOST_DEV, "ingress")
        b.detach_tc(HOST_DEV, "egress")
    send_from_peer()
    assert received(receiver) == N and counts(1) == 2 * N
    with pytest.raises(ValueError):
        b.attach_tc(HOST_DEV, "tc_in", direction="sideways")
    with pytest.raises(BPFError) as info:
        b.detach_tc(HOST_DEV, "ingress")
    assert info.value.errno == errno.ENOENT


def tc_filters(direction):
    """The bpf filters tc lists on HOST_DEV's clsact at direction (text)."""
    return sh("tc", "filter", "show", "dev", HOST_DEV, direction).stdout


def tc_entries():
    """bpftool's clsact filter listing for HOST_DEV (it does not know tcx links)."""
    import json
    return [e for entry in json.loads(sh("bpftool", "-j", "net", "show", "dev",
                                         HOST_DEV).stdout) for e in entry.get("tc", [])]


@pytest.mark.parametrize("how", ["mode", "env"])
def test_tc_clsact_mode(b, counts, receiver, monkeypatch, how):
    """The fallback for kernels without tcx, forced: a direct-action filter
    on a clsact qdisc (libbpf's tc API), removed by detach_tc."""
    if how == "env":
        monkeypatch.setenv("BPFY_TC_MODE", "clsact")
        b.attach_tc(HOST_DEV, "tc_in", direction="ingress")
        b.attach_tc(HOST_DEV, "tc_out", direction="egress")
    else:
        b.attach_tc(HOST_DEV, "tc_in", direction="ingress", mode="clsact")
        b.attach_tc(HOST_DEV, "tc_out", direction="egress", mode="clsact")
    try:
        for direction in ("ingress", "egress"):
            listed = tc_filters(direction)
            assert "bpf" in listed and "direct-action" in listed, listed
        assert {e["kind"] for e in tc_entries()} == {"clsact/ingress", "clsact/egress"}
        check_tc_ingress_and_egress(b, counts, receiver)
        b.detach_tc(HOST_DEV, "ingress")
        b.detach_tc(HOST_DEV, "egress")
        assert "bpf" not in tc_filters("ingress") + tc_filters("egress")
        assert "clsact" in sh("tc", "qdisc", "show", "dev", HOST_DEV).stdout  # left in place
        send_from_peer()
        assert received(receiver) == N and counts(1) == 2 * N
        # a second round reuses the qdisc; close() removes the filters too
        with BPF(text=SOURCE, cflags=[f"-DPORT={PORT}"]) as other:
            other.attach_tc(HOST_DEV, "tc_in", mode="clsact")
            assert "bpf" in tc_filters("ingress")
        assert "bpf" not in tc_filters("ingress")
    finally:
        sh("tc", "qdisc", "del", "dev", HOST_DEV, "clsact", check=False)


def test_tc_modes(b, counts, receiver, monkeypatch):
    b.attach_tc(HOST_DEV, "tc_in", mode="tcx")
    try:
        assert tc_entries() == [] and "bpf" not in tc_filters("ingress")  # a tcx link
        send_from_peer()
        assert received(receiver) == N and counts(1) == N
    finally:
        b.detach_tc(HOST_DEV)
    with pytest.raises(ValueError, match="mode must be one of"):
        b.attach_tc(HOST_DEV, "tc_in", mode="qdisc")
    monkeypatch.setenv("BPFY_TC_MODE", "bogus")
    with pytest.raises(ValueError, match="'bogus'"):
        b.attach_tc(HOST_DEV, "tc_in")


def test_raw_socket_filter(b, counts):
    fn = b.load_func("sock_filter", BPF.SOCKET_FILTER)
    fd = BPF.attach_raw_socket(fn, HOST_DEV)
    assert fd > 2
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        for i in range(N):
            out.sendto(b"bpfy-sock", (PEER_IP, PORT))
        out.sendto(b"other", (PEER_IP, PORT + 1))
    time.sleep(0.1)
    sock = socket.socket(fileno=os.dup(fd))
    frames = []
    try:
        while True:
            frames.append(sock.recv(2048))
    except BlockingIOError:
        pass
    finally:
        sock.close()
    assert counts(3) == N
    assert len(frames) == N and all(f.endswith(b"bpfy-sock") for f in frames)
    b._detach("raw_socket", HOST_DEV)
    with pytest.raises(OSError):
        os.fstat(fd)


@pytest.fixture
def cgroup():
    require_cgroup2(CGROUP_ROOT)
    with new_cgroup(os.path.join(CGROUP_ROOT, f"bpfy-test-{PID}")) as path:
        yield path


def send_from_cgroup(cgroup, count=N):
    """count UDP packets to 127.0.0.1:PORT from a child inside cgroup; returns
    how many sendto() calls failed."""
    code = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); bad = 0\n"
            f"for i in range({count}):\n"
            f"    try: s.sendto(b'x', ('127.0.0.1', {PORT}))\n"
            "    except OSError: bad += 1\n"
            "print(bad)")

    def join():
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    out = subprocess.run(["/usr/bin/python3", "-c", code], preexec_fn=join, check=True,
                         capture_output=True, text=True).stdout
    return int(out)


def test_cgroup_skb_egress_link(b, counts, cgroup):
    b.attach_cgroup(cgroup, "cg_egress", BPF_CGROUP_INET_EGRESS)
    try:
        assert send_from_cgroup(cgroup) == 0 and counts(4) == N
        b["drop"][4] = 1
        assert send_from_cgroup(cgroup) == N and counts(4) == 2 * N
        # this process is not in the cgroup: not counted
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"x", ("127.0.0.1", PORT))
        assert counts(4) == 2 * N
    finally:
        b.detach_cgroup(cgroup, attach_type=BPF_CGROUP_INET_EGRESS)
    assert send_from_cgroup(cgroup) == 0 and counts(4) == 2 * N


def test_attach_func_on_a_cgroup_fd(b, counts, cgroup):
    fn = b.load_func("cg_egress", BPF.CGROUP_SKB)
    fd = os.open(cgroup, os.O_RDONLY | os.O_DIRECTORY)
    try:
        BPF.attach_func(fn, fd, BPF_CGROUP_INET_EGRESS)
        assert send_from_cgroup(cgroup) == 0 and counts(4) == N
        BPF.detach_func(fn, fd, BPF_CGROUP_INET_EGRESS)
        assert send_from_cgroup(cgroup) == 0 and counts(4) == N
    finally:
        os.close(fd)


def test_cgroup_errors(b, cgroup):
    with pytest.raises(BPFError) as info:
        b.attach_cgroup(cgroup + "-missing", "cg_egress", BPF_CGROUP_INET_EGRESS)
    assert info.value.errno == errno.ENOENT
    with pytest.raises(BPFError) as info:
        b.attach_cgroup(cgroup, "cg_egress", 9999)
    assert info.value.errno == errno.EINVAL


def xdp_attached():
    return "xdp" in sh("ip", "link", "show", HOST_DEV).stdout


def test_close_and_garbage_collection_detach(veth):
    import gc
    with BPF(text=SOURCE, cflags=[f"-DPORT={PORT}"]) as other:
        other.attach_xdp(HOST_DEV, "xdp_count", 1 << 1)
        other.attach_tc(HOST_DEV, "tc_in")
        assert xdp_attached()
    assert not xdp_attached() and other.closed
    other.close()  # idempotent
    other = BPF(text=SOURCE, cflags=[f"-DPORT={PORT}"])
    other.attach_xdp(HOST_DEV, "xdp_count", 1 << 1)
    assert xdp_attached()
    del other
    gc.collect()
    assert not xdp_attached()


def test_attach_detach_loop_keeps_fds_and_memory_flat(b):
    import resource

    def cycle():
        b.attach_xdp(HOST_DEV, "xdp_count", 1 << 1)
        b.remove_xdp(HOST_DEV)
        b.attach_tc(HOST_DEV, "tc_in")
        b.detach_tc(HOST_DEV)

    for _ in range(10):
        cycle()
    fds = len(os.listdir("/proc/self/fd"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(50):  # ~75 ms a cycle here: XDP and tcx detach wait for RCU
        cycle()
    assert len(os.listdir("/proc/self/fd")) == fds
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 4096  # KiB
