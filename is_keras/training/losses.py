"""Per-sample losses: the training step needs one loss per sample for the table."""

from __future__ import annotations

import keras


def sparse_categorical_crossentropy(y_true, y_pred):
    """Per-sample cross-entropy of integer labels against predicted probabilities, shape (B,).

    Example:
        >>> import numpy as np
        >>> losses = sparse_categorical_crossentropy(np.array([0, 1]), np.array([[0.5, 0.5], [0.25, 0.75]]))
        >>> np.round(np.asarray(losses), 4).tolist()
        [0.6931, 0.2877]
    """
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def sparse_categorical_crossentropy_from_logits(y_true, y_pred):
    """Per-sample cross-entropy of integer labels against logits (no softmax in the model), shape (B,).

    Example:
        >>> import numpy as np
        >>> losses = sparse_categorical_crossentropy_from_logits(np.array([0]), np.array([[0.0, 0.0]]))
        >>> round(float(np.asarray(losses)[0]), 4)
        0.6931
    """
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)


PER_SAMPLE_LOSSES = {"sparse_categorical_crossentropy": sparse_categorical_crossentropy}
_FROM_LOGITS = {"sparse_categorical_crossentropy": sparse_categorical_crossentropy_from_logits}


def get_per_sample_loss(loss, *, from_logits: bool = False):
    """Resolve ``loss`` (a name or a callable ``(y_true, y_pred) -> (B,)``).

    Args:
        loss: ``"sparse_categorical_crossentropy"`` or a callable giving one loss per sample.
        from_logits: the model outputs logits, not probabilities (names only; a callable handles its own inputs).
    Returns: the callable ``(y_true, y_pred) -> (B,)``.
    Raises: ValueError: for an unknown name.
    Example:
        >>> fn = get_per_sample_loss("sparse_categorical_crossentropy", from_logits=True)
        >>> fn.__name__
        'sparse_categorical_crossentropy_from_logits'
    """
    if callable(loss):
        return loss
    if loss not in PER_SAMPLE_LOSSES:
        raise ValueError(f"unknown loss {loss!r}; give a callable (y_true, y_pred) -> per-sample losses or one of: "
                         + ", ".join(PER_SAMPLE_LOSSES))
    return (_FROM_LOGITS if from_logits else PER_SAMPLE_LOSSES)[loss]


def loss_name(loss) -> str | None:
    """The registered name of ``loss`` (a name or one of the built-in callables), else ``None``.

    Example:
        >>> loss_name(sparse_categorical_crossentropy_from_logits)
        'sparse_categorical_crossentropy'
    """
    if isinstance(loss, str):
        return loss if loss in PER_SAMPLE_LOSSES else None
    return next((name for table in (PER_SAMPLE_LOSSES, _FROM_LOGITS) for name, fn in table.items() if fn is loss), None)
