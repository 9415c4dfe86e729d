"""Map types driven by a pid-filtered syscall tracepoint: LPM trie, queue,
stack, bloom filter, stack traces, map-in-map (array and hash) with inner maps
created from Python and swapped while the program runs, plus what every table
has (info, pin/unpin, from_pinned, create_map, closing)."""
import ctypes
import ipaddress
import os

import pytest

from bpfy import BPF, BPFError
from bpfy import _bpfy

PID = os.getpid()
SYS_GETPPID = 110
_libc = ctypes.CDLL(None, use_errno=True)


def trigger(op, arg=0, count=1):
    """count getppid() syscalls carrying (op, arg) in their unused arguments:
    the tracepoint reads args[0] = op and args[1] = arg."""
    for _ in range(count):
        _libc.syscall(SYS_GETPPID, ctypes.c_long(op), ctypes.c_long(arg))


OP_LPM, OP_PUSH, OP_BLOOM, OP_STACK, OP_INNER, OP_HOM = range(1, 7)

PROGRAM = r"""
struct lpm_key { u32 prefixlen; u8 addr[4]; };
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_key);
	__type(value, u32);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");
BPF_HASH(route_hits, u32, u32, 64);          /* looked-up address -> route value */

struct { __uint(type, BPF_MAP_TYPE_QUEUE); __type(value, u64); __uint(max_entries, 32); } fifo SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __type(value, u64); __uint(max_entries, 32); } lifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__type(value, u32);
	__uint(max_entries, 256);
	__uint(map_extra, 3);
} seen SEC(".maps");
BPF_HASH(bloom_answers, u32, u32, 64);       /* value -> 1 maybe member, 0 not */

/* kernel and user stacks in maps of their own, roomy: a stack whose bucket
 * another stack holds is refused (-EEXIST), and 3 of 64 shared buckets
 * collided now and then */
BPF_STACK_TRACE(stacks, 1024);
BPF_STACK_TRACE(user_stacks, 1024);
BPF_HASH(stack_counts, int, u64, 64);
BPF_HASH(user_stack_counts, int, u64, 64);

struct inner_arr {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
};
struct inner_arr tmpl SEC(".maps");           /* a declared template for Python */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, u32);
	__array(values, struct inner_arr);
} outer SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, u32);
	__array(values, struct inner_arr);
} per_key SEC(".maps");

BPF_HASH(per_pid, u32, u64, 64);

TRACEPOINT_PROBE(raw_syscalls, sys_enter)
{
	u32 zero = 0, op, arg, tgid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	if (args->id != SYS_GETPPID)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (tgid == PID || BPF_CORE_READ(task, real_parent, tgid) == PID)
		per_pid.increment(tgid);
	if (tgid != PID)
		return 0;
	op = args->args[0];
	arg = args->args[1];
	if (op == OP_LPM) {
		struct lpm_key k = { 32 };
		__builtin_memcpy(k.addr, &arg, 4);
		u32 *v = bpf_map_lookup_elem(&routes, &k), none = 0;
		route_hits.update(&arg, v ? v : &none);
	} else if (op == OP_PUSH) {
		u64 v = arg;
		bpf_map_push_elem(&fifo, &v, 0);
		bpf_map_push_elem(&lifo, &v, 0);
	} else if (op == OP_BLOOM) {
		u32 found = bpf_map_peek_elem(&seen, &arg) == 0;
		bloom_answers.update(&arg, &found);
	} else if (op == OP_STACK) {
		int id = stacks.get_stackid(args, 0);
		stack_counts.increment(id);
		int uid = user_stacks.get_stackid(args, BPF_F_USER_STACK);
		user_stack_counts.increment(uid);
	} else if (op == OP_INNER) {
		void *inner = bpf_map_lookup_elem(&outer, &zero);
		if (inner) {
			u64 *c = bpf_map_lookup_elem(inner, &zero);
			if (c)
				__sync_fetch_and_add(c, 1);
		}
	} else if (op == OP_HOM) {
		void *inner = bpf_map_lookup_elem(&per_key, &arg);
		if (inner) {
			u64 *c = bpf_map_lookup_elem(inner, &zero);
			if (c)
				__sync_fetch_and_add(c, 1);
		}
	}
	return 0;
}
"""


