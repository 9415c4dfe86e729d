"""bcc.containers.filter_by_containers with --cgroupmap and --mntnsmap, and
bcc.utils.StrcmpRewrite, against the running kernel: a pinned hash map the
test creates selects a cgroup v2 it creates (or a mount namespace a child
unshares), and the tool's program counts only the selected children's
syscalls. Pins, cgroups and children are removed afterwards."""
import argparse
import os
import subprocess
import sys

import pytest

import bpfy
from bpfy import compat
from helpers import SYS_GETPPID

PID = os.getpid()
CGROUP_ROOT = "/sys/fs/cgroup/unified"
CALLS = 37
WORKLOAD = "import os, sys\nsys.stdin.readline()\nfor _ in range(%d): os.getppid()\n" % CALLS

# A bcc-style tool's program: getppid() calls per process, for children of
# this test that pass the container filter.
PROGRAM = r"""
BPF_HASH(calls, u32, u64, 64);
TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    if (args->id != SYS_GETPPID || BPF_CORE_READ(task, real_parent, tgid) != TEST_PID)
        return 0;
    if (container_should_be_filtered())
        return 0;
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    calls.increment(tgid);
    return 0;
}
"""


@pytest.fixture
def bcc():
    compat.install()
    import bcc as module
    yield module
    compat.uninstall()


@pytest.fixture
def pinned_hash():
    """pinned_hash(name, value_size): a hash map u64 -> value, pinned in
    bpffs (as a container manager would make it); unpinned afterwards."""
    made = []

    def make(name, value_size):
        path = f"/sys/fs/bpf/bpfy-test-{name}-{PID}"
        with bpfy.BPF(text="") as maker:
            table = maker.create_map("hash", 8, value_size, 1024, name=name)
        table.pin(path)
        made.append((table, path))
        return table, path

    yield make
    for table, path in made:
        if os.path.exists(path):
            os.unlink(path)
        table.close()


def start(argv):
    return subprocess.Popen(argv, stdin=subprocess.PIPE, text=True)


def run_all(children):
    for child in children:
        child.stdin.write("go\n")
        child.stdin.close()
    for child in children:
        assert child.wait(timeout=30) == 0


def program(filter_text):
    return filter_text + PROGRAM.replace("TEST_PID", str(PID)).replace(
        "SYS_GETPPID", str(SYS_GETPPID))


def test_no_container_options_filter_nothing(bcc):
    import bcc.containers
    text = bcc.containers.filter_by_containers(argparse.Namespace(cgroupmap=None,
                                                                  mntnsmap=None))
    assert "BPF_TABLE_PINNED" not in text
    with bcc.BPF(text=program(text)) as b:
        child = start([sys.executable, "-c", WORKLOAD])
        try:
            run_all([child])
        finally:
            child.kill()
        assert b["calls"][child.pid] == CALLS


def test_cgroupmap_selects_tasks_of_one_cgroup(bcc, pinned_hash):
    import bcc.containers
    if not os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.procs")):
        pytest.skip(f"no cgroup v2 hierarchy at {CGROUP_ROOT}")
    cgroupset, path = pinned_hash("cgroupset", 8)
    cgroup = os.path.join(CGROUP_ROOT, f"bpfy-compat-{PID}")
    os.mkdir(cgroup)
    children = []
    try:
        cgroupset[os.stat(cgroup).st_ino] = 1       # a cgroup v2 id is its inode number
        args = argparse.Namespace(cgroupmap=path, mntnsmap=None)
        with bcc.BPF(text=program(bcc.containers.filter_by_containers(args))) as b:
            assert b["cgroupset"].info["id"] == cgroupset.info["id"]   # the pinned map
            inside = start([sys.executable, "-c", WORKLOAD])
            children.append(inside)
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write(str(inside.pid))
            outside = start([sys.executable, "-c", WORKLOAD])
            children.append(outside)
            run_all(children)
            counted = {int(k): int(v) for k, v in b["calls"].items()}
        assert counted == {inside.pid: CALLS}
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
            child.wait()
        os.rmdir(cgroup)


