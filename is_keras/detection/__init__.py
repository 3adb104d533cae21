"""Object detection with YOLOv2: anchors, targets, loss, decoding, uncertainty table scores (no plotting here)."""

from is_keras.detection.anchors import (
    YOLOV2_COCO_ANCHORS,
    YOLOV2_VOC_ANCHORS,
    anchor_elbow,
    format_anchors,
    kmeans_anchors,
    mean_iou,
    wh_iou,
)
from is_keras.detection.decode import box_iou, decode_yolo, non_max_suppression, yolo_detections
from is_keras.detection.scores import ObjectnessEntropyScore, ThresholdClosenessScore, get_table_score
from is_keras.detection.targets import build_yolo_targets, targets_to_boxes
from is_keras.detection.yolo_loss import YoloV2Loss, perfect_predictions

__all__ = ["YOLOV2_COCO_ANCHORS", "YOLOV2_VOC_ANCHORS", "ObjectnessEntropyScore", "ThresholdClosenessScore",
           "YoloV2Loss", "anchor_elbow", "box_iou", "build_yolo_targets", "decode_yolo", "format_anchors",
           "get_table_score", "kmeans_anchors", "mean_iou", "non_max_suppression", "perfect_predictions",
           "targets_to_boxes", "wh_iou", "yolo_detections"]
