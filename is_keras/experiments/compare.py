"""Compare sampling methods over repeated runs: curves (CSV), a plot (PNG) and a table."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from is_keras.experiments.curves import format_table, mean_curve, time_to_baseline_best
from is_keras.experiments.plotting import plot_curves
from is_keras.experiments.run import RunResult, run_training


def compare_methods(train, val, methods, runs: int = 3, seed: int = 0, progress=print, **run_kwargs):
    """Run every method ``runs`` times (seeds ``seed``, ``seed + 1``, …).

    The same seeds are used for every method, so run *k* of each method starts
    from the same initial weights.

    Returns:
        ``{method: [RunResult, ...]}``.

    Example:
        >>> results = compare_methods(train, val, ["nis", "is-probabilistic"], runs=2, epochs=3)
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    results = {}
    for method in methods:
        results[method] = []
        for run in range(runs):
            result = run_training(train, val, method=method, seed=seed + run, **run_kwargs)
            results[method].append(result)
            if progress:
                progress(
                    f"  {method:<18} run {run + 1}/{runs}: best 1-AUC {result.one_minus_auc.min():.5f}, "
                    f"{result.seconds[-1]:.1f} s training"
                )
    return results


def write_curves_csv(results: dict[str, list[RunResult]], path) -> Path:
    """One row per evaluation: method, run, seed, samples, seconds, one_minus_auc."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "run", "seed", "samples", "seconds", "one_minus_auc"])
        for method, runs in results.items():
            for run, result in enumerate(runs):
                for s, t, v in zip(result.samples, result.seconds, result.one_minus_auc):
                    writer.writerow([method, run, result.config["seed"], int(s), f"{t:.4f}", f"{v:.6g}"])
    return path


def summarize(results: dict[str, list[RunResult]], out_dir, title: str = "", baseline: str = "nis") -> str:
    """Write curves.csv, compare.png, summary.json into ``out_dir``; return the table text."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    curves = {method: mean_curve(runs) for method, runs in results.items()}
    write_curves_csv(results, out_dir / "curves.csv")
    plot_curves(curves, out_dir / "compare.png", title=title)
    table = ""
    rows = []
    if baseline in curves:
        rows = time_to_baseline_best(curves, baseline)
        table = format_table(rows)
    first = next(iter(results.values()))[0]
    summary = {"title": title, "table": rows, "config": first.config, "environment": first.environment}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return table
