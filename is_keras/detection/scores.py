"""Alternative loss-table scores for detection: uncertainty instead of loss.

Each is a ``table_score`` callable ``(y_true, y_pred, loss) -> (B,)`` for :class:`~is_keras.training.ImportanceTrainer`,
written into the loss table instead of the loss, so images are drawn by how *uncertain* the detector is on them.
"""

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


class ObjectnessEntropyScore(TableScore):
    """Binary entropy (nats) of every anchor's objectness ``σ(to)``, reduced over the image: high when unsure.

    Args: reduction, floor: see :class:`TableScore` (default ``"mean"``).
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


class ThresholdClosenessScore(TableScore):
    """How near confidences ``c`` sit to the detection ``threshold`` ``t``: ``1 - |c - t| / max(t, 1 - t)`` per anchor.

    Args:
        threshold: the detection threshold ``t`` in (0, 1).
        reduction, floor: see :class:`TableScore` (default ``"sum"``).
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


TABLE_SCORES = {"loss": None, "entropy": ObjectnessEntropyScore, "closeness": ThresholdClosenessScore}


def get_table_score(name: str):
    """``None`` (the loss itself) for ``"loss"``, else a new score object for ``"entropy"`` / ``"closeness"``.

    Args: name: ``"loss"``, ``"entropy"`` or ``"closeness"``.
    Returns: ``None`` or a score object.
    Raises: ValueError: an unknown name.
    Example:
        >>> get_table_score("entropy").__name__
        'objectness_entropy'
    """
    if name not in TABLE_SCORES:
        raise ValueError(f"unknown table score {name!r}; choose one of {', '.join(TABLE_SCORES)}")
    factory = TABLE_SCORES[name]
    return None if factory is None else factory()
