"""Bad input tests reuse tests/python's guards (root check, per-module fd and
kernel-object checks) and fixtures: its conftest is loaded under a name of its
own and its hooks and fixtures re-exported here."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_TESTS = os.path.join(os.path.dirname(HERE), "python")
sys.path.insert(0, PYTHON_TESTS)        # helpers.py

_spec = importlib.util.spec_from_file_location("bpfy_python_conftest",
                                               os.path.join(PYTHON_TESTS, "conftest.py"))
_shared = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _shared
_spec.loader.exec_module(_shared)

pytest_collection_modifyitems = _shared.pytest_collection_modifyitems
pytest_runtest_makereport = _shared.pytest_runtest_makereport
pytest_runtest_setup = _shared.pytest_runtest_setup
pytest_runtest_teardown = _shared.pytest_runtest_teardown
cache_dir = _shared.cache_dir
