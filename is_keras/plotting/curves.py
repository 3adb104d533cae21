"""Metric curves (log axis) against samples seen and training seconds, with mean ± 1 std bands."""

from __future__ import annotations

import numpy as np


def plot_curves(curves: dict, *, metric_label: str = "1-AUC", title: str = ""):
    """Two panels: the metric against samples seen and against training seconds, with mean ± 1 std bands over runs.

    Args:
        curves: ``{label: curve}``, each with ``samples``, ``seconds``, ``mean``, ``std`` arrays and ``runs``
            (e.g. :class:`~is_keras.experiments.curves.MeanCurve`).
        metric_label, title: the metric's name on the y axes; figure title.
    Returns: A :class:`matplotlib.figure.Figure`.
    Raises: ValueError: for no curves.
    Example:
        >>> from types import SimpleNamespace
        >>> curve = SimpleNamespace(samples=np.array([64, 128]), seconds=np.array([1.0, 2.0]),
        ...                         mean=np.array([0.3, 0.1]), std=np.zeros(2), runs=3)
        >>> fig = plot_curves({"nis": curve}, title="digits")
        >>> [ax.get_ylabel() for ax in fig.axes]
        ['1-AUC (mean ± 1 std)', '1-AUC (mean ± 1 std)']
    """
    from matplotlib.figure import Figure

    if not curves:
        raise ValueError("no curves to plot")
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
        ax.set_ylabel(f"{metric_label} (mean ± 1 std)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
