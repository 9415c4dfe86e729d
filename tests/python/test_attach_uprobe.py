"""uprobes and uretprobes on a small C program the test builds: by symbol,
by regular expression, by address, on a shared library found by name,
filtered to one pid; detach, counting and errors."""
import errno
import os
import subprocess

import pytest

from bpfy import BPF, BPFError
from helpers import build_attach_target

HERE = os.path.dirname(os.path.abspath(__file__))
N = 25

PROBES = r'''
BPF_ARRAY(target, u32, 1);
BPF_ARRAY(stats, u64, 8);

static __always_inline int mine(void) {
    int zero = 0;
    u32 *pid = target.lookup(&zero);
    return pid && *pid == (bpf_get_current_pid_tgid() >> 32);
}
static __always_inline void add(int slot, u64 value) {
    u64 *v = stats.lookup(&slot);
    if (v)
        __sync_fetch_and_add(v, value);
}
int on_enter(struct pt_regs *ctx) {
    if (mine()) { add(0, 1); add(1, PT_REGS_PARM1(ctx)); }
    return 0;
}
int on_return(struct pt_regs *ctx) {
    if (mine()) { add(2, 1); add(3, PT_REGS_RC(ctx)); }
    return 0;
}
int on_other(struct pt_regs *ctx) {
    if (mine()) add(4, 1);
    return 0;
}
int on_any_pid(struct pt_regs *ctx) {
    add(5, 1);
    return 0;
}
'''


@pytest.fixture(scope="module")
def exe(tmp_path_factory):
    return build_attach_target(tmp_path_factory.mktemp("uprobe"))


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROBES) as bpf:
        yield bpf


@pytest.fixture
def stats(b):
    def read():
        return [b["stats"][i].value for i in range(8)]
    for i in range(8):
        b["stats"][i] = 0
    return read


class Child:
    """The target in "calls" mode, stopped until go()."""

    def __init__(self, exe, b):
        self.proc = subprocess.Popen([exe, "calls", str(N)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        assert self.proc.stdout.readline() == b"ready\n"
        self.pid = self.proc.pid
        b["target"][0] = self.pid

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        total = int(self.proc.stdout.readline())
        self.proc.wait()
        self.close()
        return total

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


@pytest.fixture
def child(exe, b):
    c = Child(exe, b)
    yield c
    c.close()


def test_uprobe_and_uretprobe_by_symbol(b, exe, child, stats):
    b.attach_uprobe(name=exe, sym="probe_me", fn_name="on_enter", pid=child.pid)
    b.attach_uretprobe(name=exe, sym=b"probe_me", fn_name=b"on_return", pid=child.pid)
    try:
        assert b.num_open_uprobes() == 2
        total = child.go()
        s = stats()
        assert s[0] == N and s[1] == sum(range(N))
        assert s[2] == N and s[3] == total == sum(3 * i + 1 for i in range(N))
    finally:
        b.detach_uprobe(name=exe, sym="probe_me", pid=child.pid)
        b.detach_uretprobe(name=exe, sym="probe_me", pid=child.pid)
    assert b.num_open_uprobes() == 0


def test_uprobe_by_regex_and_by_address(b, exe, child, stats):
    b.attach_uprobe(name=exe, sym_re=r"probe_m.$", fn_name="on_enter", pid=child.pid)
    vaddr, size, offset = BPF._elf_symbol(exe, "probe_me")
    assert size > 0
    b.attach_uprobe(name=exe, addr=offset, fn_name="on_other", pid=child.pid)
    try:
        child.go()
        s = stats()
        assert s[0] == N and s[4] == N
    finally:
        # one target (path, offset, pid): detaching it detaches both functions
        b.detach_uprobe(name=exe, addr=offset, pid=child.pid)
    assert b.num_open_uprobes() == 0


def test_uprobe_on_a_library_found_by_name(b, exe, child, stats):
    libc = BPF.find_library("c")
    assert libc and os.path.isabs(libc) and b"libc" in libc
    assert BPF.find_library("c", pid=child.pid) is not None
    assert BPF.find_library("no_such_library_xyz") is None
    assert BPF.find_exe("sh") and BPF.find_exe("no-such-exe-xyz") is None
    # the child calls printf() exactly once after it is released
    b.attach_uprobe(name="c", sym="printf", fn_name="on_other", pid=child.pid)
    try:
        child.go()
        assert stats()[4] == 1
    finally:
        b.detach_uprobe(name="c", sym="printf", pid=child.pid)


def test_pid_filter_of_the_probe_itself(b, exe, child, stats):
    # on_any_pid has no filter of its own: the uprobe's pid does the filtering
    other = Child(exe, b)
    b["target"][0] = child.pid
    b.attach_uprobe(name=exe, sym="probe_me", fn_name="on_any_pid", pid=child.pid)
    try:
        other.go()
        assert stats()[5] == 0
        child.go()
        assert stats()[5] == N
    finally:
        b.detach_uprobe(name=exe, sym="probe_me", pid=child.pid)
        other.close()


def test_uprobe_errors(b, exe):
    with pytest.raises(BPFError) as info:
        b.attach_uprobe(name=exe, sym="no_such_function", fn_name="on_enter")
    assert info.value.errno == errno.ENOENT and "no_such_function" in str(info.value)
    with pytest.raises(BPFError) as info:
        b.attach_uprobe(name="/no/such/binary", sym="main", fn_name="on_enter")
    assert info.value.errno == errno.ENOENT
    with pytest.raises(BPFError) as info:
        b.attach_uprobe(name="no_such_library_or_exe_xyz", sym="main", fn_name="on_enter")
    assert info.value.errno == errno.ENOENT
    with pytest.raises(BPFError):
        b.attach_uprobe(name=exe, sym_re=r"^zzz_nothing", fn_name="on_enter")
    with pytest.raises(ValueError):
        b.attach_uprobe(name=exe, fn_name="on_enter")
    with pytest.raises(BPFError) as info:
        b.detach_uprobe(name=exe, sym="probe_me")
    assert info.value.errno == errno.ENOENT
    b.attach_uprobe(name=exe, sym="probe_me", fn_name="on_enter")
    try:
        with pytest.raises(BPFError) as info:
            b.attach_uprobe(name=exe, sym="probe_me", fn_name="on_enter")
        assert info.value.errno == errno.EEXIST
    finally:
        b.detach_uprobe(name=exe, sym="probe_me")
    with pytest.raises(BPFError) as info:
        b.attach_uprobe(name=os.path.join(HERE, "progs", "attach_target.c"), sym="main",
                        fn_name="on_enter")
    assert "not an ELF" in str(info.value)
