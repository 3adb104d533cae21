"""InfoBatch-style pruning: pass statistics and weights against the formula."""

import numpy as np
import pytest

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.info_batch import InfoBatchSampler

# mean 2.0: indices 0..4 are below it (low), 5..7 at or above it (high)
LOSSES = np.array([0.5, 1.0, 1.5, 0.2, 1.8, 2.0, 3.0, 6.0])
LOW = LOSSES < LOSSES.mean()


def _one_pass(sampler, rng):
    """The indices and weights of one whole pass (a pass starts at the first draw of an exhausted one)."""
    first = sampler.sample(1, rng)
    weights = [sampler.batch_weights(first)]
    parts = [first]
    rest = sampler.pass_size - 1
    if rest:
        batch = sampler.sample(rest, rng)
        parts.append(batch)
        weights.append(sampler.batch_weights(batch))
    return np.concatenate(parts), np.concatenate(weights)


@pytest.mark.parametrize("ratio", [0.3, 0.5, 0.8])
def test_pruned_passes_match_formula(ratio):
    sampler = InfoBatchSampler(prune_ratio=ratio, prune_until=1.0)
    sampler.bind(LOSSES.copy())
    rng = np.random.default_rng(0)
    passes = 4000
    counts = np.zeros(LOSSES.size)
    weighted_sums = []
    for _ in range(passes):
        idx, w = _one_pass(sampler, rng)
        assert np.unique(idx).size == idx.size  # no sample twice in a pass
        assert set(np.flatnonzero(~LOW)) <= set(idx.tolist())  # high-loss samples are never pruned
        np.testing.assert_allclose(w, np.where(LOW[idx], 1 / (1 - ratio), 1.0), rtol=1e-6)
        counts[idx] += 1
        weighted_sums.append(np.sum(w * LOSSES[idx]))
    keep = counts / passes
    np.testing.assert_array_equal(keep[~LOW], 1.0)
    tolerance = 5 * np.sqrt(ratio * (1 - ratio) / passes)
    assert np.all(np.abs(keep[LOW] - (1 - ratio)) <= tolerance), keep
    # the rescaled pass sum is unbiased for the full pass sum
    sums = np.array(weighted_sums)
    assert abs(sums.mean() - LOSSES.sum()) <= 5 * sums.std() / np.sqrt(passes)


def test_no_pruning_after_prune_until_and_unvisited_kept():
    table = LOSSES.copy()
    table[0] = np.inf  # unvisited: never pruned, and left out of the mean
    sampler = InfoBatchSampler(prune_ratio=0.9, prune_until=0.5)
    sampler.bind(table)
    rng = np.random.default_rng(1)
    idx, w = _one_pass(sampler, rng)
    assert 0 in idx.tolist() and w[idx.tolist().index(0)] == 1.0
    sampler.set_progress(0.5)
    assert not sampler.pruning
    for _ in range(5):
        idx, w = _one_pass(sampler, rng)
        assert sorted(idx.tolist()) == list(range(8))
        np.testing.assert_array_equal(w, 1.0)


def test_batch_straddling_two_passes_keeps_each_pass_weight():
    sampler = InfoBatchSampler(prune_ratio=0.5, prune_until=1.0)
    sampler.bind(LOSSES.copy())
    rng = np.random.default_rng(2)
    for _ in range(50):
        batch = sampler.sample(5, rng)
        w = sampler.batch_weights(batch)
        assert np.all((w == 1.0) | (w == 2.0))
        assert np.all(w[~LOW[batch]] == 1.0)


def test_state_round_trip_and_validation():
    sampler = InfoBatchSampler(prune_ratio=0.5)
    sampler.bind(LOSSES.copy())
    rng = np.random.default_rng(3)
    sampler.sample(3, rng)
    state = sampler.get_state()
    other = InfoBatchSampler(prune_ratio=0.5)
    other.bind(LOSSES.copy())
    other.set_state(state)
    a = sampler.sample(4, np.random.default_rng(9))
    b = other.sample(4, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    small = InfoBatchSampler()
    small.bind(np.ones(3))
    with pytest.raises(ValueError, match="table of 8 samples"):
        small.set_state(state)
    with pytest.raises(ValueError, match="prune_ratio must be in"):
        InfoBatchSampler(prune_ratio=1.0)
    with pytest.raises(ValueError, match="prune_until must be in"):
        SamplerConfig(method="infobatch", prune_until=0)
    with pytest.raises(ValueError, match="unbiased=True needs"):
        SamplerConfig(method="infobatch", unbiased=True)
    assert isinstance(SamplerConfig(method="infobatch", prune_ratio=0.3).build_sampler(), InfoBatchSampler)


def test_generator_applies_the_rescale_weights_after_the_first_pass():
    from is_keras.sampling.generator import ImportanceBatchGenerator

    x = np.zeros((8, 2), "float32")
    y = np.zeros(8, "int64")
    gen = ImportanceBatchGenerator(x, y, batch_size=4, sampler_config=SamplerConfig(method="infobatch",
                                                                                    prune_ratio=0.5))
    assert gen.weighted and not gen.unbiased
    for _ in range(2):  # the first pass: weights 1
        idx, w = gen.next_batch()
        np.testing.assert_array_equal(w, 1.0)
        gen.update(idx, LOSSES[idx])
    for _ in range(20):
        idx, w = gen.next_batch()
        assert w.dtype == np.float32
        np.testing.assert_array_equal(w, np.where(LOW[idx], 2.0, 1.0))
        gen.update(idx, LOSSES[idx])
    gen.set_progress(0.9)  # past prune_until: the passes after the current one are whole, weights 1
    remaining = gen.sampler.pass_size - gen.sampler._cursor
    seen = []
    while len(seen) < remaining + 8:
        idx, w = gen.next_batch()
        seen.extend(zip(idx.tolist(), w.tolist()))
    whole = seen[remaining : remaining + 8]
    assert {i for i, _ in whole} == set(range(8)) and all(w == 1.0 for _, w in whole)
    x_batch, y_batch, indices, weights = next(iter(gen.as_dataset(prefetch=0)))  # the dataset carries the weights
    assert weights.shape == (4,)
