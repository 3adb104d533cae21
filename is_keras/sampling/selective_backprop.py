"""The candidate methods' draw: C uniform candidates per step from a running permutation; the step selects B."""

from __future__ import annotations

from is_keras.sampling.uniform import UniformSampler


class SelectiveBackpropSampler(UniformSampler):
    """``"selective-backprop"`` (Jiang et al. 2019): C uniform candidates; the step keeps B ∝ percentile ** β.

    Args: candidate_factor, selectivity: C / B >= 1; β >= 0 on the percentile (0: uniform among the candidates).
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
        self.candidate_factor, self.selectivity = float(candidate_factor), float(selectivity)

    def draw_probabilities(self, indices):
        """None: the trained samples are chosen inside the step, not by this draw (``unbiased`` does not apply)."""
        return None


class VarianceReductionSampler(SelectiveBackpropSampler):
    """``"vr-switch"`` (Katharopoulos & Fleuret 2018): C uniform candidates; the step selects B by score while the
    estimated variance reduction τ exceeds ``vr_threshold``.

    Args:
        candidate_factor, vr_threshold: C / B >= 1; τ that turns IS on (None: the paper's ``(C + 3B) / (3B)``).
        score_smoothing: share of the candidates' mean score added to every score before the draw.
    Example:
        >>> import numpy as np
        >>> sampler = VarianceReductionSampler(candidate_factor=3.0)
        >>> sampler.bind(np.full(4, np.inf))
        >>> sampler.sample(3, np.random.default_rng(0)).shape
        (3,)
    """

    name = "vr-switch"

    def __init__(self, candidate_factor: float = 4.0, vr_threshold: float | None = None, score_smoothing: float = 0.5):
        self.candidate_factor, self.score_smoothing = float(candidate_factor), float(score_smoothing)
        self.vr_threshold = None if vr_threshold is None else float(vr_threshold)
