"""The samplers' statistics against their formulas (thesis eq. 2.28 / 5.1, §5.1.3)."""

import numpy as np
import pytest

from is_keras.sampling import METHODS, ImportanceBatchGenerator


def _after_first_pass(method, losses, batch_size=64, **kwargs):
    """A generator whose table holds ``losses`` (given as a warm start)."""
    n = losses.size
    x = np.zeros((n, 2, 2, 1), np.float32)
    y = np.zeros(n, np.int64)
    return ImportanceBatchGenerator(x, y, batch_size=batch_size, method=method, initial_losses=losses, **kwargs)


@pytest.mark.parametrize("exponent", [0.1, 0.5, 1.0, 2.0])
def test_probabilistic_frequencies_are_proportional_to_loss_power(exponent):
    losses = np.linspace(0.05, 3.0, 40)
    gen = _after_first_pass("is-probabilistic", losses, batch_size=500, exponent=exponent, seed=1)
    draws = np.concatenate([gen.next_indices() for _ in range(600)])
    freq = np.bincount(draws, minlength=40) / draws.size
    expected = losses**exponent / np.sum(losses**exponent)
    sigma = np.sqrt(expected * (1 - expected) / draws.size)
    assert np.all(np.abs(freq - expected) <= 5 * sigma)
    # and the frequencies are ordered like the losses (for exponent > 0)
    assert np.corrcoef(freq, expected)[0, 1] > 0.99


def test_changing_the_exponent_changes_the_distribution():
    losses = np.array([1.0, 2.0, 4.0])
    gen = _after_first_pass("is-probabilistic", losses, batch_size=1000, exponent=1.0)
    gen.exponent = 2.0
    draws = np.concatenate([gen.next_indices() for _ in range(200)])
    freq = np.bincount(draws, minlength=3) / draws.size
    np.testing.assert_allclose(freq, np.array([1, 4, 16]) / 21, atol=0.01)


def test_probabilistic_follows_table_updates():
    gen = _after_first_pass("is-probabilistic", np.ones(10), batch_size=100)
    gen.update(np.arange(9), np.zeros(9))
    assert set(gen.next_indices().tolist()) == {9}


def test_randomsubset_takes_the_highest_losses_of_a_uniform_subset():
    # The batch is the top-B (by loss) of a uniform random m-subset. Equivalently the
    # loss ranks (0 = highest) of its members are the B smallest elements of a uniform
    # m-subset of {0..N-1}, so rank r is chosen with probability
    #   P(r in subset) * P(fewer than B of the r higher ranks are among the other m-1 members)
    #   = m/N * HypergeomCDF(B-1; population N-1, r good, m-1 draws),
    # and the batch's lowest-ranked member sits at rank t with probability
    #   C(t, B-1) C(N-1-t, m-B) / C(N, m).
    from scipy.special import comb
    from scipy.stats import hypergeom

    n, m, b, draws = 300, 30, 4, 12_000
    rng = np.random.default_rng(0)
    losses = rng.permutation(n) + rng.random(n) * 0.5  # distinct losses, shuffled over the ids
    rank_of = np.empty(n, np.int64)
    rank_of[np.argsort(-losses)] = np.arange(n)
    gen = _after_first_pass("is-randomsubset", losses, batch_size=b, subset_fraction=m / n, seed=5)
    batches = np.stack([gen.next_indices() for _ in range(draws)])
    assert all(len(set(batch.tolist())) == b for batch in batches[:200])
    assert np.all(np.diff(losses[batches], axis=1) < 0)  # highest loss first
    ranks = rank_of[batches]

    r = np.arange(n)
    p_chosen = m / n * hypergeom.cdf(b - 1, n - 1, r, m - 1)
    assert p_chosen.sum() == pytest.approx(b)
    # counts within 5 binomial sigmas (+3 counts of slack for the far tail, where p ~ 1e-6)
    counts = np.bincount(ranks.ravel(), minlength=n)
    sigma = np.sqrt(draws * p_chosen * (1 - p_chosen))
    assert np.all(np.abs(counts - draws * p_chosen) <= 5 * sigma + 3)

    p_last = comb(r, b - 1) * comb(n - 1 - r, m - b) / comb(n, m)
    assert p_last.sum() == pytest.approx(1.0)
    counts_last = np.bincount(ranks[:, -1], minlength=n)
    sigma_last = np.sqrt(draws * p_last * (1 - p_last))
    assert np.all(np.abs(counts_last - draws * p_last) <= 5 * sigma_last + 3)


