"""Histograms of loss-table snapshots (thesis Figures 5.30–5.34)."""

from __future__ import annotations

import numpy as np


def plot_loss_histograms(snapshots: dict, *, bins: int = 50, title: str = "Loss table", exponent: float = 1.0):
    """One histogram of ``L ** exponent`` per snapshot, titled ``N · max p`` for ``p_i ∝ L_i^ω`` (max over mean).

    Args:
        snapshots: epoch → visited table entries (from :class:`~is_keras.callbacks.LossTableHistograms`).
        bins, title, exponent: histogram bins; the figure title; the loss exponent ω.
    Returns: A ``matplotlib.figure.Figure``.
    Raises: ValueError: without snapshots.
    Example:
        >>> fig = plot_loss_histograms({1: np.array([1.0, 2.0, 4.0]), 5: np.array([1.0, 1.0])}, exponent=2.0)
        >>> [ax.get_title() for ax in fig.axes]
        ['after epoch 1: N·max p = 2.29', 'after epoch 5: N·max p = 1.00']
    """
    from matplotlib.figure import Figure  # no pyplot: leaves the user's backend (e.g. notebooks) alone

    if not snapshots:
        raise ValueError("no snapshots to plot")
    keys = sorted(snapshots)
    fig = Figure(figsize=(4.5 * len(keys), 3.6))
    axes = fig.subplots(1, len(keys), squeeze=False)
    for ax, key in zip(axes[0], keys):
        values = np.asarray(snapshots[key], dtype=np.float64) ** exponent
        ax.hist(values, bins=bins, color="tab:blue", alpha=0.85)
        ax.set_xlabel("loss" if exponent == 1 else f"loss^{exponent:g}")
        ax.set_ylabel("images")
        ratio = values.max() / values.mean() if values.size and values.mean() > 0 else float("nan")
        ax.set_title(f"after epoch {key}: N·max p = {ratio:.2f}")
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
