"""Mapillary Traffic Sign Dataset as image classification: sign crops (``<label>/<key>_<i>.png``) in class folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, load_image_files
from is_keras.data.image_decoding import IMAGE_SUFFIXES
from is_keras.data.mapillary_crops import crop_mapillary_signs, crop_sign

__all__ = ["crop_mapillary_signs", "crop_sign", "index_class_folders", "load_mapillary"]


def index_class_folders(root, *, min_per_class: int = 1):
    """``(paths, labels, class_names)`` of a ``root/<class>/<image>`` tree, classes sorted by name.

    Args: root, min_per_class: the folder of class folders; classes with fewer images are left out (not numbered).
    Returns: ``(paths, labels, class_names)``: a list of str, int64 labels, a list of folder names.
    Raises: ValueError: ``root`` is not a folder, ``min_per_class < 1``, or no class is kept.
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ("stop/0", "stop/1", "stop/2", "yield/0", "yield/1", "yield/2"):
        ...     (root / name).parent.mkdir(exist_ok=True)
        ...     PIL.Image.new("RGB", (6, 6)).save(root / f"{name}.png")
        >>> paths, labels, names = index_class_folders(root)
        >>> labels.tolist(), names
        ([0, 0, 0, 1, 1, 1], ['stop', 'yield'])
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ValueError(f"class-folder root {root} is not a directory")
    if min_per_class < 1:
        raise ValueError(f"min_per_class must be >= 1, got {min_per_class}")
    folders = {}
    for class_dir in sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")):
        files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if len(files) >= min_per_class:
            folders[class_dir.name] = files
    if not folders:
        raise ValueError(f"no class folders with at least {min_per_class} image(s) under {root}")
    names = sorted(folders)
    paths = [str(p) for name in names for p in folders[name]]
    labels = np.concatenate([np.full(len(folders[name]), i, dtype=np.int64) for i, name in enumerate(names)])
    return paths, labels, names


def load_mapillary(root, *, image_size=28, val_fraction: float = 0.3, seed: int = 0, stratify: bool = True,
                   min_per_class: int = 1, in_memory: bool | None = None, cache: bool = True, cache_dir=None,
                   in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT, progress: bool = True):
    """Mapillary sign crops (``root/<label>/*.png``) as ``(x_train, y_train), (x_val, y_val)``, split 7:3.

    Args:
        root, min_per_class: the crops folder (from :func:`crop_mapillary_signs`); leave out classes with fewer crops.
        image_size, val_fraction, seed: ``int`` or ``(height, width)`` (28: CrapNet's input); the validation share.
        stratify: split every class (a class with two or more crops is in both parts); ``False``: one permutation.
        in_memory, cache, cache_dir, in_memory_limit, progress: see :func:`~is_keras.data.image_cache.load_image_files`.
    Returns: ``(x_train, y_train), (x_val, y_val)``: ``x`` float32 RGB in [0, 1], ``y`` int64 (by folder name).
    Raises: ValueError: see :func:`index_class_folders`; an image that cannot be decoded (named).
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ("stop/0", "stop/1", "stop/2", "yield/0", "yield/1", "yield/2"):
        ...     (root / name).parent.mkdir(exist_ok=True)
        ...     PIL.Image.new("RGB", (6, 6)).save(root / f"{name}.png")
        >>> (x_train, y_train), (x_val, y_val) = load_mapillary(root, image_size=4, cache=False, progress=False)
        >>> x_train.shape, len(y_val)
        ((4, 4, 4, 3), 2)
    """
    paths, labels, _ = index_class_folders(root, min_per_class=min_per_class)
    return load_image_files(paths, labels, image_size, val_fraction=val_fraction, seed=seed, stratify=stratify,
                            in_memory=in_memory, cache=cache, cache_dir=cache_dir, in_memory_limit=in_memory_limit,
                            progress=progress)
