"""The in-graph importance draws: weights ``(L_i / scale)^w`` kept beside the table, and the draws from them.

:class:`~is_keras.sampling.in_graph_sampler.InGraphSampler` keeps, for the
importance-drawing methods, every sample's weight ``(L_i / weight_scale)^w`` and its
blocks' sums in a :class:`~is_keras.sampling.in_graph_weighted.BlockWeights`, so a
draw costs O(B · block + N / block), not O(N). These functions take the sampler (its
``table``, ``kept_weights``, ``weight_scale``, ``weights_exponent``, ``step``,
``sampler_config``) and keep the weights in step with the table; call them inside a
``tf.function``.
"""

from __future__ import annotations

import tensorflow as tf

from is_keras.sampling.in_graph_permutation import random_bits

#: a kept weight above this (a loss far above the scale) rescales them all: float32 sums of N of them cannot overflow
WEIGHT_LIMIT = 2.0**32


def weights_of(losses, scale, exponent) -> tf.Tensor:
    """``(L / scale)^w``, 0 for unvisited (+inf) entries.

    Example:
        >>> [float(v) for v in weights_of(tf.constant([1.0, 4.0, float("inf")]), 2.0, 2.0)]
        [0.25, 4.0, 0.0]
    """
    finite = tf.math.is_finite(losses)
    scaled = tf.where(finite, losses, 0.0) / scale
    if not (isinstance(exponent, float) and exponent == 1.0):
        scaled = tf.pow(scaled, exponent)
    return tf.where(finite, scaled, 0.0)


def table_weights(table, exponent) -> tf.Tensor:
    """The unnormalized weights ``(L / max L)^w`` of a whole table (float32 (N,), 0 for unvisited entries).

    Example:
        >>> [float(v) for v in table_weights(tf.constant([1.0, 2.0, float("inf")]), 1.0)]
        [0.5, 1.0, 0.0]
    """
    table = tf.convert_to_tensor(table)
    finite = tf.math.is_finite(table)
    peak = tf.reduce_max(tf.where(finite, table, 0.0))
    return weights_of(table, tf.where(peak > 0, peak, 1.0), exponent)


def importance_probabilities(sampler, indices) -> tf.Tensor:
    """``p_i = (1 - λ) w_i / Σ w + λ / N`` of one importance draw for int64 ``indices`` (``1 / N`` if Σ w = 0).

    From the kept weights when they are current (built, of the current exponent), else from the table.
    """
    n = sampler.num_samples

    def from_table():
        weights = table_weights(sampler.table, sampler.current_exponent())
        return tf.gather(weights, indices), tf.reduce_sum(weights)

    kept = sampler.kept_weights
    current = tf.logical_and(sampler.weight_scale > 0, tf.equal(sampler.weights_exponent,
                                                                 tf.cast(sampler.current_exponent(), tf.float32)))
    chosen, total = tf.cond(current, lambda: (kept.gather(indices), kept.total()), from_table)
    mix = sampler.sampler_config.uniform_mix
    share = chosen / tf.where(total > 0, total, 1.0)
    return tf.where(total > 0, (1.0 - mix) * share + mix / n, 1.0 / n)


def draw_proportional(sampler, key) -> tuple[tf.Tensor, tf.Tensor]:
    """B i.i.d. draws, ``p_i = (1 - λ) w_i / Σ w + λ / N``, from the kept weights: ``(int64 indices, weights)``.

    The weights are ``1 / (N p_i)`` with ``unbiased``, else 1. ``key`` (from
    :func:`~is_keras.sampling.in_graph_permutation.derive_key`) makes every random bit.
    """
    n, b = sampler.num_samples, sampler.batch_size
    mix = sampler.sampler_config.uniform_mix
    # independent 32-bit words per lane, from hashes (no RNG kernel to compile): the proportional draw's
    # uniform, the uniform-mix coin, and 63 bits for a uniform index (no modulo bias worth the name)
    bits = tf.reshape(random_bits(key, 4 * b), [4, b])
    unit = tf.cast(tf.bitwise.right_shift(bits[0], 8), tf.float32) * (1.0 / (1 << 24))
    drawn, total = sampler.kept_weights.draw(unit)
    wide = tf.bitwise.bitwise_or(tf.bitwise.left_shift(tf.bitwise.right_shift(bits[2], 1), 32), bits[3])
    uniform = tf.math.floormod(wide, n)
    take_uniform = bits[1] < int(round(mix * 2**32)) if mix > 0 else tf.zeros([b], tf.bool)
    indices = tf.where(tf.logical_or(take_uniform, total <= 0), uniform, drawn)
    ones = tf.ones([b], tf.float32)
    if not sampler.unbiased:
        return indices, ones
    # 1 / (N p_i) with p_i = (1 - λ) w_i / W + λ / N, i.e. 1 / ((1 - λ) N w_i / W + λ)
    relative = n * sampler.kept_weights.gather(indices) / tf.where(total > 0, total, 1.0)
    return indices, tf.where(total > 0, 1.0 / ((1.0 - mix) * relative + mix), 1.0)


