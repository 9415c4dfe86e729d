"""kernel_struct_has_field / kernel_enum_has_val from the kernel's BTF
(runtime/btf_query.c through pybind/src/btf_query.c), checked against the
kernel's BTF as bpftool prints it and against facts true of every kernel bpfy
supports."""
import re
import shutil
import subprocess

import pytest

from bpfy import BPF, _bpfy


def test_struct_has_field():
    has = _bpfy.kernel_struct_has_field
    assert has("task_struct", "pid") is True
    assert has("struct task_struct", "real_parent") is True
    assert has("task_struct", "no_such_field_xyz") is False
    assert has("no_such_struct_xyz", "pid") is False
    # a member of an anonymous union/struct inside the struct counts
    assert has("sock_common", "skc_daddr") is True
    assert has("union bpf_attr", "map_type") is True


@pytest.mark.skipif(shutil.which("bpftool") is None, reason="bpftool (Debian package) missing")
def test_struct_has_field_agrees_with_bpftool():
    dump = subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux",
                           "format", "c"], check=True, capture_output=True, text=True).stdout
    for name in ("task_struct", "file", "sk_buff", "inode"):
        body = re.search(r"^struct %s \{\n(.*?)^\};" % name, dump, re.S | re.M).group(1)
        # direct members: one tab deep, "type name;" or "type *name;" or arrays
        fields = re.findall(r"^\t[^\t{}()]*?\b(\w+)(?:\[[^\]]*\])*(?::\s*\d+)?;$", body, re.M)
        assert fields, name
        for field in fields[:25]:
            assert _bpfy.kernel_struct_has_field(name, field), (name, field)
        assert BPF.kernel_struct_has_field(name.encode(), fields[0].encode()) == 1


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


def test_bcc_static_methods():
    assert BPF.kernel_enum_has_val("bpf_map_type", "BPF_MAP_TYPE_HASH") == 1
    assert BPF.kernel_enum_has_val(b"bpf_map_type", b"NOPE") == 0
    assert BPF.kernel_struct_has_field(b"task_struct", b"pid") == 1
