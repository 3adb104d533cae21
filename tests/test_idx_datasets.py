"""IDX files (MNIST, Fashion-MNIST): exact round trips, every corruption named, and the folder loaders."""

import gzip
import re
import struct

import numpy as np
import pytest

from is_keras.cli.dataset_options import check_dataset, load_data
from is_keras.cli.options import UsageError
from is_keras.data import DATASETS, load_dataset, load_fashion_mnist, load_mnist, read_idx, write_idx

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array, *, code=None, dims=None, prefix=b"\x00\x00", extra=b"", cut=0):
    """An IDX file written by hand (independently of ``write_idx``): header, big-endian items, then edits."""
    array = np.asarray(array)
    code = CODES[array.dtype.type] if code is None else code
    dims = array.shape if dims is None else dims
    header = prefix + bytes([code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes() + extra
    return data[: len(data) - cut]


def raises_starting(kind, prefix):
    """``pytest.raises`` for an error whose message starts with the literal text ``prefix``."""
    return pytest.raises(kind, match="^" + re.escape(prefix))


def write(path, data, *, compress):
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


KNOWN = {
    np.uint8: np.array([[0, 1, 2], [127, 128, 255]], np.uint8),
    np.int8: np.array([-128, -1, 0, 127], np.int8),
    np.int16: np.array([[[-32768, 258]], [[-2, 32767]]], np.int16),
    np.int32: np.array([-(2**31), 16909060, -5, 2**31 - 1], np.int32),
    np.float32: np.array([[0.5, -1.25e-3], [np.pi, 3.0e38]], np.float32),
    np.float64: np.array([1 / 3, -2.0**-1000, 1e300], np.float64),
}


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("kind", list(KNOWN), ids=[k.__name__ for k in KNOWN])
def test_read_idx_round_trips_a_known_array(tmp_path, kind, compress):
    expected = KNOWN[kind]
    array = read_idx(write(tmp_path / "a-idx-ubyte", idx_bytes(expected), compress=compress))
    assert array.dtype == np.dtype(kind) and array.dtype.isnative
    assert array.shape == expected.shape
    np.testing.assert_array_equal(array, expected)
    array[...] = 0  # a writable copy, not a view of the file's bytes


def test_read_idx_decodes_big_endian_bytes(tmp_path):
    # 0x0102 = 258 and 0xFFFE = -2 as big-endian int16, written byte by byte
    path = tmp_path / "be-idx1"
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]))
    assert read_idx(path).tolist() == [258, -2]


def test_compression_is_detected_by_magic_bytes_not_by_name(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], np.uint8)
    gz_named_plain = write(tmp_path / "plain.gz", idx_bytes(labels), compress=False)
    plain_named_gz = write(tmp_path / "compressed-idx1-ubyte", idx_bytes(labels), compress=True)
    assert read_idx(gz_named_plain).tolist() == [3, 1, 4, 1, 5]
    assert read_idx(plain_named_gz).tolist() == [3, 1, 4, 1, 5]


def test_write_idx_writes_the_standard_bytes(tmp_path):
    array = np.array([[1, 2, 3], [4, 5, 6]], np.int16)
    assert write_idx(tmp_path / "x-idx2", array).read_bytes() == idx_bytes(array)
    assert gzip.decompress(write_idx(tmp_path / "x-idx2.gz", array).read_bytes()) == idx_bytes(array)
    with pytest.raises(ValueError, match="not uint16"):
        write_idx(tmp_path / "bad", np.zeros(2, np.uint16))


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("data, message", [
    (idx_bytes(np.zeros(3, np.uint8), prefix=b"\x01\x00"),
     "bad magic number 0x01000801: an IDX file starts with two zero bytes"),
    (idx_bytes(np.zeros(3, np.uint8), code=0x0A), "bad magic number 0x00000A01: unknown type code 0x0A"),
    (bytes([0, 0, 8, 0]), "bad magic number 0x00000800: 0 dimensions"),
    (b"\x00\x00", "2 byte(s) is too short for an IDX header"),
    (bytes([0, 0, 8, 3, 0, 0, 0, 60, 0, 0]), "truncated header: 10 bytes, 3 dimension(s) need 16"),
    (idx_bytes(np.zeros(60, np.uint8), cut=1), "truncated: holds 59 items, its header says 60 (60)"),
    (idx_bytes(np.zeros((2, 3), np.int32), cut=5),
     "truncated: holds 4 items and 3 byte(s) of one more, its header says 6 (2 x 3)"),
    (idx_bytes(np.zeros((2, 2), np.uint8), extra=b"\x00\x07\x00"), "3 trailing byte(s) after the 4 items"),
], ids=["magic", "type-code", "no-dims", "short", "header", "truncated", "partial-item", "trailing"])
def test_each_corruption_is_a_value_error_naming_the_file(tmp_path, data, message, compress):
    path = write(tmp_path / "train-labels-idx1-ubyte.gz", data, compress=compress)
    with pytest.raises(ValueError) as error:
        read_idx(path)
    assert str(error.value).startswith(f"{path}: {message}"), str(error.value)