def refresh_kept_weights(sampler, rescale, *, build: bool = True, apply=None) -> None:
    """Rebuild the kept weights from the table (O(N)) if they are stale.

    With a new scale (the largest finite loss, 1 if none is above 0) if ``rescale`` (a
    bool tensor) or never built (unless not ``build``), with the old one if only the
    exponent changed. Call it outside any ``tf.cond``: a ``tf.cond`` that writes the
    weights copies them under XLA. The draws only read the kept weights: every change
    that makes them stale (an update, ``set_progress``, ``set_losses``, ``set_state``)
    refreshes them. ``apply`` (a bool tensor, if given): only if it holds.
    """
    exponent = sampler.current_exponent()
    exponent32 = tf.cast(exponent, tf.float32)
    old_scale = sampler.weight_scale.read_value()
    changed = tf.not_equal(sampler.weights_exponent, exponent32)  # NaN: always
    if build:
        rescale = tf.logical_or(rescale, old_scale <= 0)
    else:
        changed = tf.logical_and(changed, old_scale > 0)
    if apply is not None:
        rescale, changed = tf.logical_and(rescale, apply), tf.logical_and(changed, apply)
    stale = tf.logical_or(rescale, changed)

    def peak():
        table = tf.convert_to_tensor(sampler.table)
        largest = tf.reduce_max(tf.where(tf.math.is_finite(table), table, 0.0))
        return tf.where(largest > 0, largest, 1.0)

    if sampler.kept_weights.dense:  # no tf.cond to compile: the O(N) maximum costs next to nothing here
        scale = tf.where(rescale, peak(), old_scale)
    else:
        scale = tf.cond(rescale, peak, lambda: old_scale)  # reads the table only when it rescales
    sampler.weight_scale.assign(scale)
    sampler.weights_exponent.assign(tf.where(stale, exponent32, sampler.weights_exponent))
    n = sampler.num_samples

    def values_of(cells):
        losses = tf.gather(sampler.table, tf.minimum(cells, n - 1))
        return tf.where(cells < n, weights_of(losses, scale, exponent), 0.0)

    sampler.kept_weights.assign_where(stale, values_of)


def update_kept_weights(sampler, indices, apply=None) -> None:
    """After a table write: the written entries' weights, from the table, and their blocks' sums.

    From the table, so a repeated index writes one value. A rebuild first if the weights are
    stale, a loss too large (its weight above :data:`WEIGHT_LIMIT`), or every ``ceil(N / B)``
    draws (a new scale: the largest loss now). ``apply`` False: nothing changes (the written
    entries keep their kept weights, bit for bit).
    """
    exponent = sampler.current_exponent()
    scale = sampler.weight_scale.read_value()
    fresh = weights_of(tf.gather(sampler.table, indices), tf.where(scale > 0, scale, 1.0), exponent)
    too_large = tf.logical_and(scale > 0, tf.reduce_any(fresh > WEIGHT_LIMIT))
    periodic = tf.equal(tf.math.floormod(sampler.step, sampler.rescale_period), 0)
    refresh_kept_weights(sampler, tf.logical_or(too_large, periodic), apply=apply)
    values = weights_of(tf.gather(sampler.table, indices), sampler.weight_scale.read_value(), exponent)
    if apply is not None:
        values = tf.where(apply, values, sampler.kept_weights.gather(indices))
    sampler.kept_weights.scatter(indices, values)
