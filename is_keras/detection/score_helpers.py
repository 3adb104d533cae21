"""Shared pieces of the detection table scores: reductions over an image, option checks, confidences."""

from __future__ import annotations

import tensorflow as tf

REDUCTIONS = ("mean", "sum", "max")


def reduce_over_image(values, reduction):
    """Reduce ``(B, ...)`` per-anchor values to ``(B,)`` by ``"mean"``, ``"sum"`` or ``"max"``.

    Args:
        values: a ``(B, ...)`` tensor.
        reduction: ``"mean"``, ``"sum"`` or ``"max"`` (anything else is treated as max).

    Returns:
        A ``(B,)`` tensor.

    Raises:
        ValueError: a tensor without a static rank.

    Example:
        >>> import numpy as np, tensorflow as tf
        >>> reduce_over_image(tf.constant(np.ones((2, 3, 4))), "sum").numpy().tolist()
        [12.0, 12.0]
    """
    axes = list(range(1, values.shape.rank))
    if reduction == "mean":
        return tf.reduce_mean(values, axis=axes)
    if reduction == "sum":
        return tf.reduce_sum(values, axis=axes)
    return tf.reduce_max(values, axis=axes)


def check_score_options(reduction, floor):
    """``ValueError`` unless ``reduction`` is known and ``floor >= 0``.

    Args:
        reduction: ``"mean"``, ``"sum"`` or ``"max"``.
        floor: the score floor.

    Returns:
        None.

    Raises:
        ValueError: an unknown reduction or a negative (or NaN) floor.

    Example:
        >>> check_score_options("mean", 0.0)
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if not floor >= 0:
        raise ValueError(f"floor must be >= 0, got {floor!r}")


def confidence(y_pred, use_class_confidence: bool):
    """``σ(to)``, times the best class probability when the model has classes and ``use_class_confidence``.

    Args:
        y_pred: raw predictions ``(B, S_h, S_w, A, 5 + C)``.
        use_class_confidence: multiply by the best class probability.

    Returns:
        float32 confidences ``(B, S_h, S_w, A)``.

    Raises:
        ValueError: from TensorFlow, on a last axis shorter than 5.

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
