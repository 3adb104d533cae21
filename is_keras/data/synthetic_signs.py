"""Synthetic traffic signs: a deterministic, GTSRB-like stand-in for the thesis's sign datasets.

43 classes, one per GTSRB class (same ClassIds and names), told apart the way
real signs are: by **shape** (circle, triangle, inverted triangle, octagon,
diamond), **border and fill colours** (red ring on white, blue disc, red
disc, grey ring, yellow diamond) and a **symbol** (seven-segment digits,
bars, arrows, pictograms) drawn with ``PIL.ImageDraw`` at 2-3× resolution
and downsampled (antialiased). Nuisances scale with ``difficulty`` in [0, 1]:
sign scale and aspect (perspective squeeze), rotation, offset, colour
jitter, background gradient and clutter, partial occlusion, blur,
brightness/contrast/colour cast and pixel noise. ``difficulty=0`` draws every
sign of a class identically except for the background colour.

Each image is a pure function of ``(seed, class_id, index)``, so generation
is reproducible byte for byte and does not depend on ``num_per_class``.
:func:`write_synthetic_signs` writes the GTSRB folder layout (``.ppm`` files
and ``GT-000NN.csv`` with the sign's ROI), which :func:`~is_keras.data.gtsrb.load_gtsrb`
reads; :func:`load_synthetic_signs` generates into a cache folder once and
loads from there.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from is_keras.data.gtsrb import GTSRB_CLASS_NAMES, load_gtsrb
from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, default_cache_dir, image_size_hw, progress_bar

#: Bumped whenever the drawing changes, so cached folders of an older generator are not reused.
GENERATOR_VERSION = 2

RED, WHITE, BLUE = (200, 30, 40), (236, 236, 232), (25, 75, 170)
YELLOW, BLACK, GRAY, GREEN = (240, 185, 20), (22, 22, 22), (130, 130, 130), (34, 150, 60)


@dataclass(frozen=True)
class SignClass:
    """How one class is drawn: outline shape, border band, fill, symbol.

    Example:
        >>> SYNTHETIC_SIGN_CLASSES[14].shape
        'octagon'
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

_SIDES = {"triangle": (3, -90.0), "inverted_triangle": (3, 90.0), "octagon": (8, 22.5), "diamond": (4, 0.0),
          "square": (4, 45.0)}  # fmt: skip
_OPAQUE = [255 if alpha > 64 else 0 for alpha in range(256)]
_SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
             "7": "abc", "8": "abcdefg", "9": "abcdfg"}  # fmt: skip


