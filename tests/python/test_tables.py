"""Tables of the foundation's map types (hash, LRU hash, array, per-CPU hash
and array), filled from BPF through a pid-filtered tracepoint and from Python."""
import ctypes
import os

import pytest

from bpfy import BPF, BPFError
from bpfy import _bpfy
from helpers import SYS_GETPPID, make_getppid_calls

NCPUS = _bpfy.NUM_POSSIBLE_CPUS

PROGRAM = r"""
struct key_t { u32 pid; char comm[16]; };
struct val_t { u64 count; u32 flags:3, kind:5; s16 delta; };

BPF_HASH(counts, u32, u64);
BPF_HASH(small, u32, u64, 4);
BPF_HASH(settings, u32, struct val_t, 1);
BPF_HASH(records, struct key_t, struct val_t, 64);
BPF_TABLE("lru_hash", u32, u32, lru, 16);
BPF_TABLE("lru_percpu_hash", u32, u64, lru_pc, 16);
BPF_ARRAY(arr, u64, 8);
BPF_PERCPU_HASH(pc_hash, u32, u64);
BPF_PERCPU_ARRAY(pc_arr, u64, 4);

TRACEPOINT_PROBE(raw_syscalls, sys_enter)
{
	u32 id = args->id, zero = 0, one = 1;
	struct val_t *cfg;

	if ((bpf_get_current_pid_tgid() >> 32) != PID)
		return 0;
	counts.increment(id);
	pc_hash.increment(id);
	if (id == SYS_GETPPID) {
		arr.increment(zero);
		pc_arr.increment(zero);
		cfg = settings.lookup(&zero);
		if (cfg) {
			u64 c = cfg->count;
			arr.update(&one, &c);
		}
	}
	return 0;
}
"""


@pytest.fixture(scope="module")
def b():
    cflags = [f"-DPID={os.getpid()}", f"-DSYS_GETPPID={SYS_GETPPID}"]
    with BPF(text=PROGRAM, cflags=cflags) as bpf:
        yield bpf


# ------------------------------------------------------------------ hashes

def test_hash_counts_syscalls_from_bpf(b):
    counts = b["counts"]
    before = counts.get(SYS_GETPPID, 0)
    make_getppid_calls(50)
    assert counts[SYS_GETPPID] - before == 50
    assert counts[SYS_GETPPID].value == int(counts[SYS_GETPPID])
    assert SYS_GETPPID in counts
    assert type(counts).__name__ == "HashTable"


def test_hash_mapping_protocol(b):
    t = b["small"]
    t.clear()
    t[1] = 10
    t[t.Key(2)] = t.Leaf(20)
    t[ctypes.c_uint(3)] = ctypes.c_ulonglong(30)
    assert t[1] == 10 and t[2] == 20 and t[3] == 30
    assert len(t) == 3
    assert sorted(t) == [1, 2, 3]
    assert sorted(t.keys()) == [1, 2, 3]
    assert sorted(t.values()) == [10, 20, 30]
    assert sorted(t.items()) == [(1, 10), (2, 20), (3, 30)]
    assert t.get(9) is None and t.get(9, "d") == "d" and t.get(1) == 10
    del t[2]
    assert 2 not in t and 1 in t
    with pytest.raises(KeyError):
        t[2]
    with pytest.raises(KeyError):
        del t[2]
    t.clear()
    assert len(t) == 0 and t.items() == []


def test_hash_e2big_past_max_entries(b):
    t = b["small"]
    t.clear()
    for i in range(4):
        t[i] = i
    with pytest.raises(BPFError) as info:
        t[100] = 1
    assert info.value.errno == 7  # E2BIG
    assert "small" in str(info.value)
    t[0] = 5  # replacing an existing key still works when full
    t.clear()


def test_lru_stays_at_capacity(b):
    t = b["lru"]
    t.clear()
    for i in range(32):
        t[i] = i
    assert len(t) <= 16
    assert 31 in t and t[31] == 31  # most recent survives
    assert all(t[k] == k for k in t.keys())
    t.clear()
    assert len(t) == 0


def test_lru_percpu_hash(b):
    t = b["lru_pc"]
    assert type(t).__name__ == "PerCpuHash"
    for i in range(40):
        t[i] = i
    assert len(t) <= 16
    assert t.sum(39) == 39 * NCPUS
    t.clear()


def test_user_space_config_read_by_program(b):
    b["settings"][0] = b["settings"].Leaf(count=1234)
    make_getppid_calls(1)
    assert b["arr"][1] == 1234
    del b["settings"][0]


# ------------------------------------------------------------------ arrays

def test_array_protocol(b):
    a = b["arr"]
    assert type(a).__name__ == "Array"
    assert len(a) == 8
    a[7] = 70
    assert a[-1] == 70 and a[7] == 70
    a[-2] = 60
    assert a[6] == 60
    with pytest.raises(IndexError):
        a[8]
    with pytest.raises(IndexError):
        a[-9] = 1
    with pytest.raises(TypeError, match="arr"):
        del a[0]
    assert 7 in a and 8 not in a and -1 not in a  # keys are 0..n-1
    assert a.get(100, "none") == "none"
    assert [k for k in a] == list(range(8))
    assert len(a.items()) == 8 and a.items()[7] == (7, 70)
    a.zero()
    assert a.values() == [0] * 8
    a[3] = 3
    a.clear()
    assert a[3] == 0


def test_array_counts_from_bpf(b):
    a = b["arr"]
    before = a[0]
    make_getppid_calls(25)
    assert a[0] - before == 25


