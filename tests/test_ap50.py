"""AP50 against pycocotools' own summary and a hand-computed case."""

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from is_keras.metrics.ap50 import ap50, one_minus_ap50


def coco_stats1(gt_boxes, gt_labels, pred_boxes, pred_scores, pred_labels):
    """The reference: standard COCOeval, default parameters, stats[1] (AP at IoU=0.50)."""
    images, anns, dets = [], [], []
    for i in range(len(gt_boxes)):
        images.append({"id": i + 1, "width": 200, "height": 200})
        for b, label in zip(gt_boxes[i], gt_labels[i]):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(label) + 1, "iscrowd": 0,
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "area": (b[2] - b[0]) * (b[3] - b[1])})
        for b, s, label in zip(pred_boxes[i], pred_scores[i], pred_labels[i]):
            dets.append({"image_id": i + 1, "category_id": int(label) + 1, "score": float(s),
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": c + 1} for c in range(3)]}
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats[1]


def random_case(seed):
    rng = np.random.default_rng(seed)
    gt_boxes, gt_labels, pred_boxes, pred_scores, pred_labels = [], [], [], [], []
    for _ in range(12):
        n = rng.integers(1, 6)
        xy = rng.uniform(0, 150, (n, 2))
        wh = rng.uniform(8, 50, (n, 2))
        boxes = np.concatenate([xy, xy + wh], 1)
        labels = rng.integers(0, 3, n)
        gt_boxes.append(boxes)
        gt_labels.append(labels)
        # jittered copies (some good, some poor), wrong labels, pure false positives
        jitter = boxes + rng.normal(0, rng.uniform(1, 12), boxes.shape)
        jitter[:, 2:] = np.maximum(jitter[:, 2:], jitter[:, :2] + 1)
        m = rng.integers(0, 4)
        fxy = rng.uniform(0, 150, (m, 2))
        fake = np.concatenate([fxy, fxy + rng.uniform(8, 50, (m, 2))], 1)
        p_labels = np.where(rng.random(n) < 0.8, labels, rng.integers(0, 3, n))
        pred_boxes.append(np.concatenate([jitter, fake]))
        pred_labels.append(np.concatenate([p_labels, rng.integers(0, 3, m)]))
        pred_scores.append(rng.random(n + m))
    return gt_boxes, gt_labels, pred_boxes, pred_scores, pred_labels


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_equals_pycocotools_stats1(seed):
    case = random_case(seed)
    expected = coco_stats1(*case)
    assert 0.05 < expected < 0.99
    assert ap50(*case) == pytest.approx(expected, abs=1e-12)
    assert one_minus_ap50(*case) == pytest.approx(1 - expected, abs=1e-12)


def test_hand_computed_case():
    """One class, 2 objects; ranked TP (0.9), FP (0.8), TP (0.7).

    COCO 101-point interpolation: precision 1 for recall 0..0.5 (51 points),
    2/3 for recall 0.51..1 (50 points) -> AP = (51 + 50 * 2/3) / 101.
    """
    gt = [np.array([[0, 0, 10, 10], [50, 50, 70, 70]], float)]
    preds = [np.array([[0, 0, 10, 10], [100, 100, 120, 120], [51, 51, 70, 70]], float)]
    value = ap50(gt, [np.array([0, 0])], preds, [np.array([0.9, 0.8, 0.7])], [np.array([0, 0, 0])])
    assert value == pytest.approx((51 + 50 * 2 / 3) / 101)


def test_iou_threshold_is_half():
    gt = [np.array([[0, 0, 10, 10]], float)]
    # IoU 0.6 counts, IoU 0.4 does not
    assert ap50(gt, [[0]], [np.array([[0, 0, 10, 6]], float)], [[0.9]], [[0]]) == pytest.approx(1.0)
    assert ap50(gt, [[0]], [np.array([[0, 0, 10, 4]], float)], [[0.9]], [[0]]) == pytest.approx(0.0)


def test_edge_cases_and_errors():
    gt = [np.array([[0, 0, 10, 10]], float)]
    assert ap50(gt, [[0]], [np.zeros((0, 4))], [[]], [[]]) == 0.0
    assert np.isnan(ap50([np.zeros((0, 4))], [[]], [np.zeros((0, 4))], [[]], [[]]))
    with pytest.raises(ValueError, match="images"):
        ap50(gt, [[0]], [], [], [])
    with pytest.raises(ValueError, match="labels"):
        ap50(gt, [[0, 1]], [np.zeros((0, 4))], [[]], [[]])
