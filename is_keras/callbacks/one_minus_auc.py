"""A Keras callback that records 1-AUC on validation data during training."""

from __future__ import annotations

import warnings

import numpy as np

from is_keras.callbacks.evaluation_callback import EvaluationCallback
from is_keras.metrics.auc import one_minus_auc
from is_keras.sampling.options import Option


class OneMinusAUC(EvaluationCallback):
    """Evaluates 1-AUC on ``(x_val, y_val)`` every ``eval_every`` training batches, logged as ``one_minus_auc``.

    Args:
        x_val, y_val, batch_size: validation inputs and integer labels; validation batch size.
        eval_every, every_n_batches: period in training batches (>= 1); its deprecated name.
    Raises: ValueError: a bad ``eval_every`` or data of different lengths.
    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
        >>> auc = OneMinusAUC(np.array([[0.0, 1.0], [1.0, 0.0]] * 8, "float32"), np.arange(16) % 2, eval_every=1)
        >>> auc.set_model(model)
        >>> logs = {"samples_seen": 32, "training_seconds": 0.1}
        >>> auc.on_train_batch_end(0, logs)
        >>> auc.samples, 0.0 <= logs["one_minus_auc"] <= 1.0
        ([32], True)
    """

    metric_name = "one_minus_auc"

    def __init__(self, x_val, y_val, *, eval_every: int = 10, batch_size: int = 1024, every_n_batches=None):
        super().__init__()
        if every_n_batches is not None:
            warnings.warn("every_n_batches is now eval_every", DeprecationWarning, stacklevel=2)
            eval_every = every_n_batches
        self.eval_every = Option(int, low=1).check("eval_every", eval_every)
        self.x_val = np.asarray(x_val)
        self.y_val = np.asarray(y_val)
        if len(self.x_val) != len(self.y_val):
            raise ValueError(f"x_val has {len(self.x_val)} samples but y_val has {len(self.y_val)}")
        self.batch_size = int(batch_size)

    @property
    def one_minus_auc(self) -> list[float]:
        """The recorded 1-AUC values."""
        return self.values

    def predict_probabilities(self) -> np.ndarray:
        """The model's class probabilities on the validation set."""
        return self.predict_batches(self.x_val, self.batch_size).astype(np.float64)

    def evaluate(self) -> float:
        """The current 1-AUC on the validation set."""
        return one_minus_auc(self.y_val, self.predict_probabilities())

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self._batches % self.eval_every == 0:
            self.record(logs)
