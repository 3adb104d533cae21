"""Learning-rate schedules: values against their formulas, serialisation, validation, and the run/sweep/CLI plumbing."""

import argparse
import math

import keras
import numpy as np
import pytest

from is_keras.cli import compare as compare_cli
from is_keras.data import load_digits
from is_keras.experiments.run import run_training
from is_keras.experiments.run_spec import RunSpec
from is_keras.experiments.sweep_config import SweepConfig, load_sweep_config
from is_keras.experiments.sweep_grid import expand_sweep
from is_keras.experiments.training_config import TrainingConfig
from is_keras.training.lr_schedules import (
    LR_SCHEDULES,
    CosineToZero,
    StepDecay,
    check_lr_schedule,
    learning_rate_schedule,
)


def values(schedule, steps):
    return np.array([float(schedule(step)) for step in steps])


def test_constant_is_a_plain_float():
    rate = learning_rate_schedule("constant", learning_rate=3e-3, budget_steps=50)
    assert type(rate) is float and rate == 3e-3


def test_cosine_follows_its_formula_and_ends_at_exactly_zero():
    lr, budget = 0.01, 40
    schedule = learning_rate_schedule("cosine", learning_rate=lr, budget_steps=budget)
    steps = np.array([0, 1, 7, 10, 20, 33, 39])
    expected = lr * 0.5 * (1 + np.cos(np.pi * steps / budget))
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=1e-5, atol=1e-9)
    assert float(schedule(0)) == pytest.approx(lr)
    assert float(schedule(budget)) == 0.0 and float(schedule(budget + 5)) == 0.0


def test_cosine_warmup_is_linear_from_zero_then_cosine():
    lr, budget, warmup = 0.1, 100, 0.2
    schedule = learning_rate_schedule("cosine", learning_rate=lr, budget_steps=budget, warmup=warmup)
    np.testing.assert_allclose(values(schedule, [0, 5, 10, 15]), [0.0, 0.025, 0.05, 0.075], rtol=1e-5, atol=1e-9)
    after = np.array([20, 30, 60, 90, 99])
    t = (after - 20) / 80
    np.testing.assert_allclose(values(schedule, after), lr * 0.5 * (1 + np.cos(np.pi * t)), rtol=1e-5, atol=1e-9)
    assert float(schedule(20)) == pytest.approx(lr) and float(schedule(budget)) == 0.0


def test_step_divides_by_10_at_half_and_by_100_at_three_quarters():
    schedule = learning_rate_schedule("step", learning_rate=1e-2, budget_steps=100)
    np.testing.assert_allclose(values(schedule, [0, 49, 50, 74, 75, 99, 100]),
                               [1e-2, 1e-2, 1e-3, 1e-3, 1e-4, 1e-4, 1e-4], rtol=1e-6)


def test_get_config_round_trip_and_keras_serialisation(tmp_path):
    for schedule in (CosineToZero(0.02, 30, warmup=0.1), StepDecay(0.02, 30)):
        clone = type(schedule).from_config(schedule.get_config())
        assert clone.get_config() == schedule.get_config()
        back = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
        assert type(back) is type(schedule) and back.get_config() == schedule.get_config()
        np.testing.assert_allclose(values(back, range(31)), values(schedule, range(31)))
    # an optimizer holding a schedule saves to and loads from a .keras file
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(CosineToZero(0.02, 30, warmup=0.1)), loss="mse")
    model.fit(np.zeros((8, 2), "float32"), np.zeros((8, 2), "float32"), batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.optimizer._learning_rate, CosineToZero)
    assert int(loaded.optimizer.iterations.numpy()) == 2
    assert float(loaded.optimizer.learning_rate) == pytest.approx(float(model.optimizer.learning_rate))


def test_validation_names_the_field_and_lists_the_choices():
    assert LR_SCHEDULES == ("constant", "cosine", "step") == compare_cli.LR_SCHEDULES
    with pytest.raises(ValueError, match="lr_schedule must be one of constant, cosine, step, got 'linear'"):
        TrainingConfig(lr_schedule="linear")
    for bad in (1.0, -0.1, float("nan"), True, "0.1"):
        with pytest.raises(ValueError, match="lr_warmup"):
            TrainingConfig(lr_schedule="cosine", lr_warmup=bad)
    with pytest.raises(ValueError, match="lr_warmup applies to lr_schedule 'cosine' only"):
        TrainingConfig(lr_schedule="step", lr_warmup=0.1)
    with pytest.raises(ValueError, match="budget_steps"):
        learning_rate_schedule("cosine", learning_rate=1e-3, budget_steps=0)
    with pytest.raises(ValueError, match="learning_rate"):
        CosineToZero(0.0, 10)
    assert check_lr_schedule("cosine", 0) == ("cosine", 0.0)


def test_training_config_defaults_and_round_trip():
    assert TrainingConfig().lr_schedule == "constant" and TrainingConfig().lr_warmup == 0.0
    config = TrainingConfig(lr_schedule="cosine", lr_warmup=0.05)
    assert TrainingConfig.from_dict(config.to_dict()) == config
    assert config.to_dict()["lr_schedule"] == "cosine"


