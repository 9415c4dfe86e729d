"""Tests of kernel features this host may lack (kprobes, BPF trampolines,
BPF LSM, struct_ops). `make test-vm` runs them in a Debian 6.1 guest under
qemu, where every feature must be there: BPFY_VM_GUEST=1 turns a missing
feature from a skip into a failure. On any other kernel they skip with the
reason a real probe (an attach attempt) found."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "pybind"))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))  # helpers.py


def pytest_configure(config):
    # also registered in pytest.ini; here too for a run from another rootdir
    config.addinivalue_line("markers", "vm: needs kprobes/trampolines/LSM/struct_ops; "
                                       "run in a guest by `make test-vm`")


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="bpfy tests load BPF programs: run as root")
        for item in items:
            if item.fspath.dirname == HERE:
                item.add_marker(skip)
