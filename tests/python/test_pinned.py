"""bcc's BPF_TABLE_PINNED: the map is pinned at the given path, a second
object reuses it (and sees its values), an incompatible layout at the same
path is refused with a message naming the map and the path."""
import os

import pytest

from bpfy import BPF, BPFError

PIN = f"/sys/fs/bpf/bpfy_test_pinned_{os.getpid()}"


def program(value_type="u64", size=64):
    return (f'BPF_TABLE_PINNED("hash", u32, {value_type}, pinned, {size}, "{PIN}");\n'
            "int unused(void *ctx) { return 0; }\n")


@pytest.fixture
def pin_path():
    yield PIN
    if os.path.exists(PIN):
        os.unlink(PIN)


def test_pinned_table_is_shared_between_objects(pin_path):
    with BPF(text=program()) as first:
        first["pinned"][7] = 42
        assert os.path.exists(pin_path)
        assert oct(os.stat(pin_path).st_mode & 0o777) == oct(0o600)
    with BPF(text=program()) as second:
        assert second["pinned"][7].value == 42


def test_incompatible_pinned_layout_is_refused(pin_path):
    with BPF(text=program()):
        pass
    with pytest.raises(BPFError) as info:
        BPF(text=program(value_type="u32"))
    message = str(info.value)
    assert "pinned" in message and pin_path in message and "layout" in message
