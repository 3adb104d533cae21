"""`is-keras detect-compare` end to end in a tiny configuration (moved from test_detection_experiment.py)."""

import csv
import json

import numpy as np

from is_keras.cli.main import main


def test_detect_compare_command_writes_csv_and_png(tmp_path, capsys):
    code = main(["detect-compare", "--methods", "nis,is-probabilistic+closeness", "--epochs", "2",
                 "--runs", "1", "--images", "24", "--val-images", "4", "--image-size", "64",
                 "--batch-size", "8", "--anchors", "2", "--localisation-only", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    with (tmp_path / "curves.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["method"] for r in rows] == ["nis"] * 3 + ["is-probabilistic+closeness"] * 3
    # 3 steps per epoch: evaluated after step 1 (mid-epoch 1), then after epochs 1 and 2
    assert [int(r["samples"]) for r in rows] == [8, 24, 48] * 2
    np.testing.assert_allclose([float(r["epoch"]) for r in rows], [1 / 3, 1, 2] * 2, rtol=1e-5)
    values = np.array([float(r["one_minus_ap50"]) for r in rows])
    assert np.all((values >= 0) & (values <= 1))
    seconds = np.array([float(r["seconds"]) for r in rows]).reshape(2, 3)
    assert np.all(np.diff(seconds, axis=1) > 0)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["config"]["num_classes"] == 0 and summary["config"]["method"] == "nis"
    assert (tmp_path / "detect_compare.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "loss_hist_is-probabilistic_closeness.png").exists()  # epochs 1 and 2 (default "1,last")
    capsys.readouterr()
    assert main(["detect-compare", "--image-size", "100", "--out", str(tmp_path)]) == 2
    assert "--image-size: must be a multiple of 32" in capsys.readouterr().err
