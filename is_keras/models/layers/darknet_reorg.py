"""darknet's ``reorg`` layer (the YOLOv2 passthrough), reproduced element for element.

darknet's ``reorg_cpu(..., forward=0)`` reads the flat CHW input as ``(c/s², h·s, w·s)``, splits each ``s × s`` block
of that view into ``s²`` channel groups (group ``dy·s + dx``) and reads the result as ``(c·s², h/s, w/s)``. This is
not ``tf.nn.space_to_depth``, and pretrained YOLOv2 weights only work with darknet's ordering.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def darknet_reorg(x, stride: int = 2):
    """darknet's reorg of an NHWC tensor ``(B, H, W, C)`` into ``(B, H/s, W/s, C·s²)`` (reshapes and transposes).

    Args: x, stride: a rank-4 NHWC tensor (or array) with static H, W and C; the reorg stride ``s`` (YOLOv2's: 2).
    Returns: A ``tf.Tensor`` of shape ``(B, H/s, W/s, C·s²)``, same dtype as ``x``.
    Raises: ValueError: ``x`` not rank 4 with static H, W, C; ``s < 1``; H, W not divisible by ``s`` or C by ``s²``.
    Example:
        >>> x = tf.reshape(tf.range(16.0), (1, 2, 2, 4))
        >>> darknet_reorg(x, stride=2).shape
        TensorShape([1, 1, 1, 16])
    """
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 4:
        raise ValueError(f"darknet_reorg expects an NHWC tensor of rank 4, got shape {x.shape}")
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    if None in (height, width, channels):
        raise ValueError(f"darknet_reorg needs static height, width and channels, got shape {x.shape}")
    s = int(stride)
    if s < 1:
        raise ValueError(f"reorg stride must be an integer >= 1, got {s!r}")
    if height % s or width % s:
        raise ValueError(f"reorg needs height and width divisible by the stride {s}, got {height}×{width}")
    if channels % (s * s):
        raise ValueError(f"reorg needs the channel count divisible by stride² = {s * s}, got {channels} channels")
    out_c = channels // (s * s)
    batch = tf.shape(x)[0]
    chw = tf.transpose(x, (0, 3, 1, 2))  # (B, C, H, W): darknet's memory order
    # darknet reads the same memory as (C/s², H·s, W·s); split rows and columns into (j, dy) and (i, dx).
    view = tf.reshape(chw, (batch, out_c, height, s, width, s))  # [b, c2, j, dy, i, dx]
    # out[b, k, j, i] with k = (dy·s + dx)·(C/s²) + c2
    grouped = tf.transpose(view, (0, 3, 5, 1, 2, 4))  # [b, dy, dx, c2, j, i]
    out = tf.reshape(grouped, (batch, channels * s * s, height // s, width // s))
    return tf.transpose(out, (0, 2, 3, 1))


@keras.saving.register_keras_serializable(package="is_keras")
class DarknetReorg(keras.layers.Layer):
    """Keras layer wrapping :func:`darknet_reorg` (darknet's ``[reorg]``): ``(B, H, W, C)`` to ``(B, H/s, W/s, C·s²)``.

    Args: stride, **kwargs: the reorg stride ``s``; passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).
    Raises: ValueError: when called on a shape :func:`darknet_reorg` refuses.
    Example:
        >>> DarknetReorg(stride=2)(keras.Input((26, 26, 64))).shape
        (None, 13, 13, 256)
    """

    def __init__(self, stride: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.stride = int(stride)

    def call(self, inputs):
        return darknet_reorg(inputs, self.stride)

    def compute_output_shape(self, input_shape):
        (b, h, w, c), s = input_shape, self.stride
        return (b, h // s, w // s, c * s * s)

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}
