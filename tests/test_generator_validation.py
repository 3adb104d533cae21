"""Every bad input named in the core issue gets a clear ValueError; the table is left untouched."""

import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator


def _gen(**kwargs):
    x = np.zeros((20, 4, 4, 1), np.float32)
    y = np.arange(20) % 3
    return ImportanceBatchGenerator(x, y, **{"batch_size": 4, **kwargs})


def test_x_y_length_mismatch():
    with pytest.raises(ValueError, match="x has 20 samples, y has 19"):
        ImportanceBatchGenerator(np.zeros((20, 2)), np.zeros(19, np.int64))


def test_empty_data():
    with pytest.raises(ValueError, match="empty"):
        ImportanceBatchGenerator(np.zeros((0, 2)), np.zeros(0, np.int64))


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_batch_size_below_one_or_fractional(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        _gen(batch_size=batch_size)


def test_unknown_method_lists_valid_names():
    with pytest.raises(ValueError, match="is-magic.*nis, is-probabilistic, is-randomsubset, is-highsubset"):
        _gen(method="is-magic")


def test_negative_exponent():
    with pytest.raises(ValueError, match="exponent"):
        _gen(exponent=-1.0)
    gen = _gen()
    with pytest.raises(ValueError, match="exponent"):
        gen.exponent = -0.5


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_subset_fraction_outside_unit_interval(fraction):
    with pytest.raises(ValueError, match=r"subset_fraction must be in \(0, 1\]"):
        _gen(method="is-randomsubset", subset_fraction=fraction)


def test_negative_labels():
    with pytest.raises(ValueError, match="labels >= 0"):
        ImportanceBatchGenerator(np.zeros((3, 1)), np.array([0, -1, 2]))


def test_non_integer_labels():
    with pytest.raises(ValueError, match="integer class labels"):
        ImportanceBatchGenerator(np.zeros((3, 1)), np.array([0.0, 1.5, 2.0]))


def test_integer_valued_float_labels_are_accepted():
    gen = ImportanceBatchGenerator(np.zeros((3, 1)), np.array([0.0, 1.0, 2.0]), batch_size=1)
    assert gen.num_samples == 3 and gen.steps_per_epoch == 3
    drawn = [int(gen.next_indices()[0]) for _ in range(3)]
    assert sorted(drawn) == [0, 1, 2]  # the labels were accepted as three samples, each drawn once
    assert gen.gather(np.array(drawn))[1].tolist() == [float(i) for i in drawn]


def test_negative_prefetch():
    with pytest.raises(ValueError, match="prefetch must be >= 0"):
        _gen().as_dataset(prefetch=-1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_losses_leave_the_table_untouched(bad):
    gen = _gen()
    idx = gen.next_indices()
    gen.update(idx, np.ones(4))
    before = gen.loss_table.copy()
    idx = gen.next_indices()
    with pytest.raises(ValueError, match="NaN or infinite"):
        gen.update(idx, np.array([1.0, bad, 1.0, 1.0]))
    np.testing.assert_array_equal(gen.loss_table, before)
    assert gen.num_updates == 1


def test_indices_out_of_range():
    gen = _gen()
    with pytest.raises(ValueError, match="index 20 is out of range for a loss table of 20"):
        gen.update(np.array([0, 20]), np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        gen.update(np.array([-1]), np.ones(1))
    assert np.all(np.isinf(gen.loss_table))


def test_losses_of_the_wrong_length():
    gen = _gen()
    with pytest.raises(ValueError, match="wrong length"):
        gen.update(np.array([0, 1, 2]), np.ones(2))
    assert np.all(np.isinf(gen.loss_table))


def test_initial_losses_of_the_wrong_shape_or_with_nan():
    with pytest.raises(ValueError, match=r"initial_losses must have shape \(20,\)"):
        _gen(initial_losses=np.ones(5))
    with pytest.raises(ValueError, match="NaN"):
        _gen(initial_losses=np.r_[np.ones(19), np.nan])


def test_loss_table_is_read_only():
    gen = _gen()
    with pytest.raises(ValueError):
        gen.loss_table[0] = 1.0


# ------------------------------------------------------------------ issue 21: inputs
def test_batch_size_larger_than_the_data_set_is_refused_when_training_starts():
    import keras

    from is_keras.sampling.validation import check_batch_size
    from is_keras.training import ImportanceSamplingModel, ImportanceTrainer

    with pytest.raises(ValueError, match=r"batch_size 100000 is larger than the data set \(60000 samples\)"):
        check_batch_size(100000, 60000)
    assert check_batch_size(60000, 60000) == 60000
    x, y = np.zeros((60000, 2), np.float32), np.arange(60000) % 2
    gen = ImportanceBatchGenerator(x, y, batch_size=100000)  # the generator alone may serve larger draws
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match=r"batch_size 100000 .*\(60000 samples\)"):
        ImportanceTrainer(model, gen)
    with pytest.raises(ValueError, match=r"batch_size 100000 .*\(60000 samples\)"):
        ImportanceSamplingModel(model, gen)
    wrapped = ImportanceSamplingModel(model)
    with pytest.raises(ValueError, match=r"batch_size 100000 .*\(60000 samples\)"):
        wrapped.attach(gen)
    assert wrapped.generator is None


def test_integer_images_get_a_warning_naming_dtype_and_range(tmp_path):
    images = np.zeros((20, 4, 4, 1), np.uint8)
    images[3, 1, 2] = 255
    with pytest.warns(UserWarning, match=r"dtype uint8, values in \[0, 255\].*floats.*astype\('float32'\) / 255"):
        ImportanceBatchGenerator(images, np.arange(20) % 3, batch_size=4)
    memmap = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.int16, shape=(3000, 2, 2))
    memmap[:] = 7
    memmap[2999] = 9  # a memmap's range is read from its first samples only
    with pytest.warns(UserWarning, match=r"dtype int16, values in \[7, 7\]"):
        ImportanceBatchGenerator(memmap, np.zeros(3000, np.int64), batch_size=4)


def test_float_images_in_the_unit_interval_and_integer_features_get_no_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rng = np.random.default_rng(0)
        ImportanceBatchGenerator(rng.random((20, 4, 4, 1), dtype=np.float32), np.arange(20) % 3, batch_size=4)
        ImportanceBatchGenerator(np.arange(40).reshape(20, 2), np.arange(20) % 3, batch_size=4)  # token ids


def test_a_tf_data_dataset_as_x_says_how_to_get_arrays():
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((np.zeros((6, 2, 2), np.float32), np.arange(6)))
    with pytest.raises(ValueError, match=r"x must be a numpy array .* got tensorflow\..*Dataset.*tf\.data\.Dataset"
                                         r".*np\.stack.*as_numpy_iterator\(\).*tfds\.as_numpy"):
        ImportanceBatchGenerator(ds, np.arange(6), batch_size=2)
    with pytest.raises(ValueError, match=r"y must be a numpy array .* got list; use np\.asarray\(y\)"):
        ImportanceBatchGenerator(np.zeros((3, 1)), [0, 1, 2], batch_size=1)


def test_images_without_the_models_channel_axis_get_a_warning_naming_both_shapes():
    import keras

    from is_keras.training import ImportanceTrainer

    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    x, y = np.random.default_rng(0).random((16, 6, 6), dtype=np.float32), np.arange(16) % 2
    with pytest.warns(UserWarning, match=r"samples of shape \(6, 6\) without a channel axis; the model expects "
                                         r"\(6, 6, 1\).*x\[\.\.\., None\]"):
        ImportanceTrainer(model, ImportanceBatchGenerator(x, y, batch_size=8))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ImportanceTrainer(model, ImportanceBatchGenerator(x[..., None], y, batch_size=8))  # with the axis: none
