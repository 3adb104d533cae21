"""Schedules of a sampling method's strength over the run: how much importance sampling is left at progress t.

Training progress ``t`` is the fraction of the run done, in [0, 1]; the
trainer reports it to the generator (``generator.set_progress(t)``) at
every epoch start. A schedule maps ``t`` to a factor in [0, 1] that scales
the loss exponent ω: 1 keeps the full importance sampling, 0 is uniform
sampling. The thesis names switching from importance to uniform sampling
later in training as future work; annealing ω towards 0 is its gradual form.
"""

from __future__ import annotations

import math

#: Schedule shapes understood by :func:`exponent_factor`.
SCHEDULES = ("step", "linear", "cosine")


def check_fraction(name: str, value, *, allow_zero: bool = False, allow_one: bool = True) -> float:
    """``value`` as a float in (0, 1] (or [0, 1] / (0, 1) as asked).

    Raises:
        ValueError: naming ``name`` when ``value`` is not a number in range.

    Example:
        >>> check_fraction("switch_fraction", 0.5)
        0.5
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    low_ok = value > 0 or (allow_zero and value == 0)
    high_ok = value < 1 or (allow_one and value == 1)
    if not (math.isfinite(value) and low_ok and high_ok):
        low = "[0" if allow_zero else "(0"
        high = "1]" if allow_one else "1)"
        raise ValueError(f"{name} must be in {low}, {high}, got {value}")
    return value


def exponent_factor(progress: float, *, end: float, shape: str = "linear") -> float:
    """The share of the loss exponent left at ``progress``; 0 from ``end`` on.

    * ``"step"``: 1 before ``end``, 0 from ``end`` on (the IS→uniform switch);
    * ``"linear"``: ``1 - progress / end``;
    * ``"cosine"``: ``(1 + cos(π · progress / end)) / 2``.

    Args:
        progress: fraction of the run done (clipped to [0, 1]).
        end: the progress at which the factor reaches 0, in (0, 1].
        shape: one of :data:`SCHEDULES`.

    Returns:
        a float in [0, 1], non-increasing in ``progress``.

    Raises:
        ValueError: for an unknown ``shape`` or ``end`` outside (0, 1].

    Example:
        >>> [exponent_factor(t, end=0.5) for t in (0.0, 0.25, 0.5, 0.9)]
        [1.0, 0.5, 0.0, 0.0]
        >>> exponent_factor(0.49, end=0.5, shape="step"), exponent_factor(0.5, end=0.5, shape="step")
        (1.0, 0.0)
    """
    end = check_fraction("end", end)
    if shape not in SCHEDULES:
        raise ValueError(f"unknown schedule {shape!r}; valid schedules are: {', '.join(SCHEDULES)}")
    progress = min(1.0, max(0.0, float(progress)))
    if progress >= end:
        return 0.0
    if shape == "step":
        return 1.0
    if shape == "linear":
        return 1.0 - progress / end
    return 0.5 * (1.0 + math.cos(math.pi * progress / end))
