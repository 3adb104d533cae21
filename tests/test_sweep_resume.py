"""Resuming inside a run: ``run(..., backup_dir=...)`` and a sweep killed in the middle of a run.

An interrupted-and-resumed run must return, value for value on CPU, the curve
(samples, 1-AUC, batch numbers), loss table, loss-table snapshots and weights of
an uninterrupted one; a sweep killed in the middle of a run resumes that run from
its backup (not from step 0) and stores the same result as an uninterrupted sweep.
"""

import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import is_keras.experiments.sweep as sweep_module
from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.run import run
from is_keras.experiments.run_records import RECORDS_FILE
from is_keras.experiments.sweep import backup_path, load_sweep_results, run_sweep
from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig
from is_keras.training.run_backup import STATE_FILE

ROOT = Path(__file__).resolve().parents[1]
NUM, BATCH = 160, 16  # 10 steps an epoch
CONFIG = TrainingConfig(model_kwargs={"width": 1}, epochs=2, batch_size=BATCH, eval_every=3, seed=0,
                        histogram_epochs=(1, 2))  # evaluations (and backups) after steps 3, 6, ..., 18
SAMPLER = SamplerConfig(method="is-probabilistic", uniform_mix=0.1)
SWEEP = {"name": "resume", "kind": "custom", "dataset": "digits", "models": ["crapnet"], "widths": [1],
         "methods": ["nis", "is-probabilistic"], "runs": 1, "epochs": 1, "batch_size": 16, "eval_every": 1,
         "window": 1}  # with smoke=True: 128 samples, 8 steps a run, an evaluation (and backup) every step


class Interrupted(Exception):
    pass


class InterruptAt(keras.callbacks.Callback):
    """Raise after the ``at``-th training step of this fit."""

    def __init__(self, at):
        super().__init__()
        self.at, self.count = at, 0

    def on_train_batch_end(self, batch, logs=None):
        self.count += 1
        if self.count == self.at:
            raise Interrupted(f"interrupted after step {self.at}")


class FirstStep(keras.callbacks.Callback):
    """Records the samples seen after the first step of this fit (> one batch when resumed)."""

    def __init__(self):
        super().__init__()
        self.samples = []

    def on_train_batch_end(self, batch, logs=None):
        self.samples.append(int(logs["samples_seen"]))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.random((NUM, 8, 8, 1), dtype=np.float32)
    y = (x[:, :4].mean(axis=(1, 2, 3)) > 0.5).astype("int64") + (np.arange(NUM) % 3 == 0)
    return x, y


def _run(data, **kwargs):
    return run(ClassificationTask(), data, data, sampler_config=SAMPLER, training_config=CONFIG, keep_model=True,
               **kwargs)


def _assert_same_run(a, b):
    assert a.samples.tolist() == b.samples.tolist()
    assert a.values.tolist() == b.values.tolist()
    assert a.config == b.config
    np.testing.assert_array_equal(a.final_loss_table, b.final_loss_table)
    assert sorted(a.loss_histograms) == sorted(b.loss_histograms)
    for epoch in a.loss_histograms:
        np.testing.assert_array_equal(a.loss_histograms[epoch], b.loss_histograms[epoch])
    for va, vb in zip(a.model.variables, b.model.variables, strict=True):
        np.testing.assert_array_equal(va.numpy(), vb.numpy())


