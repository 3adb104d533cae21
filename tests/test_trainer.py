"""The GradientTape trainer: the table follows the step's own losses, and learning really happens."""

import keras
import numpy as np
import pytest

from is_keras import ImportanceBatchGenerator, ImportanceTrainer, OneMinusAUC
from is_keras.data import load_digits
from is_keras.experiments import run_training
from is_keras.models import crapnet


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_short_training_run_really_lowers_one_minus_auc(digits):
    train, val = digits
    result = run_training(train, val, model="crapnet", method="is-probabilistic", epochs=6,
                          batch_size=64, eval_every=5, seed=0, model_kwargs={"width": 8})
    assert result.samples.shape == result.seconds.shape == result.one_minus_auc.shape
    assert np.all(np.diff(result.samples) == 5 * 64)
    assert np.all(np.diff(result.seconds) > 0)
    # chance is 1-AUC = 0.5; after 5 batches it is ~0.3, six epochs bring it to ~0.05
    # (the exact value moves with the CPU's floating-point kernels, hence the margin)
    assert result.one_minus_auc[0] > 3 * result.one_minus_auc[-1]
    assert result.one_minus_auc[-1] < 0.08
    assert np.all(np.isfinite(result.final_loss_table))


def test_table_holds_exactly_the_losses_of_the_training_forward_pass(digits):
    (x, y), _ = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", seed=0)
    model = crapnet(x.shape[1:], 10, width=4)
    seen = {}

    class Spy(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen[batch] = (trainer.last_indices.copy(), gen.loss_table[trainer.last_indices].copy(), logs["loss"])

    trainer = ImportanceTrainer(model, gen)
    original_step = trainer.train_step

    def recording_step():
        before = gen.num_updates
        trainer.last_indices = None
        real_next = gen.next_indices

        def spy_next():
            trainer.last_indices = real_next()
            return trainer.last_indices

        gen.next_indices = spy_next
        try:
            logs = original_step()
        finally:
            gen.next_indices = real_next
        assert gen.num_updates == before + 1  # one table update per step
        return logs

    trainer.train_step = recording_step
    trainer.fit(epochs=1, steps_per_epoch=5, callbacks=[Spy()])
    for _idx, table_values, mean_loss in seen.values():
        # the batch's table entries average to the step's reported loss: same forward pass
        assert np.mean(table_values) == pytest.approx(mean_loss, rel=1e-5)
    assert trainer.samples_seen == 5 * 32


def test_logs_history_and_stop_training(digits):
    (x, y), (xv, yv) = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=64, method="nis", seed=0)
    trainer = ImportanceTrainer(crapnet(x.shape[1:], 10, width=4), gen)
    batch_logs = []

    class Stopper(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batch_logs.append(dict(logs))
            if len(batch_logs) == 30:
                self.model.stop_training = True

    auc = OneMinusAUC(xv, yv, eval_every=10)
    history = trainer.fit(epochs=10, callbacks=[auc, Stopper()])
    assert len(batch_logs) == 30
    assert [b["samples_seen"] for b in batch_logs] == [64 * (i + 1) for i in range(30)]
    assert batch_logs[-1]["training_seconds"] == pytest.approx(trainer.training_seconds)
    assert auc.samples == [640, 1280, 1920]
    assert "one_minus_auc" in batch_logs[9]
    assert len(history.history["loss"]) == 2  # epoch 1 (22 steps) and the stopped epoch 2


def test_nan_loss_stops_training_and_leaves_the_table_untouched(digits):
    (x, y), _ = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=64, seed=0)
    calls = {"n": 0}

    def exploding_loss(y_true, y_pred):
        calls["n"] += 1
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred) * np.nan

    trainer = ImportanceTrainer(crapnet(x.shape[1:], 10, width=4), gen, loss=exploding_loss)
    with pytest.raises(FloatingPointError, match="NaN or infinite.*loss table was left unchanged"):
        trainer.fit(epochs=1)
    assert np.all(np.isinf(gen.loss_table))


def test_unknown_loss_name_is_refused(digits):
    (x, y), _ = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=64)
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        ImportanceTrainer(crapnet(x.shape[1:], 10, width=4), gen, loss="mse")


def test_same_seed_same_run(digits):
    train, val = digits
    a = run_training(train, val, method="is-randomsubset", epochs=2, batch_size=64, eval_every=7, seed=3,
                     model_kwargs={"width": 4})
    b = run_training(train, val, method="is-randomsubset", epochs=2, batch_size=64, eval_every=7, seed=3,
                     model_kwargs={"width": 4})
    np.testing.assert_allclose(a.one_minus_auc, b.one_minus_auc, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a.final_loss_table, b.final_loss_table, rtol=1e-4, atol=1e-6)


