"""GPU options of the trainer, checked on the CPU: mixed precision and XLA."""

import keras
import numpy as np
import pytest

from is_keras.models import crapnet
from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training.trainer import ImportanceTrainer


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 12, 12, 1)).astype("float32")
    y = rng.integers(0, 3, size=64)
    return x, y


def _mixed_crapnet():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        return crapnet((12, 12, 1), 3, width=4)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_mixed_float16_trains_with_loss_scaling_and_a_float32_table(data):
    x, y = data
    model = _mixed_crapnet()
    assert model.get_layer("conv1").compute_dtype == "float16"
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    trainer = ImportanceTrainer(model, gen, mixed_precision=True)
    assert isinstance(trainer.optimizer, keras.optimizers.LossScaleOptimizer)
    before = [v.numpy() for v in model.trainable_variables]
    losses = [trainer.train_step()["loss"] for _ in range(5)]
    assert np.all(np.isfinite(losses))
    table = np.array(gen.loss_table)
    visited = table[np.isfinite(table)]
    assert visited.size == 64  # 4 first-pass steps cover all 64, the fifth is importance sampled
    # the table holds float32 losses (computed after the float32 softmax), not float16-rounded ones
    np.testing.assert_array_equal(visited.astype(np.float32).astype(np.float64), visited)
    assert np.mean(visited.astype(np.float16).astype(np.float64) != visited) > 0.9
    # the master weights stay float32 and were updated (the scaled gradients were finite)
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    assert any(not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables))
    assert float(trainer.optimizer.dynamic_scale.numpy()) >= 1.0


def test_mixed_precision_needs_a_mixed_model(data):
    x, y = data
    gen = ImportanceBatchGenerator(x, y, batch_size=16)
    with pytest.raises(ValueError, match="mixed_precision=True needs a model built under a mixed"):
        ImportanceTrainer(crapnet((12, 12, 1), 3, width=4), gen, mixed_precision=True)


def test_xla_gives_the_same_first_step_losses(data):
    x, y = data
    tables = []
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        model = crapnet((12, 12, 1), 3, width=4)
        gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
        trainer = ImportanceTrainer(model, gen, jit_compile=jit)
        trainer.train_step()
        tables.append(np.array(gen.loss_table))
    plain, xla = tables
    first = np.isfinite(plain)
    assert first.sum() == 16 and np.array_equal(first, np.isfinite(xla))  # the same first batch
    np.testing.assert_allclose(xla[first], plain[first], rtol=1e-4, atol=1e-6)
    assert np.std(plain[first]) > 1e-3  # per-sample losses differ: a real comparison
