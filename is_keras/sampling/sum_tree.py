"""A sum tree: a tree whose every node holds the sum of its children.

Leaves hold non-negative weights ``w_i``. Drawing ``i`` with probability
``w_i / sum(w)`` and changing a leaf both cost O(log N); building from N
weights costs O(N). All operations are vectorised over a batch of leaves, so a
training step's B draws and B updates take a handful of numpy calls per level,
whatever B is.

Layout (chosen for speed and memory at N = 10^7): the tree has fan-out
:data:`FANOUT` = 16, so it is only ``ceil(log16 N)`` levels deep (6 at
N = 10^7, 5 at N = 10^5). Level 0 is the leaves, stored as rows of 16; level
``l + 1`` stores, at flat position ``p``, the sum of row ``p`` of level ``l``.
A draw walks down from the single root row: at each level it reads the 16
child sums of its node (two cache lines), takes their running sums with one
small matrix product and picks the first child whose running sum exceeds the
remaining mass. Memory is ``8 N`` bytes for the leaves plus about 7% for the
upper levels (86 MB at N = 10^7).
"""

from __future__ import annotations

import numpy as np

#: Children per node (and leaves per bottom row).
FANOUT = 16

_ONES = np.ones(FANOUT)
# rows @ _RUNNING = [0, r0, r0 + r1, ..., sum(r)]: the running sums before and after each child
_RUNNING = np.hstack([np.zeros((FANOUT, 1)), np.triu(np.ones((FANOUT, FANOUT)))])


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
        self._allocate(weights.size)
        self.rebuild(weights)

    @classmethod
    def zeros(cls, size: int) -> SumTree:
        """A tree of ``size`` zero weights, to be filled with :meth:`assign` and :meth:`refresh`.

        Example:
            >>> tree = SumTree.zeros(3)
            >>> tree.assign(1, np.array([2.0, 5.0]))
            >>> tree.refresh()
            >>> tree.total
            7.0
        """
        if int(size) != size or size < 1:
            raise ValueError(f"SumTree needs a size >= 1, got {size!r}")
        tree = cls.__new__(cls)
        tree._allocate(int(size))
        return tree

    def _allocate(self, size: int) -> None:
        self.size = size
        self._levels = []  # 2-D (rows, FANOUT) arrays, leaves first, the single root row last
        rows = -(-size // FANOUT)
        while True:
            self._levels.append(np.zeros((rows, FANOUT), dtype=np.float64))
            if rows == 1:
                break
            rows = -(-rows // FANOUT)
        self._leaves = self._levels[0].reshape(-1)
        #: levels walked by a draw (the leaf rows included)
        self.depth = len(self._levels)

    def __getstate__(self):
        return {"size": self.size, "levels": self._levels}

    def __setstate__(self, state):  # pickle copies views: make the leaves a view of level 0 again
        self._allocate(state["size"])
        for mine, level in zip(self._levels, state["levels"]):
            mine[...] = level

    @property
    def total(self) -> float:
        """The sum of all weights."""
        return float(self._levels[-1][0] @ _ONES)

    @property
    def weights(self) -> np.ndarray:
        """A read-only view of the leaf weights."""
        view = self._leaves[: self.size]
        view.flags.writeable = False
        return view

    @property
    def nbytes(self) -> int:
        """Memory held by the tree's arrays, in bytes."""
        return sum(level.nbytes for level in self._levels)

    def get_state(self) -> dict:
        """Copies of every level (leaves first), so that a restored tree draws bit-identically.

        Example:
            >>> tree = SumTree(np.array([1.0, 2.0]))
            >>> SumTree.from_state(tree.get_state()).total
            3.0
        """
        return {"size": int(self.size), "levels": [level.copy() for level in self._levels]}

    @classmethod
    def from_state(cls, state: dict) -> SumTree:
        """The tree saved by :meth:`get_state`.

        Raises:
            ValueError: if the levels do not form a tree of ``size`` leaves with finite, non-negative sums.
        """
        try:
            size, levels = int(state["size"]), [np.asarray(level, dtype=np.float64) for level in state["levels"]]
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"corrupt sum-tree state: {error!r}") from None
        tree = cls.zeros(size)
        if len(levels) != len(tree._levels) or any(a.shape != b.shape for a, b in zip(levels, tree._levels)):
            raise ValueError(f"corrupt sum-tree state: its levels do not fit a tree of {size} leaves")
        for level in levels:
            _check_weights(level.reshape(-1))
        for mine, level in zip(tree._levels, levels):
            mine[...] = level
        return tree

    def assign(self, start: int, weights: np.ndarray) -> None:
        """Set the leaves ``start, start+1, ...`` without touching the sums; call :meth:`refresh` after."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or start < 0 or start + weights.size > self.size:
            raise ValueError(f"SumTree.assign: {weights.size} weights at {start} do not fit {self.size} leaves")
        _check_weights(weights)
        self._leaves[start : start + weights.size] = weights

    def rebuild(self, weights: np.ndarray) -> None:
        """Replace every weight at once, in O(N)."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (self.size,):
            raise ValueError(f"expected {self.size} weights, got shape {weights.shape}")
        _check_weights(weights)
        self._leaves[: self.size] = weights
        self.refresh()

    def refresh(self) -> None:
        """Recompute every sum from the leaves, in O(N)."""
        self._leaves[self.size :] = 0.0
        for lower, upper in zip(self._levels[:-1], self._levels[1:]):
            flat = upper.reshape(-1)
            flat[: lower.shape[0]] = lower @ _ONES
            flat[lower.shape[0] :] = 0.0

    def update(self, indices: np.ndarray, weights: np.ndarray) -> None:
        """Set ``weights[indices]``; with repeated indices the last value wins."""
        indices = np.asarray(indices, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float64)
        if indices.shape != weights.shape or indices.ndim != 1:
            raise ValueError(f"SumTree.update needs 1-D indices and weights of one length, got "
                             f"{indices.shape} and {weights.shape}")
        if indices.size == 0:
            return
        _check_weights(weights)
        if indices.min() < 0 or indices.max() >= self.size:
            raise ValueError(f"SumTree.update: indices must lie in [0, {self.size})")
        self._leaves[indices] = weights
        # every level recomputes its touched nodes from their children (no running
        # deltas, so no rounding drift); repeated nodes just write the same value twice
        rows = indices // FANOUT
        for lower, upper in zip(self._levels[:-1], self._levels[1:]):
            upper.reshape(-1)[rows] = lower[rows] @ _ONES
            rows //= FANOUT

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``count`` leaf indices i.i.d. with probability ``w_i / total``."""
        total = self.total
        if not total > 0:
            raise ValueError("SumTree.sample: every weight is zero, there is nothing to draw from")
        mass = rng.random(count) * total
        nodes = np.zeros(count, dtype=np.int64)
        batch = np.arange(count)
        for level in reversed(self._levels):
            children = level[nodes]  # (count, FANOUT) child sums of each walker's node
            running = children @ _RUNNING
            child = np.argmax(running[:, 1:] > mass[:, None], axis=1)  # first child past the mass
            # rounding can leave the mass at (or past) the node's total, or (with
            # BLAS-ordered sums) point at an empty child: take the last non-empty child
            bad = (running[:, -1] <= mass) | (children[batch, child] <= 0)
            if bad.any():
                child[bad] = FANOUT - 1 - np.argmax(children[bad, ::-1] > 0, axis=1)
            mass -= running[batch, child]
            nodes = nodes * FANOUT + child
        return nodes


def _check_weights(weights: np.ndarray) -> None:
    if weights.size and not (np.all(np.isfinite(weights)) and weights.min() >= 0):
        raise ValueError("SumTree weights must be finite and non-negative")
