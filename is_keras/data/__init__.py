"""Datasets: the embedded default (digits), synthetic traffic signs and shapes, and loaders for local files."""

from is_keras.data.coco import load_coco
from is_keras.data.detection_data import DetectionData
from is_keras.data.digits import load_digits
from is_keras.data.gtsrb import GTSRB_CLASS_NAMES, load_gtsrb, read_gtsrb_index
from is_keras.data.idx import FASHION_MNIST_CLASS_NAMES, load_fashion_mnist, load_mnist, read_idx, write_idx
from is_keras.data.image_cache import cache_images, default_cache_dir, load_image_files
from is_keras.data.image_decoding import decode_image, decode_images
from is_keras.data.mapillary import crop_mapillary_signs, index_class_folders, load_mapillary
from is_keras.data.npz import load_npz
from is_keras.data.registry import DATASETS, load_dataset
from is_keras.data.sign_symbols import SYNTHETIC_SIGN_CLASSES, SignClass
from is_keras.data.splits import random_split, stratified_split
from is_keras.data.synthetic_signs import load_synthetic_signs, render_sign, write_synthetic_signs
from is_keras.data.tfds_local import load_tfds

__all__ = [
    "DATASETS", "FASHION_MNIST_CLASS_NAMES", "DetectionData", "SignClass", "decode_image", "load_coco", "random_split",
    "read_idx", "GTSRB_CLASS_NAMES", "SYNTHETIC_SIGN_CLASSES", "cache_images", "crop_mapillary_signs", "decode_images",
    "default_cache_dir", "index_class_folders", "load_dataset", "load_digits", "load_fashion_mnist", "load_gtsrb",
    "load_image_files", "load_mapillary", "load_mnist", "load_npz", "load_synthetic_signs", "load_tfds",
    "read_gtsrb_index", "render_sign", "stratified_split", "write_idx", "write_synthetic_signs"
]
