"""The GradientTape training loop that keeps the loss table current."""

from __future__ import annotations

import concurrent.futures
import time

import keras
import numpy as np
import tensorflow as tf

from is_keras.training.losses import get_per_sample_loss

#: In-memory training sets up to this size are copied to the device once, and
#: the compiled step gathers each batch there; only indices cross per step.
DEVICE_DATA_LIMIT_BYTES = 2 * 1024**3


class ImportanceTrainer:
    """Trains a Keras model on batches chosen by an :class:`ImportanceBatchGenerator`.

    Every step runs one forward pass under ``tf.GradientTape`` that yields
    per-sample losses; their mean drives the gradient (Adam by default), and
    the same losses (no second forward pass) are written into the
    generator's loss table before the next batch is drawn.

    Where the data lives:

    * in-memory arrays (under 2 GiB) are copied to the device once; each step
      sends only the B indices and the compiled step gathers the batch there.
      Every batch is drawn from the table as updated by the previous step.
    * memmaps / large arrays are gathered on the host. With ``prefetch=True``
      (the default for this path) the next batch's indices are drawn right
      before the current step runs and its rows are read by a background
      thread while the device computes, so disk reads overlap with compute;
      the price is that a batch is drawn before the previous step's losses
      reach the table (at most one step stale, like ``as_dataset(prefetch=1)``).
      Draws stay deterministic: they happen on the calling thread in a fixed
      order, only the copying runs in the background.

    GPU options: ``jit_compile=True`` compiles the step with XLA.
    ``mixed_precision=True`` trains a model built under the ``"mixed_float16"``
    (or ``"mixed_bfloat16"``) Keras policy: the optimizer is wrapped in
    ``keras.optimizers.LossScaleOptimizer`` (dynamic loss scaling) and the
    per-sample losses are cast to float32 before they reach the table. Build
    the model after ``keras.mixed_precision.set_global_policy("mixed_float16")``
    and keep its output layer in float32 (``dtype="float32"``, as the library's
    models do).

    Args:
        model: a Keras model mapping a batch of ``x`` to predictions.
        generator: the :class:`~is_keras.sampling.ImportanceBatchGenerator`
            holding the training data and the loss table.
        loss: ``"sparse_categorical_crossentropy"`` (model outputs
            probabilities) or a callable ``(y_true, y_pred) -> (B,)`` giving one
            loss per sample.
        optimizer: a Keras optimizer or its name (default Adam).
        learning_rate: used when ``optimizer`` is given by name.
        table_score: optional callable ``(y_true, y_pred, per_sample_loss) -> (B,)``
            whose result is written to the table instead of the loss (e.g. an
            uncertainty score for detection).
        jit_compile: compile the step with XLA.
        data_on_device: keep ``x`` and ``y`` on the device and gather batches
            there (default: yes for in-memory arrays under 2 GiB, no for memmaps).
        mixed_precision: train with float16 compute and dynamic loss scaling
            (the model must have been built under a mixed policy).
        prefetch: on the host-gather path, read the next batch in a background
            thread during the current step (default ``True``; ignored when the
            data is on the device).

    Example:
        >>> gen = ImportanceBatchGenerator(x_train, y_train, batch_size=64)
        >>> model = is_keras.models.crapnet(x_train.shape[1:], num_classes=10)
        >>> trainer = ImportanceTrainer(model, gen)
        >>> history = trainer.fit(epochs=3, callbacks=[OneMinusAUC(x_val, y_val)])
        >>> trainer.samples_seen
        ...
    """

    def __init__(
        self,
        model,
        generator,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        learning_rate: float = 1e-3,
        table_score=None,
        jit_compile: bool = False,
        data_on_device: bool | None = None,
        mixed_precision: bool = False,
        prefetch: bool = True,
    ):
        self.model = model
        self.generator = generator
        self.loss_fn = get_per_sample_loss(loss)
        self.mixed_precision = bool(mixed_precision)
        if self.mixed_precision:
            _check_mixed_model(model)
        self.optimizer = self._make_optimizer(optimizer, learning_rate)
        self.table_score = table_score
        self.jit_compile = bool(jit_compile)
        self.samples_seen = 0
        self.training_seconds = 0.0
        self.trace_seconds = 0.0  # one-time tf.function tracing, kept off the training clock
        self._traced = False
        self.steps_done = 0
        if data_on_device is None:
            x = generator.x
            data_on_device = isinstance(x, np.ndarray) and not isinstance(x, np.memmap)
            data_on_device = data_on_device and x.nbytes + np.asarray(generator.y).nbytes < DEVICE_DATA_LIMIT_BYTES
        self.data_on_device = bool(data_on_device)
        self.prefetch = bool(prefetch) and not self.data_on_device
        self._pending = None  # (indices, weights, future of their gathered rows) on the prefetching path
        self._pool = None
        self._build_step()

    def _make_optimizer(self, optimizer, learning_rate):
        if isinstance(optimizer, str):
            optimizer = keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
        if self.mixed_precision and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def _build_step(self):
        if self.data_on_device:
            self._x = tf.constant(self.generator.x)
            self._y = tf.constant(self.generator.y)
            self._compiled_step = tf.function(self._gather_and_step, jit_compile=self.jit_compile)
        else:
            self._compiled_step = tf.function(self._step, jit_compile=self.jit_compile)

    # ------------------------------------------------------------ one step
    def _forward(self, x, y, weights, global_batch):
        """Per-sample losses; applies the gradient of their ``weights``-weighted sum divided by ``global_batch``.

        The weights are 1 unless the generator is ``unbiased``; the table always
        receives the unweighted losses.
        """
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)
            per_sample = tf.cast(self.loss_fn(y, y_pred), tf.float32)
            loss = tf.reduce_sum(per_sample * weights) / global_batch
            if self.model.losses:
                regularization = tf.add_n([tf.cast(v, tf.float32) for v in self.model.losses])
                loss = loss + regularization / self._replicas
            scaled = self.optimizer.scale_loss(loss) if self.mixed_precision else loss
        variables = self.model.trainable_variables
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        scores = per_sample if self.table_score is None else self.table_score(y, y_pred, per_sample)
        return per_sample, tf.cast(scores, tf.float32)

    _replicas = 1

    def _step(self, x, y, weights):
        return self._forward(x, y, weights, tf.cast(tf.shape(x)[0], tf.float32))

    def _gather_and_step(self, indices, weights):
        return self._step(tf.gather(self._x, indices), tf.gather(self._y, indices), weights)

    def _trace_step(self, indices) -> None:
        """Trace the compiled step for this batch's signature without running it.

        Tracing (Python → graph, ~1 s for a small CNN) happens once per run and
        says nothing about a sampler's cost, so ``train_step`` does it before
        starting the clock. Later calls with the same shapes reuse the trace.
        """
        weights = tf.TensorSpec((indices.size,), tf.float32)
        if self.data_on_device:
            self._compiled_step.get_concrete_function(tf.TensorSpec(indices.shape, tf.as_dtype(indices.dtype)), weights)
        else:
            x, y = self.generator.x, np.asarray(self.generator.y)  # shapes and dtypes only; no rows are read
            self._compiled_step.get_concrete_function(
                tf.TensorSpec((indices.size, *x.shape[1:]), tf.as_dtype(x.dtype)),
                tf.TensorSpec((indices.size, *y.shape[1:]), tf.as_dtype(y.dtype)),
                weights,
            )

    def _run_step(self, indices, weights):
        """Train on the batch ``indices`` with loss ``weights``; return per-sample losses and table scores."""
        if self.data_on_device:
            per_sample, scores = self._compiled_step(indices, weights)
        else:
            per_sample, scores = self._compiled_step(*self._host_batch(indices), weights)
        per_sample = per_sample.numpy()
        return per_sample, (per_sample if self.table_score is None else scores.numpy())

    def _next_batch(self):
        """``(indices, weights)`` of the batch to train on now."""
        if self._pending is not None:
            return self._pending[0], self._pending[1]
        return self.generator.next_batch()

    def _host_batch(self, indices):
        """Rows of ``indices``; on the prefetching path also start reading the next batch."""
        generator = self.generator
        if not self.prefetch:
            return generator.gather(indices)
        if self._pending is not None and self._pending[0] is indices:
            batch = self._pending[2].result()
        else:
            batch = generator.gather(indices)
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="is_keras_gather")
        upcoming, weights = generator.next_batch()  # drawn before this step's update: at most one step stale
        self._pending = (upcoming, weights, self._pool.submit(generator.gather, upcoming))
        return batch

    def train_step(self) -> dict:
        """Draw a batch, train on it, update the loss table; return the step's logs."""
        start = time.perf_counter()
        generator = self.generator
        indices, weights = self._next_batch()
        if not self._traced:
            paused = time.perf_counter()
            self._trace_step(indices)
            self._traced = True
            self.trace_seconds = time.perf_counter() - paused
            start += self.trace_seconds
        per_sample, scores = self._run_step(indices, weights)
        if not np.all(np.isfinite(per_sample)):
            raise FloatingPointError(
                f"the training loss became NaN or infinite at step {self.steps_done + 1}; "
                "the loss table was left unchanged (try a lower learning rate)"
            )
        generator.update(indices, scores)
        self.training_seconds += time.perf_counter() - start
        self.samples_seen += indices.size
        self.steps_done += 1
        return {
            "loss": float(per_sample.mean()),
            "samples_seen": self.samples_seen,
            "training_seconds": self.training_seconds,
        }

    # ------------------------------------------------------------------ fit
    def fit(self, epochs: int = 1, steps_per_epoch: int | None = None, callbacks=None, verbose=0):
        """Train for ``epochs`` epochs of ``steps_per_epoch`` steps (default ``ceil(N / batch)``).

        Keras callbacks receive ``on_train_begin``, ``on_epoch_begin/end``,
        ``on_train_batch_begin/end`` and ``on_train_end``, with ``logs``
        carrying ``loss``, ``samples_seen`` and ``training_seconds`` (time in
        training steps only: callbacks' own time and the one-time tracing of the
        compiled step, ``trace_seconds``, are excluded; XLA compilation with
        ``jit_compile=True`` happens in the first step and is included). Setting
        ``model.stop_training = True`` in a callback stops training.

        Returns:
            the ``keras.callbacks.History`` of per-epoch logs.
        """
        if int(epochs) != epochs or epochs < 0:
            raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
        steps = steps_per_epoch or self.generator.steps_per_epoch
        history = keras.callbacks.History()
        callback_list = keras.callbacks.CallbackList(
            list(callbacks or []) + [history],
            add_progbar=bool(verbose),
            model=self.model,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        self.model.stop_training = False
        callback_list.on_train_begin()
        logs = {}
        for epoch in range(int(epochs)):
            callback_list.on_epoch_begin(epoch)
            losses = []
            for step in range(steps):
                callback_list.on_train_batch_begin(step)
                logs = self.train_step()
                losses.append(logs["loss"])
                callback_list.on_train_batch_end(step, logs)
                if self.model.stop_training:
                    break
            logs = dict(logs, loss=float(np.mean(losses)))
            callback_list.on_epoch_end(epoch, logs)
            if self.model.stop_training:
                break
        callback_list.on_train_end(logs)
        return history


def _check_mixed_model(model) -> None:
    policy = getattr(model, "dtype_policy", None)
    compute = getattr(policy, "compute_dtype", None)
    if compute not in ("float16", "bfloat16"):
        layer_dtypes = {getattr(layer, "compute_dtype", None) for layer in getattr(model, "layers", [])}
        if not layer_dtypes & {"float16", "bfloat16"}:
            raise ValueError(
                "mixed_precision=True needs a model built under a mixed precision policy, but every layer "
                "computes in float32; call keras.mixed_precision.set_global_policy('mixed_float16') "
                "before building the model"
            )
