"""The task core: TrainingConfig, RunResult, run() over tasks, compare's up-front validation, strict summary files."""

import csv
import json

import numpy as np
import pytest

from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.compare import compare, compare_methods, plan_methods
from is_keras.experiments.curves import mean_curve
from is_keras.experiments.detection_task import DetectionTask
from is_keras.experiments.json_files import atomic_write_json
from is_keras.experiments.options import apply_options
from is_keras.experiments.run import run, run_training
from is_keras.experiments.run_result import RunResult
from is_keras.experiments.summary import summarize
from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig


def _strict_load(path):
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name} in {path}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_training_config_validates_and_round_trips():
    config = TrainingConfig(model="resnet18", model_kwargs={"width": 4}, epochs=3, batch_size=32, learning_rate=0.01,
                            eval_every=None, seed=7, histogram_epochs=[1, 3])
    assert config.histogram_epochs == (1, 3)
    data = config.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert TrainingConfig.from_dict(data) == config
    with pytest.raises(ValueError, match="unknown training config key.*epoch"):
        TrainingConfig.from_dict({"epoch": 3})
    for bad, match in (({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"), ({"eval_every": 0}, "eval_every"),
                       ({"learning_rate": 0.0}, "learning_rate"), ({"learning_rate": float("nan")}, "learning_rate"),
                       ({"learning_rate": -1e-3}, "learning_rate"), ({"model": ""}, "model"),
                       ({"histogram_epochs": (0,)}, "histogram_epochs"), ({"seed": 1.5}, "seed")):
        with pytest.raises(ValueError, match=match):
            TrainingConfig(**bad)


def test_run_result_round_trip_aliases_and_old_files():
    result = RunResult(np.array([64, 128]), np.array([0.5, 1.0]), np.array([0.25, np.nan]), {"seed": 0}, {"x": 1})
    assert result.one_minus_auc is result.values
    with pytest.raises(AttributeError, match="one_minus_auc"):
        _ = result.one_minus_ap50
    data = result.to_dict()
    assert data["metric"] == "one_minus_auc" and data["one_minus_auc"][0] == 0.25
    back = RunResult.from_dict(json.loads(json.dumps(data)))
    np.testing.assert_array_equal(back.values, result.values)
    assert back.samples.dtype == np.int64 and back.epochs is None
    # a file written before the metric was saved, and a detection result with epochs and a null value
    old = RunResult.from_dict({"samples": [1], "seconds": [1.0], "one_minus_auc": [0.5], "config": {}})
    assert old.metric == "one_minus_auc" and old.one_minus_auc.tolist() == [0.5]
    det = RunResult.from_dict({"metric": "one_minus_ap50", "samples": [8, 16], "seconds": [1.0, 2.0],
                               "one_minus_ap50": [0.9, None], "epochs": [0.5, 1.0], "config": {}})
    assert det.one_minus_ap50[0] == 0.9 and np.isnan(det.one_minus_ap50[1]) and det.epochs.tolist() == [0.5, 1.0]
    with pytest.raises(ValueError, match="metric values"):
        RunResult.from_dict({"samples": [], "seconds": [], "config": {}})


def test_options_are_split_between_the_configs_and_unknown_ones_named():
    sampler, training, rest = apply_options(SamplerConfig(), TrainingConfig(),
                                            {"method": "nis", "epochs": 2, "table_score": "entropy"},
                                            extra=("table_score",))
    assert (sampler.method, training.epochs, rest) == ("nis", 2, {"table_score": "entropy"})
    with pytest.raises(ValueError, match="unknown option.*every_n_batches"):
        apply_options(SamplerConfig(), TrainingConfig(), {"every_n_batches": 3})


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    x = rng.random((48, 8, 8, 1), dtype=np.float32)
    y = np.arange(48) % 3
    x[y == 1] += 0.5  # something to learn
    return (x[:32], y[:32]), (x[32:], y[32:])


def test_run_training_is_run_with_the_classification_task(tiny):
    train, val = tiny
    flat = run_training(train, val, method="is-probabilistic", exponent=0.5, epochs=2, batch_size=8, eval_every=2,
                        seed=3, model_kwargs={"width": 1})
    core = run(ClassificationTask(), train, val, sampler_config=SamplerConfig(exponent=0.5),
               training_config=TrainingConfig(model_kwargs={"width": 1}, epochs=2, batch_size=8, eval_every=2, seed=3))
    np.testing.assert_array_equal(flat.one_minus_auc, core.values)
    np.testing.assert_array_equal(flat.final_loss_table, core.final_loss_table)
    assert flat.samples.tolist() == [16, 32, 48, 64] and flat.metric == "one_minus_auc"
    config = flat.config
    assert (config["task"], config["method"], config["exponent"], config["seed"], config["eval_every"]) == (
        "classification", "is-probabilistic", 0.5, 3, 2)
    assert (config["num_train"], config["num_val"], config["num_classes"]) == (32, 16, 3)
    assert config["parameters"] > 0 and json.loads(json.dumps(flat.to_dict())) == flat.to_dict()
    with pytest.raises(ValueError, match="unknown option"):
        run_training(train, val, every_n_batches=2)


class CountingTask(ClassificationTask):
    """A classification task that counts how many runs it prepared."""

    def __init__(self):
        self.setups = 0

    def setup(self, train, val, training_config):
        self.setups += 1
        return super().setup(train, val, training_config)


def test_compare_refuses_bad_methods_before_training(tiny):
    train, val = tiny
    task = CountingTask()
    with pytest.raises(ValueError, match="is-randomsubset"):  # unbiased needs draw probabilities
        compare(task, train, val, ["nis", "is-randomsubset"], sampler_config=SamplerConfig(unbiased=True))
    with pytest.raises(ValueError, match="uniform_mix"):
        compare(task, train, val, ["is-probabilistic", "nis"], sampler_config=SamplerConfig(uniform_mix=0.1))
    with pytest.raises(ValueError, match="unknown sampling method"):
        compare(task, train, val, ["nis", "is-bogus"])
    with pytest.raises(ValueError, match="duplicate"):
        compare(task, train, val, ["nis", "nis"])
    with pytest.raises(ValueError, match="runs"):
        compare(task, train, val, ["nis"], runs=0)
    assert task.setups == 0
    plan = plan_methods(DetectionTask(), ["nis", "is-probabilistic+entropy"])
    assert [(spec, t.table_score, c.method) for spec, t, c in plan] == [
        ("nis", "loss", "nis"), ("is-probabilistic+entropy", "entropy", "is-probabilistic")]


def test_compare_uses_the_same_seeds_for_every_method(tiny):
    train, val = tiny
    lines = []
    results = compare_methods(train, val, ["nis", "is-probabilistic"], runs=2, seed=5, progress=lines.append,
                              epochs=1, batch_size=8, eval_every=2, model_kwargs={"width": 1})
    assert {m: [r.config["seed"] for r in runs] for m, runs in results.items()} == {
        "nis": [5, 6], "is-probabilistic": [5, 6]}
    assert len(lines) == 4 and "best 1-AUC" in lines[0]
    # the same seed gives the same initial model: the first evaluation is after the same first-pass batches
    # (every method draws the first pass in the same seeded order), so the two methods' first values agree
    assert results["nis"][0].values[0] == results["is-probabilistic"][0].values[0]


def _fake(values, seed, metric="one_minus_ap50", epochs=True, hist=None):
    values = np.asarray(values, dtype=float)
    n = len(values)
    return RunResult(samples=np.arange(1, n + 1) * 8, seconds=np.arange(1.0, n + 1), values=values,
                     config={"seed": seed, "task": "detection"}, environment={"tensorflow": "x"}, metric=metric,
                     epochs=np.arange(1, n + 1) / 2 if epochs else None, loss_histograms=hist or {})


def test_summarize_is_one_pipeline_for_detection_with_strict_json(tmp_path):
    hist = {1: np.array([1.0, 2.0]), 2: np.array([0.5, 3.0])}
    results = {"nis": [_fake([0.9, 0.5, 0.4], 0), _fake([0.8, 0.6, 0.4], 1)],
               "is-probabilistic+closeness": [_fake([0.9, 0.95, 0.9], 0, hist=hist), _fake([0.9, 0.9, 0.9], 1)]}
    table = summarize(results, tmp_path, title="shapes", figure_name="detect_compare.png")
    assert table.splitlines()[0] == "target: uniform sampling's best mean 1-AP50 = 0.4000"
    assert "not reached" in table.splitlines()[3]
    rows = list(csv.DictReader((tmp_path / "curves.csv").open()))
    assert list(rows[0]) == ["method", "run", "seed", "epoch", "samples", "seconds", "one_minus_ap50"]
    assert [float(r["epoch"]) for r in rows[:3]] == [0.5, 1.0, 1.5]
    summary = _strict_load(tmp_path / "summary.json")
    assert summary["metric"] == "one_minus_ap50"
    assert summary["table"][0]["target_one_minus_ap50"] == pytest.approx(0.4)
    assert summary["table"][1]["samples"] is None and summary["table"][1]["samples_ratio"] is None  # NaN -> null
    assert summary["final_one_minus_ap50"] == {"nis": [0.4, 0.4], "is-probabilistic+closeness": [0.9, 0.9]}
    assert (tmp_path / "detect_compare.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "loss_hist_is-probabilistic_closeness.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "loss_hist_nis.png").exists()


def test_mean_curve_refuses_runs_of_different_metrics():
    with pytest.raises(ValueError, match="different metrics"):
        mean_curve([_fake([0.5], 0), _fake([0.5], 1, metric="one_minus_auc", epochs=False)])


def test_atomic_json_writes_null_for_nan_and_refuses_objects(tmp_path):
    path = atomic_write_json(tmp_path / "a.json", {"x": [1.0, float("nan"), float("inf")], "y": np.float32(2)})
    assert _strict_load(path) == {"x": [1.0, None, None], "y": 2.0}
    with pytest.raises(TypeError):
        atomic_write_json(path, {"x": object()})
    assert _strict_load(path)["y"] == 2.0 and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_detection_task_refuses_other_models_and_batch_evaluation():
    from is_keras.experiments.detection import shapes_splits

    train, val = shapes_splits(4, 2, image_size=64, seed=0)
    task = DetectionTask(num_anchors=2)
    with pytest.raises(ValueError, match="yolov2"):
        task.setup(train, val, TrainingConfig(model="crapnet", eval_every=None))
    with pytest.raises(ValueError, match="eval_every"):
        task.setup(train, val, task.default_training_config().replace(eval_every=5))
    with pytest.raises(ValueError, match="unknown table score"):
        DetectionTask(table_score="variance")
