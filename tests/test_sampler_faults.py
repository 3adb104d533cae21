"""Issue 13: samples are never lost, and the table and its trees never disagree (each test failed before the fix)."""

import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator, WeightOverflowError
from is_keras.sampling.methods import METHOD_SPECS, METHODS
from is_keras.sampling.probabilistic import MAX_TOTAL, ProbabilisticSampler
from is_keras.sampling.sampler import finite_weights
from is_keras.sampling.sum_tree import FANOUT


def _gen(n=64, batch=8, **kwargs):
    x = np.arange(n, dtype=np.float32).reshape(n, 1)
    return ImportanceBatchGenerator(x, np.zeros(n, np.int64), batch_size=batch, seed=0, **kwargs)


def _losses(idx):
    return 0.5 + (np.asarray(idx) % 5) / 10.0


# ------------------------------------------------------------ lost samples
@pytest.mark.parametrize("method", METHODS)
def test_a_step_that_raised_does_not_lose_its_samples(method):
    gen = _gen(method=method)
    lost = None
    for step in range(40):
        idx = gen.next_indices()
        if step == 3:
            lost = idx  # the training step raised: no update
            continue
        gen.update(idx, _losses(idx))
    assert np.all(np.isfinite(gen.loss_table)), np.flatnonzero(~np.isfinite(gen.loss_table))
    assert not gen.in_first_pass
    assert np.all(np.isfinite(gen.loss_table[lost]))


