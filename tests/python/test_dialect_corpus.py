"""The bcc dialect corpus (tests/dialect/progs/*.c): every program compiles and
loads; where this kernel allows, it is attached, triggered by this process and
its result checked from Python. Each file's header comment says what it checks:

  mode: attach             auto-attached; this process makes syscalls; `check:` lines hold
  mode: load:fn:TYPE,...   loaded as those program types (attach points not triggered here)
  mode: kprobe:fn[@sys]    loaded; the kprobe attach is tried and skipped if the kernel refuses
  mode: trampoline:fn      fentry/fexit/fmod_ret/LSM: loaded if the kernel lets us
                           (BPF.support_kfunc()/support_lsm()), else compiled, its load
                           refused, and skipped with the kernel's reason
  mode: iter:fn            BPF_ITER: attach_iter(fn) read once into ITER (text)
  mode: error:LINE:COL     CompileError naming <text>:LINE:COL, LINE counted from the
                           first line after the header comment

`check:` lines are Python expressions over PID, PPID, PPPID, COMM, EXE, OPENED, NCPUS,
KVER, out (the `out` array as a dict), b (the BPF object) and ITER (iter mode).
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
NCPUS = os.sysconf("SC_NPROCESSORS_ONLN")


def _kernel_version_code():
    major, minor, patch = (re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", os.uname().release).groups())
    return (int(major) << 16) + (int(minor) << 8) + min(int(patch or 0), 255)


KVER = _kernel_version_code()


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
               "OPENED": opened, "NCPUS": NCPUS, "KVER": KVER, "b": b, "out": values(b)}
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


def run_trampoline(text, cflags, fn):
    kind = "lsm" if fn.startswith("lsm__") else "fentry"
    supported = BPF.support_lsm() if kind == "lsm" else BPF.support_kfunc()
    if supported:
        with BPF(text=text, cflags=cflags) as b:
            assert b.load_func(fn, BPF.TRACING if kind != "lsm" else BPF.LSM).fd >= 0
        return
    _bpfy.compile(text, cflags=cflags, include_dir=paths.include_dir())  # compiles
    with pytest.raises(BPFError) as info:  # and the kernel refuses its load
        BPF(text=text, cflags=cflags)
    assert not isinstance(info.value, CompileError), str(info.value)
    pytest.skip(f"compiled; the kernel refuses {kind} trampolines "
                f"({BPF.trampoline_refusal(kind)}); load refused: {info.value}")


def run_iter(text, checks, cflags, fn):
    with BPF(text=text, cflags=cflags) as b:
        with b.attach_iter(fn) as f:
            output = f.read().decode(errors="replace")
        env = {"PID": PID, "COMM": COMM, "ITER": output, "b": b}
        for check in checks:
            assert eval(check, env), f"{check} with ITER={output[:300]!r}..."


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
        run_trampoline(text, cflags, spec)
    elif kind == "iter":
        run_iter(text, checks, cflags, spec)
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
