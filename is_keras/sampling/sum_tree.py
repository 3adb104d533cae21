"""A sum tree of fan-out :data:`FANOUT` (O(log N) proportional draws and updates, vectorised over a batch), and
:class:`FlatWeights`, the same interface without a tree (cheaper for small N). Tree memory: ``8 N`` bytes plus ~7%."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import read_state

#: Children per node (and leaves per bottom row).
FANOUT = 16
# a draw binary-searches the cumulative sum of the lowest level with at most this many nodes
_FLAT_TOP = 4096

_ONES = np.ones(FANOUT)
# rows @ _RUNNING = [0, r0, r0 + r1, ..., sum(r)]: the running sums before and after each child
_RUNNING = np.hstack([np.zeros((FANOUT, 1)), np.triu(np.ones((FANOUT, FANOUT)))])


class _Weights:
    """What :class:`SumTree` and :class:`FlatWeights` share: the leaves ``_leaves``, their checks and writes."""

    def __init__(self, weights: np.ndarray):
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0:
            raise ValueError(f"{type(self).__name__} needs a non-empty 1-D weight array, got shape {weights.shape}")
        self._allocate(weights.size)
        self.rebuild(weights)

    @classmethod
    def zeros(cls, size: int):
        """``size`` zero weights, to be filled with :meth:`assign` and :meth:`refresh`.

        Example:
            >>> tree = SumTree.zeros(3)
            >>> tree.assign(1, np.array([2.0, 5.0]))
            >>> tree.refresh()
            >>> tree.total
            7.0
        """
        if int(size) != size or size < 1:
            raise ValueError(f"{cls.__name__} needs a size >= 1, got {size!r}")
        weights = cls.__new__(cls)
        weights._allocate(int(size))
        return weights

    @property
    def weights(self) -> np.ndarray:
        """A read-only view of the weights."""
        view = self._leaves[: self.size]
        view.flags.writeable = False
        return view

    def assign(self, start: int, weights: np.ndarray) -> None:
        """Set the weights ``start, start+1, ...`` (the sums are not touched: call :meth:`refresh` after)."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or start < 0 or start + weights.size > self.size:
            raise ValueError(f"{type(self).__name__}.assign: {weights.size} weights at {start} do not fit {self.size}")
        _check_weights(weights)
        self._leaves[start : start + weights.size] = weights
        self._stale = True

    def rebuild(self, weights: np.ndarray) -> None:
        """Replace every weight at once, in O(N)."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (self.size,):
            raise ValueError(f"expected {self.size} weights, got shape {weights.shape}")
        self.assign(0, weights)
        self.refresh()

    def update(self, indices: np.ndarray, weights: np.ndarray, *, checked: bool = False) -> None:
        """Set ``weights[indices]`` (repeated indices: the last wins); ``checked=True`` skips the input checks."""
        if not checked:
            indices, weights = _checked_update(indices, weights, self.size, owner=type(self).__name__)
        if indices.size:
            self._leaves[indices] = weights
            self._stale = True
            self._propagate(indices)

    def _propagate(self, indices: np.ndarray) -> None:
        """Bring the sums above the written ``indices`` up to date."""


class SumTree(_Weights):
    """Weights kept so that proportional draws and point updates are O(log N).

    Args: weights: 1-D array of N non-negative, finite weights.
    Example:
        >>> tree = SumTree(np.array([1.0, 0.0, 3.0]))
        >>> tree.total, sorted(set(tree.sample(100, np.random.default_rng(0)).tolist()))
        (4.0, [0, 2])
        >>> tree.update(np.array([1]), np.array([6.0]))
        >>> tree.total
        10.0
    """

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
        self.depth = len(self._levels)  # levels of the tree (the leaf rows included)
        # a draw binary-searches this level's (lazily recomputed) cumulative sum instead of walking the levels above
        self._top = next(i for i, level in enumerate(self._levels) if level.size <= _FLAT_TOP)
        self._top_cumulative, self._stale = np.empty(self._levels[self._top].size), True

    def __setstate__(self, state):  # pickle copies views: make the leaves a view of level 0 again
        self._allocate(state["size"])
        for mine, level in zip(self._levels, state["levels"]):
            mine[...] = level

    @property
    def total(self) -> float:
        """The sum of all weights."""
        return float(self._levels[-1][0] @ _ONES)

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

    __getstate__ = get_state

    @classmethod
    def from_state(cls, state: dict) -> SumTree:
        """The tree saved by :meth:`get_state` (``ValueError`` if its levels do not form a valid tree)."""
        size, levels = read_state(state, "sum-tree", size=int,
                                  levels=lambda v: [np.asarray(level, dtype=np.float64) for level in v])
        tree = cls.zeros(size)
        if len(levels) != len(tree._levels) or any(a.shape != b.shape for a, b in zip(levels, tree._levels)):
            raise ValueError(f"corrupt sum-tree state: its levels do not fit a tree of {size} leaves")
        for mine, level in zip(tree._levels, levels):
            _check_weights(level.reshape(-1))
            mine[...] = level
        return tree

    def refresh(self) -> None:
        """Recompute every sum from the leaves, in O(N)."""
        self._stale = True
        self._leaves[self.size :] = 0.0
        for lower, upper in zip(self._levels[:-1], self._levels[1:]):
            flat = upper.reshape(-1)
            flat[: lower.shape[0]] = lower @ _ONES
            flat[lower.shape[0] :] = 0.0

    def _propagate(self, indices: np.ndarray) -> None:
        # touched nodes are recomputed from their children (no running deltas, so no rounding drift)
        rows = indices // FANOUT
        for lower, upper in zip(self._levels[:-1], self._levels[1:]):
            upper.reshape(-1)[rows] = lower[rows] @ _ONES
            rows //= FANOUT

    def _refresh_top(self) -> None:
        cumulative = self._levels[self._top].reshape(-1).cumsum(out=self._top_cumulative)
        self._top_total = float(cumulative[-1])
        # from the last positive node on, inf: a mass rounded up to the total draws that node
        cumulative[int(cumulative.searchsorted(self._top_total, side="left")) :] = np.inf
        self._stale = False

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``count`` leaf indices i.i.d. with probability ``w_i / total``."""
        if not self.total > 0:
            raise ValueError("SumTree.sample: every weight is zero, there is nothing to draw from")
        if self._stale:
            self._refresh_top()
        cumulative, mass = self._top_cumulative, rng.random(count)
        mass *= self._top_total
        # the first node whose cumulative sum exceeds the mass (never one of weight 0), then what is left of the mass
        nodes = cumulative.searchsorted(mass, side="right")
        before = cumulative[nodes - 1]
        before[nodes == 0] = 0.0
        mass -= before
        batch = np.arange(count)
        for level in reversed(self._levels[: self._top]):
            children = level[nodes]  # (count, FANOUT) child sums of each walker's node
            running = children @ _RUNNING
            child = np.argmax(running[:, 1:] > mass[:, None], axis=1)  # first child past the mass
            # rounding can leave the mass past the node's total or at an empty child: take the last non-empty one
            bad = (running[:, -1] <= mass) | (children[batch, child] <= 0)
            if bad.any():
                child[bad] = FANOUT - 1 - np.argmax(children[bad, ::-1] > 0, axis=1)
            mass -= running[batch, child]
            nodes = nodes * FANOUT + child
        return nodes


