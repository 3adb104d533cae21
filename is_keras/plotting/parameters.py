"""Convergence speed or max performance against the trainable-parameter count (thesis Figures 5.7–5.15)."""

from __future__ import annotations

import numpy as np

QUANTITIES = ("speed", "performance")


def plot_versus_parameters(rows: list[dict], *, quantity: str, title: str = ""):
    """One line per method label, mean ± 1 std band, log parameter axis (log metric axis for performance).

    Args:
        rows: rows of :func:`~is_keras.experiments.sweep_analysis.convergence_table`
            (``label``, ``parameters``, ``runs``, ``<quantity>_mean``, ``<quantity>_std``).
        quantity, title: ``"speed"`` (samples until the best window) or ``"performance"`` (its mean metric); axes title.
    Returns: A :class:`matplotlib.figure.Figure`.
    Raises: ValueError: for an unknown quantity or no rows.
    Example:
        >>> rows = [{"label": "NIS", "parameters": p, "runs": 3, "speed_mean": s, "speed_std": 10.0}
        ...         for p, s in ((1000, 500.0), (4000, 300.0))]
        >>> plot_versus_parameters(rows, quantity="speed").axes[0].get_xscale()
        'log'
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be 'speed' or 'performance', got {quantity!r}")
    if not rows:
        raise ValueError("no rows to plot")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.subplots()
    for label in dict.fromkeys(row["label"] for row in rows):
        line_rows = sorted((r for r in rows if r["label"] == label), key=lambda r: r["parameters"])
        x = np.array([r["parameters"] for r in line_rows], dtype=float)
        mean = np.array([r[f"{quantity}_mean"] for r in line_rows])
        std = np.array([r[f"{quantity}_std"] for r in line_rows])
        runs = min(r["runs"] for r in line_rows)
        (line,) = ax.plot(x, mean, marker="o", label=f"{label} (n={runs})")
        lower = mean - std if quantity == "speed" else np.clip(mean - std, mean.min() * 1e-2, None)
        ax.fill_between(x, lower, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters")
    if quantity == "speed":
        ax.set_ylabel("convergence speed: samples until best window")
    else:
        ax.set_yscale("log")
        ax.set_ylabel("max performance: best window's mean 1-AUC")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
