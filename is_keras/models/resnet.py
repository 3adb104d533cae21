"""ResNet-18 (He et al. 2016; thesis §4.1.2.1, Table 4.1), width-scalable."""

from __future__ import annotations

import keras
from keras import layers

from is_keras.models.scaling import channels, resolve_width

STAGE_MULTIPLIERS = (1, 2, 4, 8)
BLOCKS_PER_STAGE = 2


def resnet18_param_count(width: float, input_channels: int, num_classes: int) -> int:
    """Trainable parameters of :func:`resnet18` (closed form).

    Args: width, input_channels, num_classes: channels of the stem; of the input images; outputs of the dense layer.
    Returns: The trainable-parameter count (int).
    Example:
        >>> resnet18_param_count(64, 3, 1000)   # torchvision's resnet18
        11689512
    """
    stem = channels(1, width)
    total = 49 * input_channels * stem + 2 * stem
    channels_in = stem
    for stage, mult in enumerate(STAGE_MULTIPLIERS):
        out = channels(mult, width)
        for block in range(BLOCKS_PER_STAGE):
            total += 9 * channels_in * out + 9 * out * out + 4 * out
            if block == 0 and (stage > 0 or channels_in != out):
                total += channels_in * out + 2 * out
            channels_in = out
    return total + channels_in * num_classes + num_classes


def _basic_block(x, channels: int, stride: int, name: str):
    shortcut = x
    y = layers.Conv2D(channels, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(channels, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    if stride != 1 or x.shape[-1] != channels:
        shortcut = layers.Conv2D(channels, 1, strides=stride, use_bias=False, name=f"{name}_down_conv")(x)
        shortcut = layers.BatchNormalization(name=f"{name}_down_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_out")(y)


def resnet18(input_shape=(224, 224, 3), num_classes: int = 1000, *, width: float | None = None,
             params: int | None = None):
    """ResNet-18: conv 7×7/2, max-pool 3×3/2, four stages (w, 2w, 4w, 8w) of two basic blocks, GAP, dense, softmax.

    Args:
        input_shape, num_classes: ``(H, W, C)`` of the images; softmax outputs.
        width, params: channels of the stem (default 64), or a trainable-parameter budget to meet; not both.
    Returns: A ``keras.Model`` named ``resnet18_w<width>`` with softmax outputs ``(B, num_classes)``.
    Raises: ValueError: both ``width`` and ``params``, a width that is not > 0, or a bad ``params``.
    Example:
        >>> model = resnet18((16, 16, 3), num_classes=5, width=4)
        >>> model.output_shape, model.name
        ((None, 5), 'resnet18_w4')
    """
    input_shape = tuple(input_shape)
    width = resolve_width(width, params, lambda w: resnet18_param_count(w, input_shape[-1], num_classes), default=64)
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(channels(1, width), 7, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)
    for stage, mult in enumerate(STAGE_MULTIPLIERS):
        for block in range(BLOCKS_PER_STAGE):
            stride = 2 if stage > 0 and block == 0 else 1
            x = _basic_block(x, channels(mult, width), stride, name=f"stage{stage + 1}_block{block + 1}")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(num_classes, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"resnet18_w{width:g}")
