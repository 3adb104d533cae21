"""The ``fit`` wrapper's sampling state beside its weights (``<weights path>.generator.pkl``), so a resumed run
(``save_weights`` / ``load_weights``, ``BackupAndRestore``) continues exactly where the saved one stopped.
"""

from __future__ import annotations

from pathlib import Path

from is_keras.training.run_backup import read_pickle, write_pickle

#: appended to the weights' path
SIDECAR_SUFFIX = ".generator.pkl"


def save_sampling_state(wrapped, filepath) -> Path:
    """Write the wrapper's counters, generator state and in-graph state to ``<filepath>.generator.pkl``.

    Args:
        wrapped, filepath: the :class:`~is_keras.training.keras_fit.ImportanceSamplingModel`; the weights' path.
    Returns: The path written.
    """
    state = {
        "samples_seen": int(wrapped.samples_seen.numpy()), "skipped_steps": int(wrapped.skipped_steps.numpy()),
        "training_seconds": wrapped.training_seconds,
        "generator": None if wrapped.generator is None else {"get_state": wrapped.generator.get_state()},
        "in_graph": None if wrapped.in_graph_sampler is None else wrapped.in_graph_sampler.get_state(),
    }
    path = Path(str(filepath) + SIDECAR_SUFFIX)
    write_pickle(path, state)
    return path


def load_sampling_state(wrapped, filepath) -> bool:
    """Restore what :func:`save_sampling_state` wrote for ``filepath``, if the file exists.

    Args:
        wrapped, filepath: the ``ImportanceSamplingModel`` to restore into; the weights' path.
    Returns: Whether a state file was found and restored.
    Raises: ValueError: the state file is corrupt or belongs to another dataset or method (named in the message).
    """
    sidecar = Path(str(filepath) + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return False
    state = read_pickle(sidecar, "the generator state")
    if wrapped.generator is not None and state["generator"] is not None:
        wrapped.generator.set_state(state["generator"]["get_state"])
    if wrapped.in_graph_sampler is not None and state["in_graph"] is not None:
        wrapped.in_graph_sampler.set_state(state["in_graph"])
    wrapped.samples_seen.assign(state["samples_seen"])
    wrapped.skipped_steps.assign(state.get("skipped_steps", 0))
    wrapped.training_seconds = state["training_seconds"]
    return True
