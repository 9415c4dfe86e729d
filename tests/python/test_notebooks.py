"""examples/notebooks run headless with nbconvert (Debian's jupyter-nbconvert
and python3-ipykernel); any cell error fails the test."""
import glob
import importlib.util
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = sorted(glob.glob(os.path.join(REPO, "examples", "notebooks", "*.ipynb")))
MISSING = [m for m in ("nbconvert", "ipykernel", "matplotlib", "pandas")
           if importlib.util.find_spec(m) is None]

pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)} "
                                "(Debian: jupyter-nbconvert python3-ipykernel "
                                "python3-matplotlib python3-pandas)")


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=os.path.basename)
def test_notebook_executes(notebook, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"), MPLBACKEND="Agg",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    result = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(tmp_path), notebook],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    with open(tmp_path / os.path.basename(notebook)) as f:
        executed = json.load(f)
    outputs = [o for cell in executed["cells"] if cell["cell_type"] == "code"
               for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)  # a table's _repr_html_
    assert any("image/png" in o.get("data", {}) for o in outputs)  # a plot
