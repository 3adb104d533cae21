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
