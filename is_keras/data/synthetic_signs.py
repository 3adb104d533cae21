"""Synthetic traffic signs in GTSRB folders; each image is a pure function of ``(seed, class_id, index)``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from is_keras.data.gtsrb import load_gtsrb
from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, default_cache_dir
from is_keras.data.image_decoding import image_size_hw, progress_bar
from is_keras.data.sign_class import SYNTHETIC_SIGN_CLASSES, SignClass
from is_keras.data.sign_renderer import check_difficulty, render_sign

__all__ = ["GENERATOR_VERSION", "SYNTHETIC_SIGN_CLASSES", "SignClass", "load_synthetic_signs", "render_sign",
           "write_synthetic_signs"]

#: Bumped whenever the drawing changes, so cached folders of an older generator are not reused.
GENERATOR_VERSION = 2


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
        found = {key: meta.get(key) for key in params}
        if found != params or meta.get("generator_version") != GENERATOR_VERSION:
            version = meta.get("generator_version")
            raise ValueError(f"{root} holds synthetic signs drawn with {found} (generator v{version}); "
                             f"asked for {params} (v{GENERATOR_VERSION}); pass another root")
    else:
        write_synthetic_signs(root, num_per_class=num_per_class, image_size=image_size, difficulty=difficulty,
                              seed=generation_seed, num_classes=num_classes, progress=progress)
    cache_dir = cache_dir if cache_dir is not None else root / "cache"
    return load_gtsrb(root, image_size=image_size, roi_crop=roi_crop, val_fraction=val_fraction, seed=seed,
                      in_memory=in_memory, cache=cache, cache_dir=cache_dir, in_memory_limit=in_memory_limit,
                      progress=progress)


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
