"""benchmarks/gpu_job.py at its smoke size on the CPU: outputs, reuse of finished runs, resume after a crash."""

import csv
import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import gpu_job  # noqa: E402

# smoke size: 300 digits, batch 32 -> 10 steps an epoch, 2 epochs, 1-AUC every 4 steps -> 5 evaluations a run
EVALUATIONS = 5


def _strict(text):
    def refuse(constant):
        raise ValueError(f"non-strict JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("job")
    assert gpu_job.main(["--smoke", "--out", str(out), "--backup-dir", str(out / "backup")]) == 0
    return out


def test_smoke_job_writes_curves_summary_and_figure(job):
    assert keras.mixed_precision.global_policy().name == "float32"  # the policy is put back
    with open(job / "curves.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["method"] for r in rows] == ["nis"] * EVALUATIONS + ["is-probabilistic"] * EVALUATIONS
    for method in ("nis", "is-probabilistic"):
        mine = [r for r in rows if r["method"] == method]
        assert [int(r["samples"]) for r in mine] == [128, 256, 384, 512, 640]  # every 4 steps of 32
        assert [int(r["epoch"]) for r in mine] == [0, 0, 1, 1, 1]
        assert [int(r["evaluation"]) for r in mine] == list(range(EVALUATIONS))
        values = [float(r["one_minus_auc"]) for r in mine]
        assert all(0.0 <= v <= 1.0 for v in values) and values[-1] < values[0]  # it learns
        seconds = [float(r["seconds"]) for r in mine]
        assert seconds == sorted(seconds) and seconds[0] > 0
    summary = _strict((job / "summary.json").read_text())
    assert set(summary["methods"]) == {"nis", "is-probabilistic"}
    for method, entry in summary["methods"].items():
        values = [float(r["one_minus_auc"]) for r in rows if r["method"] == method]
        assert entry["runs"] == 1 and entry["mean"] == values and entry["std"] == [0.0] * EVALUATIONS
        assert entry["final_mean"] == values[-1] and entry["best_mean"] == min(values)
    assert summary["config"]["jit_compile"] is True and summary["config"]["mixed_precision"] is False
    assert summary["config"]["steps_per_execution"] == 2
    assert summary["trained"] == ["nis_seed0", "is-probabilistic_seed0"] and summary["reused"] == []
    assert summary["time_to_uniform_best"][0]["method"] == "nis"
    png = (job / "curves.png").read_bytes()
    assert png[:4] == b"\x89PNG" and len(png) > 10_000


def test_a_second_call_reuses_the_finished_runs(job):
    before = (job / "curves.csv").read_text()
    assert gpu_job.main(["--smoke", "--out", str(job), "--backup-dir", str(job / "backup")]) == 0
    summary = _strict((job / "summary.json").read_text())
    assert summary["trained"] == [] and summary["reused"] == ["nis_seed0", "is-probabilistic_seed0"]
    assert (job / "curves.csv").read_text() == before


def test_smoke_sizes_are_defaults_that_explicit_options_override(capsys):
    args = gpu_job.parse_args(["--smoke", "--out", "x", "--epochs", "3", "--model", "crapnet"])
    config = gpu_job.resolve_config(args)
    assert (config["epochs"], config["model"], config["subset"], config["seeds"]) == (3, "crapnet", 300, 1)
    assert config["mixed_precision"] is False  # no GPU here; --mixed-precision forces it
    assert gpu_job.resolve_config(gpu_job.parse_args(["--out", "x", "--mixed-precision"]))["mixed_precision"] is True
    assert gpu_job.main(["--smoke", "--out", "x", "--eval-every", "0"]) == 2
    assert gpu_job.main(["--smoke", "--out", "x", "--methods", "nope"]) == 2
    assert "unknown" in capsys.readouterr().err.lower()


class Crash(Exception):
    pass


class CrashAfterEpoch(keras.callbacks.Callback):
    """Counts the batch-callback calls; raises after `epoch`'s end (after BackupAndRestore has saved it)."""

    def __init__(self, epoch=None):
        super().__init__()
        self.epoch, self.calls = epoch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.calls += 1

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Crash


def test_a_run_killed_after_its_first_epoch_resumes_with_the_same_curve(job, tmp_path):
    config = gpu_job.resolve_config(gpu_job.parse_args(["--smoke", "--out", "x", "--methods", "nis"]))
    crash = CrashAfterEpoch(epoch=0)
    with pytest.raises(Crash):
        gpu_job.run_job(config, tmp_path, callbacks=[crash], progress=lambda line: None)
    assert crash.calls == 5  # one epoch: 10 steps, 2 per execution
    assert not (tmp_path / "runs").exists()
    backups = list((tmp_path / "backup").iterdir())
    assert len(backups) == 1 and (backups[0] / "evaluations.json").exists()
    counter = CrashAfterEpoch()
    summary = gpu_job.run_job(config, tmp_path, callbacks=[counter], progress=lambda line: None)
    assert counter.calls == 5  # only the second epoch was trained again
    assert summary["trained"] == ["nis_seed0"]
    assert not backups[0].exists()  # BackupAndRestore deletes a finished run's backup
    record = _strict((tmp_path / "runs" / "nis_seed0.json").read_text())
    full = _strict((job / "runs" / "nis_seed0.json").read_text())
    assert record["samples"] == full["samples"] and record["epochs"] == full["epochs"]
    assert record["samples_seen"] == full["samples_seen"] == 640
    np.testing.assert_array_equal(record["values"], full["values"])  # bit-identical 1-AUC curve
