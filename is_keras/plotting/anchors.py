"""The anchor-count elbow: mean IoU with the best anchor, and its gain per extra anchor, against K."""

from __future__ import annotations

import numpy as np


def plot_anchor_elbow(curve: dict, *, title: str = "Anchor boxes: mean IoU against K"):
    """Two panels: mean IoU against K, and the IoU gained by the K-th anchor.

    Args: curve, title: ``{K: (anchors, mean IoU)}`` of :func:`~is_keras.detection.anchors.anchor_elbow`; figure title.
    Returns: A :class:`matplotlib.figure.Figure`.
    Raises: ValueError: for an empty curve.
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
    panels = (ks, ious, "mean IoU with the best anchor"), (ks[1:], np.diff(ious), "mean IoU gained by the K-th anchor")
    for ax, (x, y, ylabel) in zip(axes, panels):
        ax.plot(x, y, "o-")
        ax.set_xlabel("number of anchors K")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