@pytest.fixture(scope="module")
def b():
    flags = [f"-DPID={PID}", f"-DSYS_GETPPID={SYS_GETPPID}"] + [
        f"-D{name}={value}" for name, value in
        (("OP_LPM", OP_LPM), ("OP_PUSH", OP_PUSH), ("OP_BLOOM", OP_BLOOM),
         ("OP_STACK", OP_STACK), ("OP_INNER", OP_INNER), ("OP_HOM", OP_HOM))]
    with BPF(text=PROGRAM, cflags=flags) as bpf:
        yield bpf


def ip_arg(text):
    """An IPv4 address as the u32 the program copies into its key bytes."""
    return int.from_bytes(ipaddress.ip_address(text).packed, "little")


# -------------------------------------------------------------------- hash

def test_hash_counts_syscalls_per_pid(b):
    per_pid = b["per_pid"]
    before = per_pid.get(PID, 0)
    child = os.fork()
    if child == 0:
        for _ in range(5):
            _libc.syscall(SYS_GETPPID)
        os._exit(0)
    os.waitpid(child, 0)
    trigger(0, count=3)
    counts = dict(per_pid.items())
    assert counts[child] == 5 and counts[PID] - before == 3


# ---------------------------------------------------------------- LPM trie

def test_lpm_longest_prefix_from_bpf_and_python(b):
    routes = b["routes"]
    assert type(routes).__name__ == "LpmTrie"
    routes.clear()
    routes[(8, ipaddress.ip_address("10.0.0.0"))] = 8
    routes["10.1.0.0/16"] = 16
    routes[ipaddress.ip_network("10.1.2.0/24")] = 24
    routes[(32, b"\x0a\x01\x02\x03")] = 32
    # from Python: the kernel's lookup is the longest match
    assert routes[(32, "10.1.2.3")] == 32
    assert routes[(32, "10.1.2.4")] == 24
    assert routes[(32, ipaddress.ip_address("10.1.9.9"))] == 16
    assert routes[(32, "10.200.0.1")] == 8
    with pytest.raises(KeyError):
        routes[(32, "192.168.0.1")]
    # from BPF: the same answers
    for addr in ("10.1.2.3", "10.1.2.4", "10.1.9.9", "10.200.0.1", "192.168.0.1"):
        trigger(OP_LPM, ip_arg(addr))
    hits = {ipaddress.ip_address(int(k).to_bytes(4, "little")): int(v)
            for k, v in b["route_hits"].items()}
    assert hits == {ipaddress.ip_address("10.1.2.3"): 32, ipaddress.ip_address("10.1.2.4"): 24,
                    ipaddress.ip_address("10.1.9.9"): 16, ipaddress.ip_address("10.200.0.1"): 8,
                    ipaddress.ip_address("192.168.0.1"): 0}
    # keys come back as (prefixlen, address)
    assert sorted(routes.keys()) == sorted([
        (8, ipaddress.ip_address("10.0.0.0")), (16, ipaddress.ip_address("10.1.0.0")),
        (24, ipaddress.ip_address("10.1.2.0")), (32, ipaddress.ip_address("10.1.2.3"))])
    del routes["10.1.2.3/32"]
    assert routes[(32, "10.1.2.3")] == 24
    with pytest.raises(ValueError, match="prefix length 33"):
        routes[(33, "10.0.0.0")] = 1
    with pytest.raises(ValueError, match="16 bytes"):
        routes[(32, ipaddress.ip_address("::1"))] = 1
    routes.clear()
    assert routes.items() == []


# ---------------------------------------------------------- queue and stack

