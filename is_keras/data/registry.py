"""Dataset names -> loaders, for the CLI and the experiments."""

from __future__ import annotations

from is_keras.data.digits import load_digits
from is_keras.data.gtsrb import load_gtsrb
from is_keras.data.idx import load_fashion_mnist, load_mnist
from is_keras.data.mapillary import load_mapillary
from is_keras.data.npz import load_npz
from is_keras.data.synthetic_signs import load_synthetic_signs
from is_keras.data.tfds_local import load_tfds

DATASETS = {"digits": load_digits, "synthetic-signs": load_synthetic_signs, "gtsrb": load_gtsrb,
            "mapillary": load_mapillary, "fashion-mnist": load_fashion_mnist, "mnist": load_mnist}
#: ``load_dataset("tfds:<name>", data_dir=...)`` reads a prepared local TFDS dataset.
TFDS_PREFIX = "tfds:"
#: ``load_dataset("npz:<path>")`` reads a user's ``.npz`` (see :func:`~is_keras.data.npz.load_npz`).
NPZ_PREFIX = "npz:"


def load_dataset(name: str, *, seed: int = 0, **kwargs):
    """Load a dataset by name as ``(x_train, y_train), (x_val, y_val)``.

    Args:
        name: a key of :data:`DATASETS` (``root``: the local folder; fashion-mnist and mnist give the official test
            set as second pair), ``"tfds:<name>"`` (``data_dir`` or its alias ``root``, ...) or ``"npz:<path>"``.
        seed: seeds the train/validation split (unused where the data give it: fashion-mnist, mnist, npz).
        **kwargs: the loader's options.
    Raises:
        ValueError: an unknown name, ``"tfds:"`` or ``"npz:"`` alone, both ``root`` and ``data_dir``, or the loader's.
        FileNotFoundError, TypeError: a missing local file; an option the loader does not take.
    Example:
        >>> (x_train, y_train), _ = load_dataset("digits")
        >>> x_train.shape[1:]
        (8, 8, 1)
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
    if name.startswith(NPZ_PREFIX):
        path = name[len(NPZ_PREFIX) :]
        if not path:
            raise ValueError("dataset name 'npz:' needs the .npz file's path after the colon, e.g. 'npz:data.npz'")
        return load_npz(path, seed=seed, **kwargs)
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS) + [TFDS_PREFIX + "<name>", NPZ_PREFIX + "<path>"])
        raise ValueError(f"unknown dataset {name!r}; known datasets: {known}")
    return DATASETS[name](seed=seed, **kwargs)
