"""The GradientTape training loop that keeps the loss table current."""

from __future__ import annotations

import concurrent.futures
import contextlib
import time

import keras
import numpy as np
import tensorflow as tf

from is_keras.sampling.validation import check_batch_size
from is_keras.training.candidate_step import candidate_table_write, make_selector, train_on_candidates
from is_keras.training.checks import check_finite_inputs, check_model_and_data
from is_keras.training.fit_loop import fit_loop
from is_keras.training.keras_fit_data import fits_on_device
from is_keras.training.losses import get_per_sample_loss, loss_name
from is_keras.training.train_step import TrainStep


class ImportanceTrainer:
    """Trains a Keras model on batches chosen by an :class:`ImportanceBatchGenerator`.

    Each step is one :class:`~is_keras.training.train_step.TrainStep`: one forward pass gives per-sample losses
    whose weighted mean drives the update and which go into the loss table before the next draw. A step whose
    losses are not finite changes nothing and raises ``FloatingPointError``; the batch is trained first next time.
    ``fit`` behaves like ``Model.fit`` for Keras callbacks (the model is compiled with the trainer's optimizer and
    loss). In-memory arrays under 2 GiB are copied to the device once; others are gathered on the host
    (``prefetch``: by a background thread, at most one step stale). Candidate methods train the B of C that
    :attr:`selector` picks (:func:`~is_keras.training.candidate_step.train_on_candidates`); ``samples_seen`` and
    ``last_trained_indices`` count the B.

    Args:
        model, generator: a Keras model; the :class:`~is_keras.sampling.ImportanceBatchGenerator`.
        loss: ``"sparse_categorical_crossentropy"`` or a callable ``(y_true, y_pred) -> (B,)`` (one loss per sample).
        from_logits: the model outputs logits (built-in loss names only).
        optimizer, learning_rate: a Keras optimizer or its name (default Adam); the rate for a name.
        metrics: Keras metrics for ``validation_data`` (e.g. ``["accuracy"]``).
        table_score: optional ``(y_true, y_pred, per_sample_loss) -> (B,)`` written to the table instead of the loss.
        jit_compile, mixed_precision: compile the step with XLA; float16 compute with dynamic loss scaling.
        data_on_device: keep ``x`` and ``y`` on the device (default: in-memory arrays under 2 GiB).
        prefetch: on the host-gather path, read the next batch in a background thread.
    Raises:
        ValueError: for an unknown loss, a mixed-precision request on a float32 model, bad labels, non-finite
            inputs or outputs that are not probabilities.
    Example:
        >>> import numpy as np, keras
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> y = np.arange(64) % 3
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        >>> trainer = ImportanceTrainer(model, ImportanceBatchGenerator(x, y, batch_size=16), learning_rate=0.01)
        >>> history = trainer.fit(epochs=2, validation_data=(x, y))
        >>> trainer.samples_seen, sorted(history.history)
        (128, ['loss', 'samples_seen', 'training_seconds', 'val_loss'])
    """

    _replicas = 1
    _guard_step = True  # skip the update inside the compiled step when the losses are not finite

    def __init__(self, model, generator, *, loss="sparse_categorical_crossentropy", from_logits: bool = False,
                 optimizer="adam", learning_rate: float = 1e-3, metrics=None, table_score=None,
                 jit_compile: bool = False, data_on_device: bool | None = None, mixed_precision: bool = False,
                 prefetch: bool = True):
        self.model = model
        self.generator = generator
        check_batch_size(generator.batch_size, generator.num_samples)  # B <= N, before any work
        self.loss = get_per_sample_loss(loss, from_logits=from_logits)
        self.from_logits = bool(from_logits)
        self.mixed_precision = bool(mixed_precision)
        if self.mixed_precision:
            _check_mixed_model(model)
        self.table_score = table_score
        self.jit_compile = bool(jit_compile)
        self.samples_seen = 0
        self.training_seconds = 0.0
        self.trace_seconds = 0.0  # one-time tf.function tracing, kept off the training clock
        self._traced = False
        self.steps_done = 0
        self.data_on_device = fits_on_device(generator) if data_on_device is None else bool(data_on_device)
        self.prefetch = bool(prefetch) and not self.data_on_device
        check_model_and_data(model, generator.x, generator.y, classification=loss_name(loss) is not None,
                             from_logits=self.from_logits, scan_inputs=self.data_on_device)
        with self._scope():  # the optimizer (for LR callbacks) and loss (for validation_data) go to the model
            self.optimizer = self._make_optimizer(optimizer, learning_rate)
            self.model.compile(optimizer=self.optimizer, loss=self.loss, metrics=metrics, jit_compile=False)
        self._pending = None  # (indices, weights, future of their gathered rows) on the prefetching path
        self._retry = None  # (indices, weights) of a failed step, trained first next time
        self._pool = None
        self.selector = self._make_selector(generator)
        self.last_trained_indices = None
        self._build_step()

    def _make_selector(self, generator):
        """The :class:`CandidateSelector` of a candidate method, else None."""
        if getattr(generator, "selects_candidates", False) and not self._guard_step:
            raise ValueError(f"method {generator.method!r} selects from candidates inside a guarded single-device "
                             "step; use ImportanceTrainer, not a distributed trainer")
        return make_selector(generator)

    def _make_optimizer(self, optimizer, learning_rate):
        if isinstance(optimizer, str):
            optimizer = keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
        if self.mixed_precision and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def _scope(self):
        """Where variables are made (the distributed trainer's strategy scope)."""
        return contextlib.nullcontext()

    def _build_step(self):
        with self._scope():  # before tracing: the step may skip the update
            self.optimizer.build(self.model.trainable_variables)
        self.training_step = TrainStep(self.model, self.loss, self.optimizer, table_score=self.table_score,
                                       replicas=self._replicas, guard="cond" if self._guard_step else "gate")
        step = self._step if self.selector is None else self._candidate_step
        if self.data_on_device:
            self._x = tf.constant(self.generator.x)
            self._y = tf.constant(self.generator.y)
            self._compiled_step = tf.function(lambda indices, weights: step(
                tf.gather(self._x, indices), tf.gather(self._y, indices), weights), jit_compile=self.jit_compile)
        else:
            self._compiled_step = tf.function(step, jit_compile=self.jit_compile)

    # ------------------------------------------------------------ one step
    def _step(self, x, y, weights):
        outputs = self.training_step(x, y, weights)
        return outputs.per_sample, outputs.scores

    def _candidate_step(self, x, y, weights):
        """The selection stage, then the step: ``(scored, candidate scores, positions, losses, scores)``."""
        del weights  # all 1 for candidates: the selector weights the B
        did_score, scores, positions, _, outputs = train_on_candidates(self.training_step, self.selector, x, y)
        return did_score, scores, positions, outputs.per_sample, outputs.scores

    def _trace_step(self, indices) -> None:
        """Trace the compiled step for this batch's signature without running it (kept off the clock)."""
        weights = tf.TensorSpec((indices.size,), tf.float32)
        if self.data_on_device:
            self._compiled_step.get_concrete_function(tf.TensorSpec(indices.shape, tf.as_dtype(indices.dtype)), weights)
        else:
            data = self.generator.x, np.asarray(self.generator.y)  # shapes and dtypes only; no rows are read
            self._compiled_step.get_concrete_function(
                *(tf.TensorSpec((indices.size, *a.shape[1:]), tf.as_dtype(a.dtype)) for a in data), weights)

    def _run_step(self, indices, weights):
        """Train on the batch ``indices`` with loss ``weights``: ``(trained losses, table indices, table scores,
        all finite)`` (a candidate method's table write: :func:`candidate_table_write`)."""
        if self.data_on_device:
            outputs = self._compiled_step(indices, weights)
        else:
            x, y = self._host_batch(indices)
            check_finite_inputs(x, name="x (training batch)")
            outputs = self._compiled_step(x, y, weights)
        if self.selector is None:
            per_sample = outputs[0].numpy()
            scores = per_sample if self.table_score is None else outputs[1].numpy()
            self.last_trained_indices = indices
            return per_sample, indices, scores, bool(np.all(np.isfinite(per_sample)))
        did_score, candidate_scores, positions, per_sample, scores = (np.asarray(value) for value in outputs)
        finite = bool(np.all(np.isfinite(per_sample)) and (not did_score or np.all(np.isfinite(candidate_scores))))
        self.last_trained_indices = indices[positions]
        table_indices, table_scores = candidate_table_write(indices, did_score, candidate_scores, positions, scores)
        return per_sample, table_indices, table_scores, finite

    def _next_batch(self):
        """``(indices, weights)`` of the batch to train on now."""
        if self._retry is not None:
            return self._retry
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
            self._pending = None
        else:
            batch = generator.gather(indices)
        if self._pending is None:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="is_keras_gather")
            upcoming, weights = generator.next_batch()  # drawn before this step's update: at most one step stale
            self._pending = (upcoming, weights, self._pool.submit(generator.gather, upcoming))
        return batch

    def train_step(self) -> dict:
        """Draw a batch, train on it, update the loss table; return the step's logs.

        Raises:
            FloatingPointError: the losses were NaN or infinite (nothing was changed).
            ValueError: a host-gathered batch holds NaN or infinite inputs.
        """
        start = time.perf_counter()
        indices, weights = self._next_batch()
        self._retry = (indices, weights)  # until the step succeeds
        if not self._traced:
            paused = time.perf_counter()
            self._trace_step(indices)
            self._traced = True
            self.trace_seconds = time.perf_counter() - paused
            start += self.trace_seconds
        per_sample, table_indices, scores, finite = self._run_step(indices, weights)
        if not finite:
            raise FloatingPointError(f"the training loss became NaN or infinite at step {self.steps_done + 1} (the "
                                     "inputs were checked and are finite; try a lower learning rate); the loss table "
                                     "was left unchanged, and so were the weights, batch-norm statistics, optimizer "
                                     "state and generator position")
        self.generator.update(table_indices, scores)
        self._retry = None
        self.training_seconds += time.perf_counter() - start
        self.samples_seen += per_sample.size  # B per step (a candidate method forwards C more without training)
        self.steps_done += 1
        return {
            "loss": float(per_sample.mean()),
            "samples_seen": self.samples_seen,
            "training_seconds": self.training_seconds,
        }

    # ------------------------------------------------------------------ fit
    def fit(self, epochs: int = 1, *, steps_per_epoch: int | None = None, callbacks=None, validation_data=None,
            validation_batch_size: int = 256, backup_dir=None, backup_every: int | None = None, verbose=0):
        """Train for ``epochs`` epochs; Keras callbacks get the ``Model.fit`` hooks with ``loss``, ``samples_seen``,
        ``training_seconds`` (training steps only, no tracing) and ``val_*`` logs; ``model.stop_training`` stops.

        Args:
            epochs: number of epochs (>= 0).
            steps_per_epoch: steps per epoch (default ``generator.steps_per_epoch``).
            callbacks: Keras callbacks.
            validation_data: ``(x_val, y_val)`` evaluated with ``model.evaluate`` after every epoch.
            validation_batch_size: batch size of that evaluation.
            backup_dir: save the whole run state there (weights, optimizer, table, sampler, RNG, counters,
                position) and resume from it if it exists.
            backup_every: steps between backups (default: once per epoch).
            verbose: show a Keras progress bar.

        Returns:
            the ``keras.callbacks.History`` of per-epoch logs.
        Raises: ValueError: for a bad ``epochs`` or a backup from another run.
        """
        return fit_loop(self, epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks,
                        validation_data=validation_data, validation_batch_size=validation_batch_size,
                        backup_dir=backup_dir, backup_every=backup_every, verbose=verbose)


def _check_mixed_model(model) -> None:
    policy = getattr(model, "dtype_policy", None)
    compute = getattr(policy, "compute_dtype", None)
    if compute not in ("float16", "bfloat16"):
        layer_dtypes = {getattr(layer, "compute_dtype", None) for layer in getattr(model, "layers", [])}
        if not layer_dtypes & {"float16", "bfloat16"}:
            raise ValueError("mixed_precision=True needs a model built under a mixed precision policy, but every "
                             "layer computes in float32; call keras.mixed_precision.set_global_policy("
                             "'mixed_float16') before building the model")
