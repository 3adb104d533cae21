"""A keyed pseudo-random permutation of ``range(n)``, element by element, in TensorFlow ops (XLA-compilable): a
Feistel network on digit pairs in base ``a = ceil(sqrt(n))`` with cycle walking, O(1) a position."""

from __future__ import annotations

import tensorflow as tf

_MASK32 = 0xFFFFFFFF
_MULTIPLIER = 0x45D9F3B  # from the "hash prospector" 32-bit integer hash; < 2**27, so products stay < 2**59
_ROUNDS = 6
_MIN_BASE = 16  # domains of at least 256 values, so tiny n still get a well-mixed permutation
_ROUND_CONSTANTS = tuple(((r + 1) * 0x9E3779B9) & _MASK32 for r in range(_ROUNDS))


def _mix32(x: tf.Tensor) -> tf.Tensor:
    # hash32 on uint32 values: products wrap modulo 2**32 unmasked, half the ops (and XLA compile time) of int64
    multiplier, shift = tf.constant(_MULTIPLIER, tf.uint32), tf.constant(16, tf.uint32)
    for _ in range(2):
        x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, shift)) * multiplier
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, shift))


def _low32(x: tf.Tensor) -> tf.Tensor:
    # the low 32 bits of int64 values, as uint32 (a negative value taken modulo 2**64)
    return tf.cast(tf.cast(x, tf.int64), tf.uint32)


def hash32(x: tf.Tensor) -> tf.Tensor:
    """Mix int64 values in ``[0, 2**32)`` into int64 values in ``[0, 2**32)``.

    Example:
        >>> h = hash32(tf.constant([0, 1, 2], tf.int64)).numpy()
        >>> bool(h.min() >= 0 and h.max() < 2**32 and len(set(h.tolist())) == 3)
        True
    """
    return tf.cast(_mix32(_low32(x)), tf.int64)


def derive_key(seed, stream, counter) -> tf.Tensor:
    """A 32-bit key (int64) for one ``(seed, stream, counter)`` (a chain of hashes); ``counter`` may be a vector.

    Example:
        >>> a = derive_key(tf.constant(0, tf.int64), 1, tf.constant([0, 1], tf.int64)).numpy()
        >>> bool(a[0] != a[1])
        True
    """
    seed, stream, counter = (tf.cast(value, tf.int64) for value in (seed, stream, counter))
    seed_high, counter_high = (_low32(tf.bitwise.right_shift(x, 32)) for x in (seed, counter))
    key = _mix32(_low32(seed))
    for part in (seed_high, _low32(stream), _low32(counter), counter_high):
        key = _mix32(tf.bitwise.bitwise_xor(key, part))
    return tf.cast(key, tf.int64)


def random_bits(key, count: int) -> tf.Tensor:
    """``count`` int64 values uniform on ``[0, 2**32)`` from a scalar key (a hash of key and lane).

    Example:
        >>> bits = random_bits(derive_key(0, 5, 0), 4).numpy()
        >>> bool(bits.min() >= 0 and bits.max() < 2**32 and len(set(bits.tolist())) == 4)
        True
    """
    lanes = _low32(tf.range(count, dtype=tf.int64))  # uint32: sums and products wrap modulo 2**32
    mixed = _low32(key) + lanes * tf.constant(0x9E3779B9, tf.uint32)
    return tf.cast(_mix32(_mix32(mixed) + tf.constant(0x632BE5AB, tf.uint32)), tf.int64)


def _base(n) -> tf.Tensor:
    # the digit base a: the smallest a >= 16 with a * a >= n (int64): 10 -> 16, 257 -> 17, 10**7 -> 3163
    n = tf.cast(n, tf.int64)
    a = tf.cast(tf.math.ceil(tf.sqrt(tf.cast(n, tf.float64))), tf.int64)  # exact up to +-1
    a = tf.where(a * a < n, a + 1, a)
    a = tf.where((a - 1) * (a - 1) >= n, a - 1, a)
    return tf.maximum(a, _MIN_BASE)


def permute(positions, key, n) -> tf.Tensor:
    """Element ``positions`` of the permutation of ``range(n)`` keyed by ``key``.

    Args:
        positions, key: int tensor of values in ``[0, n)``; int64 key(s) from :func:`derive_key` (broadcastable).
        n: the domain size (>= 1), a Python int or a scalar tensor.
    Returns: int64 tensor shaped like ``positions``; distinct positions give distinct values in ``[0, n)``.
    Example:
        >>> key = derive_key(tf.constant(7, tf.int64), 0, tf.constant(0, tf.int64))
        >>> sorted(permute(tf.range(10, dtype=tf.int64), key, 10).numpy().tolist())
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    positions, n, key = (tf.cast(value, tf.int64) for value in (positions, n, key))
    positions = tf.broadcast_to(positions, tf.broadcast_dynamic_shape(tf.shape(positions), tf.shape(key)))
    digits = _base(n)
    # all round keys in one hash: shape key.shape + [rounds]
    round_keys = _mix32(tf.bitwise.bitwise_xor(_low32(tf.expand_dims(key, -1)),
                                               tf.constant(_ROUND_CONSTANTS, tf.uint32)))
    round_keys = tf.unstack(round_keys, _ROUNDS, axis=-1)

    def once(x):  # the Feistel network, unrolled: one fused kernel (a loop compiles no faster, runs slower)
        left, right = x // digits, x % digits
        for round_key in round_keys:
            mixed = tf.cast(_mix32(tf.bitwise.bitwise_xor(_low32(right), round_key)), tf.int64) % digits
            left, right = right, (left + mixed) % digits
        return left * digits + right

    def walk(y, first):  # the first pass applies the network to every element, later ones only where y >= n
        return tf.where(tf.logical_or(first, y >= n), once(y), y), tf.constant(False)

    def unfinished(y, first):
        return tf.logical_or(first, tf.reduce_any(y >= n))

    result, _ = tf.while_loop(unfinished, walk, (positions, tf.constant(True)))
    return result
