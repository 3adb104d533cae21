"""GTSRB, the German Traffic Sign Recognition Benchmark (thesis §4.1.1), from a local folder.

The official training archive unpacks to ``Final_Training/Images/000NN/``:
one folder per class (43 classes) with ``.ppm`` images and a
semicolon-separated ``GT-000NN.csv``::

    Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId
    00000_00000.ppm;29;30;5;6;24;25;0

The ROI is the sign inside a border of about 10 % of its size; ``(X1, Y1)``
is its top-left pixel and ``(X2, Y2)`` its bottom-right corner in the PIL
crop convention (the published margins are symmetric that way). The thesis
splits the images 3:1 into training and validation; its total of 51,840
images is the 39,209 training images plus the 12,630 test images
(``include_test=True`` reads ``Final_Test/Images`` with ``GT-final_test.csv``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, load_image_files

#: The 43 GTSRB class names, by ClassId.
GTSRB_CLASS_NAMES = (
    "speed limit 20", "speed limit 30", "speed limit 50", "speed limit 60", "speed limit 70",
    "speed limit 80", "end of speed limit 80", "speed limit 100", "speed limit 120", "no passing",
    "no passing for vehicles over 3.5 t", "right of way at next intersection", "priority road", "yield",
    "stop", "no vehicles", "vehicles over 3.5 t prohibited", "no entry", "general caution",
    "dangerous curve left", "dangerous curve right", "double curve", "bumpy road", "slippery road",
    "road narrows on the right", "road work", "traffic signals", "pedestrians", "children crossing",
    "bicycles crossing", "beware of ice/snow", "wild animals crossing", "end of all speed and passing limits",
    "turn right ahead", "turn left ahead", "ahead only", "go straight or right", "go straight or left",
    "keep right", "keep left", "roundabout mandatory", "end of no passing",
    "end of no passing for vehicles over 3.5 t",
)  # fmt: skip

_CLASS_DIR = re.compile(r"^\d{5}$")
_IMAGE_SUFFIXES = (".ppm", ".png", ".jpg", ".jpeg", ".bmp")


def read_gtsrb_index(root, *, include_test: bool = False):
    """List the GTSRB images under ``root``: ``(paths, boxes, labels)``.

    ``root`` may be the folder holding ``Final_Training`` (or ``GTSRB/Final_Training``),
    ``Final_Training/Images`` itself, or any folder of ``000NN`` class folders.
    ``boxes`` is a list of ROI boxes ``(x1, y1, x2, y2)``, ``None`` for an
    image listed in no ``GT-*.csv`` (its class then comes from the folder name).
    A row repeated with the same label is read once.

    Args:
        root: the GTSRB folder.
        include_test: also read ``Final_Test/Images`` with ``GT-final_test.csv``.

    Returns:
        ``(paths, boxes, labels)``: a list of str, a list of boxes or ``None``, int64 labels.

    Raises:
        ValueError: no folder, no class folders, an unreadable CSV row, a CSV naming a missing image,
            or rows giving one image two different labels (each message names the file).

    Example:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> from PIL import Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> folder = root / "Final_Training" / "Images" / "00003"
        >>> folder.mkdir(parents=True)
        >>> Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(folder / "00000_00000.ppm")
        >>> _ = (folder / "GT-00003.csv").write_text(
        ...     "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\\n00000_00000.ppm;12;10;1;1;11;9;3\\n")
        >>> paths, boxes, labels = read_gtsrb_index(root)
        >>> len(paths), boxes, labels.tolist()
        (1, [(1, 1, 11, 9)], [3])
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ValueError(f"GTSRB root {root} is not a directory")
    images = _find_training_images(root)
    paths, boxes, labels = [], [], []
    seen: dict[Path, tuple[int, Path]] = {}  # image -> (label, the CSV that gave it)
    for class_dir in sorted(d for d in images.iterdir() if d.is_dir() and _CLASS_DIR.match(d.name)):
        listed = set()
        for csv_path in sorted(class_dir.glob("GT-*.csv")):
            for path, box, label in _read_gt_csv(csv_path, class_dir):
                if _already_listed(seen, path, label, csv_path):
                    continue
                paths.append(path)
                boxes.append(box)
                labels.append(label)
                listed.add(path.name)
        for path in sorted(class_dir.iterdir()):
            if path.suffix.lower() in _IMAGE_SUFFIXES and path.name not in listed:
                paths.append(path)
                boxes.append(None)
                labels.append(int(class_dir.name))
    if include_test:
        test_paths, test_boxes, test_labels = _read_test_set(root, images)
        paths += test_paths
        boxes += test_boxes
        labels += test_labels
    if not paths:
        raise ValueError(f"no images found in the GTSRB class folders under {images}")
    return [str(p) for p in paths], boxes, np.asarray(labels, dtype=np.int64)


