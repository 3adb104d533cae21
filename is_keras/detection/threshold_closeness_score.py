"""Threshold closeness: a detection table score counting borderline predictions (see :mod:`.scores`)."""

from __future__ import annotations

import tensorflow as tf

from is_keras.detection.score_helpers import TableScore, confidence


class ThresholdClosenessScore(TableScore):
    """How near confidences ``c`` sit to the detection ``threshold`` ``t``: ``1 - |c - t| / max(t, 1 - t)`` per anchor.

    Args:
        threshold: the detection threshold ``t`` in (0, 1).
        reduction, floor: see :class:`~is_keras.detection.score_helpers.TableScore` (default ``"sum"``).
        use_class_confidence: ``c`` is the objectness times the best class probability (else the objectness).
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
