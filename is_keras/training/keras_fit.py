"""Importance sampling inside plain Keras ``fit``: a model wrapper whose train step updates the table."""

from __future__ import annotations

import pickle
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from is_keras.training.checks import check_model_and_data
from is_keras.training.fit_clock import clock_callbacks
from is_keras.training.losses import get_per_sample_loss, loss_name
from is_keras.training.run_backup import generator_state, set_generator_state
from is_keras.training.sampler_backend import resolve_backend
from is_keras.training.sampling_progress import SamplingProgress

_SIDECAR = ".generator.pkl"


@keras.saving.register_keras_serializable(package="is_keras")
class ImportanceSamplingModel(keras.Model):
    """Wraps a Keras model so that ``fit(wrapped.training_dataset(), ...)`` does importance sampling.

    One train step: take the batch (host backend: ``(x, y, indices[, weights])``
    from ``generator.as_dataset()``; in-graph backend: draw it inside the step
    from the in-graph sampler and gather it from data held on the device),
    compute one loss per sample, step the optimizer on their weighted mean plus
    ``model.losses`` through Keras's own ``compute_loss`` / ``train_step`` (so
    loss scaling, metrics and logs are plain Keras), and write the same losses
    into the table. Logs carry ``samples_seen`` and ``training_seconds`` (time
    in training batches, callbacks excluded, the first step's tracing included).

    ``jit_compile``: the host backend writes the table with
    ``tf.numpy_function``, which XLA cannot compile, so ``"auto"`` compiles it
    without XLA and ``True`` is refused; the in-graph backend
    (``backend="in-graph"``) is pure TensorFlow and compiles with XLA.

    ``save("m.keras")`` / ``keras.models.load_model`` round-trip the wrapped
    model, the loss and the sampler configuration (:attr:`sampler_config`, a
    dict); the data are not saved: give a loaded model a generator with
    :meth:`attach`. ``save_weights`` / ``load_weights`` (and so
    ``keras.callbacks.BackupAndRestore``) also save and restore the generator's
    state and the counters beside the weights (``<path>.generator.pkl``).

    Args:
        model: the Keras model to train.
        generator: the :class:`~is_keras.sampling.ImportanceBatchGenerator` (``None`` for a loaded model).
        loss: per-sample loss: a name or a callable ``(y_true, y_pred) -> (B,)``.
        from_logits: the model outputs logits (built-in loss names only).
        backend: ``"auto"`` (default), ``"host"`` or ``"in-graph"``; ``"auto"`` is the in-graph backend when a
            GPU is visible, the method has an in-graph implementation and the data is an in-memory array, the
            host backend otherwise (see :func:`~is_keras.training.sampler_backend.resolve_backend`).
        sampler_config: the sampler configuration dict (set from the generator when there is one).

    Raises:
        ValueError: for bad labels, non-finite inputs, outputs that are not
            probabilities, or an unknown backend.

    Example:
        >>> import numpy as np, keras
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> gen = ImportanceBatchGenerator(x, np.arange(64) % 3, batch_size=16, seed=0)
        >>> inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        >>> wrapped = ImportanceSamplingModel(inner, gen)
        >>> wrapped.compile(optimizer="adam", metrics=["accuracy"])
        >>> history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=gen.steps_per_epoch, epochs=2,
        ...                       verbose=0)
        >>> int(wrapped.samples_seen.numpy()), gen.num_updates, "training_seconds" in history.history
        (128, 8, True)
    """

    def __init__(self, model, generator=None, *, loss="sparse_categorical_crossentropy", from_logits: bool = False,
                 backend: str | None = None, sampler_config: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.wrapped = model
        self.loss_name = loss_name(loss)
        self.per_sample_loss = get_per_sample_loss(loss, from_logits=from_logits)
        self._loss_arg = loss
        self.from_logits = bool(from_logits)
        self.sampler_backend = backend
        self.samples_seen = tf.Variable(0, dtype=tf.int64, trainable=False, name="samples_seen")
        self.training_seconds = 0.0
        self.sampler_config = dict(sampler_config) if sampler_config is not None else None
        self.generator = None
        self.in_graph_sampler = None
        if generator is not None:
            self.attach(generator)
        if getattr(model, "built", False):
            self.built = True

    # ------------------------------------------------------------ data side
    def attach(self, generator, backend: str | None = None) -> None:
        """Use ``generator`` (its data, table and sampler) for training; checks model and data first.

        Raises:
            ValueError: for bad labels, non-finite inputs, outputs that are not probabilities, an unknown backend.
        """
        backend = resolve_backend(backend or self.sampler_backend or getattr(generator, "backend", None), generator)
        check_model_and_data(self.wrapped, generator.x, generator.y, classification=self.loss_name is not None,
                             from_logits=self.from_logits, scan_inputs=isinstance(generator.x, np.ndarray))
        self.generator = generator
        self.sampler_backend = backend
        self.sampler_config = _sampler_config_dict(generator)
        self.supports_jit = backend == "in-graph"
        if backend == "in-graph":
            self.in_graph_sampler = _make_in_graph_sampler(generator)
            self._x = tf.constant(generator.x)
            self._y = tf.constant(generator.y)

    @property
    def loss_table(self) -> np.ndarray:
        """The current loss table (from the in-graph sampler's variable or the generator), shape (N,)."""
        if self.in_graph_sampler is not None:
            return self.in_graph_sampler.table.numpy().astype(np.float64)
        self._require_generator()
        return np.array(self.generator.loss_table)

    def training_dataset(self, prefetch: int = 0):
        """The dataset to pass to ``fit``: the generator's batches (host) or a placeholder (in-graph).

        ``prefetch=0`` (the default here) keeps runs bit-for-bit repeatable and
        resumable: no batch is drawn ahead of the step that trains it.
        """
        self._require_generator()
        if self.sampler_backend == "in-graph":
            return tf.data.Dataset.from_tensors(tf.zeros((), tf.int32)).repeat()
        return self.generator.as_dataset(prefetch=prefetch)

    def _require_generator(self):
        if self.generator is None:
            raise ValueError("this ImportanceSamplingModel has no generator: call attach(generator) before training")

    # ---------------------------------------------------------------- Keras
    def call(self, inputs, training=None):
        return self.wrapped(inputs, training=training)

    def compile(self, optimizer="adam", loss=None, jit_compile="auto", **kwargs):
        """As ``keras.Model.compile``; the loss is the wrapper's per-sample loss (give it to the constructor).

        Raises:
            ValueError: for ``loss=`` here, or ``jit_compile=True`` with the host backend.
        """
        if loss is not None:
            raise ValueError("give the per-sample loss to ImportanceSamplingModel(..., loss=...), not to compile()")
        if jit_compile is True and self.sampler_backend != "in-graph":
            raise ValueError("jit_compile=True needs backend='in-graph': the host backend writes the loss table "
                             "with tf.numpy_function, which XLA cannot compile")
        super().compile(optimizer=optimizer, jit_compile=jit_compile, **kwargs)

    def compile_from_config(self, config):
        """Re-compile a loaded model from its saved compile configuration (optimizer, metrics)."""
        config = dict(keras.saving.deserialize_keras_object(config))
        config.pop("loss", None)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Weighted mean of the per-sample losses plus ``self.losses``; keeps the per-sample losses for the table."""
        per_sample = tf.cast(self.per_sample_loss(y, y_pred), tf.float32)
        object.__setattr__(self, "_per_sample", per_sample)  # read by train_step, same graph
        weighted = per_sample if sample_weight is None else per_sample * tf.cast(sample_weight, tf.float32)
        total = tf.reduce_mean(weighted)
        for extra in self.losses:
            total = total + tf.cast(tf.reduce_sum(extra), tf.float32)
        return total

    def train_step(self, data):
        x, y, indices, weights = self._batch(data)
        logs = super().train_step((x, y, weights))
        per_sample = self._per_sample
        if self.in_graph_sampler is not None:
            self.in_graph_sampler.update(indices, per_sample)
        else:
            written = tf.numpy_function(self._update_table, [indices, per_sample], tf.int64, stateful=True)
            with tf.control_dependencies([written]):
                per_sample = tf.identity(per_sample)
        self.samples_seen.assign_add(tf.cast(tf.shape(per_sample)[0], tf.int64))
        logs = dict(logs)
        logs["samples_seen"] = self.samples_seen.read_value()
        return logs

    def _batch(self, data):
        """``(x, y, indices, weights)`` of this step, from the dataset (host) or drawn in the graph."""
        if self.in_graph_sampler is not None:
            indices, weights = self.in_graph_sampler.next_batch()
            return tf.gather(self._x, indices), tf.gather(self._y, indices), indices, weights
        if not isinstance(data, tuple) or len(data) not in (3, 4):
            raise ValueError(
                "ImportanceSamplingModel.fit expects (x, y, indices) or (x, y, indices, weights) batches: "
                "use wrapped.training_dataset() or generator.as_dataset()"
            )
        weights = data[3] if len(data) == 4 else None
        return data[0], data[1], data[2], weights

    def _update_table(self, indices, losses):
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError("the training loss became NaN or infinite; the loss table was left unchanged")
        self.generator.update(indices, losses)
        return np.int64(indices.size)

    def fit(self, x=None, y=None, **kwargs):
        """As ``keras.Model.fit``, with ``training_seconds`` timed into the logs (``shuffle`` is forced off)."""
        self._require_generator()
        kwargs["shuffle"] = False
        progress = [SamplingProgress(self.generator)] if self.generator is not None else []
        kwargs["callbacks"] = clock_callbacks(self, list(kwargs.get("callbacks") or []) + progress)
        return super().fit(x, y, **kwargs)

    # --------------------------------------------------- saving and resuming
    def get_config(self):
        config = super().get_config()
        if self.loss_name is None:
            loss = keras.saving.get_registered_name(self._loss_arg)
        else:
            loss = self.loss_name
        config.update({
            "model": keras.saving.serialize_keras_object(self.wrapped),
            "loss": loss,
            "from_logits": self.from_logits,
            "backend": self.sampler_backend,
            "sampler_config": self.sampler_config,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        model = keras.saving.deserialize_keras_object(config.pop("model"), custom_objects=custom_objects)
        loss = config.pop("loss")
        if loss not in (None, "sparse_categorical_crossentropy"):
            loss = keras.saving.get_registered_object(loss, custom_objects=custom_objects) or loss
        return cls(model, loss=loss, **config)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """As ``keras.Model.save_weights``; also writes generator state and counters to ``<path>.generator.pkl``."""
        super().save_weights(filepath, overwrite=overwrite, **kwargs)
        state = {
            "samples_seen": int(self.samples_seen.numpy()),
            "training_seconds": self.training_seconds,
            "generator": None if self.generator is None else generator_state(self.generator),
            "in_graph": None if self.in_graph_sampler is None else self.in_graph_sampler.get_state(),
        }
        with open(str(filepath) + _SIDECAR, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)

    def load_weights(self, filepath, **kwargs):
        """As ``keras.Model.load_weights``; also restores the state written by :meth:`save_weights` if present.

        Raises:
            ValueError: the generator state is corrupt or belongs to another dataset or method.
        """
        super().load_weights(filepath, **kwargs)
        sidecar = Path(str(filepath) + _SIDECAR)
        if not sidecar.exists():
            return
        try:
            with open(sidecar, "rb") as f:
                state = pickle.load(f)
        except Exception as err:  # noqa: BLE001 - any unpickling failure means a corrupt file
            raise ValueError(f"the generator state {sidecar} is corrupt or unreadable: {err}") from err
        self.samples_seen.assign(state["samples_seen"])
        self.training_seconds = state["training_seconds"]
        if self.generator is not None and state["generator"] is not None:
            set_generator_state(self.generator, state["generator"])
        if self.in_graph_sampler is not None and state["in_graph"] is not None:
            self.in_graph_sampler.set_state(state["in_graph"])


def _sampler_config_dict(generator) -> dict:
    return dict(generator.sampler_config.to_dict())


def _make_in_graph_sampler(generator):
    from is_keras.sampling.in_graph_sampler import InGraphSampler

    return InGraphSampler(generator.num_samples, batch_size=generator.batch_size,
                          sampler_config=generator.sampler_config, seed=generator.seed)
