"""Alternative loss-table scores for detection: uncertainty instead of loss.

Each is a ``table_score`` callable ``(y_true, y_pred, loss) -> (B,)`` for :class:`~is_keras.training.ImportanceTrainer`,
written into the loss table instead of the loss, so images are drawn by how *uncertain* the detector is on them.
"""

from __future__ import annotations

from is_keras.detection.objectness_entropy_score import ObjectnessEntropyScore
from is_keras.detection.score_helpers import REDUCTIONS
from is_keras.detection.threshold_closeness_score import ThresholdClosenessScore

__all__ = ["REDUCTIONS", "TABLE_SCORES", "ObjectnessEntropyScore", "ThresholdClosenessScore", "get_table_score"]

TABLE_SCORES = {"loss": None, "entropy": ObjectnessEntropyScore, "closeness": ThresholdClosenessScore}


def get_table_score(name: str):
    """``None`` (the loss itself) for ``"loss"``, else a new score object for ``"entropy"`` / ``"closeness"``.

    Args: name: ``"loss"``, ``"entropy"`` or ``"closeness"``.
    Returns: ``None`` or a score object.
    Raises: ValueError: an unknown name.
    Example:
        >>> get_table_score("entropy").__name__
        'objectness_entropy'
    """
    if name not in TABLE_SCORES:
        raise ValueError(f"unknown table score {name!r}; choose one of {', '.join(TABLE_SCORES)}")
    factory = TABLE_SCORES[name]
    return None if factory is None else factory()