def test_a_run_interrupted_mid_epoch_resumes_value_for_value(tmp_path, data):
    reference = _run(data)
    assert len(reference.samples) == 6 and sorted(reference.loss_histograms) == [1, 2]

    backup = tmp_path / "backup"
    with pytest.raises(Interrupted):
        _run(data, backup_dir=backup, callbacks=[InterruptAt(14)])  # epoch 2, after the evaluation of step 12
    saved = json.loads((backup / RECORDS_FILE).read_text())
    assert saved["evaluator"]["records"]["steps"] == [3, 6, 9, 12]
    saved_seconds = saved["evaluator"]["records"]["seconds"]

    spy = FirstStep()
    resumed = _run(data, backup_dir=backup, callbacks=[spy])
    assert spy.samples[0] == 13 * BATCH  # resumed after step 12 (the last backup), not from step 0
    assert len(spy.samples) == 8
    _assert_same_run(resumed, reference)
    assert resumed.seconds[:4].tolist() == saved_seconds  # the clock continues from the saved value
    assert np.all(np.diff(resumed.seconds) >= 0)

    # the folder of a finished run gives back the same result without training again
    spy = FirstStep()
    again = _run(data, backup_dir=backup, callbacks=[spy])
    assert spy.samples == []
    _assert_same_run(again, reference)
    assert again.seconds.tolist() == resumed.seconds.tolist()


def test_an_interruption_before_the_first_backup_restarts_and_drops_the_early_records(tmp_path, data):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupted):  # the evaluation of step 3 is saved, the trainer's backup of step 3 is not
        _run(data, backup_dir=backup, callbacks=[InterruptAt(3)])
    assert not (backup / STATE_FILE).exists()
    assert json.loads((backup / RECORDS_FILE).read_text())["evaluator"]["records"]["steps"] == [3]
    spy = FirstStep()
    resumed = _run(data, backup_dir=backup, callbacks=[spy])
    assert spy.samples[0] == BATCH and resumed.samples.tolist() == [BATCH * s for s in (3, 6, 9, 12, 15, 18)]


