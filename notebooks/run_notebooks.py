"""Execute the notebooks in this folder with nbclient, in SMOKE mode by default.

Each notebook runs in a fresh ``python3`` kernel with ``SMOKE=1`` (tiny
datasets, epochs and runs: about a minute each on 2 CPU cores), with this
folder as the working directory. The kernel must be the Python that runs this
script (the project's venv): its ``share/jupyter`` is put first on
``JUPYTER_PATH`` so its ``python3`` kernelspec wins (jupyter_client then
starts that spec's ``python`` as ``sys.executable``), and a last cell added on
the fly reports the kernel's ``sys.prefix``; a mismatch is an error. Notebooks are not
modified on disk (they are stored without outputs); ``--save DIR`` writes the
executed copies there.

Usage:
    python notebooks/run_notebooks.py                      # every notebooks/*.ipynb, SMOKE=1
    python notebooks/run_notebooks.py 02_model_complexity  # one notebook
    python notebooks/run_notebooks.py --full --save out/   # without SMOKE, keep the outputs
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "python3"
_PREFIX_MARK = "KERNEL_SYS_PREFIX="


def notebook_paths(names=None) -> list[Path]:
    """``notebooks/*.ipynb`` sorted, or the ones named (with or without ``.ipynb``).

    Example:
        >>> [p.name for p in notebook_paths(["01_quickstart"])]
        ['01_quickstart.ipynb']
    """
    paths = sorted(HERE.glob("*.ipynb"))
    if not names:
        return paths
    chosen = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        match = [p for p in paths if p.stem == stem]
        if not match:
            raise ValueError(f"no notebook {name!r} in {HERE}; have: {', '.join(p.stem for p in paths)}")
        chosen += match
    return chosen


def execute_notebook(path, smoke: bool = True, timeout: int = 900, extra_env: dict | None = None):
    """Run every cell of ``path`` in a fresh kernel; return ``(executed notebook, kernel sys.prefix)``.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails, and
    ``RuntimeError`` when the kernel is not this interpreter's environment.

    Example:
        >>> nb, prefix = execute_notebook("notebooks/01_quickstart.ipynb")
        >>> prefix == sys.prefix
        True
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"import sys; print({_PREFIX_MARK!r} + sys.prefix)"))
    keys = ("SMOKE", "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND", "JUPYTER_PATH", *(extra_env or {}))
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg", **(extra_env or {})})
    # look for the python3 kernelspec in this environment first (before ~/.local/share/jupyter)
    own = str(Path(sys.prefix) / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (own, saved["JUPYTER_PATH"]) if p)
    if smoke:
        os.environ["SMOKE"] = "1"
    else:
        os.environ.pop("SMOKE", None)
    try:  # the kernel inherits this process's environment
        client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    text = "".join(out.get("text", "") for out in nb.cells[-1].get("outputs", []))
    prefix = text.split(_PREFIX_MARK, 1)[1].strip() if _PREFIX_MARK in text else None
    if prefix is None or Path(prefix).resolve() != Path(sys.prefix).resolve():
        raise RuntimeError(
            f"{path.name} ran in a kernel from {prefix!r}, not this environment ({sys.prefix}); "
            f"install ipykernel here so its {KERNEL_NAME!r} kernelspec is found first"
        )
    nb.cells.pop()
    return nb, prefix


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Execute the notebooks (SMOKE=1 unless --full).")
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--full", action="store_true", help="run without SMOKE (the real experiments)")
    parser.add_argument("--save", default=None, help="folder to write the executed notebooks to")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    args = parser.parse_args(argv)
    import nbformat

    failed = []
    for path in notebook_paths(args.names):
        start = time.perf_counter()
        try:
            nb, _ = execute_notebook(path, smoke=not args.full, timeout=args.timeout)
        except Exception as error:  # report every notebook, then fail
            failed.append(path.name)
            print(f"FAIL {path.name} ({time.perf_counter() - start:.0f} s): {str(error)[-2000:]}")
            continue
        print(f"ok   {path.name} ({time.perf_counter() - start:.0f} s)")
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, Path(args.save) / path.name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
