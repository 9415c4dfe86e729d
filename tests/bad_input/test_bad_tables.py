"""Keys and values that do not fit a map: each raises a typed exception
before any syscall, and the map is unchanged."""
import pytest

from bpfy import BPF, BPFError
from common import CFLAGS, PROGRAM


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM, cflags=CFLAGS) as obj:
        yield obj


def cyclic_list():
    cycle = []
    cycle.append(cycle)
    return cycle


def cyclic_dict():
    cycle = {}
    cycle["count"] = cycle
    return cycle


class Weird:
    """An object with a .value that is not an int (ctypes-like duck typing)."""
    value = "not an int"


# (table, key, value or NOVALUE for a lookup, exception, text in the message)
NOVALUE = object()
CASES = [
    # wrong size / type of raw bytes and scalars (u32 key, u64 value)
    ("h", b"abc", 1, ValueError, "4 bytes, got 3"),
    ("h", b"abcde", 1, ValueError, "4 bytes, got 5"),
    ("h", bytearray(3), NOVALUE, ValueError, "4 bytes"),
    ("h", "1", 1, TypeError, "str"),
    ("h", None, 1, TypeError, "NoneType"),
    ("h", 1, None, TypeError, "NoneType"),
    ("h", 1.5, 1, TypeError, "float"),
    ("h", 1, 1.5, TypeError, "float"),
    ("h", 1, "ü", TypeError, "str"),
    ("h", "ü", NOVALUE, TypeError, "str"),
    ("h", [1], 1, TypeError, "list"),
    ("h", 1, {"x": 1}, TypeError, "dict"),
    ("h", 1, object(), TypeError, "object"),
    ("h", 1, Weird(), TypeError, ""),
    # sign and range
    ("h", -1, 1, OverflowError, "-1 out of range for u32"),
    ("h", 1, -1, OverflowError, "out of range for u64"),
    ("h", 2 ** 32, 1, OverflowError, "out of range for u32"),
    ("h", 2 ** 64, NOVALUE, OverflowError, "out of range"),
    ("h", 1, 2 ** 64, OverflowError, "out of range for u64"),
    ("h", 1, 2 ** 4000, OverflowError, "out of range"),
    ("h", -(2 ** 4000), 1, OverflowError, "out of range"),
    ("sa", 0, 2 ** 31, OverflowError, "s32"),
    ("sa", 0, -(2 ** 31) - 1, OverflowError, "s32"),
    # structs: char arrays, field names, counts, nested types
    ("s", (1, "x" * 17), {}, ValueError, "char[16]"),
    ("s", (1, b"x" * 17), {}, ValueError, "char[16]"),
    ("s", (1, 5), {}, TypeError, "char[16]"),
    ("s", (1, None), {}, TypeError, "char[16]"),
    ("s", (1, [104, 105]), {}, TypeError, "char[16]"),
    ("s", (1, b"x", 3), {}, ValueError, "2 fields, got 3"),
    ("s", {"pid": "x"}, {}, TypeError, "str"),
    ("s", {"nope": 1}, {}, TypeError, "nope"),
    ("s", (1, b"x"), {"nope": 1}, TypeError, "no field 'nope'"),
    ("s", (1, b"x"), (1, 2, 3, 4, 5), ValueError, "3 fields, got 5"),
    ("s", (1, b"x"), {"count": -1}, OverflowError, "u64"),
    ("s", (1, b"x"), {"delta": 2 ** 31}, OverflowError, "s32"),
    ("s", (1, b"x"), {"flags": 256}, OverflowError, ""),
    ("s", (1, b"x"), 5, TypeError, ""),
    ("s", (1, b"x"), b"\0" * 3, ValueError, ""),
    ("s", (1, b"x"), cyclic_dict(), TypeError, ""),
    ("s", (1, b"x"), {"count": cyclic_list()}, TypeError, ""),
    # arrays: indices
    ("a", 8, 1, IndexError, "index 8 out of range (8 entries)"),
    ("a", 8, NOVALUE, IndexError, "out of range"),
    ("a", -9, NOVALUE, IndexError, "out of range"),
    ("a", 2 ** 40, NOVALUE, IndexError, "out of range"),
    ("a", 2 ** 100, NOVALUE, (IndexError, OverflowError), ""),
    ("a", "0", NOVALUE, TypeError, ""),
    ("a", 0, cyclic_list(), TypeError, ""),
    # per-CPU values: one per possible CPU
    ("pa", 0, [1] * 1000, ValueError, "per-CPU"),
    ("pa", 0, "x", TypeError, ""),
    ("pa", 0, [None, None], TypeError, ""),
]


@pytest.mark.parametrize("table,key,value,exc,text", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_key_or_value(b, table, key, value, exc, text):
    t = b[table]
    before = sorted(t.items(), key=repr) if table in ("h", "s") else None
    with pytest.raises(exc) as info:
        if value is NOVALUE:
            t[key]
        else:
            t[key] = value
    assert text in str(info.value)
    if before is not None:
        assert sorted(t.items(), key=repr) == before


def test_unknown_table_names_the_known_ones(b):
    with pytest.raises(KeyError) as info:
        b["nope"]
    message = str(info.value)
    assert "nope" in message and "'h'" in message and "'ring'" in message


@pytest.mark.parametrize("name", [None, 1, 1.5, ["h"]])
def test_table_name_of_the_wrong_type(b, name):
    with pytest.raises(TypeError):
        b[name]



@pytest.mark.parametrize("name", ["", "ü" * 300, "h ", "H"])
def test_table_name_that_cannot_exist(b, name):
    with pytest.raises(KeyError):
        b[name]


@pytest.mark.parametrize("name", ["h\0", b"h\0junk"])
def test_table_name_with_a_nul(b, name):
    with pytest.raises(ValueError):
        b[name]


def test_missing_key_is_key_error_and_delete_of_array_is_type_error(b):
    with pytest.raises(KeyError):
        b["h"][3]
    with pytest.raises(KeyError):
        del b["h"][3]
    with pytest.raises(TypeError, match="cannot be deleted"):
        del b["a"][0]


def test_full_map_raises_e2big_and_keeps_its_elements(b):
    t = b["h"]
    t.clear()
    for i in range(4):
        t[i] = i
    with pytest.raises(BPFError) as info:
        t[99] = 1
    assert info.value.errno == 7 and "'h'" in str(info.value)       # E2BIG
    with pytest.raises(BPFError) as info:
        t.items_update_batch([10, 11], [1, 2])
    assert info.value.errno == 7
    assert sorted(int(k) for k in t.keys()) == [0, 1, 2, 3]
    t.clear()


@pytest.mark.parametrize("keys,values,exc", [
    ([1, 2], [1], ValueError),
    (None, None, TypeError),
    ([1, "x"], [1, 2], TypeError),
    ([1, 2], [1, -1], OverflowError),
    (5, 5, TypeError),
])
def test_bad_batches(b, keys, values, exc):
    t = b["h"]
    t.clear()
    with pytest.raises(exc):
        t.items_update_batch(keys, values)
    assert len(t) == 0


def test_batch_delete_of_a_missing_key(b):
    with pytest.raises(KeyError):
        b["h"].items_delete_batch([99])
