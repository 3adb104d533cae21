"""Convergence speed and max performance (thesis §5.1.1) on hand-made curves with known answers."""

import numpy as np
import pytest

from is_keras.experiments.convergence import (
    best_window,
    convergence_point,
    run_convergence,
    summarize_convergence,
    window_evaluations,
)
from is_keras.experiments.run_result import RunResult


def _result(values, eval_every=10, batch_size=32, seed=0):
    values = np.asarray(values, dtype=float)
    samples = np.arange(1, len(values) + 1) * eval_every * batch_size
    return RunResult(samples=samples, seconds=np.arange(1.0, len(values) + 1), values=values,
                     config={"eval_every": eval_every, "seed": seed}, environment={})


def test_window_in_batches_becomes_window_in_evaluations():
    assert window_evaluations(2000, 1) == 2000
    assert window_evaluations(2000, 10) == 200
    assert window_evaluations(2000, 3) == 667  # 666.7 rounds to nearest
    assert window_evaluations(24, 10) == 2  # 2.4
    assert window_evaluations(26, 10) == 3  # 2.6
    assert window_evaluations(5, 10) == 1  # shorter than one period: one evaluation
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="window_batches"):
            window_evaluations(bad, 10)
    with pytest.raises(ValueError, match="eval_every"):
        window_evaluations(100, 0)


def test_best_window_is_the_lowest_mean_against_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(50):
        values = rng.random(rng.integers(5, 40))
        k = int(rng.integers(1, len(values) + 1))
        means = [values[i:i + k].mean() for i in range(len(values) - k + 1)]
        start, mean = best_window(values, k)
        assert start == int(np.argmin(means))
        assert mean == pytest.approx(min(means), rel=1e-12)


def test_ties_go_to_the_earliest_window():
    # windows of 2 starting at 1 and at 4 both average 0.25
    assert best_window([0.5, 0.25, 0.25, 0.5, 0.25, 0.25], 2) == (1, 0.25)
    # a flat tail: every window over it ties, the first one wins (where convergence starts)
    assert best_window([0.9, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1], 3) == (2, pytest.approx(0.1))
    # ties up to floating-point rounding of the mean also go to the earliest
    # (0.1 + 0.2 + 0.3) / 3 rounds above (0.3 + 0.2 + 0.1) / 3; a plain argmin would pick the later one
    values = np.array([0.1, 0.2, 0.3, 9.0, 0.3, 0.2, 0.1])
    means = np.lib.stride_tricks.sliding_window_view(values, 3).mean(axis=1)
    assert means[0] > means[4] and np.argmin(means) == 4
    assert best_window(values, 3)[0] == 0


def test_window_longer_than_curve_is_an_error_or_the_whole_curve():
    with pytest.raises(ValueError, match="longer than the curve"):
        best_window([0.3, 0.2, 0.1], 4)
    assert best_window([0.3, 0.2, 0.1], 4, short="whole") == (0, pytest.approx(0.2))
    assert best_window([0.3, 0.2, 0.1], 3) == (0, pytest.approx(0.2))  # exactly as long: one window
    with pytest.raises(ValueError, match="short"):
        best_window([0.3], 1, short="clip")


def test_bad_curves_are_rejected():
    with pytest.raises(ValueError, match="non-empty"):
        best_window([], 1)
    with pytest.raises(ValueError, match="NaN"):
        best_window([0.1, np.nan], 1)
    with pytest.raises(ValueError, match="window"):
        best_window([0.1, 0.2], 0)
    with pytest.raises(ValueError, match="same shape"):
        convergence_point([1, 2, 3], [0.1, 0.2], window_batches=10, eval_every=10)


def test_convergence_point_uses_samples_at_the_windows_first_evaluation():
    # eval_every 10, batch 32: evaluation i at (i + 1) * 320 samples.
    values = [0.5, 0.3, 0.2, 0.05, 0.04, 0.06, 0.2, 0.3]
    samples = (np.arange(len(values)) + 1) * 320
    # window of 30 batches = 3 evaluations: means 0.333, 0.183, 0.097, 0.05, 0.1, 0.187 -> starts at index 3
    point = convergence_point(samples, values, window_batches=30, eval_every=10)
    assert point.start == 3 and point.window == 3
    assert point.samples == 4 * 320
    assert point.performance == pytest.approx(0.05)
    # a 10-batch window is a single evaluation: the curve's minimum
    point = convergence_point(samples, values, window_batches=10, eval_every=10)
    assert (point.start, point.samples, point.performance) == (4, 5 * 320, 0.04)


def test_run_convergence_reads_eval_every_from_the_run():
    result = _result([0.5, 0.3, 0.2, 0.05, 0.04, 0.06, 0.2, 0.3], eval_every=5, batch_size=32)
    # 15 batches / eval_every 5 = 3 evaluations
    point = run_convergence(result, window_batches=15)
    assert point.start == 3 and point.samples == 4 * 5 * 32
    with pytest.raises(ValueError, match="eval_every"):
        run_convergence(RunResult(result.samples, result.seconds, result.one_minus_auc, {}, {}), 15)


def test_mean_and_std_over_runs():
    runs = [
        _result([0.5, 0.1, 0.1, 0.3], seed=0),  # window 1 eval: start 1 -> 640 samples, 0.1
        _result([0.5, 0.4, 0.3, 0.2], seed=1),  # start 3 -> 1280 samples, 0.2
        _result([0.05, 0.4, 0.3, 0.2], seed=2),  # start 0 -> 320 samples, 0.05
    ]
    summary = summarize_convergence(runs, window_batches=10)
    assert summary.runs == 3
    np.testing.assert_allclose(summary.speeds, [640, 1280, 320])
    np.testing.assert_allclose(summary.performances, [0.1, 0.2, 0.05])
    assert summary.speed_mean == pytest.approx(np.mean([640, 1280, 320]))
    assert summary.speed_std == pytest.approx(np.std([640, 1280, 320]))
    assert summary.performance_mean == pytest.approx(0.35 / 3)
    assert summary.performance_std == pytest.approx(np.std([0.1, 0.2, 0.05]))
    assert summary.to_dict()["speeds"] == [640.0, 1280.0, 320.0]
    with pytest.raises(ValueError, match="at least one run"):
        summarize_convergence([], 10)
