"""is_keras: importance sampling for training deep networks in TensorFlow/Keras (Johansson & Lindberg, Uppsala 2022).

Draws the samples the network still gets wrong more often; subpackages load on first use (no TensorFlow at import).

Example:
    >>> import numpy as np
    >>> import is_keras
    >>> x = np.random.default_rng(0).random((64, 8, 8, 1), dtype=np.float32)
    >>> y = np.arange(64) % 2
    >>> config = is_keras.SamplerConfig(method="is-probabilistic")
    >>> gen = is_keras.ImportanceBatchGenerator(x, y, batch_size=16, sampler_config=config)
    >>> model = is_keras.models.build_classifier("crapnet", (8, 8, 1), 2, seed=0, width=1)
    >>> auc = is_keras.callbacks.OneMinusAUC(x, y, eval_every=4)
    >>> _ = is_keras.ImportanceTrainer(model, gen).fit(epochs=1, callbacks=[auc])
    >>> len(auc.one_minus_auc)
    1
"""

__version__ = "0.1.0"

import importlib

#: Subpackages and top-level names, imported on first use (PEP 562): ``is-keras --help`` loads no TensorFlow.
_SUBPACKAGES = ("callbacks", "cli", "data", "detection", "experiments", "metrics", "models", "plotting", "sampling",
                "training")
_NAMES = {"OneMinusAUC": "is_keras.callbacks", "one_minus_auc": "is_keras.metrics", "METHODS": "is_keras.sampling",
          "ImportanceBatchGenerator": "is_keras.sampling", "ImportanceTrainer": "is_keras.training",
          "SamplerConfig": "is_keras.sampling"}


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"is_keras.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'is_keras' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES) | set(_NAMES))


__all__ = ["METHODS", "ImportanceBatchGenerator", "ImportanceTrainer", "OneMinusAUC", "SamplerConfig", "__version__",
           "callbacks", "data", "detection", "experiments", "metrics", "models", "one_minus_auc", "sampling",
           "training"]
