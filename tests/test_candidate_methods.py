"""Candidate methods end to end: the generator's candidates and the trainer's selecting step."""

import pickle

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.training.candidate_selection import CandidateSelector
from is_keras.training.trainer import ImportanceTrainer

METHODS = ["selective-backprop", "vr-switch"]


def data(n=60, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)).astype("float32"), np.arange(n) % classes


def linear_model(features=4, classes=3, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((features,)), keras.layers.Dense(classes, activation="softmax")])


# ------------------------------------------------------------------ generator
@pytest.mark.parametrize("method", METHODS)
def test_generator_hands_out_candidates_from_a_running_permutation(method):
    x, y = data(n=40)
    gen = ImportanceBatchGenerator(x, y, batch_size=5, method=method, candidate_factor=2.0, seed=1)
    assert gen.selects_candidates and gen.candidates_per_step == 10
    assert gen.steps_per_epoch == 8  # ceil(N / B): trained samples, not candidates
    assert not gen.in_first_pass and np.all(np.isinf(gen.loss_table))  # no first pass
    batches = [gen.next_batch() for _ in range(4)]
    indices = np.concatenate([b[0] for b in batches])
    assert sorted(indices.tolist()) == list(range(40))  # 4 x C = N: one permutation
    assert all(b[0].shape == (10,) and b[1].dtype == np.float32 and np.all(b[1] == 1.0) for b in batches)
    gen.set_loss_table(np.full(40, np.inf))  # unvisited entries start no first pass either
    assert not gen.in_first_pass and gen.next_batch()[0].shape == (10,)


def test_generator_caps_candidates_at_the_dataset_size_and_keeps_other_methods_at_batch_size():
    x, y = data(n=12)
    assert ImportanceBatchGenerator(x, y, batch_size=4, method="vr-switch").candidates_per_step == 12
    nis = ImportanceBatchGenerator(x, y, batch_size=4, method="nis")
    assert not nis.selects_candidates and nis.candidates_per_step == 4


def test_generator_state_and_pickle_carry_the_selector():
    x, y = data(n=40)
    config = SamplerConfig(method="vr-switch", candidate_factor=2.0)
    gen = ImportanceBatchGenerator(x, y, batch_size=5, sampler_config=config, seed=1)
    selector = CandidateSelector(batch_size=5, sampler_config=config, seed=7, num_candidates=gen.candidates_per_step)
    gen.attach_selector(selector)
    gen.next_batch()
    selector.observe(tf.range(10, dtype=tf.float32))
    state = gen.get_state()
    assert state["candidate_selector"] == selector.get_state()
    expected = gen.next_batch()[0]
    twin = ImportanceBatchGenerator(x, y, batch_size=5, sampler_config=config, seed=2)
    twin.set_state(state)  # before a selector is attached: applied at attach
    fresh = CandidateSelector(batch_size=5, sampler_config=config, seed=0, num_candidates=10)
    twin.attach_selector(fresh)
    assert fresh.get_state() == selector.get_state()
    np.testing.assert_array_equal(twin.next_batch()[0], expected)
    copy = pickle.loads(pickle.dumps(gen))
    other = CandidateSelector(batch_size=5, sampler_config=config, seed=0, num_candidates=10)
    copy.attach_selector(other)
    assert other.get_state() == selector.get_state()
    wrong = CandidateSelector(batch_size=5, sampler_config=config, seed=0, num_candidates=7)
    gen_wrong = ImportanceBatchGenerator(x, y, batch_size=5, sampler_config=config, seed=1)
    gen_wrong.attach_selector(wrong)
    before = gen_wrong.get_state()
    with pytest.raises(ValueError, match="num_candidates"):
        gen_wrong.set_state(state)
    np.testing.assert_array_equal(gen_wrong.get_state()["table"], before["table"])
    assert gen_wrong.num_draws == 0  # refused: nothing changed


def test_dataset_yields_candidate_rows():
    x, y = data(n=40)
    gen = ImportanceBatchGenerator(x, y, batch_size=5, method="selective-backprop", candidate_factor=2.0)
    x_batch, y_batch, idx = next(iter(gen.as_dataset(prefetch=0)))
    assert x_batch.shape == (10, 4) and idx.shape == (10,)


