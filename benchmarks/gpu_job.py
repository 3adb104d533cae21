"""A GPU batch job: importance sampling against uniform sampling under Keras ``fit``, resumable after a kill.

Each run (method x seed) trains a classifier through
:class:`is_keras.training.keras_fit.ImportanceSamplingModel` with the in-graph
sampler (draws, gathers and table writes inside the compiled step), XLA
(``compile(jit_compile=True)``), ``steps_per_execution`` steps per call,
mixed precision (``mixed_float16``; on by default when a GPU is visible) and
the :class:`~is_keras.callbacks.OneMinusAUC` callback. Every run has its own
``keras.callbacks.BackupAndRestore`` folder (the wrapper saves the sampler's
state beside the weights) and a record of its evaluations, so a killed job
started again with the same arguments resumes inside the run it was in (from
its last finished epoch) and skips the runs it had finished.

Usage on a GPU machine (from the repository root, ``pip install -e .`` done)::

    python benchmarks/gpu_job.py --out results/gpu_job --backup-dir results/gpu_job/backup
    python benchmarks/gpu_job.py --out results/signs --dataset synthetic-signs --dataset-kw num_per_class=200 \\
        --epochs 20 --seeds 3 --batch-size 256 --steps-per-execution 16
    # killed (preempted, out of time)? run the same command again: it resumes.

On CPU (CI, a laptop) the smoke size (a 2-layer MLP on 300 digits) takes about half a minute:
``python benchmarks/gpu_job.py --smoke --out /tmp/job``.

Outputs in ``--out``:
    ``curves.csv``   one row per evaluation: method, seed, evaluation, epoch, samples, seconds, one_minus_auc;
    ``summary.json`` strict JSON (NaN -> null): config, environment, per method the mean ± std curve, final and
                     best mean 1-AUC, samples/seconds to reach uniform's best (``time_to_uniform_best``), and which
                     runs were trained by this call (``trained``) or read back from an earlier one (``reused``);
    ``curves.png``   1-AUC against samples seen and training seconds (mean ± 1 std over seeds);
    ``runs/<method>_seed<k>.json`` each finished run (a later call with the same configuration reuses it).

Note: with ``steps_per_execution = k`` Keras calls the batch callbacks once per
``k`` steps, so 1-AUC is evaluated every ``eval_every`` steps rounded up to a
multiple of ``k``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import keras
import numpy as np

from is_keras.callbacks import OneMinusAUC
from is_keras.data.registry import load_dataset
from is_keras.experiments.curves import mean_curve, time_to_baseline_best
from is_keras.experiments.environment import environment_info
from is_keras.experiments.figure_files import save_figure
from is_keras.experiments.json_files import atomic_write_json
from is_keras.experiments.run_result import RunResult
from is_keras.models.registry import build_classifier
from is_keras.plotting import plot_curves
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.training.keras_fit import ImportanceSamplingModel

#: Sizes of ``--smoke``: a few hundred digits, 2 epochs, 1 seed.
SMOKE = {"subset": 300, "val_subset": 150, "epochs": 2, "seeds": 1, "batch_size": 32, "eval_every": 4,
         "steps_per_execution": 2, "model": "dense", "width": None}


def build_parser() -> argparse.ArgumentParser:
    """The command line of the job (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (curves.csv, summary.json, curves.png, runs/)")
    p.add_argument("--backup-dir", default=None, help="BackupAndRestore folders, one per run (default: <out>/backup)")
    p.add_argument("--dataset", default="digits", help="digits (default), synthetic-signs, gtsrb, tfds:<name>, ...")
    p.add_argument("--dataset-kw", action="append", default=[], metavar="KEY=VALUE",
                   help="a loader option, e.g. num_per_class=200 or root=/data/gtsrb (repeatable)")
    p.add_argument("--subset", type=int, default=None, help="use only the first N training samples")
    p.add_argument("--val-subset", type=int, default=None, help="use only the first N validation samples")
    p.add_argument("--methods", nargs="+", default=["nis", "is-probabilistic"],
                   help="sampling methods (nis = uniform); default: nis is-probabilistic")
    p.add_argument("--exponent", type=float, default=1.0, help="the IS methods' loss exponent")
    p.add_argument("--uniform-mix", type=float, default=0.0, help="is-probabilistic's uniform share")
    p.add_argument("--seeds", type=int, default=3, help="runs per method (seeds 0..N-1)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--eval-every", type=int, default=10, help="1-AUC every this many training steps")
    p.add_argument("--steps-per-execution", type=int, default=8, help="training steps per compiled call")
    p.add_argument("--model", default="crapnet",
                   help="crapnet (default), resnet18, or dense (a 2-layer MLP: quick, compiles in a second)")
    p.add_argument("--width", type=float, default=None, help="model width (crapnet default 8)")
    p.add_argument("--mixed-precision", action=argparse.BooleanOptionalAction, default=None,
                   help="mixed_float16 (default: on when a GPU is visible)")
    p.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True, help="XLA (default: on)")
    p.add_argument("--smoke", action="store_true",
                   help="CPU smoke size (explicit options still win): " + json.dumps(SMOKE))
    return p


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line; ``--smoke`` replaces the defaults by :data:`SMOKE` (explicit options win)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**SMOKE)
        args = parser.parse_args(argv)
    return args


