"""The statistics of ``time_to_accuracy.py``: targets, time to reach them, paired bootstrap ratios.

Pure numpy, no training, so the arithmetic is tested on hand-made curves
(``tests/test_time_to_accuracy.py``). A method's report runs are held as a
:class:`Runs`: one row per seed, one column per evaluation, with the
validation and the test 1-AUC measured at the same points. Validation picks
(the evaluation at which uniform sampling is best), test reports.
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: The two targets: uniform sampling's test 1-AUC where its mean validation curve is best, and at half its run.
TARGETS = ("best", "half")


@dataclasses.dataclass
class Runs:
    """One method's runs, one row per seed (seed order shared by all methods), cut to a common length.

    Attributes:
        samples: (T,) samples seen at each evaluation (the same for every seed).
        seconds: (S, T) training seconds at each evaluation (evaluation time excluded).
        val: (S, T) validation 1-AUC.
        test: (S, T) test 1-AUC.
    """

    samples: np.ndarray
    seconds: np.ndarray
    val: np.ndarray
    test: np.ndarray

    @property
    def seeds(self) -> int:
        return self.test.shape[0]

    def take(self, rows) -> Runs:
        """The runs of the seeds ``rows`` (repeats allowed, for the bootstrap)."""
        rows = np.asarray(rows)
        return Runs(self.samples, self.seconds[rows], self.val[rows], self.test[rows])


def stack_runs(samples: list, seconds: list, val: list, test: list) -> Runs:
    """A :class:`Runs` from per-seed lists of curves, cut to the shortest."""
    length = min(len(v) for v in val + test)
    cut = lambda curves: np.stack([np.asarray(c, dtype=np.float64)[:length] for c in curves])  # noqa: E731
    return Runs(np.asarray(samples[0])[:length], cut(seconds), cut(val), cut(test))


def first_index(curve: np.ndarray, level: float) -> int | None:
    """The first evaluation at which ``curve <= level``; None if never.

    Example:
        >>> first_index(np.array([0.5, 0.3, 0.2, 0.25]), 0.3), first_index(np.array([0.5]), 0.1)
        (1, None)
    """
    hits = np.flatnonzero(np.asarray(curve) <= level)
    return int(hits[0]) if hits.size else None


def half_index(samples: np.ndarray) -> int:
    """The last evaluation at or before half of the run's samples."""
    return int(np.flatnonzero(np.asarray(samples) <= samples[-1] / 2)[-1])


def targets(base: Runs) -> dict[str, float]:
    """The target test 1-AUC levels, from uniform sampling's runs ``base``.

    ``best``: its mean test 1-AUC at the evaluation where its mean **validation**
    curve is lowest (validation picks the point, test gives the level);
    ``half``: its mean test 1-AUC at half of its run.
    """
    mean_test = base.test.mean(axis=0)
    return {"best": float(mean_test[int(np.argmin(base.val.mean(axis=0)))]),
            "half": float(mean_test[half_index(base.samples)])}


def time_to(runs: Runs, level: float) -> tuple[float, float]:
    """(samples, seconds) at which the mean test curve first reaches ``level``; NaNs if never.

    Seconds are the mean over seeds of each run's training seconds at that evaluation.
    """
    i = first_index(runs.test.mean(axis=0), level)
    if i is None:
        return float("nan"), float("nan")
    return float(runs.samples[i]), float(runs.seconds[:, i].mean())


def ratios(method: Runs, base: Runs) -> dict[str, tuple[float, float]]:
    """``{target: (seconds ratio, samples ratio)}``, method over uniform; ``inf`` where the method never gets there."""
    out = {}
    for name, level in targets(base).items():
        base_samples, base_seconds = time_to(base, level)
        samples, seconds = time_to(method, level)
        if np.isnan(seconds):
            out[name] = (float("inf"), float("inf"))
        else:
            out[name] = (seconds / base_seconds, samples / base_samples)
    return out


def bootstrap_ratios(method: Runs, base: Runs, resamples: np.ndarray) -> dict[str, np.ndarray]:
    """Ratios recomputed on seed resamples (paired: the same seeds for the method and for uniform).

    Targets are recomputed on every resample, so their uncertainty is part of the interval.

    Args:
        resamples: (B, S) seed indices, one resample per row.

    Returns:
        ``{target: (B, 2) array of (seconds ratio, samples ratio)}``.
    """
    out = {name: np.empty((len(resamples), 2)) for name in TARGETS}
    for b, rows in enumerate(np.asarray(resamples)):
        for name, pair in ratios(method.take(rows), base.take(rows)).items():
            out[name][b] = pair
    return out


def resample_seeds(seeds: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` bootstrap resamples of ``range(seeds)``, shape (count, seeds)."""
    return rng.integers(0, seeds, size=(count, seeds))


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of bootstrap values: inverted-CDF order statistics (``inf`` allowed).

    Example:
        >>> interval(np.array([3.0, 1.0, 2.0, np.inf]), 0.5)
        (1.0, 3.0)
    """
    values = np.sort(np.asarray(values, dtype=np.float64))
    n = values.size
    tail = (1.0 - level) / 2

    def quantile(q):  # the smallest value whose empirical CDF is >= q
        return float(values[max(0, int(np.ceil(q * n - 1e-9)) - 1)])

    return quantile(tail), quantile(1.0 - tail)


def per_seed(method: Runs, base: Runs, level: float) -> list[dict]:
    """Per seed: reached (bool), seconds to ``level``, ratio to that seed's uniform run (NaN if either misses)."""
    rows = []
    for s in range(method.seeds):
        i = first_index(method.test[s], level)
        j = first_index(base.test[s], level)
        seconds = float(method.seconds[s, i]) if i is not None else float("nan")
        base_seconds = float(base.seconds[s, j]) if j is not None else float("nan")
        rows.append({"seed_index": s, "reached": i is not None, "seconds": seconds,
                     "seconds_ratio": seconds / base_seconds})
    return rows
