"""Sweeps: grid expansion, stable run IDs, shards, atomic saves, and resuming after a kill."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from is_keras.experiments.sweep import (
    RUNS_DIR,
    SweepConfig,
    atomic_write_json,
    expand_sweep,
    load_sweep_config,
    load_sweep_results,
    parse_shard,
    run_sweep,
    shard_specs,
)

TINY = {
    "name": "tiny", "kind": "custom", "dataset": "digits", "models": ["crapnet"], "widths": [2],
    "methods": ["nis", "is-probabilistic"], "runs": 2, "epochs": 1, "batch_size": 64, "eval_every": 5,
    "window": 10,
}


def test_grid_expands_in_a_fixed_order_with_the_expected_count():
    config = {"kind": "model_complexity", "models": ["crapnet", "resnet18"],
              "params": {"crapnet": [5000, 20000], "resnet18": [50000]}, "runs": 3, "seed": 10}
    specs = expand_sweep(config)
    assert len(specs) == (2 + 1) * 2 * 3  # sizes × methods (nis, is-probabilistic) × seeds
    order = [(s.model, s.model_kwargs["params"], s.method, s.seed) for s in specs]
    expected = [(m, p, method, seed)
                for m, sizes in (("crapnet", (5000, 20000)), ("resnet18", (50000,)))
                for p in sizes for method in ("nis", "is-probabilistic") for seed in (10, 11, 12)]
    assert order == expected
    assert [s.run_id for s in specs] == [s.run_id for s in expand_sweep(config)]  # deterministic
    assert len({s.run_id for s in specs}) == len(specs)


def test_exponents_only_multiply_methods_that_use_them():
    specs = expand_sweep({"kind": "loss_exponent", "runs": 2})
    nis = [s for s in specs if s.method == "nis"]
    prob = [s for s in specs if s.method == "is-probabilistic"]
    assert len(nis) == 2 and all(s.exponent is None for s in nis)
    assert sorted({s.exponent for s in prob}) == [0.1, 0.5, 1.0, 1.5, 2.0] and len(prob) == 10
    methods = expand_sweep({"kind": "is_methods", "runs": 1})
    assert [s.method for s in methods] == ["nis", "is-probabilistic", "is-randomsubset", "is-highsubset"]
    random_subset, high_subset = methods[2], methods[3]
    assert random_subset.subset_fraction == 0.1 and random_subset.subset_size is None
    assert random_subset.exponent is None
    assert high_subset.subset_size == 1000 and high_subset.exponent == 1.0


def test_run_ids_change_with_the_run_but_not_with_the_analysis_window():
    base = expand_sweep(TINY)
    assert base[0].run_id.startswith("crapnet-width2-nis-s0-")
    assert [s.run_id for s in expand_sweep({**TINY, "window": 500})] == [s.run_id for s in base]
    assert not {s.run_id for s in expand_sweep({**TINY, "epochs": 2})} & {s.run_id for s in base}
    assert not {s.run_id for s in expand_sweep({**TINY, "dataset_kwargs": {"val_fraction": 0.3}})} & {
        s.run_id for s in base}


def test_config_files_and_bad_configs(tmp_path):
    import yaml

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(TINY))
    (tmp_path / "a.json").write_text(json.dumps(TINY))
    from_yaml, from_json = load_sweep_config(tmp_path / "a.yaml"), load_sweep_config(tmp_path / "a.json")
    assert from_yaml == from_json == SweepConfig.from_dict(TINY)
    assert SweepConfig.from_dict(from_yaml.to_dict()) == from_yaml
    assert SweepConfig.from_dict({"kind": "loss_exponent", "exponents": [2.0]}).exponents == [2.0]
    with pytest.raises(ValueError, match="unknown sweep config key.*epoch"):
        SweepConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="unknown method"):
        SweepConfig.from_dict({"methods": ["nis", "is-best"]})
    with pytest.raises(ValueError, match="unknown sweep kind"):
        SweepConfig.from_dict({"kind": "speed"})
    with pytest.raises(ValueError, match="runs"):
        SweepConfig.from_dict({"runs": 0})
    with pytest.raises(ValueError, match="not both"):
        SweepConfig.from_dict({"params": [1000], "widths": [2]})
    with pytest.raises(ValueError, match="not for model 'resnet18'"):
        expand_sweep({"models": ["crapnet", "resnet18"], "params": {"crapnet": [1000]}})
    with pytest.raises(ValueError, match="does not exist"):
        load_sweep_config(tmp_path / "missing.yaml")


def test_shards_partition_the_runs():
    specs = expand_sweep({"kind": "is_methods", "runs": 5})
    shards = [shard_specs(specs, i, 3) for i in range(3)]
    ids = [s.run_id for shard in shards for s in shard]
    assert sorted(ids) == sorted(s.run_id for s in specs) and len(ids) == len(set(ids))
    assert [s.run_id for s in shards[1]] == [s.run_id for s in specs[1::3]]
    assert parse_shard("2/3") == (2, 3)
    for bad in ("3/3", "1", "a/b", "0/0", "-1/2"):
        with pytest.raises(ValueError, match="shard"):
            parse_shard(bad)


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    path = atomic_write_json(tmp_path / "r.json", {"x": 1})
    with pytest.raises(TypeError):
        atomic_write_json(path, {"x": object()})
    assert json.loads(path.read_text()) == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


def test_a_window_longer_than_the_runs_is_refused_before_anything_runs(tmp_path):
    # digits: 1347 training samples, batch 64 -> 22 batches per epoch; 1 epoch = 4 evaluations
    with pytest.raises(ValueError, match="window .* is longer than a run"):
        run_sweep({**TINY, "window": 50}, tmp_path, progress=None)
    assert not list(tmp_path.glob(f"{RUNS_DIR}/*.json"))


def test_killed_sweep_resumes_without_redoing_or_losing_finished_runs(tmp_path):
    config_path = tmp_path / "tiny.json"
    config_path.write_text(json.dumps(TINY))
    out = tmp_path / "out"
    runs_dir = out / RUNS_DIR
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "is_keras", "sweep", str(config_path), "--out", str(out), "--no-plot"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (runs_dir.is_dir() and list(runs_dir.glob("*.json"))):
            assert proc.poll() is None, "the sweep ended before writing any result"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    finished = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in runs_dir.glob("*.json")}
    specs = expand_sweep(TINY)
    assert 1 <= len(finished) < len(specs), "kill the sweep between its first and last run"

    outcome = run_sweep(config_path, out, progress=None)

    assert sorted(f"{i}.json" for i in outcome.skipped) == sorted(finished)
    assert len(outcome.ran) == len(specs) - len(finished)
    for name, (mtime, content) in finished.items():  # untouched: same bytes, same mtime
        assert (runs_dir / name).stat().st_mtime_ns == mtime
        assert (runs_dir / name).read_bytes() == content
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted(f"{s.run_id}.json" for s in specs)

    records = load_sweep_results(out)
    assert [r.run_id for r in records] == [s.run_id for s in specs]  # all present, in grid order
    record = records[-1]
    assert record.spec == specs[-1]
    config = record.result.config
    assert (config["seed"], config["method"], config["epochs"]) == (1, "is-probabilistic", 1)
    assert config["batch_size"] == 64
    assert config["dataset"] == "digits"
    assert {"is_keras", "tensorflow", "device"} <= set(record.result.environment)
    assert record.sweep == {"name": "tiny", "kind": "custom", "window": 10}
    # 1347 samples / 64 -> 22 batches, evaluated every 5: 4 evaluations at 320, 640, 960, 1280 samples
    assert record.result.samples.tolist() == [320, 640, 960, 1280]

    again = run_sweep(config_path, out, progress=None)  # a third start has nothing left to do
    assert again.ran == [] and len(again.skipped) == len(specs)

    # another sweep sharing these runs copies them instead of training again, under its own name
    other = run_sweep({**TINY, "name": "other", "window": 5}, tmp_path / "other", progress=None, reuse=[out])
    assert other.ran == [] and sorted(other.reused) == sorted(s.run_id for s in specs)
    copied = load_sweep_results(tmp_path / "other")
    assert [r.result.one_minus_auc.tolist() for r in copied] == [r.result.one_minus_auc.tolist() for r in records]
    assert copied[0].sweep["name"] == "other" and copied[0].sweep["window"] == 5


def test_unbiased_variants_only_multiply_is_probabilistic_and_keep_biased_ids():
    base = expand_sweep({"kind": "is_methods", "runs": 2})
    both = expand_sweep({"kind": "is_methods", "runs": 2, "unbiased": [False, True]})
    assert len(both) == len(base) + 2  # one more IS-probabilistic line of 2 seeds
    extra = [s for s in both if s.unbiased]
    assert {s.method for s in extra} == {"is-probabilistic"} and len(extra) == 2
    # biased runs keep the IDs (and files) they had before the key existed
    assert [s.run_id for s in both if not s.unbiased] == [s.run_id for s in base]
    assert all("-unbiased-" in s.run_id for s in extra)
    assert extra[0].sampler_config().unbiased is True
    only = expand_sweep({"kind": "model_complexity", "runs": 1, "unbiased": True})
    assert [(s.method, s.unbiased) for s in only] == [("nis", False), ("is-probabilistic", True)]
    with pytest.raises(ValueError, match="unbiased must be true, false or a list"):
        expand_sweep({"kind": "model_complexity", "unbiased": ["yes"]})


def test_unbiased_runs_are_saved_labelled_and_reloaded(tmp_path):
    from is_keras.experiments.sweep_analysis import convergence_table

    config = dict(TINY, methods=["is-probabilistic"], runs=1, unbiased=[False, True])
    outcome = run_sweep(config, tmp_path, progress=lambda *a: None)
    assert len(outcome.ran) == 2
    records = load_sweep_results(tmp_path)
    assert sorted(r.spec.unbiased for r in records) == [False, True]
    assert sorted(r.result.config["unbiased"] for r in records) == [False, True]
    labels = sorted(row["label"] for row in convergence_table(records))
    assert labels == ["IS-probabilistic ω=1", "IS-probabilistic ω=1 unbiased"]


def test_uniform_mix_is_part_of_is_probabilistic_runs_only():
    specs = expand_sweep({"kind": "is_methods", "runs": 1, "uniform_mix": 0.2, "unbiased": True})
    mixed = {s.method: s.uniform_mix for s in specs}
    assert mixed == {"nis": None, "is-probabilistic": 0.2, "is-randomsubset": None, "is-highsubset": None}
    spec = next(s for s in specs if s.method == "is-probabilistic")
    assert "-mix0.2-unbiased-" in spec.run_id and spec.sampler_config().uniform_mix == 0.2
    from is_keras.experiments.sweep_analysis import method_label

    assert method_label(spec) == "IS-probabilistic λ=0.2 unbiased"
    with pytest.raises(ValueError, match="uniform_mix must be in \\[0, 1\\]"):
        expand_sweep({"kind": "model_complexity", "uniform_mix": 2})


def test_the_whole_config_is_checked_and_errors_name_the_key_and_the_file(tmp_path):
    import yaml

    cases = {
        "model.yaml": ({**TINY, "models": ["crapnet", "vgg"]}, "models: unknown model.*'vgg'"),
        "exponent.yaml": ({**TINY, "exponents": [1.0, -2.0]}, r"exponents\[1\] must be a finite number >= 0, got -2.0"),
        "inf.yaml": ({**TINY, "exponents": [float("inf")]}, "exponents"),
        "key.yaml": ({**TINY, "epoch": 3}, "unknown sweep config key.*epoch"),
        "dataset.yaml": ({**TINY, "dataset": "mnistt"}, "dataset: unknown dataset 'mnistt'"),
        "method.yaml": ({**TINY, "methods": ["nis", "is-bogus"]}, "unknown method"),
        "lr.yaml": ({**TINY, "learning_rate": 0}, "learning_rate"),
    }
    for name, (config, match) in cases.items():
        (tmp_path / name).write_text(yaml.safe_dump(config))
        with pytest.raises(ValueError, match=match) as error:
            run_sweep(tmp_path / name, tmp_path / "out", progress=None)
        assert name in str(error.value)
    (tmp_path / "broken.yaml").write_text("runs: [1, 2\n")
    with pytest.raises(ValueError, match="broken.yaml"):
        load_sweep_config(tmp_path / "broken.yaml")
    # a grid point the sampler refuses (uniform_mix with the unbiased variant is fine, an unknown option is not)
    with pytest.raises(ValueError, match="unknown sweep config key.*bogus_option"):
        load_sweep_config({**TINY, "bogus_option": 1})
    assert not (tmp_path / "out").exists()  # nothing started


def test_smoke_runs_every_grid_point_once_in_a_tiny_size(tmp_path):
    from is_keras.experiments.sweep_config import SMOKE_TRAIN, SMOKE_VAL

    config = {**TINY, "methods": ["nis", "is-probabilistic"], "runs": 3, "epochs": 5, "window": 2000}
    outcome = run_sweep(config, tmp_path, smoke=True, progress=None)
    assert len(outcome.ran) == 2  # 2 methods × 1 seed
    records = load_sweep_results(tmp_path)
    assert all("-smoke-" in r.run_id and r.spec.smoke for r in records)
    result = records[0].result
    assert (result.config["num_train"], result.config["num_val"], result.config["epochs"]) == (
        SMOKE_TRAIN, SMOKE_VAL, 1)
    assert result.samples.tolist() == [16 * (i + 1) for i in range(SMOKE_TRAIN // 16)]  # batch 16, every batch
    # smoke runs never stand in for real ones: other run IDs
    assert not {s.run_id for s in expand_sweep(config)} & set(outcome.ran)
    assert json.loads((tmp_path / "sweep.json").read_text())["smoke"] is True
