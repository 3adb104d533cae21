"""``--dataset`` and ``--data-root``: check the name and the folder, then load the data, before any training."""

from __future__ import annotations

import inspect

from is_keras.cli.options import UsageError, readable_path


def check_dataset(name: str, data_root, *, root_option: str = "--data-root") -> dict:
    """Check ``--dataset`` and ``--data-root`` together; return the loader's keyword arguments.

    Args:
        name, data_root: a :data:`~is_keras.data.registry.DATASETS` name, ``tfds:NAME`` or ``npz:PATH``; or ``None``.
        root_option: how the user gives the folder, for messages.
    Returns: ``{"root": Path}`` or ``{}``.
    Raises: UsageError: an unknown dataset, a missing, unreadable or (``npz:``) unwanted folder, or a bad ``npz:`` file.
    Example:
        >>> check_dataset("digits", None)
        {}
        >>> check_dataset("npz:/no/such/file.npz", None)
        Traceback (most recent call last):
        is_keras.cli.options.UsageError: --dataset: '/no/such/file.npz' does not exist
    """
    from is_keras.data.registry import DATASETS, NPZ_PREFIX, TFDS_PREFIX

    if name.startswith(NPZ_PREFIX):
        if not name[len(NPZ_PREFIX) :]:
            raise UsageError("--dataset", "npz: needs the .npz file's path after the colon, e.g. npz:data.npz")
        if data_root is not None:
            raise UsageError(root_option, f"dataset {name!r} reads the one file named after 'npz:'; "
                             f"give no {root_option}")
        readable_path(name[len(NPZ_PREFIX) :], "--dataset")
        return {}
    if not name.startswith(TFDS_PREFIX) and name not in DATASETS:
        raise UsageError("--dataset", f"unknown dataset {name!r}; known datasets: "
                         f"{', '.join(sorted(DATASETS) + [TFDS_PREFIX + 'NAME', NPZ_PREFIX + 'PATH'])}")
    if data_root is None:
        loader = DATASETS.get(name)
        root = inspect.signature(loader).parameters.get("root") if loader else None
        if root is not None and root.default is inspect.Parameter.empty:
            raise UsageError(root_option, f"dataset {name!r} reads a local folder: give it as {root_option} DIR")
        return {}
    return {"root": readable_path(data_root, root_option, folder=True)}


def load_data(name: str, data_root, *, seed: int):
    """Check and load ``--dataset`` as ``(train, val)``; a failure while reading is a usage error.

    Args: name, data_root, seed: the dataset name; the ``--data-root`` value or ``None``; seeds the split.
    Returns: ``((x_train, y_train), (x_val, y_val))``.
    Raises: UsageError: see :func:`check_dataset`, or the data could not be read (naming the dataset and the error).
    Example:
        >>> (x, y), _ = load_data("digits", None, seed=0)
        >>> x.shape[1:]
        (8, 8, 1)
    """
    from is_keras.data.registry import load_dataset

    kwargs = check_dataset(name, data_root)
    try:
        return load_dataset(name, seed=seed, **kwargs)
    except Exception as error:  # noqa: BLE001 - unreadable data is the user's input: one line, exit 2
        raise UsageError(f"--dataset {name}", f"cannot load it: {type(error).__name__}: {error}") from None
