"""Model shapes and parameter counts against published numbers (thesis Tables 4.1, 4.2)."""

import numpy as np
import pytest

from is_keras.models import crapnet, crapnet_param_count, resnet18, resnet18_param_count


def trainable(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


def test_resnet18_imagenet_has_torchvisions_parameter_count():
    model = resnet18((224, 224, 3), 1000)
    assert trainable(model) == 11_689_512
    assert model.output_shape == (None, 1000)
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert len(convs) == 20  # 17 3x3/7x7 convs + 3 shortcut 1x1 convs
    assert model.get_layer("stem_conv").strides == (2, 2)


@pytest.mark.parametrize("width, shape, classes", [(4, (28, 28, 1), 10), (8, (32, 32, 3), 43), (16, (28, 28, 3), 5)])
def test_closed_form_counts_equal_built_models(width, shape, classes):
    assert trainable(crapnet(shape, classes, width=width)) == crapnet_param_count(width, shape[-1], classes)
    assert trainable(resnet18(shape, classes, width=width)) == resnet18_param_count(width, shape[-1], classes)


def test_crapnet_structure_matches_table_4_2():
    model = crapnet((28, 28, 1), 43)
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [8, 8, 8, 16, 16, 32, 32]
    assert [c.kernel_size[0] for c in convs] == [7, 3, 3, 3, 3, 3, 3]
    assert [c.strides[0] for c in convs] == [1, 1, 1, 2, 1, 2, 1]
    assert convs[0].use_bias and not any(c.use_bias for c in convs[1:])
    assert sum(layer.__class__.__name__ == "BatchNormalization" for layer in model.layers) == 6
    probs = model(np.random.rand(2, 28, 28, 1).astype("float32")).numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


# The thesis's ranges: CrapNet 25k-520k (named 200,906 / 341,498 / 518,954), ResNet 120k-10.6M
# (named 2,707,420 / 6,308,486 / 10,650,054); inputs as GTSRB-sized RGB crops, 43 classes.
@pytest.mark.parametrize("budget", [25_000, 200_906, 341_498, 518_954])
def test_crapnet_params_budget_within_5_percent(budget):
    model = crapnet((28, 28, 3), 43, params=budget)
    assert abs(trainable(model) - budget) <= 0.05 * budget


@pytest.mark.parametrize("budget", [120_000, 2_707_420, 6_308_486, 10_650_054])
def test_resnet_params_budget_within_5_percent(budget):
    model = resnet18((32, 32, 3), 43, params=budget)
    assert abs(trainable(model) - budget) <= 0.05 * budget


def test_width_and_params_together_or_bad_width_are_refused():
    with pytest.raises(ValueError, match="either width= or params="):
        crapnet((28, 28, 1), 10, width=8, params=20_000)
    with pytest.raises(ValueError, match="width must be a positive number"):
        resnet18((32, 32, 3), 10, width=0)
