"""The samplers that read the highest losses of the table (thesis §5.1.3): IS-randomsubset and IS-highsubset."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.max_tree import MaxTree
from is_keras.sampling.options import check_option
from is_keras.sampling.sampler import Sampler, finite_weights

# window sizing of smallest_of_random_subset (any values give the exact distribution)
_WINDOW_SIGMAS = 4.0
_WINDOW_EXTRA = 8.0


class TopLossSampler(Sampler):
    """A sampler that keeps a :class:`MaxTree` (``self._tree``) over the loss table in step with every update.

    Example:
        >>> class TopTwo(TopLossSampler):
        ...     def sample(self, batch_size, rng):
        ...         return self._tree.top(2)
        >>> sampler = TopTwo()
        >>> sampler.bind(np.array([0.1, 0.9, 0.5]))
        >>> sorted(sampler.sample(2, None).tolist())
        [1, 2]
    """

    _tree: MaxTree | None = None

    def rebuild(self) -> None:
        self._tree = MaxTree(self.table)

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self._tree.update(indices)

    def get_state(self) -> dict:
        return self._tree.get_state()

    def set_state(self, state: dict) -> None:
        tree = MaxTree(self.table)
        tree.set_state(state)
        self._tree = tree

    @property
    def nbytes(self) -> int:  # memory of the max tree (the loss table not counted)
        return self._tree.nbytes


class RandomSubsetSampler(TopLossSampler):
    """The ``batch_size`` highest losses (descending, no duplicates) of a random ``subset_fraction * N`` subset.

    O(B log N) a step: the subset's B smallest ranks (:func:`smallest_of_random_subset`) read off a :class:`MaxTree`.

    Args: subset_fraction: the subset's share of N in (0, 1]; never smaller than the batch.
    Example:
        >>> sampler = RandomSubsetSampler(subset_fraction=1.0)
        >>> sampler.bind(np.array([0.1, 0.9, 0.5, 0.3]))
        >>> sampler.sample(2, np.random.default_rng(0)).tolist()
        [1, 2]
    """

    name = "is-randomsubset"

    def __init__(self, subset_fraction: float = 0.1):
        self.subset_fraction = float(check_option("subset_fraction", subset_fraction))

    def subset_size(self, batch_size: int) -> int:
        n = self.table.size
        return min(n, max(batch_size, int(round(self.subset_fraction * n))))

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """``batch_size`` indices; a batch larger than N is made of several draws of N (each without repeats)."""
        n, m = self.table.size, self.subset_size(batch_size)
        parts, needed = [], batch_size
        while needed > 0:
            ranks = smallest_of_random_subset(n, m, min(needed, m), rng)
            window = self._ranked(int(ranks[-1]) + 1, rng)
            parts.append(window[ranks])
            needed -= ranks.size
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _ranked(self, needed: int, rng: np.random.Generator) -> np.ndarray:
        """The samples at ranks ``0 .. needed-1`` (highest loss first, ties in random order)."""
        table, ids = self.table, self._tree.top(needed + 1)
        values = table[ids]
        if ids.size > needed and values[needed] == values[needed - 1]:
            # the tie group at the last needed rank may continue past the window: take all of it
            tied_value = values[needed - 1]
            start, group = int(np.searchsorted(-values, -tied_value, side="left")), np.flatnonzero(table == tied_value)
            ids = np.concatenate([ids[:start], group])
            values = table[ids]
        if ids.size > 1 and np.any(values[1:] == values[:-1]):
            # every tie group in the window is complete here: shuffle within groups
            ids = ids[np.lexsort((rng.random(ids.size), -values))]
        return ids



class HighSubsetSampler(TopLossSampler):
    """Draws i.i.d. ``∝ loss ** exponent`` among the ``subset_size`` highest-loss samples (ties in a fixed order).

    Args: subset_size, exponent: samples drawn from, >= 1, capped at N; the loss exponent >= 0.
    Example:
        >>> sampler = HighSubsetSampler(subset_size=2)
        >>> sampler.bind(np.array([0.1, 0.9, 0.5, 0.3]))
        >>> sorted(set(sampler.sample(50, np.random.default_rng(0)).tolist()))
        [1, 2]
    """

    name = "is-highsubset"

    def __init__(self, subset_size: int = 1000, exponent: float = 1.0):
        self.subset_size = int(check_option("subset_size", subset_size))
        self.exponent = check_option("exponent", exponent)

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        subset = self._tree.top(self.subset_size)
        weights = finite_weights(self.table[subset], self.exponent)
        total = weights.sum()
        if not np.isfinite(total):  # huge losses or exponent: the same distribution, computed relative to the max
            losses = self.table[subset]
            finite = np.isfinite(losses)
            top = losses[finite].max() if finite.any() else 0.0
            weights = finite_weights(losses / top, self.exponent) if top > 0 else np.zeros(subset.size)
            total = weights.sum()
        p = weights / total if total > 0 else None
        return subset[rng.choice(subset.size, size=batch_size, replace=True, p=p)].astype(np.int64)

def smallest_of_random_subset(population: int, subset_size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """The ``count`` smallest elements of a uniform random ``subset_size``-subset of ``range(population)``.

    Exact, in O(count · population / subset_size): windows whose member counts are hypergeometric.

    Returns: sorted int64 array of ``count`` values.
    Example:
        >>> rng = np.random.default_rng(0)
        >>> smallest_of_random_subset(10, 10, 3, rng).tolist()   # the subset is everything
        [0, 1, 2]
        >>> len(smallest_of_random_subset(10**9, 10**8, 256, rng))
        256
    """
    population, subset_size, count = int(population), int(subset_size), int(count)
    if not 0 < count <= subset_size <= population:
        raise ValueError(f"need 0 < count <= subset_size <= population, got count={count}, "
                         f"subset_size={subset_size}, population={population}")
    parts, start, remaining, to_place, needed = [], 0, population, subset_size, count
    while needed > 0:
        # members wanted in the window, on average: enough that one window almost always suffices
        expected = needed + _WINDOW_SIGMAS * np.sqrt(needed) + _WINDOW_EXTRA
        window = max(1, min(remaining, int(np.ceil(expected * remaining / to_place))))
        inside = to_place if window == remaining else int(rng.hypergeometric(window, remaining - window, to_place))
        members = np.sort(rng.choice(window, size=inside, replace=False))[:needed]
        parts.append(start + members)
        needed -= members.size
        start, remaining, to_place = start + window, remaining - window, to_place - inside
    return np.concatenate(parts).astype(np.int64)
