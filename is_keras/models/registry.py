"""Model names -> builders, for the CLI and the experiments."""

from __future__ import annotations

import keras

from is_keras.models.crapnet import crapnet
from is_keras.models.resnet import resnet18

CLASSIFIERS = {"crapnet": crapnet, "resnet18": resnet18, "resnet": resnet18}


def build_classifier(name: str, input_shape, num_classes: int, *, seed: int | None = None, **kwargs):
    """Build a classifier by name, seeding its initial weights.

    Args:
        name, input_shape, num_classes: a key of :data:`CLASSIFIERS`; ``(H, W, C)`` of the images; softmax outputs.
        seed, **kwargs: seeds Keras' initialisers (``keras.utils.set_random_seed``); the builder's options.
    Returns: The ``keras.Model``.
    Raises: ValueError: an unknown ``name``, or options the builder refuses.
    Example:
        >>> build_classifier("crapnet", (8, 8, 1), 10, seed=0, width=4).output_shape
        (None, 10)
    """
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(CLASSIFIERS)}")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    return CLASSIFIERS[name](input_shape, num_classes, **kwargs)
