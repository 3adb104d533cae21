"""IS-probabilistic: i.i.d. draws with ``p_i = L_i^w / sum_j L_j^w`` (thesis eq. 2.28, 5.1)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import Sampler, finite_weights
from is_keras.sampling.sum_tree import SumTree

_CHUNK = 1 << 20


class ProbabilisticSampler(Sampler):
    """Draws each batch element independently, proportionally to ``loss ** exponent``.

    The weights live in a :class:`SumTree`, so a draw of B indices and the
    update of B losses each cost O(B log N). Changing :attr:`exponent`
    rebuilds the tree once. If every weight is zero (all losses 0) the batch is
    drawn uniformly.

    Args:
        exponent: the loss exponent ``w`` (>= 0); 1.0 is the thesis's default.

    Example:
        >>> sampler = ProbabilisticSampler(exponent=2.0)
        >>> sampler.bind(np.array([1.0, 2.0, 0.0]))
        >>> idx = sampler.sample(5000, np.random.default_rng(0))
        >>> round(float(np.mean(idx == 1)), 1)   # 4 / (1 + 4)
        0.8
    """

    name = "is-probabilistic"

    def __init__(self, exponent: float = 1.0):
        self._exponent = validate_exponent(exponent)
        self._tree: SumTree | None = None

    @property
    def exponent(self) -> float:
        return self._exponent

    @exponent.setter
    def exponent(self, value: float) -> None:
        self._exponent = validate_exponent(value)
        if self._tree is not None:
            self.rebuild()

    def rebuild(self) -> None:
        n = self.table.size
        tree = SumTree.zeros(n)
        for start in range(0, n, _CHUNK):  # in chunks: no N-sized temporaries at N = 10^7
            stop = min(n, start + _CHUNK)
            tree.assign(start, finite_weights(self.table[start:stop], self._exponent))
        tree.refresh()
        self._tree = tree

    @property
    def nbytes(self) -> int:
        """Memory of the sum tree (the loss table not counted)."""
        return self._tree.nbytes

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self._tree.update(indices, finite_weights(losses, self._exponent))

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        if self._tree.total <= 0:
            return rng.integers(0, self.table.size, size=batch_size, dtype=np.int64)
        return self._tree.sample(batch_size, rng)

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray:
        """``p_i = L_i^w / sum_j L_j^w`` for ``indices`` (``1 / N`` when every weight is 0), O(B)."""
        total = self._tree.total
        if total <= 0:
            return np.full(np.shape(indices), 1.0 / self.table.size)
        return self._tree.weights[indices] / total

    def probabilities(self) -> np.ndarray:
        """The current sampling distribution over all N samples."""
        weights = np.array(self._tree.weights)
        total = weights.sum()
        return weights / total if total > 0 else np.full(weights.size, 1.0 / weights.size)


def validate_exponent(exponent: float) -> float:
    exponent = float(exponent)
    if not np.isfinite(exponent) or exponent < 0:
        raise ValueError(f"exponent must be a finite number >= 0, got {exponent}")
    return exponent
