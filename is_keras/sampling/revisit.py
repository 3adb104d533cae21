"""IS-revisit: IS-probabilistic with a guaranteed minimum revisit rate, so no table entry grows too stale."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.options import check_option
from is_keras.sampling.switch import ImportanceAndUniform


class RevisitSampler(ImportanceAndUniform):
    """Each batch: ``k = max(1, round(uniform_mix · B))`` samples from a running permutation, the rest ``∝ L^ω``.

    Every entry is refreshed at least every ``ceil(N / k)`` batches; ``1 / (N p_i) <= B / k``.

    Args: exponent, uniform_mix: ω >= 0 of the importance part; the permutation's share of a batch in [0, 1].
    Example:
        >>> sampler = RevisitSampler(exponent=1.0, uniform_mix=0.25)
        >>> sampler.bind(np.array([0.0, 0.0, 0.0, 8.0]))
        >>> batch = sampler.sample(8, np.random.default_rng(0))
        >>> int((batch == 3).sum()) >= 6   # 6 importance draws all pick sample 3, 2 come from the permutation
        True
        >>> sampler.draw_probabilities(np.array([0, 3]), batch_size=8).tolist()   # 0.25/4, 0.25/4 + 0.75
        [0.0625, 0.8125]
    """

    name = "is-revisit"

    def __init__(self, exponent: float = 1.0, uniform_mix: float = 0.2):
        self.uniform_mix = check_option("uniform_mix", uniform_mix)  # the revisit share
        super().__init__(exponent=exponent)
        self._batch_size = None

    def revisit_count(self, batch_size: int) -> int:
        """``k``: the samples of a batch taken from the permutation (at least 1)."""
        return max(1, min(batch_size, int(round(self.uniform_mix * batch_size))))

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        self._batch_size, k = batch_size, self.revisit_count(batch_size)
        parts = [self._uniform.sample(k, rng)]
        if batch_size > k:
            parts.append(self._importance.sample(batch_size - k, rng))
        return np.concatenate(parts)

    def draw_probabilities(self, indices: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """``(k / B) / N + (1 - k / B) L_i^ω / Σ L^ω`` (B: ``batch_size``, default the last batch's size)."""
        batch_size = batch_size or self._batch_size or 1
        share, uniform = self.revisit_count(batch_size) / batch_size, self._uniform.draw_probabilities(indices)
        return share * uniform + (1.0 - share) * self._importance.draw_probabilities(indices)
