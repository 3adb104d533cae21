"""CrapNet, the thesis's small CNN benchmark (§4.1.2.2, Table 4.2)."""

from __future__ import annotations

import keras
from keras import layers

from is_keras.models.scaling import channels, resolve_width

#: (kernel, stride, channels as a multiple of the width) of the seven convolutions.
CRAPNET_CONVS = ((7, 1, 1), (3, 1, 1), (3, 1, 1), (3, 2, 2), (3, 1, 2), (3, 2, 4), (3, 1, 4))


def crapnet_param_count(width: float, input_channels: int, num_classes: int) -> int:
    """Trainable parameters of :func:`crapnet` (closed form, no model built).

    Args: width, input_channels, num_classes: the base width; channels of the input images; outputs of the dense layer.
    Returns: The trainable-parameter count (int).
    Example:
        >>> crapnet_param_count(8, 1, 10)
        19386
    """
    total, channels_in = 0, input_channels
    for i, (kernel, _, mult) in enumerate(CRAPNET_CONVS):
        out = channels(mult, width)
        total += kernel * kernel * channels_in * out
        total += out if i == 0 else 2 * out  # first conv: bias; others: BN gamma and beta
        channels_in = out
    return total + channels_in * num_classes + num_classes


def crapnet(input_shape=(28, 28, 1), num_classes: int = 10, *, width: float | None = None, params: int | None = None):
    """CrapNet: conv 7×7 (w, bias), 3×3 convs w, w, 2w/2, 2w, 4w/2, 4w (each BN + ReLU), GAP, dense, softmax.

    Args:
        input_shape, num_classes: ``(H, W, C)`` of the images; softmax outputs.
        width, params: the base width w (default 8, the thesis's), or a trainable-parameter budget to meet; not both.
    Returns: A ``keras.Model`` named ``crapnet_w<width>`` with softmax outputs ``(B, num_classes)``.
    Raises: ValueError: both ``width`` and ``params``, a width that is not > 0, or a bad ``params``.
    Example:
        >>> crapnet((28, 28, 1), num_classes=43, params=200_000).output_shape
        (None, 43)
    """
    input_shape = tuple(input_shape)
    width = resolve_width(width, params, lambda w: crapnet_param_count(w, input_shape[-1], num_classes), default=8)
    x = inputs = keras.Input(shape=input_shape)
    for i, (kernel, stride, mult) in enumerate(CRAPNET_CONVS):
        x = layers.Conv2D(channels(mult, width), kernel, strides=stride, padding="same", use_bias=i == 0,
                          name=f"conv{i}")(x)
        if i > 0:  # the first convolution has a bias and no BN or ReLU
            x = layers.BatchNormalization(name=f"bn{i}")(x)
            x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(num_classes, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"crapnet_w{width:g}")
