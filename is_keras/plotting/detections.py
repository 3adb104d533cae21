"""Detections and ground truth drawn on an image, like thesis Figure 5.28."""

from __future__ import annotations

import numpy as np


def draw_detections(image, boxes, scores=None, labels=None, *, gt_boxes=None, class_names=None, ax=None,
                    score_threshold: float = 0.3):
    """Predictions in red with their scores (white text), ground truth in green.

    Args:
        image: ``(H, W, 3)`` uint8 or [0, 1] float image.
        boxes, scores, labels: predictions (``[x1, y1, x2, y2]`` pixels).
        gt_boxes, class_names: optional ground-truth boxes; names for the labels.
        ax, score_threshold: matplotlib axes to draw on (default: a new 4×4-inch figure); lowest score drawn.
    Returns: The :class:`matplotlib.figure.Figure` holding the axes.
    Example:
        >>> fig = draw_detections(np.zeros((32, 32, 3)), [[2, 2, 20, 20]], [0.9], [0], gt_boxes=[[1, 1, 19, 21]],
        ...                       class_names=["circle"])
        >>> len(fig.axes[0].patches)
        2
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    if ax is None:
        ax = Figure(figsize=(4, 4)).subplots()
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
    return ax.figure
