"""The importance batch generator: a loss table, a sampler, and a ``tf.data`` face."""

from __future__ import annotations

import threading

import numpy as np

from is_keras.sampling.probabilistic import validate_exponent
from is_keras.sampling.registry import make_sampler
from is_keras.sampling.reweighting import check_reweightable, importance_weights
from is_keras.sampling.validation import check_batch_size, check_dataset, check_update


class ImportanceBatchGenerator:
    """Draws training batches from a loss table that is updated after every step.

    The table holds one loss per sample. It starts at ``inf`` for every sample
    ("far above any loss", thesis §4.1.3), and the **first pass visits every
    sample exactly once** in a random order, whatever the method; the
    last, partial batch of that pass is completed with distinct, already
    visited samples drawn uniformly. From then on the chosen ``method`` draws:

    * ``"nis"``: uniform, without replacement, a fresh permutation every epoch;
    * ``"is-probabilistic"``: i.i.d. with ``p_i ∝ L_i ** exponent`` (sum tree);
    * ``"is-randomsubset"``: the ``batch_size`` highest losses of a random
      subset of ``subset_fraction * N`` samples;
    * ``"is-highsubset"``: i.i.d. ``∝ L ** exponent`` among the
      ``subset_size`` highest losses.

    Args:
        x: inputs, an array (or ``np.memmap``) of shape ``(N, ...)``.
        y: 1-D integer labels (classification) or per-sample target arrays.
        batch_size: samples per batch (>= 1).
        method: one of ``"nis"``, ``"is-probabilistic"``, ``"is-randomsubset"``,
            ``"is-highsubset"``.
        exponent: loss exponent ``w >= 0`` (probabilistic and highsubset).
        subset_fraction: subset size of is-randomsubset as a fraction of N.
        subset_size: subset size of is-highsubset.
        seed: seeds the first-pass order and every draw.
        initial_losses: optional starting table of N finite losses >= 0
            (warm start or resumption); the uniform first pass is skipped.
        unbiased: if True, :meth:`next_batch` returns importance weights
            ``1 / (N p_i)`` that make the weighted batch loss an unbiased
            estimate of the full-data loss (``"nis"`` and ``"is-probabilistic"``
            only). The default, False, is the thesis's biased scheme (weights 1).
        uniform_mix: ``"is-probabilistic"`` only: the share λ of draws made
            uniformly, ``p_i = (1 - λ) L_i^w / sum L^w + λ / N``; bounds unbiased
            weights by ``1 / λ`` (use e.g. 0.1–0.3 with ``unbiased=True``).

    Example:
        >>> x = np.random.rand(1000, 8, 8, 1).astype("float32")
        >>> y = np.random.randint(0, 10, size=1000)
        >>> gen = ImportanceBatchGenerator(x, y, batch_size=32, seed=0)
        >>> idx = gen.next_indices()
        >>> gen.update(idx, np.ones(32))
        >>> gen.loss_table.shape
        (1000,)
    """

    def __init__(
        self,
        x,
        y,
        batch_size: int = 256,
        method: str = "is-probabilistic",
        exponent: float = 1.0,
        subset_fraction: float = 0.1,
        subset_size: int = 1000,
        seed: int | None = 0,
        initial_losses=None,
        unbiased: bool = False,
        uniform_mix: float = 0.0,
    ):
        self.num_samples = check_dataset(x, y)
        self.batch_size = check_batch_size(batch_size)
        self.x = x
        self.y = y
        self.method = method
        self.seed = seed
        self._sampler = make_sampler(method, exponent, subset_fraction, subset_size, uniform_mix)
        self.unbiased = bool(unbiased)
        if self.unbiased:
            check_reweightable(method)
        self._rng = np.random.default_rng(seed)
        self._lock = threading.RLock()
        self.num_updates = 0
        if initial_losses is None:
            self._table = np.full(self.num_samples, np.inf, dtype=np.float64)
            self._first_pass_order = self._rng.permutation(self.num_samples).astype(np.int64)
        else:
            self._table = _as_table(initial_losses, self.num_samples).copy()
            self._first_pass_order = np.empty(0, dtype=np.int64)
        self._first_pass_cursor = 0
        self._sampler.bind(self._table)

    # ------------------------------------------------------------------ state
    @property
    def loss_table(self) -> np.ndarray:
        """The current table, a read-only view of shape (N,); ``inf`` = not visited yet."""
        view = self._table.view()
        view.flags.writeable = False
        return view

    @property
    def in_first_pass(self) -> bool:
        """True until every sample has been handed out once."""
        return self._first_pass_cursor < self._first_pass_order.size

    @property
    def steps_per_epoch(self) -> int:
        """Batches needed to see N samples: ``ceil(N / batch_size)``."""
        return -(-self.num_samples // self.batch_size)

    @property
    def sampler(self):
        """The sampling method's object (see :mod:`is_keras.sampling`)."""
        return self._sampler

    @property
    def exponent(self) -> float | None:
        """The loss exponent; setting it rebuilds the sampler's structure once."""
        return getattr(self._sampler, "exponent", None)

    @exponent.setter
    def exponent(self, value: float) -> None:
        if not hasattr(self._sampler, "exponent"):
            raise ValueError(f"method {self.method!r} has no loss exponent")
        value = validate_exponent(value)
        with self._lock:
            self._sampler.exponent = value

    # --------------------------------------------------------------- drawing
    def next_indices(self) -> np.ndarray:
        """The indices of the next batch, an int64 array of shape ``(batch_size,)``."""
        with self._lock:
            if self.in_first_pass:
                batch = np.array(self._next_first_pass_indices())
                if not self.in_first_pass:  # the pass is over: free its N-sized visiting order
                    self._first_pass_order = np.empty(0, dtype=np.int64)
                    self._first_pass_cursor = 0
                return batch
            return self._sampler.sample(self.batch_size, self._rng)

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next batch's indices and their float32 loss weights.

        The weights are 1 unless the generator is ``unbiased``; then they are
        ``1 / (N p_i)`` with ``p_i`` the probability the draw had under the
        table it was drawn from (1 during the uniform first pass).

        Example:
            >>> gen = ImportanceBatchGenerator(x, y, batch_size=32, unbiased=True)
            >>> idx, weights = gen.next_batch()
            >>> loss = np.mean(weights * per_sample_losses)   # unbiased for the mean loss over the data
        """
        with self._lock:  # re-entrant: the draw and its probabilities see the same table
            first_pass = self.in_first_pass
            indices = self.next_indices()
            if not self.unbiased or first_pass:
                return indices, np.ones(indices.size, dtype=np.float32)
            return indices, importance_weights(self._sampler.draw_probabilities(indices), self.num_samples)

    def _next_first_pass_indices(self) -> np.ndarray:
        start = self._first_pass_cursor
        batch = self._first_pass_order[start : start + self.batch_size]
        self._first_pass_cursor = start + batch.size
        missing = self.batch_size - batch.size
        if missing == 0:
            return batch
        visited = self._first_pass_order[:start]
        if visited.size >= missing:
            fill = self._rng.choice(visited, size=missing, replace=False)
        else:  # a batch larger than the remaining visited samples: repeats are unavoidable
            fill = self._rng.choice(self._first_pass_order, size=missing, replace=True)
        return np.concatenate([batch, fill]).astype(np.int64)

    def update(self, indices, losses) -> None:
        """Write one step's per-sample losses into the table.

        Raises ``ValueError`` (and leaves the table untouched) for indices out
        of range, losses of the wrong length, or NaN / infinite / negative losses.
        """
        indices, losses = check_update(indices, losses, self.num_samples)
        with self._lock:
            self._table[indices] = losses
            self._sampler.on_update(indices, losses)
            self.num_updates += 1

    # ---------------------------------------------------------------- tf.data
    def gather(self, indices: np.ndarray):
        """``(x[indices], y[indices])`` as numpy arrays."""
        return np.asarray(self.x[indices]), np.asarray(self.y[indices])

    def as_dataset(self, prefetch: int = 1):
        """An endless ``tf.data.Dataset`` of ``(x_batch, y_batch, indices)``.

        An ``unbiased`` generator yields ``(x_batch, y_batch, indices, weights)``:
        multiply the per-sample losses by ``weights`` before averaging them
        (:class:`~is_keras.training.ImportanceSamplingModel` does).

        Each element is drawn from the table as it is when the element is
        produced. With ``prefetch=1`` (the default) a batch is drawn while the
        previous step trains, so it is at most one step stale; ``prefetch=0``
        draws only on request; tf.data's own automatic prefetching is switched
        off for this dataset. A ``.prefetch(k)`` added by the caller makes
        batches up to ``k`` steps staler. Call :meth:`update` after each step.

        Example:
            >>> ds = gen.as_dataset()
            >>> for x_batch, y_batch, idx in ds.take(3):
            ...     losses = train_step(x_batch, y_batch)
            ...     gen.update(idx.numpy(), losses.numpy())
        """
        import tensorflow as tf

        batch = self.batch_size
        x_shape = (batch,) + tuple(self.x.shape[1:])
        y_shape = (batch,) + tuple(self.y.shape[1:])
        x_dtype = tf.as_dtype(self.x.dtype)
        y_dtype = tf.as_dtype(self.y.dtype)

        def index_stream():
            while True:
                yield self.next_batch()

        def load(indices, weights):
            x_batch, y_batch = tf.numpy_function(self.gather, [indices], [x_dtype, y_dtype])
            x_batch.set_shape(x_shape)
            y_batch.set_shape(y_shape)
            if self.unbiased:
                return x_batch, y_batch, indices, weights
            return x_batch, y_batch, indices

        signature = (tf.TensorSpec(shape=(batch,), dtype=tf.int64), tf.TensorSpec(shape=(batch,), dtype=tf.float32))
        ds = tf.data.Dataset.from_generator(index_stream, output_signature=signature).map(load)
        if prefetch:
            ds = ds.prefetch(prefetch)
        # tf.data would otherwise inject prefetching of its own and draw batches further ahead
        options = tf.data.Options()
        options.experimental_optimization.inject_prefetch = False
        options.autotune.enabled = False
        return ds.with_options(options)


def _as_table(initial_losses, num_samples: int) -> np.ndarray:
    table = np.asarray(initial_losses, dtype=np.float64)
    if table.shape != (num_samples,):
        raise ValueError(f"initial_losses must have shape ({num_samples},), got {table.shape}")
    # the checks of `update`, without an N-sized index array (matters at N = 10^7)
    if not np.all(np.isfinite(table)):
        raise ValueError("initial_losses contain NaN or infinite values")
    if table.min() < 0:
        raise ValueError(f"initial_losses must be >= 0, got {table.min()}")
    return table
