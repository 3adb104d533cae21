"""GTSRB, the German Traffic Sign Recognition Benchmark, from a local folder (``Final_Training/Images/000NN/``)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, load_image_files
from is_keras.data.image_decoding import IMAGE_SUFFIXES

#: The 43 GTSRB class names, by ClassId.
GTSRB_CLASS_NAMES = (
    "speed limit 20", "speed limit 30", "speed limit 50", "speed limit 60", "speed limit 70", "speed limit 80",
    "end of speed limit 80", "speed limit 100", "speed limit 120", "no passing", "no passing for vehicles over 3.5 t",
    "right of way at next intersection", "priority road", "yield", "stop", "no vehicles",
    "vehicles over 3.5 t prohibited", "no entry", "general caution", "dangerous curve left", "dangerous curve right",
    "double curve", "bumpy road", "slippery road", "road narrows on the right", "road work", "traffic signals",
    "pedestrians", "children crossing", "bicycles crossing", "beware of ice/snow", "wild animals crossing",
    "end of all speed and passing limits", "turn right ahead", "turn left ahead", "ahead only", "go straight or right",
    "go straight or left", "keep right", "keep left", "roundabout mandatory", "end of no passing",
    "end of no passing for vehicles over 3.5 t",
)  # fmt: skip

_CLASS_DIR = re.compile(r"^\d{5}$")


def read_gtsrb_index(root, *, include_test: bool = False):
    """The GTSRB images under ``root``; one in no ``GT-*.csv`` gets its folder's class, a repeated row is read once.

    Args:
        root: the folder holding ``[GTSRB/]Final_Training``, ``Final_Training/Images`` or the ``000NN`` folders.
        include_test: also read ``Final_Test/Images`` with ``GT-final_test.csv`` (39,209 + 12,630 = 51,840 images).
    Returns: ``(paths, boxes, labels)``: a list of str, ROI boxes ``(x1, y1, x2, y2)`` or ``None``, int64 labels.
    Raises: ValueError: no folder or class folders, a bad CSV row or missing image, or two labels for one image (named).
    Example:
        >>> import tempfile
        >>> from is_keras.data.synthetic_signs import write_synthetic_signs
        >>> root = write_synthetic_signs(tempfile.mkdtemp(), num_per_class=2, image_size=16, num_classes=2)
        >>> paths, boxes, labels = read_gtsrb_index(root)
        >>> len(paths), len(boxes[0]), labels.tolist()
        (4, 4, [0, 0, 1, 1])
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ValueError(f"GTSRB root {root} is not a directory")
    images = _find_training_images(root)
    rows = []  # (path, box, label)
    seen: dict[Path, tuple[int, Path]] = {}  # image -> (label, the CSV that gave it)
    for class_dir in sorted(d for d in images.iterdir() if d.is_dir() and _CLASS_DIR.match(d.name)):
        listed = [row for table in sorted(class_dir.glob("GT-*.csv")) for row in _unique_rows(table, class_dir, seen)]
        names = {path.name for path, _, _ in listed}
        rows += listed + [(p, None, int(class_dir.name)) for p in sorted(class_dir.iterdir())
                          if p.suffix.lower() in IMAGE_SUFFIXES and p.name not in names]
    if include_test:
        rows += _read_test_set(root, images)
    if not rows:
        raise ValueError(f"no images found in the GTSRB class folders under {images}")
    paths, boxes, labels = zip(*rows)
    return [str(p) for p in paths], list(boxes), np.asarray(labels, dtype=np.int64)


