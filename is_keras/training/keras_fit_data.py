"""Where the ``fit`` wrapper's batches come from: device-held data, index streams, the in-graph sampler."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: In-memory training sets up to this size are copied to the device once, and the compiled step gathers each
#: batch there; only indices cross per step (the trainer and the fit wrapper).
DEVICE_DATA_LIMIT_BYTES = 2 * 1024**3


def fits_on_device(generator) -> bool:
    """Whether the generator's ``x`` is a numpy array (not a memmap) and ``x`` and ``y`` together are under
    :data:`DEVICE_DATA_LIMIT_BYTES`.

    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> fits_on_device(ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4))
        True
    """
    x = generator.x
    if not isinstance(x, np.ndarray) or isinstance(x, np.memmap):
        return False
    return x.nbytes + np.asarray(generator.y).nbytes < DEVICE_DATA_LIMIT_BYTES


def index_dataset(generator, prefetch: int) -> tf.data.Dataset:
    """The generator's batches as ``{"indices"[, "weights"]}`` (no rows; the same stream as ``as_dataset``).

    Args:
        generator, prefetch: the generator (C indices per batch for a candidate method); batches drawn ahead.
    Returns: A ``tf.data.Dataset`` of dicts.
    Raises: ValueError: ``prefetch`` is negative.
    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4, seed=0)
        >>> sorted(next(iter(index_dataset(gen, 0))))
        ['indices']
    """
    from is_keras.sampling.batch_stream import stream_batches

    prefetch = int(prefetch)
    if prefetch < 0:
        raise ValueError(f"prefetch must be >= 0, got {prefetch}")
    batch = getattr(generator, "candidates_per_step", generator.batch_size)  # C for a candidate method
    signature = (tf.TensorSpec(shape=(batch,), dtype=tf.int64), tf.TensorSpec(shape=(batch,), dtype=tf.float32))
    ds = tf.data.Dataset.from_generator(lambda: stream_batches(generator, prefetch), output_signature=signature)
    weighted = generator.weighted
    ds = ds.map(lambda indices, weights: {"indices": indices, "weights": weights} if weighted else {"indices": indices})
    if prefetch:
        ds = ds.prefetch(prefetch)
    options = tf.data.Options()  # no prefetching beyond `prefetch` (see generator.as_dataset)
    options.experimental_optimization.inject_prefetch = False
    options.autotune.enabled = False
    return ds.with_options(options)


def make_in_graph_sampler(generator):
    """The :class:`~is_keras.sampling.in_graph_sampler.InGraphSampler` that draws the ``fit`` wrapper's batches
    (for a candidate method the C candidates, uniformly as nis), with the generator's size, configuration and seed.

    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4, seed=0)
        >>> int(make_in_graph_sampler(gen).next_batch()[0].shape[0])
        4
    """
    from is_keras.sampling.in_graph_sampler import InGraphSampler

    candidates = getattr(generator, "selects_candidates", False)  # its kernel draws the C candidates as nis
    return InGraphSampler(generator.num_samples, sampler_config=generator.sampler_config,
                          batch_size=generator.candidates_per_step if candidates else generator.batch_size,
                          seed=seed_of(generator) if candidates else generator.seed)


def seed_of(generator) -> int:
    """The generator's seed, or a fresh random one when it has none.

    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> seed_of(ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4, seed=3))
        3
    """
    return int(generator.seed) if generator.seed is not None else int(np.random.default_rng().integers(2**31))
