"""The common part of the metric callbacks: what they record and what they put into Keras ``logs``."""

from __future__ import annotations

import time

import keras
import numpy as np


class EvaluationCallback(keras.callbacks.Callback):
    """Base of :class:`OneMinusAUC` and :class:`OneMinusAP50`: records evaluations and logs them.

    Every evaluation appends to :attr:`samples`, :attr:`seconds`, :attr:`values`
    and :attr:`steps` (samples seen, training seconds — evaluation time
    excluded —, the metric, the global batch number) and writes
    ``metric_name``, ``samples_seen`` and ``training_seconds`` into the batch's
    ``logs``; every epoch's logs get the latest value (NaN before the first
    evaluation), so ``CSVLogger`` and ``TensorBoard`` placed after this callback
    record the metric with the step it belongs to.

    ``samples_seen`` and ``training_seconds`` come from the logs of
    :class:`~is_keras.training.trainer.ImportanceTrainer` and
    :class:`~is_keras.training.keras_fit.ImportanceSamplingModel`; under a plain
    ``Model.fit`` the callback times the training batches itself and counts
    batches instead of samples.

    Subclasses set :attr:`metric_name` and implement :meth:`evaluate`.

    Example:
        >>> class Constant(EvaluationCallback):
        ...     metric_name = "constant"
        ...     def evaluate(self):
        ...         return 0.5
        >>> cb = Constant()
        >>> logs = {"samples_seen": 64, "training_seconds": 1.5}
        >>> cb.record(logs)
        0.5
        >>> cb.samples, cb.seconds, logs["constant"]
        ([64], [1.5], 0.5)
    """

    metric_name = "metric"

    def __init__(self):
        super().__init__()
        self.samples: list[int] = []
        self.seconds: list[float] = []
        self.values: list[float] = []
        self.steps: list[int] = []
        self._batches = 0
        self._own_seconds = 0.0
        self._batch_start = None

    def evaluate(self) -> float:
        """The metric's current value (each subclass computes its own metric)."""
        raise TypeError(f"{type(self).__name__} must define evaluate(): the metric it logs")

    def on_train_begin(self, logs=None):
        self._batches = 0
        self._own_seconds = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self._batch_start is not None:
            self._own_seconds += time.perf_counter() - self._batch_start
            self._batch_start = None
        self._batches += 1

    def record(self, logs=None) -> float:
        """Evaluate now, append to the records and write the metric into ``logs``; return the value."""
        logs = logs if logs is not None else {}
        value = float(self.evaluate())
        samples = int(logs.get("samples_seen", self._batches))
        seconds = float(logs.get("training_seconds", self._own_seconds))
        self.samples.append(samples)
        self.seconds.append(seconds)
        self.values.append(value)
        self.steps.append(self._batches)
        logs[self.metric_name] = value
        logs.setdefault("training_seconds", seconds)
        return value

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.metric_name] = self.values[-1] if self.values else float(np.nan)
            logs.setdefault("training_seconds", self._own_seconds)
