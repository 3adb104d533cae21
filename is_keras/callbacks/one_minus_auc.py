"""A Keras callback that records 1-AUC on validation data during training."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from is_keras.metrics.auc import one_minus_auc


class OneMinusAUC(keras.callbacks.Callback):
    """Evaluates 1-AUC on ``(x_val, y_val)`` every ``every_n_batches`` training batches.

    Each evaluation appends to :attr:`samples`, :attr:`seconds` and
    :attr:`one_minus_auc` (samples seen, training seconds so far — evaluation
    time excluded — and the metric), and adds ``one_minus_auc`` to the batch
    logs so the progress bar and later callbacks see it.

    Args:
        x_val, y_val: validation inputs and integer labels.
        every_n_batches: evaluation period in training batches (>= 1).
        batch_size: batch size for the validation forward passes.

    Example:
        >>> auc = OneMinusAUC(x_val, y_val, every_n_batches=10)
        >>> trainer.fit(epochs=5, callbacks=[auc])
        >>> auc.samples[-1], auc.one_minus_auc[-1]
        ...
    """

    def __init__(self, x_val, y_val, every_n_batches: int = 10, batch_size: int = 1024):
        super().__init__()
        if int(every_n_batches) != every_n_batches or every_n_batches < 1:
            raise ValueError(f"every_n_batches must be an integer >= 1, got {every_n_batches!r}")
        self.x_val = np.asarray(x_val)
        self.y_val = np.asarray(y_val)
        if len(self.x_val) != len(self.y_val):
            raise ValueError(f"x_val has {len(self.x_val)} samples but y_val has {len(self.y_val)}")
        self.every_n_batches = int(every_n_batches)
        self.batch_size = int(batch_size)
        self.samples: list[int] = []
        self.seconds: list[float] = []
        self.one_minus_auc: list[float] = []
        self._batches = 0
        self._predict = None

    def on_train_begin(self, logs=None):
        model = self.model
        self._predict = tf.function(lambda x: model(x, training=False))
        self._batches = 0

    def predict_probabilities(self) -> np.ndarray:
        """The model's class probabilities on the validation set."""
        parts = [
            self._predict(tf.constant(self.x_val[start : start + self.batch_size])).numpy()
            for start in range(0, len(self.x_val), self.batch_size)
        ]
        return np.concatenate(parts).astype(np.float64)

    def evaluate(self) -> float:
        return one_minus_auc(self.y_val, self.predict_probabilities())

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batches % self.every_n_batches:
            return
        value = self.evaluate()
        logs = logs if logs is not None else {}
        self.samples.append(int(logs.get("samples_seen", self._batches)))
        self.seconds.append(float(logs.get("training_seconds", np.nan)))
        self.one_minus_auc.append(value)
        logs["one_minus_auc"] = value
