"""Image files -> training arrays: decoded and resized once into an on-disk ``.npy`` cache (safe to delete)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import uuid
from pathlib import Path

import numpy as np

from is_keras.data.image_decoding import _check_decode_args, check_files, decode_images, fill_decoded, image_size_hw
from is_keras.data.splits import random_split, stratified_split

#: Datasets whose float32 pixels take more bytes than this stay on disk when ``in_memory=None``.
DEFAULT_IN_MEMORY_LIMIT = 1 << 30

_CACHE_FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    """``$IS_KERAS_CACHE_DIR`` if set, else ``~/.cache/is_keras``, as a ``Path`` (not created).

    Raises: RuntimeError: no home folder can be found and the variable is unset.
    Example:
        >>> default_cache_dir().name
        'is_keras'
    """
    env = os.environ.get("IS_KERAS_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "is_keras"


def cache_images(paths, image_size, *, boxes=None, cache_dir=None, channels: int = 3, dtype: str = "float32",
                 chunk_size: int = 1024, workers=None, progress: bool = True) -> np.memmap:
    """Decode + resize the files once into ``<cache_dir>/images-<hash>.npy``; memory-map it.

    Args:
        paths, image_size, boxes, channels: as in :func:`~is_keras.data.image_decoding.decode_images`.
        cache_dir, dtype: the folder (default :func:`default_cache_dir`); ``"float32"``, ``"float16"`` or ``"uint8"``.
        chunk_size, workers, progress: images decoded per chunk; decoding threads (default up to 4); a progress bar.
    Returns: A read-only ``np.memmap`` ``(N, H, W, channels)`` (float dtypes in [0, 1]), reused by later calls with
        the same files (paths, sizes, mtimes), boxes, size, channels and dtype.
    Raises: ValueError: a missing or undecodable image, an unreadable cache file (each named), or bad options.
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
        >>> PIL.Image.new("RGB", (6, 6)).save(path)
        >>> x, y = (cache_images([path], 4, cache_dir=path.parent, progress=False) for _ in range(2))  # y reuses x
        >>> type(y).__name__, y.shape, x.filename == y.filename
        ('memmap', (1, 4, 4, 3), True)
    """
    paths, boxes, dtype, (height, width) = _check_decode_args(paths, boxes, image_size, dtype)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    key = _files_key(paths, boxes, (height, width), channels, dtype)

    fill = lambda out: fill_decoded(out, paths, boxes, (height, width), channels, workers, progress, chunk_size,
                                    desc="caching images")
    return cached_array(f"images-{key}", (len(paths), height, width, channels), dtype, fill, cache_dir=cache_dir)


def cached_array(name: str, shape, dtype, fill, *, cache_dir=None) -> np.memmap:
    """Memory-map ``<cache_dir>/<name>.npy`` read-only, creating it first with ``fill(memmap)`` if absent (atomically).

    Args:
        name, shape, dtype: the file's name without ``.npy``; the array's shape and dtype.
        fill, cache_dir: ``fill(memmap)`` writes the values into a fresh memmap; the folder (:func:`default_cache_dir`).
    Raises: ValueError: the existing file is not a readable ``.npy`` or holds another shape or dtype (named).
    Example:
        >>> import tempfile
        >>> fill = lambda out: out.__setitem__(slice(None), [0, 1, 4, 9])
        >>> cached_array("squares", (4,), "float32", fill, cache_dir=tempfile.mkdtemp()).tolist()
        [0.0, 1.0, 4.0, 9.0]
    """
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.npy"
    shape, dtype = tuple(int(s) for s in shape), np.dtype(dtype)
    if not path.exists():
        tmp = directory / f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp.npy"
        try:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=shape)
            fill(out)
            out.flush()
            del out
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    try:
        array = np.load(path, mmap_mode="r")
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"cache file {path} is unreadable ({error}); delete it") from error
    if array.shape != shape or array.dtype != dtype:
        raise ValueError(f"cache file {path} holds {array.dtype} {array.shape}, expected {dtype} {shape}; delete it")
    return array


def subset_memmap(array, indices, *, cache_dir=None, chunk_size: int = 4096) -> np.memmap:
    """``array[indices]`` as a read-only memmap written once to the cache; the same split of one cache is reused.

    Args:
        array, indices: the source array (usually a memmap from :func:`cached_array`); the rows to keep.
        cache_dir, chunk_size: the folder (default :func:`default_cache_dir`); rows copied at a time.
    Raises: IndexError, ValueError: an index out of range; an unreadable existing cache file (named).
    Example:
        >>> import tempfile
        >>> subset_memmap(np.array([0, 1, 4, 9]), [1, 3], cache_dir=tempfile.mkdtemp()).tolist()
        [1, 9]
    """
    indices = np.asarray(indices, dtype=np.int64)
    source = Path(getattr(array, "filename", "") or "array").stem
    digest = hashlib.sha256(indices.tobytes() + repr(array.shape).encode()).hexdigest()[:16]

    def fill(out):
        for start in range(0, indices.size, chunk_size):
            out[start : start + chunk_size] = array[indices[start : start + chunk_size]]

    shape = (indices.size,) + tuple(array.shape[1:])
    return cached_array(f"{source}-rows-{digest}", shape, array.dtype, fill, cache_dir=cache_dir)


def load_image_files(paths, labels, image_size=28, *, boxes=None, val_fraction: float = 0.25, seed: int = 0,
                     stratify: bool = True, channels: int = 3, in_memory: bool | None = None, cache: bool | None = True,
                     cache_dir=None, in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT, progress: bool = True):
    """Labelled image files -> ``(x_train, y_train), (x_val, y_val)``, the loaders' common core.

    Args:
        paths, image_size, boxes, channels: as in :func:`~is_keras.data.image_decoding.decode_images`.
        labels: one integer class id >= 0 per file.
        val_fraction, seed, stratify: the validation share; seeds the split; split per class (else a permutation).
        in_memory: ``True``, ``False`` (read-only memmaps in the cache), ``None`` (if <= ``in_memory_limit`` bytes).
        cache: ``True`` (decode once through :func:`cache_images`), ``False`` (every time) or ``None`` (when on disk).
        cache_dir, progress: the cache folder; show progress bars.
    Returns: ``(x_train, y_train), (x_val, y_val)``: ``x`` float32 in [0, 1], ``(N, H, W, channels)``; ``y`` int64.
    Raises: ValueError: bad labels, under 2 files, ``in_memory=False`` with ``cache=False``, a bad image (named).
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
        >>> PIL.Image.new("RGB", (5, 5)).save(path)
        >>> (x_train, y_train), (x_val, y_val) = load_image_files([path] * 4, [0, 0, 1, 1], 5, cache=False)
        >>> x_train.shape, x_train.dtype, y_train.dtype, len(y_val)
        ((2, 5, 5, 3), dtype('float32'), dtype('int64'), 2)
    """
    paths, boxes = check_files(paths, boxes)
    labels = np.asarray(labels)
    if labels.shape != (len(paths),) or labels.dtype.kind not in "iu" or (labels.size and labels.min() < 0):
        raise ValueError(f"labels must be {len(paths)} integer class ids >= 0, got shape {labels.shape}")
    if len(paths) < 2:
        raise ValueError(f"need at least 2 images to split into training and validation, got {len(paths)}")
    labels = labels.astype(np.int64)
    train, val = (stratified_split(labels, val_fraction, seed=seed) if stratify
                  else random_split(len(paths), val_fraction, seed=seed))
    height, width = image_size_hw(image_size)
    if in_memory is None:
        in_memory = len(paths) * height * width * channels * 4 <= in_memory_limit  # float32 bytes
    if cache is None:
        cache = not in_memory
    if not in_memory and not cache:
        raise ValueError("in_memory=False needs cache=True: the memmaps are files in the cache directory")
    decode = functools.partial(cache_images, cache_dir=cache_dir) if cache else decode_images
    pixels = decode(paths, (height, width), boxes=boxes, channels=channels, progress=progress)
    return _split_rows(pixels, labels, train, val, in_memory, cache_dir)


def _split_rows(x, y, train, val, in_memory: bool, cache_dir=None):
    """``(x[train], y[train]), (x[val], y[val])``, the ``x`` parts in memory or as memmaps in the cache."""
    take = lambda rows: np.asarray(x[rows]) if in_memory else subset_memmap(x, rows, cache_dir=cache_dir)
    return tuple((take(rows), y[rows]) for rows in (train, val))


def _files_key(paths, boxes, size, channels, dtype) -> str:
    entries = []
    for i, path in enumerate(paths):
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            raise ValueError(f"image file not found: {path}") from None
        entries.append([os.path.abspath(path), stat.st_size, stat.st_mtime_ns, None if boxes is None else boxes[i]])
    blob = json.dumps([_CACHE_FORMAT_VERSION, list(size), channels, np.dtype(dtype).name, entries])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]
