"""is-probabilistic's two structures (issue 11 §3): a flat array below ``flat_max_size``, a sum tree above.

Both must give one distribution (``p_i = (1 - λ) L_i^w / sum L^w + λ / N``), the same probabilities value for
value, the same overflow errors, and a state that resumes across them.
"""

import numpy as np
import pytest
from scipy import stats

from is_keras.sampling import ImportanceBatchGenerator, WeightOverflowError
from is_keras.sampling.probabilistic import FLAT_MAX_SIZE, MAX_TOTAL, ProbabilisticSampler
from is_keras.sampling.sampler import finite_weights
from is_keras.sampling.sum_tree import FlatWeights, SumTree
from is_keras.sampling.validation import check_update

TREE, FLAT = 0, 10**9  # flat_max_size values that force one structure


def _sampler(table, structure_limit, **kwargs):
    sampler = ProbabilisticSampler(**kwargs)
    sampler.flat_max_size = structure_limit
    sampler.bind(np.asarray(table, dtype=np.float64))
    return sampler


def _gen(n, batch, limit, monkeypatch, seed=0, **kwargs):
    monkeypatch.setattr(ProbabilisticSampler, "flat_max_size", limit)
    x = np.zeros((n, 1), np.float32)
    return ImportanceBatchGenerator(x, np.zeros(n, np.int64), batch_size=batch, method="is-probabilistic",
                                    seed=seed, **kwargs)


@pytest.mark.parametrize("exponent, uniform_mix", [(1.0, 0.0), (2.0, 0.0), (0.5, 0.3), (0.0, 0.0)])
def test_flat_draws_follow_the_formula_chi_square(exponent, uniform_mix):
    rng = np.random.default_rng(3)
    n = 40
    table = rng.random(n) * 3
    table[[0, 7, n - 1]] = 0.0  # zero weights at the start, inside and at the end
    table[5] = np.inf  # unvisited: weight 0
    sampler = _sampler(table, FLAT, exponent=exponent, uniform_mix=uniform_mix)
    assert sampler.structure == "flat" and isinstance(sampler._tree, FlatWeights)
    weights = finite_weights(table, exponent)
    expected = (1 - uniform_mix) * weights / weights.sum() + uniform_mix / n
    np.testing.assert_allclose(sampler.probabilities(), expected, rtol=1e-12)
    draws = np.concatenate([sampler.sample(64, rng) for _ in range(3000)])
    counts = np.bincount(draws, minlength=n)
    assert np.all(counts[expected == 0] == 0)  # a weight of 0 is never drawn
    positive = expected > 0
    statistic, p_value = stats.chisquare(counts[positive], draws.size * expected[positive])
    assert p_value > 1e-4, (statistic, p_value)


@pytest.mark.parametrize("exponent, uniform_mix", [(1.0, 0.0), (3.0, 0.2)])
def test_both_structures_give_the_same_probabilities_value_for_value(exponent, uniform_mix, monkeypatch):
    n, batch = 200, 16
    gens = [_gen(n, batch, limit, monkeypatch, exponent=exponent, uniform_mix=uniform_mix, unbiased=True,
                 initial_losses=np.linspace(0.0, 2.0, n)) for limit in (FLAT, TREE)]
    assert [g.sampler.structure for g in gens] == ["flat", "sum-tree"]  # the structure built at bind time
    assert isinstance(gens[0].sampler._tree, FlatWeights) and isinstance(gens[1].sampler._tree, SumTree)
    rng = np.random.default_rng(0)
    everything = np.arange(n)
    for step in range(300):
        idx = rng.integers(0, n, size=batch)
        losses = rng.random(batch) * rng.choice([1e-3, 1.0, 50.0])
        for gen in gens:
            gen.update(idx, losses)
        flat, tree = (g.sampler for g in gens)
        np.testing.assert_array_equal(flat._tree.weights, tree._tree.weights)
        assert flat._tree.total == pytest.approx(tree._tree.total, rel=1e-13, abs=0)
        np.testing.assert_allclose(flat.draw_probabilities(everything), tree.draw_probabilities(everything),
                                   rtol=1e-12, atol=0)
        if step % 50 == 0:
            drawn = idx[:8]
            weights = [g.sampler.draw_probabilities(drawn) for g in gens]
            np.testing.assert_allclose(1 / (n * weights[0]), 1 / (n * weights[1]), rtol=1e-12)


