"""IDX files (MNIST's format), plain or gzip-compressed (told by the bytes ``1f 8b``), and the MNIST folder loaders.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one big-endian
32-bit size per dimension, then the items, big-endian, in C order.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

#: IDX type codes -> big-endian numpy dtypes.
IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

#: The file names (without ``.gz``) of the official splits, as ``split -> (images, labels)``.
IDX_SPLIT_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                   "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
#: Fashion-MNIST's class names, by label.
FASHION_MNIST_CLASS_NAMES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
                             "bag", "ankle boot")
NUM_CLASSES = 10
_GZIP_MAGIC = b"\x1f\x8b"
_TYPE_NAMES = ", ".join(f"0x{code:02X} {dtype.newbyteorder('=').name}" for code, dtype in IDX_DTYPES.items())


def read_idx(path) -> np.ndarray:
    """Read one IDX file (gzip-compressed or plain) as a numpy array of the shape its header gives.

    Args: path: the file.
    Returns: A writable array in native byte order, of the header's dimensions and type (see :data:`IDX_DTYPES`).
    Raises: FileNotFoundError, ValueError: no such file; a bad magic number or header, invalid gzip, a wrong size.
    Example:
        >>> import gzip, pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte.gz"
        >>> _ = path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9])))
        >>> read_idx(path)
        array([7, 0, 9], dtype=uint8)
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such IDX file" if not path.exists() else f"{path}: not a file")
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{path}: starts like a gzip file but cannot be decompressed: {error}") from None
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} byte(s) is too short for an IDX header (4-byte magic number)")
    magic = int.from_bytes(data[:4], "big")
    code, ndim = data[2], data[3]
    if data[0] or data[1]:
        raise ValueError(f"{path}: bad magic number 0x{magic:08X}: an IDX file starts with two zero bytes "
                         "(is it an IDX file?)")
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: bad magic number 0x{magic:08X}: unknown type code 0x{code:02X} "
                         f"(known: {_TYPE_NAMES})")
    if ndim == 0:
        raise ValueError(f"{path}: bad magic number 0x{magic:08X}: 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated header: {len(data)} bytes, {ndim} dimension(s) need {header}")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = IDX_DTYPES[code]
    expected = math.prod(dims)
    size = len(data) - header
    shape_text = " x ".join(map(str, dims))
    if size < expected * dtype.itemsize:
        partial = size % dtype.itemsize
        more = f" and {partial} byte(s) of one more" if partial else ""
        raise ValueError(f"{path}: truncated: holds {size // dtype.itemsize} items{more}, "
                         f"its header says {expected} ({shape_text})")
    if size > expected * dtype.itemsize:
        raise ValueError(f"{path}: {size - expected * dtype.itemsize} trailing byte(s) after the {expected} items "
                         f"its header says ({shape_text})")
    items = np.frombuffer(data, dtype=dtype, count=expected, offset=header)
    return items.astype(dtype.newbyteorder("=")).reshape(dims)


def find_idx_file(folder, name: str) -> Path:
    """The path of the file ``name.gz`` or ``name`` in ``folder``; the distributed ``.gz`` one when both exist.

    Args: folder, name: the folder; the uncompressed file name, e.g. ``"train-labels-idx1-ubyte"``.
    Raises: FileNotFoundError: neither exists (the message names both).
    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "t10k-labels-idx1-ubyte").write_bytes(b"")
        >>> find_idx_file(folder, "t10k-labels-idx1-ubyte").name
        't10k-labels-idx1-ubyte'
    """
    folder = Path(folder).expanduser()
    tried = [folder / f"{name}.gz", folder / name]
    for path in tried:
        if path.is_file():
            return path
    raise FileNotFoundError(f"no {name} file in {folder}: tried {tried[0]} and {tried[1]}")


def write_idx(path, array, *, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file, e.g. a small stand-in for MNIST in tests and examples.

    Args:
        path, array: the file to write; an array of one of the :data:`IDX_DTYPES`, at least 1-D.
        compress: gzip the file; ``None`` gzips it when ``path`` ends in ``.gz``.
    Returns: ``path`` as a :class:`~pathlib.Path`.
    Raises: ValueError: a type IDX cannot hold, a 0-D array, or more than 255 dimensions.
    Example:
        >>> import pathlib, tempfile
        >>> path = write_idx(pathlib.Path(tempfile.mkdtemp()) / "x.gz", np.arange(6, dtype=np.uint8).reshape(2, 3))
        >>> read_idx(path).tolist()
        [[0, 1, 2], [3, 4, 5]]
    """
    path = Path(path).expanduser()
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"{path}: IDX holds {_TYPE_NAMES}, not {array.dtype}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"{path}: IDX holds 1 to 255 dimensions, not {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def load_fashion_mnist(root, *, seed: int = 0):
    """Fashion-MNIST from the folder ``root``; the second pair is the official test set (split validation off train).

    Args: root, seed: the folder of the four IDX files (e.g. ``/usr/share/datasets/fashion-mnist``); unused.
    Returns: ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 ``(N, 28, 28, 1)`` in [0, 1], ``y`` int64 0-9.
    Raises:
        FileNotFoundError: ``root`` is not a folder, or a file is missing (the message names both names tried).
        ValueError: an invalid IDX file, images not 3-D uint8, labels not 1-D uint8 or outside 0-9, mismatched sizes.
    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for prefix, n in (("train", 3), ("t10k", 2)):
        ...     _ = write_idx(root / f"{prefix}-images-idx3-ubyte.gz", np.full((n, 28, 28), 255, np.uint8))
        ...     _ = write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8))
        >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist(root)
        >>> x_train.shape, float(x_train.max()), y_train.tolist(), x_test.shape
        ((3, 28, 28, 1), 1.0, [0, 1, 2], (2, 28, 28, 1))
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
    return tuple((np.divide(x[..., None], 255.0, dtype=np.float32), y.astype(np.int64)) for _, x, y in splits.values())


def load_mnist(root, *, seed: int = 0):
    """MNIST's handwritten digits from the folder ``root``, read and checked as by :func:`load_fashion_mnist`.

    Args: root, seed: the folder holding the four IDX files; unused (the split is the official one).
    Returns: ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 in [0, 1], ``(N, 28, 28, 1)``; ``y`` int64 digits.
    Raises: FileNotFoundError, ValueError: as :func:`load_fashion_mnist`.
    Example:
        >>> import tempfile
        >>> load_mnist(tempfile.mkdtemp())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: no train-images-idx3-ubyte file in ...: tried .../train-images-idx3-ubyte.gz and ...
    """
    return load_fashion_mnist(root)


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
