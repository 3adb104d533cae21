"""Checks of model and data made before the first training step (labels, finite inputs, probabilities)."""

from __future__ import annotations

import warnings

import numpy as np

#: Rows checked at a time when scanning a whole array for NaN / inf (bounds the temporary memory).
_CHUNK_ROWS = 4096
#: Samples of ``x`` run through the model (inference mode) to check that its outputs are probabilities.
_PROBE_SIZE = 8


def model_num_classes(model) -> int | None:
    """The size of the model's last output axis, or ``None`` when it is not known.

    Example:
        >>> import keras
        >>> model_num_classes(keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]))
        4
    """
    try:
        shape = model.output_shape
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(shape, list | tuple) and shape and isinstance(shape[0], list | tuple):
        return None  # several outputs
    return int(shape[-1]) if shape and shape[-1] is not None else None


def check_labels(y, num_classes: int, *, name: str = "y") -> None:
    """Refuse class labels outside ``[0, num_classes)``.

    Args:
        y, num_classes: integer labels, shape ``(N,)`` or ``(N, 1)``; the model's number of outputs.
        name: what to call ``y`` in the message.
    Raises: ValueError: naming the first bad label and its index.
    Example:
        >>> check_labels(np.array([0, 3]), 3)
        Traceback (most recent call last):
        ValueError: y holds labels outside [0, 3) (the model has 3 outputs): 3 at index 1
    """
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{name} must hold one integer class label per sample, got shape {labels.shape}")
    if labels.size == 0:
        return
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values")
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name} holds labels outside [0, {num_classes}) (the model has {num_classes} outputs): "
                         f"{labels[i]} at index {i}")


def check_finite_inputs(x, *, name: str = "x") -> None:
    """Refuse NaN or infinite values in a float input array (scanned in chunks, memmaps included).

    Args:
        x, name: inputs ``(N, ...)``; what to call them in the message.
    Raises: ValueError: naming the data and the first bad sample.
    Example:
        >>> check_finite_inputs(np.array([[0.0], [np.nan]]))
        Traceback (most recent call last):
        ValueError: x holds NaN or infinite values (first in sample 1): the inputs must be finite
    """
    dtype = np.asarray(x[:0]).dtype
    if not np.issubdtype(dtype, np.floating):
        return
    for start in range(0, len(x), _CHUNK_ROWS):
        chunk = np.asarray(x[start : start + _CHUNK_ROWS])
        finite = np.isfinite(chunk).reshape(len(chunk), -1).all(axis=1)
        if not finite.all():
            i = start + int(np.flatnonzero(~finite)[0])
            raise ValueError(f"{name} holds NaN or infinite values (first in sample {i}): the inputs must be finite")


def check_probabilities(y_pred, *, tolerance: float = 1e-2) -> None:
    """Refuse model outputs that are not probability rows (values in [0, 1] summing to 1).

    Raises: ValueError: suggesting ``from_logits=True``.
    Example:
        >>> check_probabilities(np.array([[2.0, -1.0]]))
        Traceback (most recent call last):
        ValueError: the model's outputs are not probabilities (values in [-1, 2], row sums up to 1): \
add a softmax to the model or pass from_logits=True
    """
    p = np.asarray(y_pred, dtype=np.float64)
    if p.size == 0:
        return
    sums = p.sum(axis=-1)
    if p.min() < -tolerance or p.max() > 1 + tolerance or np.max(np.abs(sums - 1)) > tolerance:
        raise ValueError(f"the model's outputs are not probabilities (values in [{p.min():.3g}, {p.max():.3g}], "
                         f"row sums up to {np.max(sums):.3g}): add a softmax to the model or pass from_logits=True")


def check_model_and_data(model, x, y, *, classification: bool, from_logits: bool, scan_inputs: bool) -> None:
    """All checks made before the first step of a trainer or of the Keras-fit wrapper.

    Args:
        model, x, y: the Keras model to be trained and the training data.
        classification, from_logits: the loss is a built-in sparse categorical one; the model outputs logits.
        scan_inputs: scan all of ``x`` for NaN / inf (in-memory data); otherwise each batch is checked.
    Raises: ValueError: for bad labels, non-finite inputs, or outputs that are not probabilities.
    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
        >>> check_model_and_data(model, np.zeros((4, 2), "float32"), np.array([0, 1, 2, 5]),
        ...                      classification=True, from_logits=False, scan_inputs=True)
        Traceback (most recent call last):
        ValueError: y holds labels outside [0, 3) (the model has 3 outputs): 5 at index 3
    """
    if scan_inputs:
        check_finite_inputs(x)
    warn_missing_channel_axis(model, x)
    if not classification:
        return
    num_classes = model_num_classes(model)
    if num_classes is not None:
        check_labels(y, num_classes)
    if not from_logits:
        probe = np.asarray(x[:_PROBE_SIZE])
        if not scan_inputs:
            check_finite_inputs(probe)
        check_probabilities(np.asarray(model(probe, training=False)))


def warn_missing_channel_axis(model, x) -> None:
    """A ``UserWarning`` when ``x``'s samples lack the model's trailing channel axis of 1 ((28, 28) for (28, 28, 1)).

    Args:
        model, x: the Keras model (its first input's shape is read, if it has one) and the training data.
    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_missing_channel_axis(model, np.zeros((3, 2, 2)))
        >>> str(caught[0].message)[:48]
        'x has samples of shape (2, 2) without a channel '
    """
    try:
        expected = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError):
        return  # a subclassed model without a known input
    sample = tuple(np.shape(x)[1:])
    fits = len(sample) == len(expected) - 1 and expected[-1] == 1 and all(
        e is None or e == d for e, d in zip(expected[:-1], sample))
    if fits:
        warnings.warn(f"x has samples of shape {sample} without a channel axis; the model expects {expected}. Keras "
                      "adds the axis itself; pass x[..., None] to make it explicit", UserWarning, stacklevel=4)