def test_both_structures_draw_the_same_indices_from_the_same_random_numbers():
    rng = np.random.default_rng(1)
    weights = rng.random(500) ** 3
    weights[rng.integers(0, 500, 50)] = 0.0
    flat, tree = FlatWeights(weights), SumTree(weights)
    a = flat.sample(20_000, np.random.default_rng(9))
    b = tree.sample(20_000, np.random.default_rng(9))
    assert np.mean(a == b) > 0.999  # equal up to rounding at the boundaries


class _TopRng:
    """An rng whose uniforms are the largest float below 1 (so u * total can round up to the total)."""

    def random(self, count):
        return np.full(count, np.nextafter(1.0, 0.0))


@pytest.mark.parametrize("weights, last", [([1.0, 2.0, 0.0, 0.0], 1), ([0.0, 1.5, 0.0, 1.5], 3),
                                           ([0.0, 0.0, 3.0], 2)])
def test_flat_draw_at_the_top_of_the_mass_is_the_last_positive_weight(weights, last):
    flat = FlatWeights(np.array(weights))
    assert flat.sample(5, _TopRng()).tolist() == [last] * 5
    flat.update(np.array([last]), np.array([0.25]))
    assert flat.sample(3, _TopRng()).tolist() == [last] * 3


def test_threshold_boundary_picks_the_structure(monkeypatch):
    assert FLAT_MAX_SIZE >= 1347  # digits (the fast-step benchmark) is in the flat range
    for n, structure, kind in [(100, "flat", FlatWeights), (101, "sum-tree", SumTree)]:
        sampler = _sampler(np.ones(n), 100)
        assert sampler.structure == structure and isinstance(sampler._tree, kind)
        sampler.exponent = 2.0  # a rebuild keeps the structure
        assert isinstance(sampler._tree, kind)


@pytest.mark.parametrize("limit", [FLAT, TREE], ids=["flat", "sum-tree"])
def test_overflow_errors_are_unchanged(limit, monkeypatch):
    gen = _gen(20, 4, limit, monkeypatch, exponent=1e6, initial_losses=np.full(20, 0.5))
    before = np.array(gen.sampler._tree.weights)
    with pytest.raises(WeightOverflowError, match=r"loss 2 \*\* exponent 1e\+06 overflows"):
        gen.update(np.array([0, 1, 2, 3]), np.array([0.5, 2.0, 0.5, 0.5]))
    np.testing.assert_array_equal(gen.sampler._tree.weights, before)
    gen = _gen(10, 4, limit, monkeypatch, initial_losses=np.ones(10))
    with pytest.raises(WeightOverflowError, match="exceeds"):
        gen.update(np.array([0, 1]), np.array([1e308, 1e308]))
    assert gen.sampler._tree.total == 10.0 and gen.num_updates == 0
    # a total just under the limit after the update is accepted (the exact check, not only the cheap bound)
    gen.update(np.array([0, 0, 1]), np.array([0.9e300, 0.5, 0.05e300]))
    assert gen.sampler._tree.total == pytest.approx(0.5 + 0.05e300 + 8.0, rel=1e-12)
    assert gen.sampler._tree.total <= MAX_TOTAL
    with pytest.raises(WeightOverflowError, match="exceeds"):
        gen.update(np.array([2]), np.array([0.96e300]))
    with pytest.raises(WeightOverflowError, match="exceeds"):
        _gen(10, 4, limit, monkeypatch, initial_losses=np.full(10, 1e300))


