"""Sweep results on disk: one strict-JSON file per finished run, written atomically, read back as records."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from pathlib import Path

from is_keras.experiments.run_result import RunResult
from is_keras.experiments.run_spec import RunSpec
from is_keras.sampling.methods import METHOD_SPECS

#: Result files are ``<out>/RUNS_DIR/<run_id>.json``.
RUNS_DIR = "runs"

#: Bumped when the result-file layout changes.
RESULT_FORMAT = 1


def result_path(out_dir, run_id: str) -> Path:
    """Where the result of ``run_id`` is saved.

    Example:
        >>> result_path("out", "a").as_posix()
        'out/runs/a.json'
    """
    return Path(out_dir) / RUNS_DIR / f"{run_id}.json"


def backup_path(out_dir, run_id: str) -> Path:
    """The backup folder of ``run_id`` while it trains (removed once its result is saved; a killed run resumes from it).

    Example:
        >>> backup_path("out", "a").as_posix()
        'out/runs/a/backup'
    """
    return Path(out_dir) / RUNS_DIR / run_id / "backup"


def remove_backup(out_dir, run_id: str) -> bool:
    """Delete ``run_id``'s backup folder (and its run folder, when that is left empty).

    Returns: True when there was a backup to delete.
    Example:
        >>> remove_backup("no/such/folder", "a")
        False
    """
    backup = backup_path(out_dir, run_id)
    existed = backup.exists()
    if existed:
        shutil.rmtree(backup)
    with contextlib.suppress(OSError):  # absent, or holding something else
        backup.parent.rmdir()
    return existed


@dataclasses.dataclass
class SweepRecord:
    """One saved run: its spec, the sweep it belongs to, and its :class:`RunResult`."""

    run_id: str
    spec: RunSpec
    sweep: dict
    result: RunResult


def read_record(path) -> SweepRecord:
    """Load one result file written by :func:`~is_keras.experiments.sweep.run_sweep`.

    Raises: ValueError: for a file that is not a result file of :data:`RESULT_FORMAT` (the message names it).
    """
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the result file: {error}") from None
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise ValueError(f"{path}: not a sweep result file of format {RESULT_FORMAT}")
    return SweepRecord(run_id=data["run_id"], spec=RunSpec.from_dict(data["spec"]), sweep=data["sweep"],
                       result=RunResult.from_dict(data["result"]))


def is_finished(out_dir, spec: RunSpec) -> bool:
    """True when ``spec``'s result file exists and holds that run."""
    try:
        return read_record(result_path(out_dir, spec.run_id)).run_id == spec.run_id
    except (ValueError, KeyError, TypeError):
        return False


def load_sweep_results(out_dir) -> list[SweepRecord]:
    """Every finished run under ``out_dir``, ordered by configuration then seed.

    Raises: ValueError: when ``out_dir`` has no ``runs/`` folder, or for an unreadable result file.
    Example:
        >>> load_sweep_results("no/such/folder")
        Traceback (most recent call last):
        ...
        ValueError: no sweep results in 'no/such/folder' (expected a runs/ folder)
    """
    folder = Path(out_dir) / RUNS_DIR
    if not folder.is_dir():
        raise ValueError(f"no sweep results in {str(out_dir)!r} (expected a {RUNS_DIR}/ folder)")
    return sorted((read_record(p) for p in sorted(folder.glob("*.json"))), key=_record_order)


def _record_order(record: SweepRecord) -> tuple:
    spec = record.spec
    size = sorted(spec.model_kwargs.items())
    methods = list(METHOD_SPECS)
    method = methods.index(spec.method) if spec.method in methods else len(methods)
    exponent = -1.0 if spec.exponent is None else spec.exponent
    return (spec.dataset, spec.model, size, method, exponent, spec.group_key(), spec.seed)
