"""The in-graph backend: a loss table in a ``tf.Variable``, draws, weights and updates as TensorFlow ops, so that
whole training steps run inside one ``tf.function(jit_compile=True)`` with no host round trip."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.in_graph_kernels import FILL, KERNELS, RUNNING, SUBSET, ones
from is_keras.sampling.in_graph_permutation import derive_key, hash32, permute

#: The methods ``backend="auto"`` runs in graph (the candidate methods' kernel serves the fit wrapper only).
IN_GRAPH_METHODS = tuple(name for name, kernel in KERNELS.items() if not kernel.candidates)
#: the format of :meth:`InGraphSampler.get_state`'s dict, and its integer counters (variables of those names)
STATE_VERSION = 1
COUNTERS = ("step", "first_pass_cursor", "num_unvisited", "epoch", "epoch_cursor", "num_invalid_losses")


class InGraphSampler(tf.Module):
    """The samplers of :class:`~is_keras.sampling.generator.ImportanceBatchGenerator` as TensorFlow ops.

    The table starts at ``+inf``; a **first pass** hands out every sample once in a keyed random order (nis's epochs
    continue it), then the method's :attr:`kernel` draws. Every random choice is a function of ``(seed, step)``, so
    :meth:`get_state` / :meth:`set_state` resume exactly. Call inside a ``tf.function`` (eagerly: op by op).

    Args:
        num_samples, batch_size: N; B, indices per draw (at most N for is-randomsubset).
        sampler_config: a :class:`~is_keras.sampling.config.SamplerConfig` (or its dict), or its fields as keyword
            ``options`` (``method=``, ``exponent=``, ...).
        seed: an integer >= 0; the same seed gives the same draws.
    Raises: ValueError: a method not implemented here, both a config and options, a size below 1,
        ``batch_size > num_samples`` with is-randomsubset, or a negative seed.
    Example:
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
        config = (sampler_config or SamplerConfig(**options)).resolved  # "auto" -> the configuration it stands for
        if config.method not in KERNELS:
            raise ValueError(f"the in-graph backend implements {', '.join(KERNELS)}, not {config.method!r}")
        #: the sampling rule (see :mod:`~is_keras.sampling.in_graph_kernels`)
        self.kernel, self.num_samples, self.batch_size = KERNELS[config.method], int(num_samples), int(batch_size)
        #: whether the method keeps importance weights beside the table (the importance draws)
        self.keeps_weights = self.kernel.keeps_weights
        if self.num_samples < 1 or self.batch_size < 1:
            raise ValueError(f"num_samples and batch_size must be >= 1, got {num_samples} and {batch_size}")
        if int(seed) < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.sampler_config, self.method, self.unbiased, n = config, config.method, config.unbiased, self.num_samples
        self.subset_size = min(n, max(self.batch_size, int(round(config.subset_fraction * n))))
        self.table = tf.Variable(tf.fill([n], np.float32(np.inf)), trainable=False, name="loss_table")
        self.seed = tf.Variable(int(seed), dtype=tf.int64, trainable=False, name="seed")
        # the counters: draws so far (the stateless RNG's counter), positions, and losses refused by :meth:`update`
        for name in COUNTERS:
            setattr(self, name, tf.Variable(n if name == "num_unvisited" else 0, dtype=tf.int64, trainable=False,
                                            name=name))
        #: the fraction of the run done, in [0, 1] (float64, as the host samplers compare it)
        self.progress = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="progress")
        self.kernel.setup(self)

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
        self.kernel.set_progress(self)

    def switched(self) -> tf.Tensor:
        """A bool tensor: True where the draws are nis's (nis; a scheduled method from ``switch_fraction`` on)."""
        return self.kernel.switched(self)

    def current_exponent(self):
        """The loss exponent of the importance draws now: ``w``, or is-annealed's ``w · (1 - t / switch_fraction)``."""
        return self.kernel.exponent(self)

    def next_batch(self) -> tuple[tf.Tensor, tf.Tensor]:
        """The next batch: ``(indices int32 (B,), weights float32 (B,))``; advances the RNG counter."""
        n, b = self.num_samples, self.batch_size
        lanes, pass_cursor = tf.range(b, dtype=tf.int64), tf.identity(self.first_pass_cursor)
        epoch_cursor, epoch = tf.identity(self.epoch_cursor), tf.identity(self.epoch)
        in_pass = pass_cursor < n
        drawing = tf.logical_and(tf.logical_not(in_pass), self.num_unvisited <= 0)  # the method draws
        uniform_now = tf.logical_and(drawing, self.switched())  # nis, or a scheduled method after its switch

        # the running permutation: epoch -1 in the first pass (its last partial batch completed by a cyclic window,
        # at a random offset, of the visited positions; all N if B > N), then epochs 0, 1, ...
        remaining = tf.minimum(n - pass_cursor, b)
        missing = b - remaining
        fill_domain = tf.maximum(tf.where(missing <= pass_cursor, pass_cursor, n), 1)
        fill_offset = hash32(tf.bitwise.bitwise_xor(tf.bitwise.bitwise_and(self.seed, 0xFFFFFFFF), FILL)) % fill_domain
        fill = tf.math.floormod(fill_offset + tf.maximum(lanes - remaining, 0), fill_domain)
        in_epoch = epoch_cursor + lanes
        positions = tf.where(in_pass, tf.where(lanes < remaining, pass_cursor + lanes, fill),
                             tf.math.floormod(in_epoch, n))
        counters = tf.where(in_pass, tf.constant(-1, tf.int64), epoch + in_epoch // n)  # a batch may cross epochs

        def running():
            return permute(positions, derive_key(self.seed, RUNNING, counters), n)

        if self.kernel.uniform:
            indices = running()  # the first pass or an epoch: every step but after skipped updates
        else:
            indices = tf.cond(tf.logical_or(in_pass, uniform_now), running, lambda: tf.zeros([b], tf.int64))
        self.first_pass_cursor.assign(pass_cursor + tf.where(in_pass, remaining, 0))
        self.epoch_cursor.assign(tf.where(uniform_now, tf.math.floormod(epoch_cursor + b, n), epoch_cursor))
        self.epoch.assign_add(tf.where(uniform_now, (epoch_cursor + b) // n, 0))

        indices, weights = tf.cond(
            in_pass,
            lambda: (indices, ones(self)),
            lambda: tf.cond(self.num_unvisited > 0, self._unvisited_first,
                            lambda: self.kernel.draw(self, indices, uniform_now)),
        )
        self.step.assign_add(1)
        return tf.cast(indices, tf.int32), weights

    def _unvisited_first(self):
        # only if updates were skipped in the first pass: the highest entries, +inf (unvisited) first
        k = min(self.batch_size, self.num_samples)
        top = tf.cast(tf.math.top_k(self.table, k).indices, tf.int64)
        return tf.gather(top, tf.range(self.batch_size) % k), ones(self)

    def draw_probabilities(self, indices) -> tf.Tensor:
        """``p_i`` of one draw for ``indices`` (float32), from the kept weights when current, else the table.

        Raises: ValueError: for is-randomsubset (no per-draw probability).
        """
        return self.kernel.probabilities(self, tf.cast(indices, tf.int64))

    def take_active_share(self) -> float:
        """Share of the draws made with selection on (adaptive) since the last call, then restart; else ``nan``."""
        counts = getattr(self, "draw_counts", None)
        if counts is None:
            return float("nan")
        drawn, active = (int(v) for v in counts.numpy())
        counts.assign([0, 0])
        return active / drawn if drawn else float("nan")

    def random_subset(self, step) -> tf.Tensor:
        """is-randomsubset's random subset at draw ``step``: ``subset_size`` int64 ids (``(S, ...)`` for S steps)."""
        keys = tf.expand_dims(derive_key(self.seed, SUBSET, step), -1)
        return permute(tf.range(self.subset_size, dtype=tf.int64), keys, self.num_samples)

    def update(self, indices, losses, apply=None) -> None:
        """Write one step's per-sample losses into the table (pure TF ops); a repeated index takes its last loss.

        NaN, infinite or negative losses leave their entry and count in ``num_invalid_losses``. ``apply`` (bool
        tensor) False changes nothing: under XLA cheaper than a ``tf.cond``, which copies the written variables.
        """
        indices, losses = tf.reshape(tf.cast(indices, tf.int64), [-1]), tf.reshape(tf.cast(losses, tf.float32), [-1])
        valid = tf.logical_and(tf.math.is_finite(losses), losses >= 0)
        invalid = tf.logical_not(valid)
        if apply is not None:
            apply = tf.convert_to_tensor(apply, tf.bool)
            valid, invalid = tf.logical_and(valid, apply), tf.logical_and(invalid, apply)
        self.num_invalid_losses.assign_add(tf.reduce_sum(tf.cast(invalid, tf.int64)))
        old = tf.gather(self.table, indices)
        new = tf.where(valid, losses, old)
        # repeated indices all write their last occurrence's value; all pairs compared (O(B^2): a sort compiles slower)
        lanes = tf.range(tf.size(indices))
        same = tf.equal(indices[:, None], indices[None, :])
        last = tf.reduce_max(tf.where(same, lanes[None, :], -1), axis=1)  # the last lane writing each lane's index
        values = tf.gather(new, last)
        is_last = tf.equal(last, lanes)
        newly = tf.logical_and(is_last, tf.logical_and(tf.math.is_inf(old), tf.math.is_finite(values)))
        self.table.scatter_update(tf.IndexedSlices(values, indices))
        self.num_unvisited.assign_sub(tf.reduce_sum(tf.cast(newly, tf.int64)))
        self.kernel.update(self, indices, apply)

    def set_losses(self, losses) -> None:
        """Start from a full table of finite losses >= 0 (warm start): the first pass is skipped.

        Raises: ValueError: a wrong shape or NaN, infinite or negative losses.
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
        self.kernel.rebuild(self)  # the kept weights, with a new scale (if the method keeps them)

    def get_state(self) -> dict:
        """Everything to resume, as a picklable dict of numpy values (the kept weights too: a rebuild could differ).

        Example:
            >>> sorted(InGraphSampler(4, batch_size=2, method="nis").get_state())[:3]
            ['batch_size', 'epoch', 'epoch_cursor']
        """
        state = {name: np.int64(getattr(self, name).numpy()) for name in COUNTERS}
        state.update(version=STATE_VERSION, num_samples=self.num_samples, batch_size=self.batch_size,
                     seed=np.int64(self.seed.numpy()), sampler_config=self.sampler_config.to_dict(),
                     table=self.table.numpy().copy(), progress=np.float64(self.progress.numpy()))
        state.update({name: variable.numpy().copy() for name, variable in self.kernel.state(self).items()})
        if self.keeps_weights:
            state.update(weights=self.kept_weights.weights.numpy()[: self.num_samples].copy(),
                         weight_scale=np.float32(self.weight_scale.numpy()),
                         weights_exponent=np.float32(self.weights_exponent.numpy()))
        return state

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s dict; every check runs first. Kept weights absent (older): rebuilt.

        Raises: ValueError: a missing key, another N, batch size or config, or NaN/negative table or kept weights.
        Example:
            >>> InGraphSampler(5, batch_size=2, method="nis").set_state(InGraphSampler(4, batch_size=2).get_state())
            Traceback (most recent call last):
            ...
            ValueError: state of N=4, B=2 does not fit this sampler (N=5, B=2)
        """
        required = ("version", "num_samples", "batch_size", "seed", "sampler_config", "table") + COUNTERS
        missing = [key for key in required if key not in state]
        if missing:
            raise ValueError(f"not an InGraphSampler state: missing {', '.join(missing)}")
        if int(state["version"]) != STATE_VERSION:
            raise ValueError(f"state version {state['version']} is not {STATE_VERSION}")
        if int(state["num_samples"]) != self.num_samples or int(state["batch_size"]) != self.batch_size:
            raise ValueError(f"state of N={state['num_samples']}, B={state['batch_size']} does not fit this sampler "
                             f"(N={self.num_samples}, B={self.batch_size})")
        if dict(state["sampler_config"]) != self.sampler_config.to_dict():
            raise ValueError(f"state was saved with sampler {state['sampler_config']}, this sampler is "
                             f"{self.sampler_config.to_dict()}")
        table = np.asarray(state["table"], dtype=np.float32)
        if table.shape != (self.num_samples,) or np.isnan(table).any() or (table < 0).any():
            raise ValueError("the state's loss table has the wrong shape or NaN / negative entries")
        kept = None
        if self.keeps_weights and "weights" in state:
            kept, scale = np.asarray(state["weights"], dtype=np.float32), float(state.get("weight_scale", np.nan))
            if kept.shape != (self.num_samples,) or not np.isfinite(kept).all() or (kept < 0).any() or not (
                    scale >= 0 and np.isfinite(scale)):
                raise ValueError("the state's kept weights have the wrong shape or non-finite / negative entries")
        self.table.assign(table)
        self.seed.assign(int(state["seed"]))
        for name in COUNTERS:
            getattr(self, name).assign(int(state[name]))
        self.progress.assign(float(state.get("progress", 0.0)))  # absent from states saved before it existed
        for name, variable in self.kernel.state(self).items():
            if name in state:
                variable.assign(state[name])
        if kept is None:
            self.kernel.rebuild(self)
        else:
            self.kept_weights.assign(kept)  # the block sums: the same tree of additions, the same floats
            self.weight_scale.assign(float(state["weight_scale"]))
            self.weights_exponent.assign(float(state.get("weights_exponent", np.nan)))
