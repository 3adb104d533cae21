"""YOLOv2 (Redmon & Farhadi 2016) on DarkNet-19, with darknet's exact ``yolov2.cfg`` topology."""

from __future__ import annotations

import keras
from keras import layers

from is_keras.models.darknet19 import check_input_shape, conv_bn_leaky, darknet19_body, scaled_filters
from is_keras.models.layers.darknet_reorg import DarknetReorg


def yolov2(input_shape=(416, 416, 3), *, num_classes: int = 80, num_anchors: int = 5, width: float = 1.0,
           bn_momentum: float = 0.99):
    """YOLOv2 exactly as darknet's ``cfg/yolov2.cfg`` builds it (layer names ``conv_i``/``bn_i``, darknet's order).

    DarkNet-19, ``conv_18``, ``conv_19``, a passthrough from ``conv_12`` (``conv_20``, reorg) concatenated as **[reorg,
    conv_19]**, ``conv_21`` and the linear detector ``conv_22``. The output ``(B, S, S, num_anchors, 5 + C)``, ``S = H /
    32``, holds per anchor ``tx, ty, tw, th, to, class logits…``; decode it with :mod:`is_keras.detection.decode`.

    Args:
        input_shape: ``(H, W, C)`` with H and W multiples of 32; inputs are [0, 1] floats.
        num_classes, num_anchors: C (``0``: localisation only, thesis §4.2.3); anchors per cell.
        width, bn_momentum: scale every convolution's filters (1.0 is darknet's); the batch norms' momentum.
    Returns: A ``keras.Model`` named ``yolov2`` (``yolov2_x<width>``); 50,983,561 parameters at 416×416, 80 classes.
    Raises: ValueError: a bad ``input_shape``, ``num_classes < 0``, ``num_anchors < 1`` or ``width <= 0``.
    Example:
        >>> model = yolov2((416, 416, 3), num_classes=80, num_anchors=5)
        >>> model.output_shape, model.count_params()
        ((None, 13, 13, 5, 85), 50983561)
        >>> yolov2((96, 96, 3), num_classes=0, num_anchors=4, width=0.125).output_shape
        (None, 3, 3, 4, 5)
    """
    image_h, image_w, _ = check_input_shape(input_shape)
    if int(num_classes) != num_classes or num_classes < 0:
        raise ValueError(f"num_classes must be an integer >= 0 (0: localisation only), got {num_classes!r}")
    if int(num_anchors) != num_anchors or num_anchors < 1:
        raise ValueError(f"num_anchors must be an integer >= 1, got {num_anchors!r}")
    num_classes, num_anchors = int(num_classes), int(num_anchors)
    f = lambda n: scaled_filters(n, width)

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    passthrough, x = darknet19_body(inputs, width=width, bn_momentum=bn_momentum)
    x = conv_bn_leaky(x, f(1024), 3, 18, bn_momentum=bn_momentum)
    x = conv_bn_leaky(x, f(1024), 3, 19, bn_momentum=bn_momentum)
    p = conv_bn_leaky(passthrough, f(64), 1, 20, bn_momentum=bn_momentum)
    p = DarknetReorg(stride=2, name="reorg")(p)
    x = layers.Concatenate(axis=-1, name="route")([p, x])
    x = conv_bn_leaky(x, f(1024), 3, 21, bn_momentum=bn_momentum)
    x = layers.Conv2D(num_anchors * (5 + num_classes), 1, padding="same", use_bias=True, name="conv_22")(x)
    grid_h, grid_w = image_h // 32, image_w // 32
    outputs = layers.Reshape((grid_h, grid_w, num_anchors, 5 + num_classes), dtype="float32", name="detections")(x)
    name = "yolov2" if width == 1.0 else f"yolov2_x{width:g}"
    return keras.Model(inputs, outputs, name=name)
