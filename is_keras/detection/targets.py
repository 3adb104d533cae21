"""YOLOv2 training targets: one dense ``(S_h, S_w, A, 6)`` float32 grid per image, held as a batch generator's ``y``.

Per anchor: 0, 1 the object centre's offset in its cell, in [0, 1); 2, 3 its w, h relative to the image, in (0, 1];
4 is 1 for the *responsible box* (the anchor of the centre's cell best matching by shape; of two objects, the later
wins, as in darknet), else 0; 5 the class index (0 for localisation only).
"""

from __future__ import annotations

import numpy as np

from is_keras.detection.anchors import wh_iou

TARGET_CHANNELS = 6


def _pair(value, name):
    if np.ndim(value) == 0:
        value = (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2 or min(value) < 1:
        raise ValueError(f"{name} must be a positive int or an (height, width) pair, got {value}")
    return value


def build_yolo_targets(boxes, labels, image_size, grid_size, anchors, num_classes: int = 0) -> np.ndarray:
    """Convert per-image boxes to YOLOv2 target grids of shape ``(N, S_h, S_w, A, 6)``.

    Args:
        boxes, labels: per image ``(n, 4)`` ``[x1, y1, x2, y2]`` pixel boxes; ``(n,)`` classes in ``[0, num_classes)``.
        image_size, grid_size: the network input ``(H, W)`` of the boxes; ``(S_h, S_w)``, e.g. 13 at 416 (or ints).
        anchors, num_classes: ``(A, 2)`` anchor (w, h) in grid units, as in darknet's cfg; C (0: localisation only).
    Returns: float32 targets ``(N, S_h, S_w, A, 6)`` (layout in the module docstring).
    Raises: ValueError: bad sizes or anchors, mismatched boxes and labels, or a label outside ``[0, num_classes)``.
    Example:
        >>> from is_keras.detection.anchors import YOLOV2_COCO_ANCHORS
        >>> t = build_yolo_targets([np.array([[100., 120., 200., 300.]])], [np.array([3])],
        ...                        416, 13, YOLOV2_COCO_ANCHORS, num_classes=80)
        >>> t.shape, np.argwhere(t[..., 4]).tolist()
        ((1, 13, 13, 5, 6), [[0, 6, 4, 2]])
    """
    image_h, image_w = _pair(image_size, "image_size")
    grid_h, grid_w = _pair(grid_size, "grid_size")
    anchors = np.asarray(anchors, dtype=np.float64)
    if anchors.ndim != 2 or anchors.shape[1] != 2 or anchors.shape[0] < 1 or np.any(anchors <= 0):
        raise ValueError(f"anchors must be an (A, 2) array of positive (w, h) in grid units, got {anchors.shape}")
    if len(boxes) != len(labels):
        raise ValueError(f"boxes has {len(boxes)} images but labels has {len(labels)}")
    out = np.zeros((len(boxes), grid_h, grid_w, anchors.shape[0], TARGET_CHANNELS), dtype=np.float32)
    for n, (image_boxes, image_labels) in enumerate(zip(boxes, labels)):
        image_boxes = np.asarray(image_boxes, dtype=np.float64).reshape(-1, 4)
        image_labels = np.asarray(image_labels).reshape(-1)
        if len(image_boxes) != len(image_labels):
            raise ValueError(f"image {n}: {len(image_boxes)} boxes but {len(image_labels)} labels")
        if num_classes and image_labels.size and (image_labels.min() < 0 or image_labels.max() >= num_classes):
            raise ValueError(f"image {n}: labels must lie in [0, {num_classes}), got {image_labels}")
        x1, y1, x2, y2 = np.clip(image_boxes, 0, [image_w, image_h, image_w, image_h]).T
        w, h = (x2 - x1) / image_w, (y2 - y1) / image_h
        keep = (w > 0) & (h > 0)
        if not np.any(keep):
            continue
        cx = (x1 + x2) / 2 / image_w * grid_w
        cy = (y1 + y2) / 2 / image_h * grid_h
        col = np.clip(np.floor(cx), 0, grid_w - 1).astype(int)
        row = np.clip(np.floor(cy), 0, grid_h - 1).astype(int)
        best = wh_iou(np.stack([w * grid_w, h * grid_h], axis=1)[keep], anchors).argmax(axis=1)
        for i, a in zip(np.flatnonzero(keep), best):
            label = int(image_labels[i]) if num_classes else 0
            out[n, row[i], col[i], a] = (cx[i] - col[i], cy[i] - row[i], w[i], h[i], 1.0, label)
    return out


def targets_to_boxes(targets, image_size) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Inverse of :func:`build_yolo_targets`: per image ``[x1, y1, x2, y2]`` pixel boxes and labels.

    Args: targets, image_size: ``(N, S_h, S_w, A, 6)`` targets; the network input ``(H, W)`` (or one int).
    Returns: ``(boxes, labels)``: per image a float32 ``(n, 4)`` array and an int64 ``(n,)`` array.
    Raises: ValueError: targets of the wrong shape or a bad ``image_size``.
    Example:
        >>> t = build_yolo_targets([np.array([[0., 0., 32., 32.]])], [np.array([0])], 64, 2, [[1.0, 1.0]])
        >>> boxes, labels = targets_to_boxes(t, 64)
        >>> boxes[0].tolist(), labels[0].tolist()
        ([[0.0, 0.0, 32.0, 32.0]], [0])
    """
    image_h, image_w = _pair(image_size, "image_size")
    targets = np.asarray(targets)
    if targets.ndim != 5 or targets.shape[-1] != TARGET_CHANNELS:
        raise ValueError(f"targets must have shape (N, S_h, S_w, A, {TARGET_CHANNELS}), got {targets.shape}")
    grid_h, grid_w = targets.shape[1:3]
    boxes, labels = [], []
    for t in targets:
        row, col, anchor = np.nonzero(t[..., 4] > 0.5)
        cell = t[row, col, anchor]
        cx = (col + cell[:, 0]) / grid_w * image_w
        cy = (row + cell[:, 1]) / grid_h * image_h
        w, h = cell[:, 2] * image_w, cell[:, 3] * image_h
        boxes.append(np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32))
        labels.append(cell[:, 5].astype(np.int64))
    return boxes, labels
