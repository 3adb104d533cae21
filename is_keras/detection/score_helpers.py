"""Shared pieces of the detection table scores: the base class (reduction over an image, floor), confidences."""

from __future__ import annotations

import tensorflow as tf

REDUCTIONS = ("mean", "sum", "max")


class TableScore:
    """Base of the detection table scores: ``per_anchor(y_pred)`` reduced over each image, plus ``floor``.

    Args: reduction, floor: ``"mean"``, ``"sum"`` or ``"max"`` over anchors and cells; added so no image gets p = 0.
    Returns: A callable ``(y_true, y_pred, loss=None) -> (B,)`` scores.
    Raises: ValueError: an unknown ``reduction`` or a negative (or NaN) ``floor``.
    Example:
        >>> import numpy as np
        >>> class Ones(TableScore):
        ...     def per_anchor(self, y_pred):
        ...         return tf.ones(tf.shape(y_pred)[:-1])
        >>> Ones("sum", floor=0.0)(None, np.zeros((2, 3, 1, 1, 5))).numpy().tolist()
        [3.0, 3.0]
    """

    def __init__(self, reduction: str = "mean", floor: float = 1e-6):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if not floor >= 0:
            raise ValueError(f"floor must be >= 0, got {floor!r}")
        self.reduction = reduction
        self.floor = float(floor)

    def per_anchor(self, y_pred):
        """The ``(B, S_h, S_w, A)`` values to reduce; subclasses define it."""
        raise NotImplementedError

    def __call__(self, y_true, y_pred, loss=None):
        values = self.per_anchor(y_pred)
        reduce = {"mean": tf.reduce_mean, "sum": tf.reduce_sum, "max": tf.reduce_max}[self.reduction]
        return reduce(values, axis=list(range(1, values.shape.rank))) + self.floor


def confidence(y_pred, use_class_confidence: bool):
    """``σ(to)``, times the best class probability when the model has classes and ``use_class_confidence``.

    Args: y_pred, use_class_confidence: raw predictions ``(B, S_h, S_w, A, 5 + C)``; the flag.
    Returns: float32 confidences ``(B, S_h, S_w, A)``.
    Example:
        >>> import numpy as np
        >>> confidence(np.zeros((1, 1, 1, 1, 7), np.float32), True).numpy().round(3).tolist()
        [[[[0.25]]]]
    """
    y_pred = tf.cast(y_pred, tf.float32)
    objectness = tf.sigmoid(y_pred[..., 4])
    if use_class_confidence and y_pred.shape[-1] > 5:
        return objectness * tf.reduce_max(tf.nn.softmax(y_pred[..., 5:], axis=-1), axis=-1)
    return objectness
