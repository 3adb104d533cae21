"""Sweep results on disk: one JSON file per finished run, written atomically, read back as records."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path

from is_keras.experiments.run import RunResult
from is_keras.experiments.sweep_grid import RunSpec
from is_keras.sampling.registry import METHODS

#: Result files are ``<out>/RUNS_DIR/<run_id>.json``.
RUNS_DIR = "runs"

#: Bumped when the result-file layout changes.
RESULT_FORMAT = 1


def result_path(out_dir, run_id: str) -> Path:
    """Where the result of ``run_id`` is saved."""
    return Path(out_dir) / RUNS_DIR / f"{run_id}.json"


def atomic_write_json(path, data) -> Path:
    """Write ``data`` as JSON to a temporary file next to ``path``, then rename it over ``path``.

    Readers see either the old file or the whole new one, never a partial write.

    Example:
        >>> atomic_write_json("out/runs/a.json", {"x": 1})
        PosixPath('out/runs/a.json')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, default=_json_default)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclasses.dataclass
class SweepRecord:
    """One saved run: its spec, the sweep it belongs to, and its :class:`RunResult`."""

    run_id: str
    spec: RunSpec
    sweep: dict
    result: RunResult


def read_record(path) -> SweepRecord:
    """Load one result file written by :func:`run_sweep`.

    Example:
        >>> read_record("out/runs/crapnet-default-nis-s0-0123456789.json").result.one_minus_auc
        ...
    """
    data = json.loads(Path(path).read_text())
    if data.get("format") != RESULT_FORMAT:
        raise ValueError(f"{path}: not a sweep result file of format {RESULT_FORMAT}")
    return SweepRecord(run_id=data["run_id"], spec=RunSpec.from_dict(data["spec"]), sweep=data["sweep"],
                       result=RunResult.from_dict(data["result"]))


def is_finished(out_dir, spec: RunSpec) -> bool:
    """True when ``spec``'s result file exists and holds that run."""
    path = result_path(out_dir, spec.run_id)
    if not path.is_file():
        return False
    try:
        return read_record(path).run_id == spec.run_id
    except (ValueError, KeyError, TypeError):
        return False


def load_sweep_results(out_dir) -> list[SweepRecord]:
    """Every finished run under ``out_dir``, ordered by configuration then seed.

    Example:
        >>> records = load_sweep_results("results/model_complexity")
        >>> {r.spec.method for r in records}
        {'nis', 'is-probabilistic'}
    """
    folder = Path(out_dir) / RUNS_DIR
    if not folder.is_dir():
        raise ValueError(f"no sweep results in {str(out_dir)!r} (expected a {RUNS_DIR}/ folder)")
    records = [read_record(p) for p in sorted(folder.glob("*.json"))]
    return sorted(records, key=_record_order)


def _record_order(record: SweepRecord) -> tuple:
    spec = record.spec
    size = sorted(spec.model_kwargs.items())
    method = METHODS.index(spec.method) if spec.method in METHODS else len(METHODS)
    exponent = -1.0 if spec.exponent is None else spec.exponent
    return (spec.dataset, spec.model, size, method, exponent, spec.group_key(), spec.seed)