def test_run_training_validates_labels(digits):
    (x, y), (xv, yv) = digits
    with pytest.raises(ValueError, match="y_val must hold class labels >= 0"):
        run_training((x, y), (xv, yv - 1), epochs=1)
    with pytest.raises(ValueError, match="x_val has"):
        run_training((x, y), (xv[:10], yv), epochs=1)


@pytest.mark.parametrize("data_on_device", [True, False])
def test_tracing_happens_before_the_clock_and_is_not_repeated(digits, data_on_device):
    (x, y), _ = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", seed=0)
    trainer = ImportanceTrainer(crapnet(x.shape[1:], 10, width=2), gen, data_on_device=data_on_device)
    traces_when_clock_starts = []
    original_trace = trainer._trace_step

    def recording_trace(indices):
        original_trace(indices)
        traces_when_clock_starts.append(trainer._compiled_step.experimental_get_tracing_count())

    trainer._trace_step = recording_trace
    for _ in range(4):
        trainer.train_step()
    # traced exactly once, before timing; the timed steps reused that trace
    assert len(traces_when_clock_starts) == 1
    assert trainer._compiled_step.experimental_get_tracing_count() == traces_when_clock_starts[0]
    assert trainer.trace_seconds > 0
    assert trainer.training_seconds > 0


def _probabilistic_draw_probabilities(table, exponent, uniform_mix):
    """``p_i = (1 - λ) L_i^ω / sum_j L_j^ω + λ / N`` (is_keras/sampling/probabilistic.py)."""
    weights = table ** exponent
    return (1.0 - uniform_mix) * weights / weights.sum() + uniform_mix / table.size


def test_the_trained_batches_follow_the_table_the_trainer_wrote():
    """After the first pass the trained indices are drawn ∝ L^ω of the table at draw time (issue 21.6).

    A generator that repeats the first B samples, or draws uniformly ignoring the table, fails this.
    """
    rng = np.random.default_rng(0)
    n, batch, exponent, uniform_mix, steps = 40, 8, 2.0, 0.1, 300
    x = rng.normal(size=(n, 4)).astype("float32")
    y = rng.integers(0, 3, size=n)  # random labels: the losses stay spread out, the draws far from uniform
    gen = ImportanceBatchGenerator(x, y, batch_size=batch, method="is-probabilistic", exponent=exponent,
                                   uniform_mix=uniform_mix, seed=0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    trainer = ImportanceTrainer(model, gen, learning_rate=1e-3)
    draws = []  # (table at draw time, in first pass, drawn indices)
    real_next = gen.next_indices

    def recording_next():
        table, first = gen.loss_table.copy(), gen.in_first_pass
        indices = real_next()
        draws.append((table, first, indices.copy()))
        return indices

    gen.next_indices = recording_next
    trained = []

    class Recorder(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            trained.append(trainer.last_trained_indices.copy())

    first_pass = gen.steps_per_epoch
    trainer.fit(epochs=1, steps_per_epoch=first_pass + steps, callbacks=[Recorder()])
    assert len(draws) == len(trained) == first_pass + steps
    for (_, _, drawn), done in zip(draws, trained):
        np.testing.assert_array_equal(done, drawn)  # the trainer trained what the generator drew
    later = [(table, indices) for table, first, indices in draws if not first]
    assert len(later) == steps and all(np.all(np.isfinite(table)) for table, _ in later)

    observed = np.bincount(np.concatenate([indices for _, indices in later]), minlength=n)
    expected = sum(batch * _probabilistic_draw_probabilities(table, exponent, uniform_mix) for table, _ in later)
    assert expected.min() > 5  # the chi-square approximation holds
    # the test has power: the table's p is far from uniform (TV ≈ 0.3 here; a uniform sampler's draws fail)
    assert 0.5 * np.abs(expected / expected.sum() - 1.0 / n).sum() > 0.15
    chi_square = float(((observed - expected) ** 2 / expected).sum())
    dof = n - 1
    # a correct sampler gives ≈ dof (≈ 39 ± 9); 8 standard deviations above: a false alarm never happens,
    # while the uniform sampler scores ≈ 10^3 and the repeating one ≈ 10^4
    assert chi_square < dof + 8 * np.sqrt(2 * dof), f"draws do not follow p ∝ L^ω: chi-square {chi_square:.0f}"


def test_a_trainer_fit_that_ends_inside_the_first_pass_warns_and_a_longer_one_does_not():
    import warnings

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), np.arange(64) % 2
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    generator = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    trainer = ImportanceTrainer(model, generator)
    with pytest.warns(UserWarning, match=r"inside the uniform first pass \(32 of 64 samples not yet trained\)"):
        trainer.fit(epochs=1, steps_per_epoch=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        trainer.fit(epochs=1, steps_per_epoch=2)  # the pass ends here