def test_a_broken_gzip_stream_is_named(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[:-20])
    with raises_starting(ValueError, f"{path}: starts like a gzip file but cannot be decompressed"):
        read_idx(path)


def test_a_missing_file_names_its_path(tmp_path):
    with raises_starting(FileNotFoundError, f"{tmp_path / 'nope'}: no such IDX file"):
        read_idx(tmp_path / "nope")


# ---- the folder loaders


def fake_folder(root, *, n_train=6, n_test=4, size=(28, 28), seed=0, compress=(True, False, False, True)):
    """The four files of a tiny MNIST-layout folder (each gzip'd or not); returns the raw arrays written."""
    rng = np.random.default_rng(seed)
    raw = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, *size), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, *size), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    raw["train-images-idx3-ubyte"][0, 0, :2] = (0, 255)  # both ends of the pixel range
    for (name, array), gz in zip(raw.items(), compress):
        write(root / (name + ".gz" if gz else name), idx_bytes(array), compress=gz)
    return raw


def test_fashion_mnist_returns_the_official_split_scaled_to_unit_floats(tmp_path):
    raw = fake_folder(tmp_path)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tmp_path)
    assert x_train.shape == (6, 28, 28, 1) and x_test.shape == (4, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    np.testing.assert_array_equal(x_train[..., 0], (raw["train-images-idx3-ubyte"] / 255).astype(np.float32))
    np.testing.assert_array_equal(x_test[..., 0], (raw["t10k-images-idx3-ubyte"] / 255).astype(np.float32))
    np.testing.assert_array_equal(y_train, raw["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(y_test, raw["t10k-labels-idx1-ubyte"])
    assert x_train[0, 0, 0, 0] == 0.0 and x_train[0, 0, 1, 0] == 1.0


def test_the_registry_and_mnist_read_the_same_folder(tmp_path):
    raw = fake_folder(tmp_path, size=(5, 7), compress=(False,) * 4)
    assert DATASETS["fashion-mnist"] is load_fashion_mnist and DATASETS["mnist"] is load_mnist
    for name in ("fashion-mnist", "mnist"):
        (x_train, y_train), (x_test, y_test) = load_dataset(name, root=str(tmp_path), seed=3)
        assert x_train.shape == (6, 5, 7, 1) and x_test.shape == (4, 5, 7, 1)
        np.testing.assert_array_equal(x_test[..., 0] * 255, raw["t10k-images-idx3-ubyte"])
        np.testing.assert_array_equal(y_train, raw["train-labels-idx1-ubyte"])


def test_the_gz_file_is_read_when_both_names_exist(tmp_path):
    fake_folder(tmp_path, compress=(True,) * 4)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.full(6, 9, np.uint8)), compress=False)
    gz_labels = read_idx(tmp_path / "train-labels-idx1-ubyte.gz")
    assert not (gz_labels == 9).all()
    (_, y_train), _ = load_fashion_mnist(tmp_path)
    np.testing.assert_array_equal(y_train, gz_labels)


def test_a_missing_file_names_both_names_tried(tmp_path):
    fake_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as error:
        load_fashion_mnist(tmp_path)
    assert str(error.value) == (f"no t10k-labels-idx1-ubyte file in {tmp_path}: tried "
                                f"{tmp_path / 't10k-labels-idx1-ubyte.gz'} and {tmp_path / 't10k-labels-idx1-ubyte'}")
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_fashion_mnist(tmp_path / "missing")


def test_image_and_label_counts_must_match(tmp_path):
    fake_folder(tmp_path, compress=(False,) * 4)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(5, np.uint8)), compress=False)
    with pytest.raises(ValueError) as error:
        load_fashion_mnist(tmp_path)
    assert str(error.value) == (f"{tmp_path / 'train-images-idx3-ubyte'} holds 6 images but "
                                f"{tmp_path / 'train-labels-idx1-ubyte'} holds 5 labels")


