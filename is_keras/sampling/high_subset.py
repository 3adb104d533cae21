"""IS-highsubset: draw from the highest-loss samples only (thesis §5.1.3)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.options import check_option
from is_keras.sampling.probabilistic import validate_exponent
from is_keras.sampling.sampler import finite_weights
from is_keras.sampling.top_loss import TopLossSampler


class HighSubsetSampler(TopLossSampler):
    """Draws i.i.d. ``∝ loss ** exponent`` among the ``subset_size`` highest-loss samples (ties in a fixed order).

    Args:
        subset_size, exponent: samples drawn from, >= 1, capped at N; the loss exponent >= 0.
    Example:
        >>> sampler = HighSubsetSampler(subset_size=2)
        >>> sampler.bind(np.array([0.1, 0.9, 0.5, 0.3]))
        >>> sorted(set(sampler.sample(50, np.random.default_rng(0)).tolist()))
        [1, 2]
    """

    name = "is-highsubset"

    def __init__(self, subset_size: int = 1000, exponent: float = 1.0):
        self.subset_size = int(check_option("subset_size", subset_size))
        self.exponent = validate_exponent(exponent)

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        subset = self._tree.top(self.subset_size)
        weights = finite_weights(self.table[subset], self.exponent)
        total = weights.sum()
        if not np.isfinite(total):  # huge losses or exponent: the same distribution, computed relative to the max
            losses = self.table[subset]
            finite = np.isfinite(losses)
            top = losses[finite].max() if finite.any() else 0.0
            weights = finite_weights(losses / top, self.exponent) if top > 0 else np.zeros(subset.size)
            total = weights.sum()
        p = weights / total if total > 0 else None
        return subset[rng.choice(subset.size, size=batch_size, replace=True, p=p)].astype(np.int64)
