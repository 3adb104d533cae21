"""A max tree over the loss table: the k highest losses in O(k log N), updates in O(B log N).

IS-randomsubset and IS-highsubset only ever look at the top of the loss
ranking (the few thousand highest losses), so instead of partitioning all N
losses on every step they ask this structure for the top k. The table itself
is the tree's leaves (no copy); the table is cut into blocks of
:data:`LEAVES_PER_BLOCK` entries and a complete binary tree holds the block
maxima: ``2 * N / 16 * 8`` bytes at most (10-20 MB at N = 10^7).

Finding the top k walks the tree level by level, keeping a frontier of at most
k nodes: if the k-th largest node maximum on a level is ``t``, a node whose
maximum is below ``t`` cannot hold any of the k largest losses (k other nodes
each hold a loss >= ``t``), so it is dropped. The surviving <= k blocks are
then scanned (16 k losses) for the exact top k.
"""

from __future__ import annotations

import numpy as np

#: Table entries summarised by one leaf of the tree.
LEAVES_PER_BLOCK = 16

_EMPTY = -np.inf  # the value of tree leaves past the last block


class MaxTree:
    """Keeps block maxima of ``table`` so that its k largest entries are found in O(k log N).

    The caller writes the table and then calls :meth:`update` with the
    changed indices (or :meth:`rebuild` after changing everything).

    Args:
        table: 1-D float array (the loss table; ``inf`` entries count as the
            highest). The tree keeps a reference, not a copy.

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
        self.table = table
        self.size = table.size
        self.num_blocks = -(-self.size // LEAVES_PER_BLOCK)
        self.capacity = 1 << max(0, int(np.ceil(np.log2(self.num_blocks))))
        self.depth = int(np.log2(self.capacity))
        self._tree = np.full(2 * self.capacity, _EMPTY, dtype=np.float64)
        self._pairs = self._tree.reshape(self.capacity, 2)
        self._offsets = np.arange(LEAVES_PER_BLOCK, dtype=np.int64)
        self.rebuild()

    @property
    def nbytes(self) -> int:
        """Memory held by the tree (the table is not counted), in bytes."""
        return self._tree.nbytes

    def rebuild(self) -> None:
        """Recompute every block maximum from the table, in O(N)."""
        full = self.size // LEAVES_PER_BLOCK
        tree = self._tree
        tree[:] = _EMPTY
        leaves = tree[self.capacity : self.capacity + self.num_blocks]
        leaves[:full] = self.table[: full * LEAVES_PER_BLOCK].reshape(full, LEAVES_PER_BLOCK).max(axis=1)
        if full < self.num_blocks:
            leaves[full] = self.table[full * LEAVES_PER_BLOCK :].max()
        lo = self.capacity // 2
        while lo >= 1:
            tree[lo : 2 * lo] = np.maximum(tree[2 * lo : 4 * lo : 2], tree[2 * lo + 1 : 4 * lo : 2])
            lo //= 2

    def update(self, indices: np.ndarray) -> None:
        """The table entries ``indices`` have changed: refresh their blocks and ancestors."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size == 0:
            return
        blocks = indices // LEAVES_PER_BLOCK
        # (16, B) layout: the max over the first axis is ~3x faster than over a short last axis
        members = np.minimum(self._offsets[:, None] + blocks * LEAVES_PER_BLOCK, self.size - 1)
        nodes = blocks + self.capacity
        self._tree[nodes] = self.table[members].max(axis=0)
        for _ in range(self.depth):
            nodes >>= 1
            children = self._pairs[nodes]
            self._tree[nodes] = np.maximum(children[:, 0], children[:, 1])  # (faster than .max(axis=1))

    def top(self, k: int) -> np.ndarray:
        """Indices of the ``k`` largest table entries, largest first (``min(k, N)`` of them).

        Entries tied with the k-th largest are included in a fixed
        (deterministic) order; an entry left out is never larger than one returned.
        """
        k = min(int(k), self.size)
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        # start on the deepest level that has at most k nodes: all of them qualify
        level = min(self.depth, int(np.floor(np.log2(k))))
        nodes = np.arange(1 << level, 2 << level, dtype=np.int64)
        tree = self._tree
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
