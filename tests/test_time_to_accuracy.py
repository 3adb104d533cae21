"""The time-to-accuracy benchmark: its statistics against hand-computed values, and a smoke run end to end."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import time_to_accuracy_stats as stats  # noqa: E402

SAMPLES = np.array([10, 20, 30, 40])
# uniform: validation best at evaluation 2 for both seeds; test mean [0.5, 0.3, 0.2, 0.2]; seconds mean [2, 3, 4, 5]
BASE = stats.Runs(SAMPLES, np.array([[1.0, 2, 3, 4], [3, 4, 5, 6]]),
                  np.array([[0.5, 0.3, 0.2, 0.25], [0.5, 0.3, 0.2, 0.25]]),
                  np.array([[0.6, 0.4, 0.3, 0.3], [0.4, 0.2, 0.1, 0.1]]))
# method: test mean [0.4, 0.2, 0.15, 0.15]; seconds [2, 4, 6, 8]
METHOD = stats.Runs(SAMPLES, np.array([[2.0, 4, 6, 8], [2, 4, 6, 8]]), BASE.val.copy(),
                    np.array([[0.5, 0.2, 0.2, 0.2], [0.3, 0.2, 0.1, 0.1]]))


def test_targets_and_ratios_by_hand():
    assert stats.targets(BASE) == pytest.approx({"best": 0.2, "half": 0.3})
    assert stats.time_to(BASE, 0.2) == (30.0, 4.0)
    assert stats.time_to(METHOD, 0.2) == (20.0, 4.0)
    r = stats.ratios(METHOD, BASE)
    assert r["best"] == pytest.approx((4 / 4, 20 / 30))
    assert r["half"] == pytest.approx((4 / 3, 20 / 20))


def test_bootstrap_enumerated_resamples_by_hand():
    resamples = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    boot = stats.bootstrap_ratios(METHOD, BASE, resamples)
    # (0,0): uniform seed 0 alone: best level 0.3 at 3 s (30 samples), half 0.4 at 2 s; method 0.3 and 0.4 at 4 s
    # (1,1): uniform seed 1 alone: best level 0.1 at 5 s, half 0.2 at 4 s; method 0.1 at 6 s, 0.2 at 4 s
    np.testing.assert_allclose(boot["best"][:, 0], [4 / 3, 1.0, 1.0, 6 / 5])
    np.testing.assert_allclose(boot["best"][:, 1], [20 / 30, 20 / 30, 20 / 30, 30 / 30])
    np.testing.assert_allclose(boot["half"][:, 0], [4 / 2, 4 / 3, 4 / 3, 4 / 4])
    # many random resamples: each of the 4 outcomes has probability 1/4, so the 95% interval is [min, max]
    many = stats.bootstrap_ratios(METHOD, BASE, stats.resample_seeds(2, 400, np.random.default_rng(0)))
    assert stats.interval(many["best"][:, 0]) == pytest.approx((1.0, 4 / 3))
    assert stats.interval(many["half"][:, 0]) == pytest.approx((1.0, 2.0))


def test_never_reaching_gives_inf_and_per_seed_flags():
    slow = stats.Runs(SAMPLES, METHOD.seconds, BASE.val, np.full((2, 4), 0.9))
    assert stats.ratios(slow, BASE)["best"] == (float("inf"), float("inf"))
    assert stats.interval(np.array([1.0, 2.0, np.inf, np.inf]), 0.5) == (1.0, float("inf"))
    rows = stats.per_seed(METHOD, BASE, 0.2)
    assert [r["reached"] for r in rows] == [True, True]
    assert np.isnan(rows[0]["seconds_ratio"])  # uniform's seed 0 alone never gets to 0.2
    assert rows[1]["seconds"] == 4.0 and rows[1]["seconds_ratio"] == 1.0


def test_interval_order_statistics():
    values = np.arange(1, 41, dtype=float)  # 40 values: CDF 1/40 = 2.5% at the 1st, 39/40 = 97.5% at the 39th
    assert stats.interval(values) == (1.0, 39.0)
    assert stats.half_index(np.array([8, 16, 24, 32, 40])) == 1


def test_smoke_run_end_to_end(tmp_path):
    import time_to_accuracy

    summary = time_to_accuracy.main(["--smoke", "--out", str(tmp_path)])
    stem = tmp_path / "time_to_accuracy_digits_smoke"
    for suffix in (".md", ".json", ".png"):
        assert stem.with_suffix(suffix).stat().st_size > 0
    data = json.loads(stem.with_suffix(".json").read_text())  # strict JSON (no NaN literals)
    assert [row["method"] for row in data["rows"]] == ["nis", "is-switch-0.3"]
    nis = data["rows"][0]["targets"]["best"]
    assert nis["seconds_ratio"] == 1.0 and nis["seconds_ratio_ci"] == [1.0, 1.0]
    assert len(nis["per_seed"]) == 2
    # the table's ratios follow from the recorded curves
    curves = {m: stats.Runs(np.array(c["samples"]), np.array(c["seconds"]), np.array(c["val"]), np.array(c["test"]))
              for m, c in data["curves"].items()}
    expected = stats.ratios(curves["is-switch-0.3"], curves["nis"])
    got = data["rows"][1]["targets"]
    for name in stats.TARGETS:
        value = got[name]["seconds_ratio"]
        assert (value == "inf" and expected[name][0] == float("inf")) or value == pytest.approx(expected[name][0])
    assert summary["targets"] == pytest.approx(stats.targets(curves["nis"]))
    # an interrupted run can be summarized from the seeds it saved, with the same result
    again = time_to_accuracy.main(["--smoke", "--out", str(tmp_path), "--summarize-partial"])
    assert again["targets"] == pytest.approx(summary["targets"])
    assert again["rows"][1]["targets"]["best"]["seconds_ratio"] == summary["rows"][1]["targets"]["best"][
        "seconds_ratio"]
    # summarized without the run's flags: the header still names the interrupted run's grid, not the default
    (tmp_path / "time_to_accuracy_digits_partial.json").write_text(
        (tmp_path / "time_to_accuracy_digits_smoke_partial.json").read_text())
    time_to_accuracy.main(["--out", str(tmp_path), "--summarize-partial"])
    header = (tmp_path / "time_to_accuracy_digits.md").read_text().splitlines()[0]
    assert "learning rate per method from ['0.003'] on validation" in header


@pytest.mark.parametrize("preset, method, table_score", [
    ("is-annealed-0.5", "is-annealed", "loss"),
    ("is-annealed-0.5+gradient-norm", "is-annealed", "gradient-norm"),
    ("vr-switch+gradient-norm", "vr-switch", "gradient-norm"),
])
def test_a_preset_reaches_the_run_as_its_sampler_config_and_table_score(preset, method, table_score, monkeypatch):
    import time_to_accuracy

    seen = {}

    def fake_run_training(train, val, *, sampler_config, table_score, **options):
        seen.update(method=sampler_config.method, table_score=table_score,
                    switch_fraction=sampler_config.switch_fraction)
        raise StopIteration

    monkeypatch.setattr(time_to_accuracy, "run_training", fake_run_training)
    data = ((None, None), (None, None), (np.zeros((2, 1)), np.arange(2)))
    with pytest.raises(StopIteration):
        time_to_accuracy.train_once(data, preset, learning_rate=1e-3, seed=0,
                                    schedule={"eval_every": 1, "epochs": 1, "batch_size": 1, "width": 1})
    assert seen["method"] == method and seen["table_score"] == table_score
    fields = dict(time_to_accuracy.PRESETS[preset])
    assert seen["switch_fraction"] == fields.get("switch_fraction", seen["switch_fraction"])


def test_grid_labels_carry_the_learning_rate_and_its_schedule():
    import time_to_accuracy

    assert time_to_accuracy.parse_grid("1e-3,3e-3@cosine,0.01@step") == ["0.001", "0.003@cosine", "0.01@step"]
    assert time_to_accuracy.grid_point("0.003@cosine") == (0.003, "cosine")
    assert time_to_accuracy.grid_point(1e-3) == (0.001, "constant")
    with pytest.raises(ValueError, match="schedule must be constant, cosine or step, got 'linear'"):
        time_to_accuracy.parse_grid("1e-3@linear")


@pytest.fixture
def training_calls(monkeypatch):
    """Replace ``run_training`` in the benchmark by a fake two-evaluation run; return the list of its options."""
    import time_to_accuracy

    calls = []

    class Result:
        samples, seconds, one_minus_auc = np.array([8, 16]), np.array([0.5, 1.0]), np.array([0.3, 0.2])

    def fake_run_training(train, val, *, sampler_config, table_score, **options):
        calls.append(options)
        return Result()

    monkeypatch.setattr(time_to_accuracy, "run_training", fake_run_training)
    return calls


def test_a_finished_run_is_cached_and_a_rerun_skips_it(tmp_path, monkeypatch, training_calls):
    import time_to_accuracy

    calls = training_calls
    cache = tmp_path / "cache.json"
    monkeypatch.setitem(time_to_accuracy.CACHE, "path", cache)
    monkeypatch.setitem(time_to_accuracy.CACHE, "runs", {})
    data = ((None, None), (None, None), (np.zeros((2, 1)), np.arange(2)))
    schedule = {"eval_every": 1, "epochs": 1, "batch_size": 1, "width": 1}
    first = time_to_accuracy.train_once(data, "nis", learning_rate="0.003@cosine", seed=0, schedule=schedule)
    assert calls[0]["learning_rate"] == 0.003 and calls[0]["lr_schedule"] == "cosine"
    monkeypatch.setitem(time_to_accuracy.CACHE, "runs", __import__("json").loads(cache.read_text()))  # a new process
    again = time_to_accuracy.train_once(data, "nis", learning_rate="0.003@cosine", seed=0, schedule=schedule)
    assert len(calls) == 1
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    time_to_accuracy.train_once(data, "nis", learning_rate="0.003@cosine", seed=1, schedule=schedule)
    assert len(calls) == 2  # another seed is another run


def test_a_budget_label_trains_that_many_epochs_under_the_same_cache_key(tmp_path, monkeypatch, training_calls):
    import time_to_accuracy

    calls = training_calls
    monkeypatch.setitem(time_to_accuracy.CACHE, "path", tmp_path / "cache.json")
    monkeypatch.setitem(time_to_accuracy.CACHE, "runs", {})
    data = ((None, None), (None, None), (np.zeros((2, 1)), np.arange(2)))
    schedule = {"eval_every": 1, "epochs": 6, "batch_size": 1, "width": 1}
    time_to_accuracy.train_once(data, "nis", learning_rate="0.003@cosine/4", seed=0, schedule=schedule)
    assert calls[-1]["epochs"] == 4 and calls[-1]["learning_rate"] == 0.003 and calls[-1]["lr_schedule"] == "cosine"
    # the same run asked for as a 4-epoch schedule is the cached one; the full budget is another run
    time_to_accuracy.train_once(data, "nis", learning_rate="0.003@cosine", seed=0, schedule=dict(schedule, epochs=4))
    assert len(calls) == 1
    time_to_accuracy.train_once(data, "nis", learning_rate="0.003@cosine", seed=0, schedule=schedule)
    assert len(calls) == 2 and calls[-1]["epochs"] == 6
    assert time_to_accuracy.grid_point("0.003@cosine/4") == (0.003, "cosine")


def test_each_method_chooses_the_budget_that_reaches_uniforms_validation_best_soonest(monkeypatch):
    import types

    import time_to_accuracy

    def curve(start, end, epochs):  # one evaluation per epoch, 1 s each, falling linearly to ``end``
        val = np.linspace(start, end, epochs)
        return np.arange(1, epochs + 1), np.arange(1.0, epochs + 1), val, val, val

    ends = {("nis", 6): 0.2, ("nis", 4): 0.3, ("adaptive-3", 6): 0.1, ("adaptive-3", 4): 0.19,
            ("adaptive", 6): 0.15, ("adaptive", 4): 0.25}

    def fake_train_once(data, preset, *, learning_rate, seed, schedule):
        rate, schedule = time_to_accuracy.budget_schedule(learning_rate, schedule)
        return curve(1.0, ends[preset, schedule["epochs"]], schedule["epochs"])

    monkeypatch.setattr(time_to_accuracy, "train_once", fake_train_once)
    args = types.SimpleNamespace(select_seeds=1, lr_grid=["0.001@cosine"], epochs=6, max_epochs=6,
                                 flat_tolerance=10.0, budgets=[4, 6])
    chosen, schedule = time_to_accuracy.select(None, ["nis", "adaptive-3", "adaptive"], args,
                                               {"epochs": 6}, lambda text: None)
    # uniform's 4-epoch run never reaches its own full-budget best (0.2): it keeps 6 epochs
    assert chosen["nis"] == "0.001@cosine"
    # reaches 0.2 at 4 s on the short budget, at 6 s on the full one
    assert chosen["adaptive-3"] == "0.001@cosine/4"
    # misses 0.2 on the short budget
    assert chosen["adaptive"] == "0.001@cosine"
    assert schedule == {"epochs": 6}


def test_a_cached_run_is_keyed_by_its_configuration_not_its_preset_name(tmp_path, monkeypatch, training_calls):
    import time_to_accuracy

    calls = training_calls
    monkeypatch.setitem(time_to_accuracy.CACHE, "path", tmp_path / "cache.json")
    monkeypatch.setitem(time_to_accuracy.CACHE, "runs", {})
    data = ((None, None), (None, None), (np.zeros((2, 1)), np.arange(2)))
    schedule = {"eval_every": 1, "epochs": 1, "batch_size": 1, "width": 1}
    time_to_accuracy.train_once(data, "adaptive-3", learning_rate="0.003", seed=0, schedule=schedule)
    monkeypatch.setitem(time_to_accuracy.PRESETS, "adaptive-3", {"method": "adaptive", "selectivity": 4.0})
    time_to_accuracy.train_once(data, "adaptive-3", learning_rate="0.003", seed=0, schedule=schedule)
    assert len(calls) == 2  # same name, same rate and seed, another sampler: trained again
    time_to_accuracy.train_once(data, "adaptive-3", learning_rate="0.003", seed=0, schedule=schedule)
    assert len(calls) == 2
    monkeypatch.setitem(time_to_accuracy.PRESETS, "another-name", {"method": "adaptive", "selectivity": 4.0})
    time_to_accuracy.train_once(data, "another-name", learning_rate="0.003", seed=0, schedule=schedule)
    assert len(calls) == 2  # another name for the same configuration: the same run


def test_the_choice_follows_trained_samples_not_timing_noise(monkeypatch):
    import types

    import time_to_accuracy

    def fake_train_once(data, preset, *, learning_rate, seed, schedule):
        val = {"0.001": np.array([0.5, 0.3, 0.2]), "0.002": np.array([0.5, 0.2, 0.2])}[learning_rate]
        if preset == "nis":
            val = np.array([0.5, 0.4, 0.2])
        seconds = {"0.001": np.array([1.0, 1.5, 2.0]), "0.002": np.array([1.0, 2.5, 3.0])}[learning_rate]
        return np.array([10, 20, 30]), seconds, val, val, val

    monkeypatch.setattr(time_to_accuracy, "train_once", fake_train_once)
    args = types.SimpleNamespace(select_seeds=1, lr_grid=["0.001", "0.002"], epochs=3, max_epochs=3,
                                 flat_tolerance=10.0, budgets=None)
    chosen, _ = time_to_accuracy.select(None, ["nis", "adaptive-3"], args, {"epochs": 3}, lambda text: None)
    # 0.002 reaches uniform's best (0.2) after 20 samples, 0.001 after 30 but in fewer seconds (a slow run)
    assert chosen["adaptive-3"] == "0.002"
