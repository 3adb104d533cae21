"""The ``is-keras`` command line (also ``python -m is_keras``)."""

from __future__ import annotations

import argparse
import os
import sys

from is_keras.experiments.compare_cli import add_compare_parser
from is_keras.experiments.detect_compare_cli import add_detect_compare_parser
from is_keras.experiments.sweep_cli import add_plot_parser, add_sweep_parser

SUBCOMMANDS = [add_compare_parser, add_detect_compare_parser, add_sweep_parser, add_plot_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="is-keras", description="Importance sampling for deep-network training (TensorFlow/Keras)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ValueError as error:
        print(f"is-keras {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
