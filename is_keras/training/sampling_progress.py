"""A Keras callback that tells the generator how far training has got (for scheduled sampling methods)."""

from __future__ import annotations

import keras


class SamplingProgress(keras.callbacks.Callback):
    """At every epoch start, calls ``generator.set_progress(epoch / epochs)`` (and the in-graph sampler's).

    Scheduled methods (``is-switch``, ``is-annealed``, ``infobatch``) change
    their sampling with the fraction of the run done;
    :meth:`ImportanceTrainer.fit <is_keras.training.trainer.ImportanceTrainer.fit>` and
    :meth:`ImportanceSamplingModel.fit <is_keras.training.keras_fit.ImportanceSamplingModel.fit>`
    add this callback themselves. ``epochs`` comes from the fit call's ``params``.
    The same fraction goes to an in-graph sampler
    (:class:`~is_keras.sampling.in_graph_sampler.InGraphSampler`, whose
    ``progress`` variable the compiled step reads): ``in_graph_sampler`` if given,
    else the model's ``in_graph_sampler`` attribute (``ImportanceSamplingModel``
    with ``backend="in-graph"``) when it has one.

    Args:
        generator: the :class:`~is_keras.sampling.generator.ImportanceBatchGenerator` (or ``None``).
        in_graph_sampler: an in-graph sampler to tell as well (optional).

    Example:
        >>> class Generator:
        ...     def set_progress(self, fraction):
        ...         print(fraction)
        >>> callback = SamplingProgress(Generator())
        >>> callback.set_params({"epochs": 4})
        >>> callback.on_epoch_begin(1)
        0.25
    """

    def __init__(self, generator, in_graph_sampler=None):
        super().__init__()
        self.generator = generator
        self.in_graph_sampler = in_graph_sampler

    def on_train_begin(self, logs=None):
        take = getattr(self.generator, "take_sampling_active", None)
        if take is not None:
            take()  # count this run's draws only

    def on_epoch_end(self, epoch, logs=None):
        """``logs["sampling_active"]``: the epoch's share of draws with selection on (adaptive methods only)."""
        take = getattr(self.generator, "take_sampling_active", None)
        share = take() if take is not None else None
        if share is not None and logs is not None:
            logs["sampling_active"] = share

    def on_epoch_begin(self, epoch, logs=None):
        epochs = (self.params or {}).get("epochs") or 0
        if not epochs:
            return
        fraction = epoch / epochs
        hook = getattr(self.generator, "set_progress", None)
        if hook is not None:
            hook(fraction)
        sampler = self.in_graph_sampler
        if sampler is None:
            sampler = getattr(getattr(self, "_model", None), "in_graph_sampler", None)
        if sampler is not None and sampler is not self.generator:
            sampler.set_progress(fraction)
