"""Option checks shared by the subcommands: argparse ``type=`` functions and :class:`UsageError`."""

from __future__ import annotations

import argparse
import math
import os
import re
import textwrap
from pathlib import Path


class ListingHelpFormatter(argparse.HelpFormatter):
    """Wraps each description or epilog line on its own (one listing entry a line), continuing after its first "  ".

    Example:
        >>> parser = argparse.ArgumentParser(prog="p", epilog="items:\\n  a  first\\n  b  second",
        ...                                  formatter_class=ListingHelpFormatter)
        >>> parser.format_help().splitlines()[-2:]
        ['  a  first', '  b  second']
    """

    def _fill_text(self, text, width, indent):
        lines = []
        for line in text.splitlines():
            hang = re.match(r"\s*(\S+\s\s+)?", line).end()
            lines.append(textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent + " " * hang,
                                       break_on_hyphens=False)
                         if line.strip() else "")
        return "\n".join(lines)


class UsageError(Exception):
    """A command-line mistake found before training: ``is-keras`` prints it on one line and exits with 2.

    Args: option, message: the option at fault as typed (``"--methods"``) or a file name; what is wrong.
    Example:
        >>> str(UsageError("--methods", "is empty"))
        '--methods: is empty'
    """

    def __init__(self, option: str, message: str):
        super().__init__(f"{option}: {message}")
        self.option = option


def positive_int(text: str) -> int:
    """An integer >= 1 (``--epochs``, ``--batch-size``, ``--eval-every``, ``--runs``).

    Raises: argparse.ArgumentTypeError: not an integer, or below 1.
    Example:
        >>> positive_int("3")
        3
    """
    return _parse(int, text, "an integer", lambda value: value >= 1, "an integer >= 1")


def non_negative_int(text: str) -> int:
    """An integer >= 0 (``--seed``).

    Raises: argparse.ArgumentTypeError: not an integer, or negative.
    Example:
        >>> non_negative_int("0")
        0
    """
    return _parse(int, text, "an integer", lambda value: value >= 0, "an integer >= 0")


def positive_float(text: str) -> float:
    """A finite number > 0 (``--learning-rate``, ``--width``).

    Raises: argparse.ArgumentTypeError: not a number, not finite, or <= 0.
    Example:
        >>> positive_float("1e-3")
        0.001
    """
    return _parse(float, text, "a number", lambda value: math.isfinite(value) and value > 0, "a finite number > 0")


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (``--exponent``).

    Raises: argparse.ArgumentTypeError: not a number, not finite, or negative.
    Example:
        >>> non_negative_float("0")
        0.0
    """
    return _parse(float, text, "a number", lambda value: math.isfinite(value) and value >= 0, "a finite number >= 0")


def share(text: str) -> float:
    """A number in [0, 1] (``--uniform-mix``).

    Raises: argparse.ArgumentTypeError: not a number, or outside [0, 1].
    Example:
        >>> share("0.2")
        0.2
    """
    return _parse(float, text, "a number", lambda value: 0 <= value <= 1, "a number in [0, 1]")


def name_list(text: str, option: str) -> list[str]:
    """The names of a comma-separated option, blanks dropped; at least one.

    Args: text, option: the option's value; its name, for the error.
    Returns: The names in order.
    Raises: UsageError: no name in ``text``.
    Example:
        >>> name_list("nis, is-probabilistic,", "--methods")
        ['nis', 'is-probabilistic']
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UsageError(option, f"is empty (got {text!r}); give one or more names separated by commas")
    return names


def readable_file(path, option: str) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a file this process can read.

    Raises: UsageError: naming ``option`` and the file, if it is missing, a folder or unreadable.
    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile(suffix=".yaml") as file:
        ...     readable_file(file.name, "CONFIG").suffix
        '.yaml'
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise UsageError(option, f"{str(path)!r} does not exist")
    if not path.is_file():
        raise UsageError(option, f"{str(path)!r} is not a file")
    if not os.access(path, os.R_OK):
        raise UsageError(option, f"{str(path)!r} is not readable")
    return path


def readable_folder(path, option: str) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a folder this process can read.

    Raises: UsageError: naming ``option`` and the folder, if it is missing, a file or unreadable.
    Example:
        >>> import tempfile
        >>> readable_folder(tempfile.gettempdir(), "--data-root").is_dir()
        True
    """
    path = Path(path).expanduser()
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise UsageError(option, f"{str(path)!r} {what}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError(option, f"{str(path)!r} is not readable")
    return path


def output_folder(path, option: str = "--out") -> Path:
    """Create the output folder ``path`` (and its parents) now, before any training.

    Raises: UsageError: ``path`` is a file, or cannot be created or written.
    Example:
        >>> import tempfile
        >>> output_folder(tempfile.mkdtemp() + "/a/b").is_dir()
        True
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(option, f"{str(path)!r} exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(option, f"cannot create {str(path)!r}: {error.strerror or error}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(option, f"{str(path)!r} is not writable")
    return path


def _parse(kind, text: str, what: str, accept, rule: str):
    """``kind(text)``, refused with ``argparse.ArgumentTypeError`` unless it is ``what`` and ``accept`` takes it."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
    return value
