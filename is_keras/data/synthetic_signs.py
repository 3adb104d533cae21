"""Synthetic traffic signs drawn with nuisances (at 2-3× size, then downsampled) into GTSRB folders, seeded."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from is_keras.data.gtsrb import load_gtsrb
from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, default_cache_dir
from is_keras.data.image_decoding import image_size_hw, progress_bar
from is_keras.data.sign_symbols import RED, SYNTHETIC_SIGN_CLASSES, SignClass, draw_symbol

__all__ = ["GENERATOR_VERSION", "SYNTHETIC_SIGN_CLASSES", "SignClass", "load_synthetic_signs", "render_sign",
           "write_synthetic_signs"]

#: Bumped whenever the drawing changes, so cached folders of an older generator are not reused.
GENERATOR_VERSION = 2
_SIDES = {"triangle": (3, -90.0), "inverted_triangle": (3, 90.0), "octagon": (8, 22.5), "diamond": (4, 0.0),
          "square": (4, 45.0)}  # fmt: skip
_OPAQUE = [255 if alpha > 64 else 0 for alpha in range(256)]


def write_synthetic_signs(root, *, num_per_class: int = 50, image_size=28, difficulty: float = 0.5, seed: int = 0,
                          num_classes: int = 43, progress: bool = False) -> Path:
    """Write ``num_per_class`` signs of each class in the GTSRB layout under ``root`` (read by ``load_gtsrb``).

    Args:
        root, seed, progress: the folder to write (created); the generation seed; show a progress bar.
        num_per_class, num_classes: images per class (>= 2); the first ``num_classes`` classes (2..43).
        image_size, difficulty: ``int`` or ``(height, width)``, at least 8; nuisance strength in [0, 1].
    Returns: ``root`` as a ``Path``, holding ``Final_Training/Images/000NN/00000_iiiii.ppm``, ``GT-000NN.csv`` (with
        the sign's ROI) and ``meta.json`` (the parameters; written last, so it marks a complete folder).
    Raises: ValueError, OSError: bad parameters (named); ``root`` cannot be written.
    Example:
        >>> import tempfile
        >>> from is_keras.data.gtsrb import read_gtsrb_index
        >>> root = write_synthetic_signs(tempfile.mkdtemp(), num_per_class=2, image_size=16, num_classes=3)
        >>> paths, boxes, labels = read_gtsrb_index(root)
        >>> len(paths), labels.tolist()
        (6, [0, 0, 1, 1, 2, 2])
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
            pixels, (x1, y1, x2, y2) = render_sign(class_id, (height, width), difficulty=difficulty, rng=rng)
            name = f"00000_{index:05d}.ppm"
            Image.fromarray(pixels).save(folder / name, format="PPM")
            rows.append(f"{name};{width};{height};{x1};{y1};{x2};{y2};{class_id}")
            bar.update(1)
        (folder / f"GT-{class_id:05d}.csv").write_text("\n".join(rows) + "\n")
    bar.close()
    meta = dict(params, generator_version=GENERATOR_VERSION,
                classes=[c.name for c in SYNTHETIC_SIGN_CLASSES[:num_classes]])
    (root / "meta.json").write_text(json.dumps(meta, indent=1))
    return root


def load_synthetic_signs(root=None, *, num_per_class: int = 50, image_size=28, difficulty: float = 0.5,
                         generation_seed: int = 0, num_classes: int = 43, seed: int = 0, val_fraction: float = 0.25,
                         roi_crop: bool = False, in_memory: bool | None = None, cache: bool | None = None,
                         cache_dir=None, in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT, progress: bool = False):
    """Synthetic signs as ``(x_train, y_train), (x_val, y_val)``, drawn into ``root`` on first use.

    Args:
        root: the folder of the signs (default: ``<default_cache_dir()>/synthetic_signs/<parameters>``).
        num_per_class, image_size, difficulty, num_classes: see :func:`write_synthetic_signs`.
        generation_seed, seed, val_fraction: fix the images; seed only the stratified split; its per-class share.
        roi_crop: crop every image to its ROI before resizing (``False`` keeps GTSRB's ~10 % border).
        in_memory, cache, cache_dir, in_memory_limit, progress: see :func:`~is_keras.data.image_cache.load_image_files`
            (``cache=None``: cache only when the data stay on disk; ``cache_dir`` defaults to ``<root>/cache``).
    Returns: ``(x_train, y_train), (x_val, y_val)``: float32 ``(N, H, W, 3)`` in [0, 1] and int64 labels.
    Raises: ValueError: bad parameters, or a ``root`` holding signs drawn with other parameters (named).
    Example:
        >>> import tempfile
        >>> (x_train, y_train), (x_val, y_val) = load_synthetic_signs(
        ...     tempfile.mkdtemp(), num_per_class=4, image_size=16, num_classes=2)
        >>> x_train.shape, y_train.tolist(), x_val.shape
        ((6, 16, 16, 3), [0, 0, 0, 1, 1, 1], (2, 16, 16, 3))
    """
    params = _params(num_per_class, image_size, difficulty, generation_seed, num_classes)
    if root is None:
        height, width = image_size_hw(image_size)
        name = f"v{GENERATOR_VERSION}-n{num_per_class}-s{height}x{width}-d{difficulty:g}-seed{generation_seed}"
        root = default_cache_dir() / "synthetic_signs" / f"{name}-c{num_classes}"
    root = Path(root).expanduser()
    meta_file = root / "meta.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        found, version = {key: meta.get(key) for key in params}, meta.get("generator_version")
        if found != params or version != GENERATOR_VERSION:
            raise ValueError(f"{root} holds synthetic signs drawn with {found} (generator v{version}); "
                             f"asked for {params} (v{GENERATOR_VERSION}); pass another root")
    else:
        write_synthetic_signs(root, num_per_class=num_per_class, image_size=image_size, difficulty=difficulty,
                              seed=generation_seed, num_classes=num_classes, progress=progress)
    return load_gtsrb(root, image_size=image_size, roi_crop=roi_crop, val_fraction=val_fraction, seed=seed,
                      in_memory=in_memory, cache=cache, cache_dir=root / "cache" if cache_dir is None else cache_dir,
                      in_memory_limit=in_memory_limit, progress=progress)


def _params(num_per_class, image_size, difficulty, seed, num_classes) -> dict:
    """The checked generation parameters, as stored in ``meta.json``."""
    if isinstance(num_per_class, bool) or int(num_per_class) != num_per_class or num_per_class < 2:
        raise ValueError(f"num_per_class must be an integer >= 2 (one for training, one for validation), "
                         f"got {num_per_class!r}")  # fmt: skip
    if isinstance(num_classes, bool) or not 2 <= int(num_classes) <= len(SYNTHETIC_SIGN_CLASSES):
        raise ValueError(f"num_classes must be in [2, {len(SYNTHETIC_SIGN_CLASSES)}], got {num_classes!r}")
    height, width = image_size_hw(image_size)
    if min(height, width) < 8:
        raise ValueError(f"image_size must be at least 8 pixels, got {image_size!r}")
    return {"num_per_class": int(num_per_class), "image_size": [height, width],
            "difficulty": check_difficulty(difficulty), "seed": int(seed), "num_classes": int(num_classes)}


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
        corners = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if kind < 2:
            (draw.rectangle if kind == 0 else draw.ellipse)(corners, fill=colour)
        else:
            draw.line(corners, fill=colour, width=max(1, int(0.04 * width)))
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
