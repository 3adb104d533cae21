"""CandidateSelector (selective-backprop, vr-switch) against its formulas; SamplerConfig's candidate fields."""

import itertools

import numpy as np
import pytest
import scipy.stats
import tensorflow as tf

from is_keras.sampling.config import SamplerConfig, candidate_count
from is_keras.sampling.methods import get_method_spec
from is_keras.training.candidate_selection import CandidateSelector, variance_reduction_estimate


def make(method, batch_size, num_candidates, seed=0, **options):
    config = SamplerConfig(method=method, candidate_factor=num_candidates / batch_size, **options)
    return CandidateSelector(batch_size=batch_size, sampler_config=config, seed=seed, num_candidates=num_candidates)


def draws(selector, scores, steps, *, jit_compile=False):
    """Positions and weights of ``steps`` consecutive selections (step counter 0 .. steps-1) for fixed scores."""
    scores = tf.constant(scores, tf.float32)

    @tf.function(jit_compile=jit_compile)
    def run():
        positions = tf.TensorArray(tf.int32, size=steps)
        weights = tf.TensorArray(tf.float32, size=steps)
        for k in tf.range(steps):
            selector.step.assign(tf.cast(k, tf.int64))
            chosen, weight = selector.select(scores)
            positions = positions.write(k, chosen)
            weights = weights.write(k, weight)
        return positions.stack(), weights.stack()

    positions, weights = run()
    return positions.numpy(), weights.numpy()


def percentiles(scores):
    scores = np.asarray(scores, np.float64)
    return np.array([(scores <= s).sum() for s in scores]) / scores.size


# ------------------------------------------------------------------ selective-backprop
def test_selective_backprop_single_draw_matches_percentile_power_formula():
    scores = [0.1, 2.0, 0.5, 0.5, 3.0, 1.0]  # a tie: both 0.5 get percentile 4/6
    beta = 2.0
    selector = make("selective-backprop", 1, 6, selectivity=beta, seed=3)
    expected = percentiles(scores) ** beta
    expected /= expected.sum()
    positions, weights = draws(selector, scores, 20000)
    counts = np.bincount(positions[:, 0], minlength=6)
    assert scipy.stats.chisquare(counts, expected * counts.sum()).pvalue > 1e-3
    np.testing.assert_array_equal(weights, 1.0)
    # the formula itself, value for value
    np.testing.assert_allclose(selector.priorities(tf.constant(scores)).numpy(), percentiles(scores) ** beta, rtol=1e-6)


def test_selective_backprop_single_draw_detects_a_wrong_exponent():
    scores = [0.1, 2.0, 0.5, 0.7, 3.0, 1.0]
    positions, _ = draws(make("selective-backprop", 1, 6, selectivity=2.0, seed=3), scores, 20000)
    wrong = percentiles(scores) ** 1.0
    wrong /= wrong.sum()
    counts = np.bincount(positions[:, 0], minlength=6)
    assert scipy.stats.chisquare(counts, wrong * counts.sum()).pvalue < 1e-6


def inclusion_probabilities(weights, batch_size):
    """Exact P(i among the B drawn) under successive sampling without replacement ∝ weights (enumeration)."""
    weights = np.asarray(weights, np.float64)
    inclusion = np.zeros(weights.size)
    for order in itertools.permutations(range(weights.size), batch_size):
        probability, left = 1.0, weights.sum()
        for i in order:
            probability *= weights[i] / left
            left -= weights[i]
        inclusion[list(order)] += probability
    return inclusion


def test_selective_backprop_batch_inclusion_matches_successive_sampling():
    scores = [0.3, 1.2, 0.05, 2.5, 0.8, 1.9, 0.4, 3.3]
    selector = make("selective-backprop", 3, 8, selectivity=3.0, seed=1)
    steps = 12000
    positions, _ = draws(selector, scores, steps)
    assert all(len(set(row)) == 3 for row in positions.tolist())  # without replacement
    frequency = np.bincount(positions.ravel(), minlength=8) / steps
    expected = inclusion_probabilities(percentiles(scores) ** 3.0, 3)
    np.testing.assert_allclose(expected.sum(), 3.0)
    sigma = np.sqrt(expected * (1 - expected) / steps)
    assert np.all(np.abs(frequency - expected) < 4.5 * sigma + 1e-12), (frequency, expected)
    # monotone in the score
    order = np.argsort(scores)
    assert np.all(np.diff(frequency[order]) > 0)


def test_selective_backprop_zero_selectivity_is_uniform_among_candidates():
    positions, _ = draws(make("selective-backprop", 2, 8, selectivity=0.0, seed=5), np.arange(8.0), 8000)
    counts = np.bincount(positions.ravel(), minlength=8)
    assert scipy.stats.chisquare(counts).pvalue > 1e-3


