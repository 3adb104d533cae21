"""Datasets: the embedded default (digits) and loaders for local folders."""

from is_keras.data.digits import load_digits
from is_keras.data.registry import DATASETS, load_dataset
from is_keras.data.splits import stratified_split

__all__ = ["DATASETS", "load_dataset", "load_digits", "stratified_split"]
