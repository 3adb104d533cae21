"""``is-keras sweep`` (a grid of runs: resumable, in shards) and ``is-keras plot`` (redraw its figures)."""

from __future__ import annotations

import time
from pathlib import Path


def add_sweep_parser(subparsers) -> None:
    """Register ``is-keras sweep CONFIG --out DIR [--shard i/n]``.

    Example:
        >>> parser = argparse.ArgumentParser(); add_sweep_parser(parser.add_subparsers())
    """
    parser = subparsers.add_parser(
        "sweep",
        help="run a grid of training runs from a YAML/JSON config (resumable, shardable)",
        description="Run every run of a sweep config (see configs/*.yaml). Each finished run is saved on its "
        "own as DIR/runs/<run_id>.json; started again, the sweep skips finished runs. With --shard i/n only "
        "every n-th run from the i-th (0-based) is run, so n machines or processes can share a sweep.",
    )
    parser.add_argument("config", help="sweep config file (.yaml, .yml or .json)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--shard", default="0/1", help="i/n: run shard i (0-based) of n (default 0/1: all)")
    parser.add_argument("--reuse", action="append", default=[], metavar="DIR",
                        help="another sweep's output folder: identical runs finished there are copied, not "
                        "trained again (repeatable)")
    parser.add_argument("--no-plot", action="store_true",
                        help="do not draw the figures at the end (never drawn for n > 1 shards)")
    parser.set_defaults(handler=run_sweep_command)


def add_plot_parser(subparsers) -> None:
    """Register ``is-keras plot DIR [--figures FIG_DIR] [--window W]``.

    Example:
        >>> parser = argparse.ArgumentParser(); add_plot_parser(parser.add_subparsers())
    """
    parser = subparsers.add_parser(
        "plot",
        help="redraw a sweep's figures and convergence table from its saved results",
        description="Group the runs saved in DIR by everything but the seed and draw the thesis's figures "
        "(1-AUC curves, convergence speed and max performance vs parameters) plus convergence.csv/json.",
    )
    parser.add_argument("dir", help="a folder written by is-keras sweep")
    parser.add_argument("--figures", default=None, help="where to write figures (default DIR/figures)")
    parser.add_argument("--window", type=int, default=None,
                        help="convergence window in batches (default: the sweep config's)")
    parser.set_defaults(handler=run_plot_command)


def run_sweep_command(args) -> int:
    from is_keras.experiments.sweep import parse_shard, run_sweep

    shard = parse_shard(args.shard)
    start = time.perf_counter()
    outcome = run_sweep(args.config, args.out, shard=shard, reuse=args.reuse)
    print(f"ran {len(outcome.ran)} run(s), copied {len(outcome.reused)}, "
          f"skipped {len(outcome.skipped)} finished in "
          f"{time.perf_counter() - start:.0f} s; results in {Path(args.out) / 'runs'}")
    if shard[1] > 1:
        print(f"when every shard has finished: is-keras plot {args.out}")
    elif not args.no_plot:
        _plot(args.out, None, None)
    return 0


def run_plot_command(args) -> int:
    _plot(args.dir, args.figures, args.window)
    return 0


def _plot(out_dir, fig_dir, window) -> None:
    from is_keras.experiments.figures import convergence_table, draw_figures, format_convergence_table
    from is_keras.experiments.sweep import load_sweep_results

    paths = draw_figures(out_dir, fig_dir=fig_dir, window=window)
    print(format_convergence_table(convergence_table(load_sweep_results(out_dir), window=window)))
    print("wrote " + ", ".join(str(p) for p in paths))
