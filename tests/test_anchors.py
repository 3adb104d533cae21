"""k-means anchors with the 1 - IoU distance."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from is_keras.detection.anchors import (
    anchor_elbow,
    format_anchors,
    kmeans_anchors,
    mean_iou,
    wh_iou,
)
from is_keras.plotting.anchors import plot_anchor_elbow

CENTERS = np.array([[12.0, 10.0], [30.0, 60.0], [80.0, 40.0], [150.0, 150.0]])


def clustered_boxes(seed=0, per_cluster=150, noise=0.05):
    rng = np.random.default_rng(seed)
    return np.concatenate([c * np.exp(rng.normal(0, noise, (per_cluster, 2))) for c in CENTERS])


def test_wh_iou_by_hand():
    # 2×2 vs 1×1: 1/4; 2×2 vs 1×3: 2/5; 3×1 vs 2×4: 2/9; 3×1 vs 1×3: 1/5
    np.testing.assert_allclose(wh_iou([[2, 2], [3, 1]], [[1, 1], [2, 4], [1, 3]]),
                               [[0.25, 0.5, 0.4], [1 / 3, 2 / 9, 0.2]])
    assert mean_iou([[1, 1], [2, 2]], [[1, 1]]) == pytest.approx((1 + 0.25) / 2)


def test_recovers_known_cluster_centres():
    wh = clustered_boxes()
    anchors = kmeans_anchors(wh, 4, seed=0)
    np.testing.assert_allclose(anchors, CENTERS, rtol=0.03)  # sorted by area, like CENTERS
    assert mean_iou(wh, anchors) > 0.9


def test_seeded_and_deterministic():
    wh = clustered_boxes(1, noise=0.4)
    np.testing.assert_array_equal(kmeans_anchors(wh, 5, seed=3), kmeans_anchors(wh, 5, seed=3))


def test_elbow_curve_rises_then_flattens(tmp_path):
    wh = clustered_boxes(2)
    curve = anchor_elbow(wh, ks=range(2, 8), seed=0)
    ious = np.array([curve[k][1] for k in range(2, 8)])
    assert np.all(np.diff(ious) > -1e-3)
    gains = np.diff(ious)
    # the elbow is at the true K = 4: the 4th anchor gains much more than the 5th
    assert gains[1] > 5 * gains[2]
    fig = plot_anchor_elbow(curve)  # matplotlib lives in is_keras.plotting
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), ious)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), gains)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="shape"):
        kmeans_anchors(np.ones((5, 3)), 2)
    with pytest.raises(ValueError, match="distinct"):
        kmeans_anchors(np.ones((5, 2)), 2)
    with pytest.raises(ValueError, match="> 0"):
        kmeans_anchors(np.array([[1.0, 0.0], [2.0, 2.0]]), 1)
    assert format_anchors([[0.57273, 0.677385], [1.87446, 2.06253]]) == "0.57273,0.677385, 1.87446,2.06253"


def test_compute_anchors_script_grid_units(tmp_path, capsys):
    script = Path(__file__).resolve().parents[1] / "data_scripts" / "compute_anchors.py"
    spec = importlib.util.spec_from_file_location("compute_anchors", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # two images of different sizes; boxes are 1/13 and 4/13 × 2/13 of their image
    images = [{"id": 1, "width": 416, "height": 416}, {"id": 2, "width": 832, "height": 208}]
    anns = []
    for i in range(40):
        img = images[i % 2]
        w, h = (img["width"] / 13, img["height"] / 13) if i % 4 < 2 else (img["width"] * 4 / 13, img["height"] * 2 / 13)
        anns.append({"id": i + 1, "image_id": img["id"], "bbox": [0, 0, w, h], "category_id": 1, "iscrowd": 0})
    anns.append({"id": 99, "image_id": 1, "bbox": [0, 0, 300, 300], "category_id": 1, "iscrowd": 1})
    path = tmp_path / "ann.json"
    path.write_text(json.dumps({"images": images, "annotations": anns, "categories": [{"id": 1}]}))
    wh = module.box_shapes_in_grid_units(path, 416)
    assert len(wh) == 40  # the crowd box is skipped
    assert module.main([str(path), "--k", "2", "--k-max", "2", "--plot", str(tmp_path / "e.png")]) == 0
    out = capsys.readouterr().out
    assert "anchors = 1,1, 4,2" in out
    assert (tmp_path / "e.png").exists()