def test_mntnsmap_selects_tasks_of_one_mount_namespace(bcc, pinned_hash):
    import bcc.containers
    mount_ns_set, path = pinned_hash("mount_ns_set", 4)
    children = []
    try:
        inside = start(["unshare", "--mount", sys.executable, "-c", WORKLOAD])
        children.append(inside)
        outside = start([sys.executable, "-c", WORKLOAD])
        children.append(outside)
        own = os.stat("/proc/self/ns/mnt").st_ino
        # unshare(1) execs python once its namespace is made: wait for that
        for _ in range(500):
            ns = os.stat(f"/proc/{inside.pid}/ns/mnt").st_ino
            if ns != own and os.readlink(f"/proc/{inside.pid}/exe") == \
                    os.path.realpath(sys.executable):
                break
            os.sched_yield()
        assert ns != own
        mount_ns_set[ns] = 1
        args = argparse.Namespace(cgroupmap=None, mntnsmap=path)
        with bcc.BPF(text=program(bcc.containers.filter_by_containers(args))) as b:
            run_all(children)
            counted = {int(k): int(v) for k, v in b["calls"].items()}
        assert counted == {inside.pid: CALLS}
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
            child.wait()


def test_container_map_path_is_checked(bcc):
    import bcc.containers
    with pytest.raises(ValueError, match="cgroupmap"):
        bcc.containers.filter_by_containers(argparse.Namespace(cgroupmap='/x"y',
                                                               mntnsmap=None))


# --------------------------------------------------------------- StrcmpRewrite

def test_strcmp_rewrite_text(bcc):
    out = bcc.StrcmpRewrite.rewrite_expr('STRCMP("ab",arg1) && STRCMP("cd",arg2)',
                                         False, False, ["arg2"], "", 3)
    assert out["expr"] == 'streq_3("ab",arg1) && streq_4("cd",arg2)'
    assert out["probeid"] == 5
    fns = out["streq_functions"]
    assert "static inline bool streq_3(char const *ignored, uintptr_t str)" in fns
    assert 'char needle[] = "ab";' in fns and 'char needle[] = "cd";' in fns
    # arg1 is a kernel pointer, arg2 was listed as a user pointer
    assert fns.index("bpf_probe_read_kernel(") < fns.index("streq_4") < \
        fns.index("bpf_probe_read_user(")
    same = bcc.StrcmpRewrite.rewrite_expr("arg1 > 3", False, True, [], "x", 0)
    assert same == {"expr": "arg1 > 3", "streq_functions": "x", "probeid": 0}
    binary = bcc.StrcmpRewrite.rewrite_expr('STRCMP("{0x61, 0}",arg1)', True, True, [], "", 0)
    assert "char needle[] = {0x61, 0};" in binary["streq_functions"]


def test_strcmp_rewrite_filters_in_a_program(bcc, tmp_path):
    """A filter on openat()'s file name, rewritten and loaded: only opens of
    the wanted name are counted."""
    wanted = tmp_path / "wanted"
    other = tmp_path / "other!"     # same length, differs in the last byte
    for p in (wanted, other):
        p.write_text("x")
    out = bcc.StrcmpRewrite.rewrite_expr('STRCMP("%s",fname)' % wanted, False, True, [],
                                         "", 0)
    text = out["streq_functions"] + r"""
BPF_ARRAY(opens, u64, 1);
TRACEPOINT_PROBE(syscalls, sys_enter_openat) {
    if ((bpf_get_current_pid_tgid() >> 32) != TEST_PID)
        return 0;
    u64 fname = (u64)args->filename;
    if (!(FILTER))
        return 0;
    opens.increment(0);
    return 0;
}
""".replace("TEST_PID", str(PID)).replace("FILTER", out["expr"])
    with bcc.BPF(text=text) as b:
        for _ in range(3):
            open(wanted).close()
        for _ in range(5):
            open(other).close()
        assert b["opens"][0] == 3