# ------------------------------------------------------------------- render
def render_sign(class_id: int, image_size=28, difficulty: float = 0.5, rng=None):
    """Draw one sign of class ``class_id``: ``(uint8 image (H, W, 3), roi (x1, y1, x2, y2))``.

    ``rng`` is a ``np.random.Generator`` or a seed (default 0); the ROI is the
    sign's bounding box in output pixels, PIL convention.

    Example:
        >>> image, roi = render_sign(14, image_size=32, difficulty=0.5, rng=np.random.default_rng(0))
        >>> image.shape, image.dtype
        ((32, 32, 3), dtype('uint8'))
    """
    from PIL import Image, ImageDraw, ImageFilter

    if not 0 <= class_id < len(SYNTHETIC_SIGN_CLASSES):
        raise ValueError(f"class_id must be in [0, {len(SYNTHETIC_SIGN_CLASSES)}), got {class_id}")
    difficulty = _check_difficulty(difficulty)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(0 if rng is None else rng)
    spec, d = SYNTHETIC_SIGN_CLASSES[class_id], difficulty
    height, width = image_size_hw(image_size)
    k = 3 if max(height, width) <= 48 else 2 if max(height, width) <= 96 else 1
    big_w, big_h = width * k, height * k
    side = min(big_w, big_h)

    # nuisance parameters, all drawn up front in a fixed order
    scale = rng.uniform(1.0 - 0.35 * d, 1.0 + 0.05 * d)
    squeeze = rng.uniform(1.0 - 0.3 * d, 1.0)
    angle = rng.uniform(-12.0, 12.0) * d
    offset = rng.uniform(-0.07, 0.07, size=2) * d * np.array([big_w, big_h])
    jitter = rng.normal(0.0, 20.0 * d, size=(4, 3))
    background = _background(rng, d, big_w, big_h)

    # the sign on a transparent layer, centred
    palette = [tuple(int(v) for v in np.clip(np.add(c, j), 0, 255)) for c, j in
               zip((spec.border, spec.fill, spec.symbol_color, RED), jitter)]  # fmt: skip
    layer = Image.new("RGBA", (big_w, big_h), (0, 0, 0, 0))
    _draw_sign(ImageDraw.Draw(layer), spec, palette, (big_w / 2, big_h / 2), 0.4 * side * scale)
    dx, dy = int(round(offset[0])), int(round(offset[1]))
    if squeeze < 0.999 or abs(angle) > 1e-3:  # one affine warp: squeeze, then rotate, about the centre
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        a, b, d_, e = cos / squeeze, -sin / squeeze, sin, cos  # output -> input, as PIL's transform wants
        cx, cy = big_w / 2, big_h / 2
        matrix = (a, b, cx - a * cx - b * cy, d_, e, cy - d_ * cx - e * cy)
        layer = layer.transform((big_w, big_h), Image.Transform.AFFINE, matrix, Image.Resampling.BILINEAR)
    background.paste(layer, (dx, dy), layer)
    x1, y1, x2, y2 = layer.getchannel("A").point(_OPAQUE).getbbox()
    roi = (
        max(0, math.floor((x1 + dx) / k)),
        max(0, math.floor((y1 + dy) / k)),
        min(width, math.ceil((x2 + dx) / k)),
        min(height, math.ceil((y2 + dy) / k)),
    )

    # occlusion: a blob over part of the sign's edge
    if rng.random() < 0.5 * d:
        radius = 0.4 * side * scale
        theta = rng.uniform(0, 2 * math.pi)
        cx = big_w / 2 + dx + math.cos(theta) * radius * rng.uniform(0.6, 1.0)
        cy = big_h / 2 + dy + math.sin(theta) * radius * rng.uniform(0.6, 1.0)
        size = radius * rng.uniform(0.35, 0.7)
        colour = tuple(int(v) for v in rng.integers(20, 200, size=3))
        ImageDraw.Draw(background).ellipse((cx - size, cy - size, cx + size, cy + size), fill=colour)

    image = background.reduce(k) if k > 1 else background
    blur = rng.uniform(0.0, 1.0) * d * side / k / 32.0
    if blur > 0.05:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image, dtype=np.float32)
    brightness = float(np.clip(np.exp(rng.normal(0.0, 0.5 * d)), 0.25, 1.8))
    contrast = rng.uniform(1.0 - 0.5 * d, 1.0)
    cast = 1.0 + rng.normal(0.0, 0.06 * d, size=3)
    noise = rng.normal(0.0, 6.0 * d, size=pixels.shape) if d > 0 else 0.0
    mean = pixels.mean()
    pixels = ((pixels - mean) * contrast + mean) * brightness * cast + noise
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8), roi


def _check_difficulty(difficulty) -> float:
    difficulty = float(difficulty)
    if not 0.0 <= difficulty <= 1.0:
        raise ValueError(f"difficulty must be in [0, 1], got {difficulty}")
    return difficulty


def _background(rng, d, width, height):
    from PIL import Image, ImageDraw

    bases = np.array([(120, 160, 205), (150, 150, 150), (70, 110, 60), (120, 95, 70), (45, 45, 55),
                      (190, 190, 180)], dtype=np.float64)  # fmt: skip
    top = bases[rng.integers(len(bases))] + rng.normal(0, 25, 3)
    bottom = bases[rng.integers(len(bases))] + rng.normal(0, 25, 3)
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    gradient = np.clip(top * (1 - t) + bottom * t, 0, 255).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(np.broadcast_to(gradient, (height, width, 3))))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.poisson(6.0 * d)):
        kind = rng.integers(3)
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        w, h = rng.uniform(0.1, 0.6) * width, rng.uniform(0.1, 0.6) * height
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
        if kind == 0:
            draw.rectangle((x - w / 2, y - h / 2, x + w / 2, y + h / 2), fill=colour)
        elif kind == 1:
            draw.ellipse((x - w / 2, y - h / 2, x + w / 2, y + h / 2), fill=colour)
        else:
            draw.line((x - w / 2, y - h / 2, x + w / 2, y + h / 2), fill=colour, width=max(1, int(0.04 * width)))
    return image


