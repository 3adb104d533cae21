"""IS-annealed: IS-probabilistic whose loss exponent ω falls linearly to 0 over the first part of the run."""

from __future__ import annotations

from is_keras.sampling.options import check_option
from is_keras.sampling.schedules import exponent_factor
from is_keras.sampling.switch import SwitchSampler


class AnnealedSampler(SwitchSampler):
    """Draws with ``p_i ∝ L_i^ω(t)``, ``ω(t) = ω₀ · (1 - t / switch_fraction)``, then uniform permutations.

    Args:
        exponent, uniform_mix: ω₀ >= 0; λ while annealing (as ``is-probabilistic``).
        switch_fraction: the fraction of the run at which ω reaches 0, in (0, 1].
    Example:
        >>> import numpy as np
        >>> sampler = AnnealedSampler(exponent=2.0, switch_fraction=0.8)
        >>> sampler.bind(np.array([1.0, 2.0]))
        >>> sampler.set_progress(0.4)
        >>> sampler.current_exponent, sampler.draw_probabilities(np.arange(2)).round(3).tolist()   # ∝ L^1
        (1.0, [0.333, 0.667])
    """

    name = "is-annealed"

    def __init__(self, exponent: float = 1.0, uniform_mix: float = 0.0, switch_fraction: float = 0.5):
        super().__init__(exponent=exponent, uniform_mix=uniform_mix, switch_fraction=switch_fraction)
        self._start_exponent = self._importance.exponent

    @property
    def exponent(self) -> float:
        """The starting exponent ω₀; setting it re-applies the schedule at the current progress."""
        return self._start_exponent

    @exponent.setter
    def exponent(self, value: float) -> None:
        self._start_exponent = check_option("exponent", value)
        self._apply_schedule()

    @property
    def current_exponent(self) -> float:
        """ω(t) at the current progress t."""
        return self._start_exponent * exponent_factor(self.progress, end=self.switch_fraction)

    def set_progress(self, fraction: float) -> None:  # sets ω(t): one O(N) rebuild when it changes
        super().set_progress(fraction)
        self._apply_schedule()

    def get_state(self) -> dict:
        return dict(super().get_state(), start_exponent=self._start_exponent)

    def set_state(self, state: dict) -> None:
        self._start_exponent = check_option("exponent", state["start_exponent"])
        super().set_state(state)

    def _apply_schedule(self) -> None:
        target = self.current_exponent
        if not self.switched and target != self._importance.exponent:
            self._importance.exponent = target  # rebuilds the sum tree once (if bound)
