"""Packaging, offline: `pip install --no-build-isolation .` into a fresh
venv without system site packages, `import bpfy` there (and a one-liner
runs from it), and `pip wheel --no-build-isolation --no-deps .` builds a
wheel. Slow-ish (two C builds, ~30 s on 2 CPUs).

The source is the committed tree (git archive HEAD) when the repository is
a git checkout, so that files others are editing do not break the build."""
import glob
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OFFLINE = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_CACHE_DIR="1")
OFFLINE.pop("PYTHONPATH", None)
OFFLINE.pop("BPFY_EXT_DIR", None)


def have(module):
    return subprocess.run([sys.executable, "-c", f"import {module}"],
                          capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not (have("venv") and have("ensurepip") and have("pip")),
                                reason="needs python3-venv and python3-pip (Debian)")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    dest = tmp_path_factory.mktemp("src")
    if os.path.isdir(os.path.join(REPO, ".git")):
        archive = subprocess.run(["git", "-C", REPO, "archive", "HEAD"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        shutil.copytree(REPO, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build*", "*.so", ".git"))
    return dest


def run(cmd, **kwargs):
    result = subprocess.run(cmd, env=OFFLINE, capture_output=True, text=True, timeout=300,
                            **kwargs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_pip_install_into_fresh_venv(source, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])  # no system site packages
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--no-build-isolation", str(source)])
    out = run([python, "-c", "import bpfy, bpfy.compat, bpfy.cli, bpfy._bpfy; "
                             "print(bpfy.__file__); from bpfy import paths; "
                             "print(paths.include_dir())"], cwd=str(tmp_path)).stdout.split()
    assert out[0].startswith(str(venv))
    assert os.path.exists(os.path.join(out[1], "bpfy", "dialect.h"))
    # the installed package compiles, loads and runs a one-liner
    one = run([python, "-m", "bpfy", "-e", "BPF_ARRAY(hits, u64, 1); TRACEPOINT_PROBE("
               "syscalls, sys_enter_getppid) { int k = 0; hits.increment(k); return 0; }",
               "-d", "0.2"], cwd=str(tmp_path))
    assert "Tracing" in one.stderr


def test_pip_wheel(source, tmp_path):
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "-w", str(tmp_path), str(source)])
    [wheel] = glob.glob(str(tmp_path / "bpfy-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("bpfy/_bpfy") and n.endswith(".so") for n in names)
    assert "bpfy/compat/__init__.py" in names
    assert "bpfy/include/bpfy/dialect.h" in names
