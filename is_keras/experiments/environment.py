"""The software and hardware a result was produced with, saved next to every result."""

from __future__ import annotations

import importlib.metadata
import platform


def library_version() -> str:
    """The installed ``is_keras`` version (``"unknown"`` when it is not installed as a package).

    Example:
        >>> isinstance(library_version(), str)
        True
    """
    try:
        return importlib.metadata.version("is_keras")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def environment_info() -> dict:
    """Library / TensorFlow / Python versions, the device and the machine.

    Returns:
        A dict with keys ``is_keras``, ``tensorflow``, ``python``, ``device``, ``machine``.

    Example:
        >>> sorted(environment_info())
        ['device', 'is_keras', 'machine', 'python', 'tensorflow']
    """
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return {
        "is_keras": library_version(),
        "tensorflow": tf.__version__,
        "python": platform.python_version(),
        "device": gpus[0].name if gpus else "CPU",
        "machine": platform.machine(),
    }
