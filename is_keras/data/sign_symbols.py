"""The 43 synthetic sign classes (GTSRB's order and names: shape, colours, symbol) and the symbols drawn in them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
        symbol, symbol_color: what :func:`draw_symbol` draws (``"digits:30"``...); its RGB.
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

_SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
             "7": "abc", "8": "abcdefg", "9": "abcdfg"}  # fmt: skip


def draw_symbol(draw, symbol: str, colour, red, center, unit: float) -> None:
    """Draw one sign's symbol with ``PIL.ImageDraw`` in a unit square around ``center``.

    Args:
        draw: a ``PIL.ImageDraw.ImageDraw`` of an RGBA image.
        symbol: ``"none"``, ``"digits:<n>"``, ``"struck_digits:<n>"``, ``"stop"``, ``"cars"``, ... (see the classes).
        colour, red: RGBA of the symbol; of its red parts (the red car, the top signal light).
        center, unit: ``(x, y)`` of the symbol's centre in pixels; pixels per unit (the symbol spans about [-1, 1]).
    Raises: ValueError: an unknown symbol.
    Example:
        >>> from PIL import Image, ImageDraw
        >>> image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        >>> draw_symbol(ImageDraw.Draw(image), "digits:30", (0, 0, 0, 255), (200, 0, 0, 255), (20, 20), 15)
        >>> int((np.asarray(image)[..., 3] > 0).sum()) > 50
        True
    """
    cx, cy = center

    def pt(x, y):
        return (cx + x * unit, cy + y * unit)

    def line(points, w, c=colour):
        draw.line([pt(*p) for p in points], fill=c, width=max(1, round(w * unit)), joint="curve")

    def disc(x, y, r, c=colour):
        draw.ellipse((cx + (x - r) * unit, cy + (y - r) * unit, cx + (x + r) * unit, cy + (y + r) * unit), fill=c)

    def box(x1, y1, x2, y2, c=colour):
        draw.rectangle((*pt(x1, y1), *pt(x2, y2)), fill=c)

    def polygon(points):
        draw.polygon([pt(*p) for p in points], fill=colour)

    def ring(x):  # a bicycle wheel
        draw.ellipse((*pt(x - 0.32, 0.05), *pt(x + 0.32, 0.69)), outline=colour, width=max(1, round(0.1 * unit)))

    def arrow(points, w=0.22, c=colour):
        *body, tip = points
        (px, py) = body[-1]
        length = math.hypot(tip[0] - px, tip[1] - py)
        ux, uy = (tip[0] - px) / length, (tip[1] - py) / length
        head = 2.2 * w
        base = (tip[0] - ux * head, tip[1] - uy * head)
        line(body + [base], w, c)
        half = 1.3 * w
        left, right = pt(base[0] - uy * half, base[1] + ux * half), pt(base[0] + uy * half, base[1] - ux * half)
        draw.polygon([pt(*tip), left, right], fill=c)

    def car(x1, y1, x2, y2, c):
        box(x1, y1 + 0.3 * (y2 - y1), x2, y2 - 0.15 * (y2 - y1), c)
        box(x1 + 0.2 * (x2 - x1), y1, x2 - 0.2 * (x2 - x1), y1 + 0.35 * (y2 - y1), c)
        disc(x1 + 0.25 * (x2 - x1), y2 - 0.12 * (y2 - y1), 0.1, c)
        disc(x2 - 0.25 * (x2 - x1), y2 - 0.12 * (y2 - y1), 0.1, c)

    def truck(x1, y1, x2, y2, c):
        box(x1, y1, x1 + 0.68 * (x2 - x1), y2 - 0.15 * (y2 - y1), c)
        box(x1 + 0.72 * (x2 - x1), y1 + 0.35 * (y2 - y1), x2, y2 - 0.15 * (y2 - y1), c)
        disc(x1 + 0.2 * (x2 - x1), y2 - 0.1 * (y2 - y1), 0.1, c)
        disc(x2 - 0.15 * (x2 - x1), y2 - 0.1 * (y2 - y1), 0.1, c)

    def person(x, y, s):
        disc(x, y - 0.6 * s, 0.17 * s)
        line([(x, y - 0.4 * s), (x, y + 0.2 * s)], 0.2 * s)
        line([(x - 0.3 * s, y + 0.8 * s), (x, y + 0.2 * s), (x + 0.3 * s, y + 0.8 * s)], 0.16 * s)
        line([(x - 0.3 * s, y + 0.05 * s), (x, y - 0.25 * s), (x + 0.3 * s, y + 0.05 * s)], 0.13 * s)

    def stripes():
        for shift in (-0.5, -0.25, 0.0, 0.25, 0.5):
            line([(-0.7 + shift, 0.7 + shift), (0.7 + shift, -0.7 + shift)], 0.06)

    def digits(text):
        n = len(text)
        w, gap, h = (0.5, 0.22, 1.1) if n <= 2 else (0.38, 0.13, 1.0)
        x0, y0 = -(n * w + (n - 1) * gap) / 2, -h / 2
        for i, ch in enumerate(text):
            left, right, top, mid, bottom = x0 + i * (w + gap), x0 + i * (w + gap) + w, y0, y0 + h / 2, y0 + h
            ends = {"a": ((left, top), (right, top)), "b": ((right, top), (right, mid)),
                    "c": ((right, mid), (right, bottom)), "d": ((left, bottom), (right, bottom)),
                    "e": ((left, mid), (left, bottom)), "f": ((left, top), (left, mid)),
                    "g": ((left, mid), (right, mid))}  # fmt: skip
            for segment in _SEGMENTS[ch]:
                line(list(ends[segment]), 0.17)

    kind, _, argument = symbol.partition(":")
    struck = kind in ("struck_digits", "struck_cars", "struck_truck_car")  # the symbol in one colour, struck through
    kind = kind.removeprefix("struck_") if struck else kind
    sign = -1 if kind.endswith("_left") else 1
    mirrored = {  # "<name>_left" and "<name>_right" -> the drawing calls, in order; left mirrors right
        "curve": [(line, [(-0.2 * sign, 0.75), (-0.2 * sign, 0.0), (0.35 * sign, -0.7)], 0.24)],
        "turn": [(arrow, [(-0.35 * sign, 0.8), (-0.35 * sign, -0.1), (0.75 * sign, -0.1)])],
        "ahead": [(arrow, [(-0.2 * sign, 0.85), (-0.2 * sign, -0.85)]),
                  (arrow, [(-0.2 * sign, 0.45), (0.1 * sign, 0.15), (0.8 * sign, 0.15)], 0.2)],
        "keep": [(arrow, [(-0.55 * sign, -0.55), (0.65 * sign, 0.65)], 0.24)],
    }
    calls = {f"{name}_{side}": value for name, value in mirrored.items() for side in ("left", "right")} | {
        "none": [], "digits": [(digits, argument)], "stripes": [(stripes,)],
        "cars": [(car, -0.85, -0.35, -0.08, 0.35, colour if struck else red), (car, 0.08, -0.35, 0.85, 0.35, colour)],
        "truck_car": [(truck, -0.9, -0.5, -0.05, 0.4, colour if struck else red), (car, 0.1, -0.3, 0.85, 0.35, colour)],
        "truck": [(truck, -0.85, -0.45, 0.85, 0.45, colour)],
        "cross": [(line, [(0, -0.8), (0, 0.7)], 0.26), (line, [(-0.55, -0.15), (0.55, -0.15)], 0.2)],
        "stop": [(box, -0.9 + 0.47 * i, -0.28, -0.55 + 0.47 * i, 0.28) for i in range(4)],
        "bar": [(box, -0.85, -0.2, 0.85, 0.2)],
        "exclaim": [(line, [(0, -0.8), (0, 0.25)], 0.26), (disc, 0, 0.58, 0.15)],
        "double_curve": [(line, [(0.25, 0.8), (0.25, 0.4), (-0.3, 0.0), (0.25, -0.4), (-0.05, -0.8)], 0.2)],
        "bumps": [(line, [(-0.85, 0.45), (-0.6, 0.0), (-0.3, 0.0), (0.0, 0.45), (0.3, 0.0), (0.6, 0.0), (0.85, 0.45)],
                   0.2)],
        "slippery": [(car, -0.4, -0.75, 0.4, -0.2, colour),
                     (line, [(-0.7, 0.15), (-0.35, 0.4), (0.0, 0.15), (0.35, 0.4), (0.7, 0.15)], 0.13),
                     (line, [(-0.7, 0.5), (-0.35, 0.75), (0.0, 0.5), (0.35, 0.75), (0.7, 0.5)], 0.13)],
        "narrows_right": [(line, [(-0.4, -0.8), (-0.4, 0.8)], 0.2),
                          (line, [(0.4, 0.8), (0.4, 0.1), (0.1, -0.3), (0.1, -0.8)], 0.2)],
        "roadwork": [(disc, 0.0, -0.6, 0.17), (line, [(0.0, -0.4), (0.15, 0.2)], 0.2),
                     (line, [(-0.15, 0.8), (0.15, 0.2), (0.4, 0.8)], 0.15), (line, [(0.05, -0.2), (-0.55, 0.35)], 0.12),
                     (polygon, [(-0.9, 0.8), (-0.55, 0.4), (-0.25, 0.8)])],
        "signals": [(box, -0.35, -0.9, 0.35, 0.85, (22, 22, 22, 255)), (disc, 0, -0.55, 0.22, red),
                    (disc, 0, 0.0, 0.22, YELLOW + (255,)), (disc, 0, 0.52, 0.22, GREEN + (255,))],
        "pedestrian": [(person, 0.0, 0.0, 1.0)],
        "children": [(person, -0.35, 0.05, 0.9), (person, 0.4, 0.3, 0.6)],
        "bicycle": [(ring, -0.5), (ring, 0.5), (line, [(-0.5, 0.37), (-0.1, 0.37), (0.2, -0.15), (-0.25, -0.15),
                                                       (-0.5, 0.37)], 0.1),
                    (line, [(0.2, -0.15), (0.5, 0.37)], 0.1), (disc, 0.05, -0.55, 0.14)],
        "snowflake": [(line, [(-math.cos(r) * 0.8, -math.sin(r) * 0.8), (math.cos(r) * 0.8, math.sin(r) * 0.8)], 0.13)
                      for r in map(math.radians, (90, 30, -30))],
        "deer": [(polygon, [(-0.65, 0.05), (0.2, -0.25), (0.45, -0.05), (-0.35, 0.35)]),
                 (line, [(-0.5, 0.25), (-0.75, 0.8)], 0.12), (line, [(-0.3, 0.25), (-0.15, 0.8)], 0.12),
                 (line, [(0.3, -0.1), (0.45, 0.55)], 0.12), (line, [(0.35, -0.2), (0.6, -0.6), (0.8, -0.8)], 0.1),
                 (line, [(0.6, -0.6), (0.42, -0.85)], 0.1)],
        "ahead": [(arrow, [(0, 0.85), (0, -0.85)])],
        "roundabout": [(arrow, [(0.62 * math.cos(a + t), 0.62 * math.sin(a + t)) for t in np.linspace(0, 1.45, 6)],
                        0.17) for a in (math.radians(-90 + 120 * k + 15) for k in range(3))],
    }
    if kind not in calls:
        raise ValueError(f"unknown sign symbol {symbol!r}")
    for function, *args in calls[kind] + ([(stripes,)] if struck else []):
        function(*args)
