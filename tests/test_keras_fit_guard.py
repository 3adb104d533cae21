"""Under Keras fit, a step whose per-sample losses are not all finite changes nothing.

The model's output becomes NaN on a chosen step (a layer multiplies by a non-trainable variable set to NaN
right before it). That step must leave the weights, the optimizer's variables, the batch-norm statistics, the
loss table and ``samples_seen`` value for value as they were; the host backend then raises
``FloatingPointError`` naming the step, the in-graph backend (XLA) skips it, counts it in ``skipped_steps`` and
logs its loss as NaN (so ``keras.callbacks.TerminateOnNaN`` stops).
"""

import keras
import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceSamplingModel

BAD_STEP = 5  # 0-based index among all steps (the second epoch's second step)
STEPS = 4


@keras.saving.register_keras_serializable(package="test_keras_fit_guard")
class Scale(keras.layers.Layer):
    """Multiplies by a non-trainable scalar (set it to NaN to poison one step)."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(), initializer="ones", trainable=False, name="factor")

    def call(self, inputs):
        return inputs * keras.ops.cast(self.factor, inputs.dtype)


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8),
        keras.layers.BatchNormalization(),
        Scale(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(3),
        keras.layers.Activation("softmax", dtype="float32"),
    ])


def _data(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)


def _state(wrapped):
    """Every value that a step may change."""
    return {
        "weights": [v.numpy().copy() for v in wrapped.wrapped.trainable_variables],
        "non_trainable": [v.numpy().copy() for v in wrapped.wrapped.non_trainable_variables],
        "optimizer": [v.numpy().copy() for v in wrapped.optimizer.variables],
        "table": np.array(wrapped.loss_table, copy=True),
        "samples_seen": int(wrapped.samples_seen.numpy()),
    }


def _assert_same(got, want):
    assert got["samples_seen"] == want["samples_seen"]
    np.testing.assert_array_equal(got["table"], want["table"])
    for key in ("weights", "non_trainable", "optimizer"):
        assert len(got[key]) == len(want[key]) > 0
        for a, b in zip(got[key], want[key]):
            np.testing.assert_array_equal(a, b, err_msg=key)


class Poison(keras.callbacks.Callback):
    """Sets the Scale layer's factor to NaN before step BAD_STEP and records the state there, then heals it."""

    def __init__(self, wrapped):
        super().__init__()
        self.wrapped, self.step, self.before, self.after, self.logs = wrapped, 0, None, None, []
        self.scale = next(layer for layer in wrapped.wrapped.layers if isinstance(layer, Scale))

    def on_train_batch_begin(self, batch, logs=None):
        if self.step == BAD_STEP:
            self.scale.factor.assign(np.nan)
            self.before = _state(self.wrapped)

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append(dict(logs))
        if self.step == BAD_STEP:
            self.after = _state(self.wrapped)
            self.scale.factor.assign(1.0)
        self.step += 1


def _wrapped(backend, method="is-probabilistic"):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method=method, seed=0)
    return ImportanceSamplingModel(_model(), gen, backend=backend), gen


def test_host_backend_raises_naming_the_step_and_changes_nothing():
    wrapped, gen = _wrapped("host")
    wrapped.compile(optimizer=keras.optimizers.Adam(0.01))
    poison = Poison(wrapped)
    with pytest.raises(FloatingPointError, match=f"step {BAD_STEP + 1} .*NaN or infinite"):
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=STEPS, epochs=3, verbose=0, callbacks=[poison])
    assert poison.before is not None
    _assert_same(_state(wrapped), poison.before)
    assert gen.num_updates == BAD_STEP
    assert np.isnan(poison.before["non_trainable"][-1])  # the poisoned factor itself (restored to its NaN)
    assert np.all(np.isfinite(np.concatenate([a.ravel() for a in poison.before["non_trainable"][:-1]])))


