"""I.i.d. draws proportional to weights, in TensorFlow ops (XLA-compilable): a two-level inverse CDF.

One float32 cumulative sum over N weights loses the small ones: each partial
sum is rounded to ``eps * total``, which at N = 10^7 is the size of a typical
weight. So the weights are cut into blocks of ``block`` entries: the block
sums (a reduction, O(N)) get a cumulative sum of ``N / block`` entries, a
draw picks a block by binary search, and then an entry inside its block by a
cumulative sum of that one block (O(B · block) for B draws). Rounding then is
relative to a block's sum, not to the total.
"""

from __future__ import annotations

import math

import tensorflow as tf

_BRUTE_FORCE_LIMIT = 1 << 18


def block_size(num_samples: int, batch_size: int) -> int:
    """A power of two near ``sqrt(N / B)`` (>= 8): balances the block-level and in-block work.

    Example:
        >>> block_size(10**6, 256)
        64
    """
    target = math.sqrt(max(1, num_samples) / max(1, batch_size))
    return max(8, 1 << max(0, round(math.log2(max(target, 1.0)))))


def draw_proportional(weights: tf.Tensor, uniforms: tf.Tensor, *, block: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Indices drawn with probability ``weights[i] / sum(weights)``, one per uniform.

    Args:
        weights: float32 (N,) finite weights >= 0 with a static length.
        uniforms: float32 (B,) values in ``[0, 1)``.
        block: entries per block (see :func:`block_size`).

    Returns:
        ``(indices, total)``: int64 (B,) indices of positive weights (0 when every weight is 0) and the
        float32 sum of the weights as the draw saw it (0 when every weight is 0).

    Example:
        >>> import tensorflow as tf
        >>> idx, total = draw_proportional(tf.constant([0.0, 1.0, 0.0, 3.0]), tf.constant([0.1, 0.5, 0.9]), block=2)
        >>> idx.numpy().tolist(), float(total)
        ([1, 3, 3], 4.0)
    """
    n = int(weights.shape[0])
    num_blocks = -(-n // block)
    padded = tf.pad(weights, [[0, num_blocks * block - n]])
    rows = tf.reshape(padded, [num_blocks, block])
    block_sums = tf.reduce_sum(rows, axis=1)
    cdf = tf.cumsum(block_sums)
    total = cdf[-1]
    exclusive = tf.concat([tf.zeros([1], cdf.dtype), cdf[:-1]], axis=0)
    target = uniforms * total
    # the last block with weight: a target rounded up to the total must not land in empty padding
    last_block = tf.reduce_max(tf.where(block_sums > 0, tf.range(num_blocks, dtype=tf.int64), 0))
    chosen = tf.minimum(upper_bound(cdf, target), last_block)
    residual = target - tf.gather(exclusive, chosen)  # >= 0: target >= the cdf before the chosen block
    chosen_rows = tf.gather(rows, chosen)
    row_cdf = tf.cumsum(chosen_rows, axis=1)
    within = tf.reduce_sum(tf.cast(row_cdf <= residual[:, None], tf.int64), axis=1)  # O(B * block)
    # the last positive entry of each chosen row (same reason: rounding past the row's sum)
    positive = tf.cast(chosen_rows > 0, tf.int64) * tf.range(1, block + 1, dtype=tf.int64)
    last_positive = tf.maximum(tf.reduce_max(positive, axis=1) - 1, 0)
    indices = chosen * block + tf.minimum(within, last_positive)
    return indices, total


def upper_bound(sorted_values: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """For each target, the first index ``i`` with ``sorted_values[i] > target`` (``len`` if none), int64.

    For ``len * B <= 2**18``, a count of the values ``<= target`` (O(B n), no loop: an XLA
    loop costs a fraction of a CPU-second to compile); otherwise a binary search of
    ``ceil(log2(len + 1))`` steps in a ``tf.while_loop`` (a fixed trip count), each a
    gather of B values: O(B log n), and a graph of the same size for any n.
    (``tf.searchsorted`` compiles under XLA to O(B n) comparisons.)

    Example:
        >>> import tensorflow as tf
        >>> upper_bound(tf.constant([1.0, 2.0, 2.0, 5.0]), tf.constant([0.0, 2.0, 4.9, 5.0])).numpy().tolist()
        [0, 3, 3, 4]
    """
    n = int(sorted_values.shape[0])
    count = targets.shape[0] if targets.shape.rank == 1 else None
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
    low = tf.zeros(tf.shape(targets), tf.int64)
    high = tf.fill(tf.shape(targets), tf.constant(n, tf.int64))
    _, low, _ = tf.while_loop(lambda i, low, high: i < steps, halve, (tf.constant(0), low, high))
    return low
