"""Shared fixtures: the in-place package on sys.path, a root check, and two
guards run around every test module: it leaves the process's fds as it found
them, and it leaves no BPF program or link alive in the kernel."""
import ctypes
import gc
import os
import signal
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "pybind"))

# The Ctrl-C tests (a blocking poll here; tools and bcc scripts in child
# processes, stopped with SIGINT) need SIGINT to raise KeyboardInterrupt. A
# shell that starts the suite in the background (`make test &`, nohup) makes
# SIGINT ignored, which Python keeps and children inherit across exec: the
# poll test then waited forever. A handler of ours is reset to the default
# in every child at exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="bpfy tests load BPF programs: run as root")
        for item in items:
            item.add_marker(skip)


def open_fds():
    return set(os.listdir("/proc/self/fd"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if outcome.get_result().failed:
        item.module._bpfy_failed = True


# Every test module must leave the process's fds as it found them. Checked per
# module, not per test, so that a module may share loaded objects between its
# tests (tracepoint detach costs ~60 ms here): the baseline is taken before the
# module's first fixture is set up, the check runs after its last one is torn
# down. A module with a failed test is not checked: the failure's traceback
# keeps its objects alive, and it is reported already.
_baselines = {}


# -------------------------------------------------- kernel objects by id
# The kernel's own listing, through the bpf() syscall's GET_NEXT_ID commands
# (what `bpftool prog/link show` walks). Other processes on the machine load
# and unload programs at the same time, so a module is blamed only for ids
# newer than its baseline that still exist afterwards and that no other
# process holds an fd to: a program kept by a netlink XDP or tc filter, a
# cgroup attachment without a link, a pin, or an fd of ours.
_SYS_BPF = 321          # x86_64
_PROG_GET_NEXT_ID = 11
_LINK_GET_NEXT_ID = 31
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def kernel_ids(cmd):
    """Every id the kernel lists for cmd (_PROG_GET_NEXT_ID or _LINK_GET_NEXT_ID)."""
    ids = []
    attr = (ctypes.c_uint32 * 4)()
    while True:
        if _libc.syscall(_SYS_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr)) != 0:
            return ids          # ENOENT after the last id
        ids.append(attr[1])
        attr[0] = attr[1]


def kernel_objects():
    """{"prog": ids, "link": ids} alive in the kernel now."""
    return {"prog": set(kernel_ids(_PROG_GET_NEXT_ID)),
            "link": set(kernel_ids(_LINK_GET_NEXT_ID))}


def held_elsewhere():
    """Program and link ids some other process holds an fd to (a link's
    fd holds its program too)."""
    held = {"prog": set(), "link": set()}
    me = str(os.getpid())
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target not in ("anon_inode:bpf-prog", "anon_inode:bpf_link", "anon_inode:bpf-link"):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    info = f.read()
            except OSError:
                continue
            for line in info.splitlines():
                key, _, value = line.partition(":")
                if key == "prog_id":
                    held["prog"].add(int(value))
                elif key == "link_id":
                    held["link"].add(int(value))
    return held


def leaked_kernel_objects(before, settle=3.0):
    """Ids newer than `before` (max id per kind) alive now and held by no
    other process. Programs are freed after an RCU grace period, so a
    candidate must survive `settle` seconds of rechecks to count. Only the
    candidates of the first look are rechecked: objects that other processes
    create meanwhile are none of this module's doing."""
    def alive_unheld(candidates=None):
        now, held = kernel_objects(), held_elsewhere()
        return {kind: sorted(i for i in ids if i > before[kind] and i not in held[kind]
                             and (candidates is None or i in candidates[kind]))
                for kind, ids in now.items()}

    leaked = alive_unheld()
    deadline = time.monotonic() + settle
    while any(leaked.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
        leaked = alive_unheld({kind: set(ids) for kind, ids in leaked.items()})
    return {kind: ids for kind, ids in leaked.items() if ids}


def kernel_baseline():
    return {kind: max(ids, default=0) for kind, ids in kernel_objects().items()}


# Tests import these guards as `bpfy_guards`: the name `conftest` belongs to
# whichever conftest.py pytest imported last (tests/bad_input has one too).
sys.modules.setdefault("bpfy_guards", sys.modules[__name__])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if item.module not in _baselines:
        gc.collect()
        _baselines[item.module] = (open_fds(), kernel_baseline())
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if nextitem is not None and nextitem.module is item.module:
        return
    baseline = _baselines.pop(item.module, None)
    if baseline is None or getattr(item.module, "_bpfy_failed", False):
        return
    before, kernel_before = baseline
    gc.collect()
    leaked = {fd: os.readlink(f"/proc/self/fd/{fd}") for fd in open_fds() - before
              if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not leaked, f"fds leaked by {item.module.__name__}: {leaked}"
    alive = leaked_kernel_objects(kernel_before)
    assert not alive, (f"BPF objects left alive in the kernel by {item.module.__name__} "
                       f"(ids; see `bpftool prog/link show id N`): {alive}")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """A private compile cache for the session (0700, as bpfy demands)."""
    path = tmp_path_factory.mktemp("bpfy-cache")
    os.chmod(path, 0o700)
    return str(path)
