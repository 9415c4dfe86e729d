"""Packet maps on veth pairs between this namespace and two test namespaces:
ARRAY byte counters per IP protocol filled by per-protocol programs that a
socket filter tail-calls through a PROG_ARRAY; DEVMAP, DEVMAP_HASH and CPUMAP
redirects from XDP (generic mode), checked where the packets land."""
import ctypes
import mmap
import os
import socket
import struct
import subprocess
import sys
import time

import pytest

from bpfy import BPF
from bpfy import _bpfy

PID = os.getpid()
TAG = PID % 100000
NS1, NS2 = f"bpfy-m1-{PID}", f"bpfy-m2-{PID}"
A_HOST, A_PEER = f"bpmah{TAG}", f"bpmap{TAG}"
B_HOST, B_PEER = f"bpmbh{TAG}", f"bpmbp{TAG}"
A_HOST_IP, A_PEER_IP = "10.214.1.1", "10.214.1.2"
B_HOST_IP, B_PEER_IP = "10.214.2.1", "10.214.2.2"
PORT = 42000 + PID % 20000
XDP_FLAGS_SKB_MODE = 1 << 1
NCPUS = _bpfy.NUM_POSSIBLE_CPUS
N = 20

PROGRAM = r"""
BPF_ARRAY(proto_bytes, u64, 256);
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);
	__type(key, u32);
	__type(value, u32);
} parsers SEC(".maps");

static __always_inline void add_bytes(u32 proto, u64 len)
{
	u64 *v = proto_bytes.lookup(&proto);
	if (v)
		__sync_fetch_and_add(v, len);
}

/* socket filter: IPv4 from the peer of A is handed to the parser of its
 * protocol; what has no parser is counted in slot 255 */
int parse(struct __sk_buff *skb)
{
	u16 eth_proto = 0;
	u32 saddr = 0;
	u8 proto = 0;
	if (bpf_skb_load_bytes(skb, 12, &eth_proto, 2) || eth_proto != bpf_htons(0x0800) ||
	    bpf_skb_load_bytes(skb, 14 + 12, &saddr, 4) || saddr != PEER_IP ||
	    bpf_skb_load_bytes(skb, 14 + 9, &proto, 1))
		return 0;
	bpf_tail_call(skb, &parsers, proto);
	add_bytes(255, skb->len);
	return 0;
}
int parse_udp(struct __sk_buff *skb) { add_bytes(17, skb->len); return 0; }
int parse_icmp(struct __sk_buff *skb) { add_bytes(1, skb->len); return 0; }

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u32);
} ports SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u32);
} ports_by_key SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u32);
} xsks SEC(".maps");
BPF_ARRAY(mode, u32, 1);          /* 1 devmap, 2 devmap_hash, 3 cpumap, 4 xskmap */
BPF_ARRAY(cpu_hits, u64, 64);     /* packets seen by the cpumap program, per CPU */

static __always_inline int ours(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(0x0800))
		return 0;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != 17 || ip->ihl != 5)
		return 0;
	struct udphdr *udp = (void *)(ip + 1);
	return (void *)(udp + 1) <= end && udp->dest == bpf_htons(PORT);
}

SEC("xdp")
int redirect(struct xdp_md *ctx)
{
	u32 zero = 0, *m = mode.lookup(&zero);
	if (!m || !ours(ctx))
		return XDP_PASS;
	if (*m == 1)
		return bpf_redirect_map(&ports, 0, 0);
	if (*m == 2)
		return bpf_redirect_map(&ports_by_key, 1234, 0);
	if (*m == 3)
		return bpf_redirect_map(&cpus, 0, 0);
	if (*m == 4)
		return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	return XDP_PASS;
}

SEC("xdp/cpumap")
int on_cpu(struct xdp_md *ctx)
{
	if (ours(ctx)) {
		u32 cpu = bpf_get_smp_processor_id();
		u64 *c = cpu_hits.lookup(&cpu);
		if (c)
			__sync_fetch_and_add(c, 1);
	}
	return XDP_PASS;
}
"""

# Counts, inside NS2, frames on B_PEER that carry our UDP port: they arrive
# there only when XDP on A_HOST redirected them out of B_HOST.
SNIFFER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(0.2)
print("ready", flush=True)
want, got, deadline = int(sys.argv[3]), 0, time.monotonic() + 5
while got < want and time.monotonic() < deadline:
    try:
        frame = s.recv(2048)
    except socket.timeout:
        continue
    if len(frame) >= 38 and frame[23] == 17 and struct.unpack("!H", frame[36:38])[0] == int(sys.argv[2]):
        got += 1