@pytest.fixture(scope="module")
def digits_subset():
    (x, y), (xv, yv) = load_digits()
    return (x[:96], y[:96]), (xv[:48], yv[:48])


class _LearningRates(keras.callbacks.Callback):
    """The optimizer's rate before each step and after training."""

    def __init__(self):
        super().__init__()
        self.rates, self.final, self.iterations = [], None, None

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))

    def on_train_end(self, logs=None):
        self.final = float(self.model.optimizer.learning_rate)
        self.iterations = int(self.model.optimizer.iterations.numpy())


@pytest.mark.parametrize("method", ["nis", "infobatch"])
def test_run_training_anneals_to_zero_at_the_runs_own_end(digits_subset, method):
    train, val = digits_subset
    rates = _LearningRates()
    result = run_training(train, val, method=method, epochs=2, batch_size=16, eval_every=6,
                          model_kwargs={"width": 1}, lr_schedule="cosine", lr_warmup=0.25, learning_rate=1e-2,
                          callbacks=[rates])
    steps = 2 * math.ceil(96 / 16)
    assert rates.iterations == steps and rates.final == 0.0
    assert rates.rates[0] == 0.0 and rates.rates[3] == pytest.approx(1e-2)  # warm-up: 3 steps of 12
    assert all(b <= a for a, b in zip(rates.rates[3:], rates.rates[4:]))
    assert result.config["lr_schedule"] == "cosine" and result.config["lr_warmup"] == 0.25


def test_constant_schedule_trains_exactly_as_before(digits_subset):
    train, val = digits_subset
    kwargs = dict(method="is-probabilistic", epochs=1, batch_size=16, eval_every=3, model_kwargs={"width": 1})
    default = run_training(train, val, **kwargs)
    constant = run_training(train, val, lr_schedule="constant", **kwargs)
    np.testing.assert_array_equal(default.values, constant.values)
    np.testing.assert_array_equal(default.final_loss_table, constant.final_loss_table)


TINY = {"kind": "custom", "dataset": "digits", "models": ["crapnet"], "widths": [1], "methods": ["nis"],
        "runs": 1, "epochs": 1, "batch_size": 64, "eval_every": 5}


def test_sweep_yaml_with_lr_schedule_parses_and_reaches_the_runs(tmp_path):
    import yaml

    (tmp_path / "cos.yaml").write_text(yaml.safe_dump({**TINY, "lr_schedule": "cosine", "lr_warmup": 0.1}))
    config = load_sweep_config(tmp_path / "cos.yaml")
    assert (config.lr_schedule, config.lr_warmup) == ("cosine", 0.1)
    assert SweepConfig.from_dict(config.to_dict()) == config
    [spec] = expand_sweep(config)
    assert spec.training_config().lr_schedule == "cosine" and spec.training_config().lr_warmup == 0.1
    assert "-cosine-warm0.1-" in spec.run_id
    assert RunSpec.from_dict(spec.to_dict()) == spec
    # a constant schedule keeps the run IDs of sweeps saved before the field existed
    [plain] = expand_sweep(TINY)
    assert "lr_schedule" not in plain.to_dict() and "lr_warmup" not in plain.to_dict()
    assert plain.run_id != spec.run_id


def test_sweep_yaml_with_a_bad_lr_schedule_is_refused(tmp_path):
    import yaml

    for name, changes, match in (("bad.yaml", {"lr_schedule": "exponential"}, "lr_schedule must be one of"),
                                 ("warm.yaml", {"lr_schedule": "cosine", "lr_warmup": 1.5}, "lr_warmup"),
                                 ("step.yaml", {"lr_schedule": "step", "lr_warmup": 0.1}, "lr_warmup")):
        (tmp_path / name).write_text(yaml.safe_dump({**TINY, **changes}))
        with pytest.raises(ValueError, match=f"{name}.*{match}"):
            load_sweep_config(tmp_path / name)


def _compare_args(*argv):
    parser = argparse.ArgumentParser(prog="is-keras")
    compare_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["compare", *argv])


def test_compare_cli_flags_reach_the_training_config(tmp_path):
    args = _compare_args("--methods", "nis", "--lr-schedule", "cosine", "--lr-warmup", "0.05",
                         "--out", str(tmp_path / "out"))
    plan = compare_cli.prepare(args)
    assert (plan.training_config.lr_schedule, plan.training_config.lr_warmup) == ("cosine", 0.05)
    default = compare_cli.prepare(_compare_args("--methods", "nis", "--out", str(tmp_path / "plain")))
    assert (default.training_config.lr_schedule, default.training_config.lr_warmup) == ("constant", 0.0)


def test_compare_cli_refuses_bad_schedule_options(capsys):
    from is_keras.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(["compare", "--lr-schedule", "linear"])
    assert exit_.value.code == 2
    assert "argument --lr-schedule: invalid choice: 'linear'" in capsys.readouterr().err
    assert main(["compare", "--lr-schedule", "step", "--lr-warmup", "0.1"]) == 2
    assert "--lr-warmup: applies to --lr-schedule cosine only" in capsys.readouterr().err
    assert main(["compare", "--lr-schedule", "cosine", "--lr-warmup", "1"]) == 2
    assert "--lr-warmup: must be a fraction of the run in [0, 1)" in capsys.readouterr().err
