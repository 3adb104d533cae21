"""scikit-learn's handwritten digits: small real data that ships with scikit-learn."""

from __future__ import annotations

import numpy as np

from is_keras.data.splits import stratified_split


def load_digits(*, val_fraction: float = 0.25, seed: int = 0):
    """The 1,797 8×8 digit images as ``(x_train, y_train), (x_val, y_val)``, split stratified (3:1 by default).

    Args: val_fraction, seed: the validation share of every class; seeds the split.
    Returns: ``(x_train, y_train), (x_val, y_val)``: ``x`` float32 ``(N, 8, 8, 1)`` in [0, 1], ``y`` int64 labels 0–9.
    Raises: ValueError: ``val_fraction`` outside (0, 1).
    Example:
        >>> (x_train, y_train), (x_val, y_val) = load_digits()
        >>> x_train.shape, x_val.shape
        ((1347, 8, 8, 1), (450, 8, 8, 1))
    """
    from sklearn.datasets import load_digits as _sklearn_digits

    bunch = _sklearn_digits()
    x = (bunch.images / 16.0).astype(np.float32)[..., None]
    y = bunch.target.astype(np.int64)
    train, val = stratified_split(y, val_fraction, seed=seed)
    return (x[train], y[train]), (x[val], y[val])