def resolve_config(args) -> dict:
    """The job's configuration (a JSON-able dict) from :func:`parse_args`'s arguments.

    Raises:
        ValueError: for a bad size or an unknown method.
    """
    import tensorflow as tf

    config = {
        "dataset": args.dataset, "dataset_kw": _parse_kw(args.dataset_kw), "subset": args.subset,
        "val_subset": args.val_subset, "methods": list(args.methods), "exponent": args.exponent,
        "uniform_mix": args.uniform_mix, "seeds": args.seeds, "epochs": args.epochs, "batch_size": args.batch_size,
        "learning_rate": args.learning_rate, "eval_every": args.eval_every,
        "steps_per_execution": args.steps_per_execution, "model": args.model, "width": args.width,
        "jit_compile": bool(args.jit),
    }
    gpu = bool(tf.config.list_physical_devices("GPU"))
    config["mixed_precision"] = gpu if args.mixed_precision is None else bool(args.mixed_precision)
    for key in ("seeds", "epochs", "batch_size", "eval_every", "steps_per_execution"):
        if int(config[key]) != config[key] or config[key] < 1:
            raise ValueError(f"--{key.replace('_', '-')} must be an integer >= 1, got {config[key]!r}")
    for method in config["methods"]:
        _sampler_config(method, config)  # validates before the first run
    return config


def run_job(config: dict, out_dir, *, backup_dir=None, callbacks=(), progress=print) -> dict:
    """Run (or resume) every method x seed of ``config`` and write the outputs; return the summary.

    Args:
        config: from :func:`resolve_config`.
        out_dir: the output folder.
        backup_dir: BackupAndRestore folders (default ``<out_dir>/backup``).
        callbacks: extra Keras callbacks for every run (after the job's own).
        progress: called with one line per run.

    Returns:
        The summary written to ``summary.json``.
    """
    out_dir = Path(out_dir)
    backup_dir = Path(backup_dir) if backup_dir is not None else out_dir / "backup"
    (x, y), (x_val, y_val) = _load(config)
    runs, trained, reused = {}, [], []
    for seed in range(config["seeds"]):
        for method in config["methods"]:
            name = f"{method}_seed{seed}"
            record_path = out_dir / "runs" / f"{name}.json"
            run_config = {k: v for k, v in config.items() if k not in ("methods", "seeds")}
            run_config.update(method=method, seed=seed)
            record = _read_record(record_path, run_config)
            if record is None:
                start = time.perf_counter()
                record = _train_one(run_config, x, y, x_val, y_val, backup_dir / f"{name}-{_digest(run_config)}",
                                    callbacks=callbacks)
                atomic_write_json(record_path, record)
                trained.append(name)
                progress(f"{name}: trained in {time.perf_counter() - start:.1f} s, final 1-AUC {record['values'][-1]}")
            else:
                reused.append(name)
                progress(f"{name}: reused {record_path}")
            runs.setdefault(method, []).append(record)
    return _write_outputs(config, runs, out_dir, trained=trained, reused=reused)


def main(argv=None) -> int:
    """Parse ``argv``, run the job, print where the outputs are; returns the exit status."""
    args = parse_args(argv)
    try:
        config = resolve_config(args)
    except ValueError as err:
        print(f"gpu_job: {err}", file=sys.stderr)
        return 2
    run_job(config, args.out, backup_dir=args.backup_dir)
    print(f"wrote {Path(args.out) / 'summary.json'}, curves.csv, curves.png")
    return 0


# ------------------------------------------------------------------ one run
def _train_one(config, x, y, x_val, y_val, backup_dir, *, callbacks=()) -> dict:
    policy = keras.mixed_precision.global_policy().name
    if config["mixed_precision"]:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = _build_model(config, x.shape[1:], int(max(y.max(), y_val.max())) + 1)
        gen = ImportanceBatchGenerator(x, y, batch_size=config["batch_size"], seed=config["seed"],
                                       sampler_config=_sampler_config(config["method"], config))
        wrapped = ImportanceSamplingModel(model, gen, backend="in-graph")
        spe = config["steps_per_execution"]
        wrapped.compile(optimizer=keras.optimizers.Adam(config["learning_rate"]), jit_compile=config["jit_compile"],
                        steps_per_execution=spe)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    steps = spe * math.ceil(gen.steps_per_epoch / spe)
    auc = OneMinusAUC(x_val, y_val, eval_every=max(1, math.ceil(config["eval_every"] / spe)))
    log = EvaluationLog(auc, Path(backup_dir) / "evaluations.json", calls_per_epoch=steps // spe)
    backup = keras.callbacks.BackupAndRestore(str(backup_dir), save_freq="epoch")
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=steps, epochs=config["epochs"], verbose=0,
                callbacks=[auc, log, backup, *callbacks])
    return {"config": config, "samples": list(map(int, auc.samples)), "seconds": list(map(float, auc.seconds)),
            "values": list(map(float, auc.values)), "epochs": list(log.epochs),
            "steps_per_epoch": steps, "samples_seen": int(wrapped.samples_seen.numpy())}


