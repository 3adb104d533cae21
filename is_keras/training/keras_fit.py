"""Importance sampling inside plain Keras ``fit``: a model wrapper whose train step updates the table."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from is_keras.sampling.validation import check_batch_size
from is_keras.training.candidate_step import (
    candidate_table_write,
    in_graph_candidate_write,
    make_selector,
    train_on_candidates,
)
from is_keras.training.checks import check_model_and_data
from is_keras.training.fit_clock import clock_callbacks
from is_keras.training.keras_fit_data import fits_on_device, index_dataset, make_in_graph_sampler
from is_keras.training.keras_fit_state import load_sampling_state, save_sampling_state
from is_keras.training.losses import get_per_sample_loss, loss_name
from is_keras.training.sampler_backend import backend_reason, in_graph_obstacle, resolve_backend
from is_keras.training.sampling_progress import SamplingProgress, warn_if_still_in_first_pass
from is_keras.training.train_step import TrainStep


@keras.saving.register_keras_serializable(package="is_keras")
class ImportanceSamplingModel(keras.Model):
    """Wraps a Keras model so that ``fit(wrapped.training_dataset(), ...)`` does importance sampling.

    Each train step takes its batch (host backend: from the generator; in-graph backend: drawn in the step) and
    runs the one :class:`~is_keras.training.train_step.TrainStep`, then ``compute_metrics``. A step whose losses are
    not all finite changes nothing: the host backend raises ``FloatingPointError``, the in-graph backend skips it
    (``skipped_steps``, loss logged as NaN). Candidate methods train the B of C their selector picks. Logs carry
    ``samples_seen``, ``skipped_steps`` and ``training_seconds``. Only the in-graph backend compiles with XLA
    (``backend="auto"`` with ``jit_compile=True`` moves to it). ``save`` / ``load_model`` round-trip the model,
    loss and :attr:`sampler_config` (not the data: :meth:`attach` a generator); ``save_weights`` / ``load_weights``
    (so ``BackupAndRestore``) also keep the generator's state and counters (``<path>.generator.pkl``).

    Args:
        model: the Keras model to train.
        generator: the :class:`~is_keras.sampling.ImportanceBatchGenerator` (``None`` for a loaded model).
        loss: per-sample loss: a name or a callable ``(y_true, y_pred) -> (B,)``.
        from_logits: the model outputs logits (built-in loss names only).
        backend: ``"auto"`` (default), ``"host"`` or ``"in-graph"`` (``"auto"``:
            :func:`~is_keras.training.sampler_backend.resolve_backend`).
        sampler_config: the sampler configuration dict (set from the generator when there is one).

    Raises:
        ValueError: for bad labels, non-finite inputs, outputs that are not probabilities, or an unknown backend.

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
        #: steps skipped because a per-sample loss was NaN or infinite (in-graph backend; the host backend raises)
        self.skipped_steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="skipped_steps")
        self.training_seconds = 0.0
        self.sampler_config = dict(sampler_config) if sampler_config is not None else None
        self.generator = None
        self.in_graph_sampler = None
        self.data_on_device = False
        self._x = self._y = None
        self._failure = None
        self.selector = None
        #: host backend: the dataset indices of the samples the last step trained on (the selected B of C)
        self.last_trained_indices = None
        if generator is not None:
            self.attach(generator)
        if getattr(model, "built", False):
            self.built = True

    # ------------------------------------------------------------ data side
    def attach(self, generator, backend: str | None = None) -> None:
        """Use ``generator`` (its data, table and sampler) for training; checks model and data first.

        Raises: ValueError: for bad labels, non-finite inputs, outputs that are not probabilities, an unknown backend.
        """
        check_batch_size(generator.batch_size, generator.num_samples)  # B <= N, before any work
        requested = backend or self.sampler_backend or getattr(generator, "backend", None) or "auto"
        backend = resolve_backend(requested, generator)
        self.requested_backend = requested
        self.backend_choice = f"sampler backend {backend!r}" + (
            f" (chosen by backend='auto': {backend_reason(generator)})" if requested == "auto" else "")
        check_model_and_data(self.wrapped, generator.x, generator.y, classification=self.loss_name is not None,
                             from_logits=self.from_logits, scan_inputs=isinstance(generator.x, np.ndarray))
        self.generator = generator
        self.sampler_backend = backend
        self.sampler_config = dict(generator.sampler_config.to_dict())
        self.supports_jit = backend == "in-graph"
        self.in_graph_sampler = make_in_graph_sampler(generator) if backend == "in-graph" else None
        self.selector = make_selector(generator)
        # in-memory data lives on the device, the step gathers its rows (in-graph always; host under the limit)
        self.data_on_device = backend == "in-graph" or fits_on_device(generator)
        self._x = tf.constant(generator.x) if self.data_on_device else None
        self._y = tf.constant(np.asarray(generator.y)) if self.data_on_device else None

    @property
    def loss_table(self) -> np.ndarray:
        """The current loss table (from the in-graph sampler's variable or the generator), shape (N,)."""
        if self.in_graph_sampler is not None:
            return self.in_graph_sampler.table.numpy().astype(np.float64)
        self._require_generator()
        return np.array(self.generator.loss_table)

    def training_dataset(self, prefetch: int = 0):
        """The dataset to pass to ``fit``: a placeholder when the step draws or asks for its own batch (in-graph
        backend; data on the device with ``prefetch=0``), else index batches (data on the device) or
        ``generator.as_dataset()``'s rows. ``prefetch=0`` keeps runs bit-for-bit repeatable and resumable."""
        self._require_generator()
        if self.sampler_backend == "in-graph":
            return _placeholder_dataset(tf.zeros((), tf.int32))
        if self.data_on_device and not prefetch:
            return _placeholder_dataset({"draw": tf.zeros((), tf.int32)})
        if self.data_on_device:
            return index_dataset(self.generator, prefetch)
        return self.generator.as_dataset(prefetch=prefetch)

    def _require_generator(self):
        if self.generator is None:
            raise ValueError("this ImportanceSamplingModel has no generator: call attach(generator) before training")

    # ---------------------------------------------------------------- Keras
    def call(self, inputs, training=None):
        return self.wrapped(inputs, training=training)

    def compile(self, optimizer="adam", loss=None, jit_compile="auto", **kwargs):
        """As ``keras.Model.compile``; the loss is the wrapper's per-sample loss (give it to the constructor).

        Raises: ValueError: for ``loss=`` here, or ``jit_compile=True`` with the host backend.
        """
        if loss is not None:
            raise ValueError("give the per-sample loss to ImportanceSamplingModel(..., loss=...), not to compile()")
        if (jit_compile is True and self.sampler_backend != "in-graph" and self.generator is not None
                and getattr(self, "requested_backend", None) == "auto" and in_graph_obstacle(self.generator) is None):
            self.attach(self.generator, backend="in-graph")  # backend="auto" + XLA: the in-graph backend
            self.backend_choice = "sampler backend 'in-graph' (chosen by backend='auto' for jit_compile=True)"
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
        """Weighted mean of the per-sample losses plus ``self.losses`` (evaluation; training: :class:`TrainStep`)."""
        per_sample = tf.cast(self.per_sample_loss(y, y_pred), tf.float32)
        weighted = per_sample if sample_weight is None else per_sample * tf.cast(sample_weight, tf.float32)
        total = tf.reduce_mean(weighted)
        for extra in self.losses:
            total = total + tf.cast(tf.reduce_sum(extra), tf.float32)
        return total

    def train_step(self, data):
        """One :class:`TrainStep` on this step's batch; the table write is the in-graph sampler's (itself guarded)
        or a host ``tf.numpy_function`` that raises ``FloatingPointError`` on a failed step before the update."""
        x, y, indices, weights = self._batch(data)
        in_graph = self.in_graph_sampler is not None
        step = TrainStep(self.wrapped, self.per_sample_loss, self.optimizer, guard="cond" if in_graph else "gate")
        if self.selector is not None:
            return self._candidate_train_step(step, x, y, indices)

        def write(per_sample, scores, finite):
            if in_graph:  # changes nothing unless finite
                return self.in_graph_sampler.update(indices, scores, apply=finite)
            return tf.numpy_function(self._update_table, [indices, scores, finite], tf.int64, stateful=True)

        outputs = step(x, y, weights, write=write, on_success=self._count_trained, on_skip=self._count_skipped)
        return self._step_logs(x, y, outputs.y_pred, weights, outputs.loss, outputs.done)

    def _candidate_train_step(self, step, x, y, indices) -> dict:
        """A candidate method's step: score the C candidates, select B with :attr:`selector`, train on them."""
        def write(did_score, candidate_scores, positions, scores, finite):
            if self.in_graph_sampler is not None:  # changes nothing unless finite
                return in_graph_candidate_write(self.in_graph_sampler.table, indices, did_score, candidate_scores,
                                                positions, scores, finite)
            return tf.numpy_function(self._update_candidate_table,
                                     [indices, did_score, candidate_scores, positions, scores, finite],
                                     tf.int64, stateful=True)

        _, _, positions, weights, outputs = train_on_candidates(step, self.selector, x, y, write=write,
                                                                on_success=self._count_trained,
                                                                on_skip=self._count_skipped)
        trained_x, trained_y = tf.gather(x, positions), tf.gather(y, positions)
        return self._step_logs(trained_x, trained_y, outputs.y_pred, weights, outputs.loss, outputs.done)

    def _count_trained(self, per_sample, scores):
        self.samples_seen.assign_add(tf.cast(tf.shape(per_sample)[0], tf.int64))

    def _count_skipped(self):
        self.skipped_steps.assign_add(1)

    def _step_logs(self, x, y, y_pred, weights, loss, done):
        self._track_loss(tf.where(done, loss, tf.constant(np.nan, loss.dtype)), tf.shape(y_pred)[0])
        logs = dict(self.compute_metrics(x, y, y_pred, sample_weight=weights))
        logs["samples_seen"] = self.samples_seen.read_value()
        logs["skipped_steps"] = self.skipped_steps.read_value()
        return logs

    def test_step(self, data):
        """Keras's evaluation step on ``(x, y[, sample_weight])``, the loss being this wrapper's mean loss."""
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._track_loss(loss, tf.shape(tf.nest.flatten(x)[0])[0])
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def _track_loss(self, loss, size):
        for metric in self.metrics:  # the loss tracker, as in Keras's guide to a custom train_step
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=size)

    def _batch(self, data):
        """``(x, y, indices, weights)`` of this step, from the dataset (host) or drawn in the graph."""
        if self.in_graph_sampler is not None:
            indices, weights = self.in_graph_sampler.next_batch()
            return tf.gather(self._x, indices), tf.gather(self._y, indices), indices, weights
        if isinstance(data, dict) and ("indices" in data or "draw" in data):  # training_dataset(), data on device
            if self._x is None:
                raise ValueError("index-only batches need the data on the device (data_on_device)")
            if "draw" in data:  # the step asks the generator for its batch (no tf.data stream)
                indices, weights = tf.numpy_function(self._draw_batch, [], [tf.int64, tf.float32], stateful=True)
                size = getattr(self.generator, "candidates_per_step", self.generator.batch_size)
                indices.set_shape((size,))
                weights.set_shape((size,))
                weights = weights if self.generator.weighted else None
            else:
                indices, weights = data["indices"], data.get("weights")
            return tf.gather(self._x, indices), tf.gather(self._y, indices), indices, weights
        if not isinstance(data, tuple) or len(data) not in (3, 4):
            raise ValueError("ImportanceSamplingModel.fit expects (x, y, indices) or (x, y, indices, weights) "
                             "batches: use wrapped.training_dataset() or generator.as_dataset()")
        weights = data[3] if len(data) == 4 else None
        return data[0], data[1], data[2], weights

    def _draw_batch(self):
        indices, weights = self.generator.next_batch()
        return np.asarray(indices, np.int64), np.asarray(weights, np.float32)

    def _update_table(self, indices, losses, done):
        """Host backend: write the step's losses into the table; ``FloatingPointError`` if not ``done``."""
        if not done:
            step = self.generator.num_updates + 1
            self._failure = FloatingPointError(
                f"step {step} (update {step} of the loss table): the training loss became NaN or infinite; the "
                "weights, the optimizer, the loss table and samples_seen were left unchanged")
            raise self._failure
        self.generator.update(indices, losses)
        self.last_trained_indices = np.array(indices)
        return np.int64(indices.size)

    def _update_candidate_table(self, indices, did_score, candidate_scores, positions, losses, done):
        """Host backend, candidate method: the C scores with the B trained losses over them (or only the B)."""
        if not done:
            return self._update_table(indices, losses, done)  # raises
        table_indices, table_scores = candidate_table_write(indices, did_score, candidate_scores, positions, losses)
        self.generator.update(table_indices, table_scores)
        self.last_trained_indices = np.array(indices[positions])
        return np.int64(positions.size)

    def fit(self, x=None, y=None, **kwargs):
        """As ``keras.Model.fit``, with ``training_seconds`` timed into the logs (``shuffle`` is forced off)."""
        self._require_generator()
        kwargs["shuffle"] = False
        progress = [SamplingProgress(self.generator)] if self.generator is not None else []
        kwargs["callbacks"] = clock_callbacks(self, progress + list(kwargs.get("callbacks") or []))  # logs first
        self._build_for_fit()
        self._failure = None
        if kwargs.get("verbose", "auto") != 0:
            print(f"ImportanceSamplingModel: {self.backend_choice}", flush=True)
        try:
            history = super().fit(x, y, **kwargs)
        except tf.errors.OpError as err:
            failure, self._failure = self._failure, None
            if failure is not None:
                raise failure from err
            raise
        history.params["sampler_backend"] = self.sampler_backend
        if self.in_graph_sampler is not None:  # the generator the user holds shows the table the step wrote
            self.generator.set_loss_table(self.loss_table)
        warn_if_still_in_first_pass(self.loss_table, self.generator.method,
                                    has_first_pass=not getattr(self.generator, "selects_candidates", False))
        return history

    def _build_for_fit(self):
        """Build model, metrics and optimizer on one sample before tracing (batches may carry only indices, and
        no variable may be created in the update's ``tf.cond``)."""
        if getattr(self, "optimizer", None) is None:
            return  # not compiled: Keras's fit says so
        x1 = self.generator.x[:1]
        y1 = np.asarray(self.generator.y[:1])
        y_pred = self(x1, training=False)
        self.compute_metrics(x1, y1, y_pred)
        self.reset_metrics()
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    # --------------------------------------------------- saving and resuming
    def get_config(self):
        config = super().get_config()
        loss = self.loss_name if self.loss_name is not None else keras.saving.get_registered_name(self._loss_arg)
        config.update({"model": keras.saving.serialize_keras_object(self.wrapped), "loss": loss,
                       "from_logits": self.from_logits, "backend": self.sampler_backend,
                       "sampler_config": self.sampler_config})
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
        save_sampling_state(self, filepath)

    def load_weights(self, filepath, **kwargs):
        """As ``keras.Model.load_weights``; also restores the state written by :meth:`save_weights` if present.

        Raises: ValueError: the generator state is corrupt or belongs to another dataset or method.
        """
        super().load_weights(filepath, **kwargs)
        load_sampling_state(self, filepath)


def _placeholder_dataset(element):
    """``element`` repeated forever, for a step that draws its own batch (no autotuning: its thread took up to 2 s
    to stop when ``fit`` released the iterator)."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.from_tensors(element).repeat().with_options(options)
