"""IS-probabilistic: i.i.d. draws with ``p_i = L_i^w / sum_j L_j^w`` (thesis eq. 2.28, 5.1)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.options import check_option
from is_keras.sampling.sampler import Sampler, finite_weights
from is_keras.sampling.sum_tree import FlatWeights, SumTree

_CHUNK = 1 << 20

#: Tables up to this size use ``FlatWeights`` (O(N) cumsum per step), larger a sum tree (O(B log N)).
FLAT_MAX_SIZE = 30_000


class ProbabilisticSampler(Sampler):
    """Draws each batch element independently, proportionally to ``loss ** exponent`` (all weights zero: uniform).

    With ``uniform_mix = λ > 0``, ``p_i = (1 - λ) L_i^w / sum_j L_j^w + λ / N`` (unbiased weights <= ``1 / λ``).

    Args: exponent, uniform_mix: the loss exponent ``w >= 0``; the share λ in [0, 1] of uniform draws.
    Example:
        >>> sampler = ProbabilisticSampler(exponent=2.0)
        >>> sampler.bind(np.array([1.0, 2.0, 0.0]))
        >>> idx = sampler.sample(5000, np.random.default_rng(0))
        >>> round(float(np.mean(idx == 1)), 1), sampler.structure   # 4 / (1 + 4)
        (0.8, 'flat')
    """

    name = "is-probabilistic"
    #: Largest table kept in a flat array (above it: a sum tree); see :data:`FLAT_MAX_SIZE`.
    flat_max_size: int = FLAT_MAX_SIZE

    def __init__(self, exponent: float = 1.0, uniform_mix: float = 0.0):
        self._exponent, self.uniform_mix = check_option("exponent", exponent), check_option("uniform_mix", uniform_mix)
        self._tree: SumTree | FlatWeights | None = None
        self._checked = None  # (losses, weights) of the last check_update

    @property
    def exponent(self) -> float:
        """The loss exponent; setting it rebuilds the structure once, or changes nothing if it would overflow."""
        return self._exponent

    @exponent.setter
    def exponent(self, value: float) -> None:
        value = check_option("exponent", value)
        old, self._exponent = self._exponent, value
        if self._tree is not None:
            try:
                self.rebuild()  # builds the new structure aside: a refusal leaves the old one
            except ValueError:
                self._exponent = old
                raise

    @property
    def structure(self) -> str:
        """``"flat"`` (a flat array, N <= :attr:`flat_max_size`) or ``"sum-tree"``: the one in use (or to build)."""
        kind = self._wanted_structure() if self._tree is None else type(self._tree)
        return "flat" if kind is FlatWeights else "sum-tree"

    def _wanted_structure(self) -> type:
        return FlatWeights if self.table.size <= self.flat_max_size else SumTree

    def rebuild(self) -> None:
        exponent, n = self._exponent, self.table.size
        tree, total = self._wanted_structure().zeros(n), 0.0
        for start in range(0, n, _CHUNK):  # in chunks: no N-sized temporaries at N = 10^7
            weights = finite_weights(self.table[start : start + _CHUNK], exponent)
            _check_finite(weights, exponent)
            with np.errstate(over="ignore"):
                total += float(weights.sum())
            tree.assign(start, weights)
        _check_total(total, exponent)
        tree.refresh()
        self._tree, self._checked = tree, None

    @property
    def nbytes(self) -> int:  # memory of the flat array or the sum tree (the loss table not counted)
        return self._tree.nbytes

    def _update_weights(self, losses: np.ndarray) -> tuple[np.ndarray, float]:
        """``(finite_weights(losses, exponent), their maximum)`` (inf/NaN if some weight is not); fast path first."""
        if self._exponent == 1.0:
            weights = losses
        else:
            with np.errstate(over="ignore"):
                weights = losses ** self._exponent
        if not weights.size:
            return weights, 0.0
        largest = float(np.maximum.reduce(weights))
        if not largest < np.inf:  # an overflow, a NaN or an inf loss: unvisited entries weigh 0
            weights = finite_weights(losses, self._exponent)
            largest = float(np.max(weights)) if np.all(np.isfinite(weights)) else np.inf
        return weights, largest

    def check_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        """Refuse losses whose weights ``L ** exponent`` overflow, alone or in the structure's total.

        Raises: WeightOverflowError: (a ``ValueError``) naming the loss and the exponent.
        """
        weights, largest = self._update_weights(losses)
        if not largest < np.inf:
            _check_finite(weights, self._exponent, losses)
        self._checked = (losses, weights)  # on_update of these same losses reuses the weights
        if indices.size:
            total = self._tree.total
            # cheap bound first (Python floats overflow to inf silently): at most B times the largest new weight
            if total + largest * indices.size <= MAX_TOTAL:
                return
            with np.errstate(over="ignore"):
                # the total after the update: the last value written at each index replaces the old weight
                unique, last = np.unique(indices[::-1], return_index=True)
                after = total - float(self._tree.weights[unique].sum()) + float(weights[::-1][last].sum())
            _check_total(after, self._exponent)

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        checked, self._checked = getattr(self, "_checked", None), None  # (pickles of older versions lack it)
        weights = checked[1] if checked is not None and checked[0] is losses else self._update_weights(losses)[0]
        self._tree.update(indices, weights, checked=True)

    def get_state(self) -> dict:
        key = "weights" if isinstance(self._tree, FlatWeights) else "tree"
        return {"exponent": self._exponent, key: self._tree.get_state()}

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s dict, saved by either structure (each restores into the one N calls for)."""
        try:
            exponent = check_option("exponent", state["exponent"])
            saved = SumTree.from_state(state["tree"]) if "tree" in state else FlatWeights.from_state(state["weights"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"corrupt is-probabilistic sampler state: {error!r}") from None
        if saved.size != self.table.size or not np.array_equal(saved.weights, finite_weights(self.table, exponent)):
            what = "weight array" if isinstance(saved, FlatWeights) else "sum tree"
            raise ValueError(f"corrupt is-probabilistic sampler state: the saved {what} does not match the loss table")
        wanted = self._wanted_structure()
        if not isinstance(saved, wanted):  # saved by the other structure
            saved = wanted(saved.weights)
        self._exponent, self._tree = exponent, saved

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
        total, uniform = self._tree.total, 1.0 / self.table.size
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
        raise WeightOverflowError(f"{loss}** exponent {exponent:g} overflows float64; lower the exponent or scale "
                                  "the losses (nothing was changed)")


def _check_total(total: float, exponent: float) -> None:
    if not total <= MAX_TOTAL:
        raise WeightOverflowError(f"the sum of loss ** exponent ({total:g}, exponent {exponent:g}) exceeds "
                                  f"{MAX_TOTAL:g}; lower the exponent or scale the losses (nothing was changed)")
