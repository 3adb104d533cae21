"""The k highest losses of the table without an O(N) pass: a binary max tree over blocks of :data:`LEAVES_PER_BLOCK`
entries finds them in O(k log N); a sorted window of the top ``2 k + 1024`` entries answers queries between refills."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import read_state

#: Table entries summarised by one leaf of the tree.
LEAVES_PER_BLOCK = 16

#: Pending (not yet applied) tree updates are applied once this many have piled up.
FLUSH_PENDING = 1 << 13

_EMPTY = -np.inf  # the value of tree leaves past the last block


class MaxTree:
    """Keeps ``table``'s largest entries findable in O(k log N); after writing the table, call :meth:`update`.

    Args: table: 1-D float loss table (``inf`` counts as highest), kept by reference.
    Example:
        >>> table = np.array([0.3, 2.0, 0.5, 1.0])
        >>> tree = MaxTree(table)
        >>> tree.top(2).tolist()
        [1, 3]
        >>> table[0] = 9.0
        >>> tree.update(np.array([0]))
        >>> tree.top(2).tolist()
        [0, 1]
    """

    def __init__(self, table: np.ndarray):
        if not isinstance(table, np.ndarray) or table.ndim != 1 or table.size == 0:
            raise ValueError("MaxTree needs a non-empty 1-D numpy array")
        self.table, self.size = table, table.size
        self.num_blocks = -(-self.size // LEAVES_PER_BLOCK)
        self.capacity = 1 << max(0, int(np.ceil(np.log2(self.num_blocks))))
        self.depth, self._tree = int(np.log2(self.capacity)), np.full(2 * self.capacity, _EMPTY, dtype=np.float64)
        self._pairs, self._offsets = self._tree.reshape(self.capacity, 2), np.arange(LEAVES_PER_BLOCK, dtype=np.int64)
        self.rebuild()

    def __setstate__(self, state):  # pickle copies views: make the node pairs a view of the tree again
        self.__dict__.update(state)
        self._pairs = self._tree.reshape(self.capacity, 2)

    @property
    def nbytes(self) -> int:
        """Memory held by the tree and its window (the table is not counted), in bytes."""
        return self._tree.nbytes + self._window_ids.nbytes + self._window_values.nbytes

    def rebuild(self) -> None:
        """Recompute every block maximum from the table, in O(N), and empty the window."""
        tree = self._tree
        tree[:] = _EMPTY
        blocks = np.maximum.reduceat(self.table, np.arange(0, self.size, LEAVES_PER_BLOCK))
        tree[self.capacity : self.capacity + self.num_blocks] = blocks
        for lo in (1 << level for level in reversed(range(self.depth))):  # capacity / 2, ..., 2, 1
            tree[lo : 2 * lo] = np.maximum(tree[2 * lo : 4 * lo : 2], tree[2 * lo + 1 : 4 * lo : 2])
        self._pending, self._pending_count = [], 0
        self._window_ids, self._window_values = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        self._floor: float | None = None  # every entry outside the window is <= the floor; None = no window yet

    def get_state(self) -> dict:
        """The window (whose tie order shapes later draws) as copies; the tree is rebuilt from the table."""
        ids, values = self._window_ids.copy(), self._window_values.copy()
        return {"window_ids": ids, "window_values": values, "floor": self._floor}

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s window over the current table (``ValueError`` if it does not fit it)."""
        ids, values, floor = read_state(state, "max-tree", window_ids=np.asarray,
                                        window_values=lambda v: np.asarray(v, dtype=np.float64),
                                        floor=lambda v: None if v is None else float(v))
        if ids.ndim != 1 or ids.shape != values.shape or (ids.size and (
                ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= self.size)):
            raise ValueError("corrupt max-tree state: window indices do not fit the table")
        if not np.array_equal(self.table[ids], values):
            raise ValueError("corrupt max-tree state: the window does not match the loss table")
        self._window_ids, self._window_values, self._floor = ids.astype(np.int64), values, floor

    def update(self, indices: np.ndarray) -> None:
        """The table entries ``indices`` have changed: keep the window exact, queue the tree update."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size == 0:
            return
        self._pending.append(indices)
        self._pending_count += indices.size
        if self._pending_count >= FLUSH_PENDING:
            self._flush()
        if self._floor is not None:
            self._update_window(np.unique(indices))

    def _update_window(self, changed: np.ndarray) -> None:
        ids, values = self._window_ids, self._window_values
        if ids.size:
            slot = np.minimum(np.searchsorted(changed, ids), changed.size - 1)
            keep = changed[slot] != ids
            ids, values = ids[keep], values[keep]
        new_values = self.table[changed]
        above = new_values > self._floor
        if np.any(above):
            new_ids, new_values = changed[above], new_values[above]
            order = np.argsort(-new_values, kind="stable")
            new_ids, new_values = new_ids[order], new_values[order]
            at = np.searchsorted(-values, -new_values, side="right")  # after equal values already there
            ids, values = np.insert(ids, at, new_ids), np.insert(values, at, new_values)
        self._window_ids, self._window_values = ids, values

    def _flush(self) -> None:  # apply the queued updates to the tree (their blocks and the blocks' ancestors)
        if not self._pending:
            return
        indices = np.concatenate(self._pending)
        self._pending, self._pending_count = [], 0
        if indices.size > self.num_blocks:  # cheaper to redo everything
            floor, ids, values = self._floor, self._window_ids, self._window_values
            self.rebuild()
            self._floor, self._window_ids, self._window_values = floor, ids, values
            return
        blocks = indices // LEAVES_PER_BLOCK  # repeats just write the same value twice
        # (16, B) layout: the max over the first axis is ~3x faster than over a short last axis
        members = np.minimum(self._offsets[:, None] + blocks * LEAVES_PER_BLOCK, self.size - 1)
        nodes = blocks + self.capacity
        self._tree[nodes] = self.table[members].max(axis=0)
        for _ in range(self.depth):
            nodes >>= 1
            children = self._pairs[nodes]
            self._tree[nodes] = np.maximum(children[:, 0], children[:, 1])  # (faster than .max(axis=1))

    def top(self, k: int) -> np.ndarray:
        """Indices of the ``min(k, N)`` largest table entries, largest first; ties with the k-th in a fixed order."""
        k = min(int(k), self.size)
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        if self._floor is None or self._window_ids.size < k:
            self._refill(min(self.size, 2 * k + 1024))
        return self._window_ids[:k].copy()

    def _refill(self, size: int) -> None:
        self._flush()
        ids = self.search(size)
        self._window_ids, self._window_values = ids, self.table[ids]
        self._floor = -np.inf if ids.size == self.size else float(self._window_values[-1])

    def search(self, k: int) -> np.ndarray:
        """The top ``k`` straight from the max tree (no window), largest first; O(k log N)."""
        self._flush()
        k = min(int(k), self.size)
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        # start on the deepest level that has at most k nodes: all of them qualify
        level = min(self.depth, int(np.floor(np.log2(k))))
        nodes, tree = np.arange(1 << level, 2 << level, dtype=np.int64), self._tree
        for _ in range(self.depth - level):
            nodes = (2 * nodes[:, None] + np.array([0, 1])).ravel()
            nodes = _keep_top(nodes, tree[nodes], k)
        blocks = nodes - self.capacity
        candidates = (blocks[:, None] * LEAVES_PER_BLOCK + self._offsets).ravel()
        candidates = candidates[candidates < self.size]
        values = self.table[candidates]
        if candidates.size > k:
            keep = np.argpartition(-values, k - 1)[:k]
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))  # by loss, descending; ties by index
        return candidates[order]


def _keep_top(nodes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """The nodes holding the k largest maxima: all above the k-th, then enough of those equal to it."""
    if nodes.size <= k:
        return nodes
    threshold = np.partition(values, nodes.size - k)[nodes.size - k]
    above = values > threshold
    tied = np.flatnonzero(values == threshold)[: k - np.count_nonzero(above)]
    above[tied] = True
    return nodes[above]
