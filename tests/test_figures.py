"""Figures from saved sweep results: grouping by everything but the seed, numbers, and valid PNGs."""

import json

import numpy as np
import pytest

from is_keras.experiments.convergence import summarize_convergence
from is_keras.experiments.figures import draw_figures
from is_keras.experiments.json_files import atomic_write_json
from is_keras.experiments.run_result import RunResult
from is_keras.experiments.sweep_analysis import convergence_table, curve_checkpoints, group_records
from is_keras.experiments.sweep_grid import expand_sweep
from is_keras.experiments.sweep_store import RESULT_FORMAT, load_sweep_results, result_path
from is_keras.experiments.sweep_tables import format_checkpoints, format_convergence_table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _fake_sweep(out_dir, config, curve_of):
    """Save a result for every spec of ``config`` with the curve ``curve_of(spec)`` (no training)."""
    specs = expand_sweep(config)
    for spec in specs:
        values = np.asarray(curve_of(spec), dtype=float)
        samples = (np.arange(len(values)) + 1) * spec.eval_every * spec.batch_size
        parameters = {2: 1398, 4: 5090}.get(spec.model_kwargs.get("width"), 777)
        result = RunResult(samples=samples, seconds=np.arange(1.0, len(values) + 1), values=values,
                           config={"eval_every": spec.eval_every, "seed": spec.seed, "parameters": parameters,
                                   "num_train": 640},
                           environment={"tensorflow": "x"})
        atomic_write_json(result_path(out_dir, spec.run_id), {
            "format": RESULT_FORMAT, "run_id": spec.run_id, "spec": spec.to_dict(),
            "sweep": {"name": "fake", "kind": config["kind"], "window": config["window"]},
            "result": result.to_dict(),
        })
    return specs


def _curve(spec):
    # the IS runs converge one evaluation earlier and lower; wider models are better; seeds shift a little
    offset = 0.01 * spec.seed + (0.0 if spec.model_kwargs.get("width") == 4 else 0.1)
    if spec.method == "nis":
        return np.array([0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1, 0.2]) + offset
    return np.array([0.5, 0.3, 0.2, 0.05, 0.05, 0.05, 0.1, 0.2]) + offset


def _assert_png(path):
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0  # not a blank canvas
    assert len(data) < 200_000


MC = {"kind": "model_complexity", "dataset": "digits", "widths": [2, 4], "runs": 3, "epochs": 2,
      "batch_size": 32, "eval_every": 10, "window": 20}


def test_grouping_is_by_everything_but_the_seed(tmp_path):
    specs = _fake_sweep(tmp_path, MC, _curve)
    records = load_sweep_results(tmp_path)
    assert len(records) == len(specs) == 2 * 2 * 3
    groups = group_records(records)
    assert len(groups) == 4  # 2 widths × 2 methods
    for members in groups.values():
        assert sorted(r.spec.seed for r in members) == [0, 1, 2]
        assert len({(r.spec.method, r.spec.model_kwargs["width"]) for r in members}) == 1


def test_convergence_table_matches_hand_computed_numbers(tmp_path):
    _fake_sweep(tmp_path, MC, _curve)
    rows = convergence_table(load_sweep_results(tmp_path))
    assert [(r["parameters"], r["method"]) for r in rows] == [
        (1398, "nis"), (1398, "is-probabilistic"), (5090, "nis"), (5090, "is-probabilistic")]
    by = {(r["parameters"], r["method"]): r for r in rows}
    # window 20 batches / eval_every 10 = 2 evaluations; batch 32 -> 320 samples per evaluation
    # NIS: best pair starts at evaluation 4 (0.1, 0.1) -> 5 * 320 samples; IS: at evaluation 3 -> 4 * 320
    nis, is_ = by[(5090, "nis")], by[(5090, "is-probabilistic")]
    assert (nis["speed_mean"], nis["speed_std"]) == (1600, 0)
    assert (is_["speed_mean"], is_["speed_std"]) == (1280, 0)
    assert nis["performance_mean"] == pytest.approx(0.1 + 0.01)  # seeds add 0, 0.01, 0.02
    assert nis["performance_std"] == pytest.approx(np.std([0, 0.01, 0.02]))
    assert is_["performance_mean"] == pytest.approx(0.05 + 0.01)
    assert by[(1398, "nis")]["performance_mean"] == pytest.approx(0.21)
    assert nis["label"] == "NIS" and is_["label"] == "IS-probabilistic ω=1"
    # a window override changes the numbers: 1 evaluation = the minimum
    rows_10 = convergence_table(load_sweep_results(tmp_path), window=10)
    one = {(r["parameters"], r["method"]): r for r in rows_10}
    assert one[(5090, "is-probabilistic")]["speed_mean"] == 1280
    text = format_convergence_table(rows)
    assert "1600 ± 0" in text and "IS-probabilistic ω=1" in text


