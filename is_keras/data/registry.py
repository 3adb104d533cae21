"""Dataset names -> loaders, for the CLI and the experiments."""

from __future__ import annotations

from is_keras.data.digits import load_digits
from is_keras.data.gtsrb import load_gtsrb
from is_keras.data.mapillary import load_mapillary
from is_keras.data.synthetic_signs import load_synthetic_signs
from is_keras.data.tfds_local import load_tfds

DATASETS = {
    "digits": load_digits,
    "synthetic-signs": load_synthetic_signs,
    "gtsrb": load_gtsrb,
    "mapillary": load_mapillary,
}

#: ``load_dataset("tfds:<name>", data_dir=...)`` reads a prepared local TFDS dataset.
TFDS_PREFIX = "tfds:"


def load_dataset(name: str, *, seed: int = 0, **kwargs):
    """Load a dataset by name as ``(x_train, y_train), (x_val, y_val)``.

    Names: ``"digits"``; ``"synthetic-signs"`` (``num_per_class``,
    ``image_size``, ``difficulty``, ``root``, ...); ``"gtsrb"`` and
    ``"mapillary"`` (``root`` = the local folder); ``"tfds:<name>"``
    (``data_dir`` or its alias ``root``, ``image_size``, ...).

    Args:
        name: a key of :data:`DATASETS` or ``"tfds:<name>"``.
        seed: seeds the train/validation split.
        **kwargs: the loader's options.

    Returns:
        ``(x_train, y_train), (x_val, y_val)``.

    Raises:
        ValueError: an unknown name, ``"tfds:"`` without a name, both ``root`` and ``data_dir``,
            or whatever the loader refuses.

    Example:
        >>> import tempfile
        >>> (x_train, y_train), _ = load_dataset("digits")
        >>> x_train.shape[1:]
        (8, 8, 1)
        >>> (x_train, _), _ = load_dataset("synthetic-signs", root=tempfile.mkdtemp(), num_per_class=2,
        ...                                 image_size=16, num_classes=2)
        >>> x_train.shape
        (2, 16, 16, 3)
    """
    if name.startswith(TFDS_PREFIX):
        tfds_name = name[len(TFDS_PREFIX) :]
        if not tfds_name:
            raise ValueError("dataset name 'tfds:' needs a TFDS name after the colon, e.g. 'tfds:mnist'")
        if "root" in kwargs:  # the CLI's --data-root names the TFDS data_dir
            if "data_dir" in kwargs:
                raise ValueError("give the TFDS data directory as data_dir or root, not both")
            kwargs["data_dir"] = kwargs.pop("root")
        return load_tfds(tfds_name, seed=seed, **kwargs)
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS) + [TFDS_PREFIX + "<name>"])
        raise ValueError(f"unknown dataset {name!r}; known datasets: {known}")
    return DATASETS[name](seed=seed, **kwargs)
