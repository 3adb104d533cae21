"""A sum tree: a binary tree whose every node holds the sum of its two children.

Leaves hold non-negative weights ``w_i``. Drawing ``i`` with probability
``w_i / sum(w)`` and changing a leaf both cost O(log N); building from N
weights costs O(N). All operations are vectorised over a batch of leaves, so a
training step's B draws and B updates take ``log2(N)`` numpy calls each.
"""

from __future__ import annotations

import numpy as np


class SumTree:
    """Weights kept so that proportional draws and point updates are O(log N).

    Args:
        weights: 1-D array of N non-negative, finite weights.

    Example:
        >>> tree = SumTree(np.array([1.0, 0.0, 3.0]))
        >>> tree.total
        4.0
        >>> rng = np.random.default_rng(0)
        >>> sorted(set(tree.sample(100, rng).tolist()))
        [0, 2]
        >>> tree.update(np.array([1]), np.array([6.0]))
        >>> tree.total
        10.0
    """

    def __init__(self, weights: np.ndarray):
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0:
            raise ValueError(f"SumTree needs a non-empty 1-D weight array, got shape {weights.shape}")
        self.size = weights.size
        self.capacity = 1 << max(0, int(np.ceil(np.log2(self.size))))
        self.depth = int(np.log2(self.capacity))
        self._tree = np.zeros(2 * self.capacity, dtype=np.float64)
        self.rebuild(weights)

    @property
    def total(self) -> float:
        """The sum of all weights."""
        return float(self._tree[1])

    @property
    def weights(self) -> np.ndarray:
        """A read-only view of the leaf weights."""
        view = self._tree[self.capacity : self.capacity + self.size]
        view.flags.writeable = False
        return view

    def rebuild(self, weights: np.ndarray) -> None:
        """Replace every weight at once, in O(N)."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (self.size,):
            raise ValueError(f"expected {self.size} weights, got shape {weights.shape}")
        _check_weights(weights)
        tree = self._tree
        tree[:] = 0.0
        tree[self.capacity : self.capacity + self.size] = weights
        lo = self.capacity // 2
        while lo >= 1:
            tree[lo : 2 * lo] = tree[2 * lo : 4 * lo : 2] + tree[2 * lo + 1 : 4 * lo : 2]
            lo //= 2

    def update(self, indices: np.ndarray, weights: np.ndarray) -> None:
        """Set ``weights[indices]``; with repeated indices the last value wins."""
        indices = np.asarray(indices, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float64)
        _check_weights(weights)
        tree = self._tree
        nodes = indices + self.capacity
        tree[nodes] = weights
        if self.capacity == 1:
            return
        nodes = np.unique(nodes >> 1)
        while nodes[0] >= 1:
            tree[nodes] = tree[2 * nodes] + tree[2 * nodes + 1]
            if nodes[0] == 1:
                break
            nodes = np.unique(nodes >> 1)

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``count`` leaf indices i.i.d. with probability ``w_i / total``."""
        total = self._tree[1]
        if not total > 0:
            raise ValueError("SumTree.sample: every weight is zero, there is nothing to draw from")
        if self.capacity == 1:
            return np.zeros(count, dtype=np.int64)
        tree = self._tree
        mass = rng.random(count) * total
        nodes = np.ones(count, dtype=np.int64)
        for _ in range(self.depth):
            left = 2 * nodes
            left_mass = tree[left]
            right_mass = tree[left + 1]
            go_right = ((mass >= left_mass) & (right_mass > 0)) | (left_mass <= 0)
            mass = np.where(go_right, mass - left_mass, mass)
            nodes = left + go_right
        return nodes - self.capacity


def _check_weights(weights: np.ndarray) -> None:
    if weights.size and not (np.all(np.isfinite(weights)) and weights.min() >= 0):
        raise ValueError("SumTree weights must be finite and non-negative")
