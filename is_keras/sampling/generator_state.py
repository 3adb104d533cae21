"""Saving and restoring an :class:`~is_keras.sampling.generator.ImportanceBatchGenerator` mid-run."""

from __future__ import annotations

import collections

import numpy as np

from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.first_pass import FirstPass

#: Format version of the state dict.
STATE_VERSION = 1


def generator_state(generator) -> dict:
    """A dict (numpy arrays and plain values, all copies) from which the run continues bit-identically.

    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((10, 1)), np.zeros(10, int), batch_size=4)
        >>> generator_state(gen)["sampler_config"]["method"]
        'is-probabilistic'
    """
    return {
        "version": STATE_VERSION,
        "num_samples": int(generator.num_samples),
        "batch_size": int(generator.batch_size),
        "sampler_config": generator.sampler_config.to_dict(),
        "table": generator._table.copy(),
        "sampler": generator._sampler.get_state(),
        "rng": generator._rng.bit_generator.state,
        "first_pass": generator._first_pass.get_state(),
        # batches a dataset iterator took but did not train yet come first: a new iterator re-issues them
        "ahead": [(idx.copy(), w.copy()) for idx, w in list(generator._in_flight) + list(generator._ahead)],
        "num_updates": int(generator.num_updates),
        "num_draws": int(generator.num_draws),
    }


def restore_generator_state(generator, state: dict) -> None:
    """Make ``generator`` continue from ``state``; everything is checked before anything changes.

    Raises: ValueError: not a dict of this format, another N, batch size or method, or corrupt.
    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((10, 1)), np.zeros(10, int), batch_size=4)
        >>> restore_generator_state(gen, {"version": 1})
        Traceback (most recent call last):
        ...
        ValueError: corrupt generator state: missing 'num_samples'
    """
    if not isinstance(state, dict):
        raise ValueError(f"a generator state must be a dict, got {type(state).__name__}")
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported generator state version {state.get('version')!r}; expected {STATE_VERSION}")
    for key in ("num_samples", "batch_size", "sampler_config", "table", "sampler", "rng", "first_pass",
                "ahead", "num_updates", "num_draws"):
        if key not in state:
            raise ValueError(f"corrupt generator state: missing {key!r}")
    n = generator.num_samples
    if state["num_samples"] != n:
        raise ValueError(f"the state was saved for {state['num_samples']} samples; this generator has {n}")
    if state["batch_size"] != generator.batch_size:
        raise ValueError(f"the state was saved with batch_size {state['batch_size']}; "
                         f"this generator has {generator.batch_size}")
    config = SamplerConfig.from_dict(state["sampler_config"])
    if config.method != generator.method:
        raise ValueError(f"the state was saved for method {config.method!r}; this generator uses {generator.method!r}")
    table = np.array(state["table"], dtype=np.float64)
    if table.shape != (n,) or np.any(np.isnan(table)) or np.any(table < 0):
        raise ValueError(f"corrupt generator state: the loss table must be ({n},) losses >= 0 or inf")
    sampler = config.build_sampler()
    sampler.bind(table)  # the restored table becomes the generator's own (no copy into the old one)
    sampler.set_state(state["sampler"])
    rng = np.random.default_rng()
    try:
        rng.bit_generator.state = state["rng"]
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(f"corrupt generator state: bad random-generator state ({error})") from None
    first_pass = FirstPass.from_state(state["first_pass"], n)
    ahead = collections.deque()
    per_draw = getattr(generator, "candidates_per_step", generator.batch_size)  # C for candidate methods
    for item in state["ahead"]:
        idx, weights = (np.asarray(a) for a in item)
        if idx.shape != (per_draw,) or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= n \
                or weights.shape != idx.shape:
            raise ValueError("corrupt generator state: a batch drawn ahead does not fit this generator")
        ahead.append((idx.astype(np.int64), weights.astype(np.float32)))
    num_updates, num_draws = int(state["num_updates"]), int(state["num_draws"])
    if num_updates < 0 or num_draws < 0:
        raise ValueError("corrupt generator state: negative counters")
    # everything checked: now change the generator
    generator._table, generator._sampler, generator._config, generator._rng = table, sampler, config, rng
    generator._first_pass, generator._ahead, generator._in_flight = first_pass, ahead, collections.deque()
    generator._stream, generator.num_updates, generator.num_draws = None, num_updates, num_draws
