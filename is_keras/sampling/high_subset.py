"""IS-highsubset: draw from the highest-loss samples only (thesis §5.1.3)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.probabilistic import validate_exponent
from is_keras.sampling.sampler import finite_weights
from is_keras.sampling.top_loss import TopLossSampler


class HighSubsetSampler(TopLossSampler):
    """Takes the ``subset_size`` samples with the highest losses and draws the
    batch from them i.i.d. with probability proportional to ``loss ** exponent``.

    The thesis found this method useless (the network never sees easy samples
    again); it is here for completeness and to show that.

    The top ``subset_size`` set comes from a :class:`MaxTree` kept in step with
    the loss table (O(B log N) per update, O(subset_size · log N) per draw), not
    from a partition of all N losses per step. Samples tied with the
    ``subset_size``-th highest loss enter the set in a fixed order.

    Args:
        subset_size: how many of the highest-loss samples to draw from (>= 1;
            the thesis used 1000). Capped at N.
        exponent: loss exponent of the draw inside the subset (>= 0).

    Example:
        >>> sampler = HighSubsetSampler(subset_size=2)
        >>> sampler.bind(np.array([0.1, 0.9, 0.5, 0.3]))
        >>> sorted(set(sampler.sample(50, np.random.default_rng(0)).tolist()))
        [1, 2]
    """

    name = "is-highsubset"

    def __init__(self, subset_size: int = 1000, exponent: float = 1.0):
        if int(subset_size) != subset_size or subset_size < 1:
            raise ValueError(f"subset_size must be an integer >= 1, got {subset_size}")
        self.subset_size = int(subset_size)
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
