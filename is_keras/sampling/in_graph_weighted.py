"""I.i.d. draws proportional to weights in TensorFlow ops (XLA-compilable): a two-level inverse CDF over blocks
(a float32 cumulative sum over all N would round partial sums to ``eps * total``)."""

from __future__ import annotations

import math

import tensorflow as tf

_BRUTE_FORCE_LIMIT = 1 << 18
_CHUNK = 1 << 16  # entries per step of BlockWeights.assign_where's loop
#: up to this many (padded) weights :meth:`BlockWeights.assign_where` uses one ``tf.where``, not a loop of scatters
DENSE_SIZE = 1 << 14


def block_size(num_samples: int, batch_size: int) -> int:
    """A power of two near ``sqrt(N / B)`` (>= 8): balances the block-level and in-block work.

    Example:
        >>> block_size(10**6, 256)
        64
    """
    target = math.sqrt(max(1, num_samples) / max(1, batch_size))
    return max(8, 1 << max(0, round(math.log2(max(target, 1.0)))))


def draw_from_blocks(block_sums: tf.Tensor, rows_of, uniforms: tf.Tensor, *, block: int) -> tuple[tf.Tensor, tf.Tensor]:
    """The two-level draw from block sums and a reader of whole blocks: O(B · block + number of blocks).

    Args:
        block_sums, rows_of: float32 (blocks,) sums; int64 (B,) block numbers -> float32 (B, block) their weights.
        uniforms, block: float32 (B,) values in ``[0, 1)``; entries per block.
    Returns: ``(indices, total)``: int64 (B,) indices of positive weights and the float32 sum as the draw saw it
        (both 0 when every weight is 0).
    Example:
        >>> rows = tf.constant([[0.0, 1.0], [0.0, 3.0]])
        >>> idx, total = draw_from_blocks(row_sums(rows), lambda b: tf.gather(rows, b), tf.constant([0.1, 0.9]),
        ...                               block=2)
        >>> idx.numpy().tolist(), float(total)
        ([1, 3], 4.0)
    """
    num_blocks, cdf = int(block_sums.shape[0]), tf.cumsum(block_sums)
    total, exclusive = cdf[-1], tf.concat([tf.zeros([1], cdf.dtype), cdf[:-1]], axis=0)
    target = uniforms * total
    # the last block with weight: a target rounded up to the total must not land in empty padding
    last_block = tf.reduce_max(tf.where(block_sums > 0, tf.range(num_blocks, dtype=tf.int64), 0))
    chosen = tf.minimum(upper_bound(cdf, target), last_block)
    residual = target - tf.gather(exclusive, chosen)  # >= 0: target >= the cdf before the chosen block
    chosen_rows = rows_of(chosen)
    row_cdf = tf.cumsum(chosen_rows, axis=1)
    within = tf.reduce_sum(tf.cast(row_cdf <= residual[:, None], tf.int64), axis=1)  # O(B * block)
    # the last positive entry of each chosen row (same reason: rounding past the row's sum)
    positive = tf.cast(chosen_rows > 0, tf.int64) * tf.range(1, block + 1, dtype=tf.int64)
    last_positive = tf.maximum(tf.reduce_max(positive, axis=1) - 1, 0)
    indices = chosen * block + tf.minimum(within, last_positive)
    return indices, total


def row_sums(rows: tf.Tensor) -> tf.Tensor:
    """Sums of the rows of a (M, width) tensor by a fixed tree of additions: the same float whatever M or device.

    Example:
        >>> row_sums(tf.constant([[1.0, 2.0, 3.0], [0.5, 0.0, 0.0]])).numpy().tolist()
        [6.0, 0.5]
    """
    width = int(rows.shape[-1])
    size = 1 << max(0, (width - 1).bit_length())
    if size != width:  # zeros up to a power of two: adding 0 changes nothing
        rows = tf.pad(rows, [[0, 0], [0, size - width]])
    while size > 1:
        size //= 2
        rows = rows[:, :size] + rows[:, size:]
    return rows[:, 0]


