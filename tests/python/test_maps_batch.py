"""Batch reads equal per-element reads for every batchable type (per-CPU
included), with partial batches and batch buffers smaller than the map;
to_numpy() and to_pandas() from one dump; types without batch ops fall back
to walking."""
import os

import pytest

from bpfy import BPF, BPFError
from bpfy import _bpfy

NCPUS = _bpfy.NUM_POSSIBLE_CPUS
SYS_GETPPID = 110

PROGRAM = r"""
struct rec_t { u32 pid; u16 kind; char comm[6]; };
struct val_t { u64 count; s32 delta; u8 flags; };
BPF_HASH(h, u32, u64, 4096);
BPF_TABLE("lru_hash", u64, u32, lru, 4096);
BPF_HASH(recs, struct rec_t, struct val_t, 512);
BPF_ARRAY(arr, u64, 1000);
BPF_PERCPU_HASH(pch, u32, u32, 2048);
BPF_PERCPU_ARRAY(pca, u64, 300);
BPF_STACK_TRACE(st, 16);
struct lpm_key { u32 prefixlen; u8 addr[4]; };
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_key);
	__type(value, u64);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");

/* per-CPU counters from a real trigger on whichever CPU runs us */
TRACEPOINT_PROBE(raw_syscalls, sys_enter)
{
	if ((bpf_get_current_pid_tgid() >> 32) != PID || args->id != SYS_GETPPID)
		return 0;
	u32 key = args->args[0];
	pch.increment(key);
	return 0;
}
"""


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM, cflags=[f"-DPID={os.getpid()}", f"-DSYS_GETPPID={SYS_GETPPID}"]) as bpf:
        yield bpf


def walk(t):
    """Per-element reads: the key iterator and one lookup per key."""
    return {k: t[k] for k in t}


def key_of(k):
    return bytes(k) if hasattr(k, "__bytes__") and not isinstance(k, int) else k


@pytest.mark.parametrize("chunk", [0, 1, 7, 1000])
def test_batch_equals_per_element_hash_family(b, chunk):
    cases = {
        "h": ([i * 3 for i in range(1500)], [i * i for i in range(1500)]),
        "lru": ([2**40 + i for i in range(900)], [i for i in range(900)]),
        "pch": ([i for i in range(700)], [[i + c for c in range(NCPUS)] for i in range(700)]),
    }
    for name, (keys, values) in cases.items():
        t = b[name]
        t.clear()
        t.items_update_batch(keys, values)
        t._batch_chunk = chunk                 # batch buffers much smaller than the map
        batch = dict(t.items_lookup_batch())
        assert batch == walk(t) == dict(zip(keys, values)), name
        assert dict(t.items()) == batch and sorted(t.keys()) == sorted(keys)
        assert sorted(map(repr, t.values())) == sorted(map(repr, values))
        t._batch_chunk = 0
        t.clear()


@pytest.mark.parametrize("serial", [False, True])
def test_dump_with_and_without_read_ahead(b, serial):
    """items() reads ahead on a helper thread through a ring of buffers
    (table_read.c); both ways give every element once, in chunks small
    enough that the ring wraps many times."""
    t = b["h"]
    t.clear()
    keys = list(range(4000))              # the map holds 4096
    t.items_update_batch(keys, [k * 7 for k in keys])
    t._serial_reads, t._batch_chunk = serial, 64
    try:
        items = t.items()
        assert len(items) == len(keys) and dict(items) == {k: k * 7 for k in keys}
        assert sorted(t.keys()) == keys
    finally:
        t._serial_reads, t._batch_chunk = False, 0
        t.clear()


def test_batch_equals_per_element_structs_and_arrays(b):
    recs = b["recs"]
    recs.clear()
    keys = [recs.Key(pid=i, kind=i % 3, comm=b"c%d" % i) for i in range(300)]
    values = [recs.Leaf(count=i, delta=-i, flags=i % 256) for i in range(300)]
    recs.items_update_batch(keys, values)
    recs._batch_chunk = 16
    assert dict(recs.items_lookup_batch()) == walk(recs) == dict(zip(keys, values))
    arr, pca = b["arr"], b["pca"]
    arr.items_update_batch(list(range(1000)), [i * 2 for i in range(1000)])
    pca.items_update_batch(list(range(300)), [[i] * NCPUS for i in range(300)])
    for t in (arr, pca):
        t._batch_chunk = 33
        assert dict(t.items_lookup_batch()) == walk(t)
        t._batch_chunk = 0
    assert dict(arr.items())[999] == 1998 and pca[299] == [299] * NCPUS
    # partial delete batch, then lookup-and-delete in small batches
    recs.items_delete_batch(keys[:100])
    got = dict(recs.items_lookup_and_delete_batch())
    assert got == dict(zip(keys[100:], values[100:])) and len(recs) == 0


def test_percpu_sums_equal_triggers_through_batch(b):
    import ctypes
    libc = ctypes.CDLL(None)
    t = b["pch"]
    t.clear()
    for key, n in ((1, 30), (2, 11)):
        for _ in range(n):
            libc.syscall(SYS_GETPPID, ctypes.c_long(key))
    per_cpu = dict(t.items_lookup_batch())
    assert {k: sum(v) for k, v in per_cpu.items()} == {1: 30, 2: 11}
    assert t.sum(1) == 30 and len(per_cpu[1]) == NCPUS


def test_types_without_batch_ops_fall_back(b):
    lpm = b["lpm"]
    lpm["10.0.0.0/8"] = 1
    lpm["10.1.0.0/16"] = 2
    assert sorted(v for _, v in lpm.items()) == [1, 2]
    assert dict(lpm.items_lookup_batch()) == walk(lpm)        # LPM batches (generic ops)
    lpm.clear()
    st = b["st"]                                               # stack traces do not
    assert st.items() == []                                    # walked
    with pytest.raises(BPFError) as info:
        st.items_lookup_batch()
    assert info.value.errno in (22, 95, 524) and "'st'" in str(info.value)


