"""``method="auto"``: the configuration the time-to-accuracy benchmark found fastest (uniform if none pays)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import Sampler

#: What ``"auto"`` runs, as fields of a SamplerConfig. ``benchmarks/time_to_accuracy.py`` (2026-12-02) found
#: no configuration faster than uniform sampling on both reference tasks: IS-annealed (ω 1 → 0 at half the
#: run) was fastest on digits (0.86× [0.61, 0.98] uniform's seconds to its best) but saved nothing on
#: synthetic signs (best not reached; 1.04× the samples to the half-run level), Selective-Backprop took
#: 1.7-1.9× the seconds on both, so "auto" falls back to uniform sampling ("nis").
#: Change it here when a new run of the benchmark says otherwise.
AUTO_CONFIG: dict = {"method": "nis"}


class AutoSampler(Sampler):
    """Delegates every call to the sampler of :data:`AUTO_CONFIG`.

    Args:
        config: override :data:`AUTO_CONFIG` (fields of a SamplerConfig; for tests and experiments).

    Example:
        >>> sampler = AutoSampler(config={"method": "nis"})
        >>> sampler.bind(np.ones(4))
        >>> type(sampler.inner).__name__, sampler.draw_probabilities(np.arange(2)).tolist()
        ('UniformSampler', [0.25, 0.25])
    """

    name = "auto"

    def __init__(self, config: dict | None = None):
        from is_keras.sampling.config import SamplerConfig

        self.config = SamplerConfig.from_dict(dict(config if config is not None else AUTO_CONFIG))
        if self.config.method == "auto":
            raise ValueError("the auto configuration cannot itself be 'auto'")
        self.inner = self.config.build_sampler()

    def bind(self, table: np.ndarray) -> None:
        self.table = table
        self.inner.bind(table)

    def rebuild(self) -> None:
        self.inner.rebuild()

    def check_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self.inner.check_update(indices, losses)

    def on_update(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self.inner.on_update(indices, losses)

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        return self.inner.sample(batch_size, rng)

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray | None:
        return self.inner.draw_probabilities(indices)

    def set_progress(self, fraction: float) -> None:
        """Forwarded to the configured sampler (if it follows the run's progress)."""
        hook = getattr(self.inner, "set_progress", None)
        if hook is not None:
            hook(fraction)

    @property
    def has_batch_weights(self) -> bool:
        return bool(getattr(self.inner, "has_batch_weights", False))

    def batch_weights(self, indices: np.ndarray) -> np.ndarray | None:
        hook = getattr(self.inner, "batch_weights", None)
        return hook(indices) if hook is not None else None

    def get_state(self) -> dict:
        return self.inner.get_state()

    def set_state(self, state: dict) -> None:
        self.inner.set_state(state)
