"""The in-graph sampler's sampling rules, one stateless kernel per rule (it reads and writes the
:class:`~is_keras.sampling.in_graph_sampler.InGraphSampler` handed to it), and :data:`KERNELS` by method name."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from is_keras.sampling.in_graph_permutation import derive_key, random_bits
from is_keras.sampling.in_graph_weighted import BlockWeights, block_size
from is_keras.sampling.reweighting import unbiased_weights

#: key streams of the keyed permutations and hashes, one per use (the running one: -1 the first pass, 0, 1, ... nis)
RUNNING, SUBSET, DRAW, FILL = 3, 4, 5, 0x5F11
#: a kept weight above this (a loss far above the scale) rescales them all: float32 sums of N of them cannot overflow
WEIGHT_LIMIT = 2.0**32


def ones(sampler) -> tf.Tensor:
    """Weight 1 for each of the sampler's B draws (float32 (B,))."""
    return tf.ones([sampler.batch_size], tf.float32)


class Kernel:
    """One sampling rule: ``draw(sampler, running, uniform_now) -> (int64 indices (B,), float32 weights (B,))``,
    ``running`` nis's B indices, drawn where ``uniform_now`` (bool tensor). The hooks do nothing by default."""

    #: every draw is the running permutation's (nis: no ``tf.cond`` around it)
    uniform = False
    #: the sampler keeps importance weights beside the table (:class:`ProportionalKernel`)
    keeps_weights = False
    #: draws C candidates for a selection in the training step (no first pass, the step keeps the losses)
    candidates = False
    #: follows the run's progress: ``"step"`` (is-switch) or ``"linear"`` (is-annealed), else None
    schedule = None

    def setup(self, sampler) -> None:
        """Called in the sampler's ``__init__``."""

    def switched(self, sampler) -> tf.Tensor:
        """A bool tensor: the draws are nis's now."""
        return tf.constant(self.uniform)

    def exponent(self, sampler):
        """The loss exponent now."""
        return sampler.sampler_config.exponent

    def draw(self, sampler, running, uniform_now) -> tuple[tf.Tensor, tf.Tensor]:
        """The batch: nis's (``running``, weights 1) unless overridden."""
        return running, ones(sampler)

    def probabilities(self, sampler, indices) -> tf.Tensor:
        """One draw's ``p_i`` for each of ``indices``."""
        return tf.fill(tf.shape(indices), np.float32(1.0 / sampler.num_samples))

    def set_progress(self, sampler) -> None:
        """Called after a progress change."""

    def update(self, sampler, indices, apply) -> None:
        """Called after a table write at int64 ``indices`` (``apply``: see ``InGraphSampler.update``)."""

    def rebuild(self, sampler) -> None:
        """Called after a whole new table."""

    def state(self, sampler) -> dict:
        """The kernel's own variables to save and restore with the sampler's state, by name."""
        return {}


class UniformKernel(Kernel):
    """nis: the running permutation's epochs, uniform without replacement, weights 1: O(B) a draw.

    Example:
        >>> KERNELS["nis"].uniform, KERNELS["is-annealed"].schedule
        (True, 'linear')
    """

    uniform = True


class CandidatesKernel(UniformKernel):
    """selective-backprop, vr-switch: nis's draws of C candidates (batch size C) from the start, no first pass."""

    candidates = True

    def setup(self, sampler):  # the training step writes the table (+inf: not yet scored); no first pass
        sampler.first_pass_cursor.assign(sampler.num_samples)
        sampler.num_unvisited.assign(0)


class RandomSubsetKernel(Kernel):
    """is-randomsubset: the B highest losses, highest first, of ``InGraphSampler.random_subset``; O(subset)."""

    def setup(self, sampler):
        if sampler.batch_size > sampler.num_samples:
            raise ValueError(f"is-randomsubset needs batch_size <= num_samples={sampler.num_samples}, "
                             f"got {sampler.batch_size}")

    def draw(self, sampler, running, uniform_now):
        subset = sampler.random_subset(sampler.step)
        top = tf.math.top_k(tf.gather(sampler.table, subset), sampler.batch_size).indices
        return tf.gather(subset, top), ones(sampler)

    def probabilities(self, sampler, indices):
        raise ValueError("is-randomsubset takes the top of a subset: its draws have no per-draw probability")


