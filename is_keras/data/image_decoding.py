"""Image files -> uint8 / float pixels: decode, crop, resize (Pillow), in threads, with a progress bar."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: File endings read as images in class folders.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".ppm", ".bmp")
_DTYPES = ("float32", "float16", "uint8")


def image_size_hw(image_size) -> tuple[int, int]:
    """``28`` or ``(28, 28)`` -> ``(28, 28)`` (height, width) as ints, checked.

    Args: image_size: an int or a ``(height, width)`` pair.
    Raises: ValueError: not an int or pair, or a side < 1.
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


def _open_image(path, context: str = ""):
    """The decoded PIL image; ``ValueError`` naming ``path`` (and ``context``) when Pillow cannot decode it."""
    from PIL import Image

    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError) as error:  # Pillow's errors for corrupt or non-image files
        raise ValueError(f"cannot decode image file {path}{context}: {error}") from error
    return image


def decode_image(path, image_size, *, box=None, channels: int = 3) -> np.ndarray:
    """One image file as uint8 ``(H, W, channels)``: optional crop, then an antialiased bilinear resize.

    Args:
        path, image_size: the image file (any format Pillow reads); ``int`` or ``(height, width)`` of the output.
        box: optional crop ``(x1, y1, x2, y2)`` in pixels (PIL convention, ``x2``, ``y2`` exclusive), clipped.
        channels: 3 (RGB) or 1 (grayscale).
    Raises: FileNotFoundError, ValueError: no ``path``; an undecodable file, an empty crop box, bad ``channels``.
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
        >>> PIL.Image.new("RGB", (30, 20)).save(path)
        >>> decode_image(path, 8, box=(5, 6, 24, 18)).shape
        (8, 8, 3)
    """
    from PIL import Image

    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    height, width = image_size_hw(image_size)
    with _open_image(path) as image:
        image = image.convert("RGB" if channels == 3 else "L")
        if box is not None:
            x1, y1, x2, y2 = (float(v) for v in box)
            x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(image.width), x2), min(float(image.height), y2)
            if x2 - x1 < 1 or y2 - y1 < 1:
                raise ValueError(f"crop box {tuple(box)} is empty inside {image.size} image {path}")
            image = image.crop((round(x1), round(y1), round(x2), round(y2)))
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        pixels = np.asarray(image, dtype=np.uint8)
    return pixels.reshape(height, width, channels)


def decode_images(paths, image_size, *, boxes=None, channels: int = 3, dtype: str = "float32", workers=None,
                  progress=False) -> np.ndarray:
    """Decode image files into one in-memory array ``(N, H, W, channels)`` of ``dtype``, no cache.

    Args:
        paths, image_size, boxes, channels: as in :func:`decode_image`, ``boxes`` one box (or ``None``) per file.
        dtype: ``"float32"`` or ``"float16"`` (pixels / 255, in [0, 1]) or ``"uint8"`` (raw pixels).
        workers, progress: decoding threads (default up to 4); show a progress bar.
    Raises: ValueError: no files, a box count that differs from the file count, a bad dtype, an undecodable image.
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
        >>> PIL.Image.new("RGB", (10, 10), (255, 255, 255)).save(path)
        >>> x = decode_images([path, path], 4)
        >>> x.shape, x.dtype, float(x.max())
        ((2, 4, 4, 3), dtype('float32'), 1.0)
    """
    paths, boxes, dtype, (height, width) = _check_decode_args(paths, boxes, image_size, dtype)
    out = np.empty((len(paths), height, width, channels), dtype=dtype)
    fill_decoded(out, paths, boxes, (height, width), channels, workers, progress, chunk_size=1024, desc="decoding")
    return out


def check_files(paths, boxes):
    """``(paths, boxes)`` as a list of str and ``None`` or a list of float 4-tuples / ``None``, checked.

    Args: paths, boxes: the image files; ``None`` or one crop box (or ``None``) per file.
    Raises: ValueError: no paths, a box count that differs from the path count, or a box that is not 4 numbers.
    Example:
        >>> check_files(["a.png"], [(0, 0, 4, 4)])
        (['a.png'], [(0.0, 0.0, 4.0, 4.0)])
    """
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


def _check_decode_args(paths, boxes, image_size, dtype):
    """``(paths, boxes, dtype, (height, width))`` checked by :func:`check_files`, ``_DTYPES``, :func:`image_size_hw`."""
    paths, boxes = check_files(paths, boxes)
    if np.dtype(dtype).name not in _DTYPES:
        raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}")
    return paths, boxes, np.dtype(dtype), image_size_hw(image_size)


def fill_decoded(out, paths, boxes, size, channels, workers, progress, chunk_size, desc):
    """Decode ``paths`` into ``out`` chunk by chunk (threads); float ``out`` gets pixels / 255.

    Args:
        out: the ``(N, H, W, channels)`` array (or writable memmap) to fill.
        paths, boxes, size, channels: as in :func:`decode_images`, ``size`` a ``(height, width)`` pair.
        workers, progress, chunk_size, desc: as in :func:`~is_keras.data.image_cache.cache_images`; the bar's label.
    Raises: ValueError, FileNotFoundError: an undecodable image (named); a missing image.
    Example:
        >>> import tempfile, pathlib, PIL.Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
        >>> PIL.Image.new("RGB", (4, 4), (255, 255, 255)).save(path)
        >>> out = np.zeros((1, 2, 2, 3), np.float32)
        >>> fill_decoded(out, [path], None, (2, 2), 3, None, False, 8, "decoding")
        >>> float(out.min())
        1.0
    """
    scale = 1.0 / 255.0 if out.dtype.kind == "f" else None
    workers = workers or min(4, os.cpu_count() or 1)
    one = lambda i: decode_image(paths[i], size, box=None if boxes is None else boxes[i], channels=channels)
    bar = progress_bar(len(paths), desc, progress)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(paths), chunk_size):
            stop = min(start + chunk_size, len(paths))
            chunk = np.stack(list(pool.map(one, range(start, stop))))
            out[start:stop] = chunk * scale if scale is not None else chunk
            bar.update(stop - start)
    bar.close()


def progress_bar(total: int, desc: str, enabled: bool = True):
    """A ``tqdm`` progress bar (``update(n)``, ``close()``), silent when ``enabled`` is false.

    Args: total, desc: the number of items; the label.
    Example:
        >>> progress_bar(3, "decoding", enabled=False).total
        3
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="img", disable=not enabled, leave=False)
