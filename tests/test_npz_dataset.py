"""A user's ``.npz`` data set: the round trip, every refusal naming the file, and ``--dataset npz:PATH``."""

import csv
import json
import re

import numpy as np
import pytest

import is_keras.cli.compare
from is_keras.cli.dataset_options import check_dataset
from is_keras.cli.main import main
from is_keras.cli.options import UsageError
from is_keras.data import load_dataset, load_npz


def arrays(n_train=6, n_val=3, shape=(4, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 300, (n_train, *shape)).astype(np.int16),  # not in [0, 1]: kept as they are
        "y_train": np.arange(n_train, dtype=np.uint8) % 3,
        "x_val": rng.normal(size=(n_val, *shape)),
        "y_val": np.arange(n_val, dtype=np.int32) % 3,
    }


def save(path, **data):
    np.savez(path, **data)
    return path


def raises_starting(kind, prefix):
    return pytest.raises(kind, match="^" + re.escape(prefix))


def test_a_good_file_round_trips_unscaled(tmp_path):
    data = arrays()
    path = save(tmp_path / "mine.npz", **data)
    (x_train, y_train), (x_val, y_val) = load_npz(path)
    assert x_train.dtype == np.float32 and x_val.dtype == np.float32
    assert y_train.dtype == np.int64 and y_val.dtype == np.int64
    np.testing.assert_array_equal(x_train, data["x_train"].astype(np.float32))
    assert x_train.max() > 1  # not rescaled
    np.testing.assert_array_equal(x_val, data["x_val"].astype(np.float32))
    np.testing.assert_array_equal(y_train, data["y_train"])
    np.testing.assert_array_equal(y_val, data["y_val"])
    (x2, y2), (xv2, yv2) = load_dataset(f"npz:{path}", seed=5)
    np.testing.assert_array_equal(x2, x_train)
    np.testing.assert_array_equal(yv2, y_val)


def test_a_compressed_file_with_extra_keys_and_2d_inputs_loads(tmp_path):
    data = arrays(shape=(5,))
    path = tmp_path / "c.npz"
    np.savez_compressed(path, notes=np.array([1, 2]), **data)
    (x_train, _), (x_val, _) = load_npz(path)
    assert x_train.shape == (6, 5) and x_val.shape == (3, 5)


def test_missing_keys_are_listed_with_the_present_ones(tmp_path):
    data = arrays()
    path = save(tmp_path / "partial.npz", x_train=data["x_train"], y_train=data["y_train"], val=data["x_val"])
    with pytest.raises(ValueError) as error:
        load_npz(path)
    assert str(error.value) == (f"{path}: missing key(s) x_val, y_val; present: x_train, y_train, val "
                                "(needs x_train, y_train, x_val, y_val)")


def test_one_hot_labels_are_refused_with_the_argmax_hint(tmp_path):
    data = arrays()
    data["y_val"] = np.eye(3, dtype=np.float32)[data["y_val"]]
    path = save(tmp_path / "onehot.npz", **data)
    with pytest.raises(ValueError) as error:
        load_npz(path)
    assert str(error.value) == (f"{path}: y_val has shape (3, 3), like one-hot labels; pass integer class labels "
                                "instead, e.g. y_val=y.argmax(axis=1)")


def test_a_length_mismatch_names_both_counts(tmp_path):
    data = arrays()
    data["y_train"] = data["y_train"][:5]
    path = save(tmp_path / "short.npz", **data)
    with raises_starting(ValueError, f"{path}: x_train holds 6 samples but y_train holds 5 labels"):
        load_npz(path)


