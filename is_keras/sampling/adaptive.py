"""Adaptive: uniform batches until the table's loss concentration ``τ² = N Σ L² / (Σ L)²`` says selection pays
(drawing ``p ∝ L`` divides the gradient's second moment by τ², Katharopoulos & Fleuret 2018, eq. 5–7)."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.rank import REFRESHES_PER_EPOCH, RankSampler
from is_keras.sampling.sampler import Sampler, read_state
from is_keras.sampling.uniform import UniformSampler

#: Selection (rank-based) turns on when τ² reaches the first (``switch_on_at``'s default), off below the second;
#: checked every N / 16 draws.
ACTIVATE_AT, DEACTIVATE_BELOW = 1.5, 1.2


def loss_concentration(table: np.ndarray) -> float:
    """``τ² = N Σ L² / (Σ L)²`` over the finite entries of ``table`` (1: flat; ``nan`` without a positive loss).

    Example:
        >>> loss_concentration(np.array([1.0, 1.0, 1.0, 1.0])), loss_concentration(np.array([4.0, 0.0, 0.0, 0.0]))
        (1.0, 4.0)
    """
    losses = table[np.isfinite(table)]
    total = float(losses.sum())
    squares = float(np.square(losses).sum())  # not np.dot: BLAS threads would contend with the training step's
    return losses.size * squares / total**2 if total > 0 else float("nan")


class AdaptiveSampler(Sampler):
    """``nis`` while the loss is spread out, :class:`~is_keras.sampling.rank.RankSampler` while it is concentrated.

    Args:
        selectivity, uniform_mix: the rank sampler's β and uniform share λ.
        switch_on_at: the concentration τ² at which selection switches on (off below ``DEACTIVATE_BELOW``).
        switch_on_within: selection may first switch on only within this many passes over the data (N draws each)
            after the first pass; a table that is not concentrated by then keeps the run uniform to its end, since
            a concentration that appears only later comes from the model fitting its training set. Once on, the
            rule keeps switching as usual. 0: decided once, at the end of the first pass. ``None``: any time.
    Example:
        >>> sampler = AdaptiveSampler(selectivity=1.0, uniform_mix=0.1)
        >>> sampler.bind(np.ones(64))                     # flat: uniform
        >>> _ = sampler.sample(64, np.random.default_rng(0)); sampler.active
        False
        >>> sampler.table[:4] = 50.0; sampler.on_update(np.arange(4), sampler.table[:4])
        >>> _ = sampler.sample(64, np.random.default_rng(0)); sampler.active, sampler.take_active_share()
        (True, 0.5)
    """

    name = "adaptive"

    def __init__(self, selectivity: float = 1.0, uniform_mix: float = 0.1, switch_on_at: float = ACTIVATE_AT,
                 switch_on_within: float | None = None):
        self.uniform, self.rank = UniformSampler(), RankSampler(selectivity=selectivity, uniform_mix=uniform_mix)
        self.switch_on_at = float(switch_on_at)
        self.switch_on_within = None if switch_on_within is None else float(switch_on_within)

    def rebuild(self) -> None:
        self.uniform.bind(self.table)
        self.rank.bind(self.table)
        self.active, self.concentration = False, float("nan")
        self._since_check = self.table.size  # decide at the first draw
        self._draws = self._active_draws = 0
        self._drawn, self._was_on = 0, False  # draws since bind; selection has been on in this run

    def may_switch_on(self) -> bool:
        """Whether selection may switch on now: it has been on before, or the draws are within the window."""
        return (self._was_on or self.switch_on_within is None
                or self._drawn <= self.switch_on_within * self.table.size)

    def _decide(self) -> None:
        self.concentration = loss_concentration(self.table)
        if np.isfinite(self.concentration):
            was_active = self.active
            self.active = self.concentration >= (DEACTIVATE_BELOW if self.active else self.switch_on_at)
            self.active = self.active and (was_active or self.may_switch_on())
            if self.active and not was_active:
                self.rank.rebuild()  # ranks of the table as it is now
                self._was_on = True
        self._since_check = 0

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        if self._since_check >= max(1, self.table.size // REFRESHES_PER_EPOCH):
            self._decide()
        self._since_check += batch_size
        self._drawn += batch_size
        self._draws += batch_size
        self._active_draws += batch_size if self.active else 0
        return (self.rank if self.active else self.uniform).sample(batch_size, rng)

    def draw_probabilities(self, indices: np.ndarray) -> np.ndarray:
        return (self.rank if self.active else self.uniform).draw_probabilities(indices)

    def take_active_share(self) -> float:
        """The share of draws made with selection on since the last call (``nan`` if none), then restart counting."""
        share = self._active_draws / self._draws if self._draws else float("nan")
        self._draws = self._active_draws = 0
        return share

    def get_state(self) -> dict:
        return {"uniform": self.uniform.get_state(), "rank": self.rank.get_state(), "active": bool(self.active),
                "since_check": int(self._since_check), "draws": [int(self._draws), int(self._active_draws)],
                "drawn": int(self._drawn), "was_on": bool(self._was_on)}

    def set_state(self, state: dict) -> None:
        uniform, rank, active, since_check, (draws, active_draws), drawn, was_on = read_state(
            state, "adaptive sampler", uniform=dict, rank=dict, active=bool, since_check=int,
            draws=lambda v: [int(d) for d in v], drawn=int, was_on=bool)
        self.uniform.set_state(uniform)
        self.rank.set_state(rank)
        self.active, self._since_check, self._draws, self._active_draws = active, since_check, draws, active_draws
        self._drawn, self._was_on = drawn, was_on
        self.concentration = loss_concentration(self.table)
