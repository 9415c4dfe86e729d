"""Guaranteed cleanup: a child holding programs of every attach type this
kernel supports is SIGKILLed; afterwards the kernel's own listings (bpftool
prog/link/map, the interface, the cgroup, tracefs) show nothing of it."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers import build_attach_target, new_cgroup, new_netns, new_veth, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PID = os.getpid()
DEV, PEER = f"bpfyk{PID % 100000}", f"bpfyq{PID % 100000}"
CGROUP = f"/sys/fs/cgroup/unified/bpfy-kill-{PID}"
NETNS = f"bpfy-kill-{PID}"
CC = f"bpfyk{PID % 1000000}"
AVAILABLE_CC = "/proc/sys/net/ipv4/tcp_available_congestion_control"


def bpftool(*args, attempts=10):
    """bpftool's JSON listing. A listing fails when an object goes away
    between bpftool's id walk and its lookup (objects of the killed child are
    being freed): try again."""
    for attempt in range(attempts):
        result = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True)
        if result.returncode == 0:
            return json.loads(result.stdout.strip() or "[]")
        time.sleep(0.2)
    raise AssertionError(f"bpftool {' '.join(args)} failed {attempts} times: {result.stderr}")


def ids_held_by(pid):
    """{'prog_id': {...}, 'link_id': {...}, 'map_id': {...}} from the fdinfo
    of every fd of process pid: the kernel objects it keeps alive."""
    held = {"prog_id": set(), "link_id": set(), "map_id": set()}
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in held:
                        held[key].add(int(value))
        except OSError:
            pass
    return held


@pytest.fixture(scope="module")
def exe(tmp_path_factory):
    return build_attach_target(tmp_path_factory.mktemp("kill"), usdt=True)


@pytest.fixture(scope="module")
def dev():
    with new_veth(DEV, PEER, up=True):
        yield DEV


@pytest.fixture(scope="module")
def cgroup():
    with new_cgroup(CGROUP):
        yield CGROUP


@pytest.fixture(scope="module")
def netns():
    with new_netns(NETNS):
        yield NETNS


def congestion_controls():
    with open(AVAILABLE_CC) as f:
        return f.read().split()


def tracefs_probe_entries():
    text = ""
    for name in ("uprobe_events", "kprobe_events"):
        try:
            with open(f"/sys/kernel/tracing/{name}") as f:
                text += f.read()
        except OSError:
            pass
    return text


def test_sigkill_leaves_nothing_behind(exe, dev, cgroup, netns):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, os.path.join(HERE, "progs", "attach_everything.py"),
                              exe, dev, cgroup, netns, CC], stdout=subprocess.PIPE, env=env)
    try:
        line = child.stdout.readline().decode()
        assert line.startswith("ready"), line
        assert int(line.split()[1]) >= 14  # attachments alive in the child
        assert CC in congestion_controls()  # struct_ops registered
        held = ids_held_by(child.pid)
        progs = {p["id"] for p in bpftool("prog", "show")}
        links = {link["id"] for link in bpftool("link", "show")}
        maps = {m["id"] for m in bpftool("map", "show")}
        assert len(held["prog_id"]) >= 12 and held["prog_id"] <= progs
        assert len(held["link_id"]) >= 10 and held["link_id"] <= links
        assert held["map_id"] and held["map_id"] <= maps
        assert "xdp" in subprocess.run(["ip", "link", "show", dev], capture_output=True,
                                       text=True).stdout
        assert bpftool("cgroup", "show", cgroup)
        assert exe not in tracefs_probe_entries()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    def gone():
        return (not held["prog_id"] & {p["id"] for p in bpftool("prog", "show")}
                and not held["link_id"] & {link["id"] for link in bpftool("link", "show")}
                and not held["map_id"] & {m["id"] for m in bpftool("map", "show")})

    assert wait_until(gone, timeout=10, interval=0.1), "kernel objects of the child remain"
    assert "xdp" not in subprocess.run(["ip", "link", "show", dev], capture_output=True,
                                       text=True).stdout
    net = bpftool("net", "show", "dev", dev)
    assert not any(entry.get("tc") or entry.get("xdp") or entry.get("tcx")
                   for entry in net), net
    assert bpftool("cgroup", "show", cgroup) == []
    assert exe not in tracefs_probe_entries()
    assert CC not in congestion_controls()
