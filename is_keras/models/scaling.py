"""Pick a model's width so that it has about a given number of trainable parameters."""

from __future__ import annotations

from collections.abc import Callable


def width_for_params(count_params: Callable[[int], int], target: int, max_width: int = 4096) -> int:
    """The integer width whose parameter count is closest to ``target``.

    ``count_params(width)`` must increase with the width (true for every
    model here: widening multiplies every convolution's channels).

    Example:
        >>> width_for_params(lambda w: 10 * w * w, 1000)
        10
    """
    if int(target) != target or target < 1:
        raise ValueError(f"params must be a positive integer, got {target!r}")
    lo, hi = 1, 1
    while count_params(hi) < target and hi < max_width:
        lo, hi = hi, min(hi * 2, max_width)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if count_params(mid) < target:
            lo = mid
        else:
            hi = mid
    return min((lo, hi), key=lambda w: abs(count_params(w) - target))


def resolve_width(width, params, count_params: Callable[[int], int], default: int) -> int:
    """``width`` if given, else the width for ``params``, else ``default`` (not both)."""
    if width is not None and params is not None:
        raise ValueError("give either width= or params=, not both")
    if params is not None:
        return width_for_params(count_params, params)
    width = default if width is None else width
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    return int(width)