# ------------------------------------------------------------------ trainer
def candidate_losses(model, x, y, indices):
    predictions = model(x[indices], training=False)
    return keras.losses.sparse_categorical_crossentropy(y[indices], predictions).numpy()


def one_selective_step(n=60, batch=4, factor=4.0, **trainer_options):
    x, y = data(n=n)
    model = linear_model()
    gen = ImportanceBatchGenerator(x, y, batch_size=batch, method="selective-backprop", candidate_factor=factor,
                                   selectivity=60.0, seed=3)
    trainer = ImportanceTrainer(model, gen, learning_rate=0.05, **trainer_options)
    candidates = gen.get_state()  # the candidates the step will get: draw them from a copy
    probe = ImportanceBatchGenerator(x, y, batch_size=batch, method="selective-backprop", candidate_factor=factor,
                                     selectivity=60.0, seed=0)
    probe.set_state(candidates)
    indices = probe.next_batch()[0]
    losses = candidate_losses(model, x, y, indices)
    trainer.train_step()
    return trainer, gen, indices, losses


def selection_follows_scores(trainer, indices, losses) -> bool:
    """With selectivity 60, the B trained samples are (almost surely) the B highest fresh losses."""
    top = set(indices[np.argsort(losses)[-trainer.generator.batch_size:]].tolist())
    return set(trainer.last_trained_indices.tolist()) == top


@pytest.mark.parametrize("on_device", [True, False])
def test_selective_backprop_step_trains_the_selected_and_writes_fresh_scores(on_device):
    trainer, gen, indices, losses = one_selective_step(data_on_device=on_device)
    assert selection_follows_scores(trainer, indices, losses)
    assert trainer.samples_seen == 4 and gen.num_updates == 1
    assert int(trainer.selector.step.numpy()) == 1
    # the table holds the 16 fresh candidate losses (a Dense model: the trained losses are the same values)
    np.testing.assert_allclose(gen.loss_table[indices], losses, rtol=1e-5)
    assert np.isfinite(gen.loss_table).sum() == 16


def test_the_selection_check_detects_a_selector_that_ignores_scores(monkeypatch):
    def first_positions(self, scores):
        return tf.range(self.batch_size, dtype=tf.int32), tf.ones([self.batch_size], tf.float32)

    monkeypatch.setattr(CandidateSelector, "select", first_positions)
    trainer, gen, indices, losses = one_selective_step()
    np.testing.assert_array_equal(trainer.last_trained_indices, indices[:4])
    assert not selection_follows_scores(trainer, indices, losses)


