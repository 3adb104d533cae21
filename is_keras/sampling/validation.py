"""Checks on the arrays users hand to the generator, with messages that name the problem."""

from __future__ import annotations

import numpy as np


def check_dataset(x, y) -> int:
    """Return N after checking that ``x`` and ``y`` describe N >= 1 samples.

    ``y`` is either a 1-D array of integer class labels (>= 0) or an array of
    dense per-sample targets (ndim >= 2, e.g. YOLO target grids).

    Raises:
        ValueError: for non-arrays, an empty dataset, x and y of different lengths, or bad labels.

    Example:
        >>> check_dataset(np.zeros((3, 2)), np.array([0, 1, 1]))
        3
    """
    if not hasattr(x, "shape") or not hasattr(y, "shape"):
        raise ValueError("x and y must be arrays (numpy arrays or memmaps)")
    if len(x) == 0:
        raise ValueError("the dataset is empty: x has 0 samples")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: x has {len(x)} samples, y has {len(y)}")
    if np.ndim(y) == 1:
        check_labels(np.asarray(y))
    return len(x)


def check_labels(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Integer class labels >= 0, returned as int64.

    Raises:
        ValueError: for labels that are not 1-D, not integer-valued, or negative.

    Example:
        >>> check_labels(np.array([0.0, 2.0])).tolist()
        [0, 2]
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer class labels, got shape {y.shape}")
    if y.dtype.kind not in "iub":
        if y.dtype.kind != "f" or not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{name} must hold integer class labels; found non-integer values")
    if y.size and y.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0; found {y.min()}")
    return y.astype(np.int64)


def check_batch_size(batch_size) -> int:
    """``batch_size`` as an int, if it is an integer >= 1.

    Raises:
        ValueError: otherwise.

    Example:
        >>> check_batch_size(32.0)
        32
    """
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return int(batch_size)


def check_update(indices, losses, num_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate one step's (indices, per-sample losses) before they touch the table.

    Returns:
        ``(indices as int64, losses as float64)``.

    Raises:
        ValueError: for indices that are not 1-D integers in ``[0, num_samples)``, losses of another
            shape, or NaN / infinite / negative losses.

    Example:
        >>> check_update([2, 0], [0.5, 1.0], num_samples=3)[0].tolist()
        [2, 0]
    """
    indices = np.asarray(indices)
    losses = np.asarray(losses, dtype=np.float64)
    if indices.ndim != 1:
        raise ValueError(f"indices must be 1-D, got shape {indices.shape}")
    if indices.dtype.kind not in "iu":
        raise ValueError(f"indices must be integers, got dtype {indices.dtype}")
    if losses.shape != indices.shape:
        raise ValueError(
            f"losses have the wrong length: got shape {losses.shape} for {indices.size} indices"
        )
    if indices.size:  # four reductions (no temporaries) when everything is fine; the messages only on failure
        if np.minimum.reduce(indices) < 0 or np.maximum.reduce(indices) >= num_samples:
            bad = indices[(indices < 0) | (indices >= num_samples)][0]
            raise ValueError(f"index {bad} is out of range for a loss table of {num_samples} samples")
        if not (np.minimum.reduce(losses) >= 0 and np.maximum.reduce(losses) < np.inf):  # NaN fails both
            if not np.all(np.isfinite(losses)):
                raise ValueError("losses contain NaN or infinite values; the loss table was left unchanged")
            raise ValueError(f"losses must be >= 0, got {losses.min()}; the loss table was left unchanged")
    return indices.astype(np.int64), losses  # a copy: samplers may keep the indices (MaxTree queues them)
