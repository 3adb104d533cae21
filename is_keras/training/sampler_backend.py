"""Which sampler backend a Keras-fit run uses: the host (numpy) sampler or the in-graph one.

``"auto"`` picks in-graph when a GPU is visible and :func:`in_graph_obstacle` finds nothing; host otherwise (it is
faster on a CPU: ``benchmarks/in_graph_cost.py``, ``benchmarks/overhead.py``).
"""

from __future__ import annotations

import numpy as np

BACKENDS = ("auto", "host", "in-graph")


def in_graph_obstacle(generator) -> str | None:
    """Why the in-graph backend cannot take ``generator`` (a memmap or non-array, a host-only method); None if it can.

    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> in_graph_obstacle(ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4))
    """
    from is_keras.sampling.in_graph_sampler import IN_GRAPH_METHODS

    if not isinstance(generator.x, np.ndarray) or isinstance(generator.x, np.memmap):
        return "the data is not an in-memory array"
    if generator.sampler_config.resolved.method not in IN_GRAPH_METHODS:
        return f"{generator.method!r} has no in-graph implementation"
    return None


def _gpu_visible(gpu_available: bool | None) -> bool:
    if gpu_available is None:
        import tensorflow as tf

        gpu_available = bool(tf.config.list_logical_devices("GPU"))
    return gpu_available


def resolve_backend(backend: str | None, generator, *, gpu_available: bool | None = None) -> str:
    """The concrete backend (``"host"`` or ``"in-graph"``) for ``generator``.

    Args:
        backend: ``"auto"`` (or ``None``), ``"host"`` or ``"in-graph"``.
        generator: the :class:`~is_keras.sampling.generator.ImportanceBatchGenerator`.
        gpu_available: whether a GPU is visible (default: ask TensorFlow).
    Raises: ValueError: for an unknown backend name.
    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4)
        >>> resolve_backend("auto", gen, gpu_available=False), resolve_backend("auto", gen, gpu_available=True)
        ('host', 'in-graph')
        >>> resolve_backend("host", gen, gpu_available=True)
        'host'
    """
    backend = "auto" if backend is None else backend
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if backend != "auto":
        return backend
    return "in-graph" if _gpu_visible(gpu_available) and in_graph_obstacle(generator) is None else "host"


def backend_reason(generator, *, gpu_available: bool | None = None) -> str:
    """Why ``backend="auto"`` picks what it picks for ``generator``, in a few words (for the fit notice).

    Args:
        generator, gpu_available: as for :func:`resolve_backend`.
    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4)
        >>> backend_reason(gen, gpu_available=False)
        'no GPU visible: the host sampler is faster on a CPU'
    """
    if not _gpu_visible(gpu_available):
        return "no GPU visible: the host sampler is faster on a CPU"
    return in_graph_obstacle(generator) or "a GPU is visible and the data fits on it"
