"""Checks on the arrays users hand to the generator, with messages that name the problem."""

from __future__ import annotations

import numpy as np


def check_dataset(x, y) -> int:
    """Return N after checking that ``x`` and ``y`` describe N >= 1 samples.

    ``y`` is either a 1-D array of integer class labels (>= 0) or an array of
    dense per-sample targets (ndim >= 2, e.g. YOLO target grids).
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
    """Integer class labels >= 0, returned as int64."""
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
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return int(batch_size)


def check_update(indices, losses, num_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate one step's (indices, per-sample losses) before they touch the table."""
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
    if indices.size and (indices.min() < 0 or indices.max() >= num_samples):
        bad = indices[(indices < 0) | (indices >= num_samples)][0]
        raise ValueError(f"index {bad} is out of range for a loss table of {num_samples} samples")
    if not np.all(np.isfinite(losses)):
        raise ValueError("losses contain NaN or infinite values; the loss table was left unchanged")
    if losses.size and losses.min() < 0:
        raise ValueError(f"losses must be >= 0, got {losses.min()}; the loss table was left unchanged")
    return indices.astype(np.int64), losses
