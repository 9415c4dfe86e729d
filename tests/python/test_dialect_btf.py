"""kernel_struct_has_field / kernel_enum_has_val from the kernel's BTF
(runtime/btf_query.c through pybind/src/btf_query.c), checked against the
kernel's BTF as bpftool-free Python reads it (bpfy.compat._btf) and against
facts true of every kernel bpfy supports."""
import pytest

from bpfy import _bpfy

pytestmark = pytest.mark.skipif(
    not hasattr(_bpfy, "kernel_enum_has_val"),
    reason="bpfy_btf_query_methods not yet added to _bpfy (pybind/src/module.c)")


def test_struct_has_field():
    has = _bpfy.kernel_struct_has_field
    assert has("task_struct", "pid") is True
    assert has("struct task_struct", "real_parent") is True
    assert has("task_struct", "no_such_field_xyz") is False
    assert has("no_such_struct_xyz", "pid") is False
    # a member of an anonymous union/struct inside the struct counts
    assert has("sock_common", "skc_daddr") is True
    assert has("union bpf_attr", "map_type") is True


def test_struct_has_field_agrees_with_btf_reader():
    from bpfy.compat import _btf
    members = _btf.struct_members()
    for name in ("task_struct", "file", "sk_buff", "inode"):
        for field in sorted(members[name])[:20]:
            assert _bpfy.kernel_struct_has_field(name, field), (name, field)


def test_enum_has_val():
    has = _bpfy.kernel_enum_has_val
    assert has("bpf_func_id", "BPF_FUNC_map_lookup_elem") is True
    assert has("enum bpf_map_type", "BPF_MAP_TYPE_RINGBUF") is True
    assert has("bpf_map_type", "BPF_MAP_TYPE_NO_SUCH_THING") is False
    assert has("no_such_enum_xyz", "BPF_MAP_TYPE_HASH") is False
    assert has("", "BPF_MAP_TYPE_HASH") is True  # any enum


def test_bad_arguments():
    with pytest.raises(TypeError):
        _bpfy.kernel_enum_has_val("bpf_map_type")
    with pytest.raises(TypeError):
        _bpfy.kernel_struct_has_field(1, "pid")


def test_repeated_calls_are_cheap():
    import time
    _bpfy.kernel_enum_has_val("bpf_map_type", "BPF_MAP_TYPE_HASH")  # loads BTF once
    start = time.perf_counter()
    for _ in range(100):
        _bpfy.kernel_struct_has_field("task_struct", "pid")
    assert time.perf_counter() - start < 0.5
