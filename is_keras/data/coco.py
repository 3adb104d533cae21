"""COCO-format detection data: loading (pycocotools), letterboxing, and box-aware augmentation."""

from __future__ import annotations

import contextlib
import dataclasses
import io
from pathlib import Path

import numpy as np


@dataclasses.dataclass
class DetectionData:
    """Images of one size with their boxes.

    ``images`` is ``(N, H, W, 3)`` uint8 (an array or ``np.memmap``);
    ``boxes[i]`` is ``(n_i, 4)`` float32 ``[x1, y1, x2, y2]`` in pixels of
    ``images[i]``; ``labels[i]`` is ``(n_i,)`` int64 in ``[0, len(class_names))``.
    """

    images: np.ndarray
    boxes: list
    labels: list
    class_names: list
    image_ids: list

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_size(self) -> tuple[int, int]:
        """``(H, W)`` of the images."""
        return tuple(int(v) for v in self.images.shape[1:3])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, indices) -> DetectionData:
        """The images at ``indices`` (a new, in-memory ``DetectionData``).

        Example:
            >>> train, val = data.subset(range(0, 80)), data.subset(range(80, 100))
        """
        indices = [int(i) for i in indices]
        return DetectionData(
            images=np.asarray(self.images[indices]),
            boxes=[self.boxes[i] for i in indices],
            labels=[self.labels[i] for i in indices],
            class_names=list(self.class_names),
            image_ids=[self.image_ids[i] for i in indices],
        )

    def float_images(self) -> np.ndarray:
        """Images as float32 in [0, 1], the input YOLOv2 expects."""
        return np.asarray(self.images, dtype=np.float32) / 255.0


