"""YOLOv2 / DarkNet-19 topology against darknet's yolov2.cfg."""

import keras
import numpy as np
import pytest

from is_keras.models.darknet19 import darknet19
from is_keras.models.layers.darknet_reorg import darknet_reorg
from is_keras.models.yolov2 import yolov2

# filters of conv_0 … conv_22 in yolov2.cfg (the last one: 5 × (5 + 80))
YOLOV2_FILTERS = [32, 64, 128, 64, 128, 256, 128, 256, 512, 256, 512, 256, 512,
                  1024, 512, 1024, 512, 1024, 1024, 1024, 64, 1024, 425]
YOLOV2_KERNELS = [3, 3, 3, 1, 3, 3, 1, 3, 3, 1, 3, 1, 3, 3, 1, 3, 1, 3, 3, 3, 1, 3, 1]


@pytest.fixture(scope="module")
def full_model():
    return yolov2((416, 416, 3), num_classes=80, num_anchors=5)


def test_official_parameter_count_and_shape(full_model):
    assert full_model.count_params() == 50_983_561
    assert full_model.output_shape == (None, 13, 13, 5, 85)
    # (203,934,260 - 16) / 4 floats in the official yolov2.weights
    assert full_model.count_params() == (203_934_260 - 16) // 4


def test_layers_follow_darknet_cfg(full_model):
    for i, (filters, kernel) in enumerate(zip(YOLOV2_FILTERS, YOLOV2_KERNELS)):
        conv = full_model.get_layer(f"conv_{i}")
        assert conv.filters == filters and conv.kernel_size == (kernel, kernel), i
        if i < 22:
            assert not conv.use_bias
            bn = full_model.get_layer(f"bn_{i}")
            assert bn.epsilon == pytest.approx(1e-5)
            assert full_model.get_layer(f"leaky_{i}").negative_slope == pytest.approx(0.1)
        else:
            assert conv.use_bias
    names = {layer.name for layer in full_model.layers}
    assert "bn_22" not in names and "conv_23" not in names
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in full_model.layers) == 5


def test_route_concatenates_reorg_then_conv19():
    model = yolov2((64, 64, 3), num_classes=2, num_anchors=2, width=0.25)
    probe = keras.Model(
        model.input,
        [model.get_layer("leaky_20").output, model.get_layer("leaky_19").output, model.get_layer("route").output],
    )
    x = np.random.default_rng(0).random((2, 64, 64, 3)).astype(np.float32)
    pass64, conv19, route = (t.numpy() if hasattr(t, "numpy") else t for t in probe(x))
    reorged = darknet_reorg(pass64, 2).numpy()
    assert pass64.shape[1:3] == (4, 4) and conv19.shape[1:3] == (2, 2)
    np.testing.assert_allclose(route[..., : reorged.shape[-1]], reorged, rtol=1e-6)
    np.testing.assert_allclose(route[..., reorged.shape[-1]:], conv19, rtol=1e-6)


def test_localisation_only_head_and_other_sizes():
    model = yolov2((96, 128, 3), num_classes=0, num_anchors=4, width=0.125)
    assert model.output_shape == (None, 3, 4, 4, 5)
    assert model.get_layer("conv_22").filters == 4 * 5


@pytest.mark.parametrize("shape", [(100, 96, 3), (96, 16, 3), (96, 96)])
def test_input_not_divisible_by_32_raises(shape):
    with pytest.raises(ValueError, match="multiple of 32|height, width, channels"):
        yolov2(shape, num_classes=1, num_anchors=1, width=0.125)


def test_bad_head_arguments_raise():
    with pytest.raises(ValueError, match="num_classes"):
        yolov2((64, 64, 3), num_classes=-1)
    with pytest.raises(ValueError, match="num_anchors"):
        yolov2((64, 64, 3), num_anchors=0)


def test_darknet19_classifier():
    model = darknet19((224, 224, 3), num_classes=1000)
    assert model.output_shape == (None, 1000)
    # 18 BN convs + a 1×1 conv with bias to 1000 classes
    convs = [model.get_layer(f"conv_{i}") for i in range(19)]
    expected = sum(c.kernel.shape.num_elements() if hasattr(c.kernel.shape, "num_elements")
                   else int(np.prod(c.kernel.shape)) for c in convs)
    expected += 4 * sum(YOLOV2_FILTERS[:18]) + 1000
    assert model.count_params() == expected
    backbone = darknet19((416, 416, 3), num_classes=None)
    assert backbone.output_shape == (None, 13, 13, 1024)


def test_saved_model_round_trip(tmp_path):
    model = yolov2((64, 64, 3), num_classes=2, num_anchors=2, width=0.125)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(1).random((1, 64, 64, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded(x, training=False).numpy(), model(x, training=False).numpy(), rtol=1e-6)


def test_width_scales_every_convolution_and_options_are_keyword_only():
    model = yolov2((64, 96, 3), num_classes=1, num_anchors=1, width=0.25)
    assert model.get_layer("conv_0").filters == 8 and model.get_layer("conv_19").filters == 256
    assert model.get_layer("conv_20").filters == 16 and model.get_layer("conv_22").filters == 6
    assert model.output_shape == (None, 2, 3, 1, 6) and model.name == "yolov2_x0.25"
    backbone = darknet19((64, 64, 3), None, width=0.5)
    assert backbone.output_shape == (None, 2, 2, 512) and backbone.name == "darknet19_x0.5"
    with pytest.raises(TypeError):
        yolov2((64, 64, 3), 1)  # num_classes is keyword-only
    with pytest.raises(TypeError):
        yolov2((64, 64, 3), width_multiplier=0.25)  # one name for the width: `width`
    with pytest.raises(ValueError, match="width must be > 0"):
        yolov2((64, 64, 3), width=0.0)
