"""The bcc dialect corpus (tests/dialect/progs/*.c): every program compiles and
loads; where this kernel allows, it is attached, triggered by this process and
its result checked from Python. Each file's header comment says what it checks:

  mode: attach             auto-attached; this process makes syscalls; `check:` lines hold
  mode: load:fn:TYPE,...   loaded as those program types (attach points not triggered here)
  mode: kprobe:fn[@sys]    loaded; the kprobe attach is tried and skipped if the kernel refuses
  mode: trampoline:fn      fentry/fexit/LSM: loaded if the kernel lets us, else skipped
  mode: error:LINE:COL     CompileError naming <text>:LINE:COL, LINE counted from the
                           first line after the header comment

`check:` lines are Python expressions over PID, PPID, PPPID, COMM, EXE, OPENED, out
(the `out` array as a dict) and b (the BPF object).
"""
import errno
import glob
import os
import re
import tempfile
import time

import pytest

from bpfy import BPF, BPFError, CompileError, _bpfy, paths

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGS = sorted(glob.glob(os.path.join(REPO, "tests", "dialect", "progs", "*.c")))
PID = os.getpid()
PPID = os.getppid()


def _ppid_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


PPPID = _ppid_of(PPID)
with open("/proc/self/comm") as _f:
    COMM = _f.read().strip()
EXE = os.path.basename(os.path.realpath("/proc/self/exe"))


def header(path):
    text = open(path).read()
    head = text.split("*/", 1)[0]
    mode = re.search(r"\* mode: (\S*)", head).group(1)
    checks = re.findall(r"\* check: (.*)", head)
    return text, mode, checks


@pytest.fixture(scope="module")
def opened_file():
    """A file this process holds open, for the fd-table chain program."""
    tmp = tempfile.NamedTemporaryFile(prefix="bpfy-corpus-", suffix=".txt")
    yield tmp.fileno(), os.path.basename(tmp.name)
    tmp.close()


def trigger():
    for _ in range(3):
        os.getppid()
    os.sched_yield()
    time.sleep(0.002)  # a context switch for sched_switch programs


def values(b):
    try:
        table = b["out"]
    except KeyError:
        return {}
    out = {}
    for i in range(16):
        try:
            out[i] = table[i].value
        except IndexError:
            break
    return out


def run_attach(text, checks, cflags, opened):
    with BPF(text=text, cflags=cflags) as b:
        trigger()
        env = {"PID": PID, "PPID": PPID, "PPPID": PPPID, "COMM": COMM, "EXE": EXE,
               "OPENED": opened, "b": b, "out": values(b)}
        for check in checks:
            assert eval(check, env), f"{check} with out={env['out']}"


def run_load(text, spec, cflags):
    with BPF(text=text, cflags=cflags) as b:
        for item in filter(None, spec.split(",")):
            fn, kind = item.split(":")
            fn_obj = b.load_func(fn, getattr(BPF, kind))
            assert fn_obj.fd >= 0


def run_kprobe(text, spec, cflags):
    fn, _, syscall = spec.partition("@")
    try:
        b = BPF(text=text, cflags=cflags)
    except CompileError:
        raise
    except BPFError as e:  # kprobe__/kretprobe__ auto-attach in the constructor
        if "attaching" not in str(e):
            raise
        pytest.skip(f"compiled and loaded; the kernel refused the kprobe attach: {e}")
    with b:
        b.load_func(fn, BPF.KPROBE)
        if syscall:
            event = b.get_syscall_fnname(syscall)
        else:
            event = re.sub(r"^(kprobe|kretprobe)__", "", fn)
        attach = b.attach_kretprobe if fn.startswith("kretprobe__") else b.attach_kprobe
        try:
            attach(event=event, fn_name=fn)
        except BPFError as e:
            pytest.skip(f"compiled and loaded; the kernel refused the kprobe attach: {e}")


def run_trampoline(text, cflags):
    try:
        with BPF(text=text, cflags=cflags):
            pass
    except BPFError as e:
        if isinstance(e, CompileError) or e.errno not in (errno.EPERM, errno.ENOTSUPP
                                                           if hasattr(errno, "ENOTSUPP") else 524,
                                                           errno.EOPNOTSUPP, errno.EINVAL, 524):
            raise
        _bpfy.compile(text, cflags=cflags, include_dir=paths.include_dir())  # compiles
        pytest.skip(f"compiled; the kernel refused to load the trampoline program: {e}")


@pytest.mark.parametrize("path", PROGS, ids=[os.path.basename(p) for p in PROGS])
def test_program(path, opened_file):
    text, mode, checks = header(path)
    fd, opened = opened_file
    cflags = [f"-DPID={PID}", f"-DFD={fd}"]
    kind, _, spec = mode.partition(":")
    if kind == "attach":
        run_attach(text, checks, cflags, opened)
    elif kind == "load":
        run_load(text, spec, cflags)
    elif kind == "kprobe":
        run_kprobe(text, spec, cflags)
    elif kind == "trampoline":
        run_trampoline(text, cflags)
    elif kind == "error":
        with pytest.raises(CompileError) as info:
            BPF(text=text, cflags=cflags)
        line, col = spec.split(":")
        line = int(line) + text.split("*/", 1)[0].count("\n") + 1
        assert f"<text>:{line}:{col}:" in str(info.value), str(info.value)
    else:
        pytest.fail(f"unknown mode {mode!r}")


def test_corpus_size():
    modes = [header(p)[1] for p in PROGS]
    assert len(modes) >= 60
    assert sum(m.startswith("error:") for m in modes) >= 10
