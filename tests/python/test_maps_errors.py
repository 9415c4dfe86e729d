"""Bad input to the map families beyond the foundation raises TypeError,
ValueError, KeyError (no such key) or BPFError with errno, never crashes;
owned tables release their fds in loops of create/pin/reopen/close."""
import os
import socket

import pytest

from bpfy import BPF, BPFError
from bpfy import _bpfy

PROGRAM = r"""
struct lpm_key { u32 prefixlen; u8 addr[4]; };
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_key);
	__type(value, u32);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __type(value, u32); __uint(max_entries, 2); } q SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} socks SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} per_sock SEC(".maps");
BPF_STACK_TRACE(st, 8);
BPF_HASH(h, u32, u64, 8);
"""


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM) as bpf:
        yield bpf


def test_lpm_bad_keys(b):
    lpm = b["lpm"]
    for key, exc in (((8, "not an address"), ValueError), ((8, 1.5), TypeError),
                     ((-1, "10.0.0.0"), OverflowError), ("10.0.0.0/40", ValueError),
                     ((8, b"\x01\x02"), ValueError), (3.5, TypeError)):
        with pytest.raises(exc):
            lpm[key] = 1
    with pytest.raises(KeyError):
        del lpm[(8, "10.0.0.0")]


def test_queue_bad_input(b):
    q = b["q"]
    q.drain()
    q.push(1)
    q.push(2)
    with pytest.raises(BPFError) as info:
        q.push(3)                    # full
    assert info.value.errno == 7     # E2BIG
    q.push(3, flags=2)               # BPF_EXIST: overwrite the oldest
    assert q.drain() == [2, 3]
    with pytest.raises(OverflowError):
        q.push(-1)
    with pytest.raises(TypeError):
        q.push("x")
    with pytest.raises(TypeError, match="push"):
        q.push()


def test_fd_values_and_keys(b):
    socks, per_sock = b["socks"], b["per_sock"]
    with pytest.raises(TypeError, match="fd"):
        socks[0] = 1.5
    with pytest.raises(ValueError, match="bad value fd"):
        socks[0] = -3
    with open("/dev/null", "rb") as not_a_socket:
        with pytest.raises(BPFError):
            socks[0] = not_a_socket
    with pytest.raises(BPFError) as info:
        socks[0] = "/nonexistent/path"
    assert info.value.errno == 2
    s = socket.socket()
    fd = s.fileno()
    s.close()
    with pytest.raises(BPFError) as info:    # a closed socket's fd
        per_sock[fd] = 1
    assert info.value.errno == 9
    with pytest.raises(KeyError):
        b["st"].walk(5)
    with pytest.raises(ValueError, match="bpf_get_stackid"):
        b["st"].walk(-14)


def test_owned_tables_release_fds_in_loops(b, tmp_path):
    def bpf_map_fds():
        n = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                n += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:bpf-map"
            except OSError:
                pass
        return n

    path = f"/sys/fs/bpf/bpfy-test-errors-{os.getpid()}"
    before = bpf_map_fds()
    for i in range(100):
        t = b.create_map("hash", 4, 8, 4)
        t[i] = i
        t.pin(path)
        again = _bpfy.Table.from_pinned(path, key_size=4)
        assert again[i] == i
        t.unpin()
        del again                            # garbage collection
        t.close()
        t.close()                            # idempotent
    assert bpf_map_fds() == before
    with pytest.raises(ValueError, match="closed"):
        t.pin(path)


def test_create_map_bad_arguments(b):
    with pytest.raises(OverflowError):
        b.create_map("hash", 2**40, 8, 4)
    with pytest.raises(TypeError):
        b.create_map("hash", "4", 8, 4)
    with pytest.raises(TypeError, match="like must be a table"):
        b.create_map(like=3)
    with pytest.raises(BPFError):
        b.create_map("array_of_maps", 4, 4, 4)        # no inner map template
    with pytest.raises(TypeError, match="unexpected"):
        b.create_map("hash", 4, 8, 4, nope=1)
    with pytest.raises(ValueError, match="unknown map type"):
        _bpfy.Table.from_pinned("/sys/fs/bpf/x", type="nope")
