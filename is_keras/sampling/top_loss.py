"""The base of the samplers that read the highest losses of the table (IS-randomsubset, IS-highsubset)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.max_tree import MaxTree
from is_keras.sampling.sampler import Sampler


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
    def nbytes(self) -> int:
        """Memory of the sampler's index structure (the loss table not counted)."""
        return self._tree.nbytes
