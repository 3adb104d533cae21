"""The GradientTape training loop that keeps the loss table current."""

from __future__ import annotations

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
    ):
        self.model = model
        self.generator = generator
        self.loss_fn = get_per_sample_loss(loss)
        if isinstance(optimizer, str):
            optimizer = keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
        self.optimizer = optimizer
        self.table_score = table_score
        self.samples_seen = 0
        self.training_seconds = 0.0
        self.steps_done = 0
        if data_on_device is None:
            x = generator.x
            data_on_device = isinstance(x, np.ndarray) and not isinstance(x, np.memmap)
            data_on_device = data_on_device and x.nbytes + np.asarray(generator.y).nbytes < DEVICE_DATA_LIMIT_BYTES
        self.data_on_device = bool(data_on_device)
        if self.data_on_device:
            self._x = tf.constant(generator.x)
            self._y = tf.constant(generator.y)
            self._compiled_step = tf.function(self._gather_and_step, jit_compile=jit_compile)
        else:
            self._compiled_step = tf.function(self._step, jit_compile=jit_compile)

    # ------------------------------------------------------------ one step
    def _step(self, x, y):
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)
            per_sample = tf.cast(self.loss_fn(y, y_pred), tf.float32)
            loss = tf.reduce_mean(per_sample)
            if self.model.losses:
                loss = loss + tf.add_n([tf.cast(v, tf.float32) for v in self.model.losses])
        variables = self.model.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        scores = per_sample if self.table_score is None else self.table_score(y, y_pred, per_sample)
        return per_sample, tf.cast(scores, tf.float32)

    def _gather_and_step(self, indices):
        return self._step(tf.gather(self._x, indices), tf.gather(self._y, indices))

    def train_step(self) -> dict:
        """Draw a batch, train on it, update the loss table; return the step's logs."""
        start = time.perf_counter()
        generator = self.generator
        indices = generator.next_indices()
        if self.data_on_device:
            per_sample, scores = self._compiled_step(indices)
        else:
            per_sample, scores = self._compiled_step(*generator.gather(indices))
        per_sample = per_sample.numpy()
        scores = per_sample if self.table_score is None else scores.numpy()
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
        training steps only; callbacks' own time is excluded). Setting
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
