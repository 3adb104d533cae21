"""The gradient-norm table score: ‖softmax − one-hot‖, an upper-bound proxy of a sample's gradient norm."""

from __future__ import annotations

import tensorflow as tf


def gradient_norm_score(y_true, y_pred, per_sample_loss=None):
    """``‖p − onehot(y)‖₂`` per sample, for a model that outputs class probabilities ``p``.

    The gradient of cross-entropy on softmax outputs with respect to the logits is ``p − onehot(y)``, and its norm
    bounds the full per-sample gradient's (Katharopoulos & Fleuret 2018); unlike the loss it is bounded (by √2), so a
    few mislabelled samples cannot take over. Pass it to the trainer as ``table_score=gradient_norm_score``.

    Args:
        y_true, y_pred: (B,) integer labels; (B, C) class probabilities.
        per_sample_loss: ignored (the trainer's ``table_score`` signature).
    Returns: (B,) float32 scores in [0, √2].
    Example:
        >>> import numpy as np
        >>> p = np.array([[0.6, 0.4], [1.0, 0.0]], "float32")
        >>> [round(float(v), 4) for v in gradient_norm_score(np.array([0, 0]), p)]   # √(0.4² + 0.4²), 0
        [0.5657, 0.0]
    """
    y_pred = tf.cast(y_pred, tf.float32)
    onehot = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), tf.shape(y_pred)[-1], dtype=tf.float32)
    return tf.norm(y_pred - onehot, axis=-1)