def test_queue_and_stack_bpf_pushes_python_pops(b):
    fifo, lifo = b["fifo"], b["lifo"]
    assert type(fifo).__name__ == type(lifo).__name__ == "QueueStack"
    fifo.drain()
    lifo.drain()
    for v in (11, 22, 33, 44):
        trigger(OP_PUSH, v)
    assert fifo.peek() == 11 and lifo.peek() == 44
    assert [fifo.pop() for _ in range(4)] == [11, 22, 33, 44]
    assert [lifo.pop() for _ in range(4)] == [44, 33, 22, 11]
    with pytest.raises(KeyError, match="empty"):
        fifo.pop()
    with pytest.raises(KeyError):
        lifo.peek()
    fifo.push(5)
    fifo.push(6)
    assert fifo.drain() == [5, 6]
    for op in (lambda: fifo[0], lambda: len(fifo), lambda: list(fifo), lambda: fifo.items(),
               lambda: fifo.clear()):
        with pytest.raises(TypeError, match="fifo' is a queue map"):
            op()


# ------------------------------------------------------------ bloom filter

def test_bloom_filter_python_pushes_bpf_checks(b):
    seen = b["seen"]
    assert type(seen).__name__ == "BloomFilter"
    members = [3, 1000, 77777]
    for v in members:
        seen.push(v)
    assert all(v in seen for v in members)
    for v in members + [4, 5]:
        trigger(OP_BLOOM, v)
    answers = b["bloom_answers"]
    assert all(answers[v] == 1 for v in members)
    # never pushed: a bloom filter may say "maybe", but not for both of these
    # with 3 hashes in 256 bits holding 3 values
    assert answers[4] + answers[5] <= 1
    with pytest.raises(TypeError, match="bloom_filter map"):
        seen[3]
    with pytest.raises(TypeError, match="iteration"):
        iter(seen)


# ------------------------------------------------------------ stack traces

def test_stack_trace_walk_and_symbols(b):
    trigger(OP_STACK, count=3)
    counts = b["stack_counts"]
    ids = [int(k) for k, v in counts.items() if int(k) >= 0]
    assert ids, f"no stack recorded: {counts.items()}"
    assert sum(int(counts[i]) for i in ids) >= 3
    stacks = b["stacks"]
    assert type(stacks).__name__ == "StackTrace"
    frames = list(stacks.walk(ids[0]))
    assert len(frames) >= 3 and all(addr >= 0xffff000000000000 for addr in frames)
    names = [b.ksym(addr) for addr in frames]
    assert any(b"syscall" in n or b"sys_" in n for n in names), names
    assert stacks[ids[0]] == frames
    # a bucket no stack landed in
    empty = next(i for i in range(1024) if i not in {int(k) for k in stacks.keys()})
    with pytest.raises(KeyError):
        list(stacks.walk(empty))
    uids = [int(k) for k in b["user_stack_counts"].keys() if int(k) >= 0]
    assert uids, f"no user stack: {b['user_stack_counts'].items()}"
    user_frames = list(b["user_stacks"].walk(uids[0]))
    assert user_frames and all(addr < 0x800000000000 for addr in user_frames)
    user_names = [b.sym(addr, PID) for addr in user_frames]
    assert any(b"syscall" in n for n in user_names), user_names   # libc's syscall()
    del stacks[ids[0]]
    with pytest.raises(KeyError):
        stacks.walk(ids[0])


# ------------------------------------------------------------- map-in-map

def test_array_of_maps_swap_while_program_runs(b):
    outer, tmpl = b["outer"], b["tmpl"]
    assert type(outer).__name__ == "MapInMap"
    first = b.create_map(like=tmpl, name="first")
    second = b.create_map(like=tmpl, name="second")
    assert first.Leaf.__name__ == "u64" and first.info["max_entries"] == 4
    outer[0] = first
    trigger(OP_INNER, count=7)
    outer[0] = second          # one syscall: the program sees old or new, never none
    trigger(OP_INNER, count=5)
    assert first[0] == 7 and second[0] == 5
    inner = outer[0]
    assert inner.info["id"] == second.info["id"] and inner[0] == 5
    inner.close()
    del outer[0]
    trigger(OP_INNER, count=2)   # no inner map: nothing counted
    assert first[0] == 7 and second[0] == 5
    with pytest.raises(KeyError):
        outer[0]
    with pytest.raises(BPFError):
        outer[1] = b.create_map("hash", 4, 8, 4)   # not like the template
    first.close()
    second.close()


