"""TrainStep, the one training step: its update against the formula, and both guards on a failed step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras.training.train_step import TrainStep

LR = 0.5


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(),
                             keras.layers.Dense(2, activation="softmax")])


def _loss(y, p):
    return keras.losses.sparse_categorical_crossentropy(y, p)


def _step(model, guard="cond"):
    optimizer = keras.optimizers.SGD(LR)
    optimizer.build(model.trainable_variables)
    return TrainStep(model, _loss, optimizer, guard=guard), optimizer


def _batch(bad=False):
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    if bad:
        x[2, 0] = np.nan
    return tf.constant(x), tf.constant([0, 1, 1, 0]), tf.constant([1.0, 2.0, 0.5, 1.5])


@pytest.mark.parametrize("guard", ["cond", "gate"])
def test_the_update_is_sgd_on_the_weighted_sum_over_the_global_batch(guard):
    model = _model()
    step, _ = _step(model, guard)
    x, y, w = _batch()
    reference = keras.models.clone_model(model)
    reference.set_weights(model.get_weights())
    with tf.GradientTape() as tape:
        expected_losses = _loss(y, reference(x, training=True))
        loss = tf.reduce_sum(expected_losses * w) / 8.0  # global batch 8: two replicas' worth
    gradients = tape.gradient(loss, reference.trainable_variables)
    outputs = tf.function(lambda: step(x, y, w, global_batch=8.0))()
    assert bool(outputs.done)
    np.testing.assert_allclose(outputs.per_sample.numpy(), expected_losses.numpy(), rtol=1e-6)
    np.testing.assert_allclose(float(outputs.loss), float(loss), rtol=1e-6)
    for variable, gradient, before in zip(model.trainable_variables, gradients, reference.trainable_variables):
        np.testing.assert_allclose(variable.numpy(), before.numpy() - LR * gradient.numpy(), rtol=1e-5, atol=1e-6)


def test_a_failed_step_under_the_cond_guard_changes_nothing_and_reports_it():
    model = _model()
    step, optimizer = _step(model)
    before = [v.numpy().copy() for v in model.variables]  # weights and batch-norm statistics
    verdict, skipped = tf.Variable(True), tf.Variable(0)

    def write(per_sample, scores, finite):
        verdict.assign(finite)

    outputs = tf.function(lambda: step(*_batch(bad=True), write=write, on_skip=lambda: skipped.assign_add(1)))()
    assert not bool(outputs.done) and int(optimizer.iterations.numpy()) == 0
    assert not bool(verdict.numpy()) and int(skipped.numpy()) == 1  # the table write saw the verdict; one skip
    for variable, value in zip(model.variables, before):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_a_failed_step_under_the_gate_guard_raises_before_anything_changes():
    model = _model()
    step, optimizer = _step(model, guard="gate")
    before = [v.numpy().copy() for v in model.variables]
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-finite per-sample losses"):
        tf.function(lambda: step(*_batch(bad=True)))()
    assert int(optimizer.iterations.numpy()) == 0
    for variable, value in zip(model.variables, before):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_the_table_gets_table_score_where_one_is_given():
    model = _model()
    optimizer = keras.optimizers.SGD(LR)
    optimizer.build(model.trainable_variables)
    step = TrainStep(model, _loss, optimizer, table_score=lambda y, p, losses: 2.0 * losses + 1.0)
    outputs = tf.function(lambda: step(*_batch()))()
    np.testing.assert_allclose(outputs.scores.numpy(), 2.0 * outputs.per_sample.numpy() + 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="guard must be"):
        TrainStep(model, _loss, optimizer, guard="none")
