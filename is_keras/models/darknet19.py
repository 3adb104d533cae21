"""DarkNet-19 (Redmon & Farhadi 2016), the YOLOv2 backbone, with darknet's layer order and names."""

from __future__ import annotations

import keras
from keras import layers

#: The 18 convolutions of DarkNet-19 as (filters, kernel); "M" is a 2×2/2 max-pool.
DARKNET19_LAYERS = (
    (32, 3), "M",
    (64, 3), "M",
    (128, 3), (64, 1), (128, 3), "M",
    (256, 3), (128, 1), (256, 3), "M",
    (512, 3), (256, 1), (512, 3), (256, 1), (512, 3), "M",
    (1024, 3), (512, 1), (1024, 3), (512, 1), (1024, 3),
)

#: Index of the convolution whose 26×26 (at 416 input) output feeds YOLOv2's passthrough.
PASSTHROUGH_CONV = 12

#: darknet's batch-norm epsilon and leaky-ReLU slope.
BN_EPSILON = 1e-5
LEAKY_SLOPE = 0.1


def scaled_filters(filters: int, width: float) -> int:
    """Channels of a convolution widened by ``width``: a multiple of 4 (as the reorg needs), at least 4.

    Args: filters, width: darknet's filter count at width 1 (returned unchanged there); the width factor > 0.
    Returns: The scaled channel count (int).
    Raises: ValueError: ``width`` is not > 0.
    Example:
        >>> scaled_filters(1024, 1.0), scaled_filters(64, 0.25), scaled_filters(32, 0.01)
        (1024, 16, 4)
    """
    if not width > 0:
        raise ValueError(f"width must be > 0, got {width!r}")
    return max(4, int(round(filters * width / 4.0)) * 4)


def check_input_shape(input_shape, *, multiple: int = 32) -> tuple[int, int, int]:
    """``(H, W, C)`` with H and W divisible by ``multiple`` (darknet's five 2×2 pools).

    Args: input_shape, multiple: ``(height, width, channels)``; what height and width must be multiples of.
    Returns: ``(height, width, channels)`` as ints.
    Raises: ValueError: not 3 long, a side not a positive multiple of ``multiple``, or channels not an int >= 1.
    Example:
        >>> check_input_shape((64, 96, 3))
        (64, 96, 3)
    """
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    height, width, channels = input_shape
    for name, size in (("height", height), ("width", width)):
        if size is None or int(size) != size or size < multiple or size % multiple:
            raise ValueError(f"input {name} must be a positive multiple of {multiple} (five 2×2 max-pools), got {size}")
    if int(channels) != channels or channels < 1:
        raise ValueError(f"input channels must be a positive integer, got {channels}")
    return int(height), int(width), int(channels)


def conv_bn_leaky(x, filters: int, kernel: int, index: int, *, bn_momentum: float = 0.99):
    """darknet's ``[convolutional] batch_normalize=1 activation=leaky``: conv (no bias), BN, leaky 0.1.

    Args:
        x, filters, kernel: a Keras tensor ``(B, H, W, C)``; output channels; kernel side (1 or 3 in darknet).
        index, bn_momentum: names the layers ``conv_{index}``, ``bn_{index}``, ``leaky_{index}``; the BN momentum.
    Returns: The Keras tensor after the leaky ReLU, ``(B, H, W, filters)``.
    Example:
        >>> conv_bn_leaky(keras.Input((8, 8, 3)), 16, 3, 0).shape
        (None, 8, 8, 16)
    """
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, name=f"conv_{index}")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=bn_momentum, name=f"bn_{index}")(x)
    return layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"leaky_{index}")(x)


def darknet19_body(x, *, width: float = 1.0, bn_momentum: float = 0.99):
    """The 18 convolutions (``conv_0`` … ``conv_17``, darknet's cfg order) and 5 max-pools of DarkNet-19.

    Args: x, width, bn_momentum: the input tensor (H and W multiples of 32); the width factor; the BN momentum.
    Returns: ``(passthrough, features)``: the output of ``conv_12`` (H/16) and of ``conv_17`` (H/32).
    Raises: ValueError: ``width`` is not > 0.
    Example:
        >>> passthrough, features = darknet19_body(keras.Input((64, 64, 3)), width=0.125)
        >>> passthrough.shape, features.shape
        ((None, 4, 4, 64), (None, 2, 2, 128))
    """
    index, pool, passthrough = 0, 0, None
    for spec in DARKNET19_LAYERS:
        if spec == "M":
            x = layers.MaxPooling2D(2, strides=2, name=f"maxpool_{pool}")(x)
            pool += 1
            continue
        filters, kernel = spec
        x = conv_bn_leaky(x, scaled_filters(filters, width), kernel, index, bn_momentum=bn_momentum)
        if index == PASSTHROUGH_CONV:
            passthrough = x
        index += 1
    return passthrough, x


def darknet19(input_shape=(224, 224, 3), num_classes: int | None = 1000, *, include_top: bool | None = None,
              width: float = 1.0, bn_momentum: float = 0.99):
    """DarkNet-19 as in darknet's ``darknet19.cfg`` (loads ``darknet19.weights``), for [0, 1] float inputs.

    Args:
        input_shape: ``(H, W, C)``, H and W multiples of 32.
        num_classes, include_top: outputs of the top (``conv_18``, GAP, softmax); default ``num_classes is not None``.
        width, bn_momentum: widen (or thin) every convolution, 1.0 is darknet's; the batch norms' momentum.
    Returns: A ``keras.Model``: softmax ``(B, num_classes)`` with the top, else ``(B, H/32, W/32, 1024·width)``.
    Raises: ValueError: a bad ``input_shape``, or ``include_top`` without ``num_classes >= 1``.
    Example:
        >>> darknet19((224, 224, 3), num_classes=1000).count_params()
        20856776
        >>> darknet19((416, 416, 3), num_classes=None).output_shape
        (None, 13, 13, 1024)
        >>> darknet19((64, 64, 3), num_classes=None, width=0.125).name
        'darknet19_x0.125'
    """
    check_input_shape(input_shape)
    include_top = num_classes is not None if include_top is None else include_top
    if include_top and (num_classes is None or int(num_classes) != num_classes or num_classes < 1):
        raise ValueError(f"include_top=True needs num_classes >= 1, got {num_classes!r}")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    _, x = darknet19_body(inputs, width=width, bn_momentum=bn_momentum)
    name = "darknet19" if width == 1.0 else f"darknet19_x{width:g}"
    if not include_top:
        return keras.Model(inputs, x, name=name)
    x = layers.Conv2D(int(num_classes), 1, padding="same", use_bias=True, name="conv_18")(x)
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="softmax")(x)
    return keras.Model(inputs, outputs, name=name)
