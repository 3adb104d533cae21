"""Checks on the arrays users hand to the generator, with messages that name the problem."""

from __future__ import annotations

import warnings

import numpy as np

from is_keras.sampling.options import Option

#: Samples of a memmap whose values :func:`check_image_dtype` reads (an in-memory array is read whole).
_RANGE_SAMPLES = 1024


def check_dataset(x, y) -> int:
    """Return N after checking that ``x`` and ``y`` (1-D class labels >= 0, or per-sample targets) hold N >= 1 samples.

    Raises: ValueError: for non-arrays, an empty dataset, x and y of different lengths, or bad labels.
    Example:
        >>> check_dataset(np.zeros((3, 2)), np.array([0, 1, 1]))
        3
    """
    check_array(x, "x")
    check_array(y, "y")
    if len(x) == 0:
        raise ValueError("the dataset is empty: x has 0 samples")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: x has {len(x)} samples, y has {len(y)}")
    if np.ndim(y) == 1:
        check_labels(np.asarray(y))
    check_image_dtype(x)
    return len(x)


def check_array(value, name: str = "x") -> None:
    """Refuse anything without a ``shape`` (a ``tf.data.Dataset``, a list), saying how to get an array.

    Raises: ValueError: naming the type received and the conversion to use.
    Example:
        >>> check_array([[0.0], [1.0]])
        Traceback (most recent call last):
        ...
        ValueError: x must be a numpy array (or np.memmap) of shape (N, ...), got list; use np.asarray(x)
    """
    if hasattr(value, "shape") and hasattr(value, "__len__"):
        return
    kind = type(value)
    got = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    message = f"{name} must be a numpy array (or np.memmap) of shape (N, ...), got {got}"
    if hasattr(value, "as_numpy_iterator"):  # a tf.data.Dataset: the generator indexes rows, a stream has none
        raise ValueError(f"{message}, a tf.data.Dataset; the generator draws rows by index and needs arrays: for a "
                         "dataset of (image, label) pairs, x, y = (np.stack(a) for a in zip(*ds.as_numpy_iterator())), "
                         "or with TensorFlow Datasets x, y = tfds.as_numpy(tfds.load(name, split='train', "
                         "batch_size=-1, as_supervised=True))")
    raise ValueError(f"{message}; use np.asarray({name})")


def check_image_dtype(x) -> None:
    """Warn when ``x`` holds integer images (``ndim >= 3``, e.g. uint8 in 0-255): the models expect floats.

    Example:
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     check_image_dtype(np.full((2, 4, 4), 255, np.uint8))
        >>> str(caught[0].message)[:60]
        'x holds integer images (dtype uint8, values in [255, 255]); '
    """
    dtype = getattr(x, "dtype", None)
    if dtype is None or np.dtype(dtype).kind not in "iu" or np.ndim(x) < 3:
        return
    values = np.asarray(x if type(x) is np.ndarray else x[:_RANGE_SAMPLES])
    low, high = (values.min(), values.max()) if values.size else (0, 0)
    warnings.warn(f"x holds integer images (dtype {np.dtype(dtype).name}, values in [{low}, {high}]); Keras layers "
                  "and preprocessing expect floats: scale them first, e.g. x = x.astype('float32') / 255",
                  UserWarning, stacklevel=4)


def check_labels(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Integer class labels >= 0, returned as int64.

    Raises: ValueError: for labels that are not 1-D, not integer-valued, or negative.
    Example:
        >>> check_labels(np.array([0.0, 2.0])).tolist()
        [0, 2]
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer class labels, got shape {y.shape}")
    if y.dtype.kind not in "iub" and (y.dtype.kind != "f" or not np.all(np.isfinite(y)) or np.any(y != np.round(y))):
        raise ValueError(f"{name} must hold integer class labels; found non-integer values")
    if y.size and y.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0; found {y.min()}")
    return y.astype(np.int64)


def check_batch_size(batch_size, num_samples: int | None = None) -> int:
    """``batch_size`` as an int, if it is an integer >= 1 (and at most ``num_samples``, when given).

    Raises: ValueError: otherwise, naming both numbers.
    Example:
        >>> check_batch_size(32.0)
        32
        >>> check_batch_size(100000, num_samples=60000)
        Traceback (most recent call last):
        ...
        ValueError: batch_size 100000 is larger than the data set (60000 samples); use batch_size <= 60000
    """
    batch_size = Option(int, low=1).check("batch_size", batch_size)
    if num_samples is not None and batch_size > num_samples:
        raise ValueError(f"batch_size {batch_size} is larger than the data set ({int(num_samples)} samples); "
                         f"use batch_size <= {int(num_samples)}")
    return batch_size


def check_update(indices, losses, num_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate one step's (indices, per-sample losses) before they touch the table.

    Returns: ``(indices as int64, losses as float64)``.
    Raises:
        ValueError: for indices that are not 1-D integers in ``[0, num_samples)``, losses of another shape, or
            NaN / infinite / negative losses.
    Example:
        >>> check_update([2, 0], [0.5, 1.0], num_samples=3)[0].tolist()
        [2, 0]
    """
    indices, losses = np.asarray(indices), np.asarray(losses, dtype=np.float64)
    if indices.ndim != 1:
        raise ValueError(f"indices must be 1-D, got shape {indices.shape}")
    if indices.dtype.kind not in "iu":
        raise ValueError(f"indices must be integers, got dtype {indices.dtype}")
    if losses.shape != indices.shape:
        raise ValueError(f"losses have the wrong length: got shape {losses.shape} for {indices.size} indices")
    if indices.size:  # four reductions (no temporaries) when everything is fine; the messages only on failure
        if np.minimum.reduce(indices) < 0 or np.maximum.reduce(indices) >= num_samples:
            bad = indices[(indices < 0) | (indices >= num_samples)][0]
            raise ValueError(f"index {bad} is out of range for a loss table of {num_samples} samples")
        if not (np.minimum.reduce(losses) >= 0 and np.maximum.reduce(losses) < np.inf):  # NaN fails both
            if not np.all(np.isfinite(losses)):
                raise ValueError("losses contain NaN or infinite values; the loss table was left unchanged")
            raise ValueError(f"losses must be >= 0, got {losses.min()}; the loss table was left unchanged")
    return indices.astype(np.int64), losses  # a copy: samplers may keep the indices (MaxTree queues them)
