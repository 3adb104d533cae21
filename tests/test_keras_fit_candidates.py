"""Candidate methods (selective-backprop, vr-switch) under Keras fit: the step scores C candidates with the
current model, trains on the B its CandidateSelector picks (with the selector's weights), and the table holds
the fresh candidate scores and the trained losses."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling.in_graph_sampler import InGraphSampler
from is_keras.training import ImportanceSamplingModel
from is_keras.training.candidate_selection import CandidateSelector

B, N, LR = 8, 64, 0.5


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                             keras.layers.Dense(3, activation="softmax")])


def _losses(model, x, y):
    return keras.losses.sparse_categorical_crossentropy(y, model(x, training=False)).numpy()


def _expected_step(reference, x, y, candidates, selector_state, config, scored, jit=False):
    """What one step must do: (trained indices, table entries {index: value}, weights after an SGD step)."""
    scores = _losses(reference, x[candidates], y[candidates])
    twin = CandidateSelector(batch_size=B, sampler_config=config, num_candidates=len(candidates))
    twin.set_state(selector_state)
    if scored:
        select = tf.function(twin.select, jit_compile=True) if jit else twin.select
        positions, weights = (t.numpy() for t in select(tf.constant(scores, tf.float32)))
    else:
        positions, weights = (t.numpy() for t in twin.uniform_selection())
    trained = candidates[positions]
    with tf.GradientTape() as tape:
        per_sample = keras.losses.sparse_categorical_crossentropy(y[trained], reference(x[trained], training=True))
        loss = tf.reduce_mean(per_sample * weights)
    grads = tape.gradient(loss, reference.trainable_variables)
    new_weights = [v.numpy() - LR * g.numpy() for v, g in zip(reference.trainable_variables, grads)]
    table = dict(zip(candidates.tolist(), scores.tolist())) if scored else {}
    table.update(zip(trained.tolist(), per_sample.numpy().tolist()))
    return trained, table, new_weights


@pytest.mark.parametrize("method,scored", [("selective-backprop", True), ("vr-switch", True),
                                           ("vr-switch", False)])
def test_host_backend_trains_the_selected_candidates_and_writes_fresh_scores(method, scored):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=B, method=method, seed=0)
    assert gen.candidates_per_step == 4 * B
    drawn = []
    real = gen.next_batch
    gen.next_batch = lambda: drawn.append(real()) or drawn[-1]
    model = _model()
    wrapped = ImportanceSamplingModel(model, gen, backend="host")
    wrapped.compile(optimizer=keras.optimizers.SGD(LR))
    assert wrapped.data_on_device
    if method == "vr-switch" and scored:
        wrapped.selector.tau.assign(100.0)  # τ above the threshold: score and sample by score
    for step in range(3):
        reference = keras.models.clone_model(model)
        reference.set_weights(model.get_weights())
        state = wrapped.selector.get_state()
        table_before = wrapped.loss_table
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=1, epochs=1, verbose=0)
        candidates = np.asarray(drawn[-1][0])
        assert candidates.shape == (4 * B,) and np.unique(candidates).size == 4 * B
        trained, table, new_weights = _expected_step(reference, x, y, candidates, state, gen.sampler_config,
                                                     scored)
        np.testing.assert_array_equal(wrapped.last_trained_indices, trained)
        expected = table_before.copy()
        expected[list(table)] = list(table.values())
        np.testing.assert_allclose(wrapped.loss_table, expected, rtol=1e-5, atol=1e-6)
        if not scored:
            assert np.isinf(wrapped.loss_table[np.setdiff1d(candidates, trained)]).all() or step > 0
        for got, want in zip(model.get_weights(), new_weights):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
        assert wrapped.selector.get_state()["step"] == state["step"] + 1
    assert int(wrapped.samples_seen.numpy()) == 3 * B  # B trained per step, not C


def test_host_backend_memmap_path_gives_the_same_run(tmp_path):
    """The (x, y, indices) dataset path (data not on the device) trains the same samples with the same table."""
    x, y = _data()
    runs = []
    for on_device in (True, False):
        data = x
        if not on_device:
            data = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=x.dtype, shape=x.shape)
            data[:] = x
        gen = ImportanceBatchGenerator(data, y, batch_size=B, method="selective-backprop", seed=0)
        wrapped = ImportanceSamplingModel(_model(), gen, backend="host")
        wrapped.compile(optimizer=keras.optimizers.SGD(LR))
        assert wrapped.data_on_device is on_device
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=4, epochs=2, verbose=0)
        runs.append((wrapped.loss_table, wrapped.last_trained_indices, wrapped.wrapped.get_weights()))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-6)
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    for a, b in zip(runs[0][2], runs[1][2]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("jit", [False, True], ids=["graph", "xla"])
def test_in_graph_backend_trains_the_selected_candidates(jit):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=B, method="selective-backprop", seed=0)
    model = _model()
    wrapped = ImportanceSamplingModel(model, gen, backend="in-graph")
    wrapped.compile(optimizer=keras.optimizers.SGD(LR), jit_compile=jit)
    assert wrapped.sampler_backend == "in-graph" and wrapped.jit_compile is jit
    for _ in range(3):
        reference = keras.models.clone_model(model)
        reference.set_weights(model.get_weights())
        state = wrapped.selector.get_state()
        twin = InGraphSampler(N, batch_size=4 * B, sampler_config=gen.sampler_config)  # draws as nis
        twin.set_state(wrapped.in_graph_sampler.get_state())
        draw = tf.function(twin.next_batch, jit_compile=True) if jit else twin.next_batch
        candidates = draw()[0].numpy()
        table_before = wrapped.loss_table
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=1, epochs=1, verbose=0)
        _, table, new_weights = _expected_step(reference, x, y, candidates, state, gen.sampler_config, True,
                                               jit=jit)
        expected = table_before.copy()
        expected[list(table)] = list(table.values())
        np.testing.assert_allclose(wrapped.loss_table, expected, rtol=1e-5, atol=1e-6)
        for got, want in zip(model.get_weights(), new_weights):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert int(wrapped.samples_seen.numpy()) == 3 * B
    assert np.isfinite(wrapped.loss_table).sum() > 3 * B  # candidates scored, not only the trained


def test_candidate_run_resumes_from_save_weights(tmp_path):
    """save_weights / load_weights carry the selector (through the generator's state) and the table."""
    x, y = _data()

    def run(steps, path=None, load=None):
        gen = ImportanceBatchGenerator(x, y, batch_size=B, method="vr-switch", seed=0)
        wrapped = ImportanceSamplingModel(_model(), gen, backend="host")
        wrapped.compile(optimizer=keras.optimizers.Adam(0.05))
        if load:
            wrapped.optimizer.build(wrapped.trainable_variables)  # so that its state is loaded too
            wrapped.load_weights(load)
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=steps, epochs=1, verbose=0)
        if path:
            wrapped.save_weights(path)
        return wrapped

    full = run(12)
    path = str(tmp_path / "w.weights.h5")
    run(5, path=path)
    resumed = run(7, load=path)
    np.testing.assert_array_equal(resumed.loss_table, full.loss_table)
    assert resumed.selector.get_state() == full.selector.get_state()
    for a, b in zip(resumed.wrapped.get_weights(), full.wrapped.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("jit", [False, True], ids=["graph", "xla"])
def test_in_graph_unscored_step_writes_only_the_trained_and_a_failed_step_nothing(jit):
    """vr-switch below its threshold (no candidate forward): only the B trained losses reach the table; a step
    with a NaN loss leaves the table, the weights and samples_seen as they were."""
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=B, method="vr-switch", vr_threshold=1e6, seed=0)
    model = _model()
    wrapped = ImportanceSamplingModel(model, gen, backend="in-graph")
    wrapped.compile(optimizer=keras.optimizers.SGD(LR), jit_compile=jit)
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=2, epochs=1, verbose=0)  # τ starts low: now uniform
    assert not bool(wrapped.selector.wants_candidate_scores())
    table_before = wrapped.loss_table
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=1, epochs=1, verbose=0)
    changed = np.flatnonzero(wrapped.loss_table != table_before)
    assert 0 < changed.size <= B  # the trained samples only, not the C = 4B candidates
    np.testing.assert_allclose(wrapped.loss_table[changed], _losses(model, x[changed], y[changed]), atol=0.5)

    kernel = model.layers[-1].kernel
    saved = kernel.numpy()
    kernel.assign(np.full(saved.shape, np.nan, np.float32))
    table_before, seen = wrapped.loss_table, int(wrapped.samples_seen.numpy())
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=1, epochs=1, verbose=0)
    np.testing.assert_array_equal(wrapped.loss_table, table_before)
    assert int(wrapped.samples_seen.numpy()) == seen and int(wrapped.skipped_steps.numpy()) == 1