@pytest.mark.parametrize("saved_by, restored_by", [(FLAT, TREE), (TREE, FLAT), (FLAT, FLAT), (TREE, TREE)])
def test_state_resumes_across_the_two_structures(saved_by, restored_by, monkeypatch):
    n, batch = 300, 32
    gen = _gen(n, batch, saved_by, monkeypatch, seed=4, exponent=2.0)
    rng = np.random.default_rng(0)
    for _ in range(20):  # through the first pass and beyond
        idx, _ = gen.next_batch()
        gen.update(idx, rng.random(batch))
    state = gen.get_state()
    twin = _gen(n, batch, restored_by, monkeypatch, seed=99, exponent=2.0)
    twin.set_state(state)
    expected = FlatWeights if restored_by == FLAT else SumTree
    assert isinstance(twin.sampler._tree, expected)
    np.testing.assert_array_equal(twin.sampler._tree.weights, gen.sampler._tree.weights)
    np.testing.assert_allclose(twin.sampler.probabilities(), gen.sampler.probabilities(), rtol=1e-12)
    a, b = gen.next_indices(), twin.next_indices()
    if saved_by == restored_by:
        np.testing.assert_array_equal(a, b)  # bit-identical within a structure
    else:
        assert np.mean(a == b) > 0.9  # the same random numbers: equal up to rounding at the boundaries


def test_a_corrupt_flat_state_is_refused(monkeypatch):
    gen = _gen(50, 8, FLAT, monkeypatch, initial_losses=np.ones(50))
    state = gen.get_state()
    state["sampler"]["weights"]["weights"] = np.full(50, 2.0)
    with pytest.raises(ValueError, match="does not match the loss table"):
        _gen(50, 8, FLAT, monkeypatch, initial_losses=np.ones(50)).set_state(state)
    state["sampler"]["weights"] = {"size": 50}
    with pytest.raises(ValueError, match="corrupt"):
        _gen(50, 8, FLAT, monkeypatch, initial_losses=np.ones(50)).set_state(state)


def test_flat_weights_checks_its_inputs():
    with pytest.raises(ValueError, match="non-empty"):
        FlatWeights(np.array([]))
    with pytest.raises(ValueError, match="non-negative"):
        FlatWeights(np.array([1.0, -1.0]))
    flat = FlatWeights(np.ones(4))
    with pytest.raises(ValueError, match="finite"):
        flat.update(np.array([0]), np.array([np.nan]))
    with pytest.raises(ValueError, match=r"lie in \[0, 4\)"):
        flat.update(np.array([4]), np.array([1.0]))
    flat.update(np.array([2, 2, 1]), np.array([4.0, 9.0, 0.0]))  # repeated index: the last value wins
    assert flat.weights.tolist() == [1.0, 0.0, 9.0, 1.0] and flat.total == 11.0
    with pytest.raises(ValueError, match="zero"):
        FlatWeights(np.zeros(3)).sample(1, np.random.default_rng(0))
    assert FlatWeights.from_state(flat.get_state()).weights.tolist() == flat.weights.tolist()


@pytest.mark.parametrize("losses, message", [([0.5, np.nan], "NaN or infinite"), ([np.inf, 0.5], "NaN or infinite"),
                                             ([-np.inf, 0.5], "NaN or infinite"), ([0.5, -0.1], ">= 0, got -0.1")])
def test_check_update_messages(losses, message):
    with pytest.raises(ValueError, match=message):
        check_update(np.array([0, 1]), np.array(losses), num_samples=3)
    with pytest.raises(ValueError, match="index 3 is out of range"):
        check_update(np.array([0, 3]), np.array([0.5, 0.5]), num_samples=3)
    idx, values = check_update([2, 0], [0.5, 1.0], num_samples=3)
    assert idx.dtype == np.int64 and values.dtype == np.float64
    raw = np.array([1, 2], dtype=np.int64)
    assert check_update(raw, [0.0, 1.0], num_samples=3)[0] is not raw  # a copy: samplers may keep it
