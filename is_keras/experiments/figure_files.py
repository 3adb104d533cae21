"""Saving matplotlib figures to files (the plotting package itself never touches the file system)."""

from __future__ import annotations

from pathlib import Path


def save_figure(fig, path, *, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix), creating the folder.

    Args:
        fig, path, dpi: a :class:`matplotlib.figure.Figure`, the file to write, the resolution.
    Returns: ``path`` as a :class:`~pathlib.Path`.
    Raises: ValueError: when the file cannot be written (the message names it).
    Example:
        >>> import tempfile, pathlib
        >>> from matplotlib.figure import Figure
        >>> path = save_figure(Figure(figsize=(1, 1)), pathlib.Path(tempfile.mkdtemp()) / "a.png")
        >>> path.read_bytes()[:4]
        b'\\x89PNG'
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    except OSError as error:
        raise ValueError(f"cannot write the figure {str(path)!r}: {error}") from None
    return path