def test_the_update_uses_only_the_selected_samples():
    """Gradient check: the step equals one plain step on the selected B samples (weights 1, mean over B)."""
    trainer, gen, indices, losses = one_selective_step()
    x, y = data(n=60)
    reference = linear_model()
    optimizer = keras.optimizers.Adam(0.05)
    chosen = trainer.last_trained_indices
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y[chosen], reference(x[chosen])))
    optimizer.apply_gradients(zip(tape.gradient(loss, reference.trainable_variables),
                                  reference.trainable_variables))
    for trained, expected in zip(trainer.model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(trained, expected, rtol=1e-5, atol=1e-6)


def test_vr_switch_trains_uniform_first_then_by_score():
    x, y = data(n=60)
    gen = ImportanceBatchGenerator(x, y, batch_size=4, method="vr-switch", candidate_factor=3.0, vr_threshold=0.0,
                                   seed=2)
    trainer = ImportanceTrainer(linear_model(), gen, learning_rate=0.01)
    probe = ImportanceBatchGenerator(x, y, batch_size=4, method="vr-switch", candidate_factor=3.0, vr_threshold=0.0)
    probe.set_state(gen.get_state())
    first, second = probe.next_batch()[0], probe.next_batch()[0]
    trainer.train_step()  # τ = 0 is not above 0: the first B candidates, no candidate forward
    np.testing.assert_array_equal(trainer.last_trained_indices, first[:4])
    assert np.isfinite(gen.loss_table).sum() == len(set(first[:4].tolist()))
    assert float(trainer.selector.tau.numpy()) > 0
    losses = candidate_losses(trainer.model, x, y, second)
    trainer.train_step()  # now τ > 0: all 12 candidates scored, B drawn by score
    np.testing.assert_allclose(gen.loss_table[second], losses, rtol=1e-5)
    assert set(trainer.last_trained_indices.tolist()) <= set(second.tolist())
    assert trainer.samples_seen == 8


def test_vr_switch_with_a_high_threshold_never_scores_candidates():
    x, y = data(n=60)
    gen = ImportanceBatchGenerator(x, y, batch_size=4, method="vr-switch", vr_threshold=1e6, seed=2)
    trainer = ImportanceTrainer(linear_model(), gen, learning_rate=0.01)
    trainer.fit(epochs=1)
    assert trainer.samples_seen == 60 and np.isfinite(gen.loss_table).sum() <= 60
    assert not bool(trainer.selector.wants_candidate_scores())


def test_a_failed_candidate_step_changes_nothing():
    x, y = data(n=60)
    gen = ImportanceBatchGenerator(x, y, batch_size=4, method="selective-backprop", seed=2)
    model = linear_model()
    trainer = ImportanceTrainer(model, gen, learning_rate=0.01)
    trainer.train_step()
    kernel = model.layers[0].kernel
    saved = kernel.numpy()
    kernel.assign(np.full(saved.shape, np.nan, np.float32))
    table, state = gen.loss_table.copy(), trainer.selector.get_state()
    iterations = int(trainer.optimizer.iterations.numpy())
    with pytest.raises(FloatingPointError):
        trainer.train_step()
    np.testing.assert_array_equal(gen.loss_table, table)
    assert trainer.selector.get_state() == state and int(trainer.optimizer.iterations.numpy()) == iterations
    assert gen.num_updates == 1 and trainer.samples_seen == 4
    retry = trainer._retry[0]
    kernel.assign(saved)
    trainer.train_step()  # the same candidates are trained next
    assert set(trainer.last_trained_indices.tolist()) <= set(retry.tolist())


@pytest.mark.parametrize("method", METHODS)
def test_candidate_methods_fit_with_xla_and_a_table_score(method):
    from is_keras.training.gradient_norm_score import gradient_norm_score

    x, y = data(n=48)
    gen = ImportanceBatchGenerator(x, y, batch_size=8, method=method, candidate_factor=2.0, vr_threshold=1.0, seed=0)
    trainer = ImportanceTrainer(linear_model(), gen, learning_rate=0.05, jit_compile=True,
                                table_score=gradient_norm_score)
    history = trainer.fit(epochs=2)
    assert trainer.samples_seen == 96 and len(history.history["loss"]) == 2
    assert int(trainer.selector.step.numpy()) == 12
    table = gen.loss_table[np.isfinite(gen.loss_table)]
    assert table.size > 0 and np.all(table <= np.sqrt(2) + 1e-5)  # gradient-norm scores, not losses


class _Interrupt(Exception):
    pass


class _CrashAfter(keras.callbacks.Callback):
    def __init__(self, steps):
        super().__init__()
        self.steps, self.done = steps, 0

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        if self.steps is not None and self.done == self.steps:
            raise _Interrupt


@pytest.mark.parametrize("method", METHODS)
def test_a_resumed_candidate_run_is_bit_identical(method, tmp_path):
    """The backup holds the selector's step counter and τ (through the generator's state)."""

    def run(backup_dir=None, crash_after=None):
        x, y = data(n=48)
        gen = ImportanceBatchGenerator(x, y, batch_size=4, method=method, candidate_factor=2.0, vr_threshold=1.01,
                                       seed=0)
        trainer = ImportanceTrainer(linear_model(), gen, learning_rate=0.05)
        try:
            trainer.fit(epochs=2, callbacks=[_CrashAfter(crash_after)], backup_dir=backup_dir, backup_every=5)
        except _Interrupt:
            return None
        return trainer

    straight = run()
    assert run(tmp_path, crash_after=17) is None
    resumed = run(tmp_path)
    assert resumed.selector.get_state() == straight.selector.get_state()
    np.testing.assert_array_equal(resumed.generator.loss_table, straight.generator.loss_table)
    for a, b in zip(resumed.model.get_weights(), straight.model.get_weights()):
        np.testing.assert_array_equal(a, b)
