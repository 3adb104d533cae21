"""Schedules of a sampling method's strength over the run: the factor in [0, 1] on the loss exponent at progress t."""

from __future__ import annotations

import math

from is_keras.sampling.options import Option

#: Schedule shapes understood by :func:`exponent_factor`.
SCHEDULES = ("step", "linear", "cosine")


def check_fraction(name: str, value, *, allow_zero: bool = False, allow_one: bool = True) -> float:
    """``value`` as a float in (0, 1] (or [0, 1] / (0, 1) as asked): an :class:`~is_keras.sampling.options.Option`.

    Raises: OptionError: (a ``ValueError``) naming ``name``, when ``value`` is not a number in range.
    Example:
        >>> check_fraction("switch_fraction", 0.5)
        0.5
    """
    closed = {(True, True): "both", (True, False): "left", (False, True): "right"}.get((allow_zero, allow_one))
    return Option(float, 0, 1, closed=closed or "neither").check(name, value)


def exponent_factor(progress: float, *, end: float, shape: str = "linear") -> float:
    """The share of the loss exponent left at ``progress``; 0 from ``end`` on.

    Args:
        progress, end: fraction of the run done (clipped to [0, 1]); where the factor reaches 0, in (0, 1].
        shape: ``"step"`` (1 before ``end``), ``"linear"`` (``1 - progress / end``) or ``"cosine"``.
    Returns: a float in [0, 1].
    Raises: ValueError: an unknown ``shape`` or ``end`` outside (0, 1].
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
    return 1.0 - progress / end if shape == "linear" else 0.5 * (1.0 + math.cos(math.pi * progress / end))
