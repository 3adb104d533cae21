"""Importance weights that make importance sampling unbiased (opt-in; the thesis does not reweight).

Drawing sample ``i`` with probability ``p_i`` instead of ``1 / N`` changes the
expected batch gradient. Multiplying each drawn sample's loss by
``w_i = 1 / (N p_i)`` restores it: ``E[(1/B) sum_b w_b grad L_b] = (1/N) sum_i grad L_i``,
the full-data gradient that uniform sampling estimates (Katharopoulos & Fleuret 2018
use the same ``1 / (B p_i)`` form). The price is variance when some drawn ``p_i``
are tiny, so lower exponents (``w <= 1``) suit unbiased runs best.
"""

from __future__ import annotations

import numpy as np


def importance_weights(draw_probabilities: np.ndarray, num_samples: int) -> np.ndarray:
    """``1 / (N p_i)`` as float32: 1 for uniform draws, below 1 for over-sampled items.

    Example:
        >>> importance_weights(np.array([0.5, 0.125]), num_samples=4).tolist()
        [0.5, 2.0]
    """
    p = np.asarray(draw_probabilities, dtype=np.float64)
    if p.size and not (np.minimum.reduce(p) > 0 and np.maximum.reduce(p) < np.inf):
        raise ValueError("draw probabilities must be finite and > 0 to reweight (a sample was drawn with p = 0)")
    return (1.0 / (num_samples * p)).astype(np.float32)


def check_reweightable(method: str) -> None:
    """Refuse ``unbiased=True`` for methods with no per-draw probability (reads the method registry).

    Raises:
        ValueError: for an unknown method or one without draw probabilities.

    Example:
        >>> check_reweightable("nis")
    """
    from is_keras.sampling.config import SamplerConfig

    SamplerConfig(method=method, unbiased=True)


def __getattr__(name: str):
    if name == "REWEIGHTABLE_METHODS":  # the registered methods with draw probabilities, read when asked
        from is_keras.sampling.methods import reweightable_methods

        return reweightable_methods()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
