"""Anchor boxes by k-means on ground-truth (w, h) with the distance ``1 - IoU`` (YOLOv2, thesis §4.2.2)."""

from __future__ import annotations

import numpy as np


def _check_wh(wh, name="wh") -> np.ndarray:
    wh = np.asarray(wh, dtype=np.float64)
    if wh.ndim != 2 or wh.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2) of box widths and heights, got {wh.shape}")
    if wh.shape[0] == 0:
        raise ValueError(f"{name} is empty: no boxes to cluster")
    if not np.all(np.isfinite(wh)) or np.any(wh <= 0):
        raise ValueError(f"{name} must hold finite widths and heights > 0")
    return wh


def wh_iou(wh, anchors) -> np.ndarray:
    """IoU of boxes and anchors aligned at a common corner (only shapes count).

    Args: wh, anchors: ``(N, 2)`` box and ``(K, 2)`` anchor widths and heights.
    Returns: float64 ``(N, K)`` IoUs.
    Example:
        >>> wh_iou([[2.0, 2.0]], [[1.0, 1.0], [2.0, 4.0]])
        array([[0.25, 0.5 ]])
    """
    wh = np.asarray(wh, dtype=np.float64)[:, None, :]
    anchors = np.asarray(anchors, dtype=np.float64)[None, :, :]
    inter = np.minimum(wh[..., 0], anchors[..., 0]) * np.minimum(wh[..., 1], anchors[..., 1])
    union = wh[..., 0] * wh[..., 1] + anchors[..., 0] * anchors[..., 1] - inter
    return inter / union


def mean_iou(wh, anchors) -> float:
    """Mean over boxes of the IoU with their best anchor (the elbow curve's y value).

    Args: wh, anchors: ``(N, 2)`` box widths and heights (finite, > 0); ``(K, 2)`` anchors.
    Returns: The mean best IoU (float).
    Raises: ValueError: empty, wrongly shaped, non-finite or non-positive sizes.
    Example:
        >>> mean_iou([[1.0, 1.0], [2.0, 2.0]], [[1.0, 1.0]])
        0.625
    """
    return float(wh_iou(_check_wh(wh), _check_wh(anchors, "anchors")).max(axis=1).mean())


def kmeans_anchors(wh, k: int, *, seed: int = 0, max_iter: int = 300, n_init: int = 5) -> np.ndarray:
    """k-means (k-means++ starts) on box shapes with distance ``1 - IoU``; returns ``(k, 2)`` anchors sorted by area.

    Args:
        wh, k, seed: ``(N, 2)`` box widths and heights; the number of anchors; seeds the k-means++ starts.
        max_iter, n_init: iterations per run; runs, the best (highest :func:`mean_iou`) kept.
    Returns: float64 ``(k, 2)`` anchors in the units of ``wh``, smallest area first.
    Raises: ValueError: bad ``wh``, ``k < 1``, or fewer distinct shapes than ``k``.
    Example:
        >>> rng = np.random.default_rng(0)
        >>> wh = np.concatenate([rng.normal(10, 0.5, (50, 2)), rng.normal(40, 2, (50, 2))])
        >>> kmeans_anchors(wh, 2).round()
        array([[10., 10.],
               [40., 40.]])
    """
    wh = _check_wh(wh)
    if int(k) != k or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    k = int(k)
    unique = np.unique(wh, axis=0)
    if unique.shape[0] < k:
        raise ValueError(f"cannot find {k} anchors in {unique.shape[0]} distinct box shapes")
    rng = np.random.default_rng(seed)
    best, best_iou = None, -1.0
    for _ in range(max(1, int(n_init))):
        centers = _kmeans_pp_init(unique, k, rng)
        assign = None
        for _ in range(int(max_iter)):
            new_assign = wh_iou(wh, centers).argmax(axis=1)
            if assign is not None and np.array_equal(new_assign, assign):
                break
            assign = new_assign
            for j in range(k):
                members = wh[assign == j]
                if members.size:
                    centers[j] = members.mean(axis=0)
                else:  # an empty cluster takes the box worst served by the others
                    centers[j] = wh[wh_iou(wh, centers).max(axis=1).argmin()]
        score = mean_iou(wh, centers)
        if score > best_iou:
            best, best_iou = centers.copy(), score
    return best[np.argsort(best[:, 0] * best[:, 1], kind="stable")]


def _kmeans_pp_init(wh: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centers = [wh[rng.integers(len(wh))]]
    for _ in range(1, k):
        distance = np.square(1.0 - wh_iou(wh, np.array(centers)).max(axis=1))
        total = distance.sum()
        p = distance / total if total > 0 else None
        centers.append(wh[rng.choice(len(wh), p=p)])
    return np.array(centers, dtype=np.float64)


def anchor_elbow(wh, *, ks=range(2, 11), seed: int = 0) -> dict[int, tuple[np.ndarray, float]]:
    """``{k: (anchors, mean IoU)}`` for every k in ``ks`` (thesis Figures 4.1–4.2).

    Args: wh, ks, seed: ``(N, 2)`` box widths and heights; the anchor counts to try; seeds every k-means.
    Returns: A dict ``{k: ((k, 2) anchors, mean IoU)}``.
    Raises: ValueError: see :func:`kmeans_anchors`.
    Example:
        >>> curve = anchor_elbow([[1.0, 1.0], [1.0, 2.0], [4.0, 4.0], [8.0, 2.0]], ks=range(1, 5))
        >>> [round(curve[k][1], 3) for k in curve]
        [0.322, 0.627, 0.854, 1.0]
    """
    return {int(k): (a, mean_iou(wh, a)) for k in ks for a in [kmeans_anchors(wh, k, seed=seed)]}


def format_anchors(anchors) -> str:
    """``(K, 2)`` anchors as a darknet cfg string, e.g. ``"0.57273,0.677385, 1.87446,2.06253"``.

    Raises: ValueError: anchors that are not pairs.
    Example:
        >>> format_anchors([[0.5, 0.75], [2.0, 3.0]])
        '0.5,0.75, 2,3'
    """
    return ", ".join(f"{w:.6g},{h:.6g}" for w, h in np.asarray(anchors, dtype=np.float64))


#: darknet's ``cfg/yolov2.cfg`` anchors (COCO, grid units at 416×416).
YOLOV2_COCO_ANCHORS = np.array([[0.57273, 0.677385], [1.87446, 2.06253], [3.33843, 5.47434], [7.88282, 3.52778],
                                [9.77052, 9.16828]])
#: darknet's ``cfg/yolov2-voc.cfg`` anchors.
YOLOV2_VOC_ANCHORS = np.array([[1.3221, 1.73145], [3.19275, 4.00944], [5.05587, 8.09892], [9.47112, 4.84053],
                               [11.2364, 10.0071]])
