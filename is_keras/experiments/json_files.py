"""Strict JSON files: NaN and infinities become ``null``; written atomically (temporary file, then rename)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path


def json_safe(value):
    """``value`` with numpy scalars/arrays as Python values and non-finite floats as ``None``.

    Args:
        value: nested dicts, lists, tuples, numbers, strings, numpy values.
    Returns: A structure ``json.dumps(..., allow_nan=False)`` accepts.
    Raises: TypeError: for a value JSON cannot hold (e.g. an arbitrary object).
    Example:
        >>> import numpy as np
        >>> json_safe({"a": [1.0, float("nan")], "b": np.float32(0.5), "c": np.arange(2)})
        {'a': [1.0, None], 'b': 0.5, 'c': [0, 1]}
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return json_safe(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def atomic_write_json(path, data, *, indent: int = 1) -> Path:
    """Write ``data`` as strict JSON to a temporary file next to ``path``, then rename it over ``path``.

    Args:
        path: the file to write (its folder is created); data: anything :func:`json_safe` accepts.
    Returns: ``path`` as a :class:`~pathlib.Path`.
    Raises: TypeError: when ``data`` holds something JSON cannot (the old file is left as it was).
    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> atomic_write_json(folder / "a.json", {"x": float("nan")}).read_text()
        '{\\n "x": null\\n}'
    """
    return atomic_write_bytes(path, json.dumps(json_safe(data), indent=indent, allow_nan=False).encode())


def atomic_write_bytes(path, content: bytes) -> Path:
    """Write ``content`` to a temporary file next to ``path`` (its folder is created), then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
