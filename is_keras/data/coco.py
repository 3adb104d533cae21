"""COCO-format detection data: loading (pycocotools), letterboxing; re-exports DetectionData, augment_detection."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np

from is_keras.data.detection_augmentation import augment_detection
from is_keras.data.detection_data import DetectionData
from is_keras.data.image_decoding import _open_image

__all__ = ["DetectionData", "augment_detection", "letterbox_params", "load_coco", "pad_boxes"]


def letterbox_params(width: int, height: int, size: int, letterbox: bool = True):
    """How a ``width × height`` image maps into a ``size × size`` input: input pixel = image pixel · scale + offset.

    Args: letterbox: keep the aspect ratio and centre the image (else stretch it).
    Returns: ``(scale_x, scale_y, offset_x, offset_y, new_w, new_h)``.
    Raises: ZeroDivisionError: a zero width or height.
    Example:
        >>> letterbox_params(640, 480, 416)
        (0.65, 0.65, 0, 52, 416, 312)
    """
    if letterbox:
        scale = min(size / width, size / height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        return scale, scale, (size - new_w) // 2, (size - new_h) // 2, new_w, new_h
    return size / width, size / height, 0, 0, size, size


def load_coco(annotation_json, image_dir, *, image_size: int = 416, max_images: int | None = None,
              letterbox: bool = True, include_empty: bool = True, memmap_path=None, seed: int | None = None,
              ) -> DetectionData:
    """Load a COCO-format detection set (via pycocotools), resized to ``image_size × image_size``.

    Args:
        annotation_json, image_dir: e.g. ``instances_train2017.json``; the folder holding every ``file_name``.
        image_size: side of the square network input (a multiple of 32 for YOLOv2).
        max_images, seed: keep only this many images (the first ones, or a random choice seeded by ``seed``).
        include_empty, letterbox: keep images without boxes; keep the aspect ratio (gray padding 128), not stretch.
        memmap_path: write the images to this ``np.memmap`` file instead of RAM (~0.5 MB per image at 416).
    Returns: A :class:`~is_keras.data.detection_data.DetectionData`, boxes in pixels of the resized images: crowd and
        area-less boxes skipped, boxes reaching outside their image clipped (dropped when left without area, counted
        in one ``UserWarning``); categories renumbered ``0 … C-1`` in COCO id order.
    Raises: ValueError: a missing file or folder, not COCO JSON, an unknown image or category, an undecodable image.
    Example:
        >>> import tempfile
        >>> from is_keras.data.synthetic_shapes import write_synthetic_shapes
        >>> ann = write_synthetic_shapes(tempfile.mkdtemp(), num_images=2, image_size=64, seed=0)
        >>> load_coco(ann, ann.parent / "images", image_size=32).images.shape
        (2, 32, 32, 3)
    """
    from PIL import Image
    from pycocotools.coco import COCO

    annotation_json, image_dir = Path(annotation_json), Path(image_dir)
    if not annotation_json.is_file():
        raise ValueError(f"annotation file not found: {annotation_json}")
    if not image_dir.is_dir():
        raise ValueError(f"image folder not found: {image_dir}")
    if int(image_size) != image_size or image_size < 1:
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(str(annotation_json))
    except (ValueError, KeyError, TypeError, AssertionError) as error:  # bad JSON, missing keys, not a dict
        raise ValueError(f"{annotation_json} is not a COCO annotation file: {error!r}") from error
    cat_ids = sorted(coco.getCatIds())
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    class_names = [coco.loadCats(c)[0].get("name", str(c)) for c in cat_ids]
    image_ids = sorted(coco.getImgIds())
    if not include_empty:
        image_ids = [i for i in image_ids if coco.getAnnIds(imgIds=i, iscrowd=False)]
    if max_images is not None and len(image_ids) > max_images:
        if seed is None:
            image_ids = image_ids[: int(max_images)]
        else:
            pick = np.random.default_rng(seed).choice(len(image_ids), int(max_images), replace=False)
            image_ids = [image_ids[i] for i in sorted(pick)]
    if not image_ids:
        raise ValueError(f"{annotation_json} has no images to load")
    shape = (len(image_ids), image_size, image_size, 3)
    images = (np.empty(shape, dtype=np.uint8) if memmap_path is None
              else np.lib.format.open_memmap(memmap_path, mode="w+", dtype=np.uint8, shape=shape))
    all_boxes, all_labels = [], []
    clipped = dropped = 0
    for n, image_id in enumerate(image_ids):
        path = image_dir / coco.loadImgs(image_id)[0]["file_name"]
        if not path.is_file():
            raise ValueError(f"image file not found: {path} (listed in {annotation_json})")
        with _open_image(path) as img:
            img_w, img_h = img.width, img.height
            sx, sy, ox, oy, new_w, new_h = letterbox_params(img_w, img_h, image_size, letterbox)
            resized = img.convert("RGB").resize((new_w, new_h), Image.Resampling.BILINEAR)
        images[n] = 128  # the letterbox's gray
        images[n, oy : oy + new_h, ox : ox + new_w] = np.asarray(resized)
        boxes, labels = [], []
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=image_id, iscrowd=False)):
            x, y, w, h = (float(v) for v in ann["bbox"])
            if w <= 0 or h <= 0:
                continue
            x1, y1, x2, y2 = max(x, 0.0), max(y, 0.0), min(x + w, float(img_w)), min(y + h, float(img_h))
            if (x1, y1, x2, y2) != (x, y, x + w, y + h):
                if x2 <= x1 or y2 <= y1:
                    dropped += 1
                    continue
                clipped += 1
            if ann["category_id"] not in cat_index:
                raise ValueError(f"{annotation_json}: annotation {ann.get('id')} has category_id "
                                 f"{ann['category_id']}, which is not in its categories")
            boxes.append([x1 * sx + ox, y1 * sy + oy, x2 * sx + ox, y2 * sy + oy])
            labels.append(cat_index[ann["category_id"]])
        all_boxes.append(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        all_labels.append(np.asarray(labels, dtype=np.int64))
    if clipped or dropped:
        warnings.warn(f"{annotation_json}: {clipped} box(es) reaching outside their image were clipped to it"
                      + (f" and {dropped} box(es) lying entirely outside were dropped" if dropped else ""),
                      UserWarning, stacklevel=2)
    if memmap_path is not None:
        images.flush()
    return DetectionData(images, all_boxes, all_labels, class_names, list(image_ids))


def pad_boxes(boxes, labels, *, max_boxes: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-size float32 ``(N, max_boxes, 4)`` boxes and int32 ``(N, max_boxes)`` labels, padding with label -1.

    Args: boxes, labels: per image an ``(n_i, 4)`` and an ``(n_i,)`` array.
    Returns: ``(boxes, labels)``.
    Raises: ValueError: an image with more than ``max_boxes`` boxes.
    Example:
        >>> b, lab = pad_boxes([np.ones((1, 4))], [np.array([2])], max_boxes=3)
        >>> b.shape, lab.tolist()
        ((1, 3, 4), [[2, -1, -1]])
    """
    n = len(boxes)
    out_boxes = np.zeros((n, max_boxes, 4), dtype=np.float32)
    out_labels = np.full((n, max_boxes), -1, dtype=np.int32)
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        if len(b) > max_boxes:
            raise ValueError(f"image {i} has {len(b)} boxes, more than max_boxes={max_boxes}")
        out_boxes[i, : len(b)] = b
        out_labels[i, : len(b)] = lab
    return out_boxes, out_labels