@pytest.mark.parametrize("method", [m for m in METHODS if not METHOD_SPECS[m].selects_candidates])  # no first pass
def test_unvisited_samples_are_trained_before_the_method_draws(method):
    n, batch = 64, 8
    gen = _gen(n, batch, method=method)
    skipped = []
    for step in range(n // batch):
        idx = gen.next_indices()
        if step in (2, 5):
            skipped.append(idx)
            continue
        gen.update(idx, _losses(idx))
    skipped = np.concatenate(skipped)
    assert gen.in_first_pass and np.sum(~np.isfinite(gen.loss_table)) == skipped.size
    # the next draws: one more in flight-looking batch may come from the method, then the lost ones come back
    seen = []
    for _ in range(4):
        idx = gen.next_indices()
        seen.extend(idx.tolist())
        gen.update(idx, _losses(idx))
    assert set(skipped.tolist()) <= set(seen)
    assert np.all(np.isfinite(gen.loss_table)) and not gen.in_first_pass


@pytest.mark.parametrize("method", ["nis", "is-probabilistic", "is-randomsubset"])
def test_a_dataset_loop_stopped_early_and_resumed_trains_every_sample(method):
    n, batch = 48, 8
    gen = _gen(n, batch, method=method)
    for _, _, idx in gen.as_dataset(prefetch=2).take(3):  # stopped early: prefetched batches are dropped
        gen.update(idx.numpy(), _losses(idx.numpy()))
    steps = 0
    for _, _, idx in gen.as_dataset(prefetch=1).take(4 * n // batch):  # resumed (or `fit` called again)
        gen.update(idx.numpy(), _losses(idx.numpy()))
        steps += 1
        if not gen.in_first_pass:
            break
    assert np.all(np.isfinite(gen.loss_table))
    assert steps <= n // batch + 2  # the dropped batches came back right after the rest of the pass


def test_a_batch_of_the_pass_end_and_re_issued_samples_has_no_repeats():
    gen = _gen(18, 8, method="nis")
    first = gen.next_indices()
    gen.update(first[:3], np.ones(3))  # only 3 of the 8 losses came back
    second = gen.next_indices()
    gen.update(second, np.ones(8))
    last = gen.next_indices()  # the 2 left of the order, the 5 lost ones, and 1 visited sample
    assert len(set(last.tolist())) == 8
    assert set(first[3:].tolist()) <= set(last.tolist())
    gen.update(last, np.ones(8))
    assert not gen.in_first_pass and np.all(np.isfinite(gen.loss_table))


def test_randomsubset_gives_full_batches_when_the_batch_exceeds_n():
    losses = np.array([0.1, 0.9, 0.5, 0.3, 0.7])
    gen = _gen(5, 12, method="is-randomsubset", subset_fraction=1.0, initial_losses=losses)
    idx = gen.next_indices()
    assert idx.shape == (12,)
    top = np.argsort(-losses).tolist()
    assert idx.tolist() == (top * 3)[:12]  # every N-block is the (whole-subset) top, without repeats


# -------------------------------------------------- table and trees agree
def test_a_refused_update_changes_nothing():
    gen = _gen(20, 4, exponent=1e6, initial_losses=np.full(20, 0.5))
    tree_before = np.array(gen.sampler._tree.weights)
    table_before = np.array(gen.loss_table)
    with pytest.raises(WeightOverflowError, match=r"loss 2 \*\* exponent 1e\+06 overflows"):
        gen.update(np.array([0, 1, 2, 3]), np.array([0.5, 2.0, 0.5, 0.5]))
    np.testing.assert_array_equal(gen.loss_table, table_before)
    np.testing.assert_array_equal(gen.sampler._tree.weights, tree_before)
    assert gen.num_updates == 0
    gen.update(np.array([0, 1]), np.array([0.25, 0.75]))  # a good update still works and is counted
    assert gen.num_updates == 1 and gen.loss_table[1] == 0.75
    np.testing.assert_array_equal(gen.sampler._tree.weights, finite_weights(gen.loss_table, 1e6))


def test_a_refused_exponent_leaves_everything_unchanged():
    table = np.r_[np.ones(9), 1e200]
    gen = _gen(10, 2, initial_losses=table)
    weights_before = np.array(gen.sampler._tree.weights)
    with pytest.raises(WeightOverflowError, match="overflows"):
        gen.exponent = 2.0
    assert gen.exponent == 1.0 and gen.sampler.exponent == 1.0 and gen.sampler_config.exponent == 1.0
    np.testing.assert_array_equal(gen.sampler._tree.weights, weights_before)
    with pytest.raises(ValueError, match="exponent"):
        gen.exponent = -1.0
    assert gen.exponent == 1.0


def test_losses_near_the_float_limit_are_refused_not_summed_to_inf():
    gen = _gen(10, 4, initial_losses=np.ones(10))
    with pytest.raises(WeightOverflowError, match="exceeds"):
        gen.update(np.array([0, 1]), np.array([1e308, 1e308]))
    assert np.isfinite(gen.sampler._tree.total) and gen.sampler._tree.total <= MAX_TOTAL
    np.testing.assert_array_equal(gen.loss_table, np.ones(10))
    # one huge loss that fits is drawn (almost) always, but the draws stay valid
    gen.update(np.array([3]), np.array([1e299]))
    assert set(gen.next_indices().tolist()) == {3}
    with pytest.raises(WeightOverflowError):
        _gen(10, 4, initial_losses=np.full(10, 1e300))


def test_highsubset_draws_among_huge_losses_in_proportion():
    losses = np.r_[1e308, 0.5e308, np.ones(8)]
    gen = _gen(10, 3000, method="is-highsubset", subset_size=2, initial_losses=losses)
    draws = gen.next_indices()
    assert set(draws.tolist()) == {0, 1}
    assert np.mean(draws == 0) == pytest.approx(2 / 3, abs=0.04)


def _check_tree(gen):
    tree = gen.sampler._tree
    weights = finite_weights(gen.loss_table, gen.exponent)
    np.testing.assert_array_equal(tree.weights, weights)
    for lower, upper in zip(getattr(tree, "_levels", [])[:-1], getattr(tree, "_levels", [])[1:]):  # sum tree
        sums = lower.sum(axis=1)
        np.testing.assert_allclose(upper.reshape(-1)[: sums.size], sums, rtol=1e-12, atol=0)
        assert not np.any(upper.reshape(-1)[sums.size:])
    assert tree.total == pytest.approx(weights.sum(), rel=1e-12, abs=0)


@pytest.mark.parametrize("flat_max_size", [0, 10**9], ids=["sum-tree", "flat"])
def test_property_random_updates_draws_and_exponents_keep_tree_and_table_equal(flat_max_size, monkeypatch):
    # 10^5 operations (single loss writes, single draws, exponent changes) in about 12,500 vectorised calls,
    # the whole tree checked against numpy every 100 calls and at the end (both structures of is-probabilistic)
    monkeypatch.setattr(ProbabilisticSampler, "flat_max_size", flat_max_size)
    n, calls, batch = 3 * FANOUT + 5, 12_500, 8
    rng = np.random.default_rng(0)
    gen = _gen(n, batch, initial_losses=rng.random(n), uniform_mix=0.0)
    scales = np.array([0.0, 1e-300, 1.0, 10.0, 1e60, 1e250])
    kinds = rng.choice(3, size=calls, p=[0.55, 0.43, 0.02])
    refused = drawn = written = 0
    for step, kind in enumerate(kinds):
        if kind == 0:
            size = int(rng.integers(1, 2 * batch))
            idx = rng.integers(0, n, size=size)
            losses = rng.random(size) * scales[rng.integers(0, scales.size, size=size)]
            before = gen.num_updates
            try:
                gen.update(idx, losses)
            except WeightOverflowError:
                refused += 1
                assert gen.num_updates == before
            else:
                assert gen.num_updates == before + 1
                written += size
                assert np.all(gen.loss_table[idx[-1:]] == losses[-1:])
        elif kind == 1:
            idx = gen.next_indices()
            drawn += idx.size
            weights = gen.sampler._tree.weights
            if gen.sampler._tree.total > 0:
                assert np.all(weights[idx] > 0), "drew an index of probability 0"
        else:
            try:
                gen.exponent = float(rng.choice([0.0, 0.5, 1.0, 2.0, 3.0]))
            except WeightOverflowError:
                refused += 1
        if step % 100 == 0:
            _check_tree(gen)
    _check_tree(gen)
    assert refused > 0 and written > 40_000 and drawn > 40_000  # every path, 10^5 operations in all
