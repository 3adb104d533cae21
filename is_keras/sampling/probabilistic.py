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
        """The loss exponent; setting it rebuilds the tree once, or changes nothing if it would overflow."""
        return self._exponent

    @exponent.setter
    def exponent(self, value: float) -> None:
        value = validate_exponent(value)
        old, self._exponent = self._exponent, value
        if self._tree is not None:
            try:
                self.rebuild()  # builds the new tree aside: a refusal leaves the old one
            except ValueError:
                self._exponent = old
                raise

    def rebuild(self) -> None:
        self._tree = self._build_tree(self._exponent)

    def _build_tree(self, exponent: float) -> SumTree:
        n = self.table.size
        tree = SumTree.zeros(n)
        total = 0.0
        for start in range(0, n, _CHUNK):  # in chunks: no N-sized temporaries at N = 10^7
            stop = min(n, start + _CHUNK)
            weights = finite_weights(self.table[start:stop], exponent)
            _check_finite(weights, exponent)
            with np.errstate(over="ignore"):
                total += float(weights.sum())
            tree.assign(start, weights)
        _check_total(total, exponent)
        tree.refresh()
        return tree

    @property
    def nbytes(self) -> int:
        """Memory of the sum tree (the loss table not counted)."""
        return self._tree.nbytes

    def check_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        """Refuse losses whose weights ``L ** exponent`` overflow, alone or in the tree's total.

        Raises:
            WeightOverflowError: (a ``ValueError``) naming the loss and the exponent.
        """
        weights = finite_weights(losses, self._exponent)
        _check_finite(weights, self._exponent, losses)
        if indices.size:
            # the total after the update: the last value written at each index replaces the old weight
            unique, last = np.unique(indices[::-1], return_index=True)
            with np.errstate(over="ignore"):  # an overflowing sum shows as inf and is refused
                after = self._tree.total - float(self._tree.weights[unique].sum()) + float(weights[::-1][last].sum())
            _check_total(after, self._exponent)

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self._tree.update(indices, finite_weights(losses, self._exponent))

    def get_state(self) -> dict:
        return {"exponent": self._exponent, "tree": self._tree.get_state()}

    def set_state(self, state: dict) -> None:
        try:
            exponent, tree = validate_exponent(state["exponent"]), SumTree.from_state(state["tree"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"corrupt is-probabilistic sampler state: {error!r}") from None
        if tree.size != self.table.size or not np.array_equal(tree.weights, finite_weights(self.table, exponent)):
            raise ValueError("corrupt is-probabilistic sampler state: the saved sum tree does not match the loss table")
        self._exponent, self._tree = exponent, tree

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


#: Largest sum of weights the tree may hold (far from float64's 1.8e308, so no partial sum overflows).
MAX_TOTAL = 1e300


class WeightOverflowError(ValueError):
    """``loss ** exponent`` (or the sum of all weights) is too large for float64; nothing was changed.

    Example:
        >>> sampler = ProbabilisticSampler(exponent=1.0)
        >>> sampler.bind(np.ones(3))
        >>> try:
        ...     sampler.check_update(np.array([0, 1]), np.array([1e308, 1e308]))
        ... except WeightOverflowError as error:
        ...     print(str(error)[:45])
        the sum of loss ** exponent (inf, exponent 1)
    """


def _check_finite(weights: np.ndarray, exponent: float, losses: np.ndarray | None = None) -> None:
    if weights.size and not np.all(np.isfinite(weights)):
        where = int(np.argmax(~np.isfinite(weights)))
        loss = f"loss {losses[where]:g} " if losses is not None else "a loss "
        raise WeightOverflowError(
            f"{loss}** exponent {exponent:g} overflows float64; lower the exponent or scale the losses "
            "(nothing was changed)"
        )


def _check_total(total: float, exponent: float) -> None:
    if not total <= MAX_TOTAL:
        raise WeightOverflowError(
            f"the sum of loss ** exponent ({total:g}, exponent {exponent:g}) exceeds {MAX_TOTAL:g}; lower the "
            "exponent or scale the losses (nothing was changed)"
        )


def validate_uniform_mix(uniform_mix: float) -> float:
    """``uniform_mix`` as a float in [0, 1] (``ValueError`` otherwise).

    Example:
        >>> validate_uniform_mix(0.25)
        0.25
    """
    uniform_mix = float(uniform_mix)
    if not 0.0 <= uniform_mix <= 1.0:
        raise ValueError(f"uniform_mix must be in [0, 1], got {uniform_mix}")
    return uniform_mix


def validate_exponent(exponent: float) -> float:
    """``exponent`` as a finite float >= 0 (``ValueError`` otherwise).

    Example:
        >>> validate_exponent(2)
        2.0
    """
    exponent = float(exponent)
    if not np.isfinite(exponent) or exponent < 0:
        raise ValueError(f"exponent must be a finite number >= 0, got {exponent}")
    return exponent
