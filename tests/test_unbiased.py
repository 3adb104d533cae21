"""Opt-in unbiased importance sampling: weights 1 / (N p_i), checked against their formula,
against the expectation they must restore, and through the trainer's gradient."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling.reweighting import importance_weights
from is_keras.training.keras_fit import ImportanceSamplingModel
from is_keras.training.trainer import ImportanceTrainer


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype(np.float32), rng.integers(0, 3, size=n)


def _table(n=200, seed=1):
    return np.random.default_rng(seed).gamma(0.5, 1.0, size=n) + 1e-3  # skewed, all > 0


@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0])
def test_weights_are_one_over_n_times_the_draw_probability(exponent):
    x, y = _data()
    table = _table()
    gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", exponent=exponent,
                                   initial_losses=table, unbiased=True, seed=0)
    idx, weights = gen.next_batch()
    p = table**exponent / np.sum(table**exponent)
    np.testing.assert_allclose(weights, 1.0 / (len(x) * p[idx]), rtol=1e-5)
    assert weights.dtype == np.float32


def test_weighted_batch_mean_is_unbiased_and_the_unweighted_one_is_not():
    # A per-sample quantity v (think: a gradient component) drawn with p ∝ L: the weighted batch
    # mean estimates mean(v) without bias; the unweighted one estimates sum(p v) instead.
    x, y = _data()
    table = _table()
    v = np.random.default_rng(2).normal(1.0, 1.0, size=table.size) + 2 * table
    gen = ImportanceBatchGenerator(x, y, batch_size=64, method="is-probabilistic", initial_losses=table,
                                   unbiased=True, seed=0)
    weighted, unweighted = [], []
    for _ in range(3000):
        idx, w = gen.next_batch()
        weighted.append(np.mean(w * v[idx]))
        unweighted.append(np.mean(v[idx]))
    weighted, unweighted = np.array(weighted), np.array(unweighted)
    stderr = weighted.std() / np.sqrt(weighted.size)
    assert abs(weighted.mean() - v.mean()) < 4 * stderr
    p = table / table.sum()
    biased_mean = np.sum(p * v)
    assert abs(unweighted.mean() - biased_mean) < 4 * unweighted.std() / np.sqrt(unweighted.size)
    assert abs(biased_mean - v.mean()) > 20 * stderr  # the correction matters here


def test_uniform_draws_and_the_first_pass_have_weight_one():
    x, y = _data()
    nis = ImportanceBatchGenerator(x, y, batch_size=32, method="nis", initial_losses=_table(), unbiased=True)
    assert np.all(nis.next_batch()[1] == 1.0)
    fresh = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", unbiased=True)
    for _ in range(fresh.steps_per_epoch):  # the uniform first pass
        idx, w = fresh.next_batch()
        assert np.all(w == 1.0)
        fresh.update(idx, _table()[idx])
    assert not np.all(fresh.next_batch()[1] == 1.0)


def test_biased_generators_give_weight_one():
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", initial_losses=_table())
    assert np.all(gen.next_batch()[1] == 1.0)


@pytest.mark.parametrize("method", ["is-randomsubset", "is-highsubset"])
def test_subset_methods_cannot_be_reweighted(method):
    x, y = _data()
    with pytest.raises(ValueError, match=f"unbiased=True needs .*{method}"):
        ImportanceBatchGenerator(x, y, batch_size=32, method=method, unbiased=True)


def test_zero_probability_is_refused():
    with pytest.raises(ValueError, match="p = 0"):
        importance_weights(np.array([0.5, 0.0]), 4)


def test_dataset_of_an_unbiased_generator_carries_the_weights():
    x, y = _data()
    table = _table()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", initial_losses=table,
                                   unbiased=True, seed=0)
    for x_batch, _, idx, w in gen.as_dataset(prefetch=0).take(3):
        p = table / table.sum()
        np.testing.assert_allclose(w.numpy(), 1.0 / (len(x) * p[idx.numpy()]), rtol=1e-5)
        np.testing.assert_array_equal(x_batch.numpy(), x[idx.numpy()])


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize("data_on_device", [True, False])
def test_trainer_steps_on_the_weighted_loss_and_writes_unweighted_losses(data_on_device):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", initial_losses=_table(),
                                   unbiased=True, seed=0)
    model = _model()
    reference = _model()
    trainer = ImportanceTrainer(model, gen, optimizer=keras.optimizers.SGD(learning_rate=1.0),
                                data_on_device=data_on_device, prefetch=False)
    drawn = []
    draw = gen.next_batch
    gen.next_batch = lambda: drawn.append(draw()) or drawn[-1]
    trainer.train_step()
    idx, w = drawn[0]
    assert w.std() > 0.1  # the weights really differ from 1

    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    with tf.GradientTape(persistent=True) as tape:
        per_sample = loss_fn(y[idx], reference(x[idx]))
        weighted = tf.reduce_sum(per_sample * w) / len(idx)
        unweighted = tf.reduce_mean(per_sample)
    start = [v.numpy() for v in reference.trainable_variables]
    expected = [v - g.numpy() for v, g in zip(start, tape.gradient(weighted, reference.trainable_variables))]
    biased = [v - g.numpy() for v, g in zip(start, tape.gradient(unweighted, reference.trainable_variables))]
    for got, want, other in zip(model.trainable_variables, expected, biased):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)
        assert not np.allclose(got.numpy(), other, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gen.loss_table[idx], per_sample.numpy(), rtol=1e-5)


def test_keras_fit_wrapper_uses_the_weights():
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", initial_losses=_table(),
                                   unbiased=True, seed=0)
    model, reference = _model(), _model()
    wrapped = ImportanceSamplingModel(model, gen)
    wrapped.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0))
    batch = next(iter(gen.as_dataset(prefetch=0)))
    batch_x, batch_y, idx, w = (t.numpy() for t in batch)
    wrapped.fit(tf.data.Dataset.from_tensors((batch_x, batch_y, idx, w)), epochs=1, verbose=0, shuffle=False)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(loss_fn(batch_y, reference(batch_x)) * w)
    grads = tape.gradient(loss, reference.trainable_variables)
    for got, v, g in zip(model.trainable_variables, reference.trainable_variables, grads):
        np.testing.assert_allclose(got.numpy(), v.numpy() - g.numpy(), rtol=1e-4, atol=1e-6)


def test_uniform_mix_draws_follow_the_mixture_and_bound_the_weights():
    x, y = _data()
    table = _table()
    mix = 0.25
    gen = ImportanceBatchGenerator(x, y, batch_size=100, method="is-probabilistic", initial_losses=table,
                                   unbiased=True, uniform_mix=mix, seed=0)
    counts = np.zeros(len(x))
    max_weight = 0.0
    v = np.random.default_rng(2).normal(1.0, 1.0, size=table.size) + 2 * table
    estimates = []
    for _ in range(2000):
        idx, w = gen.next_batch()
        np.add.at(counts, idx, 1)
        max_weight = max(max_weight, float(w.max()))
        estimates.append(np.mean(w * v[idx]))
    expected = (1 - mix) * table / table.sum() + mix / len(x)
    freq = counts / counts.sum()
    # binomial standard error per sample, 200,000 draws
    stderr = np.sqrt(expected * (1 - expected) / counts.sum())
    assert np.all(np.abs(freq - expected) < 5 * stderr)
    assert max_weight <= 1 / mix + 1e-4
    estimates = np.array(estimates)
    assert abs(estimates.mean() - v.mean()) < 4 * estimates.std() / np.sqrt(estimates.size)


def test_uniform_mix_is_checked():
    x, y = _data()
    with pytest.raises(ValueError, match="uniform_mix must be in \\[0, 1\\]"):
        ImportanceBatchGenerator(x, y, batch_size=8, method="is-probabilistic", uniform_mix=1.5)
    with pytest.raises(ValueError, match="uniform_mix applies to 'is-probabilistic' only"):
        ImportanceBatchGenerator(x, y, batch_size=8, method="is-randomsubset", uniform_mix=0.1)
