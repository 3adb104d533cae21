"""Draw detections and ground truth on an image (matplotlib), like thesis Figure 5.28."""

from __future__ import annotations

import numpy as np


def draw_detections(image, boxes, scores=None, labels=None, gt_boxes=None, class_names=None, ax=None,
                    score_threshold: float = 0.3):
    """Predictions in red with their scores (white text), ground truth in green; returns the axes.

    Args:
        image: ``(H, W, 3)`` uint8 or [0, 1] float image.
        boxes, scores, labels: predictions (``[x1, y1, x2, y2]`` pixels); boxes
            scoring below ``score_threshold`` are not drawn.
        gt_boxes: optional ground-truth boxes.
        class_names: names for the labels.

    Example:
        >>> boxes, scores, labels = yolo_detections(model(x), anchors, 96)[0]
        >>> draw_detections(x[0], boxes, scores, labels, gt_boxes=val.boxes[0], class_names=val.class_names)
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(np.asarray(image))
    ax.set_axis_off()
    for x1, y1, x2, y2 in np.asarray(gt_boxes if gt_boxes is not None else [], dtype=float).reshape(-1, 4):
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor="lime", linewidth=1.5))
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    scores = np.ones(len(boxes)) if scores is None else np.asarray(scores, dtype=float)
    labels = np.zeros(len(boxes), int) if labels is None else np.asarray(labels)
    for (x1, y1, x2, y2), score, label in zip(boxes, scores, labels):
        if score < score_threshold:
            continue
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor="red", linewidth=1.5))
        name = class_names[int(label)] if class_names is not None and int(label) < len(class_names) else ""
        ax.text(x1, y1, f"{name} {score:.2f}".strip(), color="white", fontsize=7, va="bottom",
                bbox={"facecolor": "red", "alpha": 0.5, "pad": 1, "edgecolor": "none"})
    return ax
