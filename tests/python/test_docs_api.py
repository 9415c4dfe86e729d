"""docs/api.md is generated from docstrings by docs/gen_api.py: it must be
what the generator writes now."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_api_md_is_current(tmp_path):
    out = tmp_path / "api.md"
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"))
    result = subprocess.run([sys.executable, os.path.join(REPO, "docs", "gen_api.py"),
                             "-o", str(out)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    with open(os.path.join(REPO, "docs", "api.md")) as f:
        current = f.read()
    assert out.read_text() == current, \
        "docs/api.md is stale: run python3 docs/gen_api.py (with PYTHONPATH=pybind)"
