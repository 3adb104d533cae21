"""The classification task's table score: what `run_training`, `compare` and the CLI write into the loss table."""

import numpy as np
import pytest

from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.run import run_training
from is_keras.models.registry import build_classifier


def _data(n=24, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 8, 8, 1), dtype=np.float32), np.arange(n) % classes


@pytest.mark.parametrize("table_score", ["loss", "gradient-norm"])
def test_one_step_table_holds_the_chosen_score_of_the_untrained_models_forward_pass(table_score):
    """One step over all N samples: every table entry is written once, from the seeded model's forward pass."""
    x, y = _data()
    result = run_training((x, y), (x, y), method=f"nis+{table_score}", epochs=1, batch_size=len(x),
                          eval_every=1, seed=3, model_kwargs={"width": 1})
    model = build_classifier("crapnet", x.shape[1:], 3, seed=3, width=1)
    p = np.asarray(model(x, training=True), dtype=np.float64)  # batch norm: batch statistics, order-free
    cross_entropy = -np.log(p[np.arange(len(y)), y])
    gradient_norm = np.linalg.norm(p - np.eye(3)[y], axis=1)
    expected = gradient_norm if table_score == "gradient-norm" else cross_entropy
    other = cross_entropy if table_score == "gradient-norm" else gradient_norm
    np.testing.assert_allclose(result.final_loss_table, expected, rtol=1e-4, atol=1e-6)
    assert np.abs(result.final_loss_table - other).max() > 1e-2
    assert result.config["table_score"] == table_score and result.config["method"] == "nis"


def test_the_table_score_option_and_the_method_suffix_are_the_same_setting():
    x, y = _data()
    options = {"epochs": 1, "batch_size": 8, "eval_every": 3, "seed": 1, "model_kwargs": {"width": 1}}
    by_suffix = run_training((x, y), (x, y), method="is-annealed+gradient-norm", **options)
    by_option = run_training((x, y), (x, y), method="is-annealed", table_score="gradient-norm", **options)
    np.testing.assert_array_equal(by_suffix.final_loss_table, by_option.final_loss_table)
    assert by_suffix.config["method"] == "is-annealed" and by_suffix.config["table_score"] == "gradient-norm"
    by_loss = run_training((x, y), (x, y), method="is-annealed", **options)
    assert np.abs(by_suffix.final_loss_table - by_loss.final_loss_table).max() > 1e-2


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "nis+entropy"}, "unknown classification table score 'entropy'; choose one of loss, gradient-norm"),
    ({"method": "nis", "table_score": "grad"}, "unknown classification table score 'grad'"),
    ({"method": "is-best+gradient-norm"}, "unknown sampling method"),
])
def test_an_unknown_score_or_method_is_refused_before_training(kwargs, message):
    x, y = _data()
    with pytest.raises(ValueError, match=message):
        run_training((x, y), (x, y), epochs=1, batch_size=8, model_kwargs={"width": 1}, **kwargs)


def test_variant_keeps_the_task_for_a_bare_method():
    task = ClassificationTask(table_score="gradient-norm")
    assert task.variant("nis") == (task, "nis")
    assert task.variant("nis+loss")[0].table_score == "loss"
