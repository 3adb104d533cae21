"""MNIST and Fashion-MNIST from a local folder of their four IDX files (:data:`IDX_SPLIT_FILES`), not downloaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from is_keras.data.idx import find_idx_file, read_idx

#: The file names (without ``.gz``) of the official splits, as ``split -> (images, labels)``.
IDX_SPLIT_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                   "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
#: Fashion-MNIST's class names, by label.
FASHION_MNIST_CLASS_NAMES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
                             "bag", "ankle boot")
NUM_CLASSES = 10


def load_fashion_mnist(root, *, seed: int = 0):
    """Fashion-MNIST from the folder ``root``; the second pair is the official test set (split validation off train).

    Args: root, seed: the folder of the four IDX files (e.g. ``/usr/share/datasets/fashion-mnist``); unused.
    Returns: ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 ``(N, 28, 28, 1)`` in [0, 1], ``y`` int64 0-9.
    Raises: FileNotFoundError, ValueError: see :func:`load_idx_folder`.
    Example:
        >>> import pathlib, tempfile
        >>> from is_keras.data.idx import write_idx
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for prefix, n in (("train", 3), ("t10k", 2)):
        ...     _ = write_idx(root / f"{prefix}-images-idx3-ubyte.gz", np.full((n, 28, 28), 255, np.uint8))
        ...     _ = write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8))
        >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist(root)
        >>> x_train.shape, float(x_train.max()), y_train.tolist(), x_test.shape
        ((3, 28, 28, 1), 1.0, [0, 1, 2], (2, 28, 28, 1))
    """
    return load_idx_folder(root)


def load_mnist(root, *, seed: int = 0):
    """MNIST's handwritten digits from the folder ``root``, read and checked as by :func:`load_fashion_mnist`.

    Args: root, seed: the folder holding the four IDX files; unused (the split is the official one).
    Returns: ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 in [0, 1], ``(N, 28, 28, 1)``; ``y`` int64 digits.
    Raises: FileNotFoundError, ValueError: see :func:`load_idx_folder`.
    Example:
        >>> import tempfile
        >>> load_mnist(tempfile.mkdtemp())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: no train-images-idx3-ubyte file in ...: tried .../train-images-idx3-ubyte.gz and ...
    """
    return load_idx_folder(root)


def load_idx_folder(root):
    """The official train and test splits of an MNIST-layout folder, checked.

    Args: root: the folder.
    Returns: ``(x_train, y_train), (x_test, y_test)``, as :func:`load_fashion_mnist`.
    Raises:
        FileNotFoundError: ``root`` is not a folder, or a file is missing (the message names both names tried).
        ValueError: an invalid IDX file, images not 3-D uint8, labels not 1-D uint8 or outside 0-9, mismatched sizes.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder (expected one holding "
                                f"{', '.join(n for pair in IDX_SPLIT_FILES.values() for n in pair)}, .gz or not)")
    splits = {split: _read_split(root, *names) for split, names in IDX_SPLIT_FILES.items()}
    (train_path, x_train, _), (test_path, x_test, _) = splits["train"], splits["test"]
    if x_train.shape[1:3] != x_test.shape[1:3]:
        (h_train, w_train), (h_test, w_test) = x_train.shape[1:3], x_test.shape[1:3]
        raise ValueError(f"{train_path} holds {h_train}x{w_train} images but {test_path} holds {h_test}x{w_test} ones")
    return tuple((_to_float(x), y.astype(np.int64)) for _, x, y in splits.values())


def _read_split(root: Path, images_name: str, labels_name: str):
    images_path, labels_path = find_idx_file(root, images_name), find_idx_file(root, labels_name)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{images_path}: expected images, a 3-D uint8 array (magic number 0x00000803), "
                         f"found a {images.ndim}-D {images.dtype} array of shape {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"{labels_path}: expected labels, a 1-D uint8 array (magic number 0x00000801), "
                         f"found a {labels.ndim}-D {labels.dtype} array of shape {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels")
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise ValueError(f"{labels_path}: label {labels[bad[0]]} at position {bad[0]} is outside 0-{NUM_CLASSES - 1} "
                         f"({bad.size} such label(s))")
    return images_path, images, labels


def _to_float(images: np.ndarray) -> np.ndarray:
    x = images.astype(np.float32)
    x /= 255.0
    return x[..., None]