def _checked_update(indices, weights, size: int, *, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, weights)`` as int64 / float64 arrays, checked for ``owner.update`` (``ValueError`` if bad)."""
    indices, weights = np.asarray(indices, dtype=np.int64), np.asarray(weights, dtype=np.float64)
    if indices.shape != weights.shape or indices.ndim != 1:
        raise ValueError(f"{owner}.update needs 1-D indices and weights of one length, got {indices.shape} and "
                         f"{weights.shape}")
    if indices.size:
        _check_weights(weights)
        if indices.min() < 0 or indices.max() >= size:
            raise ValueError(f"{owner}.update: indices must lie in [0, {size})")
    return indices, weights


def _check_weights(weights: np.ndarray) -> None:
    if weights.size and not (np.all(np.isfinite(weights)) and weights.min() >= 0):
        raise ValueError("SumTree weights must be finite and non-negative")


class FlatWeights(_Weights):
    """Weights in one flat array; draws by binary search in their (lazily recomputed) cumulative sum.

    Draws use :meth:`SumTree.sample`'s random numbers (the same indices up to rounding). Memory: ``16 N`` bytes.

    Args: weights: 1-D array of N non-negative, finite weights.
    Example:
        >>> flat = FlatWeights(np.array([1.0, 0.0, 3.0]))
        >>> flat.total, sorted(set(flat.sample(100, np.random.default_rng(0)).tolist()))
        (4.0, [0, 2])
        >>> flat.update(np.array([1]), np.array([6.0]))
        >>> flat.total
        10.0
    """

    def _allocate(self, size: int) -> None:
        self.size, self._leaves, self._cumulative = size, np.zeros(size), np.empty(size)
        self._stale, self._total = True, 0.0

    def refresh(self) -> None:
        """Recompute the cumulative sum now (otherwise done lazily by the next draw)."""
        cumulative = self._leaves.cumsum(out=self._cumulative)
        self._total = float(cumulative[-1])
        # inf from the last positive weight on: a mass rounded up to the total draws it, never a trailing zero
        last = self.size - 1 if self._leaves[-1] > 0 else int(cumulative.searchsorted(self._total, side="left"))
        cumulative[min(last, self.size - 1) :] = np.inf
        self._stale = False

    @property
    def total(self) -> float:
        """The sum of all weights (the last entry of the cumulative sum)."""
        if self._stale:
            self.refresh()
        return self._total

    @property
    def nbytes(self) -> int:
        """Memory held by the weights and their cumulative sum, in bytes."""
        return self._leaves.nbytes + self._cumulative.nbytes

    def get_state(self) -> dict:
        """A copy of the weights (the cumulative sum is recomputed from them, so draws resume bit-identically)."""
        return {"size": int(self.size), "weights": self._leaves.copy()}

    @classmethod
    def from_state(cls, state: dict) -> FlatWeights:
        """The weights saved by :meth:`get_state` (``ValueError`` if they are not N finite, non-negative weights)."""
        size, weights = read_state(state, "flat-weights", size=int, weights=lambda v: np.asarray(v, dtype=np.float64))
        if weights.shape != (size,):
            raise ValueError(f"corrupt flat-weights state: {weights.shape} weights for size {size}")
        return cls(weights)

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``count`` indices i.i.d. with probability ``w_i / total``."""
        total = self.total
        if not total > 0:
            raise ValueError("FlatWeights.sample: every weight is zero, there is nothing to draw from")
        mass = rng.random(count)
        mass *= total
        # the first index whose cumulative sum exceeds the mass: never of weight 0, never past the last positive one
        return self._cumulative.searchsorted(mass, side="right")
