"""Stop training when a monitored quantity (1-AUC, 1-AP50, a loss) diverges from its best value."""

from __future__ import annotations

import math

import keras


class DivergenceStop(keras.callbacks.Callback):
    """Stops training when ``monitor`` has stayed above ``factor`` times its best for ``patience`` evaluations.

    Lower is better; read from the batch logs (put it after :class:`~is_keras.callbacks.OneMinusAUC`), else the epoch
    logs (``val_loss``). NaN or inf stops at once (except a NaN epoch-log placeholder before any evaluation).

    Args:
        monitor, factor, patience: the log key; the threshold relative to the best (> 1); evaluations above it (>= 1).
        restore_best_weights: on stopping, put back the weights of the best evaluation.
    Attributes:
        best, best_evaluation: the lowest value seen and its 1-based evaluation number.
        stopped_at, reason: the evaluation that stopped training; ``"diverged"`` or ``"non-finite"`` (else ``None``).
    Raises: ValueError: ``factor <= 1`` or ``patience < 1``.
    Example:
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> stop = DivergenceStop("one_minus_auc", factor=2.0, patience=2)
        >>> stop.set_model(model)
        >>> for batch, value in enumerate([0.3, 0.1, 0.25, 0.15, 0.3, 0.4]):
        ...     stop.on_train_batch_end(batch, {"one_minus_auc": value})
        >>> stop.best, stop.stopped_at, stop.reason, model.stop_training
        (0.1, 6, 'diverged', True)
    """

    def __init__(self, monitor: str = "one_minus_auc", *, factor: float = 1.5, patience: int = 3,
                 restore_best_weights: bool = False):
        super().__init__()
        if not float(factor) > 1.0:
            raise ValueError(f"factor must be > 1, got {factor!r}")
        if int(patience) != patience or patience < 1:
            raise ValueError(f"patience must be an integer >= 1, got {patience!r}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.restore_best_weights = bool(restore_best_weights)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = math.inf
        self.best_evaluation = None
        self.best_weights = None
        self.evaluations = 0
        self.wait = 0
        self.stopped_at = None
        self.reason = None
        self._seen_in_batches = False

    def on_train_batch_end(self, batch, logs=None):
        if logs and self.monitor in logs:
            self._seen_in_batches = True
            self._check(logs[self.monitor])

    def on_epoch_end(self, epoch, logs=None):
        if self._seen_in_batches or not logs or self.monitor not in logs:
            return
        if self.evaluations == 0 and math.isnan(float(logs[self.monitor])):
            return  # the placeholder of a metric callback that has not evaluated yet (e.g. eval_every > steps)
        self._check(logs[self.monitor])

    def _check(self, value) -> None:
        if self.stopped_at is not None:
            return
        value = float(value)
        self.evaluations += 1
        if not math.isfinite(value):
            self._stop("non-finite")
            return
        if value < self.best:
            self.best, self.best_evaluation, self.wait = value, self.evaluations, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait = self.wait + 1 if value > self.factor * self.best else 0
        if self.wait >= self.patience:
            self._stop("diverged")

    def _stop(self, reason: str) -> None:
        self.stopped_at = self.evaluations
        self.reason = reason
        self.model.stop_training = True
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
