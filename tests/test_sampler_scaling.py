"""The O(B log N) sampling structures: exact against brute force, and small at large N.

(How their cost grows with N is measured in benchmarks/sampler_scaling.py; tests assert no timings.)
"""

import numpy as np
import pytest
from scipy.stats import hypergeom

import is_keras.sampling.random_subset as random_subset
from is_keras.sampling import ImportanceBatchGenerator, SumTree
from is_keras.sampling.max_tree import MaxTree
from is_keras.sampling.probabilistic import ProbabilisticSampler
from is_keras.sampling.random_subset import smallest_of_random_subset


def _generator(method, losses, batch_size, **kwargs):
    n = losses.size
    return ImportanceBatchGenerator(np.zeros((n, 1), np.uint8), np.zeros(n, np.uint8), batch_size=batch_size,
                                    method=method, initial_losses=losses, **kwargs)


# ------------------------------------------------------------------ max tree
@pytest.mark.parametrize("n", [1, 5, 16, 17, 1000, 5003])
def test_max_tree_top_matches_a_full_sort_through_many_updates(n):
    rng = np.random.default_rng(n)
    table = rng.integers(0, 50, n).astype(float)  # many ties
    table[rng.random(n) < 0.05] = np.inf  # unvisited samples rank highest
    tree = MaxTree(table)
    for step in range(60):
        k = int(rng.integers(1, n + 2))
        top = tree.top(k) if step % 3 else tree.search(k)
        expected_values = np.sort(table)[::-1][: min(k, n)]
        assert top.size == min(k, n) and len(set(top.tolist())) == top.size
        np.testing.assert_array_equal(table[top], expected_values)  # the top values, highest first
        changed = rng.integers(0, n, size=int(rng.integers(1, 40)))
        table[changed] = rng.integers(0, 60, changed.size)
        tree.update(changed)


def test_max_tree_window_follows_losses_that_rise_above_and_fall_below_it():
    table = np.arange(10_000, dtype=float)
    tree = MaxTree(table)
    assert tree.top(3).tolist() == [9999, 9998, 9997]
    table[[9999, 5]] = [0.5, 1e6]  # the top falls to the bottom; a low one jumps to the top
    tree.update(np.array([9999, 5]))
    assert tree.top(3).tolist() == [5, 9998, 9997]
    table[9990:] = 0.0  # the whole window (and more) falls below the floor
    tree.update(np.arange(9990, 10_000))
    assert tree.top(4).tolist() == [5, 9989, 9988, 9987]


# -------------------------------------------------------- randomsubset ranks
@pytest.mark.parametrize("slack", ["default", "none"])
def test_smallest_of_random_subset_has_the_exact_distribution(monkeypatch, slack):
    # With no slack the first window is too small about half the time: the
    # multi-window path must give the same (exact) distribution.
    if slack == "none":
        monkeypatch.setattr(random_subset, "_WINDOW_SIGMAS", 0.0)
        monkeypatch.setattr(random_subset, "_WINDOW_EXTRA", 0.0)
    n, m, b, draws = 120, 20, 5, 20_000
    rng = np.random.default_rng(0)
    ranks = np.stack([smallest_of_random_subset(n, m, b, rng) for _ in range(draws)])
    assert np.all(np.diff(ranks, axis=1) > 0) and ranks.min() >= 0 and ranks.max() < n
    p_chosen = m / n * hypergeom.cdf(b - 1, n - 1, np.arange(n), m - 1)
    counts = np.bincount(ranks.ravel(), minlength=n)
    assert np.all(np.abs(counts - draws * p_chosen) <= 5 * np.sqrt(draws * p_chosen * (1 - p_chosen)) + 3)
    # the smallest element is the minimum of a uniform m-subset: P(min >= t) = C(n-t, m) / C(n, m)
    p_min_at_least = hypergeom.pmf(0, n, np.arange(n), m)
    freq_min_at_least = (ranks[:, :1] >= np.arange(n)).mean(axis=0)
    np.testing.assert_allclose(freq_min_at_least, p_min_at_least, atol=0.015)


def test_smallest_of_random_subset_is_valid_at_huge_populations():
    rng = np.random.default_rng(1)
    ranks = smallest_of_random_subset(10**9, 10**8, 256, rng)  # O(B N / m): an O(N) method would not finish
    assert ranks.size == 256 and np.all(np.diff(ranks) > 0)
    assert 256 * 10 * 0.7 < ranks[-1] < 256 * 10 * 1.3  # the B-th smallest sits near B N / m
    with pytest.raises(ValueError, match="count <= subset_size"):
        smallest_of_random_subset(10, 3, 5, rng)


