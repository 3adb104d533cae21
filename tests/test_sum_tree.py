import numpy as np
import pytest

from is_keras.sampling.sum_tree import SumTree


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1000])
def test_total_and_internal_sums_match_leaves(size):
    rng = np.random.default_rng(size)
    weights = rng.random(size)
    tree = SumTree(weights)
    assert tree.total == pytest.approx(weights.sum())
    new = rng.random(min(size, 5))
    idx = rng.choice(size, size=new.size, replace=False)
    weights[idx] = new
    tree.update(idx, new)
    assert tree.total == pytest.approx(weights.sum())
    np.testing.assert_allclose(tree.weights, weights)


def test_sampling_frequencies_match_brute_force_distribution():
    rng = np.random.default_rng(0)
    weights = rng.random(50) ** 3
    weights[[3, 17]] = 0.0
    tree = SumTree(weights)
    draws = tree.sample(400_000, rng)
    freq = np.bincount(draws, minlength=50) / draws.size
    expected = weights / weights.sum()
    assert freq[3] == 0 and freq[17] == 0
    # binomial standard error of each frequency, 5 sigma
    sigma = np.sqrt(expected * (1 - expected) / draws.size)
    assert np.all(np.abs(freq - expected) <= 5 * sigma + 1e-12)


def test_updates_with_repeated_indices_keep_the_last_value():
    tree = SumTree(np.ones(8))
    tree.update(np.array([2, 2, 5]), np.array([4.0, 9.0, 0.0]))
    assert tree.weights[2] == 9.0 and tree.weights[5] == 0.0
    assert tree.total == pytest.approx(6 + 9.0)


def test_zero_weight_leaves_are_never_drawn_after_update():
    tree = SumTree(np.ones(16))
    tree.update(np.arange(15), np.zeros(15))
    assert set(tree.sample(1000, np.random.default_rng(1)).tolist()) == {15}


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        SumTree(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="non-empty"):
        SumTree(np.array([]))
    tree = SumTree(np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        tree.update(np.array([0]), np.array([np.nan]))
    with pytest.raises(ValueError, match="zero"):
        SumTree(np.zeros(4)).sample(1, np.random.default_rng(0))


@pytest.mark.parametrize("size", [5_000, 200_000])  # the draw starts at level 1 / level 2 (a cumulative sum there)
def test_large_tree_draws_follow_the_weights_and_never_a_zero(size):
    from scipy import stats

    rng = np.random.default_rng(size)
    weights = rng.random(size) ** 3
    weights[rng.random(size) < 0.1] = 0.0
    weights[-100:] = 0.0  # trailing zeros
    tree = SumTree(weights)
    assert tree._top >= 1
    draws = tree.sample(300_000, rng)
    assert np.all(weights[draws] > 0)
    bins = np.arange(size) * 50 // size  # 50 groups of consecutive leaves
    observed = np.bincount(bins[draws], minlength=50)
    expected = np.bincount(bins, weights=weights, minlength=50) / weights.sum() * draws.size
    assert stats.chisquare(observed[expected > 0], expected[expected > 0]).pvalue > 1e-4
    # after updates (the cumulative sum at the top is recomputed lazily)
    idx = rng.integers(0, size, 1000)
    new = rng.random(1000)
    tree.update(idx, new)
    weights[idx] = new
    assert tree.total == pytest.approx(weights.sum(), rel=1e-12)
    draws = tree.sample(300_000, rng)
    assert np.all(weights[draws] > 0)
    observed = np.bincount(bins[draws], minlength=50)
    expected = np.bincount(bins, weights=weights, minlength=50) / weights.sum() * draws.size
    assert stats.chisquare(observed[expected > 0], expected[expected > 0]).pvalue > 1e-4


class _TopRng:
    def random(self, count):
        return np.full(count, np.nextafter(1.0, 0.0))


@pytest.mark.parametrize("size", [40, 70_000])
def test_a_mass_at_the_top_draws_the_last_positive_weight(size):
    weights = np.ones(size)
    weights[-7:] = 0.0
    assert SumTree(weights).sample(4, _TopRng()).tolist() == [size - 8] * 4
