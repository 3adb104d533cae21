"""Threshold closeness: a detection table score counting borderline predictions (see :mod:`.scores`)."""

from __future__ import annotations

import tensorflow as tf

from is_keras.detection.score_helpers import TableScore, confidence


class ThresholdClosenessScore(TableScore):
    """How near predicted confidences sit to the detection ``threshold``, reduced over the image.

    Per anchor ``1 - |c - t| / max(t, 1 - t)`` (1 at the threshold, 0 at the far end), ``c`` the objectness
    (times the best class probability); summed, an image scores about its number of borderline predictions.

    Args:
        threshold: the detection threshold ``t`` in (0, 1).
        reduction, floor: see :class:`~is_keras.detection.score_helpers.TableScore` (default ``"sum"``).
        use_class_confidence: multiply by the best class probability.
    Returns: A callable ``(y_true, y_pred, loss=None) -> (B,)`` scores.
    Raises: ValueError: ``threshold`` outside (0, 1), an unknown ``reduction`` or a negative ``floor``.
    Example:
        >>> import numpy as np
        >>> y_pred = np.zeros((3, 2, 2, 1, 5), np.float32)   # objectness 0.5 everywhere: on the threshold
        >>> ThresholdClosenessScore(threshold=0.5, floor=0.0)(None, y_pred).numpy().tolist()
        [4.0, 4.0, 4.0]
    """

    def __init__(self, threshold: float = 0.5, *, reduction: str = "sum", use_class_confidence: bool = True,
                 floor: float = 1e-6):
        super().__init__(reduction, floor)
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
        self.threshold = float(threshold)
        self.use_class_confidence = bool(use_class_confidence)
        self.__name__ = "threshold_closeness"

    def per_anchor(self, y_pred):
        t = self.threshold
        return 1.0 - tf.abs(confidence(y_pred, self.use_class_confidence) - t) / max(t, 1.0 - t)
