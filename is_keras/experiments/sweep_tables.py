"""The sweep analysis tables as aligned text (for the terminal and notebooks)."""

from __future__ import annotations


def _columns(rows: list[dict]) -> tuple[str, list[str]]:
    """The header and the line starts of the model, parameters, method and runs columns."""
    width = max([24] + [len(row["label"]) + 2 for row in rows])
    return (f"{'model':<10}{'params':>9}  {'method':<{width}}{'runs':>5}",
            [f"{row['model']:<10}{row['parameters']:>9}  {row['label']:<{width}}{row['runs']:>5}" for row in rows])


def format_convergence_table(rows: list[dict]) -> str:
    """The table of :func:`~is_keras.experiments.sweep_analysis.convergence_table` as aligned text.

    Example:
        >>> row = {"model": "crapnet", "parameters": 1398, "label": "NIS", "runs": 3, "speed_mean": 1600.0,
        ...        "speed_std": 0.0, "performance_mean": 0.11, "performance_std": 0.01}
        >>> "1600 ± 0" in format_convergence_table([row])
        True
    """
    header, starts = _columns(rows)
    lines = [f"{header}{'convergence speed (samples)':>31}{'max performance (1-AUC)':>28}"]
    for start, row in zip(starts, rows):
        lines.append(f"{start}{row['speed_mean']:>18.0f} ± {row['speed_std']:<10.0f}"
                     f"{row['performance_mean']:>16.5f} ± {row['performance_std']:<9.5f}")
    return "\n".join(lines)


def format_checkpoints(rows: list[dict]) -> str:
    """:func:`~is_keras.experiments.sweep_analysis.curve_checkpoints` as aligned text, one column per epoch.

    Example:
        >>> row = {"model": "crapnet", "parameters": 1398, "label": "NIS", "runs": 3, "epochs": [2],
        ...        "mean": [0.21], "std": [0.01]}
        >>> "epoch 2" in format_checkpoints([row])
        True
    """
    header, starts = _columns(rows)
    lines = [header + "".join(f"{f'epoch {e}':>20}" for e in rows[0]["epochs"]) + "   (mean 1-AUC ± std)"]
    for start, row in zip(starts, rows):
        lines.append(start + "".join(f"{m:>11.4f} ± {s:<6.4f}" for m, s in zip(row["mean"], row["std"])))
    return "\n".join(lines)
