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

    With ``uniform_mix = λ > 0`` each draw is uniform with probability λ and
    from the tree otherwise: ``p_i = (1 - λ) L_i^w / sum_j L_j^w + λ / N``.
    This bounds the unbiased importance weights ``1 / (N p_i)`` by ``1 / λ``
    (a sample whose table loss is stale and tiny cannot get a huge weight).

    Args:
        exponent: the loss exponent ``w`` (>= 0); 1.0 is the thesis's default.
        uniform_mix: share λ in [0, 1] of uniform draws (default 0: the thesis's scheme).

    Example:
        >>> sampler = ProbabilisticSampler(exponent=2.0)
        >>> sampler.bind(np.array([1.0, 2.0, 0.0]))
        >>> idx = sampler.sample(5000, np.random.default_rng(0))
        >>> round(float(np.mean(idx == 1)), 1)   # 4 / (1 + 4)
        0.8
    """

    name = "is-probabilistic"

    def __init__(self, exponent: float = 1.0, uniform_mix: float = 0.0):
        self._exponent = validate_exponent(exponent)
        self.uniform_mix = validate_uniform_mix(uniform_mix)
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
        if self.uniform_mix == 0.0:
            return self._tree.sample(batch_size, rng)
        uniform = rng.random(batch_size) < self.uniform_mix  # which draws are uniform
        batch = np.empty(batch_size, dtype=np.int64)
        batch[uniform] = rng.integers(0, self.table.size, size=int(uniform.sum()), dtype=np.int64)
        batch[~uniform] = self._tree.sample(int((~uniform).sum()), rng)
        return batch

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray:
        """``p_i = (1 - λ) L_i^w / sum_j L_j^w + λ / N`` for ``indices`` (``1 / N`` when every weight is 0), O(B)."""
        total = self._tree.total
        uniform = 1.0 / self.table.size
        if total <= 0:
            return np.full(np.shape(indices), uniform)
        return (1.0 - self.uniform_mix) * (self._tree.weights[indices] / total) + self.uniform_mix * uniform

    def probabilities(self) -> np.ndarray:
        """The current sampling distribution over all N samples."""
        return self.draw_probabilities(np.arange(self.table.size))


def validate_uniform_mix(uniform_mix: float) -> float:
    uniform_mix = float(uniform_mix)
    if not 0.0 <= uniform_mix <= 1.0:
        raise ValueError(f"uniform_mix must be in [0, 1], got {uniform_mix}")
    return uniform_mix


def validate_exponent(exponent: float) -> float:
    exponent = float(exponent)
    if not np.isfinite(exponent) or exponent < 0:
        raise ValueError(f"exponent must be a finite number >= 0, got {exponent}")
    return exponent
