"""Dataset names -> loaders, for the CLI and the experiments."""

from __future__ import annotations

from is_keras.data.digits import load_digits

DATASETS = {
    "digits": load_digits,
}


def load_dataset(name: str, seed: int = 0, **kwargs):
    """Load a dataset by name as ``(x_train, y_train), (x_val, y_val)``.

    Example:
        >>> (x_train, y_train), _ = load_dataset("digits")
        >>> x_train.shape[1:]
        (8, 8, 1)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(DATASETS))}")
    return DATASETS[name](seed=seed, **kwargs)
