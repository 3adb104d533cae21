"""Read and write darknet ``.weights`` files (YOLOv2, DarkNet-19 and backbone-only files).

Layout: int32 ``major, minor, revision``, ``seen`` (uint64 or int32: a 20- or 16-byte header), then float32 per
convolution in cfg order: ``biases[n]``, if batch-normalised ``scales[n], rolling_mean[n], rolling_variance[n]``, then
``weights[n·c·k·k]`` in (out, in, h, w) order. In Keras the kernel is (h, w, in, out), BN gamma = scales, beta = biases.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

_CONV_NAME = re.compile(r"^conv_(\d+)$")


def _header_has_uint64_seen(major: int, minor: int) -> bool:
    return major * 10 + minor >= 2 and major < 1000 and minor < 1000


def darknet_conv_layers(model) -> list[tuple]:
    """``[(conv, bn_or_None), ...]`` for the layers named ``conv_0``, ``conv_1``, … in index order.

    Args: model: a Keras model with darknet-named layers (``conv_i`` and optionally ``bn_i``).
    Returns: A list of ``(conv_layer, batch_norm_layer or None)`` pairs.
    Raises: ValueError: no ``conv_i`` layers, indices with gaps, or a convolution with neither bias nor batch norm.
    Example:
        >>> from is_keras.models.yolov2 import yolov2
        >>> [conv.name for conv, _ in darknet_conv_layers(yolov2((64, 64, 3), num_classes=1, width=0.125))][:3]
        ['conv_0', 'conv_1', 'conv_2']
    """
    by_name = {layer.name: layer for layer in model.layers}
    convs = {int(match.group(1)): layer for name, layer in by_name.items() if (match := _CONV_NAME.match(name))}
    if not convs:
        raise ValueError(f"model {model.name!r} has no layers named conv_0, conv_1, ... (darknet order)")
    if sorted(convs) != list(range(len(convs))):
        raise ValueError(f"darknet conv layer indices are not contiguous: {sorted(convs)}")
    result = [(convs[i], by_name.get(f"bn_{i}")) for i in range(len(convs))]
    for i, (conv, bn) in enumerate(result):
        if bn is None and not conv.use_bias:
            raise ValueError(f"{conv.name} has neither a bias nor a batch norm bn_{i}; darknet needs one")
    return result


def read_darknet_header(data: bytes, *, name: str = "darknet weights file") -> tuple[dict, int]:
    """Parse the header of a darknet ``.weights`` file.

    Args: data, name: the file's bytes (at least the header); its name, for error messages.
    Returns: ``({"major", "minor", "revision", "seen"}, header_bytes)``.
    Raises: ValueError: ``data`` is shorter than the header; the message names ``name``.
    Example:
        >>> data = np.array([0, 2, 0], "<i4").tobytes() + np.array([7], "<u8").tobytes()
        >>> read_darknet_header(data)
        ({'major': 0, 'minor': 2, 'revision': 0, 'seen': 7}, 20)
    """
    if len(data) < 12:
        raise ValueError(f"{name}: darknet weights file is truncated: {len(data)} bytes, shorter than the header")
    major, minor, revision = (int(v) for v in np.frombuffer(data, dtype="<i4", count=3))
    size, dtype = (20, "<u8") if _header_has_uint64_seen(major, minor) else (16, "<i4")
    if len(data) < size:
        raise ValueError(f"{name}: darknet weights file is truncated: {len(data)} bytes, header needs {size}")
    seen = int(np.frombuffer(data, dtype=dtype, count=1, offset=12)[0])
    return {"major": major, "minor": minor, "revision": revision, "seen": seen}, size


def load_darknet_weights(model, path) -> int:
    """Fill ``model``'s darknet-named convolutions from a darknet ``.weights`` file (nothing written if it is refused).

    A backbone-only file (``darknet19_448.conv.23``) must hold exactly the floats of the first *m* convolutions.

    Args: model, path: a model with darknet-named convolutions (:func:`yolov2`, :func:`darknet19`); the file.
    Returns: The number of convolutional layers filled (also logged at INFO level).
    Raises: FileNotFoundError, ValueError: no ``path``; a truncated or oversized file, one for another model (naming
        both float counts), or NaN or infinite values; every message names the file.
    Example:
        >>> import tempfile, pathlib
        >>> from is_keras.models.yolov2 import yolov2
        >>> model = yolov2((64, 64, 3), num_classes=1, num_anchors=1, width=0.125)
        >>> path = save_darknet_weights(model, pathlib.Path(tempfile.mkdtemp()) / "tiny.weights")
        >>> load_darknet_weights(model, path)
        23
    """
    path = Path(path)
    data = path.read_bytes()
    header, offset = read_darknet_header(data, name=str(path))
    body = len(data) - offset
    if body % 4:
        raise ValueError(f"{path}: the file is truncated or corrupt: {body} bytes after the {offset}-byte header "
                         "is not a whole number of float32 values")
    floats = np.frombuffer(data, dtype="<f4", offset=offset)
    layers = darknet_conv_layers(model)
    counts = [math.prod(conv.kernel.shape) + conv.kernel.shape[-1] * (1 if bn is None else 4) for conv, bn in layers]
    prefix = np.cumsum(counts)
    matches = np.flatnonzero(prefix == floats.size)
    if floats.size == 0 or matches.size == 0:
        below = prefix[prefix < floats.size]
        nearest = f"the first {below.size} convolutions need {int(below[-1]):,}" if below.size else "none fit"
        reason = ("more floats than the whole model needs" if floats.size > prefix[-1]
                  else "the file is truncated or is for another model")
        raise ValueError(f"{path}: file has {floats.size:,} floats but model {model.name!r} needs {int(prefix[-1]):,} "
                         f"for all {len(layers)} convolutions ({nearest}); {reason}. "
                         "A darknet weights file must fill the first m convolutions exactly.")
    filled = int(matches[0]) + 1
    bad = np.flatnonzero(~np.isfinite(floats))
    if bad.size:
        raise ValueError(f"{path}: {bad.size:,} of its {floats.size:,} float32 values are NaN or infinite "
                         f"(first at value {int(bad[0]):,}); refusing to load a corrupt weights file")
    assignments, pos = [], 0  # everything is sliced before anything is assigned: no partial writes
    for conv, bn in layers[:filled]:
        kh, kw, cin, cout = conv.kernel.shape
        biases, *bn_vectors = floats[pos : pos + cout * (1 if bn is None else 4)].reshape(-1, cout)  # scales, mean, var
        pos += cout * (1 + len(bn_vectors))
        kernel = floats[pos : pos + cout * cin * kh * kw].reshape(cout, cin, kh, kw).transpose(2, 3, 1, 0)
        pos += kernel.size
        assignments.append((conv, [kernel, biases] if bn is None else [kernel]))
        if bn is not None:
            assignments.append((bn, [bn_vectors[0], biases, *bn_vectors[1:]]))
    for layer, weights in assignments:
        layer.set_weights([np.array(w, dtype=np.float32) for w in weights])
    logger.info("loaded %s (darknet %d.%d.%d, seen %d): %d of %d convolutional layers", path.name, header["major"],
                header["minor"], header["revision"], header["seen"], filled, len(layers))
    return filled


def save_darknet_weights(model, path, *, major: int = 0, minor: int = 2, revision: int = 0, seen: int = 0,
                         num_layers: int | None = None) -> Path:
    """Write ``model``'s darknet-named convolutions as a darknet ``.weights`` file.

    Args:
        model, path: a model with darknet-named convolutions; the file to write (parent folders are created).
        major, minor, revision: the header's version; ``major*10 + minor >= 2`` writes ``seen`` as uint64, else int32.
        seen, num_layers: images seen in training, for the header; write only the first ``num_layers`` convolutions.
    Returns: ``path`` as a ``Path``.
    Raises: ValueError, OSError: ``num_layers`` outside ``1..len(convolutions)``, or a model without darknet names;
        the file cannot be written.
    Example:
        >>> import tempfile, pathlib
        >>> from is_keras.models.darknet19 import darknet19
        >>> model = darknet19((32, 32, 3), num_classes=None, width=0.125)
        >>> path = save_darknet_weights(model, pathlib.Path(tempfile.mkdtemp()) / "backbone.weights")
        >>> path.stat().st_size > 20
        True
    """
    layers = darknet_conv_layers(model)
    if num_layers is not None:
        if int(num_layers) != num_layers or not 1 <= num_layers <= len(layers):
            raise ValueError(f"num_layers must be in 1..{len(layers)}, got {num_layers!r}")
        layers = layers[: int(num_layers)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(np.array([major, minor, revision], dtype="<i4").tobytes())
        seen_dtype = "<u8" if _header_has_uint64_seen(major, minor) else "<i4"
        f.write(np.array([seen], dtype=seen_dtype).tobytes())
        for conv, bn in layers:
            vectors = (conv.bias,) if bn is None else (bn.beta, bn.gamma, bn.moving_mean, bn.moving_variance)
            for part in [w.numpy() for w in vectors] + [conv.kernel.numpy().transpose(3, 2, 0, 1)]:
                f.write(np.ascontiguousarray(part, dtype="<f4").tobytes())
    return path
