"""Synthetic shapes: a small detection dataset (COCO format) generated offline, deterministic per seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from is_keras.data.detection_data import DetectionData

SHAPES = ("circle", "square", "triangle", "diamond", "cross", "star")
DEFAULT_CLASSES = ("circle", "square", "triangle")


def _polygon(shape: str, x1, y1, x2, y2):
    """The corners of ``shape`` filling the box."""
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    if shape == "triangle":
        return [(cx, y1), (x2, y2), (x1, y2)]
    if shape == "diamond":
        return [(cx, y1), (x2, cy), (cx, y2), (x1, cy)]
    if shape == "cross":
        a, b = 0.3, 0.7
        pts = [(a, 0), (b, 0), (b, a), (1, a), (1, b), (b, b), (b, 1), (a, 1), (a, b), (0, b), (0, a), (a, a)]
        return [(x1 + u * w, y1 + v * h) for u, v in pts]
    if shape == "star":
        angles = -np.pi / 2 + np.arange(10) * np.pi / 5
        radius = np.where(np.arange(10) % 2 == 0, 0.5, 0.2)
        u, v = radius * np.cos(angles), radius * np.sin(angles)
        u, v = ((t - t.min()) / (t.max() - t.min()) for t in (u, v))
        return [(x1 + a * w, y1 + b * h) for a, b in zip(u, v)]
    raise ValueError(f"unknown shape {shape!r}; known shapes: {', '.join(SHAPES)}")


def _background(rng, size):
    from PIL import Image

    coarse = rng.integers(0, 256, size=(rng.integers(3, 9), rng.integers(3, 9), 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC), dtype=np.float32)
    base = rng.uniform(60, 200, 3).astype(np.float32)
    image = 0.5 * base + 0.5 * smooth + rng.normal(0, 12, (size, size, 3)).astype(np.float32)
    return np.clip(image, 0, 255)


def generate_shapes(num_images: int, image_size: int = 128, classes=DEFAULT_CLASSES, max_objects: int = 4,
                    min_objects: int = 0, min_size: float = 0.12, max_size: float = 0.45, seed: int = 0,
                    ) -> DetectionData:
    """Generate the synthetic shapes set in memory: non-overlapping shapes on a textured background.

    Args:
        num_images, image_size: how many images; their square side in pixels.
        classes: shape names from :data:`SHAPES`; label ``i`` is ``classes[i]``.
        max_objects, min_objects: objects per image, uniform in ``[min_objects, max_objects]`` (fewer if crowded).
        min_size, max_size, seed: object size (the longer side) as a fraction of the image; seeds ``default_rng``.
    Returns: A :class:`~is_keras.data.coco.DetectionData` (uint8 images, tight pixel boxes).
    Raises: ValueError: no or unknown classes, or bad counts or sizes.
    Example:
        >>> data = generate_shapes(4, image_size=32, seed=0)
        >>> data.images.shape, data.class_names
        ((4, 32, 32, 3), ['circle', 'square', 'triangle'])
    """
    from PIL import Image, ImageDraw

    classes = list(classes)
    if not classes:
        raise ValueError("classes must name at least one shape")
    for name in classes:
        if name not in SHAPES:
            raise ValueError(f"unknown shape {name!r}; known shapes: {', '.join(SHAPES)}")
    if int(num_images) != num_images or num_images < 1:
        raise ValueError(f"num_images must be an integer >= 1, got {num_images!r}")
    if int(image_size) != image_size or image_size < 16:
        raise ValueError(f"image_size must be an integer >= 16, got {image_size!r}")
    if not 0 <= min_objects <= max_objects:
        raise ValueError(f"need 0 <= min_objects <= max_objects, got {min_objects}, {max_objects}")
    if not 0 < min_size <= max_size <= 1:
        raise ValueError(f"need 0 < min_size <= max_size <= 1, got {min_size}, {max_size}")
    size = int(image_size)
    rng = np.random.default_rng(seed)
    images = np.empty((int(num_images), size, size, 3), dtype=np.uint8)
    all_boxes, all_labels = [], []
    for n in range(int(num_images)):
        image = _background(rng, size)
        boxes, labels = [], []
        for _ in range(int(rng.integers(min_objects, max_objects + 1))):
            label = int(rng.integers(len(classes)))
            side = rng.uniform(min_size, max_size) * size
            aspect = np.exp(rng.uniform(np.log(0.6), np.log(1.6)))
            w, h = (side, side / aspect) if aspect >= 1 else (side * aspect, side)
            w, h = max(w, 6.0), max(h, 6.0)
            for _attempt in range(30):
                x1, y1 = rng.uniform(0, size - w), rng.uniform(0, size - h)
                box = (x1, y1, x1 + w, y1 + h)
                if all(box[2] + 1 < b[0] or b[2] + 1 < box[0] or box[3] + 1 < b[1] or b[3] + 1 < box[1]
                       for b in boxes):
                    break
            else:
                continue
            mask_img = Image.new("L", (size, size), 0)
            draw = ImageDraw.Draw(mask_img)
            if classes[label] in ("circle", "square"):
                (draw.ellipse if classes[label] == "circle" else draw.rectangle)(box, fill=255)
            else:
                draw.polygon(_polygon(classes[label], *box), fill=255)
            extent = mask_img.getbbox()
            if extent is None:
                continue
            mask = np.asarray(mask_img, dtype=np.float32)[..., None] / 255.0
            region = image[extent[1] : extent[3], extent[0] : extent[2]].reshape(-1, 3).mean(axis=0)
            for _attempt in range(20):  # a colour that stands out from the background under it
                color = rng.uniform(0, 255, 3)
                if np.linalg.norm(color - region) > 120:
                    break
            fill = color + rng.normal(0, 6, (size, size, 3))
            image = image * (1 - mask) + np.clip(fill, 0, 255) * mask
            boxes.append(tuple(float(v) for v in extent))
            labels.append(label)
        images[n] = np.round(image).astype(np.uint8)
        all_boxes.append(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        all_labels.append(np.asarray(labels, dtype=np.int64))
    return DetectionData(images, all_boxes, all_labels, classes, list(range(1, int(num_images) + 1)))


def write_synthetic_shapes(root, num_images: int, *, image_size: int = 128, classes=DEFAULT_CLASSES,
                           max_objects: int = 4, seed: int = 0, image_format: str = "png", **kwargs) -> Path:
    """Write ``root/images/000001.png`` … and the COCO ``root/annotations.json``; return the JSON's path.

    COCO ``bbox`` is ``[x, y, w, h]``; ``categories`` are numbered from 1 in ``classes`` order. Same seed → same files.

    Args:
        root, image_format: the output folder (created); ``"png"`` or ``"jpg"``.
        num_images, image_size, classes, max_objects, seed, **kwargs: see :func:`generate_shapes`.
    Raises: ValueError, OSError: a bad ``image_format`` or generation option; the folder cannot be written.
    Example:
        >>> import json, tempfile
        >>> ann = write_synthetic_shapes(tempfile.mkdtemp(), 3, image_size=32, seed=0)
        >>> coco = json.loads(ann.read_text())
        >>> len(coco["images"]), [c["name"] for c in coco["categories"]]
        (3, ['circle', 'square', 'triangle'])
    """
    from PIL import Image

    if image_format not in ("png", "jpg"):
        raise ValueError(f"image_format must be 'png' or 'jpg', got {image_format!r}")
    data = generate_shapes(num_images, image_size=image_size, classes=classes, max_objects=max_objects, seed=seed,
                           **kwargs)
    root = Path(root)
    image_dir = root / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for n, image_id in enumerate(data.image_ids):
        name = f"{image_id:06d}.{image_format}"
        Image.fromarray(data.images[n]).save(image_dir / name, **({"quality": 95} if image_format == "jpg" else {}))
        images.append({"id": image_id, "file_name": name, "width": int(image_size), "height": int(image_size)})
        for box, label in zip(data.boxes[n], data.labels[n]):
            x1, y1, x2, y2 = (float(v) for v in box)
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(label) + 1,
                                "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1), "iscrowd": 0})
    categories = [{"id": i + 1, "name": name, "supercategory": "shape"} for i, name in enumerate(data.class_names)]
    coco = {"info": {"description": f"is_keras synthetic shapes, seed {seed}"}, "images": images,
            "annotations": annotations, "categories": categories}
    path = root / "annotations.json"
    path.write_text(json.dumps(coco, indent=1))
    return path