def test_checkpoints_read_the_mean_curve_after_whole_epochs(tmp_path):
    _fake_sweep(tmp_path, MC, _curve)
    rows = curve_checkpoints(load_sweep_results(tmp_path), epochs=[1, 2, 3])
    by = {(r["parameters"], r["method"]): r for r in rows}
    # 640 training samples, batch 32: 20 batches = 640 samples per epoch = evaluations 2 and 4 (1-based)
    np.testing.assert_allclose(by[(5090, "nis")]["mean"][:2], [0.41, 0.21])
    np.testing.assert_allclose(by[(5090, "is-probabilistic")]["mean"][:2], [0.31, 0.06])
    np.testing.assert_allclose(by[(5090, "nis")]["std"][:2], np.std([0, 0.01, 0.02]))
    assert np.isnan(by[(5090, "nis")]["mean"][2])  # the runs have 2 epochs
    assert "epoch 2" in format_checkpoints(rows)
    with pytest.raises(ValueError, match="epochs"):
        curve_checkpoints(load_sweep_results(tmp_path), epochs=[0])


def test_model_complexity_figures_are_valid_pngs(tmp_path):
    _fake_sweep(tmp_path, MC, _curve)
    paths = draw_figures(tmp_path)
    names = sorted(p.name for p in paths)
    assert names == sorted([
        "convergence.csv", "convergence.json",
        "digits_crapnet_width2_model_complexity.png", "digits_crapnet_width4_model_complexity.png",
        "digits_crapnet_convergence_speed.png", "digits_crapnet_max_performance.png",
    ])
    for path in paths:
        assert path.parent == tmp_path / "figures"
        if path.suffix == ".png":
            _assert_png(path)
    saved = json.loads((tmp_path / "figures" / "convergence.json").read_text())
    assert len(saved) == 4 and saved[0]["runs"] == 3


def test_loss_exponent_figure_puts_every_exponent_and_nis_in_one_panel(tmp_path):
    config = {"kind": "loss_exponent", "dataset": "digits", "widths": [4], "runs": 2, "epochs": 2,
              "batch_size": 32, "eval_every": 10, "window": 10}
    _fake_sweep(tmp_path, config, _curve)
    records = load_sweep_results(tmp_path)
    assert len(group_records(records)) == 6  # NIS + 5 exponents
    labels = [r["label"] for r in convergence_table(records)]
    assert labels == ["NIS"] + [f"IS-probabilistic ω={w}" for w in ("0.1", "0.5", "1", "1.5", "2")]
    paths = draw_figures(tmp_path, fig_dir=tmp_path / "out")
    pngs = [p for p in paths if p.suffix == ".png"]
    assert [p.name for p in pngs] == ["digits_crapnet_width4_loss_exponent.png"]  # no vs-parameter plots
    _assert_png(pngs[0])


def test_mean_and_std_in_the_table_agree_with_summarize_convergence(tmp_path):
    config = {"kind": "is_methods", "dataset": "digits", "widths": [4], "runs": 3, "epochs": 2,
              "batch_size": 32, "eval_every": 10, "window": 30}
    rng = np.random.default_rng(0)
    curves = {}

    def random_curve(spec):
        curves[spec.run_id] = rng.random(12)
        return curves[spec.run_id]

    _fake_sweep(tmp_path, config, random_curve)
    records = load_sweep_results(tmp_path)
    rows = convergence_table(records)
    assert [r["method"] for r in rows] == ["nis", "is-probabilistic", "is-randomsubset", "is-highsubset"]
    for row, members in zip(rows, group_records(records).values()):
        expected = summarize_convergence([m.result for m in members], 30)
        assert row["speed_mean"] == pytest.approx(expected.speed_mean)
        assert row["performance_std"] == pytest.approx(expected.performance_std)
    pngs = [p.name for p in draw_figures(tmp_path) if p.suffix == ".png"]
    assert pngs == ["digits_crapnet_width4_is_methods.png"]


def test_plot_of_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no sweep results"):
        draw_figures(tmp_path)
