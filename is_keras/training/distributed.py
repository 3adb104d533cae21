"""Data-parallel importance sampling with ``tf.distribute``: one global loss table, many replicas."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from is_keras.training.trainer import ImportanceTrainer


class DistributedImportanceTrainer(ImportanceTrainer):
    """:class:`ImportanceTrainer` over the replicas of a ``tf.distribute`` strategy.

    One loss table for the whole training set. Every worker holds the same data and a generator with the same seed
    and writes the same losses, so all draw the same **global** batch without communicating; replica ``r`` of ``R``
    trains on ``indices[r*b:(r+1)*b]`` (``b = batch_size / R``) with its loss summed over the global batch size (the
    all-reduced gradient is the single-device one), and the losses are all-gathered back in the order of ``indices``.
    For ``MirroredStrategy`` and ``MultiWorkerMirroredStrategy`` (one process per worker, same ``TF_CONFIG``); build
    the model inside ``strategy.scope()``. Batch-norm statistics are per replica (unless ``synchronized=True``); no
    XLA.

    Args:
        model: a Keras model whose variables were created under ``strategy.scope()``.
        generator: the :class:`~is_keras.sampling.ImportanceBatchGenerator` (same data and seed on every worker);
            its ``batch_size`` a multiple of ``strategy.num_replicas_in_sync``.
        strategy, **kwargs: the ``tf.distribute.Strategy``; as for :class:`ImportanceTrainer` (no ``jit_compile``).
    Example:
        >>> import numpy as np, keras
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> strategy = tf.distribute.get_strategy()  # e.g. tf.distribute.MirroredStrategy() with several devices
        >>> with strategy.scope():
        ...     model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4, seed=0)
        >>> trainer = DistributedImportanceTrainer(model, gen, strategy)
        >>> _ = trainer.fit(epochs=1)
        >>> trainer.samples_seen
        8
    """

    def __init__(self, model, generator, strategy, **kwargs):
        if not isinstance(strategy, tf.distribute.Strategy):
            raise ValueError(f"strategy must be a tf.distribute.Strategy, got {type(strategy).__name__}")
        if kwargs.get("jit_compile"):
            raise ValueError("jit_compile=True is not supported by DistributedImportanceTrainer")
        replicas = int(strategy.num_replicas_in_sync)
        if generator.batch_size % replicas:
            raise ValueError(f"batch_size {generator.batch_size} is not a multiple of the {replicas} replicas of the "
                             "strategy")
        unscoped = [v.path for v in model.variables if not _created_in_scope(strategy, v)]
        if unscoped:
            raise ValueError(f"the model's variables were not created under strategy.scope() (e.g. {unscoped[0]}); "
                             "build the model inside `with strategy.scope():`")
        self.strategy = strategy
        self._replicas = replicas
        self._per_replica = generator.batch_size // replicas
        super().__init__(model, generator, **kwargs)

    _guard_step = False  # no tf.cond around merge_call (strategies refuse it): a failed step raises before the update

    def _scope(self):
        return self.strategy.scope()  # the optimizer's slots must be mirrored variables too

    def _build_step(self):
        super()._build_step()
        self._compiled_step = tf.function(self._distributed_step)

    def _trace_step(self, indices) -> None:
        """No separate tracing: under a strategy the first step traces (its time is counted)."""

    def _distributed_step(self, indices, weights, x, y):
        return self.strategy.run(self._replica_step, args=(indices, weights, x, y))

    def _replica_step(self, indices, weights, x, y):
        context = tf.distribute.get_replica_context()
        start = context.replica_id_in_sync_group * self._per_replica
        local = tf.range(start, start + self._per_replica)
        if self.data_on_device:
            local_indices = tf.gather(indices, local)
            x_local, y_local = tf.gather(self._x, local_indices), tf.gather(self._y, local_indices)
        else:
            x_local, y_local = tf.gather(x, local), tf.gather(y, local)
        global_batch = float(self._per_replica * self._replicas)
        outputs = self.training_step(x_local, y_local, tf.gather(weights, local), global_batch=global_batch)
        per_sample, scores = outputs.per_sample, outputs.scores
        # back to the order of `indices`: replica r's slice is the r-th block
        return context.all_gather(per_sample, axis=0), context.all_gather(scores, axis=0)

    def _run_step(self, indices, weights):
        indices_tensor = tf.constant(indices, dtype=tf.int64)
        if self.data_on_device:
            x, y = tf.zeros(()), tf.zeros(())
        else:
            x, y = self._host_batch(indices)
        try:
            per_sample, scores = self._compiled_step(indices_tensor, tf.constant(weights, dtype=tf.float32), x, y)
        except tf.errors.InvalidArgumentError as error:
            if "non-finite per-sample losses" not in str(error):
                raise
            return np.full(len(indices), np.nan), indices, None, False  # nothing changed: train_step raises
        per_sample = _first_local(self.strategy, per_sample).numpy()
        scores = per_sample if self.table_score is None else _first_local(self.strategy, scores).numpy()
        self.last_trained_indices = indices
        return per_sample, indices, scores, bool(np.all(np.isfinite(per_sample)))


def _first_local(strategy, value):
    return strategy.experimental_local_results(value)[0]


def _created_in_scope(strategy, variable) -> bool:
    value = getattr(variable, "value", variable)
    try:
        return bool(strategy.extended.variable_created_in_scope(value))
    except (TypeError, ValueError, AttributeError):
        return True  # cannot tell: let tf.distribute raise later if it matters