def _polygon(center, radius, sides, rotation_deg):
    cx, cy = center
    return [
        (cx + radius * math.cos(math.radians(rotation_deg + 360.0 * i / sides)),
         cy + radius * math.sin(math.radians(rotation_deg + 360.0 * i / sides)))
        for i in range(sides)
    ]  # fmt: skip


def _draw_sign(draw, spec: SignClass, palette, center, radius):
    border, fill, symbol_colour, red = palette
    cx, cy = center
    band = spec.border_width * radius
    if spec.shape == "circle":
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=border + (255,))
        inner = radius - band
        draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=fill + (255,))
        unit, symbol_center = 0.72 * inner, center
    elif spec.shape in _SIDES:
        sides, rotation = _SIDES[spec.shape]
        if sides == 3:  # as wide as a circle sign, its bounding box centred
            radius *= 1.15
            center = (cx, cy + (0.25 if spec.shape == "triangle" else -0.25) * radius)
            cx, cy = center
        draw.polygon(_polygon(center, radius, sides, rotation), fill=border + (255,))
        inner = radius - band / math.cos(math.pi / sides)
        draw.polygon(_polygon(center, inner, sides, rotation), fill=fill + (255,))
        inscribed = inner * math.cos(math.pi / sides)
        unit = (0.95 if sides == 3 else 0.75) * inscribed
        symbol_center = (cx, cy + (0.15 * inscribed if spec.shape == "triangle" else 0.0))
    else:
        raise ValueError(f"unknown sign shape {spec.shape!r}")
    _draw_symbol(draw, spec.symbol, symbol_colour + (255,), red + (255,), symbol_center, unit)


# ------------------------------------------------------------------ symbols
def _draw_symbol(draw, symbol, colour, red, center, unit):
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
        left = pt(base[0] - uy * half, base[1] + ux * half)
        right = pt(base[0] + uy * half, base[1] - ux * half)
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
    if kind == "none":
        return
    if kind == "digits":
        digits(argument)
    elif kind == "struck_digits":
        digits(argument)
        stripes()
    elif kind == "stripes":
        stripes()
    elif kind == "cars":
        car(-0.85, -0.35, -0.08, 0.35, red)
        car(0.08, -0.35, 0.85, 0.35, colour)
    elif kind == "truck_car":
        truck(-0.9, -0.5, -0.05, 0.4, red)
        car(0.1, -0.3, 0.85, 0.35, colour)
    elif kind == "struck_cars":
        car(-0.85, -0.35, -0.08, 0.35, colour)
        car(0.08, -0.35, 0.85, 0.35, colour)
        stripes()
    elif kind == "struck_truck_car":
        truck(-0.9, -0.5, -0.05, 0.4, colour)
        car(0.1, -0.3, 0.85, 0.35, colour)
        stripes()
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


# -------------------------------------------------------------- folder I/O
def write_synthetic_signs(
    root,
    num_per_class: int = 50,
    image_size=28,
    difficulty: float = 0.5,
    seed: int = 0,
    num_classes: int = 43,
    progress: bool = False,
) -> Path:
    """Write ``num_per_class`` signs of each class in the GTSRB layout under ``root``.

    Creates ``root/Final_Training/Images/000NN/00000_iiiii.ppm`` and
    ``GT-000NN.csv`` (``Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId``),
    then ``root/meta.json`` (the parameters; written last, so it marks a
    complete folder). ``num_classes`` keeps the first classes only.

    Example:
        >>> root = write_synthetic_signs("/tmp/signs", num_per_class=10, image_size=32)
        >>> (x_train, y_train), (x_val, y_val) = load_gtsrb(root, image_size=32, roi_crop=False)
        >>> len(x_train) + len(x_val)
        430
    """
    from PIL import Image

    params = _params(num_per_class, image_size, difficulty, seed, num_classes)
    root = Path(root).expanduser()
    (root / "meta.json").unlink(missing_ok=True)
    height, width = image_size_hw(image_size)
    bar = progress_bar(num_classes * num_per_class, "drawing signs", progress)
    for class_id in range(num_classes):
        folder = root / "Final_Training" / "Images" / f"{class_id:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        rows = ["Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId"]
        for index in range(num_per_class):
            rng = np.random.default_rng([seed, class_id, index])
            pixels, (x1, y1, x2, y2) = render_sign(class_id, (height, width), difficulty, rng)
            name = f"00000_{index:05d}.ppm"
            Image.fromarray(pixels).save(folder / name, format="PPM")
            rows.append(f"{name};{width};{height};{x1};{y1};{x2};{y2};{class_id}")
            bar.update(1)
        (folder / f"GT-{class_id:05d}.csv").write_text("\n".join(rows) + "\n")
    bar.close()
    meta = dict(
        params, generator_version=GENERATOR_VERSION, classes=[c.name for c in SYNTHETIC_SIGN_CLASSES[:num_classes]]
    )
    (root / "meta.json").write_text(json.dumps(meta, indent=1))
    return root


