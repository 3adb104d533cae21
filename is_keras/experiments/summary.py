"""A comparison's files: ``curves.csv``, the curve figure, ``summary.json`` (strict JSON) and loss histograms."""

from __future__ import annotations

import csv
from pathlib import Path

from is_keras.experiments.curves import format_table, mean_curve, time_to_baseline_best
from is_keras.experiments.figure_files import save_figure
from is_keras.experiments.json_files import atomic_write_json
from is_keras.experiments.run_result import RunResult
from is_keras.plotting.curves import plot_curves
from is_keras.plotting.loss_table import plot_loss_histograms


def write_curves_csv(results: dict[str, list[RunResult]], path) -> Path:
    """One row per evaluation: method, run, seed, [epoch (when the runs record epochs),] samples, seconds, the metric.

    Args:
        results: ``{method: [RunResult, ...]}`` of one metric; path: the CSV file.
    Returns: ``path``.
    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> r = RunResult(np.array([64]), np.array([1.0]), np.array([0.25]), {"seed": 0}, {})
        >>> path = write_curves_csv({"nis": [r]}, pathlib.Path(tempfile.mkdtemp()) / "c.csv")
        >>> path.read_text().splitlines()
        ['method,run,seed,samples,seconds,one_minus_auc', 'nis,0,0,64,1.0000,0.25']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    first = next(iter(results.values()))[0]
    with_epochs = first.epochs is not None
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "run", "seed"] + (["epoch"] if with_epochs else []) +
                        ["samples", "seconds", first.metric])
        for method, runs in results.items():
            for run, result in enumerate(runs):
                epochs = result.epochs if with_epochs else [None] * len(result.values)
                for e, s, t, v in zip(epochs, result.samples, result.seconds, result.values):
                    writer.writerow([method, run, result.config["seed"]] + ([f"{e:g}"] if with_epochs else []) +
                                    [int(s), f"{t:.4f}", f"{v:.6g}"])
    return path


def summarize(results: dict[str, list[RunResult]], out_dir, *, title: str = "", baseline: str = "nis",
              figure_name: str = "compare.png") -> str:
    """Write a comparison's files into ``out_dir`` and return its time-to-baseline table.

    Files: ``curves.csv``, ``figure_name`` (mean ± std curves), ``summary.json`` (title, metric, table, final values,
    first run's config and environment) and ``loss_hist_<method>.png`` (when the first run has loss-table snapshots).

    Args:
        results: from :func:`~is_keras.experiments.compare.compare`; out_dir: output folder (created).
        title: figure and summary title; figure_name: the curve figure's file name.
        baseline: the method the table is relative to (no table without it).
    Returns: The table text (empty when ``baseline`` was not run).
    Raises: ValueError: for no results.
    Example:
        >>> import numpy as np, tempfile, json, pathlib
        >>> r = RunResult(np.array([64, 128]), np.array([1.0, 2.0]), np.array([0.5, 0.25]), {"seed": 0}, {})
        >>> out = pathlib.Path(tempfile.mkdtemp())
        >>> print(summarize({"nis": [r]}, out).splitlines()[0])
        target: uniform sampling's best mean 1-AUC = 0.25000
        >>> json.loads((out / "summary.json").read_text())["table"][0]["samples"]
        128.0
    """
    if not results:
        raise ValueError("no results to summarize")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    curves = {method: mean_curve(runs) for method, runs in results.items()}
    write_curves_csv(results, out_dir / "curves.csv")
    first = next(iter(results.values()))[0]
    save_figure(plot_curves(curves, metric_label=first.metric_info.label, title=title), out_dir / figure_name, dpi=110)
    rows = time_to_baseline_best(curves, baseline) if baseline in curves else []
    for method, runs in results.items():
        if runs[0].loss_histograms:
            fig = plot_loss_histograms(runs[0].loss_histograms, title=f"{method}, run 0")
            save_figure(fig, out_dir / f"loss_hist_{method.replace('+', '_')}.png")
    finals = {method: [float(r.values[-1]) for r in runs] for method, runs in results.items()}
    summary = {"title": title, "metric": first.metric, "table": rows, f"final_{first.metric}": finals,
               "config": first.config, "environment": first.environment}
    atomic_write_json(out_dir / "summary.json", summary, indent=2)
    return format_table(rows) if rows else ""
