"""Local TFDS datasets: a tiny builder prepared offline into tmp_path, loaded back by name."""

import numpy as np
import pytest
import tensorflow_datasets as tfds  # a declared dependency (setup.cfg): the tests run, never skip

from is_keras.data import load_dataset
from is_keras.data.tfds_local import load_tfds

NAME = "is_keras_tiny_signs"
TRAIN, TEST, CLASSES = 24, 6, 3


def _value(label, index):
    """Every image is uniform: its grey level codes the label and the index."""
    return 40 * label + index


class IsKerasTinySigns(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Images of varying size (uniform grey levels) with 3 labels; no download step."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict(
                {"image": tfds.features.Image(shape=(None, None, 3)), "label": tfds.features.ClassLabel(num_classes=3)}
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples(TRAIN, 0), "test": self._generate_examples(TEST, 100)}

    def _generate_examples(self, count, offset):
        for index in range(count):
            label = index % CLASSES
            size = (6 + index % 4, 5 + index % 3, 3)
            yield index, {"image": np.full(size, _value(label, index + offset) % 256, np.uint8), "label": label}


class IsKerasTinyFixed(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Fixed 4×4 grey-scale images, so no image_size is needed."""

    VERSION = tfds.core.Version("0.1.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict(
                {"image": tfds.features.Image(shape=(4, 4, 1)), "label": tfds.features.ClassLabel(num_classes=2)}
            ),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        for index in range(10):
            yield index, {"image": np.full((4, 4, 1), 25 * index, np.uint8), "label": index % 2}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tfds")
    IsKerasTinySigns(data_dir=str(directory)).download_and_prepare()
    IsKerasTinyFixed(data_dir=str(directory)).download_and_prepare()
    return directory


def test_builder_code_is_not_registered_so_the_files_alone_are_read():
    with pytest.raises(tfds.core.registered.DatasetNotFoundError):
        tfds.builder(NAME)  # proves the loader below reads the prepared files, not the class


def test_load_by_name_resizes_splits_and_keeps_values(data_dir):
    (x, y), (xv, yv) = load_dataset(f"tfds:{NAME}", seed=0, data_dir=data_dir, image_size=8)
    assert x.shape == (18, 8, 8, 3) and xv.shape == (6, 8, 8, 3)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(yv).tolist() == [2, 2, 2]  # stratified 3:1
    # uniform images stay uniform through the resize: grey level = (40 * label + index) / 255
    for images, labels in ((x, y), (xv, yv)):
        levels = np.rint(images[:, 3, 3, 0] * 255).astype(int)
        np.testing.assert_allclose(images, np.broadcast_to(levels[:, None, None, None] / 255, images.shape), atol=1e-5)
        np.testing.assert_array_equal((levels // 40), labels)
    all_levels = np.rint(np.concatenate([x, xv])[:, 0, 0, 0] * 255).astype(int)
    assert sorted(all_levels.tolist()) == sorted(_value(i % 3, i) for i in range(TRAIN))
    # the CLI's --data-root arrives as root=, an alias of data_dir
    (x_root, _), _ = load_dataset(f"tfds:{NAME}", seed=0, root=data_dir, image_size=8)
    np.testing.assert_array_equal(x_root, x)


def test_split_is_seeded_and_val_split_uses_the_dataset_split(data_dir):
    (_, _), (xv_a, _) = load_tfds(NAME, data_dir=data_dir, image_size=4, seed=1)
    (_, _), (xv_b, _) = load_tfds(NAME, data_dir=data_dir, image_size=4, seed=1)
    (_, _), (xv_c, _) = load_tfds(NAME, data_dir=data_dir, image_size=4, seed=2)
    np.testing.assert_array_equal(xv_a, xv_b)
    assert not np.array_equal(xv_a, xv_c)
    (x, y), (xt, yt) = load_tfds(NAME, data_dir=data_dir, image_size=4, val_split="test")
    assert len(x) == TRAIN and len(xt) == TEST
    assert sorted(np.rint(xt[:, 0, 0, 0] * 255).astype(int).tolist()) == sorted(
        _value(i % 3, i + 100) % 256 for i in range(TEST)
    )
    (x_all, _), (xv_all, _) = load_tfds(NAME, data_dir=data_dir, image_size=4, split="train+test")
    assert len(x_all) + len(xv_all) == TRAIN + TEST


def test_fixed_size_images_need_no_image_size(data_dir):
    (x, y), (xv, yv) = load_tfds("is_keras_tiny_fixed", data_dir=data_dir, val_fraction=0.2)
    assert x.shape == (8, 4, 4, 1) and xv.shape == (2, 4, 4, 1)
    np.testing.assert_array_equal(np.rint(x[:, 0, 0, 0] * 255 / 25).astype(int) % 2, y)


def test_out_of_core_memmaps_equal_the_in_memory_arrays(data_dir, tmp_path):
    (x, y), (xv, yv) = load_tfds(NAME, data_dir=data_dir, image_size=5, seed=3)
    (xm, ym), (xvm, yvm) = load_tfds(NAME, data_dir=data_dir, image_size=5, seed=3, in_memory=False, cache_dir=tmp_path)
    assert isinstance(xm, np.memmap) and isinstance(xvm, np.memmap)
    np.testing.assert_array_equal(xm, x)
    np.testing.assert_array_equal(xvm, xv)
    np.testing.assert_array_equal(ym, y)
    np.testing.assert_array_equal(yvm, yv)


def test_missing_dataset_or_bad_arguments_raise_value_errors(data_dir, tmp_path):
    with pytest.raises(ValueError, match="not (prepared|available)"):
        load_tfds("mnist", data_dir=tmp_path)
    with pytest.raises(ValueError, match="not (prepared|available)"):
        load_tfds("no_such_dataset_anywhere", data_dir=tmp_path)
    with pytest.raises(ValueError, match="pass image_size"):
        load_tfds(NAME, data_dir=data_dir)
    with pytest.raises(ValueError, match="no split"):
        load_tfds(NAME, data_dir=data_dir, image_size=4, split="validation")
    with pytest.raises(ValueError, match="no feature"):
        load_tfds(NAME, data_dir=data_dir, image_size=4, label_key="class")
    with pytest.raises(ValueError, match="after the colon"):
        load_dataset("tfds:")