def load_synthetic_signs(
    root=None,
    num_per_class: int = 50,
    image_size=28,
    difficulty: float = 0.5,
    generation_seed: int = 0,
    num_classes: int = 43,
    seed: int = 0,
    val_fraction: float = 0.25,
    roi_crop: bool = False,
    in_memory: bool | None = None,
    cache: bool | None = None,
    cache_dir=None,
    in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT,
    progress: bool = False,
):
    """Synthetic signs as ``(x_train, y_train), (x_val, y_val)``, generated on first use.

    The images live in ``root`` (default: ``<cache>/synthetic_signs/<parameters>``
    under :func:`~is_keras.data.image_cache.default_cache_dir`); if it holds no
    complete set they are drawn there with :func:`write_synthetic_signs`,
    then read with :func:`~is_keras.data.gtsrb.load_gtsrb`. ``generation_seed``
    fixes the images; ``seed`` only the stratified train/validation split
    (3:1 by default), so repeated runs share one dataset. ``roi_crop=False``
    keeps GTSRB's ~10 % border (the images are drawn at ``image_size``).
    Decoded pixels are cached on disk (``<root>/cache``) only when they stay
    there as memmaps (``cache=None``); small sets decode in well under a second. A
    ``root`` holding signs drawn with other parameters is an error.

    Example:
        >>> (x_train, y_train), (x_val, y_val) = load_synthetic_signs(num_per_class=20, image_size=32)
        >>> x_train.shape, int(y_train.max())
        ((645, 32, 32, 3), 42)
    """
    params = _params(num_per_class, image_size, difficulty, generation_seed, num_classes)
    if root is None:
        height, width = image_size_hw(image_size)
        name = (
            f"v{GENERATOR_VERSION}-n{num_per_class}-s{height}x{width}-d{difficulty:g}"
            f"-seed{generation_seed}-c{num_classes}"
        )
        root = default_cache_dir() / "synthetic_signs" / name
    root = Path(root).expanduser()
    meta_file = root / "meta.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        found = {key: meta.get(key) for key in params}
        if found != params or meta.get("generator_version") != GENERATOR_VERSION:
            raise ValueError(
                f"{root} holds synthetic signs drawn with {found} (generator v{meta.get('generator_version')}); "
                f"asked for {params} (v{GENERATOR_VERSION}); pass another root"
            )
    else:
        write_synthetic_signs(root, num_per_class, image_size, difficulty, generation_seed, num_classes, progress)
    return load_gtsrb(
        root,
        image_size=image_size,
        roi_crop=roi_crop,
        val_fraction=val_fraction,
        seed=seed,
        in_memory=in_memory,
        cache=cache,
        cache_dir=cache_dir if cache_dir is not None else root / "cache",
        in_memory_limit=in_memory_limit,
        progress=progress,
    )


def _params(num_per_class, image_size, difficulty, seed, num_classes) -> dict:
    if isinstance(num_per_class, bool) or int(num_per_class) != num_per_class or num_per_class < 2:
        raise ValueError(f"num_per_class must be an integer >= 2 (one for training, one for validation), "
                         f"got {num_per_class!r}")  # fmt: skip
    if isinstance(num_classes, bool) or not 2 <= int(num_classes) <= len(SYNTHETIC_SIGN_CLASSES):
        raise ValueError(f"num_classes must be in [2, {len(SYNTHETIC_SIGN_CLASSES)}], got {num_classes!r}")
    height, width = image_size_hw(image_size)
    if min(height, width) < 8:
        raise ValueError(f"image_size must be at least 8 pixels, got {image_size!r}")
    return {
        "num_per_class": int(num_per_class),
        "image_size": [height, width],
        "difficulty": _check_difficulty(difficulty),
        "seed": int(seed),
        "num_classes": int(num_classes),
    }
