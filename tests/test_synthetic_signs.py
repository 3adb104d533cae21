"""Synthetic traffic signs: byte-level determinism, GTSRB layout, nuisance control, learnability."""

import hashlib

import numpy as np
import pytest
from PIL import Image

from is_keras.data import load_dataset, load_gtsrb, read_gtsrb_index
from is_keras.data import synthetic_signs as synthetic
from is_keras.data.synthetic_signs import (
    SYNTHETIC_SIGN_CLASSES,
    load_synthetic_signs,
    render_sign,
    write_synthetic_signs,
)


def _digests(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "meta.json"
    }


def test_same_seed_same_bytes_other_seed_other_images(tmp_path):
    kwargs = dict(num_per_class=3, image_size=24, difficulty=0.6, num_classes=5)
    a = _digests(write_synthetic_signs(tmp_path / "a", seed=7, **kwargs))
    b = _digests(write_synthetic_signs(tmp_path / "b", seed=7, **kwargs))
    c = _digests(write_synthetic_signs(tmp_path / "c", seed=8, **kwargs))
    assert len(a) == 5 * (3 + 1) and a == b
    images = [name for name in a if name.endswith(".ppm")]
    assert all(a[name] != c[name] for name in images)
    # each image depends only on (seed, class, index), not on how many are drawn
    more = _digests(write_synthetic_signs(tmp_path / "d", seed=7, **dict(kwargs, num_per_class=5)))
    assert all(more[name] == a[name] for name in images)


def test_gtsrb_layout_is_read_by_the_gtsrb_loader(tmp_path):
    root = write_synthetic_signs(tmp_path / "s", num_per_class=6, image_size=(30, 26), difficulty=0.5)
    csv_text = (root / "Final_Training" / "Images" / "00014" / "GT-00014.csv").read_text().splitlines()
    assert csv_text[0] == "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId"
    assert csv_text[1].startswith("00000_00000.ppm;26;30;") and csv_text[1].endswith(";14")
    paths, boxes, labels = read_gtsrb_index(root)
    assert np.bincount(labels).tolist() == [6] * 43
    assert Image.open(paths[0]).size == (26, 30) and Image.open(paths[0]).format == "PPM"
    for x1, y1, x2, y2 in boxes:
        assert 0 <= x1 < x2 <= 26 and 0 <= y1 < y2 <= 30
    (x, y), (xv, yv) = load_gtsrb(root, image_size=(30, 26), roi_crop=False, cache=False, progress=False)
    assert x.shape == (43 * 4, 30, 26, 3) and xv.shape == (43 * 2, 30, 26, 3)  # 6 a class: round(6 / 4) = 2 val
    raw = np.asarray(Image.open(paths[0]), dtype=np.float32) / 255.0
    np.testing.assert_array_equal(np.concatenate([x, xv])[np.concatenate([y, yv]) == 0][0], raw)


