"""Selective-Backprop's candidate draw: C uniform candidates per step from a running permutation."""

from __future__ import annotations

from is_keras.sampling.uniform import UniformSampler


class SelectiveBackpropSampler(UniformSampler):
    """``"selective-backprop"`` (Jiang et al. 2019): C uniform candidates; the step keeps B ∝ percentile ** β.

    Args:
        candidate_factor, selectivity: C / B >= 1; β >= 0 on the percentile (0: uniform among the candidates).
    Example:
        >>> import numpy as np
        >>> sampler = SelectiveBackpropSampler(candidate_factor=2.0, selectivity=3.0)
        >>> sampler.bind(np.full(6, np.inf))
        >>> sorted(sampler.sample(6, np.random.default_rng(0)).tolist())
        [0, 1, 2, 3, 4, 5]
    """

    name = "selective-backprop"
    selects_candidates = True

    def __init__(self, candidate_factor: float = 4.0, selectivity: float = 3.0):
        self.candidate_factor = float(candidate_factor)
        self.selectivity = float(selectivity)

    def draw_probabilities(self, indices):
        """None: the trained samples are chosen inside the step, not by this draw (``unbiased`` does not apply)."""
        return None
