"""The importance batch generator: a loss table, a sampler, and a ``tf.data`` face."""

from __future__ import annotations

import collections
import dataclasses
import threading

import numpy as np

from is_keras.sampling.batch_stream import draw_ahead, generator_dataset
from is_keras.sampling.config import SamplerConfig, candidate_count
from is_keras.sampling.first_pass import FirstPass
from is_keras.sampling.reweighting import importance_weights
from is_keras.sampling.validation import check_batch_size, check_dataset, check_update

#: Format version of :meth:`ImportanceBatchGenerator.get_state`'s dict.
STATE_VERSION = 1
#: The one-by-one sampler options: every :class:`~is_keras.sampling.config.SamplerConfig` field.
_OPTIONS = tuple(field.name for field in dataclasses.fields(SamplerConfig))


class ImportanceBatchGenerator:
    """Draws training batches from a loss table (``inf`` at first) that is updated after every step.

    A first pass trains every sample once, then the method draws; candidate methods hand out C uniform candidates.

    Args:
        x, y: inputs, an array (or ``np.memmap``) ``(N, ...)``; 1-D integer labels or per-sample target arrays.
        batch_size, seed: samples per batch (>= 1); seeds the first-pass order and every draw.
        sampler_config: the method and its options; or give any ``SamplerConfig`` field as a keyword, not both.
        initial_losses: optional starting table of N finite losses >= 0 (warm start: no first pass).
    Raises:
        ValueError: for bad data (e.g. a ``tf.data.Dataset``), batch size or options, or options given both ways.
        TypeError: for a keyword that is no ``SamplerConfig`` field.
    Warns: UserWarning: for integer images (e.g. uint8 in 0-255): scale them to floats first.
    Example:
        >>> x, y = np.random.rand(1000, 8, 8, 1).astype("float32"), np.random.randint(0, 10, size=1000)
        >>> gen = ImportanceBatchGenerator(x, y, batch_size=32, method="is-probabilistic", seed=0)
        >>> gen.update(gen.next_indices(), np.ones(32))
        >>> gen.loss_table.shape, gen.sampler_config.method
        ((1000,), 'is-probabilistic')
    """

    def __init__(self, x, y, *, batch_size: int = 256, sampler_config: SamplerConfig | None = None,
                 seed: int | None = 0, initial_losses=None, **options):
        unknown = [name for name in options if name not in _OPTIONS]
        if unknown:
            raise TypeError(f"ImportanceBatchGenerator() got an unexpected keyword argument {unknown[0]!r}; "
                            f"the sampler options are: {', '.join(_OPTIONS)}")
        if sampler_config is None:
            sampler_config = SamplerConfig(**options)
        elif not isinstance(sampler_config, SamplerConfig):
            raise ValueError(f"sampler_config must be a SamplerConfig, got {type(sampler_config).__name__}")
        elif options:
            raise ValueError(f"give either sampler_config or {', '.join(options)}, not both")
        self.num_samples, self.batch_size = check_dataset(x, y), check_batch_size(batch_size)
        self.x, self.y, self.seed = x, y, seed
        self._config = sampler_config
        self._sampler = sampler_config.build_sampler()
        self._rng = np.random.default_rng(seed)
        self._lock = threading.RLock()
        self.num_updates = self.num_draws = 0
        self._last_from_first_pass = False
        self._ahead, self._in_flight = collections.deque(), collections.deque()  # drawn for / handed out by the stream
        self._stream = None  # (id, updates at its start, prefetch, elements handed out) of the active stream
        self._selector = self._selector_state = None  # the step's CandidateSelector, or its state before attaching
        if initial_losses is None:
            self._table = np.full(self.num_samples, np.inf, dtype=np.float64)
        else:
            self._table = _as_table(initial_losses, self.num_samples).copy()
        no_pass = initial_losses is not None or self.selects_candidates
        self._first_pass = FirstPass([] if no_pass else self._rng.permutation(self.num_samples))
        self._sampler.bind(self._table)

    @property
    def sampler_config(self) -> SamplerConfig:
        """The method and its options (the exponent as it is now)."""
        return self._config

    @property
    def method(self) -> str:
        """The sampling method's name."""
        return self._config.method

    @property
    def unbiased(self) -> bool:
        """Whether :meth:`next_batch` returns importance weights ``1 / (N p_i)``."""
        return self._config.unbiased

    @property
    def loss_table(self) -> np.ndarray:
        """The current table, a read-only view of shape (N,); ``inf`` = not visited yet."""
        view = self._table.view()
        view.flags.writeable = False
        return view

    @property
    def in_first_pass(self) -> bool:
        """True until every sample has been handed out and has a loss."""
        return not self._first_pass.is_done(self._table)

    @property
    def steps_per_epoch(self) -> int:
        """Batches needed to train N samples: ``ceil(N / batch_size)``."""
        return -(-self.num_samples // self.batch_size)

    @property
    def selects_candidates(self) -> bool:
        """True for a candidate method: :meth:`next_batch` returns C candidates, the step selects B."""
        return bool(self._config.spec.selects_candidates)

    @property
    def candidates_per_step(self) -> int:
        """Indices per :meth:`next_batch`: C (:func:`~is_keras.sampling.config.candidate_count`) or ``batch_size``.

        Example:
            >>> x, y = np.zeros((100, 2), "float32"), np.zeros(100, "int64")
            >>> ImportanceBatchGenerator(x, y, batch_size=8, method="selective-backprop").candidates_per_step
            32
        """
        if not self.selects_candidates:
            return self.batch_size
        return candidate_count(self.batch_size, self._config.candidate_factor, self.num_samples)

    def attach_selector(self, selector) -> None:
        """Keep the step's ``CandidateSelector`` in :meth:`get_state` and pickles (``ValueError``: a restored state
        does not fit it)."""
        with self._lock:
            if self._selector_state is not None:
                selector.set_state(self._selector_state)
                self._selector_state = None
            self._selector = selector

    @property
    def sampler(self):
        """The sampling method's object (see :mod:`is_keras.sampling`)."""
        return self._sampler

    @property
    def exponent(self) -> float | None:
        """The loss exponent; setting it rebuilds the sampler's structure once (a refused value changes nothing)."""
        return getattr(self._sampler, "exponent", None)

    @exponent.setter
    def exponent(self, value: float) -> None:
        if "exponent" not in self._config.spec.options:
            raise ValueError(f"method {self.method!r} has no loss exponent")
        with self._lock:
            config = dataclasses.replace(self._config, exponent=value)  # validates
            self._sampler.exponent = config.exponent  # raises before changing anything
            self._config = config

    def get_state(self) -> dict:
        """Everything needed to continue this run bit-identically: a dict of copies (numpy arrays, plain values).

        Example:
            >>> x, y = np.zeros((100, 2), "float32"), np.zeros(100, "int64")
            >>> gen = ImportanceBatchGenerator(x, y, batch_size=32, seed=0)
            >>> gen.update(gen.next_indices(), np.ones(32))
            >>> twin = ImportanceBatchGenerator(x, y, batch_size=32, seed=1)
            >>> twin.set_state(gen.get_state())
            >>> bool(np.array_equal(twin.next_indices(), gen.next_indices()))
            True
        """
        with self._lock:
            state = {
                "version": STATE_VERSION, "num_samples": int(self.num_samples), "batch_size": int(self.batch_size),
                "sampler_config": self._config.to_dict(), "table": self._table.copy(),
                "sampler": self._sampler.get_state(), "rng": self._rng.bit_generator.state,
                "first_pass": self._first_pass.get_state(),
                # batches a dataset iterator took but did not train yet come first: a new iterator re-issues them
                "ahead": [(idx.copy(), w.copy()) for idx, w in list(self._in_flight) + list(self._ahead)],
                "num_updates": int(self.num_updates), "num_draws": int(self.num_draws),
            }
            if self._selector is not None:
                state["candidate_selector"] = self._selector.get_state()
            elif self._selector_state is not None:
                state["candidate_selector"] = dict(self._selector_state)
            return state

    def set_state(self, state: dict) -> None:
        """Continue from :meth:`get_state`'s dict (any time; nothing changes if it is refused).

        Raises: ValueError: for a state of another dataset size, batch size or method, or a corrupt one.
        Example:
            >>> x, y = np.zeros((10, 1), "float32"), np.zeros(10, "int64")
            >>> ImportanceBatchGenerator(x[:5], y[:5], batch_size=2).set_state(
            ...     ImportanceBatchGenerator(x, y, batch_size=2).get_state())
            Traceback (most recent call last):
            ...
            ValueError: the state was saved for 10 samples; this generator has 5
        """
        with self._lock:
            selector_state = state.get("candidate_selector") if isinstance(state, dict) else None
            if selector_state is not None and self._selector is not None:
                self._selector.check_state(selector_state)  # before anything changes
            self._restore(state)
            if selector_state is not None and self._selector is not None:
                self._selector.set_state(selector_state)
            elif selector_state is not None:
                self._selector_state = dict(selector_state)

    def _restore(self, state: dict) -> None:
        """:meth:`set_state` without the selector: everything is checked before anything changes."""
        if not isinstance(state, dict):
            raise ValueError(f"a generator state must be a dict, got {type(state).__name__}")
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported generator state version {state.get('version')!r}; expected {STATE_VERSION}")
        for key in ("num_samples", "batch_size", "sampler_config", "table", "sampler", "rng", "first_pass",
                    "ahead", "num_updates", "num_draws"):
            if key not in state:
                raise ValueError(f"corrupt generator state: missing {key!r}")
        n = self.num_samples
        if state["num_samples"] != n:
            raise ValueError(f"the state was saved for {state['num_samples']} samples; this generator has {n}")
        if state["batch_size"] != self.batch_size:
            raise ValueError(f"the state was saved with batch_size {state['batch_size']}; "
                             f"this generator has {self.batch_size}")
        config = SamplerConfig.from_dict(state["sampler_config"])
        if config.method != self.method:
            raise ValueError(f"the state was saved for method {config.method!r}; this generator uses {self.method!r}")
        table = np.array(state["table"], dtype=np.float64)
        if table.shape != (n,) or np.any(np.isnan(table)) or np.any(table < 0):
            raise ValueError(f"corrupt generator state: the loss table must be ({n},) losses >= 0 or inf")
        sampler = config.build_sampler()
        sampler.bind(table)  # the restored table becomes the generator's own (no copy into the old one)
        sampler.set_state(state["sampler"])
        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = state["rng"]
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"corrupt generator state: bad random-generator state ({error})") from None
        first_pass, ahead = FirstPass.from_state(state["first_pass"], n), collections.deque()
        per_draw = self.candidates_per_step  # C for candidate methods
        for item in state["ahead"]:
            idx, weights = (np.asarray(a) for a in item)
            if idx.shape != (per_draw,) or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= n \
                    or weights.shape != idx.shape:
                raise ValueError("corrupt generator state: a batch drawn ahead does not fit this generator")
            ahead.append((idx.astype(np.int64), weights.astype(np.float32)))
        num_updates, num_draws = int(state["num_updates"]), int(state["num_draws"])
        if num_updates < 0 or num_draws < 0:
            raise ValueError("corrupt generator state: negative counters")
        # everything checked: now change the generator
        self._table, self._sampler, self._config, self._rng = table, sampler, config, rng
        self._first_pass, self._ahead, self._in_flight = first_pass, ahead, collections.deque()
        self._stream, self.num_updates, self.num_draws = None, num_updates, num_draws

    def set_loss_table(self, losses) -> None:
        """Replace the whole table (a warm start; the random stream is not touched); ``inf`` entries are visited first.

        Raises: ValueError: for a wrong shape, NaN or negative losses, or weights that overflow.
        Example:
            >>> gen = ImportanceBatchGenerator(np.zeros((3, 1)), np.zeros(3, "int64"), batch_size=2)
            >>> gen.set_loss_table([0.0, 0.0, 2.0])
            >>> gen.loss_table.tolist()
            [0.0, 0.0, 2.0]
        """
        table = np.asarray(losses, dtype=np.float64)
        if table.shape != (self.num_samples,):
            raise ValueError(f"the loss table must have shape ({self.num_samples},), got {table.shape}")
        if np.any(np.isnan(table)) or np.any(table < 0):
            raise ValueError("the loss table must hold losses >= 0 (or inf for unvisited samples); found NaN or < 0")
        with self._lock:
            table, sampler = table.copy(), self._config.build_sampler()
            sampler.bind(table)  # raises (e.g. overflow) before anything changes
            self._table, self._sampler = table, sampler
            if not np.all(np.isfinite(table)) and not self._first_pass.active and not self.selects_candidates:
                self._first_pass = FirstPass(np.flatnonzero(~np.isfinite(table)).astype(np.int64))

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_lock"]
        if self._selector is not None:  # a tf.Module does not pickle: keep its state, re-attach to continue
            state["_selector_state"] = self._selector.get_state()
        # a dataset iterator does not survive pickling: a new one re-issues the batches in flight
        state.update(_stream=None, _ahead=collections.deque(list(self._in_flight) + list(self._ahead)),
                     _in_flight=collections.deque(), _selector=None)
        return state

    def __setstate__(self, state):
        self.__dict__.update({"_selector": None, "_selector_state": None} | state)
        self._lock = threading.RLock()  # (pickle keeps the sampler and the generator on one shared table)

    def next_indices(self) -> np.ndarray:
        """The indices of the next batch, an int64 array of shape ``(candidates_per_step,)``."""
        with self._lock:
            draw = self.num_draws
            self.num_draws += 1
            batch = self._first_pass.next_batch(self._table, num_updates=self.num_updates, draw_number=draw,
                                                batch_size=self.batch_size, rng=self._rng)
            self._last_from_first_pass = batch is not None
            return batch if batch is not None else self._sampler.sample(self.candidates_per_step, self._rng)

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next batch's indices and their float32 loss weights (``1 / (N p_i)`` if ``unbiased``, else 1).

        Example:
            >>> gen = ImportanceBatchGenerator(np.zeros((100, 2)), np.zeros(100, "int64"), batch_size=32, unbiased=True)
            >>> indices, weights = gen.next_batch()
            >>> weights.shape
            (32,)
        """
        with self._lock:  # re-entrant: the draw and its probabilities see the same table
            indices = self.next_indices()
            if self._last_from_first_pass:
                return indices, np.ones(indices.size, dtype=np.float32)
            weights = np.ones(indices.size, dtype=np.float32)
            if self.unbiased:
                weights = importance_weights(self._sampler.draw_probabilities(indices), self.num_samples)
            own = self._sampler.batch_weights(indices)  # a method's own weights (infobatch's rescale)
            return indices, weights if own is None else (weights * own).astype(np.float32)

    @property
    def weighted(self) -> bool:
        """True if batches carry loss weights: ``unbiased``, or a method with weights of its own (infobatch)."""
        return self.unbiased or bool(self._sampler.has_batch_weights)

    def set_progress(self, fraction: float) -> None:
        """Tell the sampler the fraction of the run done, in [0, 1] (scheduled methods follow it)."""
        with self._lock:
            self._sampler.set_progress(min(1.0, max(0.0, float(fraction))))

    def take_sampling_active(self) -> float | None:
        """Share of the draws since the last call made with selection on (``adaptive``/``auto``); None for others."""
        take = getattr(self._sampler, "take_active_share", None)
        if take is None:
            return None
        with self._lock:
            share = take()
        return 0.0 if np.isnan(share) else share

    def update(self, indices, losses) -> None:
        """Write one step's per-sample losses into the table.

        Raises: ValueError: bad indices or losses, or overflowing sampling weights (nothing is changed then).
        """
        indices, losses = check_update(indices, losses, self.num_samples)
        with self._lock:
            self._sampler.check_update(indices, losses)
            draw_ahead(self)
            self._table[indices] = losses
            self._sampler.on_update(indices, losses)
            self.num_updates += 1
            if self._in_flight:
                self._in_flight.popleft()

    def gather(self, indices: np.ndarray):
        """``(x[indices], y[indices])`` as numpy arrays."""
        return np.asarray(self.x[indices]), np.asarray(self.y[indices])

    def as_dataset(self, prefetch: int = 1):
        """An endless ``tf.data.Dataset`` of ``(x_batch, y_batch, indices[, weights])`` (weights if :attr:`weighted`).

        With ``prefetch=k`` the batch of step ``t`` is drawn after exactly ``t - k`` updates; call :meth:`update`
        once after each step, in order. A new iterator ends the previous one.
        Example:
            >>> x, y = np.zeros((100, 2), "float32"), np.zeros(100, "int64")
            >>> gen = ImportanceBatchGenerator(x, y, batch_size=32)
            >>> for x_batch, y_batch, idx in gen.as_dataset().take(3):
            ...     gen.update(idx.numpy(), np.ones(32))    # in real use: the step's per-sample losses
            >>> gen.num_updates
            3
        """
        return generator_dataset(self, prefetch)


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

