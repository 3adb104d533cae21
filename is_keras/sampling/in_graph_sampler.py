"""The in-graph backend: a loss table in a ``tf.Variable`` and draws, weights and updates as TensorFlow ops.

The whole training step (draw indices, gather the batch from data held on the
device, forward, backward, write the losses) can then run inside one
``tf.function(jit_compile=True)``, several steps per call, with no host round trip.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.in_graph_importance import (
    draw_proportional,
    importance_probabilities,
    refresh_kept_weights,
    table_weights,
    update_kept_weights,
)
from is_keras.sampling.in_graph_permutation import derive_key, hash32, permute
from is_keras.sampling.in_graph_state import in_graph_state, set_in_graph_state
from is_keras.sampling.in_graph_weighted import BlockWeights, block_size

#: Methods the in-graph backend implements.
IN_GRAPH_METHODS = ("nis", "is-probabilistic", "is-randomsubset", "is-switch", "is-annealed")
#: The methods that follow the training progress (:meth:`InGraphSampler.set_progress`).
SCHEDULED_METHODS = ("is-switch", "is-annealed")
_PROBABILISTIC = ("is-probabilistic",) + SCHEDULED_METHODS

# key streams of the keyed permutations (one per use, so they never share a permutation);
# the running permutation's epoch -1 is the first pass, its epochs 0, 1, ... nis's
_RUNNING, _SUBSET, _DRAW, _FILL = 3, 4, 5, 0x5F11


class InGraphSampler(tf.Module):
    """The samplers of :class:`~is_keras.sampling.generator.ImportanceBatchGenerator` as TensorFlow ops.

    The table starts at ``+inf`` (unvisited). The **first pass** hands out every
    sample exactly once, in a random order (its last, partial batch is completed
    with distinct visited samples); it ends when every entry holds a finite loss
    (should updates have been skipped, the unvisited entries are drawn next).
    Then the method draws:

    * ``"nis"``: uniform without replacement, a fresh permutation every epoch;
    * ``"is-probabilistic"``: i.i.d., ``p_i = (1 - λ) L_i^w / sum_j L_j^w + λ / N``
      (losses divided by a scale first, so huge losses cannot overflow);
    * ``"is-randomsubset"``: the ``batch_size`` highest losses of a uniform random
      subset of ``subset_fraction * N`` samples (at least ``batch_size``), highest first;
    * ``"is-switch"``: as is-probabilistic while :attr:`progress` < ``switch_fraction``,
      then as nis;
    * ``"is-annealed"``: as is-probabilistic with the exponent
      ``w · (1 - progress / switch_fraction)``, then (from ``switch_fraction`` on) as nis.

    The progress (the fraction of the run done) comes from :meth:`set_progress`
    (:class:`~is_keras.training.sampling_progress.SamplingProgress` calls it at
    every epoch start). With ``unbiased=True`` the weights are ``1 / (N p_i)``; otherwise (and in the
    first pass) 1. Every random choice is a function of ``(seed, step)`` (stateless
    ops and keyed permutations), so :meth:`get_state` / :meth:`set_state` resume a
    run exactly. Per step: nis O(B), is-randomsubset O(subset size), is-probabilistic
    O(B · block + N / block) with ``block`` about ``sqrt(N / B)``: its weights
    ``(L_i / scale)^w`` and their block sums are kept in variables (:attr:`weight_scale`;
    ``update`` rewrites the written entries and their blocks' sums) and rebuilt from the
    table (O(N)) only by the update after every ``ceil(N / B)``-th draw (the scale then becomes
    the largest loss), when the exponent changes (is-annealed: in :meth:`set_progress`), and when
    a loss so large arrives that its weight would pass ``2^32``. The first pass and nis
    share one keyed permutation per epoch (the first pass is its epoch -1), so a
    step's graph holds one permutation (two for is-randomsubset). Call the methods inside a
    ``tf.function`` (eagerly they work, but op by op).

    Args:
        num_samples: N, the number of training samples.
        batch_size: B, indices per draw (at most N for is-randomsubset).
        sampler_config: a :class:`~is_keras.sampling.config.SamplerConfig` (or its dict);
            alternatively pass its fields as keyword ``options`` (``method=``, ``exponent=``, ...).
        seed: a non-negative integer; the same seed gives the same draws.

    Raises:
        ValueError: for a method this backend does not implement, both a config and options,
            a size below 1, ``batch_size > num_samples`` with is-randomsubset, or a negative seed.

    Example:
        >>> import tensorflow as tf
        >>> sampler = InGraphSampler(8, batch_size=4, method="nis", seed=1)
        >>> first = sampler.next_batch()[0]
        >>> sampler.update(first, tf.ones(4))
        >>> second = sampler.next_batch()[0]
        >>> sorted(tf.concat([first, second], 0).numpy().tolist())   # the first pass: each sample once
        [0, 1, 2, 3, 4, 5, 6, 7]
    """

    def __init__(self, num_samples: int, *, batch_size: int, sampler_config=None, seed: int = 0, **options):
        super().__init__(name="in_graph_sampler")
        if sampler_config is not None and options:
            raise ValueError(f"pass either sampler_config or its fields as options, not both ({', '.join(options)})")
        if isinstance(sampler_config, dict):
            sampler_config = SamplerConfig.from_dict(sampler_config)
        config = sampler_config if sampler_config is not None else SamplerConfig(**options)
        if config.method not in IN_GRAPH_METHODS:
            raise ValueError(f"the in-graph backend implements {', '.join(IN_GRAPH_METHODS)}, not {config.method!r}")
        self.num_samples = int(num_samples)
        self.batch_size = int(batch_size)
        if self.num_samples < 1 or self.batch_size < 1:
            raise ValueError(f"num_samples and batch_size must be >= 1, got {num_samples} and {batch_size}")
        if config.method == "is-randomsubset" and self.batch_size > self.num_samples:
            raise ValueError(f"is-randomsubset needs batch_size <= num_samples={self.num_samples}, got {batch_size}")
        if int(seed) < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.sampler_config = config
        self.method = config.method
        self.unbiased = config.unbiased
        n = self.num_samples
        self.subset_size = min(n, max(self.batch_size, int(round(config.subset_fraction * n))))
        self._block = block_size(n, self.batch_size)
        self.table = tf.Variable(tf.fill([n], np.float32(np.inf)), trainable=False, name="loss_table")
        self.seed = tf.Variable(int(seed), dtype=tf.int64, trainable=False, name="seed")
        #: draws so far (the stateless RNG's counter)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.first_pass_cursor = tf.Variable(0, dtype=tf.int64, trainable=False, name="first_pass_cursor")
        self.num_unvisited = tf.Variable(n, dtype=tf.int64, trainable=False, name="num_unvisited")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.epoch_cursor = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch_cursor")
        #: losses refused by :meth:`update` (NaN, infinite or negative); their entries were left unchanged
        self.num_invalid_losses = tf.Variable(0, dtype=tf.int64, trainable=False, name="num_invalid_losses")
        #: the fraction of the run done, in [0, 1] (float64, as the host samplers compare it)
        self.progress = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="progress")
        if self.method in _PROBABILISTIC:
            #: the importance draws' weights ``(L_i / weight_scale)^w`` and their block sums, kept up to date
            self.kept_weights = BlockWeights(n, block=self._block)
            #: the loss that weight 1 stands for (the largest loss at the last rescale); 0: not built yet
            self.weight_scale = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="weight_scale")
            #: the exponent of the kept weights (NaN: rebuild them)
            self.weights_exponent = tf.Variable(np.nan, dtype=tf.float32, trainable=False, name="weights_exponent")
            #: draws between two rescales of the kept weights: an epoch's worth
            self.rescale_period = -(-n // self.batch_size)

    # ------------------------------------------------------------------ drawing
    def in_first_pass(self) -> tf.Tensor:
        """A bool tensor: True until every entry of the table holds a finite loss."""
        return self.num_unvisited > 0

    def set_progress(self, fraction) -> None:
        """The fraction of the run done (clipped to [0, 1]); is-switch and is-annealed follow it.

        Example:
            >>> sampler = InGraphSampler(4, batch_size=2, method="is-annealed", exponent=2.0, switch_fraction=0.5)
            >>> sampler.set_progress(0.25)
            >>> float(sampler.current_exponent())
            1.0
        """
        self.progress.assign(tf.clip_by_value(tf.cast(fraction, tf.float64), 0.0, 1.0))
        if self.method == "is-annealed":  # a new exponent: the kept weights are rebuilt now (if built)
            refresh_kept_weights(self, tf.constant(False), build=False)

    def switched(self) -> tf.Tensor:
        """A bool tensor: True once a scheduled method draws uniformly (progress >= ``switch_fraction``)."""
        if self.method not in SCHEDULED_METHODS:
            return tf.constant(self.method == "nis")
        return self.progress >= self.sampler_config.switch_fraction

    def current_exponent(self):
        """The loss exponent of the importance draws now: ``w``, or is-annealed's ``w · (1 - t / switch_fraction)``."""
        exponent = self.sampler_config.exponent
        if self.method != "is-annealed":
            return exponent
        end = self.sampler_config.switch_fraction
        factor = tf.where(self.progress >= end, tf.constant(0.0, tf.float64), 1.0 - self.progress / end)
        return tf.cast(exponent * factor, tf.float32)

    def next_batch(self) -> tuple[tf.Tensor, tf.Tensor]:
        """The next batch: ``(indices int32 (B,), weights float32 (B,))``; advances the RNG counter."""
        n, b = self.num_samples, self.batch_size
        lanes = tf.range(b, dtype=tf.int64)
        pass_cursor = tf.identity(self.first_pass_cursor)
        epoch_cursor, epoch = tf.identity(self.epoch_cursor), tf.identity(self.epoch)
        in_pass = pass_cursor < n
        drawing = tf.logical_and(tf.logical_not(in_pass), self.num_unvisited <= 0)  # the method draws
        uniform_now = tf.logical_and(drawing, self.switched())  # nis, or a scheduled method after its switch

        # the running permutation: in the first pass its epoch -1 (the pass's last, partial batch is
        # completed with a cyclic window, at a random offset, of the positions visited so far: distinct
        # visited samples; with B > N the window runs over all N), later its epochs 0, 1, ...
        remaining = tf.minimum(n - pass_cursor, b)
        missing = b - remaining
        fill_domain = tf.maximum(tf.where(missing <= pass_cursor, pass_cursor, n), 1)
        fill_offset = hash32(tf.bitwise.bitwise_xor(tf.bitwise.bitwise_and(self.seed, 0xFFFFFFFF), _FILL)) % fill_domain
        fill = tf.math.floormod(fill_offset + tf.maximum(lanes - remaining, 0), fill_domain)
        in_epoch = epoch_cursor + lanes
        positions = tf.where(in_pass, tf.where(lanes < remaining, pass_cursor + lanes, fill),
                             tf.math.floormod(in_epoch, n))
        counters = tf.where(in_pass, tf.constant(-1, tf.int64), epoch + in_epoch // n)  # a batch may cross epochs

        def running():
            return permute(positions, derive_key(self.seed, _RUNNING, counters), n)

        if self.method == "nis":
            indices = running()  # the first pass or an epoch: every step but after skipped updates
        else:
            indices = tf.cond(tf.logical_or(in_pass, uniform_now), running, lambda: tf.zeros([b], tf.int64))
        self.first_pass_cursor.assign(pass_cursor + tf.where(in_pass, remaining, 0))
        self.epoch_cursor.assign(tf.where(uniform_now, tf.math.floormod(epoch_cursor + b, n), epoch_cursor))
        self.epoch.assign_add(tf.where(uniform_now, (epoch_cursor + b) // n, 0))

        if self.method == "nis":
            method_draw = lambda: (indices, self._ones())  # noqa: E731
        elif self.method == "is-randomsubset":
            method_draw = lambda: (self._draw_random_subset(), self._ones())  # noqa: E731
        elif self.method == "is-probabilistic":
            method_draw = self._draw_probabilistic
        else:
            method_draw = lambda: tf.cond(uniform_now, lambda: (indices, self._ones()),  # noqa: E731
                                          self._draw_probabilistic)
        indices, weights = tf.cond(
            in_pass,
            lambda: (indices, self._ones()),
            lambda: tf.cond(self.num_unvisited > 0, self._unvisited_first, method_draw),
        )
        self.step.assign_add(1)
        return tf.cast(indices, tf.int32), weights

    def _ones(self) -> tf.Tensor:
        return tf.ones([self.batch_size], tf.float32)

    def _unvisited_first(self):
        # only if updates were skipped in the first pass: the highest entries, +inf (unvisited) first
        k = min(self.batch_size, self.num_samples)
        top = tf.cast(tf.math.top_k(self.table, k).indices, tf.int64)
        return tf.gather(top, tf.range(self.batch_size) % k), self._ones()

    def sampling_weights(self) -> tf.Tensor:
        """is-probabilistic's unnormalized weights ``(L / max L)^w`` (float32 (N,), 0 for unvisited entries)."""
        return table_weights(self.table, self.current_exponent())

    def draw_probabilities(self, indices) -> tf.Tensor:
        """``p_i`` of one draw under the current table, for ``indices`` (float32).

        ``1 / N`` for nis, for the scheduled methods after their switch, and for the
        importance draws when every weight is 0. From the kept weights that the next draw
        uses when they are current, else from the table.

        Raises:
            ValueError: for is-randomsubset, whose draws have no per-draw probability.
        """
        if self.method == "is-randomsubset":
            raise ValueError("is-randomsubset takes the top of a subset: its draws have no per-draw probability")
        uniform = tf.fill(tf.shape(indices), np.float32(1.0 / self.num_samples))
        if self.method not in _PROBABILISTIC:
            return uniform
        importance = importance_probabilities(self, tf.cast(indices, tf.int64))
        return tf.where(self.switched(), uniform, importance) if self.method in SCHEDULED_METHODS else importance

    def _draw_probabilistic(self):
        return draw_proportional(self, derive_key(self.seed, _DRAW, self.step))

    def random_subset(self, step) -> tf.Tensor:
        """The uniform random subset that is-randomsubset uses at draw ``step`` (int64 ids, ``subset_size`` of them).

        ``step`` may be a vector of S draw counters: then the result has shape ``(S, subset_size)``.
        """
        positions = tf.range(self.subset_size, dtype=tf.int64)
        keys = tf.expand_dims(derive_key(self.seed, _SUBSET, step), -1)
        return permute(positions, keys, self.num_samples)

    def _draw_random_subset(self) -> tf.Tensor:
        subset = self.random_subset(self.step)
        top = tf.math.top_k(tf.gather(self.table, subset), self.batch_size).indices
        return tf.gather(subset, top)

    # ----------------------------------------------------------------- updates
    def update(self, indices, losses, apply=None) -> None:
        """Write one step's per-sample losses into the table (pure TF ops).

        A NaN, infinite or negative loss leaves its entry unchanged and is counted in
        :attr:`num_invalid_losses`. A repeated index takes its last loss. ``apply`` (a bool
        scalar tensor, if given): when False the update changes nothing (table, counters,
        kept weights keep their values, bit for bit). Under XLA this is cheaper than calling
        ``update`` inside a ``tf.cond``, which copies the variables it writes (O(N)) on every call.
        """
        indices = tf.reshape(tf.cast(indices, tf.int64), [-1])
        losses = tf.reshape(tf.cast(losses, tf.float32), [-1])
        valid = tf.logical_and(tf.math.is_finite(losses), losses >= 0)
        invalid = tf.logical_not(valid)
        if apply is not None:
            apply = tf.convert_to_tensor(apply, tf.bool)
            valid, invalid = tf.logical_and(valid, apply), tf.logical_and(invalid, apply)
        self.num_invalid_losses.assign_add(tf.reduce_sum(tf.cast(invalid, tf.int64)))
        old = tf.gather(self.table, indices)
        new = tf.where(valid, losses, old)
        # repeated indices: every write of one index carries its last occurrence's value (deterministic);
        # found by comparing all pairs (O(B^2), no sort: a sort costs more to compile than to run at batch sizes)
        lanes = tf.range(tf.size(indices))
        same = tf.equal(indices[:, None], indices[None, :])
        last = tf.reduce_max(tf.where(same, lanes[None, :], -1), axis=1)  # the last lane writing each lane's index
        values = tf.gather(new, last)
        is_last = tf.equal(last, lanes)
        newly = tf.logical_and(is_last, tf.logical_and(tf.math.is_inf(old), tf.math.is_finite(values)))
        self.table.scatter_update(tf.IndexedSlices(values, indices))
        self.num_unvisited.assign_sub(tf.reduce_sum(tf.cast(newly, tf.int64)))
        if self.method in _PROBABILISTIC:
            update_kept_weights(self, indices, apply=apply)

    def set_losses(self, losses) -> None:
        """Start from a full table of finite losses >= 0 (warm start): the first pass is skipped.

        Raises:
            ValueError: for a wrong shape or NaN, infinite or negative losses.

        Example:
            >>> sampler = InGraphSampler(3, batch_size=1, method="is-randomsubset", subset_fraction=1.0)
            >>> sampler.set_losses([0.1, 0.9, 0.5])
            >>> int(sampler.next_batch()[0][0])
            1
        """
        table = np.asarray(losses, dtype=np.float32)
        if table.shape != (self.num_samples,) or not np.isfinite(table).all() or (table < 0).any():
            raise ValueError(f"losses must be {self.num_samples} finite values >= 0")
        self.table.assign(table)
        self.first_pass_cursor.assign(self.num_samples)
        self.num_unvisited.assign(0)
        self.rebuild_kept_weights()

    def rebuild_kept_weights(self) -> None:
        """Rebuild the kept importance weights from the table, with a new scale (no-op for nis / is-randomsubset)."""
        if self.keeps_weights:
            self.weight_scale.assign(0.0)
            self.weights_exponent.assign(np.nan)
            refresh_kept_weights(self, tf.constant(True))

    # ------------------------------------------------------------------- state
    @property
    def keeps_weights(self) -> bool:
        """Whether this method keeps importance weights beside the table (the importance draws)."""
        return self.method in _PROBABILISTIC

    def get_state(self) -> dict:
        """Everything needed to resume (see :func:`~is_keras.sampling.in_graph_state.in_graph_state`).

        Example:
            >>> sampler = InGraphSampler(4, batch_size=2, method="nis")
            >>> sorted(sampler.get_state())[:3]
            ['batch_size', 'epoch', 'epoch_cursor']
        """
        return in_graph_state(self)

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s dict (see :func:`~is_keras.sampling.in_graph_state.set_in_graph_state`).

        Raises:
            ValueError: for a missing key, another dataset size, batch size or sampler configuration,
                or a table (or kept weights) with NaN or negative entries.
        """
        set_in_graph_state(self, state)
