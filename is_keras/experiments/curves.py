"""Curves of repeated runs: mean ± std, and samples / seconds until a target value (any metric)."""

from __future__ import annotations

import dataclasses

import numpy as np

from is_keras.experiments.metric import get_metric
from is_keras.experiments.run_result import RunResult


@dataclasses.dataclass
class MeanCurve:
    """Runs of one method averaged at their shared evaluation points.

    Attributes:
        samples, seconds: samples seen (by the first run) and mean training seconds at each evaluation.
        mean, std: mean and population std (``ddof=0``) of the metric over runs.
        runs: number of runs averaged; metric: the metric's name (``"one_minus_auc"``, ``"one_minus_ap50"``).
    Example:
        >>> MeanCurve(np.array([10]), np.array([1.0]), np.array([0.5]), np.zeros(1), 1).metric
        'one_minus_auc'
    """

    samples: np.ndarray
    seconds: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    runs: int
    metric: str = "one_minus_auc"


def mean_curve(results: list[RunResult]) -> MeanCurve:
    """Average the metric (and training seconds) over runs, truncated to the shortest run.

    Args:
        results: runs of one configuration (several seeds), all of one metric.
    Returns: A :class:`MeanCurve`.
    Raises: ValueError: for no runs, a run without evaluations, or runs of different metrics.
    Example:
        >>> runs = [RunResult(np.array([64, 128]), np.array([1.0, 2.0]), np.array(v), {}, {})
        ...         for v in ([0.5, 0.25], [0.25, 0.125])]
        >>> curve = mean_curve(runs)
        >>> curve.mean.tolist(), curve.std.tolist()
        ([0.375, 0.1875], [0.125, 0.0625])
    """
    if not results:
        raise ValueError("mean_curve needs at least one run")
    metrics = {r.metric for r in results}
    if len(metrics) != 1:
        raise ValueError(f"the runs have different metrics {sorted(metrics)}")
    length = min(len(r.values) for r in results)
    if length == 0:
        raise ValueError("a run has no evaluations; lower eval_every or train longer")
    values = np.stack([r.values[:length] for r in results])
    seconds = np.stack([r.seconds[:length] for r in results])
    return MeanCurve(samples=np.asarray(results[0].samples[:length]), seconds=seconds.mean(axis=0),
                     mean=values.mean(axis=0), std=values.std(axis=0), runs=len(results), metric=metrics.pop())


def first_reaching(curve: MeanCurve, target: float) -> tuple[float, float]:
    """(samples, seconds) at the first evaluation whose mean reaches ``target`` (lower is better: ``<=``), else NaNs.

    Args:
        curve, target: a :class:`MeanCurve` and the value to reach.
    Returns: ``(samples, seconds)`` as floats.
    Example:
        >>> first_reaching(MeanCurve(np.array([10, 20]), np.array([1.0, 2.0]),
        ...                          np.array([0.5, 0.1]), np.zeros(2), 1), 0.2)
        (20.0, 2.0)
    """
    reached = np.flatnonzero(get_metric(curve.metric).reached(curve.mean, target))
    return (float(curve.samples[reached[0]]), float(curve.seconds[reached[0]])) if reached.size else (np.nan, np.nan)


def time_to_baseline_best(curves: dict[str, MeanCurve], baseline: str = "nis") -> list[dict]:
    """For each method: samples and seconds to reach the baseline's best mean value, and ratios.

    Args:
        curves: ``{method: MeanCurve}``, all of one metric.
        baseline: the key of the reference curve (uniform sampling).
    Returns:
        One row per method: ``method``, ``target_<metric>``, ``best_<metric>`` (the best of the mean curve),
        ``samples``, ``seconds``, ``samples_ratio``, ``seconds_ratio`` (NaN: not reached).
    Raises: ValueError: when ``baseline`` is not among the curves.
    Example:
        >>> a = MeanCurve(np.array([1, 2]), np.array([1.0, 2.0]), np.array([0.5, 0.2]), np.zeros(2), 1)
        >>> b = MeanCurve(np.array([1, 2]), np.array([1.0, 2.0]), np.array([0.2, 0.1]), np.zeros(2), 1)
        >>> [(r["method"], r["samples_ratio"]) for r in time_to_baseline_best({"nis": a, "is": b})]
        [('nis', 1.0), ('is', 0.5)]
    """
    if baseline not in curves:
        raise ValueError(f"the baseline method {baseline!r} is not among the compared methods")
    metric = get_metric(curves[baseline].metric)
    target = metric.best(curves[baseline].mean)
    base_samples, base_seconds = first_reaching(curves[baseline], target)
    rows = []
    for method, curve in curves.items():
        samples, seconds = first_reaching(curve, target)
        rows.append({"method": method, f"target_{metric.name}": target, f"best_{metric.name}": metric.best(curve.mean),
                     "samples": samples, "seconds": seconds, "samples_ratio": samples / base_samples,
                     "seconds_ratio": seconds / base_seconds})
    return rows


def format_table(rows: list[dict]) -> str:
    """The time-to-baseline table as aligned text, one line per method, headed by the target.

    Args:
        rows: from :func:`time_to_baseline_best`.
    Example:
        >>> rows = [{"method": "nis", "target_one_minus_auc": 0.1, "best_one_minus_auc": 0.1, "samples": 64.0,
        ...          "seconds": 1.0, "samples_ratio": 1.0, "seconds_ratio": 1.0}]
        >>> print(format_table(rows))
        target: uniform sampling's best mean 1-AUC = 0.10000
        method              best mean 1-AUC   samples   ratio   seconds   ratio
        nis                         0.10000        64    1.00      1.00    1.00
    """
    name = next(key[len("target_"):] for key in rows[0] if key.startswith("target_"))
    metric = get_metric(name)
    d = metric.digits
    width = max([18] + [len(row["method"]) + 2 for row in rows])
    best = f"best mean {metric.label}"  # the best point of the mean curve over runs, not the best single run
    header = f"{'method':<{width}}{best:>17}{'samples':>10}{'ratio':>8}{'seconds':>10}{'ratio':>8}"
    lines = [f"target: uniform sampling's best mean {metric.label} = {rows[0][f'target_{name}']:.{d}f}", header]
    for row in rows:
        if np.isnan(row["samples"]):
            lines.append(f"{row['method']:<{width}}{row[f'best_{name}']:>17.{d}f}{'not reached':>36}")
            continue
        lines.append(f"{row['method']:<{width}}{row[f'best_{name}']:>17.{d}f}{row['samples']:>10.0f}"
                     f"{row['samples_ratio']:>8.2f}{row['seconds']:>10.2f}{row['seconds_ratio']:>8.2f}")
    return "\n".join(lines)
