"""The in-graph sampler: draw distributions against the formulas, the first pass, nis epochs, is-randomsubset's
top of the subset, unbiased weights, XLA compilation, an end-to-end compiled train loop, and resuming."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.in_graph_kernels import KERNELS
from is_keras.sampling.in_graph_permutation import derive_key, permute
from is_keras.sampling.in_graph_sampler import IN_GRAPH_METHODS, InGraphSampler
from is_keras.sampling.in_graph_weighted import BlockWeights, row_sums
from is_keras.sampling.reweighting import importance_weights, unbiased_weights


def run_draws(sampler, steps, *, jit=False, update=None):
    """``steps`` draws inside one compiled function: (indices (steps, B), weights (steps, B)).

    ``update(indices)`` -> losses, if given, is written into the table after every draw.
    """

    key = (jit, update is not None)
    cache = sampler.__dict__.setdefault("_test_loops", {})  # one trace per sampler and kind of loop
    if key not in cache:

        @tf.function(jit_compile=jit)
        def loop(steps):
            indices = tf.TensorArray(tf.int32, size=steps)
            weights = tf.TensorArray(tf.float32, size=steps)
            for i in tf.range(steps):
                idx, w = sampler.next_batch()
                if update is not None:
                    sampler.update(idx, update(idx))
                indices = indices.write(i, idx)
                weights = weights.write(i, w)
            return indices.stack(), weights.stack()

        cache[key] = loop
    # XLA needs the TensorArray's size at compile time: a Python int (one trace per value) under jit
    indices, weights = cache[key](steps if jit else tf.constant(steps))
    return indices.numpy(), weights.numpy()


def index_losses(n):
    return lambda idx: (tf.cast(idx, tf.float32) + 1.0) / n


def probabilistic_p(losses, exponent, mix):
    weights = np.asarray(losses, np.float64) ** exponent
    return (1 - mix) * weights / weights.sum() + mix / len(losses)


def total_variation(counts, p):
    return 0.5 * np.abs(counts / counts.sum() - p).sum()


# ------------------------------------------------------------------ first pass and nis
def test_first_pass_visits_every_sample_once_then_ends():
    n, b = 50, 8
    sampler = InGraphSampler(n, batch_size=b, method="is-probabilistic", seed=5)
    indices, weights = run_draws(sampler, 7, update=index_losses(n))
    flat = indices.reshape(-1)
    assert sorted(flat[:n].tolist()) == list(range(n))  # 6 full batches + 2 of the 7th
    last = indices[-1]
    assert len(set(last.tolist())) == b  # the fill is distinct ...
    assert set(last[2:].tolist()) <= set(flat[:48].tolist())  # ... and was visited earlier in the pass
    np.testing.assert_array_equal(weights, 1.0)
    assert not bool(sampler.in_first_pass())
    assert np.isfinite(sampler.table.numpy()).all()
    np.testing.assert_allclose(sampler.table.numpy(), (np.arange(n) + 1.0) / n, rtol=1e-6)


def test_batches_larger_than_the_dataset():
    sampler = InGraphSampler(5, batch_size=12, method="nis", seed=0)
    indices, _ = run_draws(sampler, 3, update=index_losses(5))
    assert sorted(indices[0][:5].tolist()) == list(range(5))  # the pass, then repeats to fill the batch
    for epoch in indices[1:].reshape(-1)[:20].reshape(4, 5):  # nis: the draws run through whole epochs
        assert sorted(epoch.tolist()) == list(range(5))
    assert np.bincount(indices[0], minlength=5).min() >= 2


def test_first_pass_orders_differ_by_seed_and_repeat_with_it():
    first = [run_draws(InGraphSampler(40, batch_size=40, method="nis", seed=s), 1)[0][0] for s in (0, 0, 1)]
    np.testing.assert_array_equal(first[0], first[1])
    assert not np.array_equal(first[0], first[2])
    assert sorted(first[2].tolist()) == list(range(40))


def test_skipped_updates_are_drawn_before_the_method_starts():
    n, b = 12, 4
    sampler = InGraphSampler(n, batch_size=b, method="nis", seed=0)
    indices, _ = run_draws(sampler, 3)  # the first pass handed out everything, nothing was written
    assert bool(sampler.in_first_pass())
    sampler.update(indices[0], np.ones(b))
    sampler.update(indices[1], np.ones(b))
    again, _ = run_draws(sampler, 1, update=index_losses(n))
    assert sorted(again[0].tolist()) == sorted(indices[2].tolist())  # the unvisited four, then the pass is over
    assert not bool(sampler.in_first_pass())


@pytest.mark.parametrize("b", [8, 12])
def test_nis_every_epoch_is_a_permutation(b):
    n = 40
    sampler = InGraphSampler(n, batch_size=b, method="nis", seed=2)
    sampler.set_losses(np.ones(n))
    indices, weights = run_draws(sampler, 3 * n // b * 2)  # a whole number of epochs
    flat = indices.reshape(-1)
    epochs = flat.reshape(-1, n)
    for epoch in epochs:
        assert sorted(epoch.tolist()) == list(range(n))
    assert len({tuple(e) for e in epochs.tolist()}) == len(epochs)  # a fresh order every epoch
    np.testing.assert_array_equal(weights, 1.0)


def test_keyed_permutation_is_uniform_over_positions():
    # where position 0 lands, over 6000 keys: uniform over range(n) (chi-square)
    n, keys = 12, 6000
    landed = permute(tf.zeros([keys], tf.int64), derive_key(tf.constant(3, tf.int64), 9, tf.range(keys)), n)
    counts = np.bincount(landed.numpy(), minlength=n)
    assert stats.chisquare(counts).pvalue > 1e-3
    big = permute(tf.range(10**5, dtype=tf.int64), derive_key(tf.constant(1, tf.int64), 0, 0), 10**5)
    assert np.array_equal(np.sort(big.numpy()), np.arange(10**5))


# ------------------------------------------------------------------ is-probabilistic
@pytest.mark.parametrize("exponent, mix", [(2.0, 0.0), (0.5, 0.3), (0.0, 0.0)])
def test_probabilistic_draws_follow_the_formula(exponent, mix):
    n, b, steps = 16, 256, 120
    losses = np.linspace(0.0, 3.0, n)  # one zero loss: p = λ / N for it
    sampler = InGraphSampler(n, batch_size=b, method="is-probabilistic", exponent=exponent, uniform_mix=mix, seed=7)
    sampler.set_losses(losses)
    indices, _ = run_draws(sampler, steps)
    counts = np.bincount(indices.reshape(-1), minlength=n).astype(float)
    p = probabilistic_p(losses, exponent, mix)
    keep = p > 0
    assert counts[~keep].sum() == 0  # zero-probability samples are never drawn
    assert stats.chisquare(counts[keep], p[keep] * counts.sum()).pvalue > 1e-3
    tv = total_variation(counts, p)
    assert tv < 0.02
    # formulas that ignore the exponent or the uniform mix are far from what was drawn
    wrong = [probabilistic_p(losses, 1.0 if exponent != 1.0 else 2.0, mix)]
    if mix:
        wrong.append(probabilistic_p(losses, exponent, 0.0))
    for q in wrong:
        assert total_variation(counts, q) > 0.05


def test_two_level_draw_matches_weights_across_many_blocks():
    rng = np.random.default_rng(0)
    n = 3000
    weights = rng.random(n) ** 4
    weights[rng.random(n) < 0.3] = 0.0
    weights[:200] = 0.0  # whole empty blocks
    kept = BlockWeights(n, block=16)
    kept.assign(tf.constant(weights, tf.float32))
    idx, total = kept.draw(tf.random.stateless_uniform([200_000], [1, 2]))
    counts = np.bincount(idx.numpy(), minlength=n).astype(float)
    p = weights / weights.sum()
    assert counts[p == 0].sum() == 0
    np.testing.assert_allclose(float(total), weights.sum(), rtol=1e-4)
    assert total_variation(counts, p) < 0.06  # sampling noise alone: about 0.04 here
    # the same draws against a distribution with the weights' exponent ignored are far off
    flat = np.where(weights > 0, 1.0, 0.0)
    assert total_variation(counts, flat / flat.sum()) > 0.2


def test_huge_losses_do_not_overflow():
    losses = np.array([1e30, 3e30, 0.0, 2e30])
    sampler = InGraphSampler(4, batch_size=256, method="is-probabilistic", exponent=2.0, unbiased=True, seed=0)
    sampler.set_losses(losses)
    indices, weights = run_draws(sampler, 40)
    counts = np.bincount(indices.reshape(-1), minlength=4).astype(float)
    assert counts[2] == 0 and np.isfinite(weights).all()
    assert total_variation(counts, probabilistic_p(losses / 1e30, 2.0, 0.0)) < 0.02


@pytest.mark.parametrize("exponent, mix", [(1.0, 0.0), (2.0, 0.2)])
def test_unbiased_weights_are_one_over_n_p(exponent, mix):
    n = 30
    losses = np.random.default_rng(1).random(n) * 5 + 0.01
    sampler = InGraphSampler(n, batch_size=64, method="is-probabilistic", exponent=exponent, uniform_mix=mix,
                             unbiased=True, seed=3)
    sampler.set_losses(losses)
    indices, weights = run_draws(sampler, 50)
    p = probabilistic_p(np.float32(losses), exponent, mix)
    np.testing.assert_allclose(weights, 1.0 / (n * p[indices]), rtol=1e-5)
    np.testing.assert_allclose(sampler.draw_probabilities(indices[0]).numpy(), p[indices[0]], rtol=1e-5)
    # unbiased: the weighted mean of drawn losses estimates the plain mean
    estimate = np.mean(weights * losses[indices])
    assert abs(estimate - losses.mean()) < 0.05 * losses.mean()


def test_nis_unbiased_weights_are_one():
    sampler = InGraphSampler(20, batch_size=5, method="nis", unbiased=True)
    sampler.set_losses(np.arange(20.0))
    _, weights = run_draws(sampler, 4)
    np.testing.assert_array_equal(weights, 1.0)


# ------------------------------------------------------------------ is-randomsubset
def test_random_subset_takes_the_top_of_its_subset():
    n, b = 500, 16
    losses = np.random.default_rng(2).permutation(n).astype(np.float32)  # distinct losses
    sampler = InGraphSampler(n, batch_size=b, method="is-randomsubset", subset_fraction=0.1, seed=4)
    sampler.set_losses(losses)
    assert sampler.subset_size == 50
    for _ in range(5):
        step = int(sampler.step.numpy())
        subset = sampler.random_subset(step).numpy()
        assert len(set(subset.tolist())) == 50 and subset.min() >= 0 and subset.max() < n
        expected = subset[np.argsort(-losses[subset])[:b]]
        indices, weights = sampler.next_batch()
        np.testing.assert_array_equal(indices.numpy(), expected)  # the top B, highest first
        np.testing.assert_array_equal(weights.numpy(), 1.0)


def test_random_subsets_are_uniform_and_fresh_every_step():
    n, steps = 40, 1500
    sampler = InGraphSampler(n, batch_size=4, method="is-randomsubset", subset_fraction=0.25, seed=0)
    subsets = sampler.random_subset(tf.range(steps)).numpy()
    np.testing.assert_array_equal(subsets[17], sampler.random_subset(17).numpy())
    counts = np.bincount(subsets.reshape(-1), minlength=n)
    assert stats.chisquare(counts).pvalue > 1e-3  # every sample is in a subset with probability m / N
    assert len({tuple(sorted(s)) for s in subsets.tolist()}) == steps


def test_random_subset_draws_have_no_duplicates_and_follow_the_top_rule():
    n, b = 200, 32
    sampler = InGraphSampler(n, batch_size=b, method="is-randomsubset", subset_fraction=0.5, seed=1)
    indices, _ = run_draws(sampler, 30, jit=True, update=index_losses(n))
    for batch in indices[7:]:  # after the first pass (7 batches)
        assert len(set(batch.tolist())) == b
        assert np.all(np.diff(batch) < 0)  # losses grow with the index: highest loss first
    # the lowest-loss samples are never in the top 32 of a subset of 100
    assert indices[7:].min() >= b - 1


# ------------------------------------------------------------------ compiled training
ALL_METHODS = ["nis", "is-probabilistic", "is-randomsubset", "is-switch", "is-annealed"]
PROBABILISTIC = ("is-probabilistic", "is-switch", "is-annealed")


@pytest.mark.parametrize("method", ALL_METHODS)
def test_draw_and_update_compile_with_xla(method):
    options = {"unbiased": True, "uniform_mix": 0.1} if method in PROBABILISTIC else {}
    sampler = InGraphSampler(100, batch_size=16, method=method, seed=0, **options)
    indices, weights = run_draws(sampler, 12, jit=True, update=index_losses(100))
    assert indices.shape == (12, 16) and np.isfinite(weights).all()
    assert sorted(indices[:7].reshape(-1)[:100].tolist()) == list(range(100))
    assert int(sampler.step.numpy()) == 12


def test_end_to_end_compiled_train_steps():
    n, b, steps_per_execution = 96, 16, 4
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(n, 5)), tf.float32)  # the data lives on the device
    y = tf.constant((rng.normal(size=n) > 0).astype(np.float32))
    sampler = InGraphSampler(n, batch_size=b, method="is-probabilistic", exponent=1.0, uniform_mix=0.2,
                             unbiased=True, seed=0)
    kernel = tf.Variable(tf.zeros([5, 1]))
    bias = tf.Variable(tf.zeros([1]))

    @tf.function(jit_compile=True)
    def train(learning_rate):
        total = tf.constant(0.0)
        for _ in tf.range(steps_per_execution):
            indices, weights = sampler.next_batch()
            x_batch, y_batch = tf.gather(x, indices), tf.gather(y, indices)
            with tf.GradientTape() as tape:
                logits = tf.squeeze(x_batch @ kernel, 1) + bias
                losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_batch, logits=logits)
                loss = tf.reduce_mean(weights * losses)
            grads = tape.gradient(loss, [kernel, bias])
            kernel.assign_sub(learning_rate * grads[0])
            bias.assign_sub(learning_rate * grads[1])
            sampler.update(indices, losses)
            total += loss
        return total / steps_per_execution

    def full_loss():
        logits = tf.squeeze(x @ kernel, 1) + bias
        return float(tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)))

    before = full_loss()
    for _ in range(2):  # 8 steps: the first pass (6 batches) and two importance-sampled ones
        train(tf.constant(0.5))
    assert not bool(sampler.in_first_pass()) and int(sampler.step.numpy()) == 8
    for _ in range(10):
        train(tf.constant(0.5))
    assert full_loss() < before
    assert np.isfinite(sampler.table.numpy()).all() and int(sampler.num_invalid_losses.numpy()) == 0


# ------------------------------------------------------------------ updates and state
def test_update_refuses_bad_losses_and_takes_the_last_of_repeats():
    sampler = InGraphSampler(5, batch_size=2, method="nis")
    sampler.update([0, 1, 2, 0], [1.0, np.nan, -1.0, 4.0])
    table = sampler.table.numpy()
    assert table[0] == 4.0 and np.isinf(table[1:]).all()
    assert int(sampler.num_invalid_losses.numpy()) == 2 and int(sampler.num_unvisited.numpy()) == 4


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("jit", [False, True])
def test_resume_from_state_gives_identical_draws(method, jit):
    n, b = 30, 7
    update = index_losses(n)
    options = {"unbiased": True, "uniform_mix": 0.1} if method in PROBABILISTIC else {}
    original = InGraphSampler(n, batch_size=b, method=method, seed=11, **options)
    original.set_progress(0.25)  # the scheduled methods: is-annealed at half its exponent
    run_draws(original, 3, jit=jit, update=update)  # stop inside the first pass
    state = original.get_state()
    expected, expected_weights = run_draws(original, 9, jit=jit, update=update)
    resumed = InGraphSampler(n, batch_size=b, method=method, seed=0, **options)
    resumed.set_state(state)
    assert float(resumed.progress.numpy()) == 0.25
    got, got_weights = run_draws(resumed, 9, jit=jit, update=update)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_weights, expected_weights)
    np.testing.assert_array_equal(resumed.table.numpy(), original.table.numpy())
    for name in ("step", "epoch", "epoch_cursor", "first_pass_cursor", "num_unvisited"):
        assert int(getattr(resumed, name).numpy()) == int(getattr(original, name).numpy())


def test_mismatched_state_is_refused():
    state = InGraphSampler(30, batch_size=5, method="nis").get_state()
    with pytest.raises(ValueError, match="N=30"):
        InGraphSampler(31, batch_size=5, method="nis").set_state(state)
    with pytest.raises(ValueError, match="sampler"):
        InGraphSampler(30, batch_size=5, method="is-probabilistic").set_state(state)
    with pytest.raises(ValueError, match="missing"):
        InGraphSampler(30, batch_size=5, method="nis").set_state({"table": state["table"]})


def test_kernels_are_looked_up_once_and_unknown_methods_refused():
    assert set(IN_GRAPH_METHODS) == set(ALL_METHODS) | {"adaptive"}  # backend="auto": not the candidate methods
    assert set(KERNELS) == set(ALL_METHODS) | {"adaptive", "selective-backprop", "vr-switch"}  # adaptive: its own tests
    for method in ALL_METHODS:
        sampler = InGraphSampler(20, batch_size=4, method=method)
        assert sampler.kernel is KERNELS[method] and sampler.keeps_weights == (method in PROBABILISTIC)
    with pytest.raises(ValueError, match="implements nis, is-probabilistic, .* not 'is-highsubset'"):
        InGraphSampler(10, batch_size=2, method="is-highsubset")


@pytest.mark.parametrize("jit", [False, True])
def test_the_candidates_kernel_draws_as_nis_without_a_first_pass(jit):
    # what the fit wrapper builds for a candidate method: nis's draws from the start; its table (the step writes
    # it) starts unscored
    twin = InGraphSampler(50, batch_size=12, method="nis", seed=3)
    twin.set_losses(np.zeros(50, np.float32))
    sampler = InGraphSampler(50, batch_size=12, method="selective-backprop", candidate_factor=3.0, seed=3)
    assert not bool(sampler.in_first_pass()) and np.isinf(sampler.table.numpy()).all()
    got, expected = run_draws(sampler, 10, jit=jit), run_draws(twin, 10, jit=jit)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], 1.0)
    for epoch in got[0].reshape(-1)[:100].reshape(2, 50):  # nis epochs from the first draw on
        assert sorted(epoch.tolist()) == list(range(50))


def test_unbiased_weights_are_one_formula_for_numpy_and_tensorflow():
    rng = np.random.default_rng(3)
    weights, total, n, mix = rng.random(64).astype(np.float32) + 0.01, np.float32(7.5), 64, 0.2
    in_graph = unbiased_weights(tf.constant(weights), n, total=tf.constant(total), uniform_mix=mix).numpy()
    np.testing.assert_array_equal(in_graph, unbiased_weights(weights, n, total=total, uniform_mix=mix))
    p = (1 - mix) * weights.astype(np.float64) / total + mix / n
    np.testing.assert_allclose(in_graph, 1.0 / (n * p), rtol=1e-6)
    np.testing.assert_array_equal(importance_weights(p, n), (1.0 / (n * p)).astype(np.float32))


def test_configuration():
    config = SamplerConfig(method="is-probabilistic", exponent=0.5)
    assert InGraphSampler(10, batch_size=2, sampler_config=config).sampler_config == config
    assert InGraphSampler(10, batch_size=2, sampler_config=config.to_dict()).sampler_config == config
    with pytest.raises(ValueError, match="not both"):
        InGraphSampler(10, batch_size=2, sampler_config=config, method="nis")
    with pytest.raises(ValueError, match="batch_size"):
        InGraphSampler(10, batch_size=11, method="is-randomsubset")
    with pytest.raises(ValueError, match="unbiased"):
        InGraphSampler(10, batch_size=2, method="is-randomsubset", unbiased=True)


# ------------------------------------------------------------------ scheduled methods: is-switch, is-annealed
def host_probabilities(method, losses, progress, **options):
    """The host sampler's draw probabilities (the same formulas) at ``progress``."""
    from is_keras.sampling.methods import METHOD_SPECS

    sampler = METHOD_SPECS[method].sampler_class(**options)
    sampler.bind(np.asarray(losses, np.float64))
    sampler.set_progress(progress)
    return sampler.draw_probabilities(np.arange(len(losses)))


