"""Mapillary Traffic Sign Dataset (MTSD) as classification: every sign cropped into ``<label>/<key>_<i>.png``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, load_image_files
from is_keras.data.image_decoding import IMAGE_SUFFIXES, _open_image, progress_bar

_CORNERS = ("xmin", "ymin", "xmax", "ymax")


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


def crop_mapillary_signs(src, dst, *, min_size: float = 0, skip_labels=("other-sign",), skip_properties=(),
                         margin: float = 0.0, splits=None, overwrite: bool = False, progress: bool = True
                         ) -> dict[str, int]:
    """Crop every annotated sign of an MTSD folder into ``dst/<label>/<key>_<i>.png``.

    Args:
        src, dst: the MTSD root (holding ``annotations/`` and ``images/``); the output root.
        min_size, skip_labels: skip signs whose box is narrower or lower than this (pixels); labels not written.
        skip_properties: skip signs with any of these properties true, e.g. ``("ambiguous", "dummy", "occluded")``.
        margin: widen each box by this fraction of its size on every side (GTSRB's is ~0.1), clipped to the image.
        splits: only the keys listed in ``src/splits/<name>.txt`` for these names; ``None``: every annotation.
        overwrite, progress: rewrite existing crops (else kept: an interrupted run resumes); show a progress bar.
    Returns: The number of crops per label (existing ones included), sorted by label.
    Raises: ValueError: no annotations, a missing split file, bad JSON, a missing or undecodable image, an empty box.
    Example:
        >>> import json, tempfile, pathlib, PIL.Image
        >>> src = pathlib.Path(tempfile.mkdtemp())
        >>> (src / "annotations").mkdir(); (src / "images").mkdir()
        >>> PIL.Image.new("RGB", (60, 40)).save(src / "images" / "k1.jpg")
        >>> box = {"xmin": 10, "ymin": 5, "xmax": 30, "ymax": 25}
        >>> _ = (src / "annotations" / "k1.json").write_text(json.dumps({"objects": [{"label": "stop", "bbox": box}]}))
        >>> crop_mapillary_signs(src, src / "crops", progress=False)
        {'stop': 1}
    """
    src, dst = Path(src).expanduser(), Path(dst).expanduser()
    candidates = [d / "annotations" for d in (src, src / "mtsd_v2_fully_annotated", src / "mtsd_fully_annotated")]
    annotation_dir = next((d for d in candidates if d.is_dir()), None)
    if annotation_dir is None:
        raise ValueError(f"no annotations/ folder under {src}; expected the MTSD layout (annotations/, images/)")
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
    images = {path.stem: path for path in sorted(src.rglob("*"), reverse=True)  # the first path of each key
              if path.suffix.lower() in (".jpg", ".jpeg", ".png") and "annotations" not in path.parts}
    skip_labels, skip_properties = set(skip_labels or ()), set(skip_properties or ())
    counts: Counter = Counter()
    bar = progress_bar(len(annotation_files), "cropping signs", progress)
    for annotation_file in annotation_files:
        key, objects = annotation_file.stem, _read_objects(annotation_file)
        targets = [(obj, dst / _safe_label(obj["label"]) / f"{key}_{i}.png") for i, obj in enumerate(objects)
                   if obj.get("label") not in skip_labels
                   and not any((obj.get("properties") or {}).get(p) for p in skip_properties)]
        todo = [(obj, out) for obj, out in targets if overwrite or not out.exists()]
        counts.update(obj["label"] for obj, out in targets if out.exists() and not overwrite)
        if todo:
            if key not in images:
                raise ValueError(f"annotation {annotation_file.name} has no image {key}.jpg under {src}")
            counts.update(_crop_image(images[key], todo, min_size, margin, annotation_file))
        bar.update(1)
    bar.close()
    return dict(sorted(counts.items()))


def crop_sign(image, bbox: dict, *, margin: float = 0.0):
    """One sign's crop from a PIL ``image``, stitching panorama-wrapping boxes.

    Args:
        bbox: ``{"xmin", "ymin", "xmax", "ymax"}`` pixels; ``xmin > xmax`` wraps around a 360° panorama (its
            ``cross_boundary`` ``left`` and ``right`` boxes, or the image edges, stitched side by side).
        margin: widen the box by this fraction of its size on every side, clipped to the image.
    Raises: ValueError: a box that is empty inside the image.
    Example:
        >>> from PIL import Image
        >>> image = Image.new("RGB", (64, 64))
        >>> crop_sign(image, {"xmin": 10, "ymin": 20, "xmax": 42, "ymax": 52}).size
        (32, 32)
        >>> crop_sign(image, {"xmin": 60, "ymin": 0, "xmax": 4, "ymax": 8}).size   # wraps around the edge
        (8, 8)
    """
    from PIL import Image

    x1, y1, x2, y2 = (float(bbox[k]) for k in _CORNERS)
    if x1 > x2:  # wraps around the right edge of a 360° panorama
        parts = bbox.get("cross_boundary") or {}
        left = parts.get("left") or {"xmin": x1, "ymin": y1, "xmax": image.width, "ymax": y2}
        right = parts.get("right") or {"xmin": 0, "ymin": y1, "xmax": x2, "ymax": y2}
        pieces = [crop_sign(image, left), crop_sign(image, right)]
        stitched = Image.new(image.mode, (sum(p.width for p in pieces), max(p.height for p in pieces)))
        stitched.paste(pieces[0], (0, 0))
        stitched.paste(pieces[1], (pieces[0].width, 0))
        return stitched
    dx, dy = margin * (x2 - x1), margin * (y2 - y1)
    width, height = float(image.width), float(image.height)
    corners = (max(0.0, x1 - dx), max(0.0, y1 - dy), min(width, x2 + dx), min(height, y2 + dy))
    box = tuple(int(round(v)) for v in corners)
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError(f"bounding box {bbox} is empty inside a {image.size} image")
    return image.crop(box)


def _read_objects(annotation_file: Path) -> list:
    try:
        data = json.loads(annotation_file.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{annotation_file} is not valid JSON: {err}") from None
    objects = data.get("objects", []) if isinstance(data, dict) else data
    for obj in objects:
        bbox = obj.get("bbox") if isinstance(obj, dict) else None
        if not isinstance(bbox, dict) or "label" not in obj or any(k not in bbox for k in _CORNERS):
            raise ValueError(f"{annotation_file}: every object needs a label and a bbox with {_CORNERS}, got {obj}")
    return objects


def _crop_image(image_path: Path, todo, min_size: float, margin: float, annotation_file: Path) -> Counter:
    counts: Counter = Counter()
    with _open_image(image_path, f" (of {annotation_file})") as image:
        image = image.convert("RGB")
        for obj, out in todo:
            bbox = obj["bbox"]
            width = float(bbox["xmax"]) - float(bbox["xmin"])
            if width < 0:  # wraps around a panorama's edge
                width += image.width
            if min(width, float(bbox["ymax"]) - float(bbox["ymin"])) < min_size:
                continue
            try:
                crop = crop_sign(image, bbox, margin=margin)
            except ValueError as err:
                raise ValueError(f"{annotation_file}: {err}") from None
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
