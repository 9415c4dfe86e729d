"""USDT probes of a small C program built with <sys/sdt.h>: probe listing,
enable_probe, argument reads with bcc's bpf_usdt_readarg, pid filtering."""
import errno
import os
import subprocess

import pytest

from bpfy import BPF, BPFError
from bpfy.usdt import PRELUDE, USDT, list_probes
from helpers import build_attach_target

N = 10

SOURCE = PRELUDE + r'''
BPF_ARRAY(stats, u64, 3);
int on_tick(struct pt_regs *ctx) {
    long i = 0, total = 0;
    int slot = 0;
    if (bpf_usdt_readarg(1, ctx, &i) || bpf_usdt_readarg(2, ctx, &total))
        return 0;
    stats.increment(slot);
    slot = 1;
    u64 *v = stats.lookup(&slot);
    if (v)
        __sync_fetch_and_add(v, i);
    slot = 2;
    v = stats.lookup(&slot);
    if (v)
        *v = total;
    return 0;
}
'''


@pytest.fixture(scope="module")
def exe(tmp_path_factory):
    if not os.path.exists("/usr/include/x86_64-linux-gnu/sys/sdt.h") and \
            not os.path.exists("/usr/include/sys/sdt.h"):
        pytest.skip("<sys/sdt.h> missing: install systemtap-sdt-dev (make deps)")
    return build_attach_target(tmp_path_factory.mktemp("usdt"), usdt=True)


@pytest.fixture(scope="module")
def b():
    with BPF(text=SOURCE) as bpf:
        yield bpf


def run(exe, before_go):
    proc = subprocess.Popen([exe, "calls", str(N)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"ready\n"
        before_go(proc.pid)
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        return int(proc.stdout.readline())
    finally:
        proc.stdin.close()
        proc.wait()
        proc.stdout.close()


def reset(b):
    for i in range(3):
        b["stats"][i] = 0


def test_lists_the_probes(exe):
    assert list_probes(exe) == [("bpfy", "tick")]
    assert USDT(path=exe).enumerate_probes() == [("bpfy", "tick")]


def test_enable_probe_reads_arguments(b, exe):
    reset(b)
    contexts = []

    def attach(pid):
        u = USDT(pid=pid)
        assert u.path == exe
        u.enable_probe(probe="bpfy:tick", fn_name="on_tick")
        u.attach(b)
        contexts.append(u)

    total = run(exe, attach)
    try:
        assert [b["stats"][i].value for i in range(3)] == [N, sum(range(N)), total]
    finally:
        b.detach_usdt(exe, "bpfy", "tick", contexts[0].pid)


def test_path_probe_limited_to_one_pid(b, exe):
    reset(b)
    b.attach_usdt(exe, "bpfy", "tick", "on_tick", pid=os.getpid())  # a pid that never fires
    try:
        run(exe, lambda pid: None)
        assert b["stats"][0].value == 0
    finally:
        b.detach_usdt(exe, "bpfy", "tick", pid=os.getpid())
    b.attach_usdt(exe, "bpfy", "tick", "on_tick")  # every process
    try:
        run(exe, lambda pid: None)
        assert b["stats"][0].value == N
    finally:
        b.detach_usdt(exe, "bpfy", "tick")


def test_usdt_errors(b, exe):
    u = USDT(path=exe)
    with pytest.raises(BPFError) as info:
        u.enable_probe("nosuchprobe", "on_tick")
    assert info.value.errno == errno.ENOENT and "nosuchprobe" in str(info.value)
    with pytest.raises(ValueError):
        USDT()
    with pytest.raises(BPFError):
        b.attach_usdt(exe, "bpfy", "nosuch", "on_tick")
    assert not [k for k in b._links() if k[0] == "usdt"]
