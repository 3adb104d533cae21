"""AP50: COCO average precision at IoU 0.5, computed by pycocotools (thesis §2.4.3, §5.2)."""

from __future__ import annotations

import contextlib
import io

import numpy as np


def _as_list(name, values, n=None):
    values = list(values)
    if n is not None and len(values) != n:
        raise ValueError(f"{name} has {len(values)} images, expected {n} (one entry per image)")
    return values


def _xywh(box) -> list[float]:
    """``[x1, y1, x2, y2]`` -> COCO's ``[x, y, w, h]``."""
    return [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]


def ap50(gt_boxes, gt_labels, pred_boxes, pred_scores, pred_labels, *, max_detections: int = 100) -> float:
    """COCO AP at IoU 0.5 over all classes, exactly ``COCOeval(...).stats[1]`` (run silently, in memory).

    Args:
        gt_boxes, gt_labels: per image ``(n, 4)`` ground-truth boxes ``[x1, y1, x2, y2]`` and ``(n,)`` classes.
        pred_boxes, pred_scores, pred_labels: per image ``(m, 4)`` predicted boxes, ``(m,)`` scores and classes.
        max_detections: detections per image that count.
    Returns: AP50 in [0, 1]; ``nan`` when there is no ground-truth box at all, 0 without predictions.
    Raises: ValueError: lists of different lengths, or boxes, scores and labels of different counts in an image.
    Example:
        >>> gt = [np.array([[0, 0, 10, 10.]])]
        >>> round(ap50(gt, [np.array([0])], [np.array([[0, 0, 10, 10.]])], [np.array([0.9])], [np.array([0])]), 6)
        1.0
        >>> ap50(gt, [np.array([0])], [np.array([[20, 20, 30, 30.]])], [np.array([0.9])], [np.array([0])])
        0.0
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt_boxes = _as_list("gt_boxes", gt_boxes)
    n = len(gt_boxes)
    gt_labels = _as_list("gt_labels", gt_labels, n)
    pred_boxes = _as_list("pred_boxes", pred_boxes, n)
    pred_scores = _as_list("pred_scores", pred_scores, n)
    pred_labels = _as_list("pred_labels", pred_labels, n)

    images, annotations, results, categories = [], [], [], set()
    for i in range(n):
        boxes = np.asarray(gt_boxes[i], dtype=np.float64).reshape(-1, 4)
        labels = np.asarray(gt_labels[i]).reshape(-1)
        if len(boxes) != len(labels):
            raise ValueError(f"image {i}: {len(boxes)} ground-truth boxes but {len(labels)} labels")
        images.append({"id": i + 1})
        for box, label in zip(boxes, labels):
            xywh = _xywh(box)
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": int(label) + 1,
                                "bbox": xywh, "area": xywh[2] * xywh[3], "iscrowd": 0})
            categories.add(int(label) + 1)
        boxes = np.asarray(pred_boxes[i], dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(pred_scores[i], dtype=np.float64).reshape(-1)
        labels = np.asarray(pred_labels[i]).reshape(-1)
        if not len(boxes) == len(scores) == len(labels):
            raise ValueError(f"image {i}: {len(boxes)} predicted boxes, {len(scores)} scores, {len(labels)} labels")
        for box, score, label in zip(boxes, scores, labels):
            results.append({"image_id": i + 1, "category_id": int(label) + 1, "score": float(score),
                            "bbox": _xywh(box)})
            categories.add(int(label) + 1)
    if not annotations:
        return float("nan")
    if not results:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = {"images": images, "annotations": annotations,
                           "categories": [{"id": c} for c in sorted(categories)]}
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, iouType="bbox")
        evaluator.params.iouThrs = np.array([0.5])
        evaluator.params.maxDets = [int(max_detections)]
        evaluator.params.areaRng = [[0, 1e10]]
        evaluator.params.areaRngLbl = ["all"]
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval["precision"][0, :, :, 0, 0]  # (recall points, classes)
    valid = precision[precision > -1]
    return float(valid.mean()) if valid.size else 0.0


def one_minus_ap50(gt_boxes, gt_labels, pred_boxes, pred_scores, pred_labels, *, max_detections: int = 100) -> float:
    """``1 - ap50(...)`` (``nan`` without ground truth), the thesis's detection curve value; arguments as :func:`ap50`.

    Raises: ValueError: see :func:`ap50`.
    Example:
        >>> box = [np.array([[0, 0, 10, 10.]])]
        >>> round(one_minus_ap50(box, [np.array([0])], box, [np.array([0.9])], [np.array([0])]), 6)
        0.0
    """
    return 1.0 - ap50(gt_boxes, gt_labels, pred_boxes, pred_scores, pred_labels, max_detections=max_detections)
