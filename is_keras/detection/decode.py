"""Turn raw YOLOv2 outputs into boxes: decoding and per-class non-maximum suppression."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def decode_yolo(y_pred, anchors, image_size):
    """Decode raw ``(B, S_h, S_w, A, 5 + C)`` predictions as darknet's region layer (σ offsets, anchor · e^t sizes).

    Args: y_pred, anchors, image_size: raw predictions; ``(A, 2)`` anchors in grid cells; int or ``(H, W)`` pixels.
    Returns: ``(boxes, objectness, class_probs)``, (B, N = S_h·S_w·A, 4) ``[x1, y1, x2, y2]`` pixels, (B, N), (B, N, C).
    Raises: ValueError: a wrong rank or last axis, or an anchor count that differs from the predictions'.
    Example:
        >>> y_pred = np.zeros((1, 2, 2, 1, 6), np.float32)   # 2x2 grid, 1 anchor, 1 class
        >>> boxes, obj, probs = decode_yolo(y_pred, [[1.0, 1.0]], 64)
        >>> boxes.numpy()[0, 0].tolist(), float(obj[0, 0]), probs.shape
        ([0.0, 0.0, 32.0, 32.0], 0.5, TensorShape([1, 4, 1]))
    """
    y_pred = tf.cast(tf.convert_to_tensor(y_pred), tf.float32)
    if y_pred.shape.rank != 5 or (y_pred.shape[-1] or 0) < 5:
        raise ValueError(f"y_pred must have shape (B, S_h, S_w, A, 5 + C), got {y_pred.shape}")
    anchors = tf.constant(np.asarray(anchors, dtype=np.float32))
    if anchors.shape[0] != y_pred.shape[3]:
        raise ValueError(f"{anchors.shape[0]} anchors given for predictions with {y_pred.shape[3]} anchors")
    image_h, image_w = map(float, (image_size, image_size) if np.ndim(image_size) == 0 else image_size)
    shape = tf.shape(y_pred)
    grid_h, grid_w = shape[1], shape[2]
    cols = tf.cast(tf.reshape(tf.range(grid_w), (1, 1, -1, 1)), tf.float32)
    rows = tf.cast(tf.reshape(tf.range(grid_h), (1, -1, 1, 1)), tf.float32)
    gw, gh = tf.cast(grid_w, tf.float32), tf.cast(grid_h, tf.float32)
    cx = (cols + tf.sigmoid(y_pred[..., 0])) / gw * image_w
    cy = (rows + tf.sigmoid(y_pred[..., 1])) / gh * image_h
    w = anchors[:, 0] * tf.exp(tf.clip_by_value(y_pred[..., 2], -20.0, 20.0)) / gw * image_w
    h = anchors[:, 1] * tf.exp(tf.clip_by_value(y_pred[..., 3], -20.0, 20.0)) / gh * image_h
    boxes = tf.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)
    batch, num_classes = shape[0], y_pred.shape[-1] - 5
    class_probs = tf.reshape(tf.nn.softmax(y_pred[..., 5:], axis=-1), (batch, -1, num_classes))
    return tf.reshape(boxes, (batch, -1, 4)), tf.reshape(tf.sigmoid(y_pred[..., 4]), (batch, -1)), class_probs


def non_max_suppression(boxes, scores, *, iou_threshold: float = 0.45, score_threshold: float = 0.005,
                        max_detections: int = 100):
    """Per-class non-maximum suppression on a batch.

    Args:
        boxes, scores: ``(B, N, 4)`` ``[x1, y1, x2, y2]`` boxes; ``(B, N, C)`` scores per class.
        iou_threshold: boxes of one class overlapping more than this are suppressed.
        score_threshold, max_detections: lower scores are dropped; at most this many per image.
    Returns: Per image numpy ``(boxes (n, 4), scores (n,), labels (n,))``, highest score first.
    Example:
        >>> boxes = np.array([[[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]]], np.float32)
        >>> scores = np.array([[[0.9], [0.8], [0.7]]], np.float32)
        >>> kept, kept_scores, labels = non_max_suppression(boxes, scores, iou_threshold=0.45)[0]
        >>> kept.tolist(), [round(float(s), 2) for s in kept_scores]
        ([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]], [0.9, 0.7])
    """
    # tf wants [y1, x1, y2, x2]; IoU is symmetric in the axes, we swap for clarity
    yx = tf.gather(tf.cast(boxes, tf.float32), [1, 0, 3, 2], axis=-1)[:, :, None, :]
    nms_boxes, nms_scores, nms_classes, valid = tf.image.combined_non_max_suppression(
        yx, tf.cast(scores, tf.float32), max_output_size_per_class=int(max_detections),
        max_total_size=int(max_detections), iou_threshold=float(iou_threshold), score_threshold=float(score_threshold),
        clip_boxes=False)
    nms_boxes = tf.gather(nms_boxes, [1, 0, 3, 2], axis=-1).numpy()
    nms_scores, nms_classes, valid = nms_scores.numpy(), nms_classes.numpy(), valid.numpy()
    return [(nms_boxes[i, : valid[i]], nms_scores[i, : valid[i]], nms_classes[i, : valid[i]].astype(np.int64))
            for i in range(len(valid))]


def yolo_detections(y_pred, anchors, image_size, *, score_threshold: float = 0.005, iou_threshold: float = 0.45,
                    max_detections: int = 100):
    """Decoded, per-class NMS'd detections scored ``objectness × p(c)`` (objectness alone without classes).

    Args:
        y_pred, anchors, image_size: as in :func:`decode_yolo`.
        score_threshold: lower scores are dropped (the low default keeps the precision–recall curve; draw at ~0.3).
        iou_threshold, max_detections: as in :func:`non_max_suppression`.
    Returns: A list of ``(boxes, scores, labels)`` numpy tuples, one per image.
    Raises: ValueError: see :func:`decode_yolo`.
    Example:
        >>> y_pred = np.full((1, 2, 2, 1, 5), -10.0, np.float32)   # localisation only, all cells empty ...
        >>> y_pred[0, 1, 0, 0] = 0.0, 0.0, 0.0, 0.0, 10.0          # ... but the bottom-left: a centred box
        >>> boxes, scores, labels = yolo_detections(y_pred, [[1.0, 1.0]], 64, score_threshold=0.5)[0]
        >>> boxes.round().tolist(), labels.tolist()
        ([[0.0, 32.0, 32.0, 64.0]], [0])
    """
    boxes, objectness, class_probs = decode_yolo(y_pred, anchors, image_size)
    scores = objectness[..., None] * class_probs if class_probs.shape[-1] else objectness[..., None]
    return non_max_suppression(boxes, scores, iou_threshold=iou_threshold, score_threshold=score_threshold,
                               max_detections=max_detections)


def box_iou(a, b) -> np.ndarray:
    """Pairwise IoU of ``(N, 4)`` and ``(M, 4)`` ``[x1, y1, x2, y2]`` boxes: float64 ``(N, M)``.

    Raises: ValueError: inputs that cannot be reshaped to ``(-1, 4)``.
    Example:
        >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3]]).round(4)
        array([[0.1429]])
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)[:, None, :]
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)[None, :, :]
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area = lambda t: (t[..., 2] - t[..., 0]) * (t[..., 3] - t[..., 1])
    return inter / np.maximum(area(a) + area(b) - inter, 1e-12)
