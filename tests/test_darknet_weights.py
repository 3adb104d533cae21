"""darknet .weights reading and writing."""

import keras
import numpy as np
import pytest

from is_keras.models.darknet19 import darknet19
from is_keras.models.darknet_weights import (
    darknet_conv_layers,
    load_darknet_weights,
    read_darknet_header,
    save_darknet_weights,
)
from is_keras.models.yolov2 import yolov2


def small_model(seed):
    keras.utils.set_random_seed(seed)
    model = yolov2((64, 64, 3), num_classes=3, num_anchors=2, width=0.125)
    rng = np.random.default_rng(seed)
    for layer in model.layers:  # non-trivial BN statistics so they matter in inference
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.normal(0, 0.1, n),
                               rng.normal(0, 0.1, n), rng.uniform(0.5, 2.0, n)])
    return model


def n_floats(model):
    return sum(int(np.prod(w.shape)) for w in model.weights)


@pytest.mark.parametrize("major,minor,header", [(0, 2, 20), (0, 1, 16), (1, 0, 20), (1000, 0, 16)])
def test_round_trip_gives_identical_outputs(tmp_path, major, minor, header):
    src, dst = small_model(0), small_model(1)
    x = np.random.default_rng(2).random((2, 64, 64, 3)).astype(np.float32)
    assert not np.allclose(src(x, training=False), dst(x, training=False))
    path = save_darknet_weights(src, tmp_path / "m.weights", major=major, minor=minor, revision=5, seen=12345)
    assert path.stat().st_size == header + 4 * n_floats(src)
    info, size = read_darknet_header(path.read_bytes())
    assert (info["major"], info["minor"], info["revision"], info["seen"], size) == (major, minor, 5, 12345, header)
    assert load_darknet_weights(dst, path) == 23
    np.testing.assert_array_equal(src(x, training=False).numpy(), dst(x, training=False).numpy())


def test_element_placement_from_a_handwritten_file(tmp_path):
    """Floats laid out by hand in darknet order: biases, scales, mean, var, weights (out, in, h, w)."""
    model = small_model(0)
    layers = darknet_conv_layers(model)
    parts, expected = [], []
    counter = 0
    for conv, bn in layers:
        kh, kw, cin, cout = conv.kernel.shape
        n_bn = 4 if bn is not None else 1
        block = np.arange(counter, counter + cout * n_bn + kh * kw * cin * cout, dtype=np.float32)
        counter += block.size
        parts.append(block)
        expected.append((conv, bn, block, (kh, kw, cin, cout)))
    path = tmp_path / "hand.weights"
    path.write_bytes(np.array([0, 2, 0], "<i4").tobytes() + np.array([7], "<u8").tobytes()
                     + np.concatenate(parts).astype("<f4").tobytes())
    load_darknet_weights(model, path)
    for conv, bn, block, (kh, kw, cin, cout) in expected:
        if bn is None:
            np.testing.assert_array_equal(conv.bias.numpy(), block[:cout])
            w = block[cout:]
        else:
            np.testing.assert_array_equal(bn.beta.numpy(), block[:cout])            # biases
            np.testing.assert_array_equal(bn.gamma.numpy(), block[cout:2 * cout])   # scales
            np.testing.assert_array_equal(bn.moving_mean.numpy(), block[2 * cout:3 * cout])
            np.testing.assert_array_equal(bn.moving_variance.numpy(), block[3 * cout:4 * cout])
            w = block[4 * cout:]
        kernel = conv.kernel.numpy()
        o, i, y, x = cout - 1, cin - 1, kh - 1, 0
        # darknet index of weight (out=o, in=i, h=y, w=x)
        assert kernel[y, x, i, o] == w[((o * cin + i) * kh + y) * kw + x]
        np.testing.assert_array_equal(kernel, w.reshape(cout, cin, kh, kw).transpose(2, 3, 1, 0))


