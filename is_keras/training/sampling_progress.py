"""A Keras callback that tells the generator how far training has got (for scheduled sampling methods)."""

from __future__ import annotations

import keras
import numpy as np


class SamplingProgress(keras.callbacks.Callback):
    """At every epoch start, calls ``generator.set_progress(epoch / epochs)`` (and the in-graph sampler's).

    For the scheduled methods (``is-switch``, ``is-annealed``, ``infobatch``); both ``fit`` methods add it themselves.

    Args:
        generator: the :class:`~is_keras.sampling.generator.ImportanceBatchGenerator` (or ``None``).
        in_graph_sampler: an in-graph sampler to tell as well (default: the model's ``in_graph_sampler``, if any).
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

    def _in_graph_sampler(self):
        sampler = self.in_graph_sampler
        return sampler if sampler is not None else getattr(getattr(self, "_model", None), "in_graph_sampler", None)

    def _take_sampling_active(self):
        """The share of draws with selection on since the last call (adaptive methods), else None."""
        sampler = self._in_graph_sampler()
        if sampler is not None and hasattr(sampler, "draw_counts"):
            share = sampler.take_active_share()
            return 0.0 if share != share else share  # nan: no draw after the first pass
        take = getattr(self.generator, "take_sampling_active", None)
        return take() if take is not None else None

    def on_train_begin(self, logs=None):
        self._take_sampling_active()  # count this run's draws only

    def on_epoch_end(self, epoch, logs=None):
        """``logs["sampling_active"]``: the epoch's share of draws with selection on (adaptive methods only)."""
        share = self._take_sampling_active()
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
        sampler = self._in_graph_sampler()
        if sampler is not None and sampler is not self.generator:
            sampler.set_progress(fraction)


def warn_if_still_in_first_pass(table, method: str, *, has_first_pass: bool = True) -> None:
    """A one-line ``UserWarning`` when training ended before every sample had a loss (all batches were uniform).

    Args:
        table, method: the loss table after training (``inf``: not trained yet); the sampling method's name.
        has_first_pass: False for the candidate methods (no first pass: nothing to warn about).
    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_if_still_in_first_pass(np.array([1.0, np.inf]), "is-probabilistic")
        >>> str(caught[0].message)[:60]
        'fit ended inside the uniform first pass (1 of 2 samples not '
    """
    untrained = int(np.sum(~np.isfinite(table)))
    if untrained and has_first_pass and method not in ("nis", "uniform"):
        import warnings

        warnings.warn(f"fit ended inside the uniform first pass ({untrained} of {table.size} samples not yet trained):"
                      f" until every sample has a loss, {method!r} draws uniform batches; train longer to see "
                      "importance sampling", UserWarning, stacklevel=3)