# ------------------------------------------------------------------ vr-switch
@pytest.mark.parametrize("smoothing", [0.0, 0.5])
def test_vr_switch_draws_proportional_to_smoothed_score_with_unbiased_weights(smoothing):
    scores = np.array([0.5, 0.0, 2.0, 1.0, 4.0, 0.5], np.float32)
    selector = make("vr-switch", 4, 6, seed=2, score_smoothing=smoothing)
    positions, weights = draws(selector, scores, 6000)
    smoothed = scores.astype(np.float64) + smoothing * scores.mean()  # the paper's adaptive additive smoothing
    p = smoothed / smoothed.sum()
    np.testing.assert_allclose(weights, 1.0 / (6 * p[positions]), rtol=1e-6)
    counts = np.bincount(positions.ravel(), minlength=6)
    if smoothing == 0:
        assert counts[1] == 0  # a zero score is never drawn
    else:
        assert counts[1] > 0 and weights.max() <= (1 + smoothing) / smoothing + 1e-6  # bounded weights
    nonzero = p > 0
    expected = p[nonzero] / p[nonzero].sum() * counts.sum()
    assert scipy.stats.chisquare(counts[nonzero], expected).pvalue > 1e-3
    # unbiased: E[w f] = Σ p_i f_i / (C p_i) = (1/C) Σ_{p_i > 0} f_i (a zero-mass candidate carries no mass)
    f = np.array([1.0, 7.0, -2.0, 3.0, 0.5, 5.0])
    terms = weights * f[positions]
    target = f[nonzero].sum() / 6
    assert abs(terms.mean() - target) < 5 * terms.std() / np.sqrt(terms.size)


def test_vr_switch_all_zero_scores_fall_back_to_uniform():
    positions, weights = draws(make("vr-switch", 2, 4), np.zeros(4), 4000)
    np.testing.assert_allclose(weights, 1.0)
    assert scipy.stats.chisquare(np.bincount(positions.ravel(), minlength=4)).pvalue > 1e-3


def numpy_variance_reduction(scores):
    """The paper's estimate, transcribed: u = 1/n, g = s / Σ s, 1 / sqrt(1 - Σ(g-u)² / Σ g²)."""
    scores = np.asarray(scores, np.float64)
    u = 1.0 / len(scores)
    total = scores.sum()
    g = np.full(len(scores), u) if total == 0 else scores / total
    return 1.0 / np.sqrt(1 - ((g - u) ** 2).sum() / (g ** 2).sum())


def test_variance_reduction_estimate_and_its_moving_average_match_the_paper():
    rng = np.random.default_rng(0)
    selector = make("vr-switch", 4, 16)
    tau = 0.0
    for _ in range(6):
        scores = rng.exponential(size=16) ** 2
        np.testing.assert_allclose(variance_reduction_estimate(tf.constant(scores, tf.float32)).numpy(),
                                   numpy_variance_reduction(scores), rtol=1e-5)
        selector.observe(tf.constant(scores, tf.float32))
        tau = 0.9 * tau + 0.1 * numpy_variance_reduction(scores)
        np.testing.assert_allclose(selector.tau.numpy(), tau, rtol=1e-5)
    np.testing.assert_allclose(variance_reduction_estimate(tf.zeros(5)).numpy(), numpy_variance_reduction(np.zeros(5)))
    assert int(selector.step.numpy()) == 6


def test_vr_switch_turns_on_and_off_at_the_threshold():
    selector = make("vr-switch", 4, 16)
    assert selector.vr_threshold == pytest.approx((16 + 12) / 12)  # the paper's (C + 3B) / (3B)
    assert not bool(selector.wants_candidate_scores())  # τ starts at 0
    selector.tau.assign(selector.vr_threshold + 1e-3)
    assert bool(selector.wants_candidate_scores())
    selector.tau.assign(selector.vr_threshold)
    assert not bool(selector.wants_candidate_scores())  # strictly above
    explicit = make("vr-switch", 4, 16, vr_threshold=1.5)
    explicit.tau.assign(1.6)
    assert explicit.vr_threshold == 1.5 and bool(explicit.wants_candidate_scores())
    # skewed scores push τ over the threshold, uniform ones keep it at 1
    skewed = np.zeros(16, np.float32)
    skewed[0] = 1.0
    fresh = make("vr-switch", 4, 16, vr_threshold=1.2)
    for _ in range(30):
        fresh.observe(tf.constant(skewed))
    assert bool(fresh.wants_candidate_scores())
    for _ in range(60):
        fresh.observe(tf.ones(16))
    assert not bool(fresh.wants_candidate_scores())
    sb = make("selective-backprop", 4, 16)
    assert bool(sb.wants_candidate_scores())
    positions, weights = selector.uniform_selection()
    assert positions.numpy().tolist() == [0, 1, 2, 3] and weights.numpy().tolist() == [1.0] * 4


