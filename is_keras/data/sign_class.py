"""The 43 synthetic sign classes: how each GTSRB class (same order and names) is drawn: shape, colours, symbol."""

from __future__ import annotations

from dataclasses import dataclass

from is_keras.data.gtsrb import GTSRB_CLASS_NAMES

RED, WHITE, BLUE = (200, 30, 40), (236, 236, 232), (25, 75, 170)
YELLOW, BLACK, GRAY, GREEN = (240, 185, 20), (22, 22, 22), (130, 130, 130), (34, 150, 60)


@dataclass(frozen=True)
class SignClass:
    """How one class is drawn: outline shape, border band, fill, symbol.

    Args:
        name, border_width: the GTSRB class name; the border band's width as a fraction of the sign's radius.
        shape: ``"circle"``, ``"triangle"``, ``"inverted_triangle"``, ``"octagon"``, ``"diamond"`` or ``"square"``.
        border, fill: RGB of the border band and inside it.
        symbol, symbol_color: what :func:`~is_keras.data.sign_symbols.draw_symbol` draws (``"digits:30"``...); its RGB.
    Example:
        >>> SignClass("stop", "octagon", WHITE, RED, "stop").shape
        'octagon'
        >>> SYNTHETIC_SIGN_CLASSES[14].name, SYNTHETIC_SIGN_CLASSES[14].shape
        ('stop', 'octagon')
    """

    name: str
    shape: str
    border: tuple
    fill: tuple
    symbol: str
    symbol_color: tuple = BLACK
    border_width: float = 0.2


def _classes() -> tuple[SignClass, ...]:
    ring = dict(shape="circle", border=RED, fill=WHITE)
    warn = dict(shape="triangle", border=RED, fill=WHITE, border_width=0.16)
    blue = dict(shape="circle", border=WHITE, fill=BLUE, symbol_color=WHITE, border_width=0.05)
    end = dict(shape="circle", border=GRAY, fill=WHITE, symbol_color=GRAY, border_width=0.05)
    spec = [
        (ring, "digits:20"), (ring, "digits:30"), (ring, "digits:50"), (ring, "digits:60"), (ring, "digits:70"),
        (ring, "digits:80"), (end, "struck_digits:80"), (ring, "digits:100"), (ring, "digits:120"),
        (ring, "cars"), (ring, "truck_car"), (warn, "cross"),
        (dict(shape="diamond", border=WHITE, fill=YELLOW, border_width=0.14), "none"),
        (dict(shape="inverted_triangle", border=RED, fill=WHITE, border_width=0.16), "none"),
        (dict(shape="octagon", border=WHITE, fill=RED, symbol_color=WHITE, border_width=0.05), "stop"),
        (ring, "none"), (ring, "truck"),
        (dict(shape="circle", border=RED, fill=RED, symbol_color=WHITE), "bar"),
        (warn, "exclaim"), (warn, "curve_left"), (warn, "curve_right"), (warn, "double_curve"),
        (warn, "bumps"), (warn, "slippery"), (warn, "narrows_right"), (warn, "roadwork"), (warn, "signals"),
        (warn, "pedestrian"), (warn, "children"), (warn, "bicycle"), (warn, "snowflake"), (warn, "deer"),
        (end, "stripes"), (blue, "turn_right"), (blue, "turn_left"), (blue, "ahead"), (blue, "ahead_right"),
        (blue, "ahead_left"), (blue, "keep_right"), (blue, "keep_left"), (blue, "roundabout"),
        (end, "struck_cars"), (end, "struck_truck_car"),
    ]  # fmt: skip
    return tuple(SignClass(name, symbol=symbol, **style) for name, (style, symbol) in zip(GTSRB_CLASS_NAMES, spec))


#: The 43 classes, indexed like GTSRB's ClassId.
SYNTHETIC_SIGN_CLASSES = _classes()
