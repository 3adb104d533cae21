"""Moved: :class:`~is_keras.callbacks.loss_table_histograms.LossTableHistograms` and
:func:`~is_keras.plotting.loss_table.plot_loss_histograms` (which now returns a Figure).

This module keeps the old names working until their callers are updated (H5/H2); delete it then.
"""

from __future__ import annotations

from pathlib import Path

from is_keras.callbacks.loss_table_histograms import LossTableHistograms


def plot_loss_histograms(snapshots: dict, path, bins: int = 50, title: str = "Loss table", exponent: float = 1.0
                         ) -> Path:
    """The former file-writing form: draw with :func:`is_keras.plotting.loss_table.plot_loss_histograms`, save.

    Example:
        >>> import tempfile, numpy as np
        >>> plot_loss_histograms({1: np.array([1.0, 2.0])}, tempfile.mkdtemp() + "/h.png").name
        'h.png'
    """
    from is_keras.plotting.loss_table import plot_loss_histograms as draw

    fig = draw(snapshots, bins=bins, title=title, exponent=exponent)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


__all__ = ["LossTableHistograms", "plot_loss_histograms"]
