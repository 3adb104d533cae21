"""Sweeps: a grid of training runs from one config file (YAML or JSON, see ``configs/``), run in shards, resumable:
each run is saved atomically as it ends (``runs/<run_id>.json``); started again, a sweep skips finished runs and
resumes an interrupted one from ``runs/<run_id>/backup/``."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.convergence import window_evaluations
from is_keras.experiments.json_files import atomic_write_json
from is_keras.experiments.run import run
from is_keras.experiments.run_spec import RunSpec
from is_keras.experiments.sweep_config import SMOKE_TRAIN, SMOKE_VAL, SweepConfig, load_sweep_config, smoke_config
from is_keras.experiments.sweep_grid import expand_sweep, parse_shard, shard_specs
from is_keras.experiments.sweep_store import (
    RESULT_FORMAT,
    RUNS_DIR,
    SweepRecord,
    backup_path,
    is_finished,
    load_sweep_results,
    read_record,
    remove_backup,
    result_path,
)
from is_keras.training.run_backup import saved_steps

#: The sweep API in one place: the config, grid, result files and the runner (here).
__all__ = ["RESULT_FORMAT", "RUNS_DIR", "RunSpec", "SweepConfig", "SweepOutcome", "SweepRecord", "atomic_write_json",
           "backup_path", "check_window_fits", "expand_sweep", "is_finished", "load_sweep_config", "load_sweep_results",
           "parse_shard", "read_record", "result_path", "reuse_finished", "run_sweep", "shard_specs", "smoke_config"]


@dataclasses.dataclass
class SweepOutcome:
    """What :func:`run_sweep` did: run IDs it ran, found finished, and copied from other sweeps."""

    ran: list
    skipped: list
    out_dir: Path
    reused: list = dataclasses.field(default_factory=list)


def check_window_fits(config: SweepConfig, num_train: int) -> int:
    """Evaluations per run (of ``num_train`` samples).

    Raises: ValueError: when no evaluation would happen or the window does not fit in one run's curve.
    Example:
        >>> check_window_fits(SweepConfig(epochs=1, batch_size=64, eval_every=5, window=10), 1347)
        4
    """
    total_batches = config.epochs * math.ceil(num_train / config.batch_size)
    evaluations = total_batches // config.eval_every
    if evaluations < 1:
        raise ValueError(f"eval_every ({config.eval_every}) exceeds the run's {total_batches} batches: "
                         "no evaluation would happen")
    needed = window_evaluations(config.window, config.eval_every)
    if needed > evaluations:
        raise ValueError(f"window ({config.window} batches = {needed} evaluations every {config.eval_every} batches) "
                         f"is longer than a run ({total_batches} batches = {evaluations} evaluations); lower window or "
                         "train longer")
    return evaluations


def reuse_finished(spec: RunSpec, out_dir, reuse_dirs, sweep_info: dict) -> bool:
    """Copy ``spec``'s result from a folder of ``reuse_dirs`` that holds it, relabelled with this ``sweep_info``.

    Returns: True when a copy was made.
    """
    for folder in reuse_dirs:
        source = result_path(folder, spec.run_id)
        if source.resolve() == result_path(out_dir, spec.run_id).resolve() or not is_finished(folder, spec):
            continue
        data = json.loads(source.read_text())
        data["sweep"] = {**sweep_info, "reused_from": str(folder)}
        atomic_write_json(result_path(out_dir, spec.run_id), data)
        return True
    return False


def run_sweep(config, out_dir, *, shard=(0, 1), progress=print, reuse=(), smoke: bool = False) -> SweepOutcome:
    """Run the sweep's unfinished runs (of one shard), saving each as soon as it ends (its backup is then deleted).

    The whole grid is validated before any training; the config is copied to ``<out_dir>/sweep.json``.

    Args:
        config: a :class:`SweepConfig`, a mapping, or a YAML/JSON path; out_dir: output folder (created).
        shard: ``(i, n)`` or ``"i/n"``: run only every n-th run from the i-th.
        progress: called with one line of text per run (``None`` for silence).
        reuse: other sweep folders; a run finished there (same run ID = same spec) is copied, not trained again.
        smoke: try the grid in a tiny size (:func:`~is_keras.experiments.sweep_config.smoke_config`).
    Returns: A :class:`SweepOutcome`.
    Raises: ValueError: for a bad config, shard or window (before any run), or a corrupt run backup (named).
    Example:
        >>> import tempfile
        >>> outcome = run_sweep({"methods": ["nis"], "widths": [1]}, tempfile.mkdtemp(), smoke=True, progress=None)
        >>> len(outcome.ran)
        1
    """
    config = load_sweep_config(config)
    if smoke:
        config = smoke_config(config)
    index, count = parse_shard(shard) if isinstance(shard, str) else shard
    specs = shard_specs(expand_sweep(config), index, count)
    out_dir = Path(out_dir)
    atomic_write_json(out_dir / "sweep.json", config.to_dict())  # creates the folder
    say = progress or (lambda _line: None)
    sweep_info = {"name": config.name, "kind": config.kind, "window": config.window}
    pending = [s for s in specs if not is_finished(out_dir, s)]
    skipped = [s.run_id for s in specs if s not in pending]
    reused = [s.run_id for s in pending if reuse_finished(s, out_dir, [Path(d) for d in reuse], sweep_info)]
    pending = [s for s in pending if s.run_id not in reused]
    for run_id in skipped + reused:
        remove_backup(out_dir, run_id)  # left by a kill between saving the result and deleting the backup
    say(f"sweep {config.name!r} ({config.kind}{', smoke' if config.smoke else ''}): {len(specs)} runs in shard "
        f"{index}/{count}, {len(skipped)} already finished, {len(reused)} copied from other sweeps, "
        f"{len(pending)} to run")
    ran = []
    if not pending:
        return SweepOutcome(ran=ran, skipped=skipped, out_dir=out_dir, reused=reused)
    from is_keras.data.registry import load_dataset

    train, val = load_dataset(config.dataset, seed=config.data_seed, **config.dataset_kwargs)
    if config.smoke:
        train, val = (train[0][:SMOKE_TRAIN], train[1][:SMOKE_TRAIN]), (val[0][:SMOKE_VAL], val[1][:SMOKE_VAL])
    check_window_fits(config, len(train[0]))
    task = ClassificationTask()
    for number, spec in enumerate(pending, 1):
        start = time.perf_counter()
        backup = backup_path(out_dir, spec.run_id)
        try:
            resumed_at = saved_steps(backup)
        except ValueError as err:
            raise ValueError(f"{err}; delete {backup} to train run {spec.run_id} from its start") from None
        if resumed_at:
            say(f"  [{number}/{len(pending)}] {spec.run_id}: resuming from its backup after step {resumed_at}")
        result = run(task, train, val, sampler_config=spec.sampler_config(), training_config=spec.training_config(),
                     backup_dir=backup)
        result.config.update(dataset=spec.dataset, dataset_kwargs=spec.dataset_kwargs, data_seed=spec.data_seed)
        atomic_write_json(result_path(out_dir, spec.run_id), {"format": RESULT_FORMAT, "run_id": spec.run_id,
                          "spec": spec.to_dict(), "sweep": sweep_info, "result": result.to_dict()})
        remove_backup(out_dir, spec.run_id)
        ran.append(spec.run_id)
        metric = result.metric_info
        say(f"  [{number}/{len(pending)}] {spec.run_id}: final {metric.label} {result.values[-1]:.{metric.digits}f}, "
            f"{time.perf_counter() - start:.1f} s")
    return SweepOutcome(ran=ran, skipped=skipped, out_dir=out_dir, reused=reused)
