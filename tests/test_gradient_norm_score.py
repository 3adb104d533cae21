"""The gradient-norm table score against its formula and against the logits' gradient."""

import numpy as np
import tensorflow as tf

from is_keras.training.gradient_norm_score import gradient_norm_score


def test_matches_formula():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(16, 5)).astype("float32")
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 5, size=16)
    expected = np.linalg.norm(p - np.eye(5)[y], axis=1)
    np.testing.assert_allclose(gradient_norm_score(y, p).numpy(), expected, rtol=1e-5)


def test_equals_norm_of_cross_entropy_gradient_wrt_logits():
    rng = np.random.default_rng(1)
    logits = tf.Variable(rng.normal(size=(8, 3)).astype("float32"))
    y = rng.integers(0, 3, size=8)
    with tf.GradientTape() as tape:
        losses = tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    grads = tape.jacobian(losses, logits)  # (8, 8, 3): each loss depends on its own row only
    per_sample = np.stack([grads[i, i].numpy() for i in range(8)])
    score = gradient_norm_score(y, tf.nn.softmax(logits)).numpy()
    np.testing.assert_allclose(score, np.linalg.norm(per_sample, axis=1), rtol=1e-5)
