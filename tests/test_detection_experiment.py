"""IS for detection: table scores, loss-table histograms and run_detection (the command: test_cli_detect_compare.py)."""

import keras
import numpy as np
import pytest

from is_keras.callbacks.loss_table_histograms import LossTableHistograms
from is_keras.detection.scores import ObjectnessEntropyScore, ThresholdClosenessScore, get_table_score
from is_keras.detection.targets import build_yolo_targets
from is_keras.detection.yolo_loss import YoloV2Loss
from is_keras.experiments.detection_task import parse_method
from is_keras.experiments.figure_files import save_figure
from is_keras.models.yolov2 import yolov2
from is_keras.plotting.loss_table import plot_loss_histograms
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
    model = yolov2((64, 64, 3), num_classes=0, num_anchors=2, width=0.125)
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
    path = save_figure(plot_loss_histograms(hist.snapshots, exponent=2.0), tmp_path / "h.png")
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


def test_run_detection_is_run_with_the_detection_task():
    from is_keras.experiments.detection import run_detection, shapes_splits
    from is_keras.experiments.detection_task import DetectionTask
    from is_keras.experiments.run import run
    from is_keras.sampling.config import SamplerConfig

    train, val = shapes_splits(16, 4, image_size=64, seed=0)
    flat = run_detection(train, val, method="is-probabilistic+closeness", epochs=2, batch_size=8, num_anchors=2,
                         localisation_only=True, width=0.0625, seed=1, histogram_epochs=(2,))
    task = DetectionTask(num_anchors=2, localisation_only=True, table_score="closeness")
    training = task.default_training_config().replace(epochs=2, batch_size=8, seed=1, histogram_epochs=(2,),
                                                      model_kwargs={"width": 0.0625, "bn_momentum": 0.9})
    core = run(task, train, val, sampler_config=SamplerConfig(method="is-probabilistic"), training_config=training)
    np.testing.assert_array_equal(flat.one_minus_ap50, core.values)
    np.testing.assert_array_equal(flat.final_loss_table, core.final_loss_table)
    # 2 steps per epoch: after step 1 (mid-epoch 1), then after epochs 1 and 2
    assert flat.samples.tolist() == [8, 16, 32] and flat.epochs.tolist() == [0.5, 1.0, 2.0]
    config = flat.config
    assert (config["task"], config["method"], config["table_score"], config["num_classes"]) == (
        "detection", "is-probabilistic", "closeness", 0)
    assert config["model_kwargs"] == {"width": 0.0625, "bn_momentum": 0.9}
    assert flat.artifacts["anchors"].shape == (2, 2) and sorted(flat.loss_histograms) == [2]
    np.testing.assert_array_equal(flat.loss_histograms[2], flat.final_loss_table)  # all 16 images visited
    with pytest.raises(ValueError, match="unknown option"):
        run_detection(train, val, width_multiplier=0.125)