def test_a_label_out_of_range_is_named_with_its_first_position(tmp_path):
    fake_folder(tmp_path)
    labels = np.array([0, 9, 10, 3, 200, 10], np.uint8)
    path = write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(labels), compress=True)
    with pytest.raises(ValueError) as error:
        load_mnist(tmp_path)
    assert str(error.value) == f"{path}: label 10 at position 2 is outside 0-9 (3 such label(s))"


def test_swapped_or_mistyped_files_are_refused(tmp_path):
    fake_folder(tmp_path, compress=(False,) * 4)
    images = tmp_path / "t10k-images-idx3-ubyte"
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    data_images, data_labels = images.read_bytes(), labels.read_bytes()
    images.write_bytes(data_labels)
    labels.write_bytes(data_images)
    with raises_starting(ValueError, f"{images}: expected images, a 3-D uint8 array (magic number 0x00000803), "
                         "found a 1-D uint8 array of shape (4,)"):
        load_fashion_mnist(tmp_path)
    images.write_bytes(data_images)
    with raises_starting(ValueError, f"{labels}: expected labels, a 1-D uint8 array (magic number 0x00000801), "
                         "found a 3-D uint8 array of shape (4, 28, 28)"):
        load_fashion_mnist(tmp_path)
    write(labels, idx_bytes(np.zeros(4, np.int32)), compress=False)
    with raises_starting(ValueError, f"{labels}: expected labels, a 1-D uint8 array (magic number 0x00000801), "
                         "found a 1-D int32 array"):
        load_fashion_mnist(tmp_path)


def test_train_and_test_images_must_have_one_size(tmp_path):
    fake_folder(tmp_path, compress=(False,) * 4)
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((4, 28, 27), np.uint8)), compress=False)
    with pytest.raises(ValueError, match="holds 28x28 images but .*t10k-images-idx3-ubyte holds 28x27 ones"):
        load_fashion_mnist(tmp_path)


def test_a_corrupt_file_in_the_folder_is_named(tmp_path):
    fake_folder(tmp_path, compress=(False,) * 4)
    path = write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(4, np.uint8), cut=1), compress=False)
    with raises_starting(ValueError, f"{path}: truncated: holds 3 items, its header says 4"):
        load_fashion_mnist(tmp_path)


def test_the_cli_needs_a_data_root_and_loads_through_it(tmp_path):
    for name in ("fashion-mnist", "mnist"):
        with pytest.raises(UsageError, match="^--data-root: dataset '.*mnist' reads a local folder"):
            check_dataset(name, None)
    with pytest.raises(UsageError, match="^--data-root: .* does not exist"):
        check_dataset("fashion-mnist", str(tmp_path / "missing"))
    raw = fake_folder(tmp_path)
    assert check_dataset("fashion-mnist", str(tmp_path)) == {"root": tmp_path}
    (x_train, y_train), (x_test, _) = load_data("fashion-mnist", str(tmp_path), seed=0)
    assert x_train.shape == (6, 28, 28, 1) and len(x_test) == 4
    np.testing.assert_array_equal(y_train, raw["train-labels-idx1-ubyte"])
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    with raises_starting(UsageError, "--dataset fashion-mnist: cannot load it: FileNotFoundError: no train-images"):
        load_data("fashion-mnist", str(tmp_path), seed=0)
