"""Every notebook under notebooks/ runs to the end in SMOKE mode, in a kernel of this environment.

Slow (about a minute per notebook on 2 cores): select with ``pytest -m notebooks``,
skip with ``pytest -m "not notebooks"``.
"""

import importlib.util
import re
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


#: What each notebook must print at the end of its analysis (its headline result), in SMOKE mode too.
HEADLINES = {
    "01_quickstart": r"IS-probabilistic reached its best window after \d+\.\d+× the samples of NIS",
    "02_model_complexity": r"best window starts after",
    "03_loss_exponent": r"best max performance: .+\nearliest convergence: ",
    "04_is_methods": r"1-AUC vs NIS: ",
    "05_object_detection": r"final 1-AP50 on \d+ validation images: \d\.\d{3}",
}


def _stdout(nb) -> str:
    return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")


def test_every_notebook_has_a_headline_check():
    assert set(HEADLINES) == {p.stem for p in NOTEBOOKS.glob("*.ipynb")}


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_mode_and_prints_its_result(path, tmp_path):
    # execute_notebook raises on a failing cell or a kernel from another environment.
    nb, _ = _runner().execute_notebook(path, smoke=True, extra_env={"IS_KERAS_RESULTS": str(tmp_path)})
    executed = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in executed)
    text = _stdout(nb)
    assert re.search(HEADLINES[path.stem], text), f"{path.name} did not print its result; it printed:\n{text}"
    # no result printed as NaN or inf (a run that diverged or an empty curve)
    assert not re.search(r"(?<![A-Za-z])(nan|inf)(?![A-Za-z])", text, flags=re.IGNORECASE), text
