"""A user's own classification data set from one ``.npz`` file (read with ``allow_pickle=False``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

#: The arrays a data-set ``.npz`` must hold.
NPZ_KEYS = ("x_train", "y_train", "x_val", "y_val")


def load_npz(path, *, seed: int = 0):
    """Load a ``.npz`` holding ``x_train``, ``y_train``, ``x_val`` and ``y_val``, checked.

    Args:
        path: the file, e.g. from ``np.savez(path, x_train=..., y_train=..., x_val=..., y_val=...)``: inputs
            ``(N, ...)`` of one trailing shape, *not* rescaled; 1-D integer class labels >= 0 (not one-hot).
        seed: unused (the file gives the split); accepted for :func:`~is_keras.data.load_dataset`.
    Returns: ``(x_train, y_train), (x_val, y_val)``: ``x`` float32 with the file's values, ``y`` int64.
    Raises: FileNotFoundError, ValueError: no such file; not an ``.npz`` archive, missing keys, bad labels (one-hot,
        not integers, negative), bad inputs (under 2-D, shapes, not finite) or lengths (the file is named).
    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.npz"
        >>> np.savez(path, x_train=np.arange(6).reshape(3, 2), y_train=[0, 1, 1], x_val=np.ones((1, 2)), y_val=[1])
        >>> (x_train, y_train), (x_val, y_val) = load_npz(path)
        >>> x_train.dtype, x_train.tolist(), y_train.dtype, y_val.tolist()
        (dtype('float32'), [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], dtype('int64'), [1])
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    arrays = _read_arrays(path)
    x_train, y_train = _split(path, arrays, "train")
    x_val, y_val = _split(path, arrays, "val")
    if x_train.shape[1:] != x_val.shape[1:]:
        raise ValueError(f"{path}: x_train has samples of shape {x_train.shape[1:]} but x_val of shape "
                         f"{x_val.shape[1:]}; they must match")
    return (x_train, y_train), (x_val, y_val)


def _read_arrays(path: Path) -> dict:
    with path.open("rb") as file:
        start = file.read(6)
    if start == b"\x93NUMPY":
        raise ValueError(f"{path}: is a single .npy array, not an .npz archive of {', '.join(NPZ_KEYS)}")
    if not start.startswith(b"PK"):
        raise ValueError(f"{path}: is not an .npz archive (the zip file numpy.savez writes); it starts with {start!r}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: cannot read it as an .npz archive: {error}") from None
    with archive:
        present = list(archive.files)
        missing = [key for key in NPZ_KEYS if key not in present]
        if missing:
            raise ValueError(f"{path}: missing key(s) {', '.join(missing)}; present: "
                             f"{', '.join(present) or 'none'} (needs {', '.join(NPZ_KEYS)})")
        arrays = {}
        for key in NPZ_KEYS:
            try:
                arrays[key] = archive[key]
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
                raise ValueError(f"{path}: cannot read {key}: {error}") from None
    return arrays


def _split(path: Path, arrays: dict, split: str):
    x_key, y_key = f"x_{split}", f"y_{split}"
    x, y = arrays[x_key], arrays[y_key]
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(f"{path}: {y_key} has shape {y.shape}, like one-hot labels; pass integer class labels "
                         f"instead, e.g. {y_key}=y.argmax(axis=1)")
    if y.ndim != 1:
        raise ValueError(f"{path}: {y_key} must be 1-D integer class labels, found shape {y.shape}")
    if y.dtype.kind not in "iu":
        raise ValueError(f"{path}: {y_key} must hold integer class labels, found {y.dtype}"
                         + (f"; convert them, e.g. {y_key}=y.astype(np.int64)" if y.dtype.kind == "f" else ""))
    if x.ndim < 2:
        raise ValueError(f"{path}: {x_key} must have at least 2 dimensions (samples, features...), "
                         f"found shape {x.shape}")
    if len(x) != len(y):
        raise ValueError(f"{path}: {x_key} holds {len(x)} samples but {y_key} holds {len(y)} labels")
    if not len(x):
        raise ValueError(f"{path}: {x_key} and {y_key} hold no samples")
    negative = np.flatnonzero(y < 0)
    if negative.size:
        raise ValueError(f"{path}: {y_key} holds the negative label {y[negative[0]]} at position {negative[0]}; "
                         "labels must be 0, 1, 2, ...")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{path}: {x_key} has type {x.dtype}, which does not convert to float32")
    with np.errstate(over="ignore", invalid="ignore"):  # a value float32 cannot hold is reported just below
        x = x.astype(np.float32)
    finite = np.isfinite(x)
    if not finite.all():
        first = np.unravel_index(np.flatnonzero(~finite)[0], x.shape)
        raise ValueError(f"{path}: {x_key} holds {x[first]} at index {tuple(map(int, first))} (after conversion "
                         "to float32); every input must be finite")
    return x, y.astype(np.int64)