@pytest.mark.parametrize("mixed", [False, True], ids=["float32", "mixed_float16"])
def test_in_graph_backend_with_xla_skips_the_step_and_changes_nothing(mixed):
    policy = keras.config.dtype_policy()
    if mixed:
        keras.config.set_dtype_policy("mixed_float16")
    try:
        wrapped, gen = _wrapped("in-graph")
        wrapped.compile(optimizer=keras.optimizers.Adam(0.01), jit_compile=True)
        poison = Poison(wrapped)
        history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=STEPS, epochs=3, verbose=0,
                              callbacks=[poison])
    finally:
        keras.config.set_dtype_policy(policy)
    if mixed:
        assert isinstance(wrapped.optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped.jit_compile is True
    _assert_same(poison.after, poison.before)
    assert [int(log["skipped_steps"]) for log in poison.logs] == [0] * BAD_STEP + [1] * (3 * STEPS - BAD_STEP)
    assert np.isnan(poison.logs[BAD_STEP]["loss"]) and np.isfinite(poison.logs[BAD_STEP - 1]["loss"])
    assert int(wrapped.samples_seen.numpy()) == (3 * STEPS - 1) * 16
    assert int(wrapped.skipped_steps.numpy()) == 1
    assert np.isfinite(history.history["loss"][0]) and np.isnan(history.history["loss"][1])
    assert history.history["skipped_steps"] == [0, 1, 1]
    # training went on after the skipped step
    assert np.all(np.isfinite(wrapped.loss_table))
    assert all(np.all(np.isfinite(v.numpy())) for v in wrapped.wrapped.trainable_variables)


def test_terminate_on_nan_stops_an_in_graph_run_at_the_skipped_step():
    wrapped, _ = _wrapped("in-graph")
    wrapped.compile(optimizer=keras.optimizers.Adam(0.01), jit_compile=True)
    poison = Poison(wrapped)
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=STEPS, epochs=3, verbose=0,
                callbacks=[poison, keras.callbacks.TerminateOnNaN()])
    assert len(poison.logs) == BAD_STEP + 1
    _assert_same(poison.after, poison.before)


def test_a_finite_step_still_changes_everything():
    """The comparison above is not vacuous: an ordinary step moves weights, optimizer, statistics and table."""
    wrapped, _ = _wrapped("host")
    wrapped.compile(optimizer=keras.optimizers.Adam(0.01))
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=STEPS, epochs=1, verbose=0)
    before = _state(wrapped)
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=1, epochs=1, verbose=0)
    after = _state(wrapped)
    assert after["samples_seen"] == before["samples_seen"] + 16
    assert not np.array_equal(after["table"], before["table"])
    for key in ("weights", "optimizer"):
        assert all(not np.array_equal(a, b) for a, b in zip(after[key], before[key]) if a.size > 1), key
    moving = [not np.array_equal(a, b) for a, b in zip(after["non_trainable"], before["non_trainable"])]
    assert moving[:-1] == [True] * (len(moving) - 1)  # the batch-norm statistics (the last is Scale's factor)


@pytest.mark.parametrize("backend", ["host", "in-graph"])
def test_metrics_validation_and_evaluate_through_the_wrappers_own_steps(backend):
    x, y = _data()
    wrapped, gen = _wrapped(backend)
    wrapped.compile(optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
    history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=STEPS, epochs=2, verbose=0,
                          validation_data=(x, y))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "samples_seen", "skipped_steps"):
        assert len(history.history[key]) == 2, key
    assert history.history["skipped_steps"] == [0, 0]
    results = wrapped.evaluate(x, y, verbose=0, return_dict=True)
    expected = float(np.mean(keras.losses.sparse_categorical_crossentropy(y, wrapped.predict(x, verbose=0))))
    assert results["loss"] == pytest.approx(expected, rel=1e-4)
    assert results["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-4)
    assert 0.0 < results["accuracy"] <= 1.0


@pytest.mark.parametrize("prefetch", [0, 1])
def test_host_backend_data_on_device_with_and_without_prefetch(prefetch):
    """In-memory data: the step gathers rows on the device, from in-step draws (prefetch 0) or an index stream."""
    wrapped, gen = _wrapped("host")
    assert wrapped.data_on_device
    dataset = wrapped.training_dataset(prefetch=prefetch)
    assert isinstance(dataset.element_spec, dict)
    assert set(dataset.element_spec) == ({"draw"} if prefetch == 0 else {"indices"})
    wrapped.compile(optimizer=keras.optimizers.Adam(0.01))
    wrapped.fit(dataset, steps_per_epoch=STEPS, epochs=2, verbose=0)
    assert gen.num_updates == 2 * STEPS and int(wrapped.samples_seen.numpy()) == 2 * STEPS * 16
    assert np.all(np.isfinite(gen.loss_table))
