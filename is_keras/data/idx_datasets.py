"""MNIST and Fashion-MNIST from a local folder of their four IDX files (see :mod:`is_keras.data.idx`).

Both datasets ship as the same four files, gzip-compressed or not::

    train-images-idx3-ubyte.gz   60,000 x 28 x 28 uint8 images
    train-labels-idx1-ubyte.gz   60,000 uint8 labels 0-9
    t10k-images-idx3-ubyte.gz    10,000 x 28 x 28 uint8 images
    t10k-labels-idx1-ubyte.gz    10,000 uint8 labels 0-9

``apt-get install dataset-fashion-mnist`` puts Fashion-MNIST's in ``/usr/share/datasets/fashion-mnist/``
(see ``data_scripts/README.md``). Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from is_keras.data.idx import find_idx_file, read_idx

#: The file names (without ``.gz``) of the official splits, as ``split -> (images, labels)``.
IDX_SPLIT_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                   "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

#: Fashion-MNIST's class names, by label.
FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot",
)  # fmt: skip

NUM_CLASSES = 10


def load_fashion_mnist(root, *, seed: int = 0):
    """Fashion-MNIST from the folder ``root``: ``(x_train, y_train), (x_test, y_test)``, the official split.

    The second pair is the official test set: split a validation set off ``(x_train, y_train)`` before tuning.

    Args:
        root: the folder of the four IDX files (``.gz`` or not), e.g. ``/usr/share/datasets/fashion-mnist``.
        seed: unused (the split is the official one); accepted for :func:`~is_keras.data.load_dataset`.
    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 ``(N, 28, 28, 1)`` in [0, 1], ``y`` int64 labels 0-9
        (:data:`FASHION_MNIST_CLASS_NAMES`); 60,000 and 10,000 images in the real files.
    Raises:
        FileNotFoundError: ``root`` is not a folder, or a file is missing (the message names both names tried).
        ValueError: see :func:`load_idx_folder`.
    Example:
        >>> import pathlib, tempfile
        >>> import numpy as np
        >>> from is_keras.data.idx import write_idx
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for prefix, n in (("train", 3), ("t10k", 2)):
        ...     _ = write_idx(root / f"{prefix}-images-idx3-ubyte.gz", np.full((n, 28, 28), 255, np.uint8))
        ...     _ = write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8))
        >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist(root)
        >>> x_train.shape, float(x_train.max()), y_train.tolist(), x_test.shape
        ((3, 28, 28, 1), 1.0, [0, 1, 2], (2, 28, 28, 1))
    """
    del seed  # the official split
    return load_idx_folder(root)


def load_mnist(root, *, seed: int = 0):
    """MNIST's handwritten digits from the folder ``root``, read and checked as by :func:`load_fashion_mnist`.

    Args:
        root: the folder holding the four IDX files.
        seed: unused (the split is the official one).
    Returns: ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 in [0, 1], ``(N, 28, 28, 1)``; ``y`` int64 digits.
    Raises:
        FileNotFoundError: ``root`` is not a folder, or a file is missing.
        ValueError: see :func:`load_idx_folder`.
    Example:
        >>> import tempfile
        >>> load_mnist(tempfile.mkdtemp())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: no train-images-idx3-ubyte file in ...: tried .../train-images-idx3-ubyte.gz and ...
    """
    del seed
    return load_idx_folder(root)


def load_idx_folder(root):
    """The official train and test splits of an MNIST-layout folder, checked.

    Args:
        root: the folder.
    Returns: ``(x_train, y_train), (x_test, y_test)``, as :func:`load_fashion_mnist`.
    Raises:
        FileNotFoundError: ``root`` is not a folder, or a file is missing.
        ValueError: an invalid IDX file (see :func:`~is_keras.data.idx.read_idx`); images that are not 3-D uint8
            or labels not 1-D uint8; a split whose files hold different counts; training and test images of
            different sizes; a label outside 0-9. Each message names the file.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder (expected one holding "
                                f"{', '.join(n for pair in IDX_SPLIT_FILES.values() for n in pair)}, .gz or not)")
    splits = {split: _read_split(root, *names) for split, names in IDX_SPLIT_FILES.items()}
    (train_path, x_train, _), (test_path, x_test, _) = splits["train"], splits["test"]
    if x_train.shape[1:3] != x_test.shape[1:3]:
        raise ValueError(f"{train_path} holds {_size(x_train)} images but {test_path} holds {_size(x_test)} ones")
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


def _size(images: np.ndarray) -> str:
    return f"{images.shape[1]}x{images.shape[2]}"


def _to_float(images: np.ndarray) -> np.ndarray:
    x = images.astype(np.float32)
    x /= 255.0
    return x[..., None]