class BlockWeights(tf.Module):
    """N weights >= 0 and their block sums, kept in variables, for draws proportional to the weights.

    Args: size, block: N, the number of weights; entries per block (see :func:`block_size`).
    Example:
        >>> kept = BlockWeights(5, block=2)
        >>> kept.assign(tf.constant([1.0, 0.0, 2.0, 0.0, 0.0]))
        >>> kept.scatter(tf.constant([4, 0], tf.int64), tf.constant([5.0, 0.0]))
        >>> kept.block_sums.numpy().tolist(), float(kept.total())
        ([0.0, 2.0, 5.0], 7.0)
        >>> kept.draw(tf.constant([0.1, 0.5]))[0].numpy().tolist()
        [2, 4]
    """

    def __init__(self, size: int, *, block: int):
        super().__init__(name="block_weights")
        self.size, self.block = int(size), int(block)
        self.num_blocks = -(-self.size // self.block)
        #: the weights, zero-padded to whole blocks (float32 (number of blocks * block,))
        self.weights = tf.Variable(tf.zeros([self.num_blocks * self.block]), trainable=False, name="weights")
        #: each block's sum, :func:`row_sums` of its entries (float32 (number of blocks,))
        self.block_sums = tf.Variable(tf.zeros([self.num_blocks]), trainable=False, name="block_sums")
        #: small: :meth:`assign_where` is one whole-vector write (``tf.where``), no loop
        self.dense = self.num_blocks * self.block <= DENSE_SIZE

    def assign(self, weights) -> None:
        """Set all N weights (finite, >= 0) and recompute every block sum: O(N)."""
        padded = tf.pad(tf.cast(weights, tf.float32), [[0, self.num_blocks * self.block - self.size]])
        self.weights.assign(padded)
        self.block_sums.assign(row_sums(tf.reshape(padded, [self.num_blocks, self.block])))

    def assign_where(self, condition, values_of) -> None:
        """If ``condition`` (a bool tensor), set every weight to ``values_of(int64 cells (rows, block))`` (0 for
        padding cells ``>= size``), by chunks of blocks (a loop run zero times keeps XLA's variables in place)."""
        if self.dense:
            cells = tf.reshape(tf.range(self.num_blocks * self.block, dtype=tf.int64), [self.num_blocks, self.block])
            values = tf.cast(values_of(cells), tf.float32)
            self.weights.assign(tf.where(condition, tf.reshape(values, [-1]), self.weights))
            self.block_sums.assign(tf.where(condition, row_sums(values), self.block_sums))
            return
        rows = max(1, min(self.num_blocks, _CHUNK // self.block))
        chunks = -(-self.num_blocks // rows)

        def body(chunk):
            # the last chunk's surplus rows repeat the last block: the same cells, the same values
            blocks = tf.minimum(chunk * rows + tf.range(rows, dtype=tf.int64), self.num_blocks - 1)
            cells = blocks[:, None] * self.block + tf.range(self.block, dtype=tf.int64)[None, :]
            values = tf.cast(values_of(cells), tf.float32)
            self.weights.scatter_update(tf.IndexedSlices(tf.reshape(values, [-1]), tf.reshape(cells, [-1])))
            self.block_sums.scatter_update(tf.IndexedSlices(row_sums(values), blocks))
            return (chunk + 1,)

        trips = tf.where(condition, tf.constant(chunks, tf.int64), 0)
        tf.while_loop(lambda chunk: chunk < trips, body, (tf.constant(0, tf.int64),))

    def scatter(self, indices, values) -> None:
        """Write ``values`` at int64 ``indices`` (repeats: equal values), redo their blocks' sums: O(B · block)."""
        self.weights.scatter_update(tf.IndexedSlices(values, indices))
        blocks = indices // self.block
        self.block_sums.scatter_update(tf.IndexedSlices(row_sums(self._rows(blocks)), blocks))

    def gather(self, indices) -> tf.Tensor:
        """The weights at ``indices`` (float32)."""
        return tf.gather(self.weights, indices)

    def total(self) -> tf.Tensor:
        """The sum of the weights, as :meth:`draw` sees it (the last entry of the blocks' cumulative sum)."""
        return tf.cumsum(self.block_sums)[-1]

    def draw(self, uniforms) -> tuple[tf.Tensor, tf.Tensor]:
        """``(indices, total)`` as :func:`draw_from_blocks`, one index per uniform."""
        return draw_from_blocks(tf.convert_to_tensor(self.block_sums), self._rows, uniforms, block=self.block)

    def _rows(self, blocks) -> tf.Tensor:
        # only the blocks' entries are read (a gather from the variable, not a copy of it)
        cells = blocks[:, None] * self.block + tf.range(self.block, dtype=tf.int64)[None, :]
        return tf.gather(self.weights, cells)


def upper_bound(sorted_values: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """For each target, the first index ``i`` with ``sorted_values[i] > target`` (``len`` if none), int64: a count
    for small sizes, else a binary search (``tf.searchsorted`` is O(B n) in XLA).

    Example:
        >>> upper_bound(tf.constant([1.0, 2.0, 2.0, 5.0]), tf.constant([0.0, 2.0, 4.9, 5.0])).numpy().tolist()
        [0, 3, 3, 4]
    """
    n, count = int(sorted_values.shape[0]), targets.shape[0] if targets.shape.rank == 1 else None
    if count is not None and n * count <= _BRUTE_FORCE_LIMIT:  # small: count, no loop (compiles faster)
        return tf.reduce_sum(tf.cast(sorted_values[None, :] <= targets[:, None], tf.int64), axis=1)

    def halve(i, low, high):
        middle = (low + high) // 2
        right = tf.gather(sorted_values, tf.minimum(middle, n - 1)) <= targets
        active = low < high
        low = tf.where(tf.logical_and(active, right), middle + 1, low)
        high = tf.where(tf.logical_and(active, tf.logical_not(right)), middle, high)
        return i + 1, low, high

    steps = max(1, math.ceil(math.log2(n + 1)))
    low, high = tf.zeros(tf.shape(targets), tf.int64), tf.fill(tf.shape(targets), tf.constant(n, tf.int64))
    _, low, _ = tf.while_loop(lambda i, low, high: i < steps, halve, (tf.constant(0), low, high))
    return low
