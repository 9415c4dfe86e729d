"""sk_reuseport: a program picks, through a REUSEPORT_SOCKARRAY and
bpf_sk_select_reuseport, which listener of a loopback reuseport group takes
each new TCP connection; the connections land on the chosen listener."""
import errno
import os
import socket

import pytest

from bpfy import BPF, BPFError

LISTENERS = 3
CONNECTIONS = 6

SOURCE = r'''
struct {
    __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
    __uint(max_entries, 4);
    __uint(key_size, sizeof(u32));
    __uint(value_size, sizeof(u64));
} listeners SEC(".maps");
BPF_ARRAY(chosen, u32, 1);
BPF_ARRAY(picks, u64, 4);       /* per listener index; slot 3: selection failed */

int pick(struct sk_reuseport_md *md) {
    int zero = 0, failed = 3;
    u32 *index = chosen.lookup(&zero);
    if (!index)
        return SK_DROP;
    u32 key = *index;
    if (bpf_sk_select_reuseport(md, &listeners, &key, 0)) {
        picks.increment(failed);
        return SK_DROP;
    }
    picks.increment(key);
    return SK_PASS;
}
'''


def listener(port=0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(CONNECTIONS)
    sock.setblocking(False)
    return sock


@pytest.fixture
def group():
    first = listener()
    socks = [first] + [listener(first.getsockname()[1]) for _ in range(LISTENERS - 1)]
    yield socks
    for sock in socks:
        sock.close()


def connect_and_count(group, count=CONNECTIONS):
    """Open count connections to the group's port; how many each listener accepted."""
    port = group[0].getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(count)]
    accepted = []
    for sock in group:
        n = 0
        while True:
            try:
                conn, _ = sock.accept()
            except BlockingIOError:
                break
            conn.close()
            n += 1
        accepted.append(n)
    for client in clients:
        client.close()
    return accepted


def test_connections_land_on_the_chosen_listener(group):
    with BPF(text=SOURCE) as b:
        table = b["listeners"]
        for index, sock in enumerate(group):
            table[index] = sock          # the socket's fd, written by the table
        b.attach_sk_reuseport(group[0], "pick")
        for target in (2, 0, 1):
            b["chosen"][0] = target
            expected = [CONNECTIONS if i == target else 0 for i in range(LISTENERS)]
            assert connect_and_count(group) == expected, f"listener {target} chosen"
            assert b["picks"][target].value >= CONNECTIONS
        assert b["picks"][3].value == 0
        b.detach_sk_reuseport(group[0])
        # detached: the kernel's hash spreads connections again, the program sees none
        before = sum(b["picks"][i].value for i in range(4))
        assert sum(connect_and_count(group)) == CONNECTIONS
        assert sum(b["picks"][i].value for i in range(4)) == before


def test_selection_failure_drops_and_close_detaches(group):
    b = BPF(text=SOURCE)
    b["listeners"][0] = group[0]
    b.attach_sk_reuseport(group[1], "pick")   # any socket of the group attaches to all
    b["chosen"][0] = 2                         # empty slot: bpf_sk_select_reuseport fails
    port = group[0].getsockname()[1]
    client = socket.socket()
    client.settimeout(0.3)
    with pytest.raises(OSError):               # SYN dropped: no listener takes it
        client.connect(("127.0.0.1", port))
    client.close()
    assert b["picks"][3].value >= 1
    b.close()
    assert sum(connect_and_count(group)) == CONNECTIONS


def test_reuseport_errors(group):
    with BPF(text=SOURCE) as b:
        plain = socket.socket()
        plain.bind(("127.0.0.1", 0))
        with pytest.raises(BPFError, match="no SO_REUSEPORT") as info:
            b.attach_sk_reuseport(plain, "pick")
        assert info.value.errno == errno.EINVAL
        plain.close()
        b.attach_sk_reuseport(group[0], "pick")
        with pytest.raises(BPFError) as info:
            b.attach_sk_reuseport(group[0], "pick")
        assert info.value.errno == errno.EEXIST
        b.detach_sk_reuseport(group[0])
        with pytest.raises(BPFError) as info:
            b.detach_sk_reuseport(group[0])
        assert info.value.errno == errno.ENOENT
