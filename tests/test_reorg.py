"""darknet_reorg against a literal numpy port of darknet's reorg_cpu."""

import numpy as np
import pytest
import tensorflow as tf

from is_keras.models.layers.darknet_reorg import darknet_reorg


def reorg_cpu(x, w, h, c, batch, stride, forward):
    """Line-by-line port of darknet's src/blas.c reorg_cpu (flat CHW arrays)."""
    out = np.zeros_like(x)
    out_c = c // (stride * stride)
    for b in range(batch):
        for k in range(c):
            for j in range(h):
                for i in range(w):
                    in_index = i + w * (j + h * (k + c * b))
                    c2 = k % out_c
                    offset = k // out_c
                    w2 = i * stride + offset % stride
                    h2 = j * stride + offset // stride
                    out_index = w2 + w * stride * (h2 + h * stride * (c2 + out_c * b))
                    if forward:
                        out[out_index] = x[in_index]
                    else:
                        out[in_index] = x[out_index]
    return out


def darknet_reorg_layer_reference(x_nhwc, stride):
    """What darknet's [reorg] layer computes (forward_reorg_layer calls reorg_cpu with forward=0)."""
    batch, h, w, c = x_nhwc.shape
    flat = x_nhwc.transpose(0, 3, 1, 2).ravel()  # darknet memory: CHW per image
    out = reorg_cpu(flat, w, h, c, batch, stride, 0)
    out = out.reshape(batch, c * stride * stride, h // stride, w // stride)  # read as (c·s², h/s, w/s)
    return out.transpose(0, 2, 3, 1)


@pytest.mark.parametrize("shape", [(1, 4, 4, 8), (2, 4, 4, 8), (2, 6, 4, 12), (1, 2, 2, 4)])
def test_matches_darknet_reorg_cpu(shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    expected = darknet_reorg_layer_reference(x, 2)
    got = darknet_reorg(tf.constant(x), stride=2).numpy()
    assert got.shape == (shape[0], shape[1] // 2, shape[2] // 2, shape[3] * 4)
    np.testing.assert_array_equal(got, expected)


def test_stride_3_matches_too():
    x = np.random.default_rng(1).standard_normal((1, 6, 6, 9)).astype(np.float32)
    np.testing.assert_array_equal(darknet_reorg(x, stride=3).numpy(), darknet_reorg_layer_reference(x, 3))


def test_is_not_space_to_depth():
    x = np.random.default_rng(2).standard_normal((2, 4, 4, 8)).astype(np.float32)
    ours = darknet_reorg(x, 2).numpy()
    s2d = tf.nn.space_to_depth(x, 2).numpy()
    assert ours.shape == s2d.shape
    assert not np.allclose(ours, s2d)
    # same values, different placement: it is a permutation of the input
    np.testing.assert_array_equal(np.sort(ours.ravel()), np.sort(x.ravel()))


def test_in_graph_with_unknown_batch_and_gradient():
    fn = tf.function(lambda t: darknet_reorg(t, 2), input_signature=[tf.TensorSpec((None, 4, 4, 8))])
    x = np.random.default_rng(3).standard_normal((3, 4, 4, 8)).astype(np.float32)
    np.testing.assert_array_equal(fn(x).numpy(), darknet_reorg_layer_reference(x, 2))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.reduce_sum(darknet_reorg(xt, 2) * tf.reshape(tf.range(128, dtype=tf.float32), (2, 2, 32)))
    grad = tape.gradient(y, xt).numpy()
    # the gradient of a permutation is the permuted weights: every weight 0..127 appears once per image
    np.testing.assert_array_equal(np.sort(grad[0].ravel()), np.arange(128, dtype=np.float32))


@pytest.mark.parametrize("shape,stride", [((1, 5, 4, 8), 2), ((1, 4, 4, 6), 2), ((4, 4, 8), 2), ((1, 4, 4, 8), 0)])
def test_bad_shapes_raise(shape, stride):
    with pytest.raises(ValueError):
        darknet_reorg(np.zeros(shape, np.float32), stride)
