"""Per-sample losses: the training step needs one loss per sample for the table."""

from __future__ import annotations

import keras


def sparse_categorical_crossentropy(y_true, y_pred):
    """Per-sample cross-entropy of integer labels against predicted probabilities, shape (B,)."""
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


PER_SAMPLE_LOSSES = {
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}


def get_per_sample_loss(loss):
    """Resolve ``loss`` (a name or a callable ``(y_true, y_pred) -> (B,)``).

    Example:
        >>> fn = get_per_sample_loss("sparse_categorical_crossentropy")
        >>> callable(fn)
        True
    """
    if callable(loss):
        return loss
    if loss not in PER_SAMPLE_LOSSES:
        raise ValueError(
            f"unknown loss {loss!r}; give a callable (y_true, y_pred) -> per-sample losses or one of: "
            + ", ".join(PER_SAMPLE_LOSSES)
        )
    return PER_SAMPLE_LOSSES[loss]