time.sleep(0.2)
print(got, flush=True)
"""


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def ip_u32(text):
    return int.from_bytes(socket.inet_aton(text), "little")


@pytest.fixture(scope="module")
def net():
    sh("ip", "netns", "add", NS1)
    sh("ip", "netns", "add", NS2)
    try:
        for ns, host, peer, host_ip, peer_ip in ((NS1, A_HOST, A_PEER, A_HOST_IP, A_PEER_IP),
                                                 (NS2, B_HOST, B_PEER, B_HOST_IP, B_PEER_IP)):
            sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer)
            sh("ip", "link", "set", peer, "netns", ns)
            sh("ip", "addr", "add", f"{host_ip}/30", "dev", host)
            sh("ip", "link", "set", host, "up")
            sh("ip", "-n", ns, "addr", "add", f"{peer_ip}/30", "dev", peer)
            sh("ip", "-n", ns, "link", "set", peer, "up")
        yield
    finally:
        sh("ip", "link", "del", A_HOST, check=False)
        sh("ip", "link", "del", B_HOST, check=False)
        sh("ip", "netns", "del", NS1, check=False)
        sh("ip", "netns", "del", NS2, check=False)


@pytest.fixture(scope="module")
def b(net):
    with BPF(text=PROGRAM, cflags=[f"-DPORT={PORT}", f"-DPEER_IP={ip_u32(A_PEER_IP)}u"]) as bpf:
        yield bpf


def from_ns1(udp=0, icmp=0, size=10):
    """udp datagrams (payload `size`) and icmp echo requests from NS1 to A_HOST_IP."""
    code = ("import socket\n"
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"for i in range({udp}): u.sendto(b'x' * {size}, ('{A_HOST_IP}', {PORT}))\n"
            "r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\n"
            f"for i in range({icmp}):\n"
            "    body = bytes([8, 0, 0, 0, 0, 1, 0, i]) + b'p' * 8\n"
            "    s = sum(body[j] << 8 | body[j + 1] for j in range(0, len(body), 2))\n"
            "    s = (s & 0xffff) + (s >> 16); s = ~((s & 0xffff) + (s >> 16)) & 0xffff\n"
            "    r.sendto(body[:2] + s.to_bytes(2, 'big') + body[4:], ('" + A_HOST_IP + "', 0))\n")
    sh("ip", "netns", "exec", NS1, sys.executable, "-c", code)


def test_array_per_protocol_bytes_through_tail_calls(b):
    parsers = b["parsers"]
    assert type(parsers).__name__ == "ProgArray"
    counters = b["proto_bytes"]
    counters.zero()
    parsers[17] = b.load_func("parse_udp", BPF.SOCKET_FILTER)
    parsers[1] = b.load_func("parse_icmp", BPF.SOCKET_FILTER).fd     # or a program fd
    assert parsers[17] > 0 and parsers[1] > 0 and parsers[17] != parsers[1]   # program ids
    parse = b.load_func("parse", BPF.SOCKET_FILTER)
    b.attach_raw_socket(parse, A_HOST)
    from_ns1(udp=N, icmp=3, size=10)
    assert counters[17] == N * (14 + 20 + 8 + 10)
    assert counters[1] == 3 * (14 + 20 + 8 + 8)
    assert counters[255] == 0
    del parsers[1]                     # no parser: the dispatcher counts it itself
    from_ns1(icmp=2)
    assert counters[1] == 3 * 50 and counters[255] == 2 * 50
    with pytest.raises(KeyError):
        parsers[1]
    with pytest.raises(TypeError, match="ARRAY|Array|array"):
        del counters[17]


def sniff_then(send, count):
    sniffer = subprocess.Popen(["ip", "netns", "exec", NS2, sys.executable, "-c", SNIFFER,
                                B_PEER, str(PORT), str(count)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert sniffer.stdout.readline().strip() == "ready"
        send()
        out, _ = sniffer.communicate(timeout=10)
    finally:
        if sniffer.poll() is None:
            sniffer.kill()
            sniffer.wait()
    return int(out.strip())


@pytest.fixture(scope="module")
def xdp(b):
    b.attach_xdp(A_HOST, "redirect", XDP_FLAGS_SKB_MODE)
    yield
    b.remove_xdp(A_HOST)


def test_devmap_redirect_between_veth_pairs(b, xdp):
    ports = b["ports"]
    assert type(ports).__name__ == "DevMap"
    ports[0] = socket.if_nametoindex(B_HOST)
    assert ports[0] == socket.if_nametoindex(B_HOST)
    b["mode"][0] = 1
    assert sniff_then(lambda: from_ns1(udp=N), N) == N
    b["mode"][0] = 0
    assert sniff_then(lambda: from_ns1(udp=3), 1) == 0     # not redirected any more
    del ports[0]
    with pytest.raises(KeyError):
        ports[0]


def test_devmap_hash_redirect_by_key(b, xdp):
    by_key = b["ports_by_key"]
    by_key[1234] = socket.if_nametoindex(B_HOST)
    assert dict(by_key.items()) == {1234: socket.if_nametoindex(B_HOST)}
    b["mode"][0] = 2
    try:
        assert sniff_then(lambda: from_ns1(udp=N), N) == N
    finally:
        b["mode"][0] = 0
    del by_key[1234]
    assert len(by_key) == 0


def test_cpumap_redirect_to_cpu0(b, xdp):
    cpus = b["cpus"]
    on_cpu = b.load_func("on_cpu", BPF.XDP)
    # libbpf creates cpumaps without BTF: the value is struct bpf_cpumap_val
    # {u32 qsize; u32 prog fd (in) / prog id (out)} as one u64
    cpus[0] = 192 | on_cpu.fd << 32
    assert cpus[0] & 0xffffffff == 192 and cpus[0] >> 32 > 0   # the kernel reports its id
    hits = b["cpu_hits"]
    hits.zero()
    b["mode"][0] = 3
    try:
        from_ns1(udp=N)
    finally:
        b["mode"][0] = 0
    assert hits[0] == N
    assert sum(hits[cpu] for cpu in range(1, NCPUS)) == 0
    del cpus[0]


# ------------------------------------------------------------------ AF_XDP

AF_XDP, SOL_XDP = 44, 283
XDP_MMAP_OFFSETS, XDP_RX_RING, XDP_UMEM_REG = 1, 2, 4
XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING = 5, 6
XDP_UMEM_PGOFF_FILL_RING = 0x100000000
XDP_COPY = 1 << 1
FRAME, NFRAMES, RING = 4096, 64, 64


class XskSocket:
    """A minimal AF_XDP socket (copy mode) on queue 0 of ifindex: a UMEM of
    NFRAMES frames all handed to the fill ring, and an RX ring to read."""

    def __init__(self, ifindex):
        self.sock = socket.socket(AF_XDP, socket.SOCK_RAW, 0)
        self.umem = mmap.mmap(-1, FRAME * NFRAMES)
        self._umem_ref = ctypes.c_char.from_buffer(self.umem)
        addr = ctypes.addressof(self._umem_ref)
        s = self.sock
        s.setsockopt(SOL_XDP, XDP_UMEM_REG, struct.pack("QQIIII", addr, FRAME * NFRAMES,
                                                         FRAME, 0, 0, 0))
        for opt in (XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING):
            s.setsockopt(SOL_XDP, opt, struct.pack("I", RING))
        off = struct.unpack("16Q", s.getsockopt(SOL_XDP, XDP_MMAP_OFFSETS, 128))
        self.rx_off, self.fill_off = off[0:4], off[8:12]
        prot, flags = mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED | mmap.MAP_POPULATE
        self.fill = mmap.mmap(s.fileno(), self.fill_off[2] + RING * 8, flags, prot,
                              offset=XDP_UMEM_PGOFF_FILL_RING)
        self.rx = mmap.mmap(s.fileno(), self.rx_off[2] + RING * 16, flags, prot, offset=0)
        for i in range(NFRAMES):
            struct.pack_into("Q", self.fill, self.fill_off[2] + i * 8, i * FRAME)
        struct.pack_into("I", self.fill, self.fill_off[0], NFRAMES)     # producer
        sxdp = struct.pack("HHIII", AF_XDP, XDP_COPY, ifindex, 0, 0)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.bind(s.fileno(), sxdp, len(sxdp)) != 0:
            err = ctypes.get_errno()
            self.close()
            raise OSError(err, f"bind AF_XDP socket: {os.strerror(err)}")

    def fileno(self):
        return self.sock.fileno()

    def received(self):
        """Payloads of the frames in the RX ring (consumed)."""
        prod = struct.unpack_from("I", self.rx, self.rx_off[0])[0]
        cons = struct.unpack_from("I", self.rx, self.rx_off[1])[0]
        out = []
        while cons != prod:
            addr, length, _ = struct.unpack_from("QII", self.rx,
                                                 self.rx_off[2] + (cons % RING) * 16)
            out.append(bytes(self.umem[addr:addr + length]))
            cons += 1
        struct.pack_into("I", self.rx, self.rx_off[1], cons)
        return out

    def close(self):
        for m in ("rx", "fill"):
            if hasattr(self, m):
                getattr(self, m).close()
        del self._umem_ref
        self.umem.close()
        self.sock.close()


def test_xskmap_af_xdp_socket_receives_redirected_packets(b, xdp):
    xsks = b["xsks"]
    assert type(xsks).__name__ == "FdMap"
    try:
        xsk = XskSocket(socket.if_nametoindex(A_HOST))
    except OSError as exc:
        pytest.skip(f"AF_XDP socket unavailable here: {exc}")
    try:
        xsks[0] = xsk                         # fileno()
        with pytest.raises(TypeError, match="xskmap"):
            xsks[0]                           # the kernel has no user-space reads
        b["mode"][0] = 4
        try:
            from_ns1(udp=5, size=12)
            frames = []
            deadline = time.monotonic() + 3
            while len(frames) < 5 and time.monotonic() < deadline:
                frames += xsk.received()
                time.sleep(0.01)
        finally:
            b["mode"][0] = 0
        assert len(frames) == 5
        assert all(f[-12:] == b"x" * 12 and struct.unpack("!H", f[36:38])[0] == PORT
                   for f in frames)
        del xsks[0]
    finally:
        xsk.close()