# ----------------------------------------------------------------- per-CPU

def test_percpu_hash_sum_equals_triggers(b):
    t = b["pc_hash"]
    before = t.sum(SYS_GETPPID) if SYS_GETPPID in t else 0
    make_getppid_calls(40)
    values = t[SYS_GETPPID]
    assert isinstance(values, list) and len(values) == NCPUS
    assert t.getvalue(SYS_GETPPID) == values
    assert t.sum(SYS_GETPPID) - before == 40
    assert t.sum(SYS_GETPPID).value == sum(values)
    assert t.max(SYS_GETPPID) == max(values)
    assert t.average(SYS_GETPPID) == pytest.approx(sum(values) / NCPUS)


def test_percpu_array(b):
    t = b["pc_arr"]
    assert type(t).__name__ == "PerCpuArray"
    before = t.sum(0)
    make_getppid_calls(10)
    assert t.sum(0) - before == 10
    t[1] = list(range(NCPUS))
    assert t[1] == list(range(NCPUS))
    t[2] = 5  # one value: every CPU
    assert t[2] == [5] * NCPUS
    with pytest.raises(ValueError, match="per-CPU"):
        t[1] = [1] * (NCPUS + 1)
    t.zero()
    assert t.sum(1) == 0 and t.sum(2) == 0


# ------------------------------------------------------------------- batch

def test_batch_equals_per_element(b):
    t = b["counts"]
    make_getppid_calls(3)
    batch = dict(t.items_lookup_batch())
    walked = {k: t[k] for k in t}
    # the tracepoint keeps counting our own syscalls: compare keys, then values
    assert set(batch) <= set(walked)
    assert all(batch[k] <= walked[k] for k in batch)
    assert len(t.items()) == len(t.keys()) == len(t.values())


def test_batch_update_delete(b):
    t = b["records"]
    t.clear()
    keys = [t.Key(pid=i, comm=b"p%d" % i) for i in range(10)]
    values = [t.Leaf(count=i * 10, kind=i) for i in range(10)]
    t.items_update_batch(keys, values)
    assert dict(t.items()) == dict(zip(keys, values))
    assert sorted(bytes(k) for k, _ in t.items_lookup_batch()) == sorted(bytes(k) for k in keys)
    t.items_delete_batch(keys[:4])
    assert len(t) == 6
    with pytest.raises(KeyError):
        t.items_delete_batch([keys[0]])
    got = t.items_lookup_and_delete_batch()
    assert len(got) == 6 and len(t) == 0
    t.items_update_batch(keys, values)
    t.items_delete_batch()
    assert len(t) == 0
    with pytest.raises(ValueError):
        t.items_update_batch(keys[:2], values[:1])


def test_array_batch(b):
    a = b["arr"]
    a.items_update_batch([4, 5], [44, 55])
    assert a[4] == 44 and a[5] == 55
    assert dict(a.items_lookup_batch())[5] == 55


# --------------------------------------------------------- structs, errors

def test_struct_keys_and_values_round_trip(b):
    t = b["records"]
    t.clear()
    k = t.Key(pid=7, comm="bash")
    t[k] = {"count": 3, "flags": 5, "kind": 31, "delta": -2}
    v = t[k]
    assert (v.count, v.flags, v.kind, v.delta) == (3, 5, 31, -2)
    assert t[(7, b"bash")] == v
    assert t[bytes(k)] == v
    (key, value), = t.items()
    assert key == k and key.comm == b"bash" and value == v
    t.clear()


def test_bad_input_raises_before_syscall(b):
    t = b["small"]
    with pytest.raises(ValueError, match="4 bytes, got 3"):
        t[b"abc"] = 1
    with pytest.raises(TypeError):
        t["one"] = 1
    with pytest.raises(TypeError):
        t[1.5]
    with pytest.raises(OverflowError):
        t[2 ** 32] = 1
    with pytest.raises(OverflowError):
        t[-1] = 1
    with pytest.raises(OverflowError):
        t[1] = 2 ** 64
    with pytest.raises(TypeError):
        t[1] = "x"
    r = b["records"]
    with pytest.raises(ValueError, match="16"):
        r[(1, "x" * 17)] = {}
    with pytest.raises(TypeError, match="nope"):
        r[(1, "x")] = {"nope": 1}
    with pytest.raises(OverflowError):
        r[(1, "x")] = {"flags": 8}


def test_attributes(b):
    t = b["counts"]
    info = t.info
    assert info["key_size"] == 4 and info["value_size"] == 8
    assert info["type"] == 1 and info["name"] == "counts" and info["max_entries"] == 10240
    assert t.name == "counts" and t.fd > 2 and not t.closed
    assert t.Key.__name__ == "u32" and t.Leaf.__name__ == "u64"
    assert "counts" in repr(t) and "u32" in repr(t)
    assert b["records"].Key.__name__ == "key_t"
    assert b["pc_hash"].info["type"] == 5


def test_closed_tables_raise():
    bpf = BPF(text="BPF_HASH(h, u32, u32, 4);")
    t = bpf["h"]
    t[1] = 2
    it = iter(t)
    bpf.close()
    assert t.closed and "closed" in repr(t)
    for op in (lambda: t[1], lambda: t.items(), lambda: len(t), lambda: t.fd,
               lambda: next(it), lambda: t.clear(), lambda: t.__setitem__(1, 1)):
        with pytest.raises(ValueError, match="table 'h' is closed"):
            op()
