"""The training step, written once: forward, per-sample losses, weights, the finite-step guard, the update."""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

from is_keras.training.step_guard import finite_after_gradients


class TrainStep:
    """One optimizer step on a batch, shared by the trainer, the distributed trainer and the ``fit`` wrapper.

    The loss is ``Σ w_i l_i / global_batch`` plus ``model.losses / replicas``. A step whose losses are not all
    finite changes nothing: the update does not run and the non-trainable variables (batch-norm statistics), which
    the forward pass moved, are put back. Two guards:

    * ``"cond"``: the update sits in a ``tf.cond`` (compiles with XLA; its condition waits for every gradient,
      :func:`~is_keras.training.step_guard.finite_after_gradients`). ``write`` runs before the cond and must
      itself change nothing unless ``finite`` (the in-graph table write).
    * ``"gate"``: no control flow (``tf.distribute`` refuses a cond around its all-reduce): the update waits for
      ``write``, which must raise on a failed step (the host table write), or by default for an assertion.
      Under a strategy, a failure on any replica fails every replica.

    Args:
        model: the callable forwarded (a Keras model).
        per_sample_loss: ``(y_true, y_pred) -> (B,)``.
        optimizer: the Keras optimizer (built before tracing: the update may sit in a cond).
        table_score: optional ``(y_true, y_pred, per_sample_loss) -> (B,)`` for the table instead of the loss.
        replicas: replicas in sync (divides ``model.losses``).
        guard: ``"cond"`` or ``"gate"``.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
        >>> optimizer = keras.optimizers.SGD(0.1)
        >>> optimizer.build(model.trainable_variables)
        >>> step = TrainStep(model, keras.losses.sparse_categorical_crossentropy, optimizer)
        >>> out = step(tf.constant([[1.0, 2.0], [float("nan"), 0.0]]), tf.constant([0, 1]), tf.ones([2]))
        >>> bool(out.done), int(optimizer.iterations.numpy())   # a NaN loss: nothing was applied
        (False, 0)
    """

    def __init__(self, model, per_sample_loss, optimizer, *, table_score=None, replicas: int = 1,
                 guard: str = "cond"):
        if guard not in ("cond", "gate"):
            raise ValueError(f"guard must be 'cond' or 'gate', got {guard!r}")
        self.model = model
        self.per_sample_loss = per_sample_loss
        self.optimizer = optimizer
        self.table_score = table_score
        self.replicas = replicas
        self.guard = guard

    def score(self, x, y, y_pred=None, per_sample=None):
        """The batch's table scores: its losses or ``table_score`` (forwarded with ``training=False`` if needed)."""
        if y_pred is None:
            y_pred = self.model(x, training=False)
            per_sample = tf.cast(self.per_sample_loss(y, y_pred), tf.float32)
        if self.table_score is None:
            return per_sample
        return tf.cast(self.table_score(y, y_pred, per_sample), tf.float32)

    def __call__(self, x, y, weights=None, *, global_batch=None, also_finite=None, write=None, on_success=None,
                 on_skip=None):
        """Train on ``(x, y)`` with per-sample ``weights`` (None: all 1).

        Args:
            x, y: the batch.
            weights: loss weights (B,) or None.
            global_batch: the divisor of the weighted sum (default: this batch's size).
            also_finite: a bool tensor that must also be True for the step to count (e.g. candidate scores finite).
            write: ``write(per_sample, scores, finite)``, the table write (see the guards above).
            on_success: ``on_success(per_sample, scores)``, run with the update only.
            on_skip: ``on_skip()``, run instead of the update (``"cond"`` guard).

        Returns:
            A :class:`StepOutputs`.
        """
        model = self.model
        frozen = list(getattr(model, "non_trainable_variables", []))
        saved = [tf.identity(v.value) for v in frozen]
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            per_sample = tf.cast(self.per_sample_loss(y, y_pred), tf.float32)
            weighted = per_sample if weights is None else per_sample * tf.cast(weights, tf.float32)
            divisor = tf.cast(tf.shape(per_sample)[0], tf.float32) if global_batch is None else global_batch
            loss = tf.reduce_sum(weighted) / divisor
            if model.losses:
                loss = loss + tf.add_n([tf.cast(tf.reduce_sum(v), tf.float32) for v in model.losses]) / self.replicas
            scaled = self.optimizer.scale_loss(loss)
        variables = model.trainable_variables
        gradients = tape.gradient(scaled, variables)
        scores = self.score(x, y, y_pred, per_sample)
        finite = tf.logical_and(tf.reduce_all(tf.math.is_finite(per_sample)), tf.math.is_finite(loss))
        if also_finite is not None:
            finite = tf.logical_and(finite, also_finite)

        def apply():
            self.optimizer.apply(gradients, variables)
            if on_success is not None:
                on_success(per_sample, scores)
            return tf.constant(True)

        if self.guard == "gate":
            done = self._gated(apply, finite, frozen, saved, per_sample, scores, write)
        else:
            def restore():
                for variable, value in zip(frozen, saved):
                    variable.assign(value)
                if on_skip is not None:
                    on_skip()
                return tf.constant(False)

            finite = finite_after_gradients(finite, gradients)  # keeps XLA's backward pass out of the cond
            if write is not None:
                write(per_sample, scores, finite)
            done = tf.cond(finite, apply, restore)
        return StepOutputs(per_sample=per_sample, scores=scores, y_pred=y_pred, loss=loss, done=done)

    @staticmethod
    def _gated(apply, finite, frozen, saved, per_sample, scores, write):
        """The update after ``write`` (or an assertion) that stops a failed step, the non-trainables put back first."""
        if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
            failed = tf.cast(tf.logical_not(finite), tf.float32)  # replicas with a non-finite loss, summed
            finite = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, failed) == 0
        restored = [v.assign(tf.where(finite, v.value, value)) for v, value in zip(frozen, saved)]
        with tf.control_dependencies(restored):
            if write is None:
                gate = tf.debugging.Assert(finite, ["non-finite per-sample losses: the step was not applied"])
            else:
                gate = write(per_sample, scores, finite)
        with tf.control_dependencies([gate]):
            return apply()


class StepOutputs(NamedTuple):
    """What a :class:`TrainStep` returns (tensors)."""

    per_sample: tf.Tensor  #: the batch's losses (B,), float32
    scores: tf.Tensor  #: what the table gets: the losses or ``table_score`` (B,)
    y_pred: tf.Tensor  #: the training forward pass's predictions
    loss: tf.Tensor  #: the weighted mean loss (plus ``model.losses``)
    done: tf.Tensor  #: bool: the update was applied