def test_corrupt_missing_or_foreign_backups_are_refused_naming_the_file(tmp_path, data):
    small = CONFIG.replace(epochs=1, histogram_epochs=())
    task = ClassificationTask()
    backup = tmp_path / "backup"
    run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_dir=backup)
    records, state = backup / RECORDS_FILE, backup / STATE_FILE
    good_records, good_state = records.read_bytes(), state.read_bytes()

    with pytest.raises(ValueError, match="another run.*seed"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small.replace(seed=1), backup_dir=backup)
    with pytest.raises(ValueError, match="another run.*method"):
        run(task, data, data, sampler_config=SamplerConfig(method="nis"), training_config=small, backup_dir=backup)

    records.write_text(good_records.decode()[:40])
    with pytest.raises(ValueError, match=f"{records}.*corrupt"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_dir=backup)
    records.write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match=f"{records}.*not a run records file"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_dir=backup)
    records.unlink()
    with pytest.raises(ValueError, match=f"{state}.*no records file"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_dir=backup)

    records.write_bytes(good_records)
    state.write_bytes(good_state[: len(good_state) // 2])
    with pytest.raises(ValueError, match=f"{state}.*corrupt"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_dir=backup)
    state.write_bytes(pickle.dumps({"format": 1, "num_samples": NUM + 1}))
    with pytest.raises(ValueError, match=f"{state}.*{NUM + 1} samples"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_dir=backup)

    with pytest.raises(ValueError, match="backup_every needs a backup_dir"):
        run(task, data, data, sampler_config=SAMPLER, training_config=small, backup_every=2)


@pytest.fixture(scope="module")
def reference_sweep(tmp_path_factory):
    """An uninterrupted sweep of :data:`SWEEP` (smoke size)."""
    out = tmp_path_factory.mktemp("reference")
    run_sweep(SWEEP, out, smoke=True, progress=None)
    return out


def _interrupting_run(at_run, at_step, spies):
    """``run`` of the sweep module, interrupting the ``at_run``-th run (1-based) after ``at_step`` steps."""
    real, calls = run, []

    def wrapped(*args, **kwargs):
        calls.append(kwargs["backup_dir"])
        spy = FirstStep()
        spies.append(spy)
        extra = [InterruptAt(at_step)] if len(calls) == at_run else []
        return real(*args, callbacks=[spy, *extra], **kwargs)

    return wrapped


def _stored(out):
    return [(r.run_id, r.spec, r.sweep, r.result.samples.tolist(), r.result.values.tolist(), r.result.config)
            for r in load_sweep_results(out)]


def test_a_sweep_interrupted_inside_a_run_resumes_that_run_from_its_backup(tmp_path, monkeypatch, reference_sweep):
    reference = reference_sweep
    out = tmp_path / "out"
    spies = []
    monkeypatch.setattr(sweep_module, "run", _interrupting_run(2, 5, spies))
    with pytest.raises(Interrupted):
        run_sweep(SWEEP, out, smoke=True, progress=None)
    first, second = [r.run_id for r in load_sweep_results(reference)]
    assert [p.name for p in (out / "runs").glob("*.json")] == [f"{first}.json"]
    assert not (out / "runs" / first).exists()  # its backup was deleted once its result was saved
    assert (backup_path(out, second) / STATE_FILE).exists()

    spies.clear()
    monkeypatch.setattr(sweep_module, "run", _interrupting_run(0, 0, spies))
    lines = []
    outcome = run_sweep(SWEEP, out, smoke=True, progress=lines.append)
    assert outcome.skipped == [first] and outcome.ran == [second]
    assert any(f"{second}: resuming from its backup after step 4" in line for line in lines)
    assert spies[0].samples[0] == 5 * 16 and len(spies[0].samples) == 4  # steps 5..8 only
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted([f"{first}.json", f"{second}.json"])
    assert _stored(out) == _stored(reference)


def test_a_stale_backup_of_a_finished_run_is_deleted(tmp_path):
    out = tmp_path / "out"
    run_sweep({**SWEEP, "methods": ["nis"]}, out, smoke=True, progress=None)
    (record,) = load_sweep_results(out)
    stale = backup_path(out, record.run_id)
    stale.mkdir(parents=True)
    (stale / STATE_FILE).write_bytes(b"left by a kill after the result was saved")
    outcome = run_sweep({**SWEEP, "methods": ["nis"]}, out, smoke=True, progress=None)
    assert outcome.skipped == [record.run_id] and not stale.parent.exists()


def test_a_sweep_refuses_a_corrupt_backup_naming_it(tmp_path, reference_sweep):
    first = load_sweep_results(reference_sweep)[0].run_id
    backup = backup_path(tmp_path, first)
    backup.mkdir(parents=True)
    (backup / STATE_FILE).write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=f"{backup / STATE_FILE} is corrupt.*delete {backup} to train run {first}"):
        run_sweep(SWEEP, tmp_path, smoke=True, progress=None)


def _sweep_child(out, kill_at):
    """Run the sweep; SIGKILL this process after ``kill_at`` training steps of the second run (0: never)."""
    import is_keras.training.trainer as trainer_module

    real, count = trainer_module.ImportanceTrainer.train_step, {"runs": 0, "steps": 0}
    real_run = sweep_module.run

    def counting_run(*args, **kwargs):
        count["runs"] += 1
        return real_run(*args, **kwargs)

    def train_step(self):
        logs = real(self)
        count["steps"] += 1
        if count["runs"] == 2 and kill_at and self.steps_done == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return logs

    trainer_module.ImportanceTrainer.train_step = train_step
    sweep_module.run = counting_run
    lines = []
    run_sweep(SWEEP, out, smoke=True, progress=lines.append)
    Path(out, "lines.json").write_text(json.dumps(lines))


def test_a_killed_sweep_process_resumes_inside_the_run(tmp_path, reference_sweep):
    out = tmp_path / "out"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    command = [sys.executable, __file__, str(out)]
    killed = subprocess.run([*command, "6"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert len(list((out / "runs").glob("*.json"))) == 1
    done = subprocess.run([*command, "0"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = json.loads((out / "lines.json").read_text())
    # killed inside step 6, after training on it but before its callbacks and backup: the backup holds step 5
    assert any("resuming from its backup after step 5" in line for line in lines), lines

    assert _stored(out) == _stored(reference_sweep)
    assert sorted(p.name for p in (out / "runs").iterdir() if p.suffix != ".json") == []


if __name__ == "__main__":
    _sweep_child(sys.argv[1], int(sys.argv[2]))