class ProportionalKernel(Kernel):
    """is-probabilistic: i.i.d. ``p_i = (1 - λ) w_i / Σ w + λ / N``, kept weights ``w_i = (L_i / scale)^exponent``.

    ``schedule``: ``"step"`` (is-switch) draws nis's from ``switch_fraction`` of the run on, ``"linear"``
    (is-annealed) also anneals the exponent before. The weights are rebuilt (O(N), scale := the largest loss)
    every ``ceil(N / B)`` draws, on an exponent change, or when one would pass :data:`WEIGHT_LIMIT`.
    """

    keeps_weights = True

    def __init__(self, schedule: str | None = None):
        self.schedule = schedule

    def setup(self, sampler):
        n, b = sampler.num_samples, sampler.batch_size
        #: the weights ``(L_i / weight_scale)^w`` and their block sums, kept up to date
        sampler.kept_weights = BlockWeights(n, block=block_size(n, b))
        #: the loss that weight 1 stands for (the largest loss at the last rescale); 0: not built yet
        sampler.weight_scale = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="weight_scale")
        #: the exponent of the kept weights (NaN: rebuild them)
        sampler.weights_exponent = tf.Variable(np.nan, dtype=tf.float32, trainable=False, name="weights_exponent")
        #: draws between two rescales of the kept weights: an epoch's worth
        sampler.rescale_period = -(-n // b)

    def switched(self, sampler):
        switched = sampler.progress >= sampler.sampler_config.switch_fraction
        return switched if self.schedule else tf.constant(False)

    def exponent(self, sampler):
        if self.schedule != "linear":
            return super().exponent(sampler)
        end = sampler.sampler_config.switch_fraction
        factor = tf.where(sampler.progress >= end, tf.constant(0.0, tf.float64), 1.0 - sampler.progress / end)
        return tf.cast(sampler.sampler_config.exponent * factor, tf.float32)

    def draw(self, sampler, running, uniform_now):
        if self.schedule is None:
            return self._draw(sampler)
        return tf.cond(uniform_now, lambda: (running, ones(sampler)), lambda: self._draw(sampler))

    def _draw(self, sampler):
        # 32-bit hash words per lane (no RNG op: Philox compiles for a CPU-second under XLA): the draw's uniform,
        # the mix coin, 63 bits for a uniform index
        n, b = sampler.num_samples, sampler.batch_size
        mix = sampler.sampler_config.uniform_mix
        bits = tf.reshape(random_bits(derive_key(sampler.seed, DRAW, sampler.step), 4 * b), [4, b])
        unit = tf.cast(tf.bitwise.right_shift(bits[0], 8), tf.float32) * (1.0 / (1 << 24))
        drawn, total = sampler.kept_weights.draw(unit)
        wide = tf.bitwise.bitwise_or(tf.bitwise.left_shift(tf.bitwise.right_shift(bits[2], 1), 32), bits[3])
        take_uniform = bits[1] < int(round(mix * 2**32)) if mix > 0 else tf.zeros([b], tf.bool)
        indices = tf.where(tf.logical_or(take_uniform, total <= 0), tf.math.floormod(wide, n), drawn)
        if not sampler.unbiased:
            return indices, ones(sampler)
        weights = unbiased_weights(sampler.kept_weights.gather(indices), n, total=tf.where(total > 0, total, 1.0),
                                   uniform_mix=mix)
        return indices, tf.where(total > 0, weights, 1.0)

    def probabilities(self, sampler, indices):
        n = sampler.num_samples

        def from_table():
            weights = table_weights(sampler.table, sampler.current_exponent())
            return tf.gather(weights, indices), tf.reduce_sum(weights)

        kept = sampler.kept_weights
        current = tf.logical_and(sampler.weight_scale > 0, tf.equal(sampler.weights_exponent,
                                                                     tf.cast(sampler.current_exponent(), tf.float32)))
        chosen, total = tf.cond(current, lambda: (kept.gather(indices), kept.total()), from_table)
        mix, share = sampler.sampler_config.uniform_mix, chosen / tf.where(total > 0, total, 1.0)
        importance = tf.where(total > 0, (1.0 - mix) * share + mix / n, 1.0 / n)
        return tf.where(self.switched(sampler), super().probabilities(sampler, indices), importance)

    def set_progress(self, sampler):
        if self.schedule == "linear":  # a new exponent: the kept weights are rebuilt now (if built)
            refresh_kept_weights(sampler, tf.constant(False), build=False)

    def update(self, sampler, indices, apply):  # the written entries' weights (a rebuild first if due)
        exponent, scale = sampler.current_exponent(), sampler.weight_scale.read_value()
        fresh = weights_of(tf.gather(sampler.table, indices), tf.where(scale > 0, scale, 1.0), exponent)
        too_large = tf.logical_and(scale > 0, tf.reduce_any(fresh > WEIGHT_LIMIT))
        periodic = tf.equal(tf.math.floormod(sampler.step, sampler.rescale_period), 0)
        refresh_kept_weights(sampler, tf.logical_or(too_large, periodic), apply=apply)
        values = weights_of(tf.gather(sampler.table, indices), sampler.weight_scale.read_value(), exponent)
        if apply is not None:
            values = tf.where(apply, values, sampler.kept_weights.gather(indices))
        sampler.kept_weights.scatter(indices, values)

    def rebuild(self, sampler):
        sampler.weight_scale.assign(0.0)
        sampler.weights_exponent.assign(np.nan)
        refresh_kept_weights(sampler, tf.constant(True))


def refresh_kept_weights(sampler, rescale, *, build: bool = True, apply=None) -> None:
    """Rebuild the kept weights from the table (O(N)) if stale, where ``apply`` holds; a new scale (the largest
    finite loss, else 1) if ``rescale`` or never built (with ``build``). Call outside any ``tf.cond``."""
    exponent = sampler.current_exponent()
    exponent32, old_scale = tf.cast(exponent, tf.float32), sampler.weight_scale.read_value()
    changed = tf.not_equal(sampler.weights_exponent, exponent32)  # NaN: always
    if build:
        rescale = tf.logical_or(rescale, old_scale <= 0)
    else:
        changed = tf.logical_and(changed, old_scale > 0)
    if apply is not None:
        rescale, changed = tf.logical_and(rescale, apply), tf.logical_and(changed, apply)
    stale = tf.logical_or(rescale, changed)
    if sampler.kept_weights.dense:  # no tf.cond to compile: the O(N) maximum costs next to nothing here
        scale = tf.where(rescale, peak_loss(sampler.table), old_scale)
    else:
        scale = tf.cond(rescale, lambda: peak_loss(sampler.table), lambda: old_scale)  # reads the table if it rescales
    sampler.weight_scale.assign(scale)
    sampler.weights_exponent.assign(tf.where(stale, exponent32, sampler.weights_exponent))
    n = sampler.num_samples

    def values_of(cells):
        losses = tf.gather(sampler.table, tf.minimum(cells, n - 1))
        return tf.where(cells < n, weights_of(losses, scale, exponent), 0.0)

    sampler.kept_weights.assign_where(stale, values_of)


def weights_of(losses, scale, exponent) -> tf.Tensor:
    """``(L / scale)^w``, 0 for unvisited (+inf) entries.

    Example:
        >>> [float(v) for v in weights_of(tf.constant([1.0, 4.0, float("inf")]), 2.0, 2.0)]
        [0.25, 4.0, 0.0]
    """
    finite = tf.math.is_finite(losses)
    scaled = tf.where(finite, losses, 0.0) / scale
    if not (isinstance(exponent, float) and exponent == 1.0):
        scaled = tf.pow(scaled, exponent)
    return tf.where(finite, scaled, 0.0)


def table_weights(table, exponent) -> tf.Tensor:
    """The unnormalized weights ``(L / max L)^w`` of a whole table (float32 (N,), 0 for unvisited entries).

    Example:
        >>> [float(v) for v in table_weights(tf.constant([1.0, 2.0, float("inf")]), 1.0)]
        [0.5, 1.0, 0.0]
    """
    table = tf.convert_to_tensor(table)
    return weights_of(table, peak_loss(table), exponent)


def peak_loss(table) -> tf.Tensor:
    """The largest finite loss of ``table``, 1 if none is positive (the scale of the kept weights)."""
    table = tf.convert_to_tensor(table)
    largest = tf.reduce_max(tf.where(tf.math.is_finite(table), table, 0.0))
    return tf.where(largest > 0, largest, 1.0)


class AdaptiveKernel(Kernel):
    """adaptive (:mod:`is_keras.sampling.adaptive`'s rule, decided after every table write): nis's draws until the
    table's concentration τ² reaches the switch-on level (first within ``switch_on_within`` passes after the first
    pass, when set), then the rank draws of the table as it is (a sort)."""

    def setup(self, sampler):
        from is_keras.sampling.rank import rank_probabilities

        config = sampler.sampler_config
        probabilities = rank_probabilities(sampler.num_samples, config.selectivity, config.uniform_mix)
        sampler.rank_probabilities = tf.constant(probabilities, tf.float64)
        cumulative = np.cumsum(probabilities)
        cumulative[-1] = 1.0
        sampler.rank_cumulative = tf.Variable(cumulative, dtype=tf.float64, trainable=False, name="rank_cumulative")
        sampler.selection_active = tf.Variable(False, trainable=False, name="selection_active")
        #: draws after the first pass, and those with selection on (``sampling_active`` = their ratio)
        sampler.draw_counts = tf.Variable([0, 0], dtype=tf.int64, trainable=False, name="draw_counts")
        #: for ``switch_on_within``: all draws after the first pass (never reset), and whether selection was ever on
        sampler.draws_after_first_pass = tf.Variable(0, dtype=tf.int64, trainable=False, name="draws_after_first_pass")
        sampler.selection_was_on = tf.Variable(False, trainable=False, name="selection_was_on")

    def switched(self, sampler):
        return tf.logical_not(sampler.selection_active)

    def draw(self, sampler, running, uniform_now):
        b = sampler.batch_size
        selected = tf.where(uniform_now, tf.constant(0, tf.int64), b)
        sampler.draw_counts.assign_add(tf.stack([tf.constant(b, tf.int64), selected]))
        sampler.draws_after_first_pass.assign_add(b)
        return tf.cond(uniform_now, lambda: (running, ones(sampler)), lambda: self._rank_draw(sampler))

    def _rank_draw(self, sampler):
        n, b = sampler.num_samples, sampler.batch_size
        order = tf.argsort(tf.convert_to_tensor(sampler.table), stable=True)  # position r: the sample of rank r + 1
        bits = tf.reshape(random_bits(derive_key(sampler.seed, DRAW, sampler.step), 2 * b), [2, b])
        unit = (tf.cast(tf.bitwise.right_shift(bits[0], 5), tf.float64) * 2.0**26
                + tf.cast(tf.bitwise.right_shift(bits[1], 6), tf.float64)) * 2.0**-53  # 53 bits in [0, 1)
        positions = tf.minimum(tf.searchsorted(sampler.rank_cumulative, unit, side="right"), n - 1)
        indices = tf.cast(tf.gather(order, positions), tf.int64)
        if not sampler.unbiased:
            return indices, ones(sampler)
        return indices, tf.cast(unbiased_weights(tf.gather(sampler.rank_probabilities, positions), n), tf.float32)

    def probabilities(self, sampler, indices):
        ranks = tf.math.invert_permutation(tf.argsort(tf.convert_to_tensor(sampler.table), stable=True))
        rank = tf.cast(tf.gather(sampler.rank_probabilities, tf.gather(ranks, indices)), tf.float32)
        return tf.where(sampler.selection_active, rank, super().probabilities(sampler, indices))

    def update(self, sampler, indices, apply):
        from is_keras.sampling.adaptive import DEACTIVATE_BELOW

        table = tf.cast(tf.convert_to_tensor(sampler.table), tf.float64)
        finite = tf.math.is_finite(table)
        losses = tf.where(finite, table, 0.0)
        total, count = tf.reduce_sum(losses), tf.reduce_sum(tf.cast(finite, tf.float64))
        concentration = count * tf.reduce_sum(losses * losses) / tf.where(total > 0, total * total, 1.0)
        active, was_on = sampler.selection_active.read_value(), sampler.selection_was_on.read_value()
        switch_on_at = tf.constant(sampler.sampler_config.switch_on_at, tf.float64)
        decided = concentration >= tf.where(active, tf.constant(DEACTIVATE_BELOW, tf.float64), switch_on_at)
        window = sampler.sampler_config.switch_on_within
        if window is not None:  # switching on for the first time: only within the window's draws
            within = sampler.draws_after_first_pass <= int(window * sampler.num_samples)
            decided = tf.logical_and(decided, tf.logical_or(tf.logical_or(active, was_on), within))
        ready = tf.logical_and(total > 0, sampler.num_unvisited <= 0)  # after the first pass
        if apply is not None:
            ready = tf.logical_and(ready, apply)
        new = tf.where(ready, decided, active)
        sampler.selection_active.assign(new)
        sampler.selection_was_on.assign(tf.logical_or(was_on, new))

    def state(self, sampler):
        return {"selection_active": sampler.selection_active, "draw_counts": sampler.draw_counts,
                "draws_after_first_pass": sampler.draws_after_first_pass,
                "selection_was_on": sampler.selection_was_on}


#: the in-graph sampling rules by method name
KERNELS = {
    "nis": UniformKernel(), "is-probabilistic": ProportionalKernel(), "is-randomsubset": RandomSubsetKernel(),
    "is-switch": ProportionalKernel(schedule="step"), "is-annealed": ProportionalKernel(schedule="linear"),
    "adaptive": AdaptiveKernel(), "selective-backprop": CandidatesKernel(), "vr-switch": CandidatesKernel(),
}
