"""Importance sampling inside plain Keras ``fit``: a model wrapper whose train step updates the table."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from is_keras.training.losses import get_per_sample_loss


class ImportanceSamplingModel(keras.Model):
    """Wraps a Keras model so that ``fit(generator.as_dataset(), ...)`` does importance sampling.

    The dataset yields ``(x, y, indices)`` (or ``(x, y, indices, weights)``
    from an ``unbiased`` generator); the train step computes one loss per
    sample, steps the optimizer on their (weighted) mean, and writes the same losses
    into ``generator``'s loss table from inside the compiled step. Everything
    else — ``compile`` metrics, callbacks, ``validation_data``, checkpoints of
    the wrapped model — is ordinary Keras. Logs carry ``samples_seen``.

    Args:
        model: the Keras model to train.
        generator: the :class:`~is_keras.sampling.ImportanceBatchGenerator`.
        loss: per-sample loss: a name or a callable ``(y_true, y_pred) -> (B,)``.

    Pass ``shuffle=False`` (the generator already decides the order).

    Example:
        >>> gen = ImportanceBatchGenerator(x_train, y_train, batch_size=64)
        >>> wrapped = ImportanceSamplingModel(crapnet((8, 8, 1), 10), gen)
        >>> wrapped.compile(optimizer="adam", metrics=["accuracy"])
        >>> wrapped.fit(gen.as_dataset(), steps_per_epoch=gen.steps_per_epoch, epochs=5, shuffle=False,
        ...             validation_data=(x_val, y_val))
    """

    def __init__(self, model, generator, loss="sparse_categorical_crossentropy", **kwargs):
        super().__init__(**kwargs)
        self.wrapped = model
        self.generator = generator
        self.per_sample_loss = get_per_sample_loss(loss)
        self.samples_seen = keras.Variable(0, dtype="int64", trainable=False, name="samples_seen")

    def call(self, inputs, training=None):
        return self.wrapped(inputs, training=training)

    def compile(self, optimizer="adam", loss=None, **kwargs):
        """As ``keras.Model.compile``; the loss defaults to the wrapper's per-sample loss (for evaluation)."""
        super().compile(optimizer=optimizer, loss=loss or self.per_sample_loss, **kwargs)

    def _update_table(self, indices, losses):
        self.generator.update(indices, losses)
        return np.int64(indices.size)

    def train_step(self, data):
        if not isinstance(data, tuple) or len(data) not in (3, 4):
            raise ValueError(
                "ImportanceSamplingModel.fit expects (x, y, indices) or (x, y, indices, weights) batches: "
                "use generator.as_dataset()"
            )
        x, y, indices = data[:3]
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            per_sample = tf.cast(self.per_sample_loss(y, y_pred), tf.float32)
            loss = tf.reduce_mean(per_sample * data[3]) if len(data) == 4 else tf.reduce_mean(per_sample)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        written = tf.numpy_function(self._update_table, [indices, per_sample], tf.int64, stateful=True)
        written.set_shape(())
        self.samples_seen.assign_add(written)
        self._loss_tracker.update_state(loss, sample_weight=tf.shape(per_sample)[0])
        logs = self.compute_metrics(x, y, y_pred)
        logs["samples_seen"] = self.samples_seen.value
        return logs
