"""Threshold closeness: a detection table score counting borderline predictions (see :mod:`.scores`)."""

from __future__ import annotations

import tensorflow as tf

from is_keras.detection.score_helpers import check_score_options, confidence, reduce_over_image


class ThresholdClosenessScore:
    """How near predicted confidences sit to the detection ``threshold``, reduced over the image.

    Per anchor ``1 - |c - t| / max(t, 1 - t)`` (1 at the threshold, 0 at the
    far end), with ``c`` the objectness, times the best class probability
    when the model has classes and ``use_class_confidence``. With
    ``reduction="sum"`` (default) an image scores roughly its number of
    borderline predictions.

    Args:
        threshold: the detection threshold ``t`` in (0, 1).
        reduction: ``"sum"`` (default), ``"mean"`` or ``"max"``.
        use_class_confidence: multiply by the best class probability.
        floor: added to every score.

    Returns:
        A callable ``(y_true, y_pred, loss=None) -> (B,)`` scores.

    Raises:
        ValueError: ``threshold`` outside (0, 1), an unknown ``reduction`` or a negative ``floor``.

    Example:
        >>> import numpy as np
        >>> y_pred = np.zeros((3, 2, 2, 1, 5), np.float32)   # objectness 0.5 everywhere: on the threshold
        >>> ThresholdClosenessScore(threshold=0.5, floor=0.0)(None, y_pred).numpy().tolist()
        [4.0, 4.0, 4.0]
    """

    def __init__(self, threshold: float = 0.5, *, reduction: str = "sum", use_class_confidence: bool = True,
                 floor: float = 1e-6):
        check_score_options(reduction, floor)
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
        self.threshold = float(threshold)
        self.reduction = reduction
        self.use_class_confidence = bool(use_class_confidence)
        self.floor = float(floor)
        self.__name__ = "threshold_closeness"

    def __call__(self, y_true, y_pred, loss=None):
        c = confidence(y_pred, self.use_class_confidence)
        t = self.threshold
        closeness = 1.0 - tf.abs(c - t) / max(t, 1.0 - t)
        return reduce_over_image(closeness, self.reduction) + self.floor
