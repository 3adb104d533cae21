"""The ``is-keras`` command line (also ``python -m is_keras``): parser, error handling, exit statuses.

A subcommand is a module with ``NAME``, ``HELP``, ``add_parser(subparsers)``, ``prepare(args)`` (checks everything,
trains nothing, returns a plan) and ``execute(plan)``, listed in :data:`SUBCOMMANDS`. Exit statuses: 0 done; 2 a usage
mistake found before training (one stderr line); 1 a failure while running; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys

from is_keras.cli import compare, detect_compare, plot, sweep
from is_keras.cli.options import UsageError
from is_keras.cli.tensorflow_logs import quiet_tensorflow_logs

#: Subcommand modules, in the order ``is-keras --help`` lists them.
SUBCOMMANDS = {module.NAME: module for module in (compare, detect_compare, sweep, plot)}

USAGE_ERROR = 2
RUN_ERROR = 1
INTERRUPTED = 130


class CliParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, ``PROG: error: MESSAGE``, and exit status 2.

    Example:
        >>> parser = CliParser(prog="is-keras demo")
        >>> _ = parser.add_argument("--epochs", type=int)
        >>> parser.parse_args(["--epochs", "3"]).epochs
        3
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # --epoch is a mistake, not --epochs
        super().__init__(*args, **kwargs)

    def error(self, message):
        """Print ``message`` on one line to stderr and exit with status 2 (raises ``SystemExit``)."""
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> CliParser:
    """The ``is-keras`` parser, with ``command``'s options built in full and the others as one-line entries.

    Args: command: the subcommand about to run (a key of :data:`SUBCOMMANDS`), or ``None`` for the top-level help only.
    Returns: The parser; arguments it parses carry ``command``, ``prepare`` and ``execute``.
    Raises: ValueError: ``command`` is not a subcommand.
    Example:
        >>> build_parser("plot").parse_args(["plot", "results/sweep"]).dir
        'results/sweep'
    """
    if command is not None and command not in SUBCOMMANDS:
        raise ValueError(f"unknown subcommand {command!r}; known: {', '.join(SUBCOMMANDS)}")
    parser = CliParser(prog="is-keras", description="Importance sampling for deep-network training (TensorFlow/Keras).",
                       epilog="Exit status: 0 done, 2 a usage mistake (found before any training), 1 a failure "
                       "while running. IS_KERAS_TRACEBACK=1 shows tracebacks.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in SUBCOMMANDS.items():
        if command == name:
            module.add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=module.HELP, add_help=False)
    parser.subcommands = subparsers.choices  # name -> its parser, to report a stray option as that command's
    return parser


def main(argv=None) -> int:
    """Run ``is-keras`` with ``argv`` (default: ``sys.argv[1:]``) and return its exit status.

    Args: argv: the arguments after the program name.
    Returns: 0, 1, 2 or 130 (see the module docstring; ``IS_KERAS_TRACEBACK=1`` raises instead).
    Raises: SystemExit: from argparse, for ``--help`` (0) and for option errors (2).
    Example:
        >>> main(["plot", "/nonexistent-sweep-folder"])
        2
    """
    quiet_tensorflow_logs()
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((arg for arg in argv if arg in SUBCOMMANDS), None)
    try:
        parser = build_parser(command)
    except Exception as error:  # noqa: BLE001 - a broken installation: one line, not a traceback
        return _report(f"is-keras {command or ''}".strip(), error, RUN_ERROR)
    args, extra = parser.parse_known_args(argv)
    if extra:
        parser.subcommands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    prog = f"is-keras {args.command}"
    status = USAGE_ERROR  # any refusal before training is a usage error; a failure while running is not
    try:
        plan = args.prepare(args)
        status = RUN_ERROR
        return args.execute(plan)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        return _report(prog, error, status)


def _report(prog: str, error: Exception, status: int) -> int:
    if os.environ.get("IS_KERAS_TRACEBACK"):
        raise error
    message = " ".join(str(error).split()) or "(no message)"
    if not isinstance(error, (UsageError, ValueError)):
        message = f"{type(error).__name__}: {message}"
    print(f"{prog}: error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
