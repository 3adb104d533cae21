"""Mapillary Traffic Sign Dataset as image classification: crop every sign, then load the crops.

The thesis (§4.1.1) used "the cropped version of all traffic signs bounding
boxes" of the Mapillary Traffic Sign Dataset (MTSD), split randomly 7:3 into
training and validation for each experiment.

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

import json
from collections import Counter
from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, load_image_files, progress_bar

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".ppm", ".bmp")


def crop_mapillary_signs(
    src,
    dst,
    min_size: float = 0,
    skip_labels=("other-sign",),
    skip_properties=(),
    margin: float = 0.0,
    splits=None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Crop every annotated sign of an MTSD folder into ``dst/<label>/<key>_<i>.png``.

    Args:
        src: the MTSD root (holding ``annotations/`` and ``images/``).
        dst: output root of the class-folder layout.
        min_size: skip signs whose box is narrower or lower than this (pixels).
        skip_labels: labels not written (default: the catch-all ``"other-sign"``).
        skip_properties: skip signs with any of these properties true, e.g.
            ``("ambiguous", "dummy", "occluded")``.
        margin: widen each box by this fraction of its size on every side
            (GTSRB images carry ~0.1), clipped to the image.
        splits: only the image keys listed in ``src/splits/<name>.txt`` for
            these names (e.g. ``("train", "val")``); ``None`` = every annotation.
        overwrite: rewrite crops that already exist (else they are kept, so an
            interrupted run resumes).
        progress: show a progress bar over images.

    Returns the number of crops per label (existing ones included), sorted by label.

    Example:
        >>> counts = crop_mapillary_signs("~/data/mtsd_v2_fully_annotated", "~/data/mapillary_crops", min_size=8)
        >>> sum(counts.values()) > 0
        True
    """
    src, dst = Path(src).expanduser(), Path(dst).expanduser()
    annotation_dir = _find_dir(src, "annotations")
    annotation_files = sorted(annotation_dir.glob("*.json"))
    if splits is not None:
        keys = set()
        for name in [splits] if isinstance(splits, str) else splits:
            split_file = src / "splits" / f"{name}.txt"
            if not split_file.is_file():
                raise ValueError(f"split file {split_file} not found")
            keys.update(line.strip() for line in split_file.read_text().splitlines() if line.strip())
        annotation_files = [f for f in annotation_files if f.stem in keys]
    if not annotation_files:
        raise ValueError(f"no annotation files (*.json) to crop in {annotation_dir}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    images = _index_images(src)
    skip_labels, skip_properties = set(skip_labels or ()), set(skip_properties or ())
    counts: Counter = Counter()
    bar = progress_bar(len(annotation_files), "cropping signs", progress)
    for annotation_file in annotation_files:
        key = annotation_file.stem
        objects = _read_objects(annotation_file)
        wanted = [
            (i, obj)
            for i, obj in enumerate(objects)
            if obj.get("label") not in skip_labels
            and not any((obj.get("properties") or {}).get(p) for p in skip_properties)
        ]
        targets = [(i, obj, dst / _safe_label(obj["label"]) / f"{key}_{i}.png") for i, obj in wanted]
        todo = [(i, obj, out) for i, obj, out in targets if overwrite or not out.exists()]
        for _, obj, out in targets:
            if out.exists() and not overwrite:
                counts[obj["label"]] += 1
        if todo:
            if key not in images:
                raise ValueError(f"annotation {annotation_file.name} has no image {key}.jpg under {src}")
            counts.update(_crop_image(images[key], todo, min_size, margin, annotation_file))
        bar.update(1)
    bar.close()
    return dict(sorted(counts.items()))


def crop_sign(image, bbox: dict, margin: float = 0.0):
    """One sign's crop from a PIL image, stitching panorama-wrapping boxes.

    Example:
        >>> crop = crop_sign(image, {"xmin": 10, "ymin": 20, "xmax": 42, "ymax": 52})
        >>> crop.size
        (32, 32)
    """
    from PIL import Image

    x1, y1, x2, y2 = (float(bbox[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
    if x1 > x2:  # wraps around the right edge of a 360° panorama
        parts = bbox.get("cross_boundary") or {}
        left = parts.get("left") or {"xmin": x1, "ymin": y1, "xmax": image.width, "ymax": y2}
        right = parts.get("right") or {"xmin": 0, "ymin": y1, "xmax": x2, "ymax": y2}
        pieces = [crop_sign(image, left, 0.0), crop_sign(image, right, 0.0)]
        stitched = Image.new(image.mode, (sum(p.width for p in pieces), max(p.height for p in pieces)))
        stitched.paste(pieces[0], (0, 0))
        stitched.paste(pieces[1], (pieces[0].width, 0))
        return stitched
    dx, dy = margin * (x2 - x1), margin * (y2 - y1)
    box = (
        int(round(max(0.0, x1 - dx))),
        int(round(max(0.0, y1 - dy))),
        int(round(min(float(image.width), x2 + dx))),
        int(round(min(float(image.height), y2 + dy))),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError(f"bounding box {bbox} is empty inside a {image.size} image")
    return image.crop(box)


def index_class_folders(root, min_per_class: int = 1):
    """``(paths, labels, class_names)`` of a ``root/<class>/<image>`` tree, classes sorted by name.

    Classes with fewer than ``min_per_class`` images are left out (labels are
    numbered over the kept classes).

    Example:
        >>> paths, labels, names = index_class_folders("~/data/mapillary_crops")
        >>> names[labels[0]] == Path(paths[0]).parent.name
        True
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

    Example:
        >>> (x_train, y_train), (x_val, y_val) = load_mapillary("~/data/mapillary_crops", image_size=28)
        >>> x_train.shape[1:]
        (28, 28, 3)
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


# ----------------------------------------------------------------- helpers
def _find_dir(src: Path, name: str) -> Path:
    for candidate in (src / name, src / "mtsd_v2_fully_annotated" / name, src / "mtsd_fully_annotated" / name):
        if candidate.is_dir():
            return candidate
    raise ValueError(f"no {name}/ folder under {src}; expected the MTSD layout (annotations/, images/)")


def _index_images(src: Path) -> dict[str, Path]:
    images = {}
    for path in sorted(src.rglob("*")):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png") and "annotations" not in path.parts:
            images.setdefault(path.stem, path)
    return images


def _read_objects(annotation_file: Path) -> list:
    try:
        data = json.loads(annotation_file.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{annotation_file} is not valid JSON: {err}") from None
    objects = data.get("objects", []) if isinstance(data, dict) else data
    for obj in objects:
        bbox = obj.get("bbox") if isinstance(obj, dict) else None
        corners = ("xmin", "ymin", "xmax", "ymax")
        if not isinstance(bbox, dict) or "label" not in obj or any(k not in bbox for k in corners):
            raise ValueError(f"{annotation_file}: every object needs a label and a bbox with {corners}, got {obj}")
    return objects


def _crop_image(image_path: Path, todo, min_size: float, margin: float, annotation_file: Path) -> Counter:
    from PIL import Image

    counts: Counter = Counter()
    with Image.open(image_path) as image:
        image = image.convert("RGB")
        for _, obj, out in todo:
            bbox = obj["bbox"]
            width = float(bbox["xmax"]) - float(bbox["xmin"])
            if width < 0:  # wraps around a panorama's edge
                width += image.width
            if min(width, float(bbox["ymax"]) - float(bbox["ymin"])) < min_size:
                continue
            try:
                crop = crop_sign(image, bbox, margin)
            except ValueError as err:
                raise ValueError(f"{annotation_file.name}: {err}") from None
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(f".{out.name}.tmp")
            crop.save(tmp, format="PNG")
            tmp.replace(out)
            counts[obj["label"]] += 1
    return counts


def _safe_label(label: str) -> str:
    safe = str(label).replace("/", "_").replace("\\", "_").strip()
    if safe in ("", ".", ".."):
        raise ValueError(f"label {label!r} cannot be a folder name")
    return safe
