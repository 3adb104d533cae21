"""Learning-rate schedules over a run's budget of training steps: constant, cosine (with warm-up), step.

Each is a registered Keras ``LearningRateSchedule`` (it saves to ``.keras`` files) of the optimizer's iterations.
"""

from __future__ import annotations

import math
import numbers

import keras
from keras import ops

from is_keras.sampling.options import Option

#: The values of ``lr_schedule`` (TrainingConfig field, sweep key, ``--lr-schedule``).
LR_SCHEDULES = ("constant", "cosine", "step")

#: ``step``: the learning rate is divided by 10 from half of the budget and by 100 from three quarters.
STEP_BOUNDARIES = ((0.5, 0.1), (0.75, 0.01))
_RATE = Option(float, low=0, closed="right")  # "learning_rate must be a finite number > 0, got ..."


def check_lr_schedule(kind, warmup=0.0) -> tuple[str, float]:
    """Validate a schedule name and warm-up fraction (the errors name ``lr_schedule`` / ``lr_warmup``).

    Args:
        kind: one of :data:`LR_SCHEDULES`.
        warmup: fraction of the budget, in [0, 1), of linear warm-up from 0 (``"cosine"`` only).
    Returns: ``(kind, float(warmup))``.
    Raises: ValueError: for an unknown schedule, a warm-up outside [0, 1), or a warm-up with another schedule.
    Example:
        >>> check_lr_schedule("cosine", 0.1)
        ('cosine', 0.1)
    """
    if not isinstance(kind, str) or kind not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {kind!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, numbers.Real) or not (
            math.isfinite(warmup) and 0 <= warmup < 1):
        raise ValueError(f"lr_warmup must be a fraction of the run in [0, 1), got {warmup!r}")
    if warmup > 0 and kind != "cosine":
        raise ValueError(f"lr_warmup applies to lr_schedule 'cosine' only, got lr_warmup={warmup!r} "
                         f"with lr_schedule {kind!r}")
    return kind, float(warmup)


def _check_budget(budget_steps) -> int:
    if isinstance(budget_steps, bool) or not isinstance(budget_steps, numbers.Integral) or budget_steps < 1:
        raise ValueError(f"budget_steps must be an integer >= 1, got {budget_steps!r}")
    return int(budget_steps)


@keras.saving.register_keras_serializable(package="is_keras")
class CosineToZero(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 over ``warmup × budget_steps`` steps, then cosine decay to exactly 0 at the budget.

    After the warm-up, at ``t = (step - W) / (budget_steps - W)``: ``learning_rate × 0.5 × (1 + cos(π t))``.

    Args:
        learning_rate, budget_steps: the peak rate, > 0; the run's training steps, >= 1.
        warmup: fraction of the budget in [0, 1).
    Raises: ValueError: for a bad argument.
    Example:
        >>> schedule = CosineToZero(1.0, 10)
        >>> [round(float(schedule(s)), 3) for s in (0, 5, 10)]
        [1.0, 0.5, 0.0]
    """

    def __init__(self, learning_rate: float, budget_steps: int, warmup: float = 0.0, name: str | None = None):
        super().__init__()
        self.learning_rate = _RATE.check("learning_rate", learning_rate)
        self.budget_steps = _check_budget(budget_steps)
        self.warmup = check_lr_schedule("cosine", warmup)[1]
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        budget = float(self.budget_steps)
        warm = self.warmup * budget
        t = ops.clip((step - warm) / (budget - warm), 0.0, 1.0)
        decayed = self.learning_rate * 0.5 * (1.0 + ops.cos(math.pi * t))
        decayed = ops.where(t >= 1.0, ops.zeros_like(decayed), decayed)
        if warm > 0:
            decayed = ops.where(step < warm, self.learning_rate * step / warm, decayed)
        return decayed

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "budget_steps": self.budget_steps, "warmup": self.warmup,
                "name": self.name}


@keras.saving.register_keras_serializable(package="is_keras")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``learning_rate`` until half of the budget, ÷10 from 1/2, ÷100 from 3/4 (:data:`STEP_BOUNDARIES`).

    Args:
        learning_rate, budget_steps: the initial rate, > 0; the run's training steps, >= 1.
    Raises: ValueError: for a bad argument.
    Example:
        >>> schedule = StepDecay(1.0, 8)
        >>> [round(float(schedule(s)), 3) for s in (0, 3, 4, 5, 6, 8)]
        [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    """

    def __init__(self, learning_rate: float, budget_steps: int, name: str | None = None):
        super().__init__()
        self.learning_rate = _RATE.check("learning_rate", learning_rate)
        self.budget_steps = _check_budget(budget_steps)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        rate = ops.full_like(step, self.learning_rate)
        for fraction, factor in STEP_BOUNDARIES:
            rate = ops.where(step >= fraction * self.budget_steps, self.learning_rate * factor, rate)
        return rate

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "budget_steps": self.budget_steps, "name": self.name}


def learning_rate_schedule(kind: str, *, learning_rate: float, budget_steps: int, warmup: float = 0.0):
    """The optimizer's ``learning_rate`` for schedule ``kind`` over a run of ``budget_steps`` steps.

    Args:
        kind: ``"constant"``, ``"cosine"`` (:class:`CosineToZero`) or ``"step"`` (:class:`StepDecay`).
        learning_rate, budget_steps: the base rate, > 0; the run's training steps (epochs × steps per epoch), >= 1.
        warmup: ``"cosine"``'s warm-up fraction of the budget, in [0, 1).
    Returns: ``float(learning_rate)`` for ``"constant"``, otherwise a ``LearningRateSchedule``.
    Raises: ValueError: naming ``lr_schedule``, ``lr_warmup``, ``learning_rate`` or ``budget_steps``.
    Example:
        >>> learning_rate_schedule("constant", learning_rate=1e-3, budget_steps=100)
        0.001
        >>> type(learning_rate_schedule("cosine", learning_rate=1e-3, budget_steps=100, warmup=0.05)).__name__
        'CosineToZero'
    """
    kind, warmup = check_lr_schedule(kind, warmup)
    learning_rate = _RATE.check("learning_rate", learning_rate)
    budget_steps = _check_budget(budget_steps)
    if kind == "cosine":
        return CosineToZero(learning_rate, budget_steps, warmup)
    if kind == "step":
        return StepDecay(learning_rate, budget_steps)
    return learning_rate