def test_roi_is_the_sign_and_difficulty_zero_varies_only_the_background():
    size = 32
    first, roi = render_sign(14, size, difficulty=0.0, rng=np.random.default_rng(1))
    second, roi2 = render_sign(14, size, difficulty=0.0, rng=np.random.default_rng(2))
    # difficulty 0: the sign occupies 80 % of the image (GTSRB's 10 % border), centred, same every time
    assert roi == roi2
    x1, y1, x2, y2 = roi
    assert abs((x2 - x1) - 0.8 * size) <= 2 and abs((y2 - y1) - 0.8 * size) <= 2
    assert abs((x1 + x2) / 2 - size / 2) <= 1 and abs((y1 + y2) / 2 - size / 2) <= 1
    inner = slice(size // 2 - 8, size // 2 + 8)
    np.testing.assert_array_equal(first[inner, inner], second[inner, inner])
    assert not np.array_equal(first, second)  # the background differs
    hard_a, _ = render_sign(14, size, difficulty=1.0, rng=np.random.default_rng(1))
    hard_b, _ = render_sign(14, size, difficulty=1.0, rng=np.random.default_rng(2))
    assert np.abs(hard_a[inner, inner].astype(int) - hard_b[inner, inner]).mean() > 5


def test_classes_are_distinct_designs_and_render_distinct_images():
    designs = {(c.shape, c.border, c.fill, c.symbol, c.symbol_color) for c in SYNTHETIC_SIGN_CLASSES}
    assert len(SYNTHETIC_SIGN_CLASSES) == 43 and len(designs) == 43
    assert {c.shape for c in SYNTHETIC_SIGN_CLASSES} >= {
        "circle",
        "triangle",
        "inverted_triangle",
        "octagon",
        "diamond",
    }
    # at difficulty 0 on one background, every pair of classes differs clearly in > 1 % of the sign's
    # pixels (the closest: speed limits 50 / 60, one digit segment apart), a typical pair in far more
    signs = np.stack([render_sign(c, 32, difficulty=0.0, rng=np.random.default_rng(0))[0] for c in range(43)])
    signs = signs.astype(int)
    inner = signs[:, 5:27, 5:27]
    differing = (np.abs(inner[:, None] - inner[None]).max(axis=-1) > 40).mean(axis=(2, 3))
    pairs = differing[np.triu_indices(43, k=1)]
    assert pairs.min() > 0.01 and np.median(pairs) > 0.2


def test_writes_every_image_and_one_csv_row_each(tmp_path):
    """(The generation speed is measured in benchmarks/synthetic_signs_speed.py, not asserted here.)"""
    root = write_synthetic_signs(tmp_path / "s", num_per_class=3, image_size=16, difficulty=0.5, num_classes=4)
    assert len(list(root.rglob("*.ppm"))) == 4 * 3
    paths, boxes, labels = read_gtsrb_index(root)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert all(b is not None and 0 <= b[0] < b[2] <= 16 and 0 <= b[1] < b[3] <= 16 for b in boxes)


def test_load_generates_once_into_the_cache_and_checks_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("IS_KERAS_CACHE_DIR", str(tmp_path / "cache"))
    kwargs = dict(num_per_class=4, image_size=16, difficulty=0.2, num_classes=6)
    (x, y), (xv, yv) = load_dataset("synthetic-signs", seed=0, **kwargs)
    assert x.shape == (18, 16, 16, 3) and xv.shape == (6, 16, 16, 3) and x.dtype == np.float32
    assert np.bincount(yv).tolist() == [1] * 6
    folders = list((tmp_path / "cache" / "synthetic_signs").iterdir())
    assert len(folders) == 1 and (folders[0] / "meta.json").is_file()

    def fail(*args, **kwargs):
        raise AssertionError("generated again although the folder is complete")

    monkeypatch.setattr(synthetic, "write_synthetic_signs", fail)
    (x2, _), (xv2, _) = load_synthetic_signs(seed=0, **kwargs)
    np.testing.assert_array_equal(x2, x)
    (_, _), (xv3, _) = load_synthetic_signs(seed=1, **kwargs)  # same images, another split
    assert not np.array_equal(xv3, xv)
    with pytest.raises(ValueError, match="other root|pass another root"):
        load_synthetic_signs(root=folders[0], **dict(kwargs, difficulty=0.9))


def test_bad_parameters_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match="difficulty"):
        render_sign(0, 32, difficulty=1.5)
    with pytest.raises(ValueError, match="class_id"):
        render_sign(43, 32)
    with pytest.raises(ValueError, match="num_per_class"):
        write_synthetic_signs(tmp_path, num_per_class=1)
    with pytest.raises(ValueError, match="num_classes"):
        write_synthetic_signs(tmp_path, num_classes=44)
    with pytest.raises(ValueError, match="image_size"):
        write_synthetic_signs(tmp_path, image_size=4)


def test_classes_are_learnable_by_a_small_convnet(tmp_path):
    """A tiny CNN, trained for a few seconds, reaches > 50 % validation accuracy (chance: 1/43)."""
    import keras
    from keras import layers

    (x, y), (xv, yv) = load_synthetic_signs(
        root=tmp_path / "signs", num_per_class=40, image_size=28, difficulty=0.3, generation_seed=0
    )
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(43, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    accuracy = model.evaluate(xv, yv, verbose=0)[1]
    assert accuracy > 0.5, f"validation accuracy {accuracy:.3f}"
