"""CO-RE through the minimal BTF cached beside each object: a program reading
task_struct by implicit reads gives the right values on a cache miss and on
a cache hit, for auto-attached programs and for a function loaded on demand
(which reopens the object with the same minimal BTF)."""
import os
import time

import pytest

from bpfy import BPF

PID = os.getpid()

TASK_PROGRAM = r'''
BPF_ARRAY(out, u64, 4);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != %(pid)d) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 0; u64 v = t->real_parent->tgid; out.update(&k, &v); }
    { int k = 1; u64 v = t->real_parent->real_parent->tgid; out.update(&k, &v); }
    return 0;
}

int on_demand(struct bpf_raw_tracepoint_args *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != %(pid)d) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 2; u64 v = t->tgid; out.update(&k, &v); }
    { int k = 3; u64 v = t->real_parent->tgid; out.update(&k, &v); }
    return 0;
}
''' % {"pid": PID}


def _ppid_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _run(cache_dir):
    with BPF(text=TASK_PROGRAM, cache_dir=cache_dir) as b:
        b.attach_raw_tracepoint(tp="sys_enter", fn_name="on_demand")
        for _ in range(3):
            os.getppid()
        time.sleep(0.002)
        out = b["out"]
        return b.cache_hit, [out[i].value for i in range(4)]


@pytest.fixture
def cache_dir(tmp_path):
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    return str(path)


def test_task_struct_through_cache_hit(cache_dir):
    expected = [os.getppid(), _ppid_of(os.getppid()), PID, os.getppid()]
    hit, values = _run(cache_dir)
    assert not hit
    assert values == expected
    btfs = [name for name in os.listdir(os.path.join(cache_dir, "objects")) if name.endswith(".btf")]
    assert len(btfs) == 1, os.listdir(os.path.join(cache_dir, "objects"))
    # a few hundred bytes, not the kernel's megabytes
    assert os.path.getsize(os.path.join(cache_dir, "objects", btfs[0])) < 64 * 1024
    hit, values = _run(cache_dir)
    assert hit
    assert values == expected


def test_removed_minimal_btf_falls_back(cache_dir):
    """Without its minimal BTF (cache cleaned), a hit loads with the kernel's."""
    expected = [os.getppid(), _ppid_of(os.getppid()), PID, os.getppid()]
    _run(cache_dir)
    objects = os.path.join(cache_dir, "objects")
    for name in os.listdir(objects):
        if name.endswith(".btf"):
            os.unlink(os.path.join(objects, name))
    hit, values = _run(cache_dir)
    assert hit
    assert values == expected