def load_gtsrb(
    root,
    *,
    image_size=28,
    roi_crop: bool = True,
    val_fraction: float = 0.25,
    seed: int = 0,
    include_test: bool = False,
    in_memory: bool | None = None,
    cache: bool = True,
    cache_dir=None,
    in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT,
    progress: bool = True,
):
    """GTSRB from a local folder as ``(x_train, y_train), (x_val, y_val)``.

    Every image is (optionally) cropped to its ROI and resized to
    ``image_size`` (default 28×28, CrapNet's input, thesis Table 4.2); ``x``
    is float32 RGB in [0, 1] of shape ``(N, H, W, 3)``, ``y`` the int64
    ClassId. The split is stratified and seeded, 3:1 by default (thesis §4.1.1).
    Decoded pixels are cached on disk (see :mod:`is_keras.data.image_cache`);
    large sizes come back as float32 memmaps (``in_memory``).

    Args:
        root: the GTSRB folder (see :func:`read_gtsrb_index`).
        image_size: ``int`` or ``(height, width)``.
        roi_crop: crop to the ROI before resizing.
        val_fraction: the validation share of every class.
        seed: seeds the split.
        include_test: add the official test images.
        in_memory: see :func:`~is_keras.data.image_cache.load_image_files`.
        cache: see :func:`~is_keras.data.image_cache.load_image_files`.
        cache_dir: the cache folder.
        in_memory_limit: bytes above which the data stay on disk when ``in_memory=None``.
        progress: show progress bars.

    Returns:
        ``(x_train, y_train), (x_val, y_val)``.

    Raises:
        ValueError: see :func:`read_gtsrb_index`; also an image that cannot be decoded (named).

    Example:
        >>> import tempfile
        >>> from is_keras.data.synthetic_signs import write_synthetic_signs
        >>> root = write_synthetic_signs(tempfile.mkdtemp(), num_per_class=4, image_size=16, num_classes=2)
        >>> (x_train, y_train), (x_val, y_val) = load_gtsrb(root, image_size=12, cache=False, progress=False)
        >>> x_train.shape, y_val.tolist()
        ((6, 12, 12, 3), [0, 1])
    """
    paths, boxes, labels = read_gtsrb_index(root, include_test=include_test)
    return load_image_files(
        paths,
        labels,
        image_size,
        boxes=boxes if roi_crop else None,
        val_fraction=val_fraction,
        seed=seed,
        stratify=True,
        in_memory=in_memory,
        cache=cache,
        cache_dir=cache_dir,
        in_memory_limit=in_memory_limit,
        progress=progress,
    )


def _find_training_images(root: Path) -> Path:
    candidates = [
        root / "Final_Training" / "Images",
        root / "GTSRB" / "Final_Training" / "Images",
        root / "Images",
        root,
    ]
    for candidate in candidates:
        if candidate.is_dir() and any(d.is_dir() and _CLASS_DIR.match(d.name) for d in candidate.iterdir()):
            return candidate
    raise ValueError(
        f"no GTSRB class folders (Final_Training/Images/000NN) found under {root}; "
        "unpack GTSRB_Final_Training_Images.zip there"
    )


def _read_gt_csv(csv_path: Path, image_dir: Path):
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
            yield path, box, label


def _already_listed(seen: dict, path: Path, label: int, csv_path: Path) -> bool:
    """True for a repeated row with the same label; ``ValueError`` when a row gives an image another label."""
    key = path.resolve()
    if key not in seen:
        seen[key] = (label, csv_path)
        return False
    first_label, first_csv = seen[key]
    if first_label != label:
        where = f"in {csv_path}" if first_csv == csv_path else f"in {first_csv} and {csv_path}"
        raise ValueError(
            f"{path} is given two different labels ({first_label} and {label}) {where}; "
            "fix the annotation file (one label per image)"
        )
    return True


def _read_test_set(root: Path, training_images: Path):
    test_images = [
        training_images.parent.parent / "Final_Test" / "Images",
        root / "Final_Test" / "Images",
        root / "GTSRB" / "Final_Test" / "Images",
    ]
    test_images = next((d for d in test_images if d.is_dir()), None)
    if test_images is None:
        raise ValueError(f"include_test=True but no Final_Test/Images folder was found under {root}")
    for folder in (test_images, test_images.parent, test_images.parent.parent, root):
        csv_path = folder / "GT-final_test.csv"
        if csv_path.is_file():
            seen: dict[Path, tuple[int, Path]] = {}
            rows = [r for r in _read_gt_csv(csv_path, test_images) if not _already_listed(seen, r[0], r[2], csv_path)]
            return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    raise ValueError(
        f"include_test=True but GT-final_test.csv (the test labels, GTSRB_Final_Test_GT.zip) "
        f"is not in {test_images} or its parents"
    )
