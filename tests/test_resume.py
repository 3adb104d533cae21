"""A run interrupted in the middle of an epoch and resumed is bit-identical to an uninterrupted one (CPU).

ImportanceTrainer.fit(backup_dir=...) and, under Keras fit, keras.callbacks.BackupAndRestore with the
ImportanceSamplingModel wrapper (which saves the generator's state beside the weights).
"""

import keras
import numpy as np
import pytest
from table_audit import mlp

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceSamplingModel, ImportanceTrainer

EPOCHS = 3


class Interrupt(Exception):
    pass


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)


class Recorder(keras.callbacks.Callback):
    """Records every trained batch's indices and loss; raises Interrupt after `crash_after` batches."""

    def __init__(self, generator, crash_after=None):
        super().__init__()
        self.generator, self.crash_after = generator, crash_after
        self.steps, self.losses, self.epoch_losses = [], [], []
        real = generator.next_batch

        def spy():
            batch = real()
            self.steps.append(np.array(batch[0]))
            return batch

        generator.next_batch = spy

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))
        if self.crash_after is not None and len(self.losses) == self.crash_after:
            raise Interrupt

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_losses.append(float(logs["loss"]))


def _trainer_run(backup_dir=None, crash_after=None, *, data_on_device=True, method="is-probabilistic"):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method=method, seed=0)
    trainer = ImportanceTrainer(mlp((6,), 3), gen, data_on_device=data_on_device, learning_rate=0.01)
    recorder = Recorder(gen, crash_after)
    try:
        trainer.fit(epochs=EPOCHS, callbacks=[recorder], backup_dir=backup_dir, backup_every=4)
    except Interrupt:
        pass
    return trainer, gen, recorder


@pytest.mark.parametrize("method", ["is-probabilistic", "nis", "is-randomsubset"])
@pytest.mark.parametrize("data_on_device", [True, False], ids=["device", "host-prefetch"])
def test_trainer_resumes_mid_epoch_bit_identically(tmp_path, data_on_device, method):
    full, full_gen, full_rec = _trainer_run(data_on_device=data_on_device, method=method)
    # 6 steps an epoch, a backup every 4 steps and at epoch ends: the crash after step 11 resumes from step 8
    _, _, crashed = _trainer_run(tmp_path, crash_after=11, data_on_device=data_on_device, method=method)
    assert len(crashed.losses) == 11
    resumed, resumed_gen, rec = _trainer_run(tmp_path, data_on_device=data_on_device, method=method)
    assert len(rec.losses) == 3 * 6 - 8
    trained = full_rec.steps[8:18] if data_on_device else full_rec.steps[9:19]
    for got, want in zip(rec.steps, trained):  # the same batches (with prefetch: drawn one step ahead)
        np.testing.assert_array_equal(got, want)
    assert rec.losses == full_rec.losses[8:]  # bit-identical logged losses
    assert rec.epoch_losses == full_rec.epoch_losses[1:]  # the resumed epoch's mean includes steps before the crash
    np.testing.assert_array_equal(resumed_gen.loss_table, full_gen.loss_table)
    for got, want in zip(resumed.model.get_weights(), full.model.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert resumed.samples_seen == full.samples_seen and resumed.steps_done == full.steps_done


def test_a_backup_of_another_run_is_refused(tmp_path):
    _trainer_run(tmp_path, crash_after=5)
    x, y = _data()
    gen = ImportanceBatchGenerator(x[:80], y[:80], batch_size=16, seed=0)
    with pytest.raises(ValueError, match="is of a run on 96 samples, this one has 80"):
        ImportanceTrainer(mlp((6,), 3), gen).fit(epochs=1, backup_dir=tmp_path)
    (tmp_path / "run_state.pkl").write_bytes(b"not a pickle")
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    with pytest.raises(ValueError, match="is corrupt or unreadable"):
        ImportanceTrainer(mlp((6,), 3), gen).fit(epochs=1, backup_dir=tmp_path)


def _wrapper_run(backup_dir, crash_after=None, backend="host"):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    wrapped = ImportanceSamplingModel(mlp((6,), 3), gen, backend=backend)
    wrapped.compile(optimizer=keras.optimizers.Adam(0.01))
    recorder = Recorder(gen, crash_after)
    backup = keras.callbacks.BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=False)
    try:
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=6, epochs=EPOCHS, verbose=0,
                    callbacks=[recorder, backup])
    except Interrupt:
        pass
    return wrapped, gen, recorder


@pytest.mark.parametrize("backend", ["host", "in-graph"])
def test_keras_fit_with_backup_and_restore_resumes_bit_identically(tmp_path, backend):
    full, full_gen, full_rec = _wrapper_run(tmp_path / "full", backend=backend)
    _, _, crashed = _wrapper_run(tmp_path / "run", crash_after=9, backend=backend)  # in the middle of epoch 2
    resumed, resumed_gen, rec = _wrapper_run(tmp_path / "run", backend=backend)  # Keras restarts epoch 2
    assert len(rec.losses) == 2 * 6
    for got, want in zip(rec.steps, full_rec.steps[6:]):
        np.testing.assert_array_equal(got, want)
    assert rec.losses == full_rec.losses[6:]
    assert len(rec.steps) == (12 if backend == "host" else 0)  # in-graph: drawn inside the step
    np.testing.assert_array_equal(resumed.loss_table, full.loss_table)
    assert np.all(np.isfinite(full.loss_table))
    for got, want in zip(resumed.get_weights(), full.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert int(resumed.samples_seen.numpy()) == int(full.samples_seen.numpy()) == 18 * 16


class StopAfter(keras.callbacks.Callback):
    """Sets model.stop_training after `steps` batches (an early-stopping callback's effect)."""

    def __init__(self, steps):
        super().__init__()
        self.steps, self.seen = steps, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.steps:
            self.model.stop_training = True


def test_a_run_stopped_by_a_callback_is_not_continued_on_resume(tmp_path):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    trainer = ImportanceTrainer(mlp((6,), 3), gen, learning_rate=0.01)
    trainer.fit(epochs=EPOCHS, callbacks=[StopAfter(8)], backup_dir=tmp_path)  # stops inside epoch 2 (6 steps each)
    assert trainer.steps_done == 8
    weights = [w.copy() for w in trainer.model.get_weights()]

    gen2 = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    resumed = ImportanceTrainer(mlp((6,), 3), gen2, learning_rate=0.01)
    resumed.fit(epochs=EPOCHS, backup_dir=tmp_path)
    assert resumed.steps_done == 8  # nothing trained after the stop
    for saved, now in zip(weights, resumed.model.get_weights()):
        np.testing.assert_array_equal(saved, now)
