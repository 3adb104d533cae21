"""Curves of repeated runs: mean ± std, and samples / seconds to reach a target 1-AUC."""

from __future__ import annotations

import dataclasses

import numpy as np

from is_keras.experiments.run import RunResult


@dataclasses.dataclass
class MeanCurve:
    """Runs of one method averaged at their shared evaluation points."""

    samples: np.ndarray
    seconds: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    runs: int


def mean_curve(results: list[RunResult]) -> MeanCurve:
    """Average 1-AUC (and training seconds) over runs, truncated to the shortest run.

    Example:
        >>> curve = mean_curve(results)   # results of one method, several seeds
        >>> curve.mean.shape == curve.samples.shape
        True
    """
    if not results:
        raise ValueError("mean_curve needs at least one run")
    length = min(len(r.one_minus_auc) for r in results)
    if length == 0:
        raise ValueError("a run has no evaluations; lower eval_every or train longer")
    values = np.stack([r.one_minus_auc[:length] for r in results])
    seconds = np.stack([r.seconds[:length] for r in results])
    return MeanCurve(
        samples=np.asarray(results[0].samples[:length]),
        seconds=seconds.mean(axis=0),
        mean=values.mean(axis=0),
        std=values.std(axis=0),
        runs=len(results),
    )


def first_reaching(curve: MeanCurve, target: float) -> tuple[float, float]:
    """(samples, seconds) at the first evaluation whose mean 1-AUC is <= ``target``; NaNs if never.

    Example:
        >>> first_reaching(MeanCurve(np.array([10, 20]), np.array([1.0, 2.0]),
        ...                          np.array([0.5, 0.1]), np.zeros(2), 1), 0.2)
        (20.0, 2.0)
    """
    reached = np.flatnonzero(curve.mean <= target)
    if reached.size == 0:
        return float("nan"), float("nan")
    i = reached[0]
    return float(curve.samples[i]), float(curve.seconds[i])


def time_to_baseline_best(curves: dict[str, MeanCurve], baseline: str = "nis") -> list[dict]:
    """For each method: samples and seconds to reach the baseline's best mean 1-AUC, and ratios.

    Example:
        >>> rows = time_to_baseline_best({"nis": nis_curve, "is-probabilistic": is_curve})
        >>> rows[0]["method"], rows[0]["samples_ratio"]
        ('nis', 1.0)
    """
    if baseline not in curves:
        raise ValueError(f"the baseline method {baseline!r} is not among the compared methods")
    target = float(curves[baseline].mean.min())
    base_samples, base_seconds = first_reaching(curves[baseline], target)
    rows = []
    for method, curve in curves.items():
        samples, seconds = first_reaching(curve, target)
        rows.append({
            "method": method,
            "target_one_minus_auc": target,
            "best_one_minus_auc": float(curve.mean.min()),
            "samples": samples,
            "seconds": seconds,
            "samples_ratio": samples / base_samples,
            "seconds_ratio": seconds / base_seconds,
        })
    return rows


def format_table(rows: list[dict]) -> str:
    """The comparison table as aligned text."""
    header = (f"{'method':<18}{'best 1-AUC':>12}{'samples':>10}{'ratio':>8}{'seconds':>10}{'ratio':>8}")
    lines = [f"target: uniform sampling's best mean 1-AUC = {rows[0]['target_one_minus_auc']:.5f}", header]
    for row in rows:
        if np.isnan(row["samples"]):
            lines.append(f"{row['method']:<18}{row['best_one_minus_auc']:>12.5f}{'not reached':>36}")
            continue
        lines.append(
            f"{row['method']:<18}{row['best_one_minus_auc']:>12.5f}{row['samples']:>10.0f}"
            f"{row['samples_ratio']:>8.2f}{row['seconds']:>10.2f}{row['seconds_ratio']:>8.2f}"
        )
    return "\n".join(lines)
