"""Every command-line mistake: exit status 2, one line naming the option on stderr, no traceback, nothing trained."""

import os

import pytest

import is_keras.cli.compare
import is_keras.cli.detect_compare
import is_keras.cli.plot
import is_keras.cli.sweep
from is_keras.cli.main import main

SUBCOMMAND_MODULES = {
    "compare": is_keras.cli.compare,
    "detect-compare": is_keras.cli.detect_compare,
    "sweep": is_keras.cli.sweep,
    "plot": is_keras.cli.plot,
}


@pytest.fixture
def no_training(monkeypatch):
    """Make every subcommand's ``execute`` (the part that trains) fail the test if it is called."""

    def must_not_run(plan):
        raise AssertionError(f"training started for a command that should have been refused: {plan}")

    for module in SUBCOMMAND_MODULES.values():
        monkeypatch.setattr(module, "execute", must_not_run)


def refused(argv, capsys):
    """Run ``is-keras argv``; return its one stderr line after checking status 2 and no traceback."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse refuses option values by exiting
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"is-keras {argv[0]}: error: ")
    return lines[0]


@pytest.mark.parametrize("argv, option", [
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "-3"], "--batch-size"),
    (["--eval-every", "0"], "--eval-every"),
    (["--learning-rate", "0"], "--learning-rate"),
    (["--learning-rate", "-0.01"], "--learning-rate"),
    (["--learning-rate", "nan"], "--learning-rate"),
    (["--epochs", "0"], "--epochs"),
    (["--runs", "0"], "--runs"),
    (["--width", "two"], "--width"),
    (["--width", "0"], "--width"),
    (["--params", "0"], "--params"),
    (["--exponent", "-1"], "--exponent"),
    (["--uniform-mix", "1.5"], "--uniform-mix"),
    (["--seed", "-1"], "--seed"),
])
def test_compare_refuses_bad_option_values(argv, option, capsys, no_training):
    line = refused(["compare", *argv], capsys)
    assert option in line


@pytest.mark.parametrize("methods", ["", " , ,"])
def test_compare_refuses_empty_methods(methods, capsys, no_training):
    assert "--methods: is empty" in refused(["compare", "--methods", methods], capsys)


def test_compare_refuses_an_unknown_method_listing_the_valid_ones(capsys, no_training):
    line = refused(["compare", "--methods", "nis,is-bogus"], capsys)
    assert "--methods" in line and "is-bogus" in line and "valid methods are: nis, is-probabilistic" in line


def test_compare_refuses_an_unknown_table_score_naming_the_valid_ones(capsys, no_training):
    line = refused(["compare", "--methods", "nis,nis+entropy"], capsys)
    assert "--methods: unknown table score 'entropy' in 'nis+entropy'; choose one of loss, gradient-norm" in line


def test_compare_refuses_uniform_mix_with_nis(capsys, no_training):
    line = refused(["compare", "--methods", "nis,is-probabilistic", "--uniform-mix", "0.2"], capsys)
    assert "--uniform-mix" in line and "'nis'" in line


def test_compare_refuses_unbiased_with_a_subset_method(capsys, no_training):
    line = refused(["compare", "--methods", "nis,is-randomsubset", "--unbiased"], capsys)
    assert "--unbiased" in line and "is-randomsubset" in line


@pytest.mark.parametrize("argv, rule", [
    (["--subset-fraction", "0"], "must be in (0, 1], got 0"),
    (["--subset-size", "0"], "must be an integer >= 1, got 0"),
    (["--subset-size", "2.5"], "must be an integer >= 1, got 2.5"),
    (["--prune-ratio", "1"], "must be in [0, 1), got 1"),
    (["--vr-threshold", "x"], "must be a finite number >= 0, got x"),
    (["--candidate-factor", "inf"], "must be a finite number >= 1, got inf"),
])
def test_compare_states_the_rule_of_a_sampler_option_from_the_options_table(argv, rule, capsys, no_training):
    line = refused(["compare", *argv], capsys)
    assert f"argument {argv[0]}: {rule}" in line


@pytest.mark.parametrize("argv, option", [
    (["--methods", "nis,is-probabilistic", "--uniform-mix", "0.2"], "--uniform-mix"),
    (["--methods", "is-randomsubset", "--unbiased"], "--unbiased"),
])
def test_compare_names_the_flag_of_a_rule_between_options_from_the_error(argv, option, capsys, no_training):
    assert f"error: {option}: " in refused(["compare", *argv], capsys)


def test_compare_refuses_gtsrb_without_data_root(capsys, no_training):
    line = refused(["compare", "--dataset", "gtsrb"], capsys)
    assert "--data-root" in line and "gtsrb" in line


def test_compare_refuses_a_missing_data_root(tmp_path, capsys, no_training):
    line = refused(["compare", "--dataset", "gtsrb", "--data-root", str(tmp_path / "missing")], capsys)
    assert "--data-root" in line and "does not exist" in line


def test_compare_refuses_unknown_dataset_and_model(capsys, no_training):
    assert "--dataset" in refused(["compare", "--dataset", "imagenet"], capsys)
    line = refused(["compare", "--model", "vgg16"], capsys)
    assert "--model" in line and "crapnet" in line


def test_compare_refuses_width_and_params_together(capsys, no_training):
    assert "--width" in refused(["compare", "--width", "2", "--params", "5000"], capsys)


def test_compare_refuses_an_output_path_that_is_a_file(tmp_path, capsys, no_training):
    path = tmp_path / "file"
    path.write_text("x")
    assert "--out" in refused(["compare", "--methods", "nis", "--out", str(path)], capsys)


def test_compare_refuses_an_evaluation_interval_longer_than_the_run(capsys, no_training):
    # digits: 1347 training samples, batch 64 -> 22 batches per epoch
    line = refused(["compare", "--epochs", "1", "--batch-size", "64", "--eval-every", "23"], capsys)
    assert "--eval-every" in line and "22" in line


def test_unknown_subcommand_and_unknown_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bogus"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "invalid choice: 'bogus'" in err
    assert "--epoch" in refused(["compare", "--epoch", "3"], capsys)


def test_detect_compare_refuses_bad_options(capsys, no_training):
    assert "--image-size" in refused(["detect-compare", "--image-size", "100"], capsys)
    assert "--methods" in refused(["detect-compare", "--methods", "is-probabilistic+bogus"], capsys)
    assert "--methods" in refused(["detect-compare", "--methods", ","], capsys)
    assert "--histogram-epochs" in refused(["detect-compare", "--epochs", "2", "--histogram-epochs", "3"], capsys)
    assert "--shapes" in refused(["detect-compare", "--shapes", "circle,hexagon"], capsys)
    assert "--batch-size" in refused(["detect-compare", "--batch-size", "0"], capsys)
    assert "--learning-rate" in refused(["detect-compare", "--learning-rate", "-1"], capsys)
    assert "--uniform-mix" in refused(["detect-compare", "--uniform-mix", "0.1"], capsys)  # default methods: nis


TINY_YAML = """\
name: tiny
dataset: digits
models: [crapnet]
widths: [2]
methods: [nis, is-probabilistic]
runs: 1
epochs: 1
batch_size: 64
eval_every: 5
window: 10
"""


def sweep_refused(tmp_path, text, capsys, *extra):
    config = tmp_path / "sweep.yaml"
    config.write_text(text)
    line = refused(["sweep", str(config), "--out", str(tmp_path / "out"), *extra], capsys)
    assert not (tmp_path / "out" / "runs").exists()
    return line


def test_sweep_refuses_an_unknown_key(tmp_path, capsys, no_training):
    line = sweep_refused(tmp_path, TINY_YAML + "epoch: 3\n", capsys)
    assert "epoch" in line and "unknown" in line


def test_sweep_refuses_an_unknown_model_before_the_first_run(tmp_path, capsys, no_training):
    line = sweep_refused(tmp_path, TINY_YAML.replace("[crapnet]", "[crapnet, vgg16]"), capsys)
    assert "vgg16" in line and "model" in line


def test_sweep_refuses_a_bad_exponent(tmp_path, capsys, no_training):
    line = sweep_refused(tmp_path, TINY_YAML + "exponents: [1.0, -2.0]\n", capsys)
    assert "exponent" in line and "-2" in line


def test_sweep_refuses_a_bad_method_option(tmp_path, capsys, no_training):
    line = sweep_refused(tmp_path, TINY_YAML.replace("[nis, is-probabilistic]", "[nis, is-best]"), capsys)
    assert "is-best" in line


def test_sweep_refuses_a_dataset_without_its_folder(tmp_path, capsys, no_training):
    line = sweep_refused(tmp_path, TINY_YAML.replace("dataset: digits", "dataset: gtsrb"), capsys)
    assert "gtsrb" in line and "root" in line


def test_sweep_refuses_bad_yaml(tmp_path, capsys, no_training):
    line = sweep_refused(tmp_path, "name: [unclosed\n", capsys)
    assert "sweep.yaml" in line


def test_sweep_refuses_a_bad_shard_and_reuse_folder(tmp_path, capsys, no_training):
    assert "--shard" in sweep_refused(tmp_path, TINY_YAML, capsys, "--shard", "3/2")
    assert "--reuse" in sweep_refused(tmp_path, TINY_YAML, capsys, "--reuse", str(tmp_path / "nowhere"))


def test_sweep_refuses_a_missing_or_unreadable_config(tmp_path, capsys, no_training):
    line = refused(["sweep", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out")], capsys)
    assert "missing.yaml" in line and "does not exist" in line
    line = refused(["sweep", str(tmp_path), "--out", str(tmp_path / "out")], capsys)
    assert "is not a file" in line
    if os.geteuid() != 0:  # root reads any file
        config = tmp_path / "locked.yaml"
        config.write_text(TINY_YAML)
        config.chmod(0)
        assert "not readable" in refused(["sweep", str(config), "--out", str(tmp_path / "out")], capsys)


def test_sweep_needs_out(tmp_path, capsys, no_training):
    assert "--out" in refused(["sweep", "configs/is_methods.yaml"], capsys)


def test_plot_refuses_a_folder_without_results(tmp_path, capsys, no_training):
    assert "DIR" in refused(["plot", str(tmp_path / "missing")], capsys)
    assert "no results" in refused(["plot", str(tmp_path)], capsys)
    assert "--window" in refused(["plot", str(tmp_path), "--window", "0"], capsys)


def test_an_error_of_any_type_while_running_is_one_line_with_status_1(monkeypatch, tmp_path, capsys):
    def fails(plan):
        raise RuntimeError("the disk\nis full")

    monkeypatch.setattr(is_keras.cli.plot, "execute", fails)
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r.json").write_text("{}")
    assert main(["plot", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert err == "is-keras plot: error: RuntimeError: the disk is full\n" and "Traceback" not in out


def test_an_error_of_any_type_while_checking_is_one_line_with_status_2(monkeypatch, capsys):
    def fails(args):
        raise TypeError("unexpected keyword 'root'")

    monkeypatch.setattr(is_keras.cli.plot, "prepare", fails)
    assert main(["plot", "anything"]) == 2
    assert capsys.readouterr().err == "is-keras plot: error: TypeError: unexpected keyword 'root'\n"
