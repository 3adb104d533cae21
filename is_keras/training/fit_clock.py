"""Training seconds under Keras ``fit``: two callbacks around the others that time only the train batches."""

from __future__ import annotations

import time

import keras


class _ClockStart(keras.callbacks.Callback):
    """Last in the list: starts the clock right before the train step (after the other callbacks' begin hooks)."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    def on_train_batch_begin(self, batch, logs=None):
        self.clock.started = time.perf_counter()


class _ClockStop(keras.callbacks.Callback):
    """First in the list: stops the clock right after the step and puts ``training_seconds`` into the logs."""

    def __init__(self, clock, model):
        super().__init__()
        self.clock = clock
        self.owner = model

    def on_train_batch_end(self, batch, logs=None):
        if self.clock.started is not None:
            self.owner.training_seconds += time.perf_counter() - self.clock.started
            self.clock.started = None
        if logs is not None:
            logs["training_seconds"] = self.owner.training_seconds

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["training_seconds"] = self.owner.training_seconds


class _Clock:
    started = None


def clock_callbacks(model, callbacks) -> list:
    """``callbacks`` with the two clock callbacks of ``model`` around them.

    ``model.training_seconds`` (a float) accumulates the time between the last
    ``on_train_batch_begin`` hook and the first ``on_train_batch_end`` hook of
    every batch: the train step with its data loading and sampling, without
    callbacks or validation.

    Example:
        >>> class Owner:
        ...     training_seconds = 0.0
        >>> stop, start = clock_callbacks(Owner(), [])
        >>> start.on_train_batch_begin(0); logs = {}; stop.on_train_batch_end(0, logs)
        >>> logs["training_seconds"] >= 0.0
        True
    """
    clock = _Clock()
    return [_ClockStop(clock, model), *list(callbacks or []), _ClockStart(clock)]
