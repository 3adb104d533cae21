"""The thesis's classification figures (Figures 5.1–5.26), redrawn from a sweep's saved results into files: curves per
dataset, model and size (``<dataset>_<model>_<size>_<kind>.png``), for ``model_complexity`` also convergence speed and
max performance against the parameter count, and ``convergence.csv`` / ``.json``, the numbers behind them."""

from __future__ import annotations

import csv
from pathlib import Path

from is_keras.experiments.figure_files import save_figure
from is_keras.experiments.json_files import atomic_write_json
from is_keras.experiments.sweep_analysis import convergence_table, curve_panels, panel_curves
from is_keras.experiments.sweep_store import load_sweep_results
from is_keras.experiments.sweep_tables import format_convergence_table
from is_keras.plotting.curves import plot_curves
from is_keras.plotting.parameters import plot_versus_parameters

__all__ = ["convergence_table", "draw_figures", "format_convergence_table"]


def draw_figures(out_dir, *, fig_dir=None, window: int | None = None) -> list[Path]:
    """Redraw every figure of the sweep saved in ``out_dir``; return the files written.

    Args:
        out_dir: a :func:`~is_keras.experiments.sweep.run_sweep` output folder.
        fig_dir: where to write (default ``<out_dir>/figures``).
        window: convergence window in batches (default: the sweep's).
    Returns: The paths written: ``convergence.csv``, ``convergence.json`` and the PNGs.
    Raises: ValueError: when ``out_dir`` holds no finished runs.
    Example:
        >>> draw_figures("no/such/sweep")
        Traceback (most recent call last):
        ...
        ValueError: no sweep results in 'no/such/sweep' (expected a runs/ folder)
    """
    records = load_sweep_results(out_dir)
    if not records:
        raise ValueError(f"no finished runs in {str(out_dir)!r}")
    fig_dir = Path(fig_dir) if fig_dir is not None else Path(out_dir) / "figures"
    rows = convergence_table(records, window=window)
    fig_dir.mkdir(parents=True, exist_ok=True)
    with (fig_dir / "convergence.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    written = [fig_dir / "convergence.csv", atomic_write_json(fig_dir / "convergence.json", rows)]
    names: dict[str, int] = {}
    for panel in curve_panels(records):
        first, spec = panel[0][0], panel[0][0].spec
        name = f"{spec.dataset}_{spec.model}_{spec.size_label}_{first.sweep.get('kind', 'custom')}"
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:  # same model and size, other schedule: keep both figures
            name += f"_{names[name]}"
        title = (f"{spec.dataset}, {spec.model} ({first.result.config.get('parameters'):,} parameters), batch "
                 f"{spec.batch_size}, {min(len(m) for m in panel)} runs per line (mean ± 1 std)")
        fig = plot_curves(panel_curves(panel), metric_label=first.result.metric_info.label, title=title)
        written.append(save_figure(fig, fig_dir / f"{name}.png", dpi=110))
    complexity = [r for r in rows if r["kind"] == "model_complexity"]
    for dataset, model in dict.fromkeys((r["dataset"], r["model"]) for r in complexity):
        subset = [r for r in complexity if (r["dataset"], r["model"]) == (dataset, model)]
        window_text = f"window {subset[0]['window']} batches"
        for quantity, name in (("speed", "convergence_speed"), ("performance", "max_performance")):
            title = f"{dataset}, {model}: {name.replace('_', ' ')} ({window_text}, mean ± 1 std)"
            fig = plot_versus_parameters(subset, quantity=quantity, title=title)
            written.append(save_figure(fig, fig_dir / f"{dataset}_{model}_{name}.png"))
    return written
