"""The generator's ``tf.data`` face: with prefetch ``k``, batch ``e`` is drawn after exactly ``e - k`` updates
(:func:`draw_ahead`, called by ``update`` before it writes, draws what falls due: thread timing never matters)."""

from __future__ import annotations


def draw_ahead(generator) -> None:
    """Before an update lands, draw the dataset stream's batches due from the table as it is now.

    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 1)), np.zeros(8, "int64"), batch_size=4)
        >>> stream = stream_batches(gen, prefetch=1)
        >>> first = next(stream)       # drawn after 0 updates
        >>> draw_ahead(gen)            # before update 0 lands: batch 1 is due (1 - prefetch = 0 updates)
        >>> len(gen._ahead)
        1
    """
    if generator._stream is None:
        return
    _, base, prefetch, handed = generator._stream
    ahead = generator._ahead
    # (at most prefetch + 1 ahead: more means the stream is no longer being read)
    while handed + len(ahead) <= generator.num_updates - base + prefetch and len(ahead) <= prefetch:
        ahead.append(generator.next_batch())


def stream_batches(generator, prefetch: int):
    """The ``(indices, weights)`` batches of one dataset iterator; a newer iterator ends the older one.

    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 1)), np.zeros(8, "int64"), batch_size=4)
        >>> indices, weights = next(stream_batches(gen, prefetch=0))
        >>> indices.shape, weights.tolist()
        ((4,), [1.0, 1.0, 1.0, 1.0])
    """
    with generator._lock:
        me = object()
        generator._stream = (me, generator.num_updates, prefetch, 0)
        generator._in_flight.clear()  # an older iterator's batches: the first pass re-issues any never trained
    try:
        while True:
            with generator._lock:
                if generator._stream is None or generator._stream[0] is not me:
                    return
                batch = generator._ahead.popleft() if generator._ahead else generator.next_batch()
                generator._stream = generator._stream[:3] + (generator._stream[3] + 1,)
                generator._in_flight.append(batch)
            yield batch
    finally:  # the iterator was closed or deleted: stop drawing ahead for it
        with generator._lock:
            if generator._stream is not None and generator._stream[0] is me:
                generator._stream = None


def generator_dataset(generator, prefetch: int):
    """The endless ``tf.data.Dataset`` of :meth:`ImportanceBatchGenerator.as_dataset`.

    Raises: ValueError: ``prefetch < 0``.
    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 1), "float32"), np.zeros(8, "int64"), batch_size=4)
        >>> generator_dataset(gen, 0).element_spec[2].shape.as_list()
        [4]
    """
    import tensorflow as tf

    prefetch = int(prefetch)
    if prefetch < 0:
        raise ValueError(f"prefetch must be >= 0, got {prefetch}")
    batch = getattr(generator, "candidates_per_step", generator.batch_size)  # C candidates for candidate methods
    x_shape, y_shape = (batch,) + tuple(generator.x.shape[1:]), (batch,) + tuple(generator.y.shape[1:])
    x_dtype, y_dtype = tf.as_dtype(generator.x.dtype), tf.as_dtype(generator.y.dtype)

    def load(indices, weights):
        x_batch, y_batch = tf.numpy_function(generator.gather, [indices], [x_dtype, y_dtype])
        x_batch.set_shape(x_shape)
        y_batch.set_shape(y_shape)
        return (x_batch, y_batch, indices, weights) if generator.weighted else (x_batch, y_batch, indices)

    signature = (tf.TensorSpec(shape=(batch,), dtype=tf.int64), tf.TensorSpec(shape=(batch,), dtype=tf.float32))
    ds = tf.data.Dataset.from_generator(lambda: stream_batches(generator, prefetch), output_signature=signature)
    ds = ds.map(load)
    if prefetch:
        ds = ds.prefetch(prefetch)
    # tf.data would otherwise inject prefetching of its own and draw batches further ahead
    options = tf.data.Options()
    options.experimental_optimization.inject_prefetch = False
    options.autotune.enabled = False
    return ds.with_options(options)
