"""Importance weights ``1 / (N p_i)`` that make importance sampling unbiased (opt-in; the thesis does not reweight)."""

from __future__ import annotations

import numpy as np


def unbiased_weights(weights, num_samples: int, *, total=1.0, uniform_mix: float = 0.0):
    """``1 / (N p)`` for ``p = (1 - λ) weights / total + λ / N`` (numpy arrays or TensorFlow tensors, in their dtype).

    Example:
        >>> unbiased_weights(np.array([0.5, 0.125]), 4).tolist()
        [0.5, 2.0]
        >>> unbiased_weights(np.array([1.0, 0.0]), 4, uniform_mix=0.5).tolist()   # p = 5/8, 1/8
        [0.4, 2.0]
    """
    return 1.0 / ((1.0 - uniform_mix) * (num_samples * weights / total) + uniform_mix)


def importance_weights(draw_probabilities: np.ndarray, num_samples: int) -> np.ndarray:
    """The host samplers' :func:`unbiased_weights` of ``p_i`` (float64 in), as float32.

    Raises: ValueError: a probability that is 0 or not finite.
    Example:
        >>> importance_weights(np.array([0.5, 0.125]), num_samples=4).tolist()
        [0.5, 2.0]
    """
    p = np.asarray(draw_probabilities, dtype=np.float64)
    if p.size and not (np.minimum.reduce(p) > 0 and np.maximum.reduce(p) < np.inf):
        raise ValueError("draw probabilities must be finite and > 0 to reweight (a sample was drawn with p = 0)")
    return unbiased_weights(p, num_samples).astype(np.float32)


def check_reweightable(method: str) -> None:
    """Refuse ``unbiased=True`` for methods with no per-draw probability (reads the method registry).

    Raises: ValueError: an unknown method or one without draw probabilities.
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
