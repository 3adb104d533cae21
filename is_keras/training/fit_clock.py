"""Training seconds under Keras ``fit``: two callbacks around the others that time only the train batches."""

from __future__ import annotations

import time

import keras


class _ClockStop(keras.callbacks.Callback):
    """First in the list: stops the clock right after the step and puts ``training_seconds`` into the logs."""

    def __init__(self, model):
        super().__init__()
        self.owner = model
        self.started = None

    def on_train_batch_end(self, batch, logs=None):
        if self.started is not None:
            self.owner.training_seconds += time.perf_counter() - self.started
            self.started = None
        if logs is not None:
            logs["training_seconds"] = self.owner.training_seconds

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["training_seconds"] = self.owner.training_seconds


class _ClockStart(keras.callbacks.Callback):
    """Last in the list: starts the clock right before the train step (after the other callbacks' begin hooks)."""

    def __init__(self, stop: _ClockStop):
        super().__init__()
        self.stop = stop

    def on_train_batch_begin(self, batch, logs=None):
        self.stop.started = time.perf_counter()


def clock_callbacks(model, callbacks) -> list:
    """``callbacks`` with the two clock callbacks of ``model`` around them.

    ``model.training_seconds`` (a float) accumulates each batch's train step with its data loading and sampling,
    without callbacks or validation.

    Example:
        >>> class Owner:
        ...     training_seconds = 0.0
        >>> stop, start = clock_callbacks(Owner(), [])
        >>> start.on_train_batch_begin(0); logs = {}; stop.on_train_batch_end(0, logs)
        >>> logs["training_seconds"] >= 0.0
        True
    """
    stop = _ClockStop(model)
    return [stop, *list(callbacks or []), _ClockStart(stop)]
