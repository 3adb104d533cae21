"""The ``fit`` wrapper's sampling state beside its weights: ``<weights path>.generator.pkl``.

``ImportanceSamplingModel.save_weights`` / ``load_weights`` (and so
``keras.callbacks.BackupAndRestore``) call these, so that a resumed run continues
the generator's table, sampler and random stream, the in-graph sampler's state
and the counters exactly where the saved one stopped.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from is_keras.training.run_backup import generator_state, set_generator_state

#: appended to the weights' path
SIDECAR_SUFFIX = ".generator.pkl"


def save_sampling_state(wrapped, filepath) -> Path:
    """Write the wrapper's counters, generator state and in-graph state to ``<filepath>.generator.pkl``.

    Args:
        wrapped: the :class:`~is_keras.training.keras_fit.ImportanceSamplingModel`.
        filepath: the weights' path.

    Returns:
        The path written.
    """
    state = {
        "samples_seen": int(wrapped.samples_seen.numpy()),
        "skipped_steps": int(wrapped.skipped_steps.numpy()),
        "training_seconds": wrapped.training_seconds,
        "generator": None if wrapped.generator is None else generator_state(wrapped.generator),
        "in_graph": None if wrapped.in_graph_sampler is None else wrapped.in_graph_sampler.get_state(),
        "candidate_table": None if wrapped.candidate_table is None else wrapped.candidate_table.numpy(),
    }
    path = Path(str(filepath) + SIDECAR_SUFFIX)
    with open(path, "wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_sampling_state(wrapped, filepath) -> bool:
    """Restore what :func:`save_sampling_state` wrote for ``filepath``, if the file exists.

    Args:
        wrapped: the ``ImportanceSamplingModel`` to restore into.
        filepath: the weights' path.

    Returns:
        Whether a state file was found and restored.

    Raises:
        ValueError: the state file is corrupt or belongs to another dataset or method (named in the message).
    """
    sidecar = Path(str(filepath) + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return False
    try:
        with open(sidecar, "rb") as f:
            state = pickle.load(f)
    except Exception as err:  # noqa: BLE001 - any unpickling failure means a corrupt file
        raise ValueError(f"the generator state {sidecar} is corrupt or unreadable: {err}") from err
    table = wrapped.candidate_table
    saved_table = state.get("candidate_table")
    if table is not None and saved_table is not None:  # checked before anything changes
        saved_table = np.asarray(saved_table, np.float32)
        if saved_table.shape != tuple(table.shape):
            raise ValueError(f"the loss table in {sidecar} has shape {saved_table.shape}, "
                             f"this run's {tuple(table.shape)}")
    if wrapped.generator is not None and state["generator"] is not None:
        set_generator_state(wrapped.generator, state["generator"])
    if wrapped.in_graph_sampler is not None and state["in_graph"] is not None:
        wrapped.in_graph_sampler.set_state(state["in_graph"])
    if table is not None and saved_table is not None:
        table.assign(saved_table)
    wrapped.samples_seen.assign(state["samples_seen"])
    wrapped.skipped_steps.assign(state.get("skipped_steps", 0))
    wrapped.training_seconds = state["training_seconds"]
    return True
