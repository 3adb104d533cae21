"""Mapillary Traffic Sign Dataset as image classification: crop every sign, then load the crops.

The thesis (§4.1.1) used "the cropped version of all traffic signs bounding
boxes" of the Mapillary Traffic Sign Dataset (MTSD), split randomly 7:3 into
training and validation for each experiment.

Cropping lives in :mod:`is_keras.data.mapillary_crops` (re-exported here).
MTSD (fully annotated) unpacks to ``images/[<split>/]<key>.jpg``,
``annotations/<key>.json`` and ``splits/{train,val,test}.txt``. Each JSON
holds ``width``, ``height``, ``ispano`` and ``objects``: a list of
``{"key", "label", "bbox": {"xmin", "ymin", "xmax", "ymax"}, "properties": {...}}``
with pixel coordinates. Signs that wrap around a 360° panorama have
``xmin > xmax`` and a ``bbox["cross_boundary"]`` with a ``left`` and a
``right`` box, which are cropped and stitched side by side. Unknown signs
are labelled ``"other-sign"``.

:func:`crop_mapillary_signs` writes ``dst/<label>/<key>_<i>.png`` (``i`` =
the object's index in the annotation); :func:`load_mapillary` reads such a
class-folder tree (any tree of ``<class>/<image>`` files, in fact).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, load_image_files
from is_keras.data.mapillary_crops import crop_mapillary_signs, crop_sign

__all__ = ["crop_mapillary_signs", "crop_sign", "index_class_folders", "load_mapillary"]

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".ppm", ".bmp")


def index_class_folders(root, *, min_per_class: int = 1):
    """``(paths, labels, class_names)`` of a ``root/<class>/<image>`` tree, classes sorted by name.

    Classes with fewer than ``min_per_class`` images are left out (labels are
    numbered over the kept classes).

    Args:
        root: the folder of class folders.
        min_per_class: the fewest images a kept class has.

    Returns:
        ``(paths, labels, class_names)``: a list of str, int64 labels, a list of folder names.

    Raises:
        ValueError: ``root`` is not a folder, ``min_per_class < 1``, or no class is kept.

    Example:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> from PIL import Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for label in ("stop", "yield"):
        ...     (root / label).mkdir()
        ...     for i in range(3):
        ...         Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(root / label / f"{i}.png")
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
        files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        if len(files) >= min_per_class:
            folders[class_dir.name] = files
    if not folders:
        raise ValueError(f"no class folders with at least {min_per_class} image(s) under {root}")
    names = sorted(folders)
    paths = [str(p) for name in names for p in folders[name]]
    labels = np.concatenate([np.full(len(folders[name]), i, dtype=np.int64) for i, name in enumerate(names)])
    return paths, labels, names


def load_mapillary(
    root,
    *,
    image_size=28,
    val_fraction: float = 0.3,
    seed: int = 0,
    stratify: bool = True,
    min_per_class: int = 1,
    in_memory: bool | None = None,
    cache: bool = True,
    cache_dir=None,
    in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT,
    progress: bool = True,
):
    """Mapillary sign crops (``root/<label>/*.png``) as ``(x_train, y_train), (x_val, y_val)``.

    Crops are resized to ``image_size`` (default 28×28, CrapNet's input);
    ``x`` is float32 RGB in [0, 1], ``y`` the int64 index of the label in the
    sorted list of class folders (:func:`index_class_folders`). The split is
    random and seeded, 7:3 by default (thesis §4.1.1); ``stratify=True`` keeps
    that ratio within every class so every class with two or more crops
    appears in both parts (needed for a per-class AUC), ``stratify=False`` is a
    plain random permutation. Pixels are cached on disk; large sets come back
    as float32 memmaps (``in_memory``).

    Args:
        root: the crops folder (``root/<label>/*.png``, e.g. from :func:`crop_mapillary_signs`).
        image_size: ``int`` or ``(height, width)``.
        val_fraction: the validation share.
        seed: seeds the split.
        stratify: split per class.
        min_per_class: leave out classes with fewer crops.
        in_memory: see :func:`~is_keras.data.image_cache.load_image_files`.
        cache: see :func:`~is_keras.data.image_cache.load_image_files`.
        cache_dir: the cache folder.
        in_memory_limit: bytes above which the data stay on disk when ``in_memory=None``.
        progress: show progress bars.

    Returns:
        ``(x_train, y_train), (x_val, y_val)``.

    Raises:
        ValueError: see :func:`index_class_folders`; an image that cannot be decoded (named).

    Example:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> from PIL import Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for label in ("stop", "yield"):
        ...     (root / label).mkdir()
        ...     for i in range(3):
        ...         Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(root / label / f"{i}.png")
        >>> (x_train, y_train), (x_val, y_val) = load_mapillary(root, image_size=4, cache=False, progress=False)
        >>> x_train.shape, len(y_val)
        ((4, 4, 4, 3), 2)
    """
    paths, labels, _ = index_class_folders(root, min_per_class=min_per_class)
    return load_image_files(
        paths,
        labels,
        image_size,
        val_fraction=val_fraction,
        seed=seed,
        stratify=stratify,
        in_memory=in_memory,
        cache=cache,
        cache_dir=cache_dir,
        in_memory_limit=in_memory_limit,
        progress=progress,
    )
