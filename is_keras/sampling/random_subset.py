"""IS-randomsubset: the highest-loss samples of a uniformly drawn subset (thesis §5.1.3)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import Sampler


class RandomSubsetSampler(Sampler):
    """Draws a random subset of ``subset_fraction * N`` samples (without
    replacement) and returns the ``batch_size`` of them with the highest
    losses, in descending order of loss. A batch has no duplicates.

    Args:
        subset_fraction: size of the subset as a fraction of N, in (0, 1];
            the thesis used 0.1. The subset is never smaller than the batch.

    Example:
        >>> sampler = RandomSubsetSampler(subset_fraction=1.0)
        >>> sampler.bind(np.array([0.1, 0.9, 0.5, 0.3]))
        >>> sampler.sample(2, np.random.default_rng(0)).tolist()
        [1, 2]
    """

    name = "is-randomsubset"

    def __init__(self, subset_fraction: float = 0.1):
        subset_fraction = float(subset_fraction)
        if not 0.0 < subset_fraction <= 1.0:
            raise ValueError(f"subset_fraction must be in (0, 1], got {subset_fraction}")
        self.subset_fraction = subset_fraction

    def subset_size(self, batch_size: int) -> int:
        n = self.table.size
        return min(n, max(batch_size, int(round(self.subset_fraction * n))))

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        n = self.table.size
        subset = rng.choice(n, size=self.subset_size(batch_size), replace=False)
        losses = self.table[subset]
        if batch_size < subset.size:
            top = np.argpartition(-losses, batch_size - 1)[:batch_size]
        else:
            top = np.arange(subset.size)
        top = top[np.argsort(-losses[top], kind="stable")]
        return subset[top].astype(np.int64)
