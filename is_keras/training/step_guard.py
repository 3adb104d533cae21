"""The finite-step guard's condition, pinned after every gradient so XLA keeps the backward pass out of the cond."""

from __future__ import annotations

import tensorflow as tf


def finite_after_gradients(finite, gradients):
    """``finite`` (a bool scalar), made to depend on every gradient in ``gradients``.

    ``finite & (all gradients finite | finite)`` equals ``finite``, but a ``tf.cond`` on it can only run after the
    whole backward pass. On the plain ``finite`` the graph optimiser sinks the weight-gradient convolutions into the
    update branch, where XLA compiles them to naive loops (CrapNet width 8, 28x28, batch 128 on a 2-core CPU:
    0.75 s a step instead of 0.09, ``benchmarks/overhead.py --step crapnet``).

    Args:
        finite: the guard's bool scalar tensor.
        gradients: the gradients (``None`` entries are skipped).
    Returns: A bool scalar tensor with the value of ``finite``.
    Example:
        >>> bool(finite_after_gradients(tf.constant(True), [tf.constant([1.0, float("nan")])]))
        True
    """
    gradients_finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in gradients if g is not None])
    return tf.logical_and(finite, tf.logical_or(gradients_finite, finite))