def load_gtsrb(root, *, image_size=28, roi_crop: bool = True, val_fraction: float = 0.25, seed: int = 0,
               include_test: bool = False, in_memory: bool | None = None, cache: bool = True, cache_dir=None,
               in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT, progress: bool = True):
    """GTSRB from a local folder as ``(x_train, y_train), (x_val, y_val)``, split stratified (3:1 by default).

    Args:
        root, include_test: the GTSRB folder; add the official test images (see :func:`read_gtsrb_index`).
        image_size, roi_crop: ``int`` or ``(height, width)`` (28: CrapNet's input); crop to the ROI first.
        val_fraction, seed: the validation share of every class; seeds the split.
        in_memory, cache, cache_dir, in_memory_limit, progress: see :func:`~is_keras.data.image_cache.load_image_files`.
    Returns: ``(x_train, y_train), (x_val, y_val)``: ``x`` float32 RGB ``(N, H, W, 3)`` in [0, 1], ``y`` int64 ClassIds.
    Raises: ValueError: see :func:`read_gtsrb_index`; an image that cannot be decoded (named).
    Example:
        >>> import tempfile
        >>> from is_keras.data.synthetic_signs import write_synthetic_signs
        >>> root = write_synthetic_signs(tempfile.mkdtemp(), num_per_class=4, image_size=16, num_classes=2)
        >>> (x_train, y_train), (x_val, y_val) = load_gtsrb(root, image_size=12, cache=False, progress=False)
        >>> x_train.shape, y_val.tolist()
        ((6, 12, 12, 3), [0, 1])
    """
    paths, boxes, labels = read_gtsrb_index(root, include_test=include_test)
    return load_image_files(paths, labels, image_size, boxes=boxes if roi_crop else None, val_fraction=val_fraction,
                            seed=seed, stratify=True, in_memory=in_memory, cache=cache, cache_dir=cache_dir,
                            in_memory_limit=in_memory_limit, progress=progress)


def _find_training_images(root: Path) -> Path:
    for candidate in (root / "Final_Training" / "Images", root / "GTSRB" / "Final_Training" / "Images",
                      root / "Images", root):
        if candidate.is_dir() and any(d.is_dir() and _CLASS_DIR.match(d.name) for d in candidate.iterdir()):
            return candidate
    raise ValueError(f"no GTSRB class folders (Final_Training/Images/000NN) found under {root}; "
                     "unpack GTSRB_Final_Training_Images.zip there")


def _unique_rows(csv_path: Path, image_dir: Path, seen: dict):
    """The rows of a GT csv whose image is not in ``seen`` yet; ``ValueError`` when an image gets two labels."""
    with open(csv_path, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        fields = {name.strip().lower(): name for name in reader.fieldnames or ()}
        needed = ["filename", "roi.x1", "roi.y1", "roi.x2", "roi.y2", "classid"]
        missing = [name for name in needed if name not in fields]
        if missing:
            raise ValueError(f"{csv_path} lacks the column(s) {missing}; expected {needed} separated by ';'")
        for row in reader:
            try:
                box = tuple(int(row[fields[k]]) for k in ("roi.x1", "roi.y1", "roi.x2", "roi.y2"))
                label = int(row[fields["classid"]])
            except (TypeError, ValueError):
                raise ValueError(f"{csv_path}: cannot parse the row {row}") from None
            path = image_dir / row[fields["filename"]].strip()
            if not path.is_file():
                raise ValueError(f"{csv_path} lists {path.name}, which is not in {image_dir}")
            key = path.resolve()
            first_label, first_csv = seen.get(key, (None, None))
            if first_label is None:
                seen[key] = (label, csv_path)
                yield path, box, label
            elif first_label != label:
                where = f"in {csv_path}" if first_csv == csv_path else f"in {first_csv} and {csv_path}"
                raise ValueError(f"{path} is given two different labels ({first_label} and {label}) {where}; "
                                 "fix the annotation file (one label per image)")


def _read_test_set(root: Path, training_images: Path):
    candidates = [d / "Final_Test" / "Images" for d in (training_images.parent.parent, root, root / "GTSRB")]
    test_images = next((d for d in candidates if d.is_dir()), None)
    if test_images is None:
        raise ValueError(f"include_test=True but no Final_Test/Images folder was found under {root}")
    for folder in (test_images, test_images.parent, test_images.parent.parent, root):
        csv_path = folder / "GT-final_test.csv"
        if csv_path.is_file():
            return list(_unique_rows(csv_path, test_images, {}))
    raise ValueError(f"include_test=True but GT-final_test.csv (the test labels, GTSRB_Final_Test_GT.zip) "
                     f"is not in {test_images} or its parents")
