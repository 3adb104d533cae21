"""Seeded train/validation splits."""

from __future__ import annotations

import numpy as np


def stratified_split(labels: np.ndarray, val_fraction: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, val)`` with about ``val_fraction`` of every class in ``val``.

    Args: labels, val_fraction, seed: ``(N,)`` class labels; the validation share, in (0, 1); seeds the permutations.
    Returns: ``(train, val)``: sorted int arrays; a class with >= 2 samples has at least one in each.
    Raises: ValueError: ``val_fraction`` outside (0, 1).
    Example:
        >>> stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1]), 0.25, seed=0)
        (array([0, 1, 3, 4, 5, 6]), array([2, 7]))
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, val = [], []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_val = int(round(val_fraction * members.size))
        if members.size > 1:
            n_val = min(max(n_val, 1), members.size - 1)
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def random_split(num_samples: int, val_fraction: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices ``(train, val)``: a seeded random ``val_fraction`` of all samples, not stratified.

    Args: num_samples, val_fraction, seed: how many samples there are; the validation share, in (0, 1); the seed.
    Returns: ``(train, val)``: sorted int arrays, disjoint, together ``range(num_samples)``.
    Raises: ValueError: ``val_fraction`` outside (0, 1).
    Example:
        >>> random_split(10, 0.3, seed=0)
        (array([0, 1, 3, 5, 7, 8, 9]), array([2, 4, 6]))
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = np.random.default_rng(seed).permutation(num_samples)
    n_val = min(max(int(round(val_fraction * num_samples)), 1), num_samples - 1)
    return np.sort(order[n_val:]), np.sort(order[:n_val])
