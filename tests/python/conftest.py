"""Shared fixtures: the in-place package on sys.path, a root check, and a
guard that every test module leaves the process's fds as it found them."""
import gc
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "pybind"))


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="bpfy tests load BPF programs: run as root")
        for item in items:
            item.add_marker(skip)


def open_fds():
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True, scope="module")
def fds_stay_flat():
    """Module-scoped so that modules may share loaded objects between tests
    (tracepoint detach costs ~60 ms here); checked once the module's own
    fixtures are torn down."""
    gc.collect()
    before = open_fds()
    yield
    gc.collect()
    leaked = open_fds() - before
    links = {fd: os.readlink(f"/proc/self/fd/{fd}") for fd in leaked
             if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not links, f"fds leaked by this module: {links}"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """A private compile cache for the session (0700, as bpfy demands)."""
    path = tmp_path_factory.mktemp("bpfy-cache")
    os.chmod(path, 0o700)
    return str(path)