def test_randomsubset_with_the_whole_table_as_subset_is_the_exact_top_batch():
    losses = np.random.default_rng(1).random(500)
    gen = _after_first_pass("is-randomsubset", losses, batch_size=16, subset_fraction=1.0)
    for _ in range(3):
        assert gen.next_indices().tolist() == np.argsort(-losses)[:16].tolist()


def test_randomsubset_prefers_high_losses_in_the_stated_proportion():
    # With losses = index, a sample of rank r (0 = highest) among N is in the batch
    # iff it is in the subset and fewer than B higher ones are: check the top sample's rate = m / N.
    n, m, b = 2000, 200, 8
    losses = np.arange(n, dtype=float)
    gen = _after_first_pass("is-randomsubset", losses, batch_size=b, subset_fraction=m / n, seed=2)
    draws = np.concatenate([gen.next_indices() for _ in range(3000)])
    rate_top = np.mean(draws == n - 1) * b
    assert rate_top == pytest.approx(m / n, abs=0.02)
    # the lowest-loss samples are (almost) never chosen
    assert np.mean(draws < n // 2) < 1e-3


def test_highsubset_draws_only_from_the_top_losses_proportionally():
    losses = np.arange(1, 101, dtype=float)
    gen = _after_first_pass("is-highsubset", losses, batch_size=400, subset_size=10, seed=3)
    draws = np.concatenate([gen.next_indices() for _ in range(250)])
    assert set(np.unique(draws).tolist()) == set(range(90, 100))
    freq = np.bincount(draws, minlength=100)[90:] / draws.size
    np.testing.assert_allclose(freq, losses[90:] / losses[90:].sum(), atol=0.01)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n, batch", [(100, 10), (103, 10), (37, 64)])
def test_first_pass_visits_every_sample_exactly_once(method, n, batch):
    x = np.zeros((n, 1), np.float32)
    gen = ImportanceBatchGenerator(x, np.zeros(n, np.int64), batch_size=batch, method=method, seed=0)
    first = []
    while len(first) < n:
        idx = gen.next_indices()
        assert idx.shape == (gen.candidates_per_step,)  # batch, or C candidates (no first pass: a permutation)
        first.extend(idx[: n - len(first)].tolist())
        gen.update(idx, np.full(idx.size, 0.5))
    assert sorted(first) == list(range(n))
    assert not gen.in_first_pass
    assert np.all(np.isfinite(gen.loss_table))


def test_last_partial_first_pass_batch_is_completed_without_duplicates():
    gen = ImportanceBatchGenerator(np.zeros((25, 1)), np.zeros(25, np.int64), batch_size=10, method="nis")
    batches = [gen.next_indices() for _ in range(3)]
    assert all(len(set(b.tolist())) == 10 for b in batches)
    assert sorted(np.concatenate(batches)[:25].tolist()) == list(range(25))


def test_nis_every_epoch_after_the_first_is_a_fresh_permutation():
    n, batch = 60, 12
    gen = ImportanceBatchGenerator(np.zeros((n, 1)), np.zeros(n, np.int64), batch_size=batch, method="nis", seed=4)
    stream = np.concatenate([gen.next_indices() for _ in range(6 * n // batch)])
    epochs = stream.reshape(6, n)
    for epoch in epochs:
        assert sorted(epoch.tolist()) == list(range(n))
    assert len({tuple(e) for e in epochs}) == 6


def test_same_seed_same_draws_different_seed_different_draws():
    def draws(seed):
        gen = ImportanceBatchGenerator(np.zeros((50, 1)), np.zeros(50, np.int64), batch_size=8, seed=seed)
        out = []
        for _ in range(20):
            idx = gen.next_indices()
            gen.update(idx, (idx % 7).astype(float))
            out.append(idx)
        return np.concatenate(out)

    np.testing.assert_array_equal(draws(0), draws(0))
    assert not np.array_equal(draws(0), draws(1))


def test_initial_losses_skip_the_first_pass():
    losses = np.r_[np.zeros(9), 1.0]
    gen = _after_first_pass("is-probabilistic", losses, batch_size=5)
    assert not gen.in_first_pass
    np.testing.assert_array_equal(gen.loss_table, losses)
    assert gen.next_indices().tolist() == [9] * 5
