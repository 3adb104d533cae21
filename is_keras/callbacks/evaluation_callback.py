"""The common part of the metric callbacks: what they record and what they put into Keras ``logs``."""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf


class EvaluationCallback(keras.callbacks.Callback):
    """Base of :class:`OneMinusAUC` and :class:`OneMinusAP50`: records evaluations and logs them.

    Each evaluation appends to :attr:`samples`, :attr:`seconds` (training only), :attr:`values`, :attr:`steps` and
    writes ``metric_name`` into the logs (epoch logs: the latest or NaN); under plain ``Model.fit`` it times and counts
    batches itself. Subclasses set :attr:`metric_name` and implement :meth:`evaluate`.

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
    #: The per-evaluation lists, equal in length (subclasses may add their own, e.g. ``"epochs"``).
    record_fields: tuple = ("samples", "seconds", "values", "steps")

    def __init__(self):
        super().__init__()
        self.samples: list[int] = []
        self.seconds: list[float] = []
        self.values: list[float] = []
        self.steps: list[int] = []
        self._batches = 0
        self._own_seconds = 0.0
        self._batch_start = None
        self._predict = None

    def evaluate(self) -> float:
        """The metric's current value (each subclass computes its own metric)."""
        raise TypeError(f"{type(self).__name__} must define evaluate(): the metric it logs")

    def on_train_begin(self, logs=None):
        self._batches = 0
        self._own_seconds = 0.0
        self._predict = None  # the model may have changed since the last fit

    def predict_batches(self, x, batch_size: int) -> np.ndarray:
        """The model's outputs on ``x`` (``training=False``, one compiled function), in batches of ``batch_size``."""
        if self._predict is None:
            model = self.model
            self._predict = tf.function(lambda batch: model(batch, training=False))
        return np.concatenate([self._predict(tf.constant(x[start : start + batch_size])).numpy()
                               for start in range(0, len(x), batch_size)])

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

    def get_state(self) -> dict:
        """The records and the batch count, as plain lists and numbers (for :meth:`set_state`).

        Example:
            >>> cb = EvaluationCallback()
            >>> cb.evaluate = lambda: 0.5
            >>> _ = cb.record({"samples_seen": 16})
            >>> twin = EvaluationCallback()
            >>> twin.set_state(cb.get_state())
            >>> twin.samples, twin.values
            ([16], [0.5])
        """
        return {"records": {name: list(getattr(self, name)) for name in self.record_fields},
                "batches": int(self._batches), "own_seconds": float(self._own_seconds)}

    def set_state(self, state: dict, *, up_to_step: int | None = None) -> None:
        """Put back :meth:`get_state`'s records (replacing the current ones).

        Args:
            state: from :meth:`get_state` (``None`` in ``seconds`` / ``values`` reads as NaN).
            up_to_step: keep evaluations at or before this batch count and count on from it (resuming a backup).
        Raises: ValueError: a record field missing or of another length.
        """
        records = state.get("records") if isinstance(state, dict) else None
        if not isinstance(records, dict) or any(not isinstance(records.get(n), list) for n in self.record_fields):
            raise ValueError(f"an evaluation state needs the lists {', '.join(self.record_fields)}")
        lengths = {len(records[name]) for name in self.record_fields}
        if len(lengths) != 1:
            raise ValueError(f"the evaluation records differ in length: "
                             f"{ {name: len(records[name]) for name in self.record_fields} }")
        steps = [int(s) for s in records["steps"]]
        keep = [i for i, s in enumerate(steps) if up_to_step is None or s <= up_to_step]
        for name in self.record_fields:
            values = [records[name][i] for i in keep]
            if name in ("seconds", "values"):
                values = [float("nan") if v is None else float(v) for v in values]
            elif name in ("samples", "steps"):
                values = [int(v) for v in values]
            setattr(self, name, values)
        self._batches = int(state.get("batches", 0)) if up_to_step is None else int(up_to_step)
        self._own_seconds = float(state.get("own_seconds", 0.0))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.metric_name] = self.values[-1] if self.values else float(np.nan)
            logs.setdefault("training_seconds", self._own_seconds)
