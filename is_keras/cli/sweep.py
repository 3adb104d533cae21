"""``is-keras sweep CONFIG --out DIR``: a grid of training runs from a YAML/JSON config, resumable and shardable.

The config, its whole grid and every option are checked before the first run trains.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from is_keras.cli.options import UsageError, output_folder, readable_path
from is_keras.cli.tensorflow_logs import import_tensorflow

NAME = "sweep"
HELP = "run a grid of training runs from a YAML/JSON config (resumable, shardable; --smoke: tiny)"


@dataclasses.dataclass
class SweepPlan:
    """What ``sweep`` will run: the checked config, the shard, the folders."""

    config: object
    out: Path
    shard: tuple
    reuse: list
    smoke: bool
    plot: bool


def add_parser(subparsers) -> None:
    """Register ``is-keras sweep CONFIG --out DIR [--shard i/n] [--reuse DIR] [--smoke] [--no-plot]``.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="is-keras")
        >>> add_parser(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["sweep", "c.yaml", "--out", "d", "--smoke"]).smoke
        True
    """
    parser = subparsers.add_parser(
        NAME, help=HELP, description="Run every run of a sweep config (see configs/*.yaml). Each finished run is saved "
        "on its own as DIR/runs/<run_id>.json; started again, the sweep skips finished runs and resumes the run it was "
        "killed in from that run's backup (DIR/runs/<run_id>/backup/, made at every evaluation and deleted once the "
        "result is saved; no option needed). With --shard i/n only every n-th run from the i-th (0-based) is run, so "
        "n machines or processes can share a sweep. The whole grid is checked before its first run.")
    parser.add_argument("config", help="sweep config file (.yaml, .yml or .json)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--shard", default="0/1", help="i/n: run shard i (0-based) of n (default 0/1: all)")
    parser.add_argument("--reuse", action="append", default=[], metavar="DIR", help="another sweep's output folder: "
                        "identical runs finished there are copied, not trained again (repeatable)")
    parser.add_argument("--smoke", action="store_true", help="run the grid in a tiny size (few samples, one epoch) "
                        "to try the config; use a separate --out")
    parser.add_argument("--no-plot", action="store_true",
                        help="do not draw the figures at the end (never drawn for n > 1 shards)")
    parser.set_defaults(prepare=prepare, execute=execute)


def prepare(args) -> SweepPlan:
    """Read and check the config and its whole grid, ``--shard``, ``--reuse`` and ``--out``; train nothing.

    Args: args: the parsed ``sweep`` arguments.
    Returns: The :class:`SweepPlan`.
    Raises: UsageError: naming the option, or the file and the config key at fault.
    """
    path = readable_path(args.config, "CONFIG")
    import_tensorflow()
    from is_keras.cli.dataset_options import check_dataset
    from is_keras.experiments.sweep_config import load_sweep_config, smoke_config
    from is_keras.experiments.sweep_grid import expand_sweep, parse_shard

    try:
        shard = parse_shard(args.shard)
    except ValueError as error:
        raise UsageError("--shard", str(error)) from None
    reuse = [readable_path(folder, "--reuse", folder=True) for folder in args.reuse]
    config = load_sweep_config(path)  # ValueError naming the file and the key
    kwargs = config.dataset_kwargs
    try:  # a dataset read from a local folder needs dataset_kwargs: {root: DIR}, one that exists
        check_dataset(config.dataset, kwargs.get("root", kwargs.get("data_dir")), root_option="dataset_kwargs.root")
        expand_sweep(smoke_config(config) if args.smoke else config)  # builds every run's configs
    except (UsageError, ValueError) as error:
        raise UsageError(f"sweep config {str(path)!r}", str(error)) from None
    return SweepPlan(config=config, out=output_folder(args.out), shard=shard, reuse=reuse, smoke=args.smoke,
                     plot=not args.no_plot)


def execute(plan: SweepPlan) -> int:
    """Run the plan's unfinished runs, then (one shard, unless ``--no-plot``) draw the figures.

    Args: plan: from :func:`prepare`.
    Returns: 0.
    """
    from is_keras.cli import plot
    from is_keras.experiments.sweep import run_sweep

    start = time.perf_counter()
    outcome = run_sweep(plan.config, plan.out, shard=plan.shard, reuse=plan.reuse, smoke=plan.smoke)
    print(f"ran {len(outcome.ran)} run(s), copied {len(outcome.reused)}, skipped {len(outcome.skipped)} finished in "
          f"{time.perf_counter() - start:.0f} s; results in {plan.out / 'runs'}")
    if plan.shard[1] > 1:
        print(f"when every shard has finished: is-keras plot {plan.out}")
    elif plan.plot:
        plot.execute(plot.PlotPlan(plan.out, None, None))
    return 0