def test_official_yolov2_file_size_loads(tmp_path):
    model = yolov2((416, 416, 3), num_classes=80, num_anchors=5)
    path = tmp_path / "yolov2.weights"
    floats = np.random.default_rng(0).standard_normal(50_983_561, dtype=np.float32)
    with path.open("wb") as f:
        f.write(np.array([0, 1, 0, 32013312], "<i4").tobytes())  # old 16-byte header (int32 seen)
        f.write(floats.astype("<f4").tobytes())
    try:
        assert path.stat().st_size == 203_934_260
        assert load_darknet_weights(model, path) == 23
        np.testing.assert_array_equal(model.get_layer("bn_0").beta.numpy(), floats[:32])
        final = model.get_layer("conv_22")
        np.testing.assert_array_equal(final.kernel.numpy().transpose(3, 2, 0, 1).ravel(), floats[-1024 * 425:])
        np.testing.assert_array_equal(final.bias.numpy(), floats[-1024 * 425 - 425:-1024 * 425])
    finally:
        path.unlink()


def test_truncated_overlong_and_corrupt_files_are_refused(tmp_path):
    src = small_model(0)
    path = save_darknet_weights(src, tmp_path / "m.weights")
    data = path.read_bytes()
    total = n_floats(src)
    dst = small_model(1)
    before = [w.numpy().copy() for w in dst.weights]

    (tmp_path / "short.weights").write_bytes(data[:-40])
    with pytest.raises(ValueError, match=rf"{total - 10:,} floats.*needs {total:,}"):
        load_darknet_weights(dst, tmp_path / "short.weights")
    (tmp_path / "long.weights").write_bytes(data + np.zeros(3, "<f4").tobytes())
    with pytest.raises(ValueError, match=rf"{total + 3:,} floats.*more floats"):
        load_darknet_weights(dst, tmp_path / "long.weights")
    (tmp_path / "odd.weights").write_bytes(data[:-2])
    with pytest.raises(ValueError, match="truncated"):
        load_darknet_weights(dst, tmp_path / "odd.weights")
    (tmp_path / "header.weights").write_bytes(data[:10])
    with pytest.raises(ValueError, match="truncated"):
        load_darknet_weights(dst, tmp_path / "header.weights")
    for w, b in zip(dst.weights, before):  # nothing was written by a refused load
        np.testing.assert_array_equal(w.numpy(), b)


def test_every_refusal_names_the_file(tmp_path):
    src = small_model(0)
    data = save_darknet_weights(src, tmp_path / "m.weights").read_bytes()
    for name, content in [("short.weights", data[:-40]), ("odd.weights", data[:-2]), ("header.weights", data[:10])]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=str(tmp_path / name)):
            load_darknet_weights(small_model(1), tmp_path / name)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_file_of_the_right_size_with_non_finite_values_is_refused(tmp_path, bad):
    src = small_model(0)
    path = save_darknet_weights(src, tmp_path / "m.weights")
    floats = np.frombuffer(path.read_bytes(), "<f4", offset=20).copy()
    floats[1234] = bad
    path.write_bytes(path.read_bytes()[:20] + floats.tobytes())
    dst = small_model(1)
    before = [w.numpy().copy() for w in dst.weights]
    with pytest.raises(ValueError, match=rf"{path}: 1 of its .* NaN or infinite \(first at value 1,234\)"):
        load_darknet_weights(dst, path)
    for w, b in zip(dst.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)


def test_backbone_only_file_fills_first_18_convs(tmp_path):
    backbone = darknet19((64, 64, 3), num_classes=None, width=0.125)
    for w in backbone.weights:
        w.assign(np.random.default_rng(w.shape[-1]).standard_normal(w.shape).astype(np.float32))
    path = save_darknet_weights(backbone, tmp_path / "darknet19.conv.23")
    model = small_model(1)
    head_before = model.get_layer("conv_18").kernel.numpy().copy()
    assert load_darknet_weights(model, path) == 18
    for i in range(18):
        np.testing.assert_array_equal(model.get_layer(f"conv_{i}").kernel.numpy(),
                                      backbone.get_layer(f"conv_{i}").kernel.numpy())
        np.testing.assert_array_equal(model.get_layer(f"bn_{i}").moving_variance.numpy(),
                                      backbone.get_layer(f"bn_{i}").moving_variance.numpy())
    np.testing.assert_array_equal(model.get_layer("conv_18").kernel.numpy(), head_before)
    # the same prefix written from a full model
    path2 = save_darknet_weights(small_model(2), tmp_path / "prefix.weights", num_layers=18)
    assert load_darknet_weights(model, path2) == 18
