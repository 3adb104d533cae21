"""Objectness entropy: a detection table score that is high where the detector is unsure (see :mod:`.scores`)."""

from __future__ import annotations

import tensorflow as tf

from is_keras.detection.score_helpers import TableScore


class ObjectnessEntropyScore(TableScore):
    """Binary entropy (nats) of every anchor's objectness ``σ(to)``, reduced over the image: high when unsure.

    Args: reduction, floor: see :class:`~is_keras.detection.score_helpers.TableScore` (default ``"mean"``).
    Raises: ValueError: an unknown ``reduction`` or a negative ``floor``.
    Example:
        >>> import numpy as np
        >>> y_pred = np.zeros((2, 1, 1, 1, 5), np.float32)   # objectness 0.5: the most uncertain
        >>> y_pred[1, ..., 4] = 20.0                          # sure of an object
        >>> [round(float(v), 4) for v in ObjectnessEntropyScore(floor=0.0)(None, y_pred)]
        [0.6931, 0.0]
    """

    def __init__(self, reduction: str = "mean", *, floor: float = 1e-6):
        super().__init__(reduction, floor)
        self.__name__ = "objectness_entropy"

    def per_anchor(self, y_pred):
        p = tf.clip_by_value(tf.sigmoid(tf.cast(y_pred, tf.float32)[..., 4]), 1e-7, 1 - 1e-7)
        return -(p * tf.math.log(p) + (1 - p) * tf.math.log(1 - p))
