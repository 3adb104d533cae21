"""NIS: uniform sampling without replacement, a fresh permutation every epoch."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import Sampler, read_state


class UniformSampler(Sampler):
    """The baseline ("NIS"): walk through a random permutation, reshuffle when it runs out.

    Example:
        >>> sampler = UniformSampler()
        >>> sampler.bind(np.zeros(4))
        >>> rng = np.random.default_rng(0)
        >>> sorted(np.concatenate([sampler.sample(2, rng), sampler.sample(2, rng)]).tolist())
        [0, 1, 2, 3]
    """

    name = "nis"

    def rebuild(self) -> None:
        self._order, self._cursor = np.empty(0, dtype=np.int64), 0

    def get_state(self) -> dict:
        return {"order": self._order.copy(), "cursor": int(self._cursor)}

    def set_state(self, state: dict) -> None:
        order, cursor = read_state(state, "nis sampler", order=np.asarray, cursor=int)
        n = self.table.size
        if order.ndim != 1 or (order.size and (order.size != n or order.dtype.kind not in "iu"
                                               or not np.array_equal(np.sort(order), np.arange(n)))):
            raise ValueError(f"corrupt nis sampler state: the epoch order is not a permutation of {n} samples")
        if not 0 <= cursor <= order.size:
            raise ValueError(f"corrupt nis sampler state: position {cursor} outside the epoch order")
        self._order, self._cursor = order.astype(np.int64), cursor

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray:  # each draw's marginal: 1 / N
        return np.full(np.shape(indices), 1.0 / self.table.size)

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        parts, needed = [], batch_size
        while needed > 0:
            if self._cursor >= self._order.size:
                self._order, self._cursor = rng.permutation(self.table.size).astype(np.int64), 0
            take = self._order[self._cursor : self._cursor + needed]
            self._cursor += take.size
            needed -= take.size
            parts.append(take)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
