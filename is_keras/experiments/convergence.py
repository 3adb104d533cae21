"""Convergence speed and max performance of a metric curve (thesis §5.1.1): in the window of ``W`` batches with the
lowest mean metric, max performance is that mean and convergence speed the samples seen at the window's start."""

from __future__ import annotations

import dataclasses

import numpy as np

from is_keras.experiments.run_result import RunResult

#: The thesis's window: 2000 batches (§5.1.1).
THESIS_WINDOW_BATCHES = 2000

#: Window means closer to the best than this (relative) count as ties; the earliest wins.
TIE_TOLERANCE = 1e-12


def window_evaluations(window_batches: int, eval_every: int) -> int:
    """How many evaluations a window of ``window_batches`` batches spans: ``round(window_batches / eval_every)``, >= 1.

    Example:
        >>> window_evaluations(2000, 10), window_evaluations(25, 10), window_evaluations(3, 10)
        (200, 2, 1)
    """
    for name, value in (("window_batches", window_batches), ("eval_every", eval_every)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return max(1, int(round(window_batches / eval_every)))


def best_window(values, window: int, *, short: str = "error") -> tuple[int, float]:
    """Start index and mean of the ``window``-long stretch of ``values`` with the lowest mean (ties: the earliest).

    Args:
        values: the curve, one value per evaluation.
        window: window length in evaluations (>= 1).
        short: for a curve shorter than the window: ``"error"`` raises ``ValueError``; ``"whole"`` uses the whole curve.
    Example:
        >>> best_window([0.5, 0.25, 0.25, 0.5, 0.25, 0.25], 2)   # windows 1 and 4 tie: earliest
        (1, 0.25)
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D curve, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values contain NaN or infinite entries")
    if isinstance(window, bool) or int(window) != window or window < 1:
        raise ValueError(f"window must be an integer >= 1 (evaluations), got {window!r}")
    if short not in ("error", "whole"):
        raise ValueError(f"short must be 'error' or 'whole', got {short!r}")
    if window > values.size:
        if short == "error":
            raise ValueError(f"the window ({window} evaluations) is longer than the curve ({values.size} evaluations); "
                             "use a shorter window, train longer, or evaluate more often")
        return 0, float(values.mean())
    means = np.lib.stride_tricks.sliding_window_view(values, int(window)).mean(axis=1)
    best = means.min()
    start = int(np.flatnonzero(means <= best + TIE_TOLERANCE * max(1.0, abs(best)))[0])
    return start, float(means[start])


@dataclasses.dataclass
class Convergence:
    """Where one run converged.

    Attributes:
        samples: convergence speed, samples seen at the best window's first evaluation.
        performance: max performance, the best window's mean 1-AUC.
        start: index of the window's first evaluation.
        window: the window's length in evaluations.
    """

    samples: float
    performance: float
    start: int
    window: int


def convergence_point(samples, values, window_batches: int, eval_every: int, *, short: str = "error") -> Convergence:
    """Convergence speed and max performance of one curve.

    Args:
        samples, values: samples seen and the metric (e.g. 1-AUC) at each evaluation.
        window_batches: the window in training batches (thesis: 2000).
        eval_every: batches between evaluations of the curve; short: see :func:`best_window`.
    Example:
        >>> c = convergence_point([64, 128, 192, 256], [0.4, 0.1, 0.1, 0.2], window_batches=20, eval_every=10)
        >>> c.samples, c.performance
        (128.0, 0.1)
    """
    samples, values = np.asarray(samples), np.asarray(values, dtype=np.float64)
    if samples.shape != values.shape:
        raise ValueError(f"samples {samples.shape} and values {values.shape} must have the same shape")
    window = window_evaluations(window_batches, eval_every)
    start, mean = best_window(values, window, short=short)
    return Convergence(samples=float(samples[start]), performance=mean, start=start, window=min(window, values.size))


def run_convergence(result: RunResult, window_batches: int, *, short: str = "error") -> Convergence:
    """:func:`convergence_point` of a :class:`RunResult`, using its recorded ``eval_every``.

    Example:
        >>> result = RunResult(np.array([64, 128, 192]), np.ones(3), np.array([0.3, 0.1, 0.2]), {"eval_every": 1}, {})
        >>> run_convergence(result, window_batches=1).samples
        128.0
    """
    eval_every = result.config.get("eval_every")
    if eval_every is None:
        raise ValueError("the run's config does not record eval_every")
    return convergence_point(result.samples, result.values, window_batches, eval_every, short=short)


@dataclasses.dataclass
class ConvergenceSummary:
    """Convergence speed and max performance over repeated runs: mean and (population) std."""

    speed_mean: float
    speed_std: float
    performance_mean: float
    performance_std: float
    runs: int
    speeds: np.ndarray
    performances: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {**dataclasses.asdict(self), "speeds": self.speeds.tolist(), "performances": self.performances.tolist()}


def summarize_convergence(results: list[RunResult], window_batches: int, *, short: str = "error") -> ConvergenceSummary:
    """Mean ± one standard deviation (``ddof=0``, as :func:`mean_curve`) over runs.

    Example:
        >>> runs = [RunResult(np.array([64, 128]), np.ones(2), np.array(v), {"eval_every": 1}, {})
        ...         for v in ([0.3, 0.1], [0.1, 0.3])]
        >>> s = summarize_convergence(runs, window_batches=1)
        >>> f"{s.speed_mean:.0f} ± {s.speed_std:.0f} samples"
        '96 ± 32 samples'
    """
    if not results:
        raise ValueError("summarize_convergence needs at least one run")
    points = [run_convergence(r, window_batches, short=short) for r in results]
    speeds = np.array([p.samples for p in points], dtype=np.float64)
    performances = np.array([p.performance for p in points], dtype=np.float64)
    return ConvergenceSummary(speed_mean=float(speeds.mean()), speed_std=float(speeds.std()),
                              performance_mean=float(performances.mean()), performance_std=float(performances.std()),
                              runs=len(points), speeds=speeds, performances=performances)
