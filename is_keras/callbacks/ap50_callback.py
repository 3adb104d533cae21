"""A Keras callback that records 1-AP50 on validation images during training (thesis §5.2)."""

from __future__ import annotations

import numpy as np

from is_keras.callbacks.evaluation_callback import EvaluationCallback
from is_keras.detection.decode import yolo_detections
from is_keras.metrics.ap50 import ap50
from is_keras.sampling.options import Option


class OneMinusAP50(EvaluationCallback):
    """Evaluates 1-AP50 (decoding, per-class NMS, :func:`~is_keras.metrics.ap50.ap50`) every epoch, twice in the first.

    Args:
        x_val, anchors: ``(N, H, W, 3)`` float images in [0, 1]; ``(A, 2)`` anchors in grid units (as the loss).
        gt_boxes, gt_labels: per image ``(n, 4)`` ``[x1, y1, x2, y2]`` pixel boxes and labels.
        steps_per_epoch: batches per epoch, to find mid-epoch 1 (default: ``params["steps"]``).
        batch_size, score_threshold, iou_threshold, max_detections: validation batch size; decoding and NMS.
        every_n_epochs: evaluate at the end of every n-th epoch (the first epoch always twice).
    Raises: ValueError: images not ``(N, H, W, C)``, lists of another length or a bad ``every_n_epochs``.
    Example:
        >>> ap = OneMinusAP50(np.zeros((1, 32, 32, 3)), [np.zeros((0, 4))], [np.zeros(0)], [[1.0, 1.0]])
        >>> ap.every_n_epochs, ap.one_minus_ap50
        (1, [])
    """

    metric_name = "one_minus_ap50"
    record_fields = EvaluationCallback.record_fields + ("epochs",)  # saved and restored with a run backup

    def __init__(self, x_val, gt_boxes, gt_labels, anchors, *, steps_per_epoch: int | None = None,
                 batch_size: int = 32, score_threshold: float = 0.005, iou_threshold: float = 0.45,
                 max_detections: int = 100, every_n_epochs: int = 1):
        super().__init__()
        self.x_val = np.asarray(x_val, dtype=np.float32)
        if self.x_val.ndim != 4:
            raise ValueError(f"x_val must be (N, H, W, C) images, got shape {self.x_val.shape}")
        if not len(self.x_val) == len(gt_boxes) == len(gt_labels):
            raise ValueError(f"x_val has {len(self.x_val)} images but gt_boxes {len(gt_boxes)} "
                             f"and gt_labels {len(gt_labels)}")
        self.gt_boxes = [np.asarray(b, dtype=np.float32).reshape(-1, 4) for b in gt_boxes]
        self.gt_labels = [np.asarray(lab).reshape(-1) for lab in gt_labels]
        self.anchors = np.asarray(anchors, dtype=np.float32)
        self.steps_per_epoch = steps_per_epoch
        self.batch_size = int(batch_size)
        self.score_threshold = float(score_threshold)
        self.iou_threshold = float(iou_threshold)
        self.max_detections = int(max_detections)
        self.every_n_epochs = Option(int, low=1).check("every_n_epochs", every_n_epochs)
        self.epochs: list[float] = []
        self._epoch = 0

    @property
    def one_minus_ap50(self) -> list[float]:
        """The recorded 1-AP50 values."""
        return self.values

    def predict(self) -> np.ndarray:
        """Raw model outputs on the validation images."""
        return self.predict_batches(self.x_val, self.batch_size)

    def detections(self):
        """``[(boxes, scores, labels), ...]`` per validation image."""
        return yolo_detections(self.predict(), self.anchors, self.x_val.shape[1:3],
                               score_threshold=self.score_threshold, iou_threshold=self.iou_threshold,
                               max_detections=self.max_detections)

    def evaluate(self) -> float:
        """The current 1-AP50 on the validation images."""
        dets = self.detections()
        value = ap50(self.gt_boxes, self.gt_labels, [d[0] for d in dets], [d[1] for d in dets],
                     [d[2] for d in dets], max_detections=self.max_detections)
        return 1.0 - value

    def _record(self, logs, epoch_position):
        self.record(logs)
        self.epochs.append(epoch_position)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self._epoch != 0:
            return
        steps = self.steps_per_epoch or (self.params or {}).get("steps")
        if steps and steps >= 2 and batch + 1 == steps // 2:
            self._record(logs, (batch + 1) / steps)

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0 or (epoch + 1) % self.every_n_epochs == 0:
            self._record(logs, float(epoch + 1))
        super().on_epoch_end(epoch, logs)