def letterbox_params(width: int, height: int, size: int, letterbox: bool = True):
    """``(scale_x, scale_y, offset_x, offset_y, new_w, new_h)`` mapping an image into a ``size × size`` input.

    With ``letterbox`` the aspect ratio is kept and the image is centred on a
    gray canvas; without, it is stretched.

    Example:
        >>> letterbox_params(640, 480, 416)
        (0.65, 0.65, 0, 52, 416, 312)
    """
    if letterbox:
        scale = min(size / width, size / height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        return scale, scale, (size - new_w) // 2, (size - new_h) // 2, new_w, new_h
    return size / width, size / height, 0, 0, size, size


def load_coco(annotation_json, image_dir, image_size: int = 416, max_images: int | None = None,
              letterbox: bool = True, include_empty: bool = True, memmap_path=None, seed: int | None = None,
              ) -> DetectionData:
    """Load a COCO-format detection set (via pycocotools), resized to ``image_size × image_size``.

    Crowd annotations and boxes without area are skipped. Categories are
    renumbered ``0 … C-1`` in order of their COCO id. Boxes come back in
    pixels of the resized (letterboxed by default, gray padding 128) images.

    Args:
        annotation_json: e.g. ``instances_train2017.json``.
        image_dir: the folder holding the ``file_name`` of every image.
        image_size: side of the square network input (a multiple of 32 for YOLOv2).
        max_images: keep only this many images (the first ones, or a seeded
            random choice when ``seed`` is given).
        include_empty: keep images without boxes.
        memmap_path: write the images to this ``np.memmap`` file instead of
            RAM (COCO at 416×416 is ~0.5 MB per image).

    Example:
        >>> data = load_coco("shapes/annotations.json", "shapes/images", image_size=128)
        >>> data.images.shape, data.boxes[0].shape
        ((200, 128, 128, 3), (3, 4))
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
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(annotation_json))
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
    if memmap_path is not None:
        images = np.lib.format.open_memmap(memmap_path, mode="w+", dtype=np.uint8, shape=shape)
    else:
        images = np.empty(shape, dtype=np.uint8)
    all_boxes, all_labels = [], []
    for n, image_id in enumerate(image_ids):
        info = coco.loadImgs(image_id)[0]
        path = image_dir / info["file_name"]
        if not path.is_file():
            raise ValueError(f"image file not found: {path}")
        with Image.open(path) as img:
            img = img.convert("RGB")
            sx, sy, ox, oy, new_w, new_h = letterbox_params(img.width, img.height, image_size, letterbox)
            canvas = np.full((image_size, image_size, 3), 128, dtype=np.uint8)
            canvas[oy : oy + new_h, ox : ox + new_w] = np.asarray(img.resize((new_w, new_h), Image.BILINEAR))
        images[n] = canvas
        boxes, labels = [], []
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=image_id, iscrowd=False)):
            x, y, w, h = ann["bbox"]
            if w <= 0 or h <= 0:
                continue
            boxes.append([x * sx + ox, y * sy + oy, (x + w) * sx + ox, (y + h) * sy + oy])
            labels.append(cat_index[ann["category_id"]])
        all_boxes.append(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        all_labels.append(np.asarray(labels, dtype=np.int64))
    if memmap_path is not None:
        images.flush()
    return DetectionData(images, all_boxes, all_labels, class_names, list(image_ids))


def pad_boxes(boxes, labels, max_boxes: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-size ``(N, max_boxes, 4)`` boxes and ``(N, max_boxes)`` labels, padding with label -1.

    Example:
        >>> b, l = pad_boxes(data.boxes, data.labels, max_boxes=20)
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


def augment_detection(image, boxes, labels, seed, flip_probability: float = 0.5, scale_range=(0.75, 1.25),
                      min_box_size: float = 2.0, fill_value: float = 0.5):
    """Box-aware random horizontal flip and scale jitter of one image (TensorFlow ops, for ``tf.data``).

    The image is scaled by a factor drawn from ``scale_range``, placed at a
    random position on a canvas of the original size (cropped when larger,
    padded with ``fill_value`` when smaller) and flipped with probability
    ``flip_probability``; boxes follow and are clipped to the image. Boxes
    narrower or shorter than ``min_box_size`` pixels afterwards become
    padding (label -1, box zeros). Randomness is stateless: the same ``seed``
    (a shape-(2,) integer tensor) gives the same result.

    Args:
        image: ``(H, W, C)`` float image (e.g. in [0, 1]).
        boxes: ``(M, 4)`` float ``[x1, y1, x2, y2]`` pixels; labels ``(M,)`` int with -1 for padding.

    Example:
        >>> ds = tf.data.Dataset.from_tensor_slices((images, boxes, labels)).enumerate()
        >>> ds = ds.map(lambda i, ex: augment_detection(*ex, seed=tf.stack([i, 0])))
    """
    import tensorflow as tf

    image = tf.convert_to_tensor(image)
    dtype = image.dtype if image.dtype.is_floating else tf.float32
    image = tf.cast(image, dtype)
    boxes = tf.cast(boxes, tf.float32)
    labels = tf.convert_to_tensor(labels)
    seed = tf.cast(seed, tf.int64)
    seeds = tf.random.experimental.stateless_split(seed, 5)
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    h_f, w_f = tf.cast(height, tf.float32), tf.cast(width, tf.float32)

    lo, hi = float(scale_range[0]), float(scale_range[1])
    if not 0 < lo <= hi:
        raise ValueError(f"scale_range must be (low, high) with 0 < low <= high, got {scale_range}")
    scale = tf.random.stateless_uniform((), seeds[0], lo, hi)
    new_h = tf.maximum(1, tf.cast(tf.round(h_f * scale), tf.int32))
    new_w = tf.maximum(1, tf.cast(tf.round(w_f * scale), tf.int32))
    resized = tf.cast(tf.image.resize(image, (new_h, new_w)), dtype)
    canvas_h, canvas_w = tf.maximum(new_h, height), tf.maximum(new_w, width)
    place_y = tf.random.stateless_uniform((), seeds[1], 0, canvas_h - new_h + 1, dtype=tf.int32)
    place_x = tf.random.stateless_uniform((), seeds[2], 0, canvas_w - new_w + 1, dtype=tf.int32)
    crop_y = tf.random.stateless_uniform((), seeds[3], 0, canvas_h - height + 1, dtype=tf.int32)
    crop_x = tf.random.stateless_uniform((), seeds[4], 0, canvas_w - width + 1, dtype=tf.int32)
    padded = tf.pad(resized - fill_value, [[place_y, canvas_h - new_h - place_y],
                                           [place_x, canvas_w - new_w - place_x], [0, 0]]) + fill_value
    out = padded[crop_y : crop_y + height, crop_x : crop_x + width]
    sx = tf.cast(new_w, tf.float32) / w_f
    sy = tf.cast(new_h, tf.float32) / h_f
    dx = tf.cast(place_x - crop_x, tf.float32)
    dy = tf.cast(place_y - crop_y, tf.float32)
    boxes = boxes * tf.stack([sx, sy, sx, sy]) + tf.stack([dx, dy, dx, dy])

    flip = tf.random.stateless_uniform((), tf.stack([seed[1], seed[0]]), 0, 1) < flip_probability
    out = tf.cond(flip, lambda: tf.reverse(out, axis=[1]), lambda: out)
    boxes = tf.cond(flip, lambda: tf.stack([w_f - boxes[:, 2], boxes[:, 1], w_f - boxes[:, 0], boxes[:, 3]], 1),
                    lambda: boxes)
    boxes = tf.stack([
        tf.clip_by_value(boxes[:, 0], 0, w_f), tf.clip_by_value(boxes[:, 1], 0, h_f),
        tf.clip_by_value(boxes[:, 2], 0, w_f), tf.clip_by_value(boxes[:, 3], 0, h_f)], axis=1)
    keep = (labels >= 0) & (boxes[:, 2] - boxes[:, 0] >= min_box_size) & (boxes[:, 3] - boxes[:, 1] >= min_box_size)
    boxes = tf.where(keep[:, None], boxes, tf.zeros_like(boxes))
    labels = tf.where(keep, labels, -tf.ones_like(labels))
    out.set_shape(image.shape)
    return out, boxes, labels
