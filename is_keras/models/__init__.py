"""Keras models: CrapNet, ResNet-18 (width-scaled to a parameter budget), DarkNet-19 / YOLOv2, darknet's reorg."""

from is_keras.models.crapnet import crapnet, crapnet_param_count
from is_keras.models.darknet19 import darknet19
from is_keras.models.darknet_weights import load_darknet_weights, save_darknet_weights
from is_keras.models.layers import DarknetReorg, darknet_reorg
from is_keras.models.registry import CLASSIFIERS, build_classifier
from is_keras.models.resnet import resnet18, resnet18_param_count
from is_keras.models.scaling import width_for_params
from is_keras.models.yolov2 import yolov2

__all__ = ["CLASSIFIERS", "DarknetReorg", "build_classifier", "crapnet", "crapnet_param_count", "darknet19",
           "darknet_reorg", "load_darknet_weights", "resnet18", "resnet18_param_count", "save_darknet_weights",
           "width_for_params", "yolov2"]
