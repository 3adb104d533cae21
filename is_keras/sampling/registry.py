"""Method names -> samplers, kept for old code; new code uses ``SamplerConfig`` and :mod:`is_keras.sampling.methods`."""

from __future__ import annotations

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.methods import METHODS
from is_keras.sampling.sampler import Sampler

__all__ = ["METHODS", "make_sampler"]


def make_sampler(method: str, exponent: float = 1.0, subset_fraction: float = 0.1, subset_size: int = 1000,
                 uniform_mix: float = 0.0) -> Sampler:
    """Build the sampler for ``method`` (one of :data:`METHODS`); see :class:`SamplerConfig`.

    Raises: ValueError: an unknown method or an invalid option.
    Example:
        >>> make_sampler("is-probabilistic", exponent=0.5).exponent
        0.5
    """
    config = SamplerConfig(method=method, exponent=exponent, subset_fraction=subset_fraction,
                           subset_size=subset_size, uniform_mix=uniform_mix)
    return config.build_sampler()
