"""Saving and restoring an :class:`~is_keras.sampling.in_graph_sampler.InGraphSampler`'s state (to resume a run)."""

from __future__ import annotations

import numpy as np

#: the format of the state dict
STATE_VERSION = 1
#: the sampler's integer counters (tf.Variables of the same names)
COUNTERS = ("step", "first_pass_cursor", "num_unvisited", "epoch", "epoch_cursor", "num_invalid_losses")


def in_graph_state(sampler) -> dict:
    """Everything needed to resume: table, RNG counter and seed, first-pass and epoch positions, progress
    (and for the importance draws the kept weights, their scale and exponent: a rebuild from the table
    could differ from them in the last bit, and so change a draw).

    Args:
        sampler: an ``InGraphSampler``.

    Returns:
        A dict of numpy values (picklable).

    Example:
        >>> from is_keras.sampling.in_graph_sampler import InGraphSampler
        >>> in_graph_state(InGraphSampler(4, batch_size=2, method="nis"))["num_samples"]
        4
    """
    state = {name: np.int64(getattr(sampler, name).numpy()) for name in COUNTERS}
    state.update(
        version=STATE_VERSION,
        num_samples=sampler.num_samples,
        batch_size=sampler.batch_size,
        seed=np.int64(sampler.seed.numpy()),
        sampler_config=sampler.sampler_config.to_dict(),
        table=sampler.table.numpy().copy(),
        progress=np.float64(sampler.progress.numpy()),
    )
    if sampler.keeps_weights:
        state.update(weights=sampler.kept_weights.weights.numpy()[: sampler.num_samples].copy(),
                     weight_scale=np.float32(sampler.weight_scale.numpy()),
                     weights_exponent=np.float32(sampler.weights_exponent.numpy()))
    return state


def set_in_graph_state(sampler, state: dict) -> None:
    """Restore :func:`in_graph_state`'s dict into ``sampler``; every check runs before anything changes.

    A state without kept weights (saved before they existed) has them rebuilt from the table.

    Args:
        sampler: the ``InGraphSampler`` to restore into.
        state: the dict.

    Raises:
        ValueError: for a missing key, another dataset size, batch size or sampler configuration,
            or a table (or kept weights) with NaN or negative entries.

    Example:
        >>> from is_keras.sampling.in_graph_sampler import InGraphSampler
        >>> sampler = InGraphSampler(4, batch_size=2, method="nis")
        >>> set_in_graph_state(InGraphSampler(5, batch_size=2, method="nis"), in_graph_state(sampler))
        Traceback (most recent call last):
        ...
        ValueError: state of N=4, B=2 does not fit this sampler (N=5, B=2)
    """
    required = ("version", "num_samples", "batch_size", "seed", "sampler_config", "table") + COUNTERS
    missing = [key for key in required if key not in state]
    if missing:
        raise ValueError(f"not an InGraphSampler state: missing {', '.join(missing)}")
    if int(state["version"]) != STATE_VERSION:
        raise ValueError(f"state version {state['version']} is not {STATE_VERSION}")
    if int(state["num_samples"]) != sampler.num_samples or int(state["batch_size"]) != sampler.batch_size:
        raise ValueError(
            f"state of N={state['num_samples']}, B={state['batch_size']} does not fit this sampler "
            f"(N={sampler.num_samples}, B={sampler.batch_size})"
        )
    if dict(state["sampler_config"]) != sampler.sampler_config.to_dict():
        raise ValueError(f"state was saved with sampler {state['sampler_config']}, this sampler is "
                         f"{sampler.sampler_config.to_dict()}")
    table = np.asarray(state["table"], dtype=np.float32)
    if table.shape != (sampler.num_samples,) or np.isnan(table).any() or (table < 0).any():
        raise ValueError("the state's loss table has the wrong shape or NaN / negative entries")
    kept = None
    if sampler.keeps_weights and "weights" in state:
        kept = np.asarray(state["weights"], dtype=np.float32)
        scale = float(state.get("weight_scale", np.nan))
        if kept.shape != (sampler.num_samples,) or not np.isfinite(kept).all() or (kept < 0).any() or not (
                scale >= 0 and np.isfinite(scale)):
            raise ValueError("the state's kept weights have the wrong shape or non-finite / negative entries")
    sampler.table.assign(table)
    sampler.seed.assign(int(state["seed"]))
    for name in COUNTERS:
        getattr(sampler, name).assign(int(state[name]))
    sampler.progress.assign(float(state.get("progress", 0.0)))  # absent from states saved before it existed
    if kept is None:
        sampler.rebuild_kept_weights()
    else:
        sampler.kept_weights.assign(kept)  # the block sums: the same tree of additions, the same floats
        sampler.weight_scale.assign(float(state["weight_scale"]))
        sampler.weights_exponent.assign(float(state.get("weights_exponent", np.nan)))
