"""Metrics users compare, computed in one place: 1-AUC (classification), AP50 (detection)."""

from is_keras.metrics.ap50 import ap50, one_minus_ap50
from is_keras.metrics.auc import one_minus_auc

__all__ = ["ap50", "one_minus_ap50", "one_minus_auc"]
