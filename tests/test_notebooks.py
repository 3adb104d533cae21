"""Every notebook under notebooks/ runs to the end in SMOKE mode, in a kernel of this environment.

Slow (about a minute per notebook on 2 cores): select with ``pytest -m notebooks``,
skip with ``pytest -m "not notebooks"``.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

pytestmark = pytest.mark.notebooks


def _runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", NOTEBOOKS / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_experiment_notebooks_are_there():
    names = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert {"01_quickstart", "02_model_complexity", "03_loss_exponent", "04_is_methods"} <= names


def test_notebooks_are_stored_without_outputs():
    import nbformat

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name} is stored with outputs"
                assert cell.execution_count is None, f"{path.name} is stored with execution counts"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_mode(path, tmp_path):
    nb, prefix = _runner().execute_notebook(path, smoke=True, extra_env={"IS_KERAS_RESULTS": str(tmp_path)})
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()  # the venv's kernel, not another Python
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    assert not errors
    executed = [c for c in nb.cells if c.cell_type == "code"]
    assert executed and all(c.execution_count is not None for c in executed)
