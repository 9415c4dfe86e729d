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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if item.module not in _baselines:
        gc.collect()
        _baselines[item.module] = open_fds()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if nextitem is not None and nextitem.module is item.module:
        return
    before = _baselines.pop(item.module, None)
    if before is None or getattr(item.module, "_bpfy_failed", False):
        return
    gc.collect()
    leaked = {fd: os.readlink(f"/proc/self/fd/{fd}") for fd in open_fds() - before
              if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not leaked, f"fds leaked by {item.module.__name__}: {leaked}"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """A private compile cache for the session (0700, as bpfy demands)."""
    path = tmp_path_factory.mktemp("bpfy-cache")
    os.chmod(path, 0o700)
    return str(path)
