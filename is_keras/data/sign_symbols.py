"""The symbols inside the synthetic signs: seven-segment digits, cars, arrows, pictograms."""

from __future__ import annotations

import math

import numpy as np

from is_keras.data.sign_class import GREEN, YELLOW

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
    if kind == "none":
        return
    if kind == "digits":
        digits(argument)
    elif kind == "stripes":
        stripes()
    elif kind == "cars":
        car(-0.85, -0.35, -0.08, 0.35, colour if struck else red)
        car(0.08, -0.35, 0.85, 0.35, colour)
    elif kind == "truck_car":
        truck(-0.9, -0.5, -0.05, 0.4, colour if struck else red)
        car(0.1, -0.3, 0.85, 0.35, colour)
    elif kind == "truck":
        truck(-0.85, -0.45, 0.85, 0.45, colour)
    elif kind == "cross":
        line([(0, -0.8), (0, 0.7)], 0.26)
        line([(-0.55, -0.15), (0.55, -0.15)], 0.2)
    elif kind == "stop":
        for i in range(4):
            box(-0.9 + 0.47 * i, -0.28, -0.55 + 0.47 * i, 0.28)
    elif kind == "bar":
        box(-0.85, -0.2, 0.85, 0.2)
    elif kind == "exclaim":
        line([(0, -0.8), (0, 0.25)], 0.26)
        disc(0, 0.58, 0.15)
    elif kind in ("curve_left", "curve_right"):
        sign = -1 if kind == "curve_left" else 1
        line([(-0.2 * sign, 0.75), (-0.2 * sign, 0.0), (0.35 * sign, -0.7)], 0.24)
    elif kind == "double_curve":
        line([(0.25, 0.8), (0.25, 0.4), (-0.3, 0.0), (0.25, -0.4), (-0.05, -0.8)], 0.2)
    elif kind == "bumps":
        line([(-0.85, 0.45), (-0.6, 0.0), (-0.3, 0.0), (0.0, 0.45), (0.3, 0.0), (0.6, 0.0), (0.85, 0.45)], 0.2)
    elif kind == "slippery":
        car(-0.4, -0.75, 0.4, -0.2, colour)
        line([(-0.7, 0.15), (-0.35, 0.4), (0.0, 0.15), (0.35, 0.4), (0.7, 0.15)], 0.13)
        line([(-0.7, 0.5), (-0.35, 0.75), (0.0, 0.5), (0.35, 0.75), (0.7, 0.5)], 0.13)
    elif kind == "narrows_right":
        line([(-0.4, -0.8), (-0.4, 0.8)], 0.2)
        line([(0.4, 0.8), (0.4, 0.1), (0.1, -0.3), (0.1, -0.8)], 0.2)
    elif kind == "roadwork":
        disc(0.0, -0.6, 0.17)
        line([(0.0, -0.4), (0.15, 0.2)], 0.2)
        line([(-0.15, 0.8), (0.15, 0.2), (0.4, 0.8)], 0.15)
        line([(0.05, -0.2), (-0.55, 0.35)], 0.12)
        draw.polygon([pt(-0.9, 0.8), pt(-0.55, 0.4), pt(-0.25, 0.8)], fill=colour)
    elif kind == "signals":
        box(-0.35, -0.9, 0.35, 0.85, (22, 22, 22, 255))
        disc(0, -0.55, 0.22, red)
        disc(0, 0.0, 0.22, YELLOW + (255,))
        disc(0, 0.52, 0.22, GREEN + (255,))
    elif kind == "pedestrian":
        person(0.0, 0.0, 1.0)
    elif kind == "children":
        person(-0.35, 0.05, 0.9)
        person(0.4, 0.3, 0.6)
    elif kind == "bicycle":
        for x in (-0.5, 0.5):
            draw.ellipse((*pt(x - 0.32, 0.05), *pt(x + 0.32, 0.69)), outline=colour, width=max(1, round(0.1 * unit)))
        line([(-0.5, 0.37), (-0.1, 0.37), (0.2, -0.15), (-0.25, -0.15), (-0.5, 0.37)], 0.1)
        line([(0.2, -0.15), (0.5, 0.37)], 0.1)
        disc(0.05, -0.55, 0.14)
    elif kind == "snowflake":
        for degrees in (90, 30, -30):
            ux, uy = math.cos(math.radians(degrees)) * 0.8, math.sin(math.radians(degrees)) * 0.8
            line([(-ux, -uy), (ux, uy)], 0.13)
    elif kind == "deer":
        draw.polygon([pt(-0.65, 0.05), pt(0.2, -0.25), pt(0.45, -0.05), pt(-0.35, 0.35)], fill=colour)
        line([(-0.5, 0.25), (-0.75, 0.8)], 0.12)
        line([(-0.3, 0.25), (-0.15, 0.8)], 0.12)
        line([(0.3, -0.1), (0.45, 0.55)], 0.12)
        line([(0.35, -0.2), (0.6, -0.6), (0.8, -0.8)], 0.1)
        line([(0.6, -0.6), (0.42, -0.85)], 0.1)
    elif kind in ("turn_right", "turn_left"):
        sign = 1 if kind == "turn_right" else -1
        arrow([(-0.35 * sign, 0.8), (-0.35 * sign, -0.1), (0.75 * sign, -0.1)])
    elif kind == "ahead":
        arrow([(0, 0.85), (0, -0.85)])
    elif kind in ("ahead_right", "ahead_left"):
        sign = 1 if kind == "ahead_right" else -1
        arrow([(-0.2 * sign, 0.85), (-0.2 * sign, -0.85)])
        arrow([(-0.2 * sign, 0.45), (0.1 * sign, 0.15), (0.8 * sign, 0.15)], 0.2)
    elif kind in ("keep_right", "keep_left"):
        sign = 1 if kind == "keep_right" else -1
        arrow([(-0.55 * sign, -0.55), (0.65 * sign, 0.65)], 0.24)
    elif kind == "roundabout":
        for k in range(3):
            start = math.radians(-90 + 120 * k + 15)
            points = [(0.62 * math.cos(start + t), 0.62 * math.sin(start + t)) for t in np.linspace(0, 1.45, 6)]
            arrow(points, 0.17)
    else:
        raise ValueError(f"unknown sign symbol {symbol!r}")
    if struck:
        stripes()
