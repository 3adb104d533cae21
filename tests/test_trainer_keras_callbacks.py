"""ImportanceTrainer.fit behaves like Model.fit for Keras's own callbacks, validation_data and History."""

import csv

import keras
import numpy as np
import pytest
import tensorflow as tf
from table_audit import mlp

from is_keras.callbacks import OneMinusAUC
from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceTrainer


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)
    return x, y


def _trainer(data, **kwargs):
    x, y = data
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    return ImportanceTrainer(mlp((6,), 3), gen, **kwargs)


def test_validation_data_gives_val_logs_and_history(data):
    x, y = data
    trainer = _trainer(data, metrics=["accuracy"])
    history = trainer.fit(epochs=2, validation_data=(x, y))
    assert isinstance(history, keras.callbacks.History)
    assert set(history.history) == {"loss", "samples_seen", "training_seconds", "val_loss", "val_accuracy"}
    # val_loss is the mean per-sample loss of the current model on the validation data
    p = np.asarray(trainer.model(x, training=False))
    expected = np.mean(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1 - 1e-7)))
    assert history.history["val_loss"][-1] == pytest.approx(expected, rel=1e-5)
    assert history.history["val_accuracy"][-1] == pytest.approx(np.mean(p.argmax(1) == y))


def test_learning_rate_callbacks_find_the_optimizer(data):
    trainer = _trainer(data)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    trainer.fit(epochs=3, callbacks=[schedule])
    assert float(trainer.optimizer.learning_rate.numpy()) == pytest.approx(0.1 / 3)

    trainer = _trainer(data, learning_rate=0.01)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    trainer.fit(epochs=3, callbacks=[plateau])  # min_delta so large that every epoch after the first is a plateau
    assert float(trainer.optimizer.learning_rate.numpy()) == pytest.approx(0.01 * 0.5**2)


def test_early_stopping_restores_the_best_weights(data):
    x, y = data
    trainer = _trainer(data)
    weights_per_epoch = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            weights_per_epoch.append(self.model.get_weights())

    stop = keras.callbacks.EarlyStopping(monitor="val_loss", mode="max", patience=1, restore_best_weights=True)
    history = trainer.fit(epochs=10, validation_data=(x, y), callbacks=[Recorder(), stop])
    # "max" makes the first epoch the best (val_loss falls): stop after epoch 2, back to epoch 1's weights
    assert len(history.history["val_loss"]) == 2
    assert history.history["val_loss"][1] < history.history["val_loss"][0]
    for got, want in zip(trainer.model.get_weights(), weights_per_epoch[0]):
        np.testing.assert_array_equal(got, want)


def test_csv_logger_and_model_checkpoint(data, tmp_path):
    x, y = data
    trainer = _trainer(data)
    auc = OneMinusAUC(x, y, eval_every=3)
    csv_path = tmp_path / "log.csv"
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="loss")
    trainer.fit(epochs=2, callbacks=[auc, keras.callbacks.CSVLogger(csv_path), checkpoint])
    rows = list(csv.DictReader(open(csv_path)))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert {"one_minus_auc", "samples_seen", "training_seconds", "loss"} <= set(rows[0])
    # each epoch row carries the latest evaluation (6 steps per epoch, eval every 3)
    assert [float(r["one_minus_auc"]) for r in rows] == pytest.approx([auc.one_minus_auc[1], auc.one_minus_auc[3]])
    assert [int(float(r["samples_seen"])) for r in rows] == [96, 192]
    loaded = keras.models.load_model(tmp_path / "best.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), trainer.model.predict(x, verbose=0), rtol=1e-6)


def _scalars(log_dir):
    values = {}
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor)) if value.HasField("tensor") else value.simple_value
                values.setdefault((path.parent.name, value.tag), []).append((event.step, number))
    return values


@pytest.mark.parametrize("path", ["trainer", "keras-fit"])
def test_tensorboard_records_one_minus_auc_with_its_step(data, tmp_path, path):
    from is_keras.training import ImportanceSamplingModel

    x, y = data
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    auc = OneMinusAUC(x, y, eval_every=3)
    # (Keras's TensorBoard writes epoch logs only when its batch counter is a multiple of update_freq)
    board = keras.callbacks.TensorBoard(tmp_path, update_freq=3, write_graph=False)
    if path == "trainer":
        ImportanceTrainer(mlp((6,), 3), gen).fit(epochs=2, callbacks=[auc, board])
    else:
        wrapped = ImportanceSamplingModel(mlp((6,), 3), gen)
        wrapped.compile()
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=6, epochs=2, verbose=0, callbacks=[auc, board])
    scalars = _scalars(tmp_path)
    assert auc.samples == [48, 96, 144, 192]  # samples, not batches, under both paths
    assert np.all(np.diff(auc.seconds) > 0)
    epoch_auc = scalars[("train", "epoch_one_minus_auc")]
    assert [s for s, _ in epoch_auc] == [0, 1]
    np.testing.assert_allclose([v for _, v in epoch_auc], [auc.one_minus_auc[1], auc.one_minus_auc[3]], rtol=1e-6)
    batch_auc = scalars[("train", "batch_one_minus_auc")]
    # written at the global batch of each evaluation (TensorBoard's batch counter)
    assert [s for s, _ in batch_auc] == [3, 6, 9, 12]
    np.testing.assert_allclose([v for _, v in batch_auc], auc.one_minus_auc, rtol=1e-6)
    assert ("train", "epoch_samples_seen") in scalars and ("train", "epoch_training_seconds") in scalars
    assert ("train", "epoch_learning_rate") in scalars
