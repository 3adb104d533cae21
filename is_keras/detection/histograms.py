"""Loss-table histograms over training (thesis Figures 5.30–5.34)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np


class LossTableHistograms(keras.callbacks.Callback):
    """Snapshots ``generator.loss_table`` at the end of chosen epochs (1-based).

    :attr:`snapshots` maps epoch → a copy of the table's visited (finite)
    entries; :func:`plot_loss_histograms` draws them.

    Example:
        >>> hist = LossTableHistograms(generator, epochs=(1, 40))
        >>> trainer.fit(epochs=40, callbacks=[hist])
        >>> plot_loss_histograms(hist.snapshots, "loss_hist.png")
    """

    def __init__(self, generator, epochs=(1,)):
        super().__init__()
        epochs = sorted({int(e) for e in epochs})
        if not epochs or epochs[0] < 1:
            raise ValueError(f"epochs must be 1-based epoch numbers >= 1, got {epochs}")
        self.generator = generator
        self.epochs = epochs
        self.snapshots: dict[int, np.ndarray] = {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            table = np.array(self.generator.loss_table, dtype=np.float64)
            self.snapshots[epoch + 1] = table[np.isfinite(table)]


def plot_loss_histograms(snapshots: dict, path, bins: int = 50, title: str = "Loss table", exponent: float = 1.0
                         ) -> Path:
    """One histogram panel per snapshot; with ``exponent`` ≠ 1 the values are ``L ** exponent``.

    Each panel also reports max/mean of the sampling probability
    ``p_i ∝ L_i^ω`` relative to uniform (``N · max p``), the number that says
    whether importance sampling can change anything.

    Example:
        >>> plot_loss_histograms({1: table_after_1, 40: table_after_40}, "hist.png")
        PosixPath('hist.png')
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
        label = "loss" if exponent == 1 else f"loss^{exponent:g}"
        ax.set_xlabel(label)
        ax.set_ylabel("images")
        ratio = values.max() / values.mean() if values.size and values.mean() > 0 else float("nan")
        ax.set_title(f"after epoch {key}: N·max p = {ratio:.2f}")
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
