"""Method names -> sampler classes."""

from __future__ import annotations

from is_keras.sampling.high_subset import HighSubsetSampler
from is_keras.sampling.probabilistic import ProbabilisticSampler
from is_keras.sampling.random_subset import RandomSubsetSampler
from is_keras.sampling.sampler import Sampler
from is_keras.sampling.uniform import UniformSampler

METHODS = ("nis", "is-probabilistic", "is-randomsubset", "is-highsubset")


def make_sampler(
    method: str,
    exponent: float = 1.0,
    subset_fraction: float = 0.1,
    subset_size: int = 1000,
    uniform_mix: float = 0.0,
) -> Sampler:
    """Build the sampler for ``method`` (one of :data:`METHODS`).

    Example:
        >>> make_sampler("is-probabilistic", exponent=0.5).exponent
        0.5
    """
    if uniform_mix and method != "is-probabilistic":
        raise ValueError(f"uniform_mix applies to 'is-probabilistic' only, not to {method!r}")
    if method == "nis":
        return UniformSampler()
    if method == "is-probabilistic":
        return ProbabilisticSampler(exponent=exponent, uniform_mix=uniform_mix)
    if method == "is-randomsubset":
        return RandomSubsetSampler(subset_fraction=subset_fraction)
    if method == "is-highsubset":
        return HighSubsetSampler(subset_size=subset_size, exponent=exponent)
    raise ValueError(f"unknown sampling method {method!r}; valid methods are: {', '.join(METHODS)}")
