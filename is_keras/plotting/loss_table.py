"""Histograms of loss-table snapshots (thesis Figures 5.30–5.34)."""

from __future__ import annotations

import numpy as np


def plot_loss_histograms(snapshots: dict, *, bins: int = 50, title: str = "Loss table", exponent: float = 1.0):
    """One histogram panel per snapshot; with ``exponent`` ≠ 1 the values are ``L ** exponent``.

    Each panel's title gives ``N · max p`` for ``p_i ∝ L_i^ω`` (max over mean): whether importance sampling
    can change anything.

    Args:
        snapshots: epoch → visited table entries (from
            :class:`~is_keras.callbacks.loss_table_histograms.LossTableHistograms`).
        bins: histogram bins.
        title: the figure title.
        exponent: the loss exponent ω.
    Returns: a ``matplotlib.figure.Figure`` (save it with ``fig.savefig(path)``).
    Raises: ValueError: without snapshots.
    Example:
        >>> import numpy as np
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
