"""Image-classification datasets already prepared in a local TensorFlow Datasets ``data_dir``; nothing is downloaded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from is_keras.data.image_cache import DEFAULT_IN_MEMORY_LIMIT, _split_rows, cached_array
from is_keras.data.image_decoding import image_size_hw
from is_keras.data.splits import random_split, stratified_split


def load_tfds(name: str, *, data_dir=None, image_size=None, split: str = "train", val_split: str | None = None,
              val_fraction: float = 0.25, seed: int = 0, stratify: bool = True, image_key: str = "image",
              label_key: str = "label", in_memory: bool | None = None, cache_dir=None,
              in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT, batch_size: int = 512):
    """A local TFDS image-classification dataset as ``(x_train, y_train), (x_val, y_val)``.

    Args:
        name, data_dir: a TFDS name (``"cifar10"``, ``"mnist:3.0.1"``, ``"my_signs/small"``); default TFDS's own dir.
        image_size: resize every image to this (antialiased); required when the images vary in size.
        split, val_split: the TFDS split to train on (``"train+test"``, ...); one to validate on (``None``: split off).
        val_fraction, seed, stratify: the validation share split off ``split``; seeds that split; split per class.
        image_key, label_key, batch_size: feature names of the image and the integer label; examples read at a time.
        in_memory, cache_dir, in_memory_limit: see :func:`~is_keras.data.image_cache.load_image_files`.
    Returns: ``(x_train, y_train), (x_val, y_val)``: ``x`` float32 ``(N, H, W, C)`` in [0, 1], ``y`` int64.
    Raises: ValueError: not prepared in ``data_dir``, an unknown split or feature, varying sizes without ``image_size``.
    Example:
        >>> import tempfile
        >>> try:
        ...     load_tfds("mnist", data_dir=tempfile.mkdtemp())
        ... except ValueError as error:
        ...     print("nothing is downloaded" in str(error))
        True
    """
    import tensorflow_datasets as tfds

    data_dir = None if data_dir is None else str(Path(data_dir).expanduser())
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as err:  # unknown name and no prepared files: TFDS raises its own error types
        raise ValueError(f"TFDS dataset {name!r} is not available in data_dir={data_dir!r} ({type(err).__name__}: "
                         f"{err}); nothing is downloaded: prepare it there first") from None
    if not builder.is_prepared():
        root = Path(data_dir) if data_dir else None
        present = sorted(p.name for p in root.iterdir() if p.is_dir()) if root and root.is_dir() else []
        raise ValueError(f"TFDS dataset {name!r} is not prepared in data_dir={data_dir!r} (found: "
                         f"{present or 'nothing'}); nothing is downloaded: run tfds.builder({name!r}, data_dir=...)"
                         ".download_and_prepare() with network access, or copy the prepared folder there")
    features = builder.info.features
    for key in (image_key, label_key):
        if key not in features:
            raise ValueError(f"dataset {name!r} has no feature {key!r}; its features are {list(features.keys())}")
    image_shape = tuple(features[image_key].shape)
    if image_size is None:
        if len(image_shape) != 3 or None in image_shape:
            raise ValueError(f"images of {name!r} have shape {image_shape} (varying sizes); pass image_size")
        size = image_shape[:2]
    else:
        size = image_size_hw(image_size)
    channels = image_shape[-1] if len(image_shape) == 3 and image_shape[-1] else 3
    shape = (*size, channels)

    def read(split_name):
        try:
            count = int(builder.info.splits[split_name].num_examples)
        except (KeyError, ValueError) as err:
            splits = list(builder.info.splits.keys())
            raise ValueError(f"dataset {name!r} has no split {split_name!r} ({err}); splits: {splits}") from None
        fill = lambda out: _fill(builder, split_name, out, image_key, label_key, image_size is not None, batch_size)
        if in_memory if in_memory is not None else (count * int(np.prod(shape)) * 4 <= in_memory_limit):
            x = np.empty((count,) + shape, np.float32)
            return x, fill(x)
        key = repr((str(builder.data_dir), builder.info.full_name, split_name, shape))
        key = hashlib.sha256(key.encode()).hexdigest()[:24]
        fill_labels = lambda out: _fill_labels(builder, split_name, out, label_key)
        y = cached_array(f"tfds-{key}-y", (count,), "int64", fill_labels, cache_dir=cache_dir)
        x = cached_array(f"tfds-{key}-x", (count,) + shape, "float32", fill, cache_dir=cache_dir)
        return x, np.asarray(y)

    x, y = read(split)
    if val_split is not None:
        return (x, y), read(val_split)
    train, val = (stratified_split(y, val_fraction, seed=seed) if stratify
                  else random_split(len(y), val_fraction, seed=seed))
    return _split_rows(x, y, train, val, not isinstance(x, np.memmap), cache_dir)


def _fill(builder, split_name, out, image_key, label_key, resize: bool, batch_size: int) -> np.ndarray:
    import tensorflow as tf

    height, width = out.shape[1:3]

    def prepare(example):
        image = tf.cast(example[image_key], tf.float32) / (255.0 if example[image_key].dtype == tf.uint8 else 1.0)
        if resize:
            image = tf.image.resize(image, (height, width), antialias=True)
        return tf.clip_by_value(image, 0.0, 1.0), tf.cast(example[label_key], tf.int64)

    ds = builder.as_dataset(split=split_name, shuffle_files=False).map(prepare).batch(batch_size)
    labels = np.empty(len(out), np.int64)
    start = 0
    for images, batch_labels in ds.as_numpy_iterator():
        out[start : start + len(images)] = images
        labels[start : start + len(images)] = batch_labels
        start += len(images)
    if start != len(out):
        raise ValueError(f"split {split_name!r} yielded {start} examples, its metadata says {len(out)}")
    return labels


def _fill_labels(builder, split_name, out, label_key) -> None:
    import tensorflow_datasets as tfds

    features = builder.info.features.items()  # leave every image undecoded, to read labels alone
    skip = {key: tfds.decode.SkipDecoding() for key, feature in features if isinstance(feature, tfds.features.Image)}
    ds = builder.as_dataset(split=split_name, shuffle_files=False, decoders=skip)
    ds = ds.map(lambda example: example[label_key]).batch(4096)
    out[:] = np.concatenate(list(ds.as_numpy_iterator())).astype(np.int64)
