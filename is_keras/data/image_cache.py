"""Image files -> training arrays: decode and resize once, keep the result in an on-disk cache.

Decoding tens of thousands of small images (GTSRB, Mapillary crops) takes
longer than a short training run, so the decoded, resized pixels are stored
once in a ``.npy`` file (written chunk by chunk through
``np.lib.format.open_memmap``, with a progress bar) and memory-mapped on
later runs. The cache file is named by a hash of the file list (paths, sizes,
modification times, crop boxes), the image size, the channel count and the
dtype, so any change to the images gives a new cache file.

Small datasets are then copied into memory. Datasets larger than
``in_memory_limit`` bytes (or any dataset with ``in_memory=False``) are
returned as read-only **float32 memmaps** in [0, 1]: the training and
validation parts are written once more, per split, into the cache and read
from disk batch by batch (``ImportanceBatchGenerator`` gathers batches by
index from a memmap, and its ``as_dataset()`` prefetches the next batch while
the current one trains). float32 keeps the loaders' contract (float32 in
[0, 1], no rescaling in the model) at the price of 4 bytes per pixel on disk;
``cache_images(..., dtype="uint8")`` stores raw pixels for callers who rescale
themselves.

The cache lives in ``$IS_KERAS_CACHE_DIR`` or ``~/.cache/is_keras``
unless a ``cache_dir`` is given; deleting files there is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from is_keras.data.splits import stratified_split

#: Datasets whose float32 pixels take more bytes than this stay on disk when ``in_memory=None``.
DEFAULT_IN_MEMORY_LIMIT = 1 << 30

_CACHE_FORMAT_VERSION = 1
_DTYPES = ("float32", "float16", "uint8")


def default_cache_dir() -> Path:
    """``$IS_KERAS_CACHE_DIR`` if set, else ``~/.cache/is_keras``.

    Example:
        >>> default_cache_dir().name
        'is_keras'
    """
    env = os.environ.get("IS_KERAS_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "is_keras"


def image_size_hw(image_size) -> tuple[int, int]:
    """``28`` or ``(28, 28)`` -> ``(28, 28)`` (height, width), checked.

    Example:
        >>> image_size_hw(32), image_size_hw((24, 32))
        ((32, 32), (24, 32))
    """
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        size = (int(image_size), int(image_size))
    else:
        try:
            size = tuple(int(s) for s in image_size)
        except TypeError:
            raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}") from None
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"image_size must be a positive int or (height, width), got {image_size!r}")
    return size


def decode_image(path, image_size, box=None, channels: int = 3) -> np.ndarray:
    """One image file as uint8 ``(H, W, channels)``: optional crop, then resize.

    ``box`` is ``(x1, y1, x2, y2)`` in pixels, PIL convention (``x2``, ``y2``
    exclusive); it is clipped to the image. Downscaling is antialiased
    (Pillow's bilinear filter widens with the scale factor).

    Example:
        >>> decode_image("Final_Training/Images/00000/00000_00000.ppm", 28, box=(5, 6, 24, 25)).shape
        (28, 28, 3)
    """
    from PIL import Image

    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    height, width = image_size_hw(image_size)
    with Image.open(path) as image:
        image = image.convert("RGB" if channels == 3 else "L")
        if box is not None:
            x1, y1, x2, y2 = (float(v) for v in box)
            x1, x2 = max(0.0, x1), min(float(image.width), x2)
            y1, y2 = max(0.0, y1), min(float(image.height), y2)
            if x2 - x1 < 1 or y2 - y1 < 1:
                raise ValueError(f"crop box {tuple(box)} is empty inside {image.size} image {path}")
            image = image.crop((round(x1), round(y1), round(x2), round(y2)))
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        pixels = np.asarray(image, dtype=np.uint8)
    return pixels.reshape(height, width, channels)


def decode_images(
    paths, image_size, boxes=None, channels: int = 3, dtype: str = "float32", workers=None, progress=False
) -> np.ndarray:
    """Decode a list of image files into one in-memory array ``(N, H, W, channels)``, no cache.

    float dtypes hold pixels / 255 in [0, 1]; ``"uint8"`` holds raw pixels.

    Example:
        >>> x = decode_images(["a.png", "b.png"], 28)
        >>> x.shape, x.dtype
        ((2, 28, 28, 3), dtype('float32'))
    """
    paths, boxes = _check_files(paths, boxes)
    dtype = _check_dtype(dtype)
    height, width = image_size_hw(image_size)
    out = np.empty((len(paths), height, width, channels), dtype=dtype)
    _fill(out, paths, boxes, (height, width), channels, workers, progress, chunk_size=1024, desc="decoding")
    return out


def cache_images(
    paths,
    image_size,
    boxes=None,
    cache_dir=None,
    channels: int = 3,
    dtype: str = "float32",
    chunk_size: int = 1024,
    workers=None,
    progress: bool = True,
) -> np.memmap:
    """Decode + resize the files once into ``<cache_dir>/images-<hash>.npy``; memory-map it.

    The first call decodes in chunks of ``chunk_size`` images (threads:
    ``workers``, default up to 4) into a temporary ``.npy`` opened with
    ``np.lib.format.open_memmap``, then renames it into place; later calls
    with the same files (paths, sizes, mtimes), boxes, size, channels and
    dtype only open it. Returns a read-only ``np.memmap`` of shape
    ``(N, H, W, channels)`` (float dtypes in [0, 1]).

    Example:
        >>> x = cache_images(paths, 28, cache_dir="/tmp/cache")   # decodes
        >>> x = cache_images(paths, 28, cache_dir="/tmp/cache")   # reuses the file
        >>> type(x).__name__, x.shape[1:]
        ('memmap', (28, 28, 3))
    """
    paths, boxes = _check_files(paths, boxes)
    dtype = _check_dtype(dtype)
    height, width = image_size_hw(image_size)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    key = _files_key(paths, boxes, (height, width), channels, dtype)
    shape = (len(paths), height, width, channels)

    def fill(out):
        _fill(out, paths, boxes, (height, width), channels, workers, progress, chunk_size, desc="caching images")

    return cached_array(f"images-{key}", shape, dtype, fill, cache_dir)


def cached_array(name: str, shape, dtype, fill, cache_dir=None) -> np.memmap:
    """Memory-map ``<cache_dir>/<name>.npy``, creating it first with ``fill(memmap)`` if absent.

    The file is written under a temporary name and renamed into place, so a
    crash or a concurrent writer never leaves a half-written cache behind.
    An existing file with another shape or dtype is an error.

    Example:
        >>> a = cached_array("squares", (4,), "float32", lambda out: out.__setitem__(slice(None), [0, 1, 4, 9]))
        >>> a.tolist()
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
    array = np.load(path, mmap_mode="r")
    if array.shape != shape or array.dtype != dtype:
        raise ValueError(f"cache file {path} holds {array.dtype} {array.shape}, expected {dtype} {shape}; delete it")
    return array


def subset_memmap(array, indices, cache_dir=None, chunk_size: int = 4096) -> np.memmap:
    """``array[indices]`` written once to the cache and memory-mapped (rows copied in chunks).

    The file name joins the source memmap's name with a hash of
    ``indices``, so the same split of the same cache is reused.

    Example:
        >>> train = subset_memmap(cache_images(paths, 28), np.array([0, 2, 5]))
        >>> train.shape[0]
        3
    """
    indices = np.asarray(indices, dtype=np.int64)
    source = Path(getattr(array, "filename", "") or "array").stem
    digest = hashlib.sha256(indices.tobytes() + repr(array.shape).encode()).hexdigest()[:16]

    def fill(out):
        for start in range(0, indices.size, chunk_size):
            out[start : start + chunk_size] = array[indices[start : start + chunk_size]]

    return cached_array(
        f"{source}-rows-{digest}", (indices.size,) + tuple(array.shape[1:]), array.dtype, fill, cache_dir
    )


def load_image_files(
    paths,
    labels,
    image_size=28,
    boxes=None,
    val_fraction: float = 0.25,
    seed: int = 0,
    stratify: bool = True,
    channels: int = 3,
    in_memory: bool | None = None,
    cache: bool | None = True,
    cache_dir=None,
    in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT,
    progress: bool = True,
):
    """Labelled image files -> ``(x_train, y_train), (x_val, y_val)``, the loaders' common core.

    ``x`` is float32 in [0, 1], shape ``(N, H, W, channels)``; ``y`` int64. The
    split is seeded: stratified by class (``stratify=True``) or a plain random
    permutation. ``in_memory=None`` keeps the data in memory when their
    float32 size is at most ``in_memory_limit`` bytes; otherwise (or with
    ``in_memory=False``) ``x_train`` and ``x_val`` are read-only float32
    memmaps in the cache. With ``cache=True`` the decoded pixels go through
    :func:`cache_images` (decoded once, reused by later calls);
    ``cache=None`` caches only when the data stay on disk; ``cache=False``
    decodes in memory every time (and cannot give memmaps).

    Example:
        >>> (x_train, y_train), (x_val, y_val) = load_image_files(paths, labels, 28, val_fraction=0.25)
        >>> x_train.dtype, y_train.dtype
        (dtype('float32'), dtype('int64'))
    """
    paths, boxes = _check_files(paths, boxes)
    labels = np.asarray(labels)
    if labels.shape != (len(paths),) or labels.dtype.kind not in "iu" or (labels.size and labels.min() < 0):
        raise ValueError(f"labels must be {len(paths)} integer class ids >= 0, got shape {labels.shape}")
    if len(paths) < 2:
        raise ValueError(f"need at least 2 images to split into training and validation, got {len(paths)}")
    labels = labels.astype(np.int64)
    if stratify:
        train, val = stratified_split(labels, val_fraction, seed)
    else:
        train, val = random_split(len(paths), val_fraction, seed)
    height, width = image_size_hw(image_size)
    nbytes = len(paths) * height * width * channels * 4
    if in_memory is None:
        in_memory = nbytes <= in_memory_limit
    if cache is None:
        cache = not in_memory
    if not in_memory and not cache:
        raise ValueError("in_memory=False needs cache=True: the memmaps are files in the cache directory")
    if cache:
        pixels = cache_images(paths, (height, width), boxes, cache_dir, channels, "float32", progress=progress)
    else:
        pixels = decode_images(paths, (height, width), boxes, channels, "float32", progress=progress)
    if in_memory:
        x_train, x_val = np.asarray(pixels[train]), np.asarray(pixels[val])
    else:
        x_train, x_val = subset_memmap(pixels, train, cache_dir), subset_memmap(pixels, val, cache_dir)
    return (x_train, labels[train]), (x_val, labels[val])


def random_split(num_samples: int, val_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices ``(train, val)``: a seeded random ``val_fraction`` of all samples, not stratified.

    Example:
        >>> train, val = random_split(10, 0.3, seed=0)
        >>> len(train), len(val)
        (7, 3)
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = np.random.default_rng(seed).permutation(num_samples)
    n_val = min(max(int(round(val_fraction * num_samples)), 1), num_samples - 1)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


# ----------------------------------------------------------------- helpers
def _check_files(paths, boxes):
    paths = [str(p) for p in paths]
    if not paths:
        raise ValueError("no image files given")
    if boxes is not None:
        boxes = list(boxes)
        if len(boxes) != len(paths):
            raise ValueError(f"got {len(boxes)} crop boxes for {len(paths)} image files")
        boxes = [None if b is None else tuple(float(v) for v in b) for b in boxes]
        if any(b is not None and len(b) != 4 for b in boxes):
            raise ValueError("crop boxes must be (x1, y1, x2, y2) or None")
    return paths, boxes


def _check_dtype(dtype) -> np.dtype:
    if np.dtype(dtype).name not in _DTYPES:
        raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}")
    return np.dtype(dtype)


def _files_key(paths, boxes, size, channels, dtype) -> str:
    entries = []
    for i, path in enumerate(paths):
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            raise ValueError(f"image file not found: {path}") from None
        box = None if boxes is None else boxes[i]
        entries.append([os.path.abspath(path), stat.st_size, stat.st_mtime_ns, box])
    blob = json.dumps([_CACHE_FORMAT_VERSION, list(size), channels, np.dtype(dtype).name, entries])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _fill(out, paths, boxes, size, channels, workers, progress, chunk_size, desc):
    scale = 1.0 / 255.0 if out.dtype.kind == "f" else None
    workers = workers or min(4, os.cpu_count() or 1)

    def one(i):
        return decode_image(paths[i], size, None if boxes is None else boxes[i], channels)

    bar = progress_bar(len(paths), desc, progress)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(paths), chunk_size):
            stop = min(start + chunk_size, len(paths))
            chunk = np.stack(list(pool.map(one, range(start, stop))))
            out[start:stop] = chunk * scale if scale is not None else chunk
            bar.update(stop - start)
    bar.close()


def progress_bar(total: int, desc: str, enabled: bool = True):
    """A tqdm progress bar (``update(n)``, ``close()``), silent when ``enabled`` is false.

    Example:
        >>> bar = progress_bar(100, "decoding")
        >>> bar.update(100); bar.close()
    """
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm ships with tensorflow-datasets
        return _NoBar()
    return tqdm(total=total, desc=desc, unit="img", disable=not enabled, leave=False)


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass
