"""The interface every sampling method implements."""

from __future__ import annotations

import abc

import numpy as np


class Sampler(abc.ABC):
    """Chooses a batch of sample indices from the current loss table.

    A sampler is bound to one loss table (a float64 array with one entry per
    training sample; ``inf`` marks a sample not visited yet). The generator
    calls :meth:`on_update` after every change to the table, so a sampler can
    keep an index structure (a sum tree, a top-k set) in step with it instead
    of rebuilding it on every draw.
    """

    #: The method name users pass to ``ImportanceBatchGenerator(method=...)``.
    name: str = ""

    def bind(self, table: np.ndarray) -> None:
        """Attach the loss table (done once, before any draw)."""
        self.table = table
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute any index structure from the whole table (O(N))."""

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        """The table entries ``indices`` now hold ``losses``."""

    @abc.abstractmethod
    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``batch_size`` indices as an int64 array."""

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray | None:
        """The probability with which one draw picks each of ``indices`` (from the current table).

        ``None`` when the method has no per-draw distribution to reweight by
        (the subset methods pick the top of a subset deterministically).
        """
        return None


def finite_weights(losses: np.ndarray, exponent: float) -> np.ndarray:
    """``L ** exponent`` with unvisited (non-finite) entries given weight 0."""
    losses = np.asarray(losses, dtype=np.float64)
    weights = np.zeros_like(losses)
    visited = np.isfinite(losses)
    weights[visited] = losses[visited] if exponent == 1.0 else losses[visited] ** exponent
    return weights
