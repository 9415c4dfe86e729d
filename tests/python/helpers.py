"""Small helpers shared by tests: deterministic, pid-filtered triggers, and
the network namespaces, veth pairs, cgroups and target binaries that several
test modules create (each removes what it made, also when a step fails)."""
import contextlib
import os
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CGROUP2_ROOT = "/sys/fs/cgroup/unified"

# x86_64 syscall numbers of the triggers the tests use
SYS_GETPPID = 110
SYS_GETPGRP = 111


def make_getppid_calls(count):
    """Exactly `count` getppid() syscalls from this process."""
    for _ in range(count):
        os.getppid()


def wait_until(predicate, timeout=5.0, interval=0.01):
    """Poll predicate() until it is true or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def sh(*args, check=True):
    """Run a command with its output captured as text; CalledProcessError
    when it fails and check is true."""
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def build_attach_target(directory, usdt=False):
    """progs/attach_target.c compiled (-O1 -g; with its USDT probes when
    usdt) into directory/attach_target. Returns the path (str)."""
    path = os.path.join(str(directory), "attach_target")
    subprocess.run(["gcc", "-O1", "-g", *(["-DWITH_USDT"] if usdt else []), "-o", path,
                    os.path.join(HERE, "progs", "attach_target.c")], check=True)
    return path


@contextlib.contextmanager
def new_netns(name, lo_up=False):
    """A network namespace `name` (its loopback up when lo_up), deleted on exit."""
    sh("ip", "netns", "add", name)
    try:
        if lo_up:
            sh("ip", "-n", name, "link", "set", "lo", "up")
        yield name
    finally:
        sh("ip", "netns", "del", name, check=False)


@contextlib.contextmanager
def new_veth(dev, peer, up=False):
    """A veth pair dev <-> peer (dev up when up), deleted on exit."""
    sh("ip", "link", "add", dev, "type", "veth", "peer", "name", peer)
    try:
        if up:
            sh("ip", "link", "set", dev, "up")
        yield dev
    finally:
        sh("ip", "link", "del", dev, check=False)


def require_cgroup2(root=CGROUP2_ROOT):
    """Skips the test unless a cgroup v2 hierarchy is mounted at root."""
    if not os.path.exists(os.path.join(root, "cgroup.procs")):
        pytest.skip(f"no cgroup v2 hierarchy at {root}")


@contextlib.contextmanager
def new_cgroup(path):
    """A new (empty) cgroup directory at path, removed on exit."""
    os.mkdir(path)
    try:
        yield path
    finally:
        os.rmdir(path)
