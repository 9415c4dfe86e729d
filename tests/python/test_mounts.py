"""tracefs and bpffs are mounted by the runtime when absent: checked in a
private mount namespace where both are unmounted first, so the host's
mounts are untouched."""
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = r'''
import os, sys
def mounted(path):
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == path for line in f)
assert not mounted("/sys/kernel/tracing") and not mounted("/sys/fs/bpf"), "still mounted"
from bpfy import BPF
b = BPF(text="""
BPF_ARRAY(hits, u64, 1);
int count(void *ctx) { int k = 0; hits.increment(k); return 0; }
""")
b.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="count")
os.getppid()
assert b["hits"][0].value >= 1
print("tracefs", mounted("/sys/kernel/tracing"), "bpffs", mounted("/sys/fs/bpf"))
b.close()
'''


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare missing")
def test_runtime_mounts_tracefs_and_bpffs_when_absent():
    script = ("umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug/tracing 2>/dev/null; "
              "umount -l /sys/fs/bpf 2>/dev/null; exec \"$0\" -c \"$1\"")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"))
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                             sys.executable, CHILD], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "tracefs True bpffs True" in result.stdout, result.stdout
