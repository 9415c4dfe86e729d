"""Socket-holding maps on loopback: SOCKMAP and SOCKHASH with an sk_msg
program redirecting one TCP connection's data into another's receive queue,
and REUSEPORT_SOCKARRAY with an sk_reuseport program picking the UDP
listener."""
import os
import socket

import pytest

from bpfy import BPF

PID = os.getpid()
SO_COOKIE = 57
SO_ATTACH_REUSEPORT_EBPF = 52
BPF_SK_MSG_VERDICT = 7

PROGRAM = r"""
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} sockmap SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} sockhash SEC(".maps");
BPF_ARRAY(from_port, u32, 2);      /* [0] sockmap sender, [1] sockhash sender (local ports) */
BPF_ARRAY(redirected, u64, 2);

int redirect_by_index(struct sk_msg_md *msg)
{
	u32 zero = 0, *port = from_port.lookup(&zero);
	if (!port || msg->local_port != *port)
		return SK_PASS;
	redirected.increment(zero);
	return bpf_msg_redirect_map(msg, &sockmap, 1, BPF_F_INGRESS);
}

int redirect_by_key(struct sk_msg_md *msg)
{
	u32 one = 1, key = 2, *port = from_port.lookup(&one);
	if (!port || msg->local_port != *port)
		return SK_PASS;
	redirected.increment(one);
	return bpf_msg_redirect_hash(msg, &sockhash, &key, BPF_F_INGRESS);
}

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} listeners SEC(".maps");
BPF_ARRAY(choice, u32, 1);

int pick_listener(struct sk_reuseport_md *ctx)
{
	u32 zero = 0, *c = choice.lookup(&zero), idx = c ? *c : 0;
	if (bpf_sk_select_reuseport(ctx, &listeners, &idx, 0))
		return SK_DROP;
	return SK_PASS;
}
"""


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM) as bpf:
        yield bpf


def pairs(count):
    """count connected (client, server) TCP pairs on loopback."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        out = []
        for _ in range(count):
            client = socket.create_connection(listener.getsockname())
            server, _ = listener.accept()
            out.append((client, server))
        return out
    finally:
        listener.close()


def recv_now(sock, size=100, timeout=2.0):
    sock.settimeout(timeout)
    try:
        return sock.recv(size)
    except (TimeoutError, socket.timeout):
        return None


def nothing_waiting(sock):
    sock.setblocking(False)
    try:
        return sock.recv(100, socket.MSG_PEEK) is None
    except BlockingIOError:
        return True


def cookie(sock):
    return int.from_bytes(sock.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8), "little")


def run_redirect(b, table, fn, sender_slot, keys):
    (c1, s1), (c2, s2) = pairs(2)
    try:
        # the program first: sockets take the map's programs when they are added
        prog = b.load_func(fn, BPF.SK_MSG, attach_type=BPF_SK_MSG_VERDICT)
        b.attach_func(prog, table.fd, BPF_SK_MSG_VERDICT)
        try:
            table[keys[0]] = c1                 # the sender
            table[keys[1]] = s2.fileno()        # the receiver, by fd
            assert table[keys[0]] == cookie(c1) and table[keys[1]] == cookie(s2)
            b["from_port"][sender_slot] = c1.getsockname()[1]
            c1.sendall(b"redirected through the map")
            assert recv_now(s2) == b"redirected through the map"
            assert nothing_waiting(s1)       # the peer of c1 never saw it
            c2.sendall(b"normal path")       # not in the map: the normal path
            assert recv_now(s2) == b"normal path"
            assert b["redirected"][sender_slot] == 1
        finally:
            b.detach_func(prog, table.fd, BPF_SK_MSG_VERDICT)
        del table[keys[0]]
        with pytest.raises(KeyError):
            table[keys[0]]
        del table[keys[1]]
    finally:
        for s in (c1, s1, c2, s2):
            s.close()


def test_sockmap_sk_msg_redirect(b):
    sockmap = b["sockmap"]
    assert type(sockmap).__name__ == "FdMap"
    run_redirect(b, sockmap, "redirect_by_index", 0, (0, 1))


def test_sockhash_sk_msg_redirect(b):
    sockhash = b["sockhash"]
    assert sockhash.info["type_name"] == "sockhash"
    run_redirect(b, sockhash, "redirect_by_key", 1, (7, 2))
    assert len(sockhash) == 0


def test_reuseport_program_picks_the_listener(b):
    socks = []
    try:
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            s.bind(("127.0.0.1", socks[0].getsockname()[1] if socks else 0))
            socks.append(s)
        listeners = b["listeners"]
        listeners[0] = socks[0]
        listeners[1] = socks[1]
        assert listeners[1] == cookie(socks[1])
        prog = b.load_func("pick_listener", BPF.SK_REUSEPORT)
        socks[0].setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, prog.fd)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for chosen in (1, 0, 1):
                b["choice"][0] = chosen
                for i in range(5):
                    sender.sendto(b"to %d #%d" % (chosen, i), socks[0].getsockname())
                got = [recv_now(socks[chosen], timeout=1.0) for _ in range(5)]
                assert got == [b"to %d #%d" % (chosen, i) for i in range(5)]
                assert nothing_waiting(socks[1 - chosen])
        finally:
            sender.close()
        del listeners[0]
        with pytest.raises(KeyError):
            listeners[0]
    finally:
        for s in socks:
            s.close()
