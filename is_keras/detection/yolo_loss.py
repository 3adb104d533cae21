"""The YOLOv2 loss (thesis eq. 2.15 with the YOLOv2 changes, eq. 4.1 without classes), one value per image."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from is_keras.detection.targets import TARGET_CHANNELS

NOOBJ_SCOPES = ("anchor", "cell")


class YoloV2Loss:
    """Per-image YOLOv2 loss: a callable ``(y_true, y_pred) -> (B,)`` for :class:`ImportanceTrainer`.

    ``y_pred`` is the raw :func:`~is_keras.models.yolov2.yolov2` output, ``y_true`` the grids of
    :func:`~is_keras.detection.targets.build_yolo_targets`; with ``x̂ = σ(tx)``, ``ŵ = p_w e^{tw} / S_w`` (``p`` the
    anchor), ``Ĉ = σ(to)``, ``p̂ = softmax(class logits)``, summed over every cell and anchor of an image::

        λ_coord Σ 1obj [(x - x̂)² + (y - ŷ)²] + λ_coord Σ 1obj [(√w - √ŵ)² + (√h - √ĥ)²]
        + λ_obj Σ 1obj (1 - Ĉ)² + λ_noobj Σ 1noobj Ĉ² + λ_class Σ 1obj Σ_c (p(c) - p̂(c))²

    ``1obj`` marks responsible boxes; the class term is left out without classes (eq. 4.1).

    Args:
        anchors: ``(A, 2)`` anchor (w, h) in grid units.
        lambda_coord, lambda_obj, lambda_noobj, lambda_class: the weights of the terms.
        noobj_scope: ``1noobj`` is every anchor that is not responsible (``"anchor"``, darknet's) or every anchor of a
            cell holding no object centre (``"cell"``, eq. 2.15 literally).
    Raises: ValueError: bad anchors, weights or ``noobj_scope``; when called, predictions not matching the targets.
    Example:
        >>> from is_keras.detection.targets import build_yolo_targets
        >>> t = build_yolo_targets([np.array([[0., 0., 32., 32.]])], [np.array([0])], 64, 2, [[1.0, 1.0]])
        >>> loss = YoloV2Loss([[1.0, 1.0]])
        >>> float(loss(t, perfect_predictions(t, [[1.0, 1.0]], 0))[0]) < 1e-6
        True
        >>> float(loss(t, np.zeros((1, 2, 2, 1, 5), np.float32))[0]) > 0.1
        True
    """

    def __init__(self, anchors, *, lambda_coord: float = 5.0, lambda_obj: float = 1.0, lambda_noobj: float = 0.5,
                 lambda_class: float = 1.0, noobj_scope: str = "anchor"):
        anchors = np.asarray(anchors, dtype=np.float32)
        if anchors.ndim != 2 or anchors.shape[1] != 2 or anchors.shape[0] < 1 or np.any(anchors <= 0):
            raise ValueError(f"anchors must be an (A, 2) array of positive (w, h), got shape {anchors.shape}")
        for name, value in (("lambda_coord", lambda_coord), ("lambda_obj", lambda_obj),
                            ("lambda_noobj", lambda_noobj), ("lambda_class", lambda_class)):
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
            setattr(self, name, float(value))
        if noobj_scope not in NOOBJ_SCOPES:
            raise ValueError(f"noobj_scope must be one of {NOOBJ_SCOPES}, got {noobj_scope!r}")
        self.anchors = anchors
        self.noobj_scope = noobj_scope
        self.__name__ = "yolov2_loss"

    def components(self, y_true, y_pred) -> dict:
        """The weighted terms ``coord_xy, coord_wh, obj, noobj, class``, each of shape (B,).

        Args: y_true, y_pred: ``(B, S_h, S_w, A, 6)`` targets; ``(B, S_h, S_w, A, 5 + C)`` raw predictions.
        Returns: A dict of five ``(B,)`` tensors; their sum is the loss.
        Raises: ValueError: shapes that do not match.
        Example:
            >>> terms = YoloV2Loss([[1.0, 1.0]]).components(np.zeros((1, 2, 2, 1, 6)), np.zeros((1, 2, 2, 1, 5)))
            >>> sorted(terms), float(terms["noobj"][0])
            (['class', 'coord_wh', 'coord_xy', 'noobj', 'obj'], 0.5)
        """
        y_true = tf.cast(tf.convert_to_tensor(y_true), tf.float32)
        y_pred = tf.cast(tf.convert_to_tensor(y_pred), tf.float32)
        num_anchors = self.anchors.shape[0]
        if y_pred.shape.rank != 5 or y_pred.shape[-2] != num_anchors or (y_pred.shape[-1] or 0) < 5:
            raise ValueError(f"y_pred must have shape (B, S_h, S_w, {num_anchors}, 5 + C), got {y_pred.shape}")
        if y_true.shape.rank != 5 or y_true.shape[-1] != TARGET_CHANNELS:
            raise ValueError(f"y_true must have shape (B, S_h, S_w, A, {TARGET_CHANNELS}), got {y_true.shape}")
        grid = tf.cast(tf.shape(y_pred)[1:3], tf.float32)  # (S_h, S_w)
        anchors = tf.constant(self.anchors)
        mask = y_true[..., 4]
        cell = self.noobj_scope == "cell"
        noobj = 1.0 - (tf.reduce_max(mask, axis=-1, keepdims=True) * tf.ones_like(mask) if cell else mask)
        xy = tf.sigmoid(y_pred[..., 0:2])
        # √ŵ = √(p_w / S_w) · e^{tw / 2}: computed this way it stays finite and smooth
        sqrt_anchor = tf.sqrt(anchors / tf.reverse(grid, [0]))  # (A, 2): (w / S_w, h / S_h)
        sqrt_wh = sqrt_anchor * tf.exp(0.5 * tf.clip_by_value(y_pred[..., 2:4], -20.0, 20.0))
        confidence = tf.sigmoid(y_pred[..., 4])
        true_sqrt_wh = tf.sqrt(tf.maximum(y_true[..., 2:4], 0.0))
        per_image = lambda t: tf.reduce_sum(t, axis=[1, 2, 3])
        terms = {
            "coord_xy": self.lambda_coord * per_image(mask * tf.reduce_sum(tf.square(y_true[..., 0:2] - xy), -1)),
            "coord_wh": self.lambda_coord * per_image(mask * tf.reduce_sum(tf.square(true_sqrt_wh - sqrt_wh), -1)),
            "obj": self.lambda_obj * per_image(mask * tf.square(1.0 - confidence)),
            "noobj": self.lambda_noobj * per_image(noobj * tf.square(confidence)),
        }
        num_classes = y_pred.shape[-1] - 5
        if num_classes > 0:
            probs = tf.nn.softmax(y_pred[..., 5:], axis=-1)
            onehot = tf.one_hot(tf.cast(y_true[..., 5], tf.int32), num_classes)
            terms["class"] = self.lambda_class * per_image(mask * tf.reduce_sum(tf.square(onehot - probs), -1))
        else:
            terms["class"] = tf.zeros_like(terms["obj"])
        return terms

    def __call__(self, y_true, y_pred):
        return tf.add_n(list(self.components(y_true, y_pred).values()))


def perfect_predictions(y_true, anchors, num_classes: int, *, logit: float = 20.0) -> np.ndarray:
    """Raw network outputs that decode exactly to ``y_true`` (``to = ±logit``), for tests and sanity checks.

    Args:
        y_true, anchors: ``(N, S_h, S_w, A, 6)`` targets; ``(A, 2)`` anchors in grid units.
        num_classes, logit: C (0: localisation only); the magnitude of the confident logits.
    Returns: float32 raw predictions ``(N, S_h, S_w, A, 5 + C)``.
    Example:
        >>> from is_keras.detection.targets import build_yolo_targets
        >>> t = build_yolo_targets([np.array([[0, 0, 32, 32]])], [np.array([1])], 64, 2, [[1.0, 1.0]], num_classes=2)
        >>> p = perfect_predictions(t, [[1.0, 1.0]], 2)
        >>> p.shape, p[0, 0, 0, 0].round(2).tolist()
        ((1, 2, 2, 1, 7), [0.0, 0.0, 0.0, 0.0, 20.0, 0.0, 20.0])
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    anchors = np.asarray(anchors, dtype=np.float64)
    grid_h, grid_w = y_true.shape[1:3]
    out = np.zeros(y_true.shape[:-1] + (5 + num_classes,), dtype=np.float32)
    mask = y_true[..., 4] > 0.5
    xy = np.clip(y_true[..., 0:2], 1e-6, 1 - 1e-6)
    wh = np.maximum(y_true[..., 2:4], 1e-9) * np.array([grid_w, grid_h]) / anchors
    out[..., 0:2] = np.where(mask[..., None], np.log(xy / (1 - xy)), 0.0)
    out[..., 2:4] = np.where(mask[..., None], np.log(wh), 0.0)
    out[..., 4] = np.where(mask, logit, -logit)
    if num_classes:
        onehot = np.eye(num_classes)[y_true[..., 5].astype(int)]
        out[..., 5:] = np.where(mask[..., None], logit * onehot, 0.0)
    return out
