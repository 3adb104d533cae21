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
