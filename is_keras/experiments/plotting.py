"""Figures: 1-AUC curves (log axis) with mean ± one standard deviation bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from is_keras.experiments.curves import MeanCurve


def plot_curves(curves: dict[str, MeanCurve], path, title: str = "", metric: str = "1-AUC") -> Path:
    """Write a PNG with two panels: metric vs samples seen and vs training seconds.

    Bands are mean ± one standard deviation over runs; on the log axis their
    lower edge is cut at a tenth of the mean (where the std exceeds it).

    Example:
        >>> plot_curves({"nis": nis_curve, "is-probabilistic": is_curve}, "compare.png")
        PosixPath('compare.png')
    """
    from matplotlib.figure import Figure  # no pyplot: leaves the user's backend (e.g. notebooks) alone

    fig = Figure(figsize=(12, 4.5))
    axes = fig.subplots(1, 2)
    for method, curve in curves.items():
        for ax, x in zip(axes, (curve.samples, curve.seconds)):
            (line,) = ax.plot(x, curve.mean, label=f"{method} (n={curve.runs})")
            lower = np.maximum(curve.mean - curve.std, curve.mean / 10)
            ax.fill_between(x, lower, curve.mean + curve.std, color=line.get_color(), alpha=0.2)
    for ax, xlabel in zip(axes, ("samples seen", "training seconds (evaluation excluded)")):
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"{metric} (mean ± 1 std)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