def test_randomsubset_breaks_ties_uniformly_at_random():
    # Three tie groups; with ties broken at random, a member of the group at ranks
    # [a, a + g) is chosen with the average of the exact per-rank probabilities.
    n, m, b, draws = 60, 12, 4, 8_000
    losses = np.repeat([3.0, 2.0, 1.0], [7, 13, 40])
    perm = np.random.default_rng(3).permutation(n)
    losses = losses[perm]
    gen = _generator("is-randomsubset", losses, b, subset_fraction=m / n, seed=1)
    batches = np.stack([gen.next_indices() for _ in range(draws)])
    assert all(len(set(batch.tolist())) == b for batch in batches)
    p_rank = m / n * hypergeom.cdf(b - 1, n - 1, np.arange(n), m - 1)
    counts = np.bincount(batches.ravel(), minlength=n)
    for value, (lo, hi) in zip([3.0, 2.0, 1.0], [(0, 7), (7, 20), (20, 60)]):
        members = np.flatnonzero(losses == value)
        p_member = p_rank[lo:hi].mean()
        sigma = np.sqrt(draws * p_member * (1 - p_member))
        assert np.all(np.abs(counts[members] - draws * p_member) <= 5 * sigma + 3), value


def test_randomsubset_with_all_losses_equal_is_uniform_without_replacement():
    n, b, draws = 400, 8, 5_000
    gen = _generator("is-randomsubset", np.ones(n), b, subset_fraction=0.1, seed=2)
    batches = np.stack([gen.next_indices() for _ in range(draws)])
    assert all(len(set(batch.tolist())) == b for batch in batches[:500])
    counts = np.bincount(batches.ravel(), minlength=n)
    p = b / n
    assert np.all(np.abs(counts - draws * p) <= 5 * np.sqrt(draws * p * (1 - p)))


def test_highsubset_with_ties_at_the_boundary_draws_from_a_valid_top_set():
    losses = np.r_[np.full(20, 5.0), np.full(30, 2.0), np.full(50, 1.0)]
    gen = _generator("is-highsubset", losses, 200, subset_size=25, seed=0)
    draws = np.concatenate([gen.next_indices() for _ in range(50)])
    chosen = np.unique(draws)
    assert set(range(20)) <= set(chosen.tolist())  # all of the five-loss samples
    assert chosen.size == 25 and np.all(losses[chosen] >= 2.0)  # plus five of the tied two-loss ones


# ------------------------------------------------------- probabilistic / table
def test_exponent_change_rebuilds_the_sum_tree_exactly_once(monkeypatch):
    calls = []
    real_rebuild = ProbabilisticSampler.rebuild
    monkeypatch.setattr(ProbabilisticSampler, "rebuild", lambda self: (calls.append(1), real_rebuild(self)))
    gen = _generator("is-probabilistic", np.array([1.0, 2.0, 4.0]), 50, exponent=1.0)
    assert len(calls) == 1  # at bind
    gen.exponent = 2.0
    assert len(calls) == 2
    for _ in range(20):
        idx = gen.next_indices()
        gen.update(idx, np.array([1.0, 2.0, 4.0])[idx])
    assert len(calls) == 2  # updates go through the tree, not a rebuild
    tree_weights = np.array(gen.sampler._tree.weights)
    np.testing.assert_allclose(tree_weights, [1.0, 4.0, 16.0])


def test_initial_losses_are_copied_validated_and_drive_the_first_draw():
    losses = np.r_[np.zeros(99), 3.0]
    gen = _generator("is-probabilistic", losses, 10)
    losses[0] = 100.0  # the caller's array is not the table
    assert gen.loss_table[0] == 0.0
    assert gen.next_indices().tolist() == [99] * 10
    with pytest.raises(ValueError, match="initial_losses must be >= 0"):
        _generator("nis", np.r_[np.ones(9), -1.0], 2)
    with pytest.raises(ValueError, match="NaN or infinite"):
        _generator("nis", np.r_[np.ones(9), np.inf], 2)


def test_sum_tree_assign_and_refresh_equal_a_direct_build():
    rng = np.random.default_rng(0)
    weights = rng.random(1000) ** 4
    tree = SumTree.zeros(1000)
    tree.assign(0, weights[:600])
    tree.assign(600, weights[600:])
    tree.refresh()
    assert tree.total == pytest.approx(weights.sum())
    draws = tree.sample(200_000, rng)
    expected = weights / weights.sum()
    counts = np.bincount(draws, minlength=1000)
    assert np.all(np.abs(counts - 200_000 * expected) <= 5 * np.sqrt(200_000 * expected) + 3)


# ------------------------------------------------------------------ scaling
@pytest.mark.parametrize("method", ["is-probabilistic", "is-randomsubset", "is-highsubset"])
def test_structures_stay_exact_and_small_at_large_n(method):
    # correctness at N = 2 * 10^6 after many steps (timings: benchmarks/sampler_scaling.py)
    n, batch = 2_000_000, 256
    rng = np.random.default_rng(0)
    gen = _generator(method, rng.random(n), batch)
    for _ in range(30):
        idx = gen.next_indices()
        assert idx.shape == (batch,) and idx.min() >= 0 and idx.max() < n
        gen.update(idx, rng.random(batch))
    table = np.array(gen.loss_table)
    if method == "is-probabilistic":
        np.testing.assert_allclose(gen.sampler._tree.total, table.sum(), rtol=1e-9)
    else:
        top = gen.sampler._tree.top(100)
        np.testing.assert_array_equal(table[top], np.sort(table)[::-1][:100])
    # memory: the table plus the structure, well under 30 bytes per sample (300 MB at N = 10^7)
    assert gen.loss_table.nbytes + gen.sampler.nbytes < 20 * n
