"""Keras callbacks that log the thesis's metrics during training."""

from is_keras.callbacks.ap50_callback import OneMinusAP50
from is_keras.callbacks.one_minus_auc import OneMinusAUC

__all__ = ["OneMinusAP50", "OneMinusAUC"]
