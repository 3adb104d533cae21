"""``is-keras plot DIR``: redraw a sweep's figures and convergence table from its saved results."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from is_keras.cli.options import UsageError, positive_int, readable_path
from is_keras.cli.tensorflow_logs import import_tensorflow

NAME = "plot"
HELP = "redraw a sweep's figures and convergence table from its saved results"


@dataclasses.dataclass
class PlotPlan:
    """The sweep folder, where the figures go, and the convergence window."""

    dir: Path
    figures: Path | None
    window: int | None


def add_parser(subparsers) -> None:
    """Register ``is-keras plot DIR [--figures FIG_DIR] [--window W]``.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="is-keras")
        >>> add_parser(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["plot", "results/sweep", "--window", "50"]).window
        50
    """
    parser = subparsers.add_parser(NAME, help=HELP, description="Group the runs saved in DIR by everything but the "
                                   "seed and draw the thesis's figures (1-AUC curves, convergence speed and max "
                                   "performance vs parameters) plus convergence.csv/json.")
    parser.add_argument("dir", help="a folder written by is-keras sweep")
    parser.add_argument("--figures", default=None, help="where to write figures (default DIR/figures)")
    parser.add_argument("--window", type=positive_int, default=None,
                        help="convergence window in batches (default: the sweep config's)")
    parser.set_defaults(prepare=prepare, execute=execute)


def prepare(args) -> PlotPlan:
    """Check that ``DIR`` is a sweep folder with results.

    Args: args: the parsed ``plot`` arguments.
    Returns: The :class:`PlotPlan`.
    Raises: UsageError: ``DIR`` is missing or holds no run results.
    Example:
        >>> import argparse
        >>> prepare(argparse.Namespace(dir="/nonexistent", figures=None, window=None))
        Traceback (most recent call last):
        is_keras.cli.options.UsageError: DIR: '/nonexistent' does not exist
    """
    folder = readable_path(args.dir, "DIR", folder=True)
    if not any((folder / "runs").glob("*.json")):
        raise UsageError("DIR", f"{str(folder)!r} holds no results (no runs/*.json): is it an is-keras sweep --out?")
    return PlotPlan(dir=folder, figures=Path(args.figures) if args.figures else None, window=args.window)


def execute(plan: PlotPlan) -> int:
    """Draw the figures (into ``DIR/figures`` unless ``--figures``), print the convergence table (also after ``sweep``).

    Args: plan: from :func:`prepare`.
    Returns: 0.
    """
    import_tensorflow()
    from is_keras.experiments.figures import draw_figures
    from is_keras.experiments.sweep_analysis import convergence_table
    from is_keras.experiments.sweep_store import load_sweep_results
    from is_keras.experiments.sweep_tables import format_convergence_table

    paths = draw_figures(plan.dir, fig_dir=plan.figures, window=plan.window)
    print(format_convergence_table(convergence_table(load_sweep_results(plan.dir), window=plan.window)))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
