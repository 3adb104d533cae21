"""IS-revisit: the minimum revisit guarantee and the draw distribution against its formula."""

import numpy as np
import pytest

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.revisit import RevisitSampler

LOSSES = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 0.0, 0.0, 8.5])


def test_every_entry_is_revisited_within_n_over_k_batches():
    sampler = RevisitSampler(exponent=1.0, uniform_mix=0.25)
    sampler.bind(LOSSES.copy())
    rng = np.random.default_rng(0)
    k = sampler.revisit_count(8)
    assert k == 2
    for _ in range(10):  # 4 batches of 8 take 2 each from the permutation: all 8 samples
        heads = np.concatenate([sampler.sample(8, rng)[:k] for _ in range(LOSSES.size // k)])
        assert sorted(heads.tolist()) == list(range(8))
    assert RevisitSampler(uniform_mix=0.0).revisit_count(64) == 1


@pytest.mark.parametrize("exponent,mix", [(1.0, 0.25), (0.5, 0.5)])
def test_marginal_matches_formula(exponent, mix):
    sampler = RevisitSampler(exponent=exponent, uniform_mix=mix)
    sampler.bind(LOSSES.copy())
    rng = np.random.default_rng(1)
    batches = 20_000
    draws = np.concatenate([sampler.sample(8, rng) for _ in range(batches)])
    share = sampler.revisit_count(8) / 8
    w = LOSSES**exponent
    w[LOSSES == 0] = 0.0
    p = share / LOSSES.size + (1 - share) * w / w.sum()
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(8)), p, rtol=1e-12)
    freq = np.bincount(draws, minlength=8) / draws.size
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / draws.size)), (freq, p)


def test_config_and_validation():
    config = SamplerConfig(method="is-revisit", exponent=0.5, uniform_mix=0.1, unbiased=True)
    sampler = config.build_sampler()
    assert isinstance(sampler, RevisitSampler) and sampler.uniform_mix == 0.1 and sampler.exponent == 0.5
    assert isinstance(SamplerConfig(method="is-revisit").build_sampler(), RevisitSampler)
    with pytest.raises(ValueError, match="uniform_mix"):
        RevisitSampler(uniform_mix=1.5)