def test_hash_of_maps_two_level_lookup(b):
    per_key = b["per_key"]
    tables = {key: b.create_map(like=b["tmpl"]) for key in (10, 20, 30)}
    for key, table in tables.items():
        per_key[key] = table
    for key in tables:
        trigger(OP_HOM, key, count=key // 10)
    trigger(OP_HOM, 40)     # no inner table for 40
    assert {k: t[0] for k, t in tables.items()} == {10: 1, 20: 2, 30: 3}
    read = {int(k): v for k, v in per_key.items()}
    assert sorted(read) == [10, 20, 30]
    assert {k: v[0] for k, v in read.items()} == {10: 1, 20: 2, 30: 3}
    for v in read.values():
        v.close()
    per_key.clear()
    assert len(per_key) == 0
    for t in tables.values():
        t.close()


# ------------------------------------------------------- common to all maps

def test_info_and_type_errors(b):
    info = b["routes"].info
    assert info["type_name"] == "lpm_trie" and info["key_size"] == 8
    assert info["max_entries"] == 64 and info["flags"] == 1 and info["id"] > 0
    with pytest.raises(TypeError, match="'seen' is a bloom_filter map"):
        b["seen"].keys()


def test_pin_and_from_pinned(b, tmp_path):
    path = f"/sys/fs/bpf/bpfy-test-maps-{PID}"
    t = b["route_hits"]
    t.clear()
    t[1] = 2
    t.pin(path)
    try:
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
        with _bpfy.Table.from_pinned(path, type="hash", key_size=4) as again:
            assert type(again).__name__ == "HashTable"
            assert again[1] == 2 and again.info["id"] == t.info["id"]
            again[3] = 4
            assert again.Key.__name__ == "u32"      # BTF from the kernel
        assert again.closed and t[3] == 4
        with pytest.raises(ValueError, match="key_size is 4, expected 8"):
            _bpfy.Table.from_pinned(path, key_size=8)
        with pytest.raises(ValueError, match="type is 1, expected 2"):
            _bpfy.Table.from_pinned(path, type="array")
        with pytest.raises(ValueError, match="type is 1, table 'routes' has 11"):
            _bpfy.Table.from_pinned(path, like=b["routes"])
        with pytest.raises(ValueError, match="not a bpfy._bpfy.Array"):
            _bpfy.Array.from_pinned(path)
        same = _bpfy.HashTable.from_pinned(path, like=t)
        same.close()
    finally:
        t.unpin()
    assert not os.path.exists(path)
    with pytest.raises(BPFError) as info:
        _bpfy.Table.from_pinned(path)
    assert info.value.errno == 2
    with pytest.raises(ValueError, match="not pinned"):
        t.unpin()
    t.clear()


def test_create_map_plain_and_errors(b):
    with b.create_map("hash", key_size=8, value_size=8, max_entries=16, name="scratch") as h:
        assert h.info["type_name"] == "hash" and h.name == "scratch"
        h[2**40] = 7
        assert h.items() == [(2**40, 7)]
        fd = h.fd
    assert h.closed
    try:
        assert os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:bpf-map"
    except FileNotFoundError:
        pass
    with pytest.raises(ValueError, match="closed"):
        h[1]
    with pytest.raises(ValueError, match="unknown map type"):
        b.create_map("nope", 4, 4, 1)
    with pytest.raises(BPFError, match="creating array map"):
        b.create_map("array", 4, 8, 0)
    with pytest.raises(TypeError, match="map_type"):
        b.create_map()
    q = b.create_map("queue", 0, 4, 4)
    assert type(q).__name__ == "QueueStack"
    q.push(1)
    assert q.pop() == 1
    del q    # garbage collection releases the fd (checked by the module's fd guard)