@pytest.mark.parametrize("method, progress, exponent_now", [
    ("is-switch", 0.0, 2.0), ("is-switch", 0.45, 2.0),
    ("is-annealed", 0.0, 2.0), ("is-annealed", 0.25, 1.0), ("is-annealed", 0.4, 0.4),
])
def test_scheduled_draws_follow_the_host_formulas_before_the_switch(method, progress, exponent_now):
    n, b, steps, mix = 16, 256, 120, 0.1
    losses = np.linspace(0.05, 3.0, n)
    options = {"exponent": 2.0, "uniform_mix": mix, "switch_fraction": 0.5}
    sampler = InGraphSampler(n, batch_size=b, method=method, seed=3, **options)
    sampler.set_losses(losses)
    sampler.set_progress(progress)
    assert not bool(sampler.switched())
    indices, weights = run_draws(sampler, steps)
    np.testing.assert_array_equal(weights, 1.0)
    counts = np.bincount(indices.reshape(-1), minlength=n).astype(float)
    p = host_probabilities(method, losses, progress, **options)
    np.testing.assert_allclose(p, probabilistic_p(losses, exponent_now, mix), rtol=1e-9)
    assert stats.chisquare(counts, p * counts.sum()).pvalue > 1e-3
    assert total_variation(counts, p) < 0.02
    # the exponent one schedule step away (or not annealed at all) is far from what was drawn
    for wrong in {exponent_now + 0.6, max(exponent_now - 0.6, 0.0), 2.0} - {exponent_now}:
        assert total_variation(counts, probabilistic_p(losses, wrong, mix)) > 0.045  # >= 0.06 apart; noise ~0.01


