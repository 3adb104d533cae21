"""Snapshots of the loss table over training, for histograms (thesis Figures 5.30–5.34)."""

from __future__ import annotations

import keras
import numpy as np


class LossTableHistograms(keras.callbacks.Callback):
    """Snapshots ``generator.loss_table``'s visited (finite) entries in :attr:`snapshots` after chosen epochs (1-based).

    Args: generator, epochs: anything with a ``loss_table`` array; 1-based epochs after which to snapshot.
    Raises: ValueError: an empty list or an epoch < 1.
    Example:
        >>> class Gen:
        ...     loss_table = np.array([1.0, np.inf, 2.0])
        >>> hist = LossTableHistograms(Gen(), epochs=(1,))
        >>> hist.on_epoch_end(0)
        >>> hist.snapshots[1].tolist()
        [1.0, 2.0]
    """

    def __init__(self, generator, epochs=(1,)):
        super().__init__()
        epochs = sorted({int(e) for e in epochs})
        if not epochs or epochs[0] < 1:
            raise ValueError(f"epochs must be 1-based epoch numbers >= 1, got {epochs}")
        self.generator = generator
        self.epochs = epochs
        self.snapshots: dict[int, np.ndarray] = {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            table = np.array(self.generator.loss_table, dtype=np.float64)
            self.snapshots[epoch + 1] = table[np.isfinite(table)]
