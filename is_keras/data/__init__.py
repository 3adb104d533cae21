"""Datasets: the embedded default (digits), synthetic traffic signs, and loaders for local folders."""

from is_keras.data.digits import load_digits
from is_keras.data.gtsrb import GTSRB_CLASS_NAMES, load_gtsrb, read_gtsrb_index
from is_keras.data.image_cache import cache_images, decode_images, default_cache_dir, load_image_files
from is_keras.data.mapillary import crop_mapillary_signs, index_class_folders, load_mapillary
from is_keras.data.registry import DATASETS, load_dataset
from is_keras.data.splits import stratified_split
from is_keras.data.synthetic_signs import (
    SYNTHETIC_SIGN_CLASSES,
    load_synthetic_signs,
    render_sign,
    write_synthetic_signs,
)
from is_keras.data.tfds_local import load_tfds

__all__ = [
    "DATASETS",
    "GTSRB_CLASS_NAMES",
    "SYNTHETIC_SIGN_CLASSES",
    "cache_images",
    "crop_mapillary_signs",
    "decode_images",
    "default_cache_dir",
    "index_class_folders",
    "load_dataset",
    "load_digits",
    "load_gtsrb",
    "load_image_files",
    "load_mapillary",
    "load_synthetic_signs",
    "load_tfds",
    "read_gtsrb_index",
    "render_sign",
    "stratified_split",
    "write_synthetic_signs",
]
