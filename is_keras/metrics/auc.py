"""1-AUC: macro one-vs-rest ROC AUC, the thesis's classification metric (§2.4.2)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def one_minus_auc(y_true, probabilities) -> float:
    """``1 - AUC``, AUC the mean of per-class one-vs-rest ROC AUCs (sklearn's ``multi_class="ovr", average="macro"``).

    Args: y_true, probabilities: ``(N,)`` integer labels in ``[0, C)``; ``(N, C)`` scores (rows need not sum to one).
    Returns: ``1 - AUC`` in [0, 1]; classes absent from ``y_true`` are left out.
    Raises: ValueError: wrong shapes, labels outside ``[0, C)``, non-finite scores, or fewer than two classes present.
    Example:
        >>> one_minus_auc([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
        0.0
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(probabilities, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"probabilities must have shape (N, C), got {scores.shape}")
    if y_true.shape != (scores.shape[0],):
        raise ValueError(f"y_true must have shape ({scores.shape[0]},) to match probabilities, got {y_true.shape}")
    if y_true.dtype.kind not in "iu" or (y_true.size and (y_true.min() < 0 or y_true.max() >= scores.shape[1])):
        raise ValueError(f"y_true must hold integer labels in [0, {scores.shape[1]})")
    if not np.all(np.isfinite(scores)):
        raise ValueError("probabilities contain NaN or infinite values")
    present = np.unique(y_true)
    if present.size < 2:
        raise ValueError("AUC needs at least two classes present in y_true")
    aucs = []
    for cls in present:
        positive = y_true == cls
        n_pos = positive.sum()
        n_neg = positive.size - n_pos
        ranks = rankdata(scores[:, cls])
        aucs.append((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
    return float(1.0 - np.mean(aucs))
