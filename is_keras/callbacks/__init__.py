"""Keras callbacks: the thesis's metrics during training, divergence stopping, loss-table snapshots."""

from is_keras.callbacks.ap50_callback import OneMinusAP50
from is_keras.callbacks.divergence_stop import DivergenceStop
from is_keras.callbacks.evaluation_callback import EvaluationCallback
from is_keras.callbacks.loss_table_histograms import LossTableHistograms
from is_keras.callbacks.one_minus_auc import OneMinusAUC

__all__ = ["DivergenceStop", "EvaluationCallback", "LossTableHistograms", "OneMinusAP50", "OneMinusAUC"]
