"""InfoBatch-style pruning: each pass skips a random share of the below-mean-loss samples and rescales the rest."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.options import check_option
from is_keras.sampling.sampler import Sampler


class InfoBatchSampler(Sampler):
    """Walks through permutations of a pruned training set (after Qin et al., InfoBatch, ICLR 2024).

    Each pass skips below-mean-loss samples with probability ``r = prune_ratio`` and weighs the kept ones
    ``1 / (1 - r)``; from ``prune_until`` of the run on, passes are full with weights 1.

    Args: prune_ratio, prune_until: r in [0, 1); the fraction of the run after which nothing is pruned, in (0, 1].
    Example:
        >>> sampler = InfoBatchSampler(prune_ratio=0.5)
        >>> sampler.bind(np.array([0.1, 0.1, 0.1, 0.1, 5.0, 5.0]))   # mean 1.73: four low, two high
        >>> batch = sampler.sample(2, np.random.default_rng(0))
        >>> sorted(set(sampler.batch_weights(batch).tolist()) | {1.0, 2.0})
        [1.0, 2.0]
        >>> sampler.pass_size <= 6 and {4, 5} <= set(sampler.pass_order.tolist())
        True
    """

    name = "infobatch"
    has_batch_weights = True

    def __init__(self, prune_ratio: float = 0.5, prune_until: float = 0.875):
        self.prune_ratio = check_option("prune_ratio", prune_ratio)
        self.prune_until = check_option("prune_until", prune_until)
        self.progress = 0.0

    def rebuild(self) -> None:
        self.pass_order, self._cursor = np.empty(0, dtype=np.int64), 0
        self._pass_weights = np.ones(self.table.size, dtype=np.float32)
        self._last = None  # (indices, weights) of the latest batch

    @property
    def pruning(self) -> bool:
        """True while passes are pruned (progress below ``prune_until``)."""
        return self.progress < self.prune_until

    @property
    def pass_size(self) -> int:
        """Samples in the current pass (N minus the pruned ones)."""
        return int(self.pass_order.size)

    def set_progress(self, fraction: float) -> None:  # takes effect at the next pass
        self.progress = min(1.0, max(0.0, float(fraction)))

    def get_state(self) -> dict:
        return {"progress": self.progress, "pass_order": self.pass_order.copy(), "cursor": self._cursor,
                "pass_weights": self._pass_weights.copy()}

    def set_state(self, state: dict) -> None:
        weights = np.asarray(state["pass_weights"], dtype=np.float32)
        order = np.asarray(state["pass_order"], dtype=np.int64)
        if weights.shape != (self.table.size,) or (order.size and order.max() >= self.table.size):
            raise ValueError(f"the InfoBatch state belongs to a table of {weights.size} samples, not {self.table.size}")
        self.progress, self.pass_order, self._cursor = float(state["progress"]), order.copy(), int(state["cursor"])
        self._pass_weights, self._last = weights.copy(), None

    def _new_pass(self, rng: np.random.Generator) -> None:
        n = self.table.size
        weights = np.ones(n, dtype=np.float32)
        if self.pruning and self.prune_ratio > 0:
            table = self.table
            visited, low = np.isfinite(table), np.zeros(n, dtype=bool)
            if visited.any():
                low[visited] = table[visited] < table[visited].mean()
            pruned = low & (rng.random(n) < self.prune_ratio)
            kept = np.flatnonzero(~pruned)
            weights[low] = 1.0 / (1.0 - self.prune_ratio)
            order = kept[rng.permutation(kept.size)]
        else:
            order = rng.permutation(n)
        self.pass_order, self._pass_weights, self._cursor = order.astype(np.int64), weights, 0

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        parts, weights, needed = [], [], batch_size
        while needed > 0:
            if self._cursor >= self.pass_order.size:
                self._new_pass(rng)
            take = self.pass_order[self._cursor : self._cursor + needed]
            self._cursor += take.size
            needed -= take.size
            parts.append(take)
            weights.append(self._pass_weights[take])
        batch = parts[0] if len(parts) == 1 else np.concatenate(parts)
        self._last = (batch, np.concatenate(weights) if len(weights) > 1 else weights[0])
        return batch

    def batch_weights(self, indices: np.ndarray) -> np.ndarray:
        """Loss weights (float32): ``1 / (1 - r)`` for kept below-mean samples, else 1; per pass for the last batch."""
        if self._last is not None and self._last[0] is indices:
            return self._last[1]
        return self._pass_weights[np.asarray(indices, dtype=np.int64)]
