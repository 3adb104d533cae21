"""DivergenceStop: stop (and optionally restore the best weights) when the monitored quantity diverges."""

import keras
import numpy as np
import pytest

from is_keras.callbacks import DivergenceStop
from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceTrainer


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])


def _feed(stop, values, where="batch"):
    for i, value in enumerate(values):
        if stop.model.stop_training:
            return i
        if where == "batch":
            stop.on_train_batch_end(i, {"one_minus_auc": value})
        else:
            stop.on_epoch_end(i, {"val_loss": value})
    return len(values)


@pytest.mark.parametrize(
    ("values", "stopped_at", "reason"),
    [
        ([0.4, 0.2, 0.31, 0.5, 0.45, 0.6], 5, "diverged"),  # 3 in a row above 1.5 x 0.2 = 0.3
        ([0.4, 0.2, 0.31, 0.29, 0.5, 0.45, 0.6], 7, "diverged"),  # 0.29 resets the count
        ([0.4, 0.2, 0.31, 0.5, 0.1, 0.2, 0.3], None, None),  # a new best resets it too
        ([0.4, float("nan"), 0.1], 2, "non-finite"),  # at once, whatever the patience
        ([0.4, float("inf")], 2, "non-finite"),
    ],
)
def test_stops_after_patience_evaluations_above_factor_times_best(values, stopped_at, reason):
    model = _model()
    stop = DivergenceStop("one_minus_auc", factor=1.5, patience=3)
    stop.set_model(model)
    model.stop_training = False
    stop.on_train_begin()
    _feed(stop, values)
    assert stop.stopped_at == stopped_at and stop.reason == reason
    assert bool(model.stop_training) == (stopped_at is not None)


def test_epoch_level_quantities_are_read_from_epoch_logs():
    model = _model()
    model.stop_training = False
    stop = DivergenceStop("val_loss", factor=2.0, patience=1)
    stop.set_model(model)
    stop.on_train_batch_end(0, {"loss": 1.0})  # not the monitored key: ignored
    _feed(stop, [1.0, 0.5, 1.1], where="epoch")
    assert stop.stopped_at == 3 and stop.best == 0.5


def test_a_metric_placeholder_before_the_first_evaluation_is_not_a_divergence():
    model = _model()
    model.stop_training = False
    stop = DivergenceStop("one_minus_auc", patience=1)
    stop.set_model(model)
    stop.on_epoch_end(0, {"one_minus_auc": float("nan")})  # OneMinusAUC has not evaluated yet
    assert not model.stop_training and stop.evaluations == 0
    stop.on_train_batch_end(3, {"one_minus_auc": float("nan")})  # a real evaluation that gave NaN
    assert model.stop_training and stop.reason == "non-finite"


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="factor must be > 1"):
        DivergenceStop(factor=1.0)
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        DivergenceStop(patience=0)


def test_with_the_trainer_it_stops_and_restores_the_best_weights():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)).astype("float32"), rng.integers(0, 2, size=64)
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    trainer = ImportanceTrainer(_model(), gen)
    script = iter([0.5, 0.3, 0.2, 0.35, 0.4, 0.1, 0.1, 0.1])  # best at evaluation 3, diverged at 5
    weights_at = {}

    class FakeMetric(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["one_minus_auc"] = next(script)
            weights_at[trainer.steps_done] = self.model.get_weights()

    stop = DivergenceStop(factor=1.5, patience=2, restore_best_weights=True)
    trainer.fit(epochs=5, callbacks=[FakeMetric(), stop])
    assert trainer.steps_done == 5 and stop.best_evaluation == 3 and stop.reason == "diverged"
    for got, want in zip(trainer.model.get_weights(), weights_at[3]):
        np.testing.assert_array_equal(got, want)
    assert any(not np.array_equal(a, b) for a, b in zip(weights_at[5], weights_at[3]))
