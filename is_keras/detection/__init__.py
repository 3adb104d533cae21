"""Object detection with YOLOv2: reorg, anchors, targets, loss, decoding, table scores."""

from is_keras.detection.reorg import darknet_reorg

__all__ = ["darknet_reorg"]