# ------------------------------------------------------------------ XLA, state, errors
@pytest.mark.parametrize("method", ["selective-backprop", "vr-switch"])
def test_select_compiles_with_xla(method):
    """XLA's stateless kernels draw other numbers than the TF kernels; each is deterministic and follows the rules."""
    scores = np.random.default_rng(1).exponential(size=12).astype(np.float32)
    positions, weights = draws(make(method, 3, 12, seed=9), scores, 40, jit_compile=True)
    again = draws(make(method, 3, 12, seed=9), scores, 40, jit_compile=True)
    np.testing.assert_array_equal(positions, again[0])
    assert positions.shape == (40, 3) and positions.min() >= 0 and positions.max() < 12
    assert len({tuple(row) for row in positions.tolist()}) > 1  # the step counter reaches the draws
    if method == "selective-backprop":
        assert all(len(set(row)) == 3 for row in positions.tolist())
        np.testing.assert_array_equal(weights, 1.0)
    else:
        smoothed = scores + 0.5 * scores.mean()  # the default score_smoothing
        np.testing.assert_allclose(weights, smoothed.sum() / (12 * smoothed[positions]), rtol=1e-5)


def test_state_round_trip_repeats_the_draws_and_refuses_other_selectors():
    scores = tf.constant(np.random.default_rng(2).exponential(size=12), tf.float32)
    selector = make("vr-switch", 3, 12, seed=4)
    for _ in range(3):
        selector.observe(scores)
    state = selector.get_state()
    expected = selector.select(scores)
    twin = make("vr-switch", 3, 12, seed=0)
    twin.set_state(state)
    assert twin.get_state() == state
    np.testing.assert_array_equal(twin.select(scores)[0].numpy(), expected[0].numpy())
    with pytest.raises(ValueError, match="method"):
        make("selective-backprop", 3, 12).set_state(state)
    with pytest.raises(ValueError, match="num_candidates"):
        make("vr-switch", 3, 9).set_state(state)
    with pytest.raises(ValueError, match="missing 'tau'"):
        twin.set_state({k: v for k, v in state.items() if k != "tau"})
    assert twin.get_state() == state  # refused: nothing changed
    # a different seed gives different draws
    other = make("vr-switch", 3, 12, seed=5)
    other.set_state({**state, "seed": 5})
    assert not np.array_equal(other.select(scores)[0].numpy(), expected[0].numpy())


def test_selector_refuses_other_methods_and_too_few_candidates():
    with pytest.raises(ValueError, match="does not select from candidates"):
        CandidateSelector(batch_size=4, sampler_config=SamplerConfig(method="nis"))
    with pytest.raises(ValueError, match="num_candidates"):
        CandidateSelector(batch_size=4, sampler_config=SamplerConfig(method="vr-switch"), num_candidates=3)
    default = CandidateSelector(batch_size=5, sampler_config=SamplerConfig(method="vr-switch", candidate_factor=1.5))
    assert default.num_candidates == 8


# ------------------------------------------------------------------ config and registry
@pytest.mark.parametrize("field, value", [
    ("candidate_factor", 0.5), ("candidate_factor", float("nan")), ("candidate_factor", float("inf")),
    ("candidate_factor", True), ("candidate_factor", "4"), ("selectivity", -1.0), ("selectivity", float("inf")),
    ("vr_threshold", -0.1), ("vr_threshold", float("nan")), ("vr_threshold", "high"),
    ("score_smoothing", -0.5), ("score_smoothing", float("inf")),
])
def test_config_refuses_bad_candidate_options_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        SamplerConfig(method="selective-backprop", **{field: value})


def test_config_candidate_fields_round_trip_and_label():
    config = SamplerConfig(method="vr-switch", candidate_factor=3, vr_threshold=1.5)
    assert config.candidate_factor == 3.0 and isinstance(config.candidate_factor, float)
    assert SamplerConfig.from_dict(config.to_dict()) == config
    assert SamplerConfig.from_dict(SamplerConfig(method="vr-switch").to_dict()).vr_threshold is None
    assert config.label == "VR-switch (C=3B, τ=1.5)"
    assert SamplerConfig(method="selective-backprop", selectivity=2).label == "Selective-Backprop (C=4B, β=2)"
    with pytest.raises(ValueError, match="unbiased"):
        SamplerConfig(method="vr-switch", unbiased=True)
    for name in ("selective-backprop", "vr-switch"):
        assert get_method_spec(name).selects_candidates
        assert type(SamplerConfig(method=name).build_sampler()).selects_candidates
    assert not get_method_spec("nis").selects_candidates
    assert candidate_count(10, 2.5) == 25 and candidate_count(10, 4, num_samples=30) == 30
    assert candidate_count(10, 4, num_samples=5) == 10
