"""The finite-step guard's condition, pinned after every gradient so XLA keeps the backward pass out of the cond."""

from __future__ import annotations

import tensorflow as tf


def finite_after_gradients(finite, gradients):
    """``finite`` (a bool scalar), made to depend on every gradient in ``gradients``.

    A ``tf.cond`` on the plain ``finite`` lets the graph optimiser sink the weight-gradient convolutions into the
    update branch, where XLA compiles them to naive loops (8x slower: ``benchmarks/overhead.py --step crapnet``).

    Args:
        finite: the guard's bool scalar tensor.
        gradients: the gradients (``None`` entries are skipped).
    Example:
        >>> bool(finite_after_gradients(tf.constant(True), [tf.constant([1.0, float("nan")])]))
        True
    """
    gradients_finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in gradients if g is not None])
    return tf.logical_and(finite, tf.logical_or(gradients_finite, finite))
