"""Model and data are checked before training; a failed step changes nothing (issue 13)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceSamplingModel, ImportanceTrainer


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 5)).astype("float32"), rng.integers(0, 3, size=n)


def _model(activation="softmax", batch_norm=False):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((5,)), keras.layers.Dense(8, activation="relu")]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization())
    layers.append(keras.layers.Dense(3, activation=activation))
    return keras.Sequential(layers)


def _snapshot(model):
    return [v.numpy().copy() for v in model.variables]


@pytest.mark.parametrize("bad", [3, 10])  # (negative labels are refused by the generator)
@pytest.mark.parametrize("wrapper", [False, True], ids=["trainer", "keras-fit"])
def test_labels_outside_the_model_outputs_are_refused_before_any_step(bad, wrapper):
    x, y = _data()
    y[7] = bad
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    model = _model(batch_norm=True)
    before = _snapshot(model)
    message = rf"y holds labels outside \[0, 3\) \(the model has 3 outputs\): {bad} at index 7"
    with pytest.raises(ValueError, match=message):
        if wrapper:
            ImportanceSamplingModel(model, gen)
        else:
            ImportanceTrainer(model, gen)
    for got, want in zip(_snapshot(model), before):
        np.testing.assert_array_equal(got, want)
    assert gen.num_updates == 0 and np.all(np.isinf(gen.loss_table))
    fresh = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    np.testing.assert_array_equal(gen.next_indices(), fresh.next_indices())  # no batch was consumed


@pytest.mark.parametrize("wrapper", [False, True], ids=["trainer", "keras-fit"])
def test_logits_are_refused_without_from_logits_and_trained_with_it(wrapper):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    with pytest.raises(ValueError, match="not probabilities.*from_logits=True"):
        ImportanceSamplingModel(_model(None), gen) if wrapper else ImportanceTrainer(_model(None), gen)
    model = _model(None)
    first = gen.next_batch()[0]
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    logits = np.asarray(model(x[first], training=False))
    if wrapper:
        wrapped = ImportanceSamplingModel(model, gen, from_logits=True)
        wrapped.compile(optimizer=keras.optimizers.SGD(0.0))
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=1, epochs=1, verbose=0)
    else:
        ImportanceTrainer(model, gen, from_logits=True).train_step()
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(first)), y[first]]
    np.testing.assert_allclose(gen.loss_table[first], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_on_device", [True, False])
def test_non_finite_inputs_are_named(data_on_device):
    x, y = _data()
    x[30, 2] = np.nan
    gen = ImportanceBatchGenerator(x, y, batch_size=48, seed=0)
    if data_on_device:
        with pytest.raises(ValueError, match=r"x holds NaN or infinite values \(first in sample 30\)"):
            ImportanceTrainer(_model(), gen, data_on_device=True)
    else:
        trainer = ImportanceTrainer(_model(), gen, data_on_device=False, prefetch=False)
        with pytest.raises(ValueError, match=r"x \(training batch\) holds NaN or infinite values"):
            trainer.train_step()
        assert gen.num_updates == 0


def test_a_failed_step_changes_nothing_and_its_batch_is_trained_next():
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    model = _model(batch_norm=True)
    poisoned = tf.Variable(False)

    def loss(y_true, y_pred):
        per_sample = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
        return per_sample * tf.where(poisoned, np.float32(np.nan), np.float32(1.0))

    trainer = ImportanceTrainer(model, gen, loss=loss, learning_rate=0.1)
    drawn = []
    draw = gen.next_batch
    gen.next_batch = lambda: drawn.append(draw()) or drawn[-1]
    trainer.train_step()  # a normal step: the optimizer has state to protect
    weights, optimizer = _snapshot(model), [v.numpy().copy() for v in trainer.optimizer.variables]
    assert all(np.all(np.isfinite(w)) for w in weights)
    table, updates = np.array(gen.loss_table), gen.num_updates
    poisoned.assign(True)
    with pytest.raises(FloatingPointError, match="loss table was left unchanged"):
        trainer.train_step()
    moving = [v for v in model.variables if "moving" in v.path]
    assert moving  # batch-norm statistics are among the checked variables
    for got, want in zip(_snapshot(model), weights):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(trainer.optimizer.variables, optimizer):
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(gen.loss_table, table)
    assert gen.num_updates == updates and trainer.samples_seen == 16
    poisoned.assign(False)
    trainer.train_step()
    assert len(drawn) == 2  # the failed batch was not redrawn...
    np.testing.assert_array_equal(np.flatnonzero(np.isfinite(gen.loss_table)),
                                  np.union1d(drawn[0][0], drawn[1][0]))  # ...but trained now
    assert any(not np.array_equal(a, b) for a, b in zip(_snapshot(model), weights))
