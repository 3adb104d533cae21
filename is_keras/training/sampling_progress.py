"""A Keras callback that tells the generator how far training has got (for scheduled sampling methods)."""

from __future__ import annotations

import keras


class SamplingProgress(keras.callbacks.Callback):
    """At every epoch start, calls ``generator.set_progress(epoch / epochs)``.

    Scheduled methods (``is-switch``, ``is-annealed``, ``infobatch``) change
    their sampling with the fraction of the run done;
    :meth:`ImportanceTrainer.fit <is_keras.training.trainer.ImportanceTrainer.fit>` and
    :meth:`ImportanceSamplingModel.fit <is_keras.training.keras_fit.ImportanceSamplingModel.fit>`
    add this callback themselves. ``epochs`` comes from the fit call's ``params``.

    Args:
        generator: the :class:`~is_keras.sampling.generator.ImportanceBatchGenerator`.

    Example:
        >>> class Generator:
        ...     def set_progress(self, fraction):
        ...         print(fraction)
        >>> callback = SamplingProgress(Generator())
        >>> callback.set_params({"epochs": 4})
        >>> callback.on_epoch_begin(1)
        0.25
    """

    def __init__(self, generator):
        super().__init__()
        self.generator = generator

    def on_epoch_begin(self, epoch, logs=None):
        epochs = (self.params or {}).get("epochs") or 0
        hook = getattr(self.generator, "set_progress", None)
        if hook is not None and epochs:
            hook(epoch / epochs)
