"""The interface every sampling method implements."""

from __future__ import annotations

import abc

import numpy as np


class Sampler(abc.ABC):
    """Chooses a batch of sample indices from the current loss table (float64, ``inf``: not visited yet).

    Example:
        >>> class FirstK(Sampler):
        ...     name = "first-k"
        ...     def sample(self, batch_size, rng):
        ...         return np.arange(batch_size, dtype=np.int64)
        >>> sampler = FirstK()
        >>> sampler.bind(np.zeros(5))
        >>> sampler.sample(3, None).tolist()
        [0, 1, 2]
    """

    #: The method name users pass to ``ImportanceBatchGenerator(method=...)``.
    name: str = ""

    def bind(self, table: np.ndarray) -> None:
        """Attach the loss table (done once, before any draw)."""
        self.table = table
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute any index structure from the whole table (O(N))."""

    def check_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        """Raise a ``ValueError`` if :meth:`on_update` would fail (called before the table is written)."""

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        """The table entries ``indices`` now hold ``losses`` (already passed :meth:`check_update`)."""

    def get_state(self) -> dict:
        """The sampler's own structures (not the table) as a dict of copies, for resuming a run."""
        return {}

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s dict; the table is already bound. ``ValueError`` if it does not fit."""
        self.rebuild()

    def set_progress(self, fraction: float) -> None:
        """The fraction of the run done, in [0, 1], every epoch; scheduled methods follow it, the default ignores it."""

    #: True if :meth:`batch_weights` gives loss weights of the method's own (e.g. InfoBatch's rescale).
    has_batch_weights: bool = False

    def batch_weights(self, indices: np.ndarray) -> np.ndarray | None:
        """The method's own float32 loss weights for the batch just drawn; ``None`` (the default): all 1."""
        return None

    @abc.abstractmethod
    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``batch_size`` indices as an int64 array."""

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray | None:
        """One draw's probability of each of ``indices``; ``None`` without a per-draw distribution (subset methods)."""
        return None


def read_state(state: dict, what: str, **readers) -> tuple:
    """``reader(state[key])`` for each keyword, in order; a missing key or bad value: ``ValueError("corrupt ...")``."""
    try:
        return tuple(read(state[key]) for key, read in readers.items())
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"corrupt {what} state: {error!r}") from None


def finite_weights(losses: np.ndarray, exponent: float) -> np.ndarray:
    """``L ** exponent`` with unvisited (non-finite) entries given weight 0 (an overflow gives ``inf``).

    Example:
        >>> finite_weights(np.array([2.0, np.inf, 0.0]), 2.0).tolist()
        [4.0, 0.0, 0.0]
    """
    losses = np.asarray(losses, dtype=np.float64)
    weights, visited = np.zeros_like(losses), np.isfinite(losses)
    if exponent == 1.0:
        weights[visited] = losses[visited]
    else:
        with np.errstate(over="ignore"):  # an overflow shows as inf; callers check
            weights[visited] = losses[visited] ** exponent
    return weights
