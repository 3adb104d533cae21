"""Pick a model's width so that it has about a given number of trainable parameters."""

from __future__ import annotations

from collections.abc import Callable

#: Widths are searched in steps of 1/WIDTH_STEPS so that small budgets are met closely.
WIDTH_STEPS = 8


def channels(multiplier: int, width: float) -> int:
    """Channels of a convolution that has ``multiplier`` times the base width.

    Returns: ``round(multiplier * width)``, at least 1.
    Example:
        >>> channels(2, 4.4), channels(1, 0.1)
        (9, 1)
    """
    return max(1, int(round(multiplier * width)))


def width_for_params(count_params: Callable[[float], int], target: int, *, max_width: float = 4096) -> float:
    """The width (a multiple of 1/8) whose parameter count is closest to ``target``.

    Args:
        count_params: the model's parameter count as a function of its width, not decreasing with it.
        target, max_width: the parameter budget; the widest width searched.
    Returns: The width (float).
    Raises: ValueError: ``target`` is not a positive integer.
    Example:
        >>> width_for_params(lambda w: int(10 * w * w), 1000)
        10.0
    """
    if int(target) != target or target < 1:
        raise ValueError(f"params must be a positive integer, got {target!r}")
    count = lambda k: count_params(k / WIDTH_STEPS)
    lo, hi, top = 1, 1, int(max_width * WIDTH_STEPS)
    while count(hi) < target and hi < top:
        lo, hi = hi, min(hi * 2, top)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if count(mid) < target:
            lo = mid
        else:
            hi = mid
    return min((lo, hi), key=lambda k: abs(count(k) - target)) / WIDTH_STEPS


def resolve_width(width, params, count_params: Callable[[float], int], *, default: float) -> float:
    """``width`` if given, else the width for ``params``, else ``default`` (not both).

    Args:
        width, params: the asked width and parameter budget, or ``None``.
        count_params, default: the parameter count as a function of the width; the width when neither is given.
    Returns: The width (float).
    Raises: ValueError: both ``width`` and ``params`` are given, or the width is not > 0.
    Example:
        >>> resolve_width(None, None, lambda w: int(w), default=8), resolve_width(2, None, lambda w: int(w), default=8)
        (8.0, 2.0)
    """
    if width is not None and params is not None:
        raise ValueError("give either width= or params=, not both")
    if params is not None:
        return width_for_params(count_params, params)
    width = default if width is None else width
    if not width > 0:
        raise ValueError(f"width must be a positive number, got {width!r}")
    return float(width)