class EvaluationLog(keras.callbacks.Callback):
    """Keeps an evaluation callback's records across a kill: saved at every epoch end, restored at the resume.

    ``BackupAndRestore`` restores the weights, the sampler and the counters of
    the last finished epoch; this puts back the evaluations made up to that
    epoch (later ones are dropped: they are made again) and the callback's
    batch count, so the resumed curve is the uninterrupted one.

    Args:
        callback: an :class:`~is_keras.callbacks.evaluation_callback.EvaluationCallback` (e.g. ``OneMinusAUC``).
        path: the JSON file of the records.
        calls_per_epoch: batch-callback calls per epoch (steps / steps_per_execution).
    """

    def __init__(self, callback, path, *, calls_per_epoch: int):
        super().__init__()
        self.callback, self.path, self.calls_per_epoch = callback, Path(path), int(calls_per_epoch)
        self.epochs: list[int] = []
        self._started = False

    def on_epoch_begin(self, epoch, logs=None):
        if self._started:
            return
        self._started = True
        if not self.path.exists() or epoch == 0:
            return
        saved = json.loads(self.path.read_text())
        keep = [i for i, e in enumerate(saved["epochs"]) if e < epoch]
        cb = self.callback
        for name in ("samples", "seconds", "values", "steps"):
            getattr(cb, name)[:0] = [saved[name][i] for i in keep]
        self.epochs[:0] = [saved["epochs"][i] for i in keep]
        cb._batches = epoch * self.calls_per_epoch

    def on_epoch_end(self, epoch, logs=None):
        cb = self.callback
        self.epochs += [epoch] * (len(cb.values) - len(self.epochs))
        atomic_write_json(self.path, {"epochs": self.epochs, "samples": cb.samples, "seconds": cb.seconds,
                                      "values": cb.values, "steps": cb.steps})


# ---------------------------------------------------------------- helpers
def _sampler_config(method: str, config: dict) -> SamplerConfig:
    fields = {"method": method}
    if method != "nis":
        fields["exponent"] = config["exponent"]
    if config["uniform_mix"]:
        fields["uniform_mix"] = config["uniform_mix"]
    return SamplerConfig(**fields)


def _build_model(config, input_shape, num_classes):
    if config["model"] != "dense":
        kwargs = {} if config["width"] is None else {"width": config["width"]}
        return build_classifier(config["model"], input_shape, num_classes, seed=config["seed"], **kwargs)
    keras.utils.set_random_seed(config["seed"])
    units = int(32 * (config["width"] or 1))
    return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                             keras.layers.Dense(units, activation="relu"),
                             keras.layers.Dense(num_classes, activation="softmax", dtype="float32")])


def _load(config):
    (x, y), (x_val, y_val) = load_dataset(config["dataset"], seed=0, **config["dataset_kw"])
    x, y = np.asarray(x[: config["subset"]], np.float32), np.asarray(y[: config["subset"]])
    x_val, y_val = np.asarray(x_val[: config["val_subset"]], np.float32), np.asarray(y_val[: config["val_subset"]])
    return (x, y), (x_val, y_val)


def _parse_kw(items) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--dataset-kw takes KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _digest(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:10]


def _read_record(path: Path, config: dict):
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return record if record.get("config") == json.loads(json.dumps(config)) else None


def _write_outputs(config, runs, out_dir: Path, *, trained, reused) -> dict:
    rows = []
    results = {}
    for method, records in runs.items():
        results[method] = [RunResult(np.array(r["samples"]), np.array(r["seconds"]), np.array(r["values"]),
                                     r["config"], {}) for r in records]
        for r in records:
            for i, (s, t, v) in enumerate(zip(r["samples"], r["seconds"], r["values"])):
                rows.append([method, r["config"]["seed"], i, r["epochs"][i], s, t, v])
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "curves.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "seed", "evaluation", "epoch", "samples", "seconds", "one_minus_auc"])
        writer.writerows(rows)
    curves = {method: mean_curve(rs) for method, rs in results.items()}
    methods = {
        method: {"label": SamplerConfig(method=method).label, "runs": c.runs, "samples": c.samples,
                 "seconds": c.seconds, "mean": c.mean, "std": c.std, "final_mean": float(c.mean[-1]),
                 "best_mean": float(np.min(c.mean))}
        for method, c in curves.items()
    }
    summary = {"config": config, "environment": environment_info(), "methods": methods,
               "time_to_uniform_best": time_to_baseline_best(curves, "nis") if "nis" in curves else None,
               "trained": trained, "reused": reused}
    atomic_write_json(out_dir / "summary.json", summary)
    fig = plot_curves(curves, title=f"{config['dataset']}: importance vs uniform sampling (Keras fit, in-graph)")
    save_figure(fig, out_dir / "curves.png")
    return summary


if __name__ == "__main__":
    sys.exit(main())
