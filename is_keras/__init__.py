"""is_keras: importance sampling for training deep networks in TensorFlow/Keras.

Draws the training samples the network still gets wrong more often than the
ones it has learned (Johansson & Lindberg, *Importance sampling in deep
learning*, Uppsala 2022).

Example:
    >>> import is_keras
    >>> gen = is_keras.ImportanceBatchGenerator(x, y, batch_size=256, method="is-probabilistic")
    >>> trainer = is_keras.ImportanceTrainer(model, gen)
    >>> trainer.fit(epochs=5, callbacks=[is_keras.callbacks.OneMinusAUC(x_val, y_val)])
"""

__version__ = "0.1.0"

from is_keras import callbacks, data, detection, experiments, metrics, models, sampling, training
from is_keras.callbacks import OneMinusAUC
from is_keras.metrics import one_minus_auc
from is_keras.sampling import METHODS, ImportanceBatchGenerator
from is_keras.training import ImportanceTrainer

__all__ = [
    "METHODS",
    "ImportanceBatchGenerator",
    "ImportanceTrainer",
    "OneMinusAUC",
    "__version__",
    "callbacks",
    "data",
    "detection",
    "experiments",
    "metrics",
    "models",
    "one_minus_auc",
    "sampling",
    "training",
]
