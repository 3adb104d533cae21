"""Metrics users compare, computed in one place: 1-AUC (classification), AP50 (detection)."""

from is_keras.metrics.auc import one_minus_auc

__all__ = ["one_minus_auc"]
