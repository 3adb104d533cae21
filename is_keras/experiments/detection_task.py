"""Object detection: YOLOv2 from scratch on :class:`~is_keras.data.coco.DetectionData`, 1-AP50 on validation images,
one loss-table entry per image (thesis §5.2); evaluated every epoch and twice in the first."""

from __future__ import annotations

import dataclasses

import numpy as np

from is_keras.callbacks.ap50_callback import OneMinusAP50
from is_keras.detection.anchors import kmeans_anchors
from is_keras.detection.scores import get_table_score
from is_keras.detection.targets import build_yolo_targets
from is_keras.detection.yolo_loss import YoloV2Loss
from is_keras.experiments.metric import ONE_MINUS_AP50
from is_keras.experiments.task import Task, TaskSetup
from is_keras.experiments.training_config import TrainingConfig


def parse_method(spec: str) -> tuple[str, str]:
    """``"is-probabilistic+entropy"`` → ``("is-probabilistic", "entropy")``; a bare method uses the loss.

    Args:
        spec: ``"method"`` or ``"method+score"``.
    Raises: ValueError: for an unknown method or score (the message lists the valid ones).
    Example:
        >>> parse_method("nis"), parse_method("is-randomsubset+closeness")
        (('nis', 'loss'), ('is-randomsubset', 'closeness'))
    """
    task, method = DetectionTask().variant(spec if "+" in spec else f"{spec}+loss")
    return method, task.table_score


def box_shapes(data, grid_size) -> np.ndarray:
    """(w, h) of every box of ``data`` in grid units (for k-means anchors).

    Args:
        data: a :class:`~is_keras.data.coco.DetectionData`; grid_size: ``(grid_h, grid_w)`` cells.
    Returns: ``(num_boxes, 2)`` float array.
    Raises: ValueError: when the set has no boxes.
    Example:
        >>> from is_keras.data.synthetic_shapes import generate_shapes
        >>> box_shapes(generate_shapes(4, 64, seed=0), (2, 2)).shape[1]
        2
    """
    height, width = data.image_size
    grid_h, grid_w = grid_size
    boxes = [b for b in data.boxes if len(b)]
    if not boxes:
        raise ValueError("the training set has no boxes: cannot compute anchors")
    b = np.concatenate(boxes).astype(np.float64)
    return np.stack([(b[:, 2] - b[:, 0]) / width * grid_w, (b[:, 3] - b[:, 1]) / height * grid_h], axis=1)


@dataclasses.dataclass(frozen=True)
class DetectionTask(Task):
    """YOLOv2 detection with IS over images.

    Attributes:
        num_anchors: anchors per cell when ``anchors`` is not given (k-means, 1 - IoU, seeded by the run's seed).
        anchors: anchors in grid units, ``(K, 2)``.
        localisation_only: drop the class head and term (thesis §4.2.3, eq. 4.1).
        loss_kwargs: passed to :class:`~is_keras.detection.yolo_loss.YoloV2Loss`.
        table_score: ``"loss"`` (thesis), ``"entropy"`` or ``"closeness"`` (:mod:`is_keras.detection.scores`).
    Raises: ValueError: for an unknown table score.
    Example:
        >>> task, method = DetectionTask().variant("is-probabilistic+entropy")
        >>> method, task.table_score, task.metric.label
        ('is-probabilistic', 'entropy', '1-AP50')
    """

    num_anchors: int = 3
    anchors: object = None
    localisation_only: bool = False
    loss_kwargs: dict | None = None
    table_score: str = "loss"

    name = "detection"
    metric = ONE_MINUS_AP50

    def __post_init__(self):
        get_table_score(self.table_score)

    def default_training_config(self) -> TrainingConfig:
        """YOLOv2 ×0.125 (batch-norm momentum 0.9), 10 epochs, batch 16, Adam 3e-3, seed 0.

        Example:
            >>> DetectionTask().default_training_config().model_kwargs
            {'width': 0.125, 'bn_momentum': 0.9}
        """
        return TrainingConfig(model="yolov2", model_kwargs={"width": 0.125, "bn_momentum": 0.9}, epochs=10,
                              batch_size=16, learning_rate=3e-3, eval_every=None)

    def setup(self, train, val, training_config: TrainingConfig) -> TaskSetup:
        """Anchors, YOLO targets, the model builder, the YOLOv2 loss and the 1-AP50 callback.

        Args:
            train, val: :class:`~is_keras.data.coco.DetectionData` of equal image size (a multiple of 32).
            training_config: model ``"yolov2"``; ``model_kwargs`` ``width`` / ``bn_momentum``; ``eval_every`` None.
        Raises: ValueError: for another model, an ``eval_every``, or sets of different image sizes.
        """
        import keras

        from is_keras.models.yolov2 import yolov2

        config = training_config
        if config.model != "yolov2":
            raise ValueError(f"the detection task trains model 'yolov2', got {config.model!r}")
        if config.eval_every is not None:
            raise ValueError("the detection task evaluates every epoch (and twice in the first): "
                             f"eval_every must be None, got {config.eval_every!r}")
        if train.image_size != val.image_size:
            raise ValueError(f"train images are {train.image_size} but validation images are {val.image_size}")
        height, width = train.image_size
        grid = (height // 32, width // 32)
        num_classes = 0 if self.localisation_only else train.num_classes
        anchors = np.asarray(kmeans_anchors(box_shapes(train, grid), self.num_anchors, seed=config.seed)
                             if self.anchors is None else self.anchors, dtype=np.float64)
        targets = build_yolo_targets(train.boxes, train.labels, (height, width), grid, anchors, num_classes)
        val_labels = [np.zeros_like(lab) for lab in val.labels] if self.localisation_only else val.labels
        loss = YoloV2Loss(anchors, **(self.loss_kwargs or {}))

        def build_model():
            keras.utils.set_random_seed(config.seed)
            return yolov2((height, width, 3), num_classes=num_classes, num_anchors=len(anchors), **config.model_kwargs)

        return TaskSetup(
            x=train.float_images(), y=targets, build_model=build_model,
            evaluator=OneMinusAP50(val.float_images(), val.boxes, val_labels, anchors),
            loss=loss, table_score=get_table_score(self.table_score),
            config={"table_score": self.table_score, "anchors": anchors.round(5).tolist(),
                    "num_classes": num_classes, "image_size": [height, width], "num_train": len(train),
                    "num_val": len(val), "loss": {k: getattr(loss, k) for k in (
                        "lambda_coord", "lambda_obj", "lambda_noobj", "lambda_class", "noobj_scope")}},
            artifacts={"anchors": anchors},
        )

    def parameters(self, model) -> int:
        """Every parameter, batch-norm moving statistics included (darknet's count)."""
        return int(model.count_params())
