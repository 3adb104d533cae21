"""YOLOv2 targets, loss (thesis eq. 2.15 / 4.1) and decoding."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras.detection.anchors import YOLOV2_COCO_ANCHORS
from is_keras.detection.decode import box_iou, yolo_detections
from is_keras.detection.targets import build_yolo_targets, targets_to_boxes
from is_keras.detection.yolo_loss import YoloV2Loss, perfect_predictions
from is_keras.models.yolov2 import yolov2

ANCHORS = np.array([[1.0, 1.0], [2.5, 1.2], [1.5, 3.0]])


def random_boxes(rng, n_images, size=128, max_objects=4, num_classes=3):
    boxes, labels = [], []
    for _ in range(n_images):
        n = rng.integers(0, max_objects + 1)
        xy = rng.uniform(0, size * 0.7, (n, 2))
        wh = rng.uniform(8, size * 0.3, (n, 2))
        boxes.append(np.concatenate([xy, xy + wh], 1))
        labels.append(rng.integers(0, num_classes, n))
    return boxes, labels


def test_target_assignment_by_hand():
    t = build_yolo_targets([np.array([[100.0, 120.0, 200.0, 300.0]])], [np.array([3])], 416, 13,
                           YOLOV2_COCO_ANCHORS, num_classes=80)
    assert t.shape == (1, 13, 13, 5, 6)
    (n, row, col, a), = np.argwhere(t[..., 4] == 1)
    # centre (150, 210) px = (4.6875, 6.5625) cells; size (3.125, 5.625) cells best matches anchor 2
    assert (row, col, a) == (6, 4, 2)
    np.testing.assert_allclose(t[0, 6, 4, 2], [0.6875, 0.5625, 100 / 416, 180 / 416, 1, 3], rtol=1e-6)
    assert t[..., 4].sum() == 1


def test_targets_round_trip():
    rng = np.random.default_rng(0)
    boxes, labels = random_boxes(rng, 8, max_objects=2)
    t = build_yolo_targets(boxes, labels, 128, 4, ANCHORS, num_classes=3)
    back_boxes, back_labels = targets_to_boxes(t, 128)
    for b, lab, bb, bl in zip(boxes, labels, back_boxes, back_labels):
        if len(b) == len(bb):  # (objects sharing a cell and anchor collapse into one)
            order = np.lexsort(b.T[::-1])
            order_back = np.lexsort(bb.T[::-1])
            np.testing.assert_allclose(bb[order_back], b[order], atol=1e-3)
            np.testing.assert_array_equal(bl[order_back], lab[order])


def reference_loss(y_true, y_pred, anchors, lc, lo, ln, lcl, scope):
    """Thesis eq. 2.15 (YOLOv2 form) written as explicit loops."""
    b_, sh, sw, na, _ = y_pred.shape
    sig = lambda v: 1 / (1 + np.exp(-v))
    out = np.zeros(b_)
    for b in range(b_):
        for i in range(sh):
            for j in range(sw):
                cell_has_obj = y_true[b, i, j, :, 4].max() > 0
                for a in range(na):
                    t, p = y_true[b, i, j, a], y_pred[b, i, j, a]
                    conf = sig(p[4])
                    if t[4] > 0:
                        w = anchors[a, 0] * np.exp(p[2]) / sw
                        h = anchors[a, 1] * np.exp(p[3]) / sh
                        out[b] += lc * ((t[0] - sig(p[0])) ** 2 + (t[1] - sig(p[1])) ** 2)
                        out[b] += lc * ((np.sqrt(t[2]) - np.sqrt(w)) ** 2 + (np.sqrt(t[3]) - np.sqrt(h)) ** 2)
                        out[b] += lo * (1 - conf) ** 2
                        if y_pred.shape[-1] > 5:
                            probs = np.exp(p[5:]) / np.exp(p[5:]).sum()
                            onehot = np.eye(len(probs))[int(t[5])]
                            out[b] += lcl * ((onehot - probs) ** 2).sum()
                    noobj = (not cell_has_obj) if scope == "cell" else t[4] == 0
                    if noobj:
                        out[b] += ln * conf ** 2
    return out


@pytest.mark.parametrize("num_classes", [0, 3])
@pytest.mark.parametrize("scope", ["anchor", "cell"])
def test_loss_matches_formula(num_classes, scope):
    rng = np.random.default_rng(1)
    boxes, labels = random_boxes(rng, 4, num_classes=max(num_classes, 1))
    t = build_yolo_targets(boxes, labels, 128, 4, ANCHORS, num_classes=num_classes)
    p = rng.normal(0, 1, t.shape[:-1] + (5 + num_classes,)).astype(np.float32)
    loss = YoloV2Loss(ANCHORS, lambda_coord=5, lambda_obj=2, lambda_noobj=0.5, lambda_class=3, noobj_scope=scope)
    got = loss(t, p).numpy()
    assert got.shape == (4,)
    np.testing.assert_allclose(got, reference_loss(t, p, ANCHORS, 5, 2, 0.5, 3, scope), rtol=1e-5)
    if num_classes == 0:
        assert np.all(loss.components(t, p)["class"].numpy() == 0)


def test_class_term_leaves_with_classes():
    """Eq. 4.1 = eq. 2.15 minus the class term: a model with classes adds exactly that term."""
    rng = np.random.default_rng(2)
    boxes, labels = random_boxes(rng, 3)
    t = build_yolo_targets(boxes, labels, 128, 4, ANCHORS, num_classes=3)
    p = rng.normal(0, 1, t.shape[:-1] + (8,)).astype(np.float32)
    loss = YoloV2Loss(ANCHORS)
    parts = loss.components(t, p)
    np.testing.assert_allclose(loss(t, p).numpy() - parts["class"].numpy(), loss(t, p[..., :5]).numpy(), rtol=1e-5)
    assert np.all(parts["class"].numpy()[[len(b) > 0 for b in boxes]] > 0)


@pytest.mark.parametrize("num_classes", [0, 3])
def test_perfect_predictions_give_zero_loss_and_exact_boxes(num_classes):
    rng = np.random.default_rng(3)
    boxes, labels = random_boxes(rng, 5, max_objects=3, num_classes=max(num_classes, 1))
    t = build_yolo_targets(boxes, labels, 128, 4, ANCHORS, num_classes=num_classes)
    p = perfect_predictions(t, ANCHORS, num_classes)
    assert YoloV2Loss(ANCHORS)(t, p).numpy().max() < 1e-6
    gt_boxes, gt_labels = targets_to_boxes(t, 128)
    detections = yolo_detections(p, ANCHORS, 128, score_threshold=0.5)
    for (db, ds, dl), gb, gl in zip(detections, gt_boxes, gt_labels):
        assert len(db) == len(gb)
        if len(gb):
            assert np.all(ds > 0.99)
            iou = box_iou(db, gb)
            np.testing.assert_allclose(iou.max(axis=0), 1.0, atol=1e-4)
            np.testing.assert_array_equal(dl[iou.argmax(axis=0)], gl if num_classes else 0 * gl)


def test_per_class_nms():
    # two heavily overlapping boxes: same class -> one survives; different classes -> both
    from is_keras.detection.decode import non_max_suppression

    boxes = np.array([[[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]]], np.float32)
    same = np.array([[[0.9, 0.0], [0.8, 0.0], [0.7, 0.0]]], np.float32)
    diff = np.array([[[0.9, 0.0], [0.0, 0.8], [0.7, 0.0]]], np.float32)
    b, s, lab = non_max_suppression(boxes, same, iou_threshold=0.45)[0]
    np.testing.assert_allclose(s, [0.9, 0.7])
    b, s, lab = non_max_suppression(boxes, diff, iou_threshold=0.45)[0]
    np.testing.assert_allclose(s, [0.9, 0.8, 0.7])
    np.testing.assert_array_equal(lab, [0, 1, 0])


def test_loss_decreases_when_training():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(4)
    x = rng.random((2, 64, 64, 3)).astype(np.float32)
    boxes, labels = random_boxes(rng, 2, size=64, max_objects=3)
    t = build_yolo_targets(boxes, labels, 64, 2, ANCHORS, num_classes=3)
    model = yolov2((64, 64, 3), num_classes=3, num_anchors=3, width=0.125)
    loss_fn = YoloV2Loss(ANCHORS)
    opt = keras.optimizers.Adam(1e-3)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(loss_fn(t, model(x, training=True)))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    first = float(step())
    for _ in range(40):
        last = float(step())
    assert last < 0.3 * first


def test_bad_arguments():
    with pytest.raises(ValueError, match="anchors"):
        YoloV2Loss(np.ones((3, 3)))
    with pytest.raises(ValueError, match="noobj_scope"):
        YoloV2Loss(ANCHORS, noobj_scope="image")
    with pytest.raises(ValueError, match="lambda_noobj"):
        YoloV2Loss(ANCHORS, lambda_noobj=-1)
    with pytest.raises(ValueError, match="y_pred"):
        YoloV2Loss(ANCHORS)(np.zeros((1, 2, 2, 3, 6)), np.zeros((1, 2, 2, 2, 5)))
    with pytest.raises(ValueError, match="labels must lie"):
        build_yolo_targets([np.array([[0, 0, 5, 5]])], [np.array([3])], 64, 2, ANCHORS, num_classes=3)