@pytest.mark.parametrize("method", ["is-switch", "is-annealed"])
def test_scheduled_methods_draw_nis_epochs_after_the_switch(method):
    n, b = 40, 8
    sampler = InGraphSampler(n, batch_size=b, method=method, exponent=3.0, uniform_mix=0.2, unbiased=True,
                             switch_fraction=0.6, seed=4)
    sampler.set_losses(np.linspace(0.01, 10.0, n))
    before, _ = run_draws(sampler, 10)
    assert np.bincount(before.reshape(-1), minlength=n)[-8:].sum() > 25  # importance sampling: ~42 of 80 (uniform: 16)
    sampler.set_progress(0.6)
    assert bool(sampler.switched())
    np.testing.assert_allclose(sampler.draw_probabilities(tf.range(n)).numpy(), 1.0 / n)
    np.testing.assert_allclose(host_probabilities(method, np.ones(n), 0.6, switch_fraction=0.6), 1.0 / n)
    indices, weights = run_draws(sampler, 4 * n // b)
    np.testing.assert_array_equal(weights, 1.0)  # unbiased, p = 1 / N
    for epoch in indices.reshape(-1, n):
        assert sorted(epoch.tolist()) == list(range(n))
    sampler.set_progress(0.3)  # back before the switch (e.g. a restored state): importance sampling again
    assert not bool(sampler.switched())


def test_annealed_unbiased_weights_use_the_current_exponent():
    n = 30
    losses = np.random.default_rng(5).random(n) * 4 + 0.05
    sampler = InGraphSampler(n, batch_size=64, method="is-annealed", exponent=2.0, uniform_mix=0.2, unbiased=True,
                             switch_fraction=0.8, seed=1)
    sampler.set_losses(losses)
    sampler.set_progress(0.2)  # exponent 2 * (1 - 0.25) = 1.5
    assert float(sampler.current_exponent()) == pytest.approx(1.5)
    indices, weights = run_draws(sampler, 20, jit=True)
    p = probabilistic_p(np.float32(losses), 1.5, 0.2)
    np.testing.assert_allclose(weights, 1.0 / (n * p[indices]), rtol=2e-5)
    np.testing.assert_allclose(sampler.draw_probabilities(indices[0]).numpy(), p[indices[0]], rtol=2e-5)


def test_sampling_progress_callback_tells_the_in_graph_sampler():
    from is_keras.training.sampling_progress import SamplingProgress

    class Model:  # as ImportanceSamplingModel with backend="in-graph"
        in_graph_sampler = InGraphSampler(10, batch_size=2, method="is-annealed", switch_fraction=0.5)

    told = []

    class Generator:
        def set_progress(self, fraction):
            told.append(fraction)

    callback = SamplingProgress(Generator())
    callback.set_model(Model())
    callback.set_params({"epochs": 4})
    callback.on_epoch_begin(1)
    assert told == [0.25] and float(Model.in_graph_sampler.progress.numpy()) == 0.25
    explicit = InGraphSampler(10, batch_size=2, method="is-switch", switch_fraction=0.5)
    callback = SamplingProgress(None, in_graph_sampler=explicit)
    callback.set_params({"epochs": 4})
    callback.on_epoch_begin(2)
    assert bool(explicit.switched())


# ------------------------------------------------------------------ kept weights (is-probabilistic's incremental state)
def kept_weights_match_the_table(sampler):
    """The kept weights are ``(table / scale)^w`` and their block sums are those of a rebuild."""
    from is_keras.sampling.in_graph_weighted import row_sums

    n, kept = sampler.num_samples, sampler.kept_weights
    weights, sums = kept.weights.numpy(), kept.block_sums.numpy()
    scale, exponent = float(sampler.weight_scale.numpy()), float(sampler.current_exponent())
    assert scale > 0 and float(sampler.weights_exponent.numpy()) == np.float32(exponent)
    table = sampler.table.numpy().astype(np.float64)
    expected = (table / np.float32(scale)) ** exponent
    np.testing.assert_allclose(weights[:n], expected, rtol=2e-6)
    assert (weights[n:] == 0).all()
    rows = weights.reshape(kept.num_blocks, kept.block)
    np.testing.assert_array_equal(sums, row_sums(tf.constant(rows)).numpy())  # every touched block recomputed
    padded = np.concatenate([expected, np.zeros(len(weights) - n)]).reshape(kept.num_blocks, kept.block)
    np.testing.assert_allclose(sums, padded.sum(axis=1), rtol=1e-5)  # a rebuild from the table
    p = probabilistic_p(table, exponent, sampler.sampler_config.uniform_mix)
    np.testing.assert_allclose(sampler.draw_probabilities(tf.range(n)).numpy(), p, rtol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("method, exponent", [("is-probabilistic", 0.5), ("is-annealed", 2.0)])
def test_kept_weights_follow_random_updates(method, exponent, jit):
    n, b = 1000, 32
    rng = np.random.default_rng(4)
    sampler = InGraphSampler(n, batch_size=b, method=method, exponent=exponent, uniform_mix=0.1, unbiased=True,
                             switch_fraction=0.9, seed=2)
    assert sampler.kept_weights.block == 8 and sampler.kept_weights.num_blocks == 125
    sampler.set_losses(rng.random(n) * 3)

    def noisy(idx):  # random losses; a repeated index and a NaN now and then
        losses = tf.random.stateless_uniform([b], tf.stack([sampler.step, tf.constant(9, tf.int64)])) * 4.0
        return tf.where(tf.range(b) == 3, np.float32(np.nan), losses)

    for progress in (0.0, 0.3, 0.6):  # is-annealed: the exponent changes, the weights are rebuilt
        sampler.set_progress(progress)
        run_draws(sampler, 45, jit=jit, update=noisy)  # 45 > ceil(N / B) = 32: a rescale on the way
        kept_weights_match_the_table(sampler)
    # updates with repeated indices, several in one block, in eager mode too
    sampler.update([8, 9, 9, 15, 8, 999], [1.0, 2.0, 0.5, 0.0, 7.0, 3.0])
    kept_weights_match_the_table(sampler)
    assert sampler.table.numpy()[8] == 7.0 and sampler.table.numpy()[9] == 0.5
    # a loss so large its weight would pass 2^32: every weight is rescaled to it
    sampler.update([17], [1e30])
    assert float(sampler.weight_scale.numpy()) == np.float32(1e30)
    kept_weights_match_the_table(sampler)
    indices, weights = run_draws(sampler, 20, jit=jit)
    assert np.isfinite(weights).all() and (indices == 17).mean() > 0.8


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("method, exponent", [("is-probabilistic", 0.5), ("is-annealed", 3.0)])
def test_resume_after_the_first_pass_is_bit_exact(method, exponent, jit):
    # a rebuild from the table would take another scale (the largest loss now) and round differently (a power
    # of the losses is not bit-identical between Eigen's vectorized and scalar paths): the state carries the
    # kept weights, so the resumed draws and weights are the same bits (without them the weights here differ)
    n, b = 500, 16
    options = {"method": method, "exponent": exponent, "uniform_mix": 0.1, "unbiased": True, "switch_fraction": 0.9}

    def noisy(sampler):
        return lambda idx: tf.random.stateless_uniform([b], tf.stack([sampler.step, tf.constant(9, tf.int64)])) * 3.0

    original = InGraphSampler(n, batch_size=b, seed=5, **options)
    run_draws(original, 40, jit=jit, update=noisy(original))  # the first pass (32 draws), then importance draws
    original.set_progress(0.4)  # is-annealed: a new exponent, not yet built
    state = original.get_state()
    expected, expected_weights = run_draws(original, 30, jit=jit, update=noisy(original))  # past a rescale (64)
    resumed = InGraphSampler(n, batch_size=b, seed=0, **options)
    resumed.set_state(state)
    got, got_weights = run_draws(resumed, 30, jit=jit, update=noisy(resumed))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_weights, expected_weights)
    np.testing.assert_array_equal(resumed.kept_weights.weights.numpy(), original.kept_weights.weights.numpy())
    np.testing.assert_array_equal(resumed.kept_weights.block_sums.numpy(), original.kept_weights.block_sums.numpy())


def test_states_without_kept_weights_rebuild_them_and_bad_ones_are_refused():
    n = 40
    sampler = InGraphSampler(n, batch_size=4, method="is-probabilistic", exponent=2.0, seed=1)
    sampler.set_losses(np.linspace(0.1, 2.0, n))
    run_draws(sampler, 3, update=index_losses(n))
    state = sampler.get_state()
    old = {key: value for key, value in state.items() if key not in ("weights", "weight_scale", "weights_exponent")}
    fresh = InGraphSampler(n, batch_size=4, method="is-probabilistic", exponent=2.0)
    fresh.set_state(old)  # rebuilt from the table, with the largest loss as the scale
    assert float(fresh.weight_scale.numpy()) == state["table"].max()
    kept_weights_match_the_table(fresh)
    with pytest.raises(ValueError, match="kept weights"):
        fresh.set_state({**state, "weights": state["weights"][:-1]})
    with pytest.raises(ValueError, match="kept weights"):
        fresh.set_state({**state, "weights": -state["weights"]})


@pytest.mark.parametrize("jit", [False, True])
def test_dense_rebuilds_match_the_loop_of_scatters(jit):
    # small N: BlockWeights.assign_where (the kept weights' rebuild) is one tf.where write instead of a while_loop
    # of scatters (a loop for XLA to compile); the same draws, table, counters and kept weights
    n, b = 300, 16
    options = {"method": "is-probabilistic", "exponent": 0.5, "uniform_mix": 0.1, "unbiased": True, "seed": 3}
    dense, scattered = InGraphSampler(n, batch_size=b, **options), InGraphSampler(n, batch_size=b, **options)
    assert dense.kept_weights.dense
    scattered.kept_weights.dense = False

    def noisy(sampler):  # random losses with a repeated index's last value and a NaN now and then
        def losses(idx):
            values = tf.random.stateless_uniform([b], tf.stack([sampler.step, tf.constant(9, tf.int64)])) * 4.0
            return tf.where(tf.range(b) == 3, np.float32(np.nan), values)
        return losses

    got = run_draws(dense, 40, jit=jit, update=noisy(dense))  # the first pass (19 draws), a rescale at 38
    expected = run_draws(scattered, 40, jit=jit, update=noisy(scattered))
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    dense.update([5, 7, 5, 299], [1.0, 2.0, 0.25, 9.0])  # eagerly, a repeated index (its last loss)
    scattered.update([5, 7, 5, 299], [1.0, 2.0, 0.25, 9.0])
    np.testing.assert_array_equal(dense.table.numpy(), scattered.table.numpy())
    assert dense.table.numpy()[5] == 0.25
    for name in ("step", "num_unvisited", "num_invalid_losses", "first_pass_cursor"):
        assert int(getattr(dense, name).numpy()) == int(getattr(scattered, name).numpy())
    np.testing.assert_array_equal(dense.kept_weights.weights.numpy(), scattered.kept_weights.weights.numpy())
    np.testing.assert_array_equal(dense.kept_weights.block_sums.numpy(), scattered.kept_weights.block_sums.numpy())
    for sampler in (dense, scattered):
        kept_weights_match_the_table(sampler)


@pytest.mark.parametrize("dense", [True, False])
def test_an_update_not_applied_changes_nothing(dense):
    # update(..., apply=False) (the fit wrapper's skipped step, written outside its tf.cond) leaves the table,
    # the counters and the kept weights as they were, bit for bit, even on a step that would rescale them
    n, b = 200, 8
    sampler = InGraphSampler(n, batch_size=b, method="is-probabilistic", exponent=0.5, uniform_mix=0.1, seed=1)
    sampler.kept_weights.dense = dense
    run_draws(sampler, 49, update=index_losses(n))  # the first pass (25 draws), then importance draws
    indices, _ = sampler.next_batch()  # draw 50: its update would rescale (every ceil(N / B) = 25 draws)
    before = sampler.get_state()
    for losses in (np.full(b, 5.0, np.float32), np.full(b, np.nan, np.float32)):
        sampler.update(indices, losses, apply=tf.constant(False))
        after = sampler.get_state()
        for key, value in before.items():
            np.testing.assert_array_equal(np.asarray(after[key]), np.asarray(value), err_msg=key)
        np.testing.assert_array_equal(sampler.kept_weights.block_sums.numpy(),
                                      row_sums(tf.reshape(sampler.kept_weights.weights, [-1, 8])).numpy())
    sampler.update(indices, np.full(b, 5.0, np.float32), apply=tf.constant(True))
    assert (sampler.table.numpy()[indices.numpy()] == 5.0).all()
    assert float(sampler.weight_scale.numpy()) == 5.0  # the rescale happened now
    kept_weights_match_the_table(sampler)
