"""Box-aware random flip and scale jitter for detection training (TensorFlow ops, for ``tf.data``)."""

from __future__ import annotations


def augment_detection(image, boxes, labels, seed, *, flip_probability: float = 0.5, scale_range=(0.75, 1.25),
                      min_box_size: float = 2.0, fill_value: float = 0.5):
    """Scale one image by a random factor onto a canvas of its size at a random place, maybe flip it; boxes follow.

    Args:
        image, boxes, labels: ``(H, W, C)`` float image; ``(M, 4)`` ``[x1, y1, x2, y2]`` pixels; ``(M,)`` int, -1: pad.
        seed, fill_value: a shape-(2,) integer tensor (stateless: the same seed, the same result); the padding colour.
        flip_probability, scale_range: probability of a horizontal flip; ``(low, high)`` of the scale factor.
        min_box_size: boxes narrower or shorter than this (pixels) afterwards become padding (label -1, zeros).
    Returns: ``(image, boxes, labels)`` of the same shapes.
    Raises: ValueError: a ``scale_range`` that is not ``0 < low <= high``.
    Example:
        >>> import numpy as np
        >>> image, boxes, labels = np.zeros((32, 32, 3), np.float32), np.array([[4.0, 4.0, 20.0, 20.0]]), np.array([0])
        >>> out, out_boxes, out_labels = augment_detection(image, boxes, labels, seed=np.array([0, 0]))
        >>> tuple(out.shape), tuple(out_boxes.shape), out_labels.numpy().tolist()
        ((32, 32, 3), (1, 4), [0])
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
    new_h, new_w = (tf.maximum(1, tf.cast(tf.round(side * scale), tf.int32)) for side in (h_f, w_f))
    resized = tf.cast(tf.image.resize(image, (new_h, new_w)), dtype)
    canvas_h, canvas_w = tf.maximum(new_h, height), tf.maximum(new_w, width)
    place_y = tf.random.stateless_uniform((), seeds[1], 0, canvas_h - new_h + 1, dtype=tf.int32)
    place_x = tf.random.stateless_uniform((), seeds[2], 0, canvas_w - new_w + 1, dtype=tf.int32)
    crop_y = tf.random.stateless_uniform((), seeds[3], 0, canvas_h - height + 1, dtype=tf.int32)
    crop_x = tf.random.stateless_uniform((), seeds[4], 0, canvas_w - width + 1, dtype=tf.int32)
    padded = tf.pad(resized - fill_value, [[place_y, canvas_h - new_h - place_y],
                                           [place_x, canvas_w - new_w - place_x], [0, 0]]) + fill_value
    out = padded[crop_y : crop_y + height, crop_x : crop_x + width]
    sx, sy = tf.cast(new_w, tf.float32) / w_f, tf.cast(new_h, tf.float32) / h_f
    dx, dy = tf.cast(place_x - crop_x, tf.float32), tf.cast(place_y - crop_y, tf.float32)
    boxes = boxes * tf.stack([sx, sy, sx, sy]) + tf.stack([dx, dy, dx, dy])

    flip = tf.random.stateless_uniform((), tf.stack([seed[1], seed[0]]), 0, 1) < flip_probability
    out = tf.cond(flip, lambda: tf.reverse(out, axis=[1]), lambda: out)
    boxes = tf.cond(flip, lambda: tf.stack([w_f - boxes[:, 2], boxes[:, 1], w_f - boxes[:, 0], boxes[:, 3]], 1),
                    lambda: boxes)
    boxes = tf.clip_by_value(boxes, 0.0, tf.stack([w_f, h_f, w_f, h_f]))
    keep = (labels >= 0) & (boxes[:, 2] - boxes[:, 0] >= min_box_size) & (boxes[:, 3] - boxes[:, 1] >= min_box_size)
    boxes = tf.where(keep[:, None], boxes, tf.zeros_like(boxes))
    labels = tf.where(keep, labels, -tf.ones_like(labels))
    out.set_shape(image.shape)
    return out, boxes, labels
