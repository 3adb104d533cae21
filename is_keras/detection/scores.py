"""Alternative loss-table scores for detection: uncertainty instead of loss.

Each is a ``table_score`` callable ``(y_true, y_pred, per_sample_loss) -> (B,)``
for :class:`~is_keras.training.ImportanceTrainer`: the trainer writes its
result into the loss table instead of the loss, so importance sampling draws
images in proportion to how *uncertain* the detector is on them (the
Chalmers 2023 follow-up found uncertainty-based scores beat loss-based ones).
Scores are >= ``floor`` so no image gets probability zero.
"""

from __future__ import annotations

import tensorflow as tf

REDUCTIONS = ("mean", "sum", "max")


def _reduce(values, reduction):
    axes = list(range(1, values.shape.rank))
    if reduction == "mean":
        return tf.reduce_mean(values, axis=axes)
    if reduction == "sum":
        return tf.reduce_sum(values, axis=axes)
    return tf.reduce_max(values, axis=axes)


def _check(reduction, floor):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if not floor >= 0:
        raise ValueError(f"floor must be >= 0, got {floor!r}")


def _confidence(y_pred, use_class_confidence: bool):
    y_pred = tf.cast(y_pred, tf.float32)
    objectness = tf.sigmoid(y_pred[..., 4])
    if use_class_confidence and y_pred.shape[-1] > 5:
        return objectness * tf.reduce_max(tf.nn.softmax(y_pred[..., 5:], axis=-1), axis=-1)
    return objectness


class ObjectnessEntropyScore:
    """Binary entropy (nats) of every anchor's objectness ``σ(to)``, reduced over the image.

    High when many anchors sit near 0.5: the detector cannot tell object
    from background there. ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"max"``.

    Example:
        >>> trainer = ImportanceTrainer(model, gen, loss=YoloV2Loss(anchors), table_score=ObjectnessEntropyScore())
    """

    def __init__(self, reduction: str = "mean", floor: float = 1e-6):
        _check(reduction, floor)
        self.reduction = reduction
        self.floor = float(floor)
        self.__name__ = "objectness_entropy"

    def __call__(self, y_true, y_pred, per_sample_loss=None):
        p = tf.clip_by_value(tf.sigmoid(tf.cast(y_pred, tf.float32)[..., 4]), 1e-7, 1 - 1e-7)
        entropy = -(p * tf.math.log(p) + (1 - p) * tf.math.log(1 - p))
        return _reduce(entropy, self.reduction) + self.floor


class ThresholdClosenessScore:
    """How near predicted confidences sit to the detection ``threshold``, reduced over the image.

    Per anchor ``1 - |c - t| / max(t, 1 - t)`` (1 at the threshold, 0 at the
    far end), with ``c`` the objectness, times the best class probability
    when the model has classes and ``use_class_confidence``. With
    ``reduction="sum"`` (default) an image scores roughly its number of
    borderline predictions.

    Example:
        >>> score = ThresholdClosenessScore(threshold=0.5)
        >>> score(y_true, y_pred, None).shape
        TensorShape([32])
    """

    def __init__(self, threshold: float = 0.5, reduction: str = "sum", use_class_confidence: bool = True,
                 floor: float = 1e-6):
        _check(reduction, floor)
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
        self.threshold = float(threshold)
        self.reduction = reduction
        self.use_class_confidence = bool(use_class_confidence)
        self.floor = float(floor)
        self.__name__ = "threshold_closeness"

    def __call__(self, y_true, y_pred, per_sample_loss=None):
        c = _confidence(y_pred, self.use_class_confidence)
        t = self.threshold
        closeness = 1.0 - tf.abs(c - t) / max(t, 1.0 - t)
        return _reduce(closeness, self.reduction) + self.floor


TABLE_SCORES = {
    "loss": None,
    "entropy": ObjectnessEntropyScore,
    "closeness": ThresholdClosenessScore,
}


def get_table_score(name: str):
    """``None`` (the loss itself) for ``"loss"``, else a new score object for ``"entropy"`` / ``"closeness"``.

    Example:
        >>> get_table_score("entropy").__name__
        'objectness_entropy'
    """
    if name not in TABLE_SCORES:
        raise ValueError(f"unknown table score {name!r}; choose one of {', '.join(TABLE_SCORES)}")
    factory = TABLE_SCORES[name]
    return None if factory is None else factory()
