"""`is-keras compare` end to end on digits, in a tiny configuration."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from is_keras.cli.main import main
from is_keras.experiments.curves import MeanCurve, first_reaching, time_to_baseline_best


def test_compare_writes_curves_plot_and_table(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["compare", "--methods", "nis,is-probabilistic", "--epochs", "2", "--runs", "2",
                 "--width", "4", "--eval-every", "5", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "target: uniform sampling's best mean 1-AUC" in printed
    assert "is-probabilistic" in printed
    rows = list(csv.DictReader((out / "curves.csv").open()))
    # digits: 1347 training samples, batch 64 -> 22 steps/epoch, 44 steps, an evaluation every 5
    per_run = 44 // 5
    assert len(rows) == 2 * 2 * per_run
    assert {r["method"] for r in rows} == {"nis", "is-probabilistic"}
    assert {r["seed"] for r in rows} == {"0", "1"}
    assert all(0.0 <= float(r["one_minus_auc"]) <= 1.0 for r in rows)
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["table"][0]["method"] == "nis" and summary["table"][0]["samples_ratio"] == 1.0
    assert summary["environment"]["tensorflow"]


def test_compare_runs_a_method_with_the_gradient_norm_table_score(tmp_path):
    out = tmp_path / "scores"
    assert main(["compare", "--methods", "nis,is-probabilistic+gradient-norm", "--epochs", "1", "--runs", "1",
                 "--width", "2", "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "curves.csv").open()))
    assert {r["method"] for r in rows} == {"nis", "is-probabilistic+gradient-norm"}
    summary = json.loads((out / "summary.json").read_text())
    assert [row["method"] for row in summary["table"]] == ["nis", "is-probabilistic+gradient-norm"]


def test_unknown_method_is_refused_with_the_valid_names(capsys):
    assert main(["compare", "--methods", "nis,is-bogus"]) == 2
    assert capsys.readouterr().err.startswith(
        "is-keras compare: error: --methods: unknown method(s) is-bogus; valid methods are: nis")


def test_unbiased_refuses_subset_methods(capsys):
    assert main(["compare", "--methods", "nis,is-randomsubset", "--unbiased"]) == 2
    err = capsys.readouterr().err
    assert "--unbiased: " in err and "'is-randomsubset' takes the top of a subset and cannot be reweighted" in err


def test_unbiased_run_records_its_setting(tmp_path):
    out = tmp_path / "unbiased"
    assert main(["compare", "--methods", "is-probabilistic", "--epochs", "1", "--runs", "1", "--width", "2",
                 "--unbiased", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert "unbiased" in summary["title"] and summary["config"]["unbiased"] is True


def test_module_entry_point_lists_the_subcommands():
    done = subprocess.run([sys.executable, "-m", "is_keras", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    for command in ("compare", "detect-compare", "sweep", "plot"):
        assert f"\n    {command}" in done.stdout


def test_time_to_baseline_best_on_hand_made_curves():
    samples = np.array([100, 200, 300, 400])

    def curve(values, seconds):
        return MeanCurve(samples, np.asarray(seconds, float), np.asarray(values, float), np.zeros(4), 3)

    nis = curve([0.5, 0.2, 0.1, 0.12], [1, 2, 3, 4])
    fast = curve([0.3, 0.09, 0.05, 0.05], [2, 4, 6, 8])
    never = curve([0.6, 0.5, 0.4, 0.3], [1, 2, 3, 4])
    rows = {r["method"]: r for r in time_to_baseline_best({"nis": nis, "fast": fast, "never": never})}
    assert rows["nis"]["target_one_minus_auc"] == 0.1
    assert (rows["nis"]["samples"], rows["nis"]["seconds"]) == (300, 3)
    assert rows["fast"]["samples_ratio"] == pytest.approx(200 / 300)
    assert rows["fast"]["seconds_ratio"] == pytest.approx(4 / 3)
    assert np.isnan(rows["never"]["samples"])
    assert np.isnan(first_reaching(never, 0.1)[0])
