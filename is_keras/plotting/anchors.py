"""The anchor-count elbow: mean IoU with the best anchor, and its gain per extra anchor, against K."""

from __future__ import annotations

import numpy as np


def plot_anchor_elbow(curve: dict, *, title: str = "Anchor boxes: mean IoU against K"):
    """Two panels: mean IoU against K, and the IoU gained by the K-th anchor.

    Args:
        curve: ``{K: (anchors, mean IoU)}``, the output of :func:`~is_keras.detection.anchors.anchor_elbow`.
        title: the figure title.

    Returns:
        A :class:`matplotlib.figure.Figure`.

    Raises:
        ValueError: for an empty curve.

    Example:
        >>> fig = plot_anchor_elbow({1: (None, 0.4), 2: (None, 0.55), 3: (None, 0.6)})
        >>> [round(float(y), 2) for y in fig.axes[1].lines[0].get_ydata()]
        [0.15, 0.05]
    """
    from matplotlib.figure import Figure

    if not curve:
        raise ValueError("no anchor counts to plot")
    ks = sorted(curve)
    ious = [curve[k][1] for k in ks]
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    axes[0].plot(ks, ious, "o-")
    axes[0].set_xlabel("number of anchors K")
    axes[0].set_ylabel("mean IoU with the best anchor")
    axes[0].grid(True, alpha=0.3)
    axes[1].plot(ks[1:], np.diff(ious), "o-")
    axes[1].set_xlabel("number of anchors K")
    axes[1].set_ylabel("mean IoU gained by the K-th anchor")
    axes[1].grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
