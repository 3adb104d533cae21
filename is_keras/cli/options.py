"""Option checks shared by the subcommands: argparse ``type=`` functions and :class:`UsageError`."""

from __future__ import annotations

import argparse
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
        hang = re.compile(r"\s*(\S+\s\s+)?")
        return "\n".join(textwrap.fill(line, width, initial_indent=indent, break_on_hyphens=False,
                                       subsequent_indent=indent + " " * hang.match(line).end())
                         if line.strip() else "" for line in text.splitlines())


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


def option_type(kind, name: str = "value", **rule):
    """An ``argparse`` ``type=`` that checks its text by ``Option(kind, **rule)`` (:mod:`is_keras.sampling.options`,
    imported on first use so that ``is-keras --help`` loads none of it).

    Raises: argparse.ArgumentTypeError: "must be {rule}, got {text}".
    Example:
        >>> positive_int("3"), positive_float("1e-3"), non_negative_int("0")
        (3, 0.001, 0)
        >>> option_type(float, high=1)("2")
        Traceback (most recent call last):
        argparse.ArgumentTypeError: must be a finite number <= 1, got 2
    """

    def parse(text: str):
        from is_keras.sampling.options import Option

        option = Option(kind, **rule)
        try:
            value = kind(text)
        except ValueError:
            value = text
        try:
            return option.check(name, value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {option.rule}, got {text}") from None

    parse.__name__ = kind.__name__
    return parse


#: ``type=`` of the integer and number flags (``--epochs``, ``--seed``, ``--learning-rate``, ...).
positive_int = option_type(int, low=1)
non_negative_int = option_type(int, low=0)
positive_float = option_type(float, low=0, closed="neither")


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


def readable_path(path, option: str, *, folder: bool = False) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a file (``folder``: a folder) this process can read.

    Raises: UsageError: naming ``option`` and the path, if it is missing, of the other kind or unreadable.
    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile(suffix=".yaml") as file:
        ...     readable_path(file.name, "CONFIG").suffix
        '.yaml'
        >>> readable_path(tempfile.gettempdir(), "--data-root", folder=True).is_dir()
        True
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise UsageError(option, f"{str(path)!r} does not exist")
    if not (path.is_dir() if folder else path.is_file()):
        raise UsageError(option, f"{str(path)!r} is not a {'folder' if folder else 'file'}")
    if not os.access(path, os.R_OK | (os.X_OK if folder else 0)):
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
