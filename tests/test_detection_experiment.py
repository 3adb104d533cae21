"""IS for detection: table scores, loss-table histograms, run_detection and the detect-compare command."""

import argparse
import csv
import json

import keras
import numpy as np
import pytest

from is_keras.detection.histograms import LossTableHistograms, plot_loss_histograms
from is_keras.detection.scores import ObjectnessEntropyScore, ThresholdClosenessScore, get_table_score
from is_keras.detection.targets import build_yolo_targets
from is_keras.detection.yolo_loss import YoloV2Loss
from is_keras.experiments.detect_compare_cli import add_detect_compare_parser
from is_keras.experiments.detection import parse_method
from is_keras.models.yolov2 import yolov2
from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceTrainer


def logits(p):
    p = np.asarray(p, np.float64)
    return np.log(p / (1 - p))


def test_objectness_entropy_by_hand():
    pred = np.zeros((2, 1, 1, 2, 5), np.float32)
    pred[0, ..., 4] = logits([0.5, 0.5])
    pred[1, ..., 4] = logits([0.9, 0.01])
    h = lambda p: -(p * np.log(p) + (1 - p) * np.log(1 - p))
    got = ObjectnessEntropyScore(floor=0)(None, pred, None).numpy()
    np.testing.assert_allclose(got, [np.log(2), (h(0.9) + h(0.01)) / 2], rtol=1e-5)
    assert ObjectnessEntropyScore("max", floor=0)(None, pred, None).numpy()[1] == pytest.approx(h(0.9), rel=1e-5)


def test_threshold_closeness_by_hand():
    pred = np.zeros((1, 1, 1, 3, 5), np.float32)
    pred[0, 0, 0, :, 4] = logits([0.5, 0.75, 0.02])
    got = ThresholdClosenessScore(0.5, floor=0)(None, pred, None).numpy()
    np.testing.assert_allclose(got, [1 + 0.5 + 0.04], rtol=1e-5)
    # with classes: confidence = objectness × best class probability (0.8 × 0.5 = 0.4 here)
    pred_c = np.zeros((1, 1, 1, 1, 8), np.float32)
    pred_c[..., 4] = logits([0.8])
    pred_c[..., 5:] = np.log([2.0, 1.0, 1.0])
    got = ThresholdClosenessScore(0.5, floor=0)(None, pred_c, None).numpy()
    np.testing.assert_allclose(got, [1 - abs(0.4 - 0.5) / 0.5], rtol=1e-5)
    with pytest.raises(ValueError, match="threshold"):
        ThresholdClosenessScore(1.5)
    with pytest.raises(ValueError, match="unknown table score"):
        get_table_score("gradnorm")
    assert get_table_score("loss") is None


def test_trainer_writes_the_score_into_the_table():
    rng = np.random.default_rng(0)
    x = rng.random((4, 64, 64, 3)).astype(np.float32)
    anchors = np.array([[0.5, 0.5], [1.0, 1.0]])
    boxes = [np.array([[5, 5, 30, 40]], np.float32)] * 4
    t = build_yolo_targets(boxes, [np.array([0])] * 4, 64, 2, anchors, 0)
    keras.utils.set_random_seed(0)
    model = yolov2((64, 64, 3), num_classes=0, num_anchors=2, width_multiplier=0.125)
    score = ObjectnessEntropyScore()
    gen = ImportanceBatchGenerator(x, t, batch_size=4, method="is-probabilistic")
    trainer = ImportanceTrainer(model, gen, loss=YoloV2Loss(anchors), table_score=score,
                                optimizer=keras.optimizers.SGD(0.0))
    trainer.fit(epochs=1)
    expected = score(t, model(x, training=True), None).numpy()  # whole set = one batch: same BN statistics
    np.testing.assert_allclose(gen.loss_table, expected, rtol=1e-5)


def test_loss_table_histograms(tmp_path):
    class FakeGenerator:
        loss_table = np.array([1.0, 2.0, np.inf, 4.0])

    hist = LossTableHistograms(FakeGenerator(), epochs=(1, 3))
    for epoch in range(3):
        hist.on_epoch_end(epoch)
    assert sorted(hist.snapshots) == [1, 3]
    np.testing.assert_array_equal(hist.snapshots[1], [1.0, 2.0, 4.0])
    path = plot_loss_histograms(hist.snapshots, tmp_path / "h.png", exponent=2.0)
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="epoch"):
        LossTableHistograms(FakeGenerator(), epochs=(0,))


def test_parse_method():
    assert parse_method("is-probabilistic+entropy") == ("is-probabilistic", "entropy")
    assert parse_method("nis") == ("nis", "loss")
    with pytest.raises(ValueError, match="unknown sampling method"):
        parse_method("is-best")
    with pytest.raises(ValueError, match="unknown table score"):
        parse_method("nis+variance")


def test_detect_compare_command_writes_csv_and_png(tmp_path):
    parser = argparse.ArgumentParser(prog="is-keras")
    add_detect_compare_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["detect-compare", "--methods", "nis,is-probabilistic+closeness", "--epochs", "2",
                              "--runs", "1", "--images", "24", "--val-images", "4", "--image-size", "64",
                              "--batch-size", "8", "--anchors", "2", "--localisation-only", "--out", str(tmp_path)])
    assert args.handler(args) == 0
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
    bad = parser.parse_args(["detect-compare", "--image-size", "100", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="multiple of 32"):
        bad.handler(bad)