@pytest.mark.parametrize("change, message", [
    ({"x_val": np.zeros((3, 4, 5, 1))}, "x_train has samples of shape (4, 4, 1) but x_val of shape (4, 5, 1)"),
    ({"y_train": np.zeros(6, np.float32)}, "y_train must hold integer class labels, found float32; convert them"),
    ({"y_train": np.array([0, 1, -1, 2, -3, 0])}, "y_train holds the negative label -1 at position 2"),
    ({"y_val": np.zeros((3, 1, 1), np.int64)}, "y_val must be 1-D integer class labels, found shape (3, 1, 1)"),
    ({"x_train": np.zeros(6)}, "x_train must have at least 2 dimensions"),
    ({"x_val": np.array([["a"] * 4] * 3)}, "x_val has type <U1, which does not convert to float32"),
    ({"x_train": np.zeros((0, 4, 4, 1)), "y_train": np.zeros(0, np.int64)}, "x_train and y_train hold no samples"),
    ({"x_val": np.array([[[[0.0]] * 4] * 4, [[[1e300]] * 4] * 4, [[[0.0]] * 4] * 4])},
     "x_val holds inf at index (1, 0, 0, 0) (after conversion to float32)"),
], ids=["trailing-shape", "float-labels", "negative", "3d-labels", "1d-x", "strings", "empty", "overflow"])
def test_each_bad_array_is_refused_naming_the_file(tmp_path, change, message):
    path = save(tmp_path / "bad.npz", **{**arrays(), **change})
    with raises_starting(ValueError, f"{path}: {message}"):
        load_npz(path)


def test_files_that_are_no_npz_are_refused(tmp_path):
    data = arrays()
    pickled = save(tmp_path / "objects.npz", **{**data, "x_train": np.array([object()] * 6)})
    with raises_starting(ValueError, f"{pickled}: cannot read x_train: Object arrays cannot be loaded"):
        load_npz(pickled)
    npy = tmp_path / "one.npy"
    np.save(npy, data["x_train"])
    with raises_starting(ValueError, f"{npy}: is a single .npy array, not an .npz archive"):
        load_npz(npy)
    text = tmp_path / "data.npz"
    text.write_text("x,y\n1,2\n")
    with raises_starting(ValueError, f"{text}: is not an .npz archive"):
        load_npz(text)
    with raises_starting(FileNotFoundError, f"{tmp_path / 'none.npz'}: no such file"):
        load_npz(tmp_path / "none.npz")
    with pytest.raises(ValueError, match="needs the .npz file's path after the colon"):
        load_dataset("npz:")


def test_the_cli_checks_the_npz_file_before_anything_else(tmp_path):
    missing = tmp_path / "missing.npz"
    with pytest.raises(UsageError) as error:
        check_dataset(f"npz:{missing}", None)
    assert error.value.option == "--dataset" and str(error.value) == f"--dataset: {str(missing)!r} does not exist"
    with raises_starting(UsageError, f"--dataset: {str(tmp_path)!r} is not a file"):
        check_dataset(f"npz:{tmp_path}", None)
    path = save(tmp_path / "ok.npz", **arrays())
    assert check_dataset(f"npz:{path}", None) == {}
    with raises_starting(UsageError, f"--data-root: dataset 'npz:{path}' reads the one file"):
        check_dataset(f"npz:{path}", str(tmp_path))


def test_compare_refuses_a_missing_npz_and_runs_on_a_tiny_one(tmp_path, capsys, monkeypatch):
    real_execute = is_keras.cli.compare.execute

    def must_not_run(plan):
        raise AssertionError("training started for a refused command")

    monkeypatch.setattr(is_keras.cli.compare, "execute", must_not_run)
    assert main(["compare", "--dataset", f"npz:{tmp_path / 'missing.npz'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"is-keras compare: error: --dataset: {str(tmp_path / 'missing.npz')!r} does not exist"
    bad = save(tmp_path / "bad.npz", **{**arrays(), "y_val": np.eye(3)})
    assert main(["compare", "--dataset", f"npz:{bad}"]) == 2
    assert "one-hot labels" in capsys.readouterr().err

    monkeypatch.setattr(is_keras.cli.compare, "execute", real_execute)
    data = arrays(n_train=24, n_val=8, shape=(8, 8, 1))
    path = save(tmp_path / "tiny.npz", **{**data, "x_train": data["x_train"] / 300.0})
    out = tmp_path / "out"
    assert main(["compare", "--dataset", f"npz:{path}", "--methods", "nis", "--epochs", "1", "--runs", "1",
                 "--width", "2", "--out", str(out)]) == 0
    assert "24 training / 8 validation samples" in capsys.readouterr().out
    rows = list(csv.DictReader((out / "curves.csv").open()))
    assert rows and {r["method"] for r in rows} == {"nis"}
    assert json.loads((out / "summary.json").read_text())["title"].startswith(f"npz:{path}, crapnet")
