"""Keys and values decoded from BTF: CInt ints, records (structs/unions),
bitfields, arrays, char arrays, and what encoding accepts and refuses."""
import copy
import ctypes
import pickle

import pytest

from bpfy import BPF
from bpfy import _bpfy

PROGRAM = r"""
struct inner_t { u16 a; u8 b; };
struct rec_t {
	u64 count;
	s32 neg;
	u32 flags:3, kind:5;
	int sbits:4;
	char comm[8];
	int grid[2][3];
	unsigned char addr[4];
	struct inner_t inner;
	union { u32 word; u16 half; };
	double ratio;
	bool ok;
};
BPF_HASH(recs, u32, struct rec_t, 8);
BPF_HASH(raw, u64, char[4], 8);
"""


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM) as bpf:
        yield bpf


@pytest.fixture
def Rec(b):
    return b["recs"].Leaf


def test_cint(b):
    t = b["recs"]
    assert issubclass(t.Key, _bpfy.CInt) and issubclass(t.Key, int)
    k = t.Key(5)
    assert k == 5 and k.value == 5 and type(k.value) is int and repr(k) == "5"
    assert pickle.loads(pickle.dumps(k)) == 5
    assert hash(k) == hash(5) and {k: 1}[5] == 1


def test_record_construction_and_fields(Rec):
    r = Rec(count=1, neg=-5, flags=7, kind=31, sbits=-8, comm="sh", grid=[[1, 2, 3], [4]],
            addr=b"\x01\x02\x03\x04", inner={"a": 9, "b": 2}, word=0x10002, ratio=0.5, ok=True)
    assert (r.count, r.neg, r.flags, r.kind, r.sbits) == (1, -5, 7, 31, -8)
    assert r.comm == b"sh" and r.grid == [[1, 2, 3], [4, 0, 0]] and r.addr == [1, 2, 3, 4]
    assert r.inner.a == 9 and type(r.inner).__name__ == "inner_t"
    assert r.word == 0x10002 and r.half == 2  # anonymous union members, flattened
    assert r.ratio == 0.5 and r.ok is True
    assert Rec.__name__ == "rec_t" and isinstance(r, _bpfy.Record)
    assert repr(r).startswith("rec_t(count=1, neg=-5, flags=7, kind=31, sbits=-8, comm=b'sh'")
    assert Rec._fields[:3] == ("count", "neg", "flags")
    assert Rec(1, -1).neg == -1


def test_bytes_buffer_and_equality(Rec):
    r = Rec(count=3, comm=b"abc")
    raw = bytes(r)
    assert len(raw) == len(memoryview(r)) and raw[:8] == (3).to_bytes(8, "little")
    same = Rec.from_buffer_copy(raw)
    assert same == r and hash(same) == hash(r) and same is not r
    assert Rec.from_buffer_copy(b"\0" * 4 + raw, 4) == r
    with pytest.raises(ValueError):
        Rec.from_buffer_copy(raw[:-1])
    assert copy.copy(r) == r
    same.count = 4
    assert same != r
    memoryview(same)[0] = 9
    assert same.count == 9


def test_assignment_checks_and_leaves_record_intact(Rec):
    r = Rec(count=1, comm="x")
    before = bytes(r)
    with pytest.raises(OverflowError):
        r.flags = 8
    with pytest.raises(OverflowError):
        r.sbits = 8
    with pytest.raises(OverflowError):
        r.count = -1
    with pytest.raises(ValueError):
        r.comm = "123456789"
    with pytest.raises(TypeError):
        r.count = "1"
    with pytest.raises(ValueError):
        r.grid = [[1], [2], [3]]
    with pytest.raises(TypeError):
        r.inner = {"zz": 1}
    with pytest.raises(TypeError):
        Rec(nope=1)
    with pytest.raises(TypeError):
        Rec(*range(20))
    assert bytes(r) == before
    r.comm = "12345678"  # exactly full: no NUL needed
    assert r.comm == b"12345678"


def test_encoding_accepts(b, Rec):
    t = b["recs"]
    t[ctypes.c_uint(1)] = Rec(count=1)
    t[2] = {"count": 2}
    t[3] = (3,)
    t[4] = bytes(Rec(count=4))
    assert sorted(v.count for v in t.values()) == [1, 2, 3, 4]
    np = pytest.importorskip("numpy")
    assert t[np.uint32(4)].count == 4
    with pytest.raises(TypeError):
        t[5] = b["recs"].Key(1)  # an int is not a struct
    with pytest.raises(ValueError, match="got 3"):
        t[5] = b"abc"
    with pytest.raises(TypeError):
        t[5] = Rec(count=1).inner  # a record of another struct
    t.clear()


def test_char_array_values(b):
    t = b["raw"]
    t[1] = "ab"
    t[2] = b"abcd"
    assert t[1] == b"ab" and t[2] == b"abcd"
    with pytest.raises(ValueError):
        t[3] = "abcde"
    t.clear()


def test_cint_small_values_shared_and_typed(b):
    """Decoded ints below 256 are shared instances of the CInt subtype (as
    CPython shares small ints); larger ones are fresh. Either way they keep
    their type and value, and creating/dropping many leaks no type refs."""
    import sys
    t = b["recs"]
    t.clear()
    for k in (0, 1, 255, 256, 2**32 - 1):
        t[k] = t.Leaf(count=k)
    got = {k: (k2, v) for k2, v in t.items() for k in [int(k2)]}
    assert type(got[0][0]) is t.Key and got[0][0] == 0 and got[255][0].value == 255
    assert got[0][0] is t.keys()[t.keys().index(0)]
    assert got[256][0] == 256 and got[2**32 - 1][0] == 2**32 - 1
    counts = []
    for _ in range(4):
        ks = [k for _ in range(1000) for k in t.keys()]
        del ks
        counts.append(sys.getrefcount(t.Key))
    assert counts[1:] == counts[:-1]


@pytest.mark.parametrize("ctype,bits", [("s8", 8), ("s16", 16), ("s32", 32), ("s64", 64),
                                        ("u8", 8), ("u16", 16), ("u32", 32), ("u64", 64)])
def test_int_decode_every_size_and_sign(ctype, bits):
    """One sign-extending decoder serves 1/2/4/8-byte ints: limits and -1."""
    signed = ctype[0] == "s"
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    with BPF(text=f"BPF_ARRAY(a, {ctype}, 16);") as bpf:
        a = bpf["a"]
        vals = [v for v in [lo, hi, 0, 1, 127, 255, 256, -1, -128, -256, -257] if lo <= v <= hi]
        for i, v in enumerate(vals):
            a[i] = v
        assert a.values()[:len(vals)] == vals
        assert [a[i] for i in range(len(vals))] == vals
        assert all(type(v) is a.Leaf for v in a.values())
