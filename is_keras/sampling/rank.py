"""IS-rank: draw probability rising with the loss's rank in the table (Loshchilov & Hutter 2015): Selective-Backprop's
rule (Jiang et al. 2019) on the table's losses, with no extra forward."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import Sampler, read_state

#: The sorted snapshot is rebuilt after every ``N // REFRESHES_PER_EPOCH`` draws.
REFRESHES_PER_EPOCH = 16


def rank_probabilities(num_samples: int, selectivity: float, uniform_mix: float) -> np.ndarray:
    """Draw probability of the sample of each rank, lowest loss first: ``(1-λ) (r/N)^β / Σ (r/N)^β + λ/N``.

    Args: num_samples, selectivity, uniform_mix: the table size N; the exponent β >= 0; the uniform share λ in [0, 1].
    Returns: ``(N,)`` float64 probabilities summing to 1.
    Example:
        >>> rank_probabilities(4, 1.0, 0.0).tolist()
        [0.1, 0.2, 0.3, 0.4]
    """
    weights = (np.arange(1, num_samples + 1, dtype=np.float64) / num_samples) ** selectivity
    return (1.0 - uniform_mix) * weights / weights.sum() + uniform_mix / num_samples


class RankSampler(Sampler):
    """I.i.d. draws with probability ``(1-λ) (rank/N)^β / Σ + λ/N`` of the loss's rank (1 = lowest loss).

    Args: selectivity, uniform_mix: β >= 0 (Selective-Backprop's; 0 is uniform); λ in [0, 1], the uniform share.
    Example:
        >>> sampler = RankSampler(selectivity=1.0)
        >>> sampler.bind(np.array([5.0, 1.0, 3.0]))      # ranks 3, 1, 2
        >>> idx = sampler.sample(6000, np.random.default_rng(0))
        >>> [round(float(np.mean(idx == i)), 1) for i in range(3)]   # 3/6, 1/6, 2/6
        [0.5, 0.2, 0.3]
    """

    name = "is-rank"

    def __init__(self, selectivity: float = 1.0, uniform_mix: float = 0.1):
        self.selectivity, self.uniform_mix = float(selectivity), float(uniform_mix)

    def rebuild(self) -> None:  # a table with unvisited entries is sorted again at the next draw
        n = self.table.size
        self._order = np.argsort(self.table, kind="stable").astype(np.int64)  # position r -> sample of rank r+1
        self._rank = np.empty(n, dtype=np.int64)
        self._rank[self._order] = np.arange(n)
        self._probabilities = rank_probabilities(n, self.selectivity, self.uniform_mix)
        self._cumulative = np.cumsum(self._probabilities)
        self._cumulative[-1] = 1.0
        self._draws = 0 if np.all(np.isfinite(self.table)) else n

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        if self._draws >= max(1, self.table.size // REFRESHES_PER_EPOCH):  # then the ranks are refreshed
            self.rebuild()
        positions = np.searchsorted(self._cumulative, rng.random(batch_size), side="right")
        self._draws += batch_size
        return self._order[np.minimum(positions, self.table.size - 1)]

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray:  # from the snapshot drawn from
        return self._probabilities[self._rank[np.asarray(indices, dtype=np.int64)]]

    def get_state(self) -> dict:
        return {"order": self._order.copy(), "draws": int(self._draws)}

    def set_state(self, state: dict) -> None:
        order, draws = read_state(state, "is-rank sampler", order=lambda v: np.asarray(v, dtype=np.int64), draws=int)
        n = self.table.size
        if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)) or draws < 0:
            raise ValueError(f"corrupt is-rank sampler state: the rank order is not a permutation of {n} samples")
        self.rebuild()
        self._order, self._draws = order, draws
        self._rank[order] = np.arange(n)
