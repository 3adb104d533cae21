"""Draw one synthetic traffic sign with its nuisances, at 2-3× resolution, then downsample (antialiased)."""

from __future__ import annotations

import math

import numpy as np

from is_keras.data.image_decoding import image_size_hw
from is_keras.data.sign_class import RED, SYNTHETIC_SIGN_CLASSES, SignClass
from is_keras.data.sign_symbols import draw_symbol

_SIDES = {"triangle": (3, -90.0), "inverted_triangle": (3, 90.0), "octagon": (8, 22.5), "diamond": (4, 0.0),
          "square": (4, 45.0)}  # fmt: skip
_OPAQUE = [255 if alpha > 64 else 0 for alpha in range(256)]


def render_sign(class_id: int, image_size=28, *, difficulty: float = 0.5, rng=None):
    """Draw one sign of class ``class_id`` with nuisances that grow with ``difficulty``.

    Args:
        class_id, image_size: the GTSRB ClassId, in ``[0, 43)``; ``int`` or ``(height, width)`` of the output.
        difficulty: nuisance strength (pose, clutter, occlusion, blur, noise...) in [0, 1]; 0: only backgrounds vary.
        rng: a ``np.random.Generator`` or a seed (default 0).
    Returns: ``(image, roi)``: uint8 ``(H, W, 3)`` pixels; the sign's box ``(x1, y1, x2, y2)`` (PIL convention).
    Raises: ValueError: ``class_id`` out of range, ``difficulty`` outside [0, 1] or a bad ``image_size``.
    Example:
        >>> image, roi = render_sign(14, image_size=32, difficulty=0.5, rng=np.random.default_rng(0))
        >>> image.shape, image.dtype
        ((32, 32, 3), dtype('uint8'))
    """
    from PIL import Image, ImageDraw, ImageFilter

    if not 0 <= class_id < len(SYNTHETIC_SIGN_CLASSES):
        raise ValueError(f"class_id must be in [0, {len(SYNTHETIC_SIGN_CLASSES)}), got {class_id}")
    difficulty = check_difficulty(difficulty)
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
    roi = (max(0, math.floor((x1 + dx) / k)), max(0, math.floor((y1 + dy) / k)),
           min(width, math.ceil((x2 + dx) / k)), min(height, math.ceil((y2 + dy) / k)))

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


def check_difficulty(difficulty) -> float:
    """``float(difficulty)``, checked to be in [0, 1].

    Args: difficulty: a number.
    Raises: ValueError: outside [0, 1].
    Example:
        >>> check_difficulty(1)
        1.0
    """
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
    angles = [math.radians(rotation_deg + 360.0 * i / sides) for i in range(sides)]
    return [(cx + radius * math.cos(angle), cy + radius * math.sin(angle)) for angle in angles]


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
    draw_symbol(draw, spec.symbol, symbol_colour + (255,), red + (255,), symbol_center, unit)
