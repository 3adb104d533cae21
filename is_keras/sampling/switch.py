"""IS→uniform switch: IS-probabilistic for the first part of the run, uniform sampling after it."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.options import check_option
from is_keras.sampling.probabilistic import ProbabilisticSampler
from is_keras.sampling.sampler import Sampler
from is_keras.sampling.uniform import UniformSampler


class ImportanceAndUniform(Sampler):
    """A sampler made of an importance part ``_importance`` (``∝ L^ω``) and a uniform part ``_uniform``."""

    def __init__(self, exponent: float = 1.0, uniform_mix: float = 0.0):
        self._importance = ProbabilisticSampler(exponent=exponent, uniform_mix=uniform_mix)
        self._uniform = UniformSampler()

    @property
    def exponent(self) -> float:
        """The loss exponent ω of the importance part."""
        return self._importance.exponent

    @exponent.setter
    def exponent(self, value: float) -> None:
        self._importance.exponent = value

    def rebuild(self) -> None:
        self._importance.bind(self.table)
        self._uniform.bind(self.table)

    def check_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self._importance.check_update(indices, losses)

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self._importance.on_update(indices, losses)

    def get_state(self) -> dict:
        """Both parts' structures (copies)."""
        return {"uniform": self._uniform.get_state(), "importance": self._importance.get_state()}

    def set_state(self, state: dict) -> None:
        self._uniform.set_state(state["uniform"])
        self._importance.set_state(state["importance"])


class SwitchSampler(ImportanceAndUniform):
    """Draws like ``is-probabilistic`` (``p_i ∝ L_i^ω``) until ``switch_fraction`` of the run, then uniformly.

    Args:
        exponent, uniform_mix: ω >= 0 and λ before the switch (as ``is-probabilistic``).
        switch_fraction: the fraction of the run after which sampling is uniform, in (0, 1].
    Example:
        >>> sampler = SwitchSampler(exponent=1.0, switch_fraction=0.5)
        >>> sampler.bind(np.array([0.0, 1.0, 3.0]))
        >>> sampler.draw_probabilities(np.arange(3)).tolist()
        [0.0, 0.25, 0.75]
        >>> sampler.set_progress(0.5)
        >>> sampler.draw_probabilities(np.arange(3)).round(3).tolist()
        [0.333, 0.333, 0.333]
    """

    name = "is-switch"

    def __init__(self, exponent: float = 1.0, uniform_mix: float = 0.0, switch_fraction: float = 0.5):
        super().__init__(exponent=exponent, uniform_mix=uniform_mix)
        self.switch_fraction = check_option("switch_fraction", switch_fraction)
        self.progress, self._tree_stale = 0.0, False

    @property
    def uniform_mix(self) -> float:
        return self._importance.uniform_mix

    @property
    def switched(self) -> bool:
        """True from ``switch_fraction`` of the run on (uniform draws)."""
        return self.progress >= self.switch_fraction

    def rebuild(self) -> None:
        super().rebuild()
        self._tree_stale = False

    def set_progress(self, fraction: float) -> None:
        self.progress = min(1.0, max(0.0, float(fraction)))
        if not self.switched and self._tree_stale:
            self._importance.rebuild()
            self._tree_stale = False

    def check_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        if not self.switched:
            self._importance.check_update(indices, losses)

    def get_state(self) -> dict:
        return dict(super().get_state(), progress=self.progress, exponent=self._importance.exponent,
                    tree_stale=self._tree_stale)

    def set_state(self, state: dict) -> None:
        self.progress = float(state["progress"])
        self._importance.exponent = float(state["exponent"])
        super().set_state(state)
        self._tree_stale = False  # set_state rebuilt the tree from the current table

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        if self.switched:
            self._tree_stale = True
        else:
            self._importance.on_update(indices, losses)

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        return (self._uniform if self.switched else self._importance).sample(batch_size, rng)

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray:
        return (self._uniform if self.switched else self._importance).draw_probabilities(indices)