def test_to_numpy_and_pandas(b):
    np = pytest.importorskip("numpy")
    h, pch, recs = b["h"], b["pch"], b["recs"]
    h.clear()
    h.items_update_batch(list(range(100)), [i * 10 for i in range(100)])
    a = h.to_numpy()
    assert a.dtype.names == ("key", "value") and len(a) == 100
    assert dict(zip(a["key"].tolist(), a["value"].tolist())) == dict(h.items())
    pch.clear()
    pch.items_update_batch([5, 6], [list(range(NCPUS)), [7] * NCPUS])
    p = pch.to_numpy()
    assert p["value"].shape == (2, NCPUS)
    assert {int(k): v.tolist() for k, v in zip(p["key"], p["value"])} == dict(pch.items())
    recs.clear()
    recs[recs.Key(pid=1, kind=2, comm=b"ab")] = recs.Leaf(count=3, delta=-4, flags=5)
    r = recs.to_numpy()
    assert r["key"]["pid"][0] == 1 and r["key"]["comm"][0] == b"ab"
    assert r["value"]["delta"][0] == -4 and r["value"]["flags"][0] == 5
    empty = b["lru"]
    empty.clear()
    assert len(empty.to_numpy()) == 0
    pd = pytest.importorskip("pandas")
    from bpfy import maps       # Table.to_pandas; display.install() replaces it for now
    df = maps.to_pandas(recs)
    assert list(df.columns) == ["key.pid", "key.kind", "key.comm", "value.count",
                                "value.delta", "value.flags"]
    assert df["value.count"][0] == 3
    dfp = maps.to_pandas(pch)
    assert list(dfp.columns) == ["key"] + [f"value[{i}]" for i in range(NCPUS)]
    assert isinstance(dfp, pd.DataFrame)
    h.clear()
    pch.clear()
    recs.clear()


@pytest.mark.parametrize("kind", ["array_of_maps", "hash_of_maps"])
def test_batch_equals_per_element_map_in_map(b, kind):
    inners = [b.create_map("array", 4, 8, 2, name=f"in{i}") for i in range(3)]
    outer = b.create_map(kind, 4, 4, 8, inner_map=inners[0])
    for slot, inner in zip((1, 4, 6), inners):
        outer[slot] = inner
    outer._batch_chunk = 2
    batch = {int(k): v.info["id"] for k, v in outer.items_lookup_batch()}
    walked = {}
    for k in outer:
        try:
            walked[int(k)] = outer[k].info["id"]
        except KeyError:
            pass          # array of maps: every index is a key, empty slots read ENOENT
    assert batch == walked == {1: inners[0].info["id"], 4: inners[1].info["id"],
                               6: inners[2].info["id"]}
    outer.close()
    for t in inners:
        t.close()


@pytest.mark.parametrize("chunk", [0, 7, 1000])
def test_to_numpy_packs_chunks_like_the_python_view(b, chunk):
    """to_numpy() packs each chunk into the result in C; it equals the
    numpy view of the raw dump (bpfy.maps) for plain, per-CPU (u32 values:
    4-byte slots 8 apart in the kernel's buffer), struct and array maps,
    whatever the chunk size, growing past max_entries' reservation or not."""
    np = pytest.importorskip("numpy")
    from bpfy import maps
    h, pch, recs, arr = b["h"], b["pch"], b["recs"], b["arr"]
    h.clear()
    h.items_update_batch(list(range(3000)), [i * 7 + (1 << 40) for i in range(3000)])
    pch.clear()
    pch.items_update_batch(list(range(50)), [[k * 100 + c for c in range(NCPUS)]
                                             for k in range(50)])
    recs.clear()
    for i in range(20):
        recs[recs.Key(pid=i, kind=i % 3, comm=b"c%d" % i)] = recs.Leaf(count=i, delta=-i,
                                                                    flags=i & 7)
    for t in (h, pch, recs, arr):
        t._batch_chunk = chunk
        try:
            mine, ref = t.to_numpy(), maps.to_numpy(t)
        finally:
            t._batch_chunk = 0
        assert mine.dtype == ref.dtype and len(mine) == len(ref)
        for field in ("key", "value"):  # field by field: struct padding aside
            assert mine[field].tolist() == ref[field].tolist()
        assert mine.flags.writeable
    assert sorted(mine["key"].tolist()) == list(range(1000))


@pytest.mark.parametrize("chunk", [0, 3, 64])
def test_items_in_chunks_equal_per_element(b, chunk):
    """items()/values()/keys() decode chunk by chunk into one list (room
    reserved per chunk; arrays exactly): same as per-element reads."""
    h, pch, arr = b["h"], b["pch"], b["arr"]
    h.clear()
    h.items_update_batch(list(range(500)), [i * 3 for i in range(500)])
    pch.clear()
    pch.items_update_batch(list(range(40)), [[k + c * 1000 for c in range(NCPUS)]
                                             for k in range(40)])
    arr.items_update_batch(list(range(1000)), [i * i for i in range(1000)])
    for t in (h, pch, arr):
        t._batch_chunk = chunk
        try:
            items, keys, values = t.items(), t.keys(), t.values()
            batch = t.items_lookup_batch()
        finally:
            t._batch_chunk = 0
        assert sorted(items) == sorted(batch) == sorted((k, t[k]) for k in t.keys())
        assert [k for k, _ in items] == keys and [v for _, v in items] == values
        assert type(items[0][0]) is t.Key
    assert all(type(v) is pch.Leaf for _, vs in pch.items() for v in vs)
