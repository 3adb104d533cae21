"""Keras callbacks that log the thesis's metrics during training."""

from is_keras.callbacks.one_minus_auc import OneMinusAUC

__all__ = ["OneMinusAUC"]
