"""GTSRB loader on a tiny fixture in the official layout (Final_Training/Images/000NN + GT-000NN.csv)."""

import numpy as np
import pytest
from PIL import Image

from is_keras.data import load_dataset
from is_keras.data.gtsrb import GTSRB_CLASS_NAMES, load_gtsrb, read_gtsrb_index

NUM_CLASSES, PER_CLASS = 3, 8
HEADER = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId"


def _colour(class_id, index):
    """The ROI colour of one fixture image: red codes the class, green the image index."""
    return np.array([40 + 80 * class_id, 10 * index + 5, 200], dtype=np.uint8)


def _make_gtsrb(root, num_classes=NUM_CLASSES, per_class=PER_CLASS, folder="Final_Training/Images"):
    """Images of varying size: a black border around a uniformly coloured ROI, listed in GT-000NN.csv."""
    for class_id in range(num_classes):
        class_dir = root / folder / f"{class_id:05d}"
        class_dir.mkdir(parents=True)
        rows = [HEADER]
        for index in range(per_class):
            width, height = 20 + index, 24 + class_id
            x1, y1, x2, y2 = 3, 4, width - 3, height - 4  # PIL box: x2, y2 exclusive
            pixels = np.zeros((height, width, 3), dtype=np.uint8)
            pixels[y1:y2, x1:x2] = _colour(class_id, index)
            name = f"00000_{index:05d}.ppm"
            Image.fromarray(pixels).save(class_dir / name)
            rows.append(f"{name};{width};{height};{x1};{y1};{x2};{y2};{class_id}")
        (class_dir / f"GT-{class_id:05d}.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture
def gtsrb_root(tmp_path):
    return _make_gtsrb(tmp_path / "GTSRB")


def _load(root, tmp_path, **kwargs):
    kwargs.setdefault("image_size", 8)
    return load_gtsrb(root, cache_dir=tmp_path / "cache", progress=False, **kwargs)


def test_index_reads_the_csv_rois_and_class_ids(gtsrb_root):
    paths, boxes, labels = read_gtsrb_index(gtsrb_root)
    assert len(paths) == NUM_CLASSES * PER_CLASS
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [PER_CLASS] * NUM_CLASSES
    assert paths[0].endswith("Final_Training/Images/00000/00000_00000.ppm")
    assert boxes[0] == (3, 4, 17, 20) and boxes[-1] == (3, 4, 24, 22)
    # the same folder is found from Final_Training/Images itself
    assert read_gtsrb_index(gtsrb_root / "Final_Training" / "Images")[0] == paths
    assert len(GTSRB_CLASS_NAMES) == 43 and GTSRB_CLASS_NAMES[14] == "stop"


def test_shapes_dtypes_and_a_stratified_three_to_one_split(gtsrb_root, tmp_path):
    (x_train, y_train), (x_val, y_val) = _load(gtsrb_root, tmp_path)
    assert x_train.shape == (18, 8, 8, 3) and x_val.shape == (6, 8, 8, 3)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert np.bincount(y_val).tolist() == [2, 2, 2]  # 8 per class -> 6 train, 2 validation
    # each image is identified by its (class, index) colour: labels match, train and val are disjoint
    for x, y in ((x_train, y_train), (x_val, y_val)):
        red = np.rint(x[:, 4, 4, 0] * 255)
        np.testing.assert_array_equal((red - 40) / 80, y)
    ids = lambda x: set(zip(np.rint(x[:, 4, 4, 0] * 255).tolist(), np.rint(x[:, 4, 4, 1] * 255).tolist()))
    assert len(ids(x_train) | ids(x_val)) == 24 and not ids(x_train) & ids(x_val)


def test_roi_crop_keeps_only_the_sign(gtsrb_root, tmp_path):
    (x_crop, y_crop), _ = _load(gtsrb_root, tmp_path, roi_crop=True)
    (x_full, _), _ = _load(gtsrb_root, tmp_path, roi_crop=False)
    # cropped: every pixel is the ROI colour (blue channel 200) - no black border left
    np.testing.assert_allclose(x_crop[..., 2], 200 / 255, atol=1.5 / 255)
    # whole image: the border darkens the edges, the centre keeps the colour
    assert x_full[:, 0, 0, 2].max() < 0.05
    np.testing.assert_allclose(x_full[:, 4, 4, 2], 200 / 255, atol=1.5 / 255)


def test_split_is_seeded(gtsrb_root, tmp_path):
    (a, ya), (va, _) = _load(gtsrb_root, tmp_path, seed=5)
    (b, yb), (vb, _) = _load(gtsrb_root, tmp_path, seed=5)
    (_, _), (vc, _) = _load(gtsrb_root, tmp_path, seed=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(va, vb)
    assert not np.array_equal(va, vc)


def test_registry_and_image_size(gtsrb_root, tmp_path):
    (x, y), (xv, yv) = load_dataset(
        "gtsrb", seed=0, root=gtsrb_root, image_size=(12, 10), cache_dir=tmp_path / "c", progress=False
    )
    assert x.shape == (18, 12, 10, 3) and xv.shape == (6, 12, 10, 3)
    (x_ref, _), _ = _load(gtsrb_root, tmp_path, image_size=(12, 10))
    np.testing.assert_array_equal(x, x_ref)


def test_include_test_reads_final_test_with_its_labels(gtsrb_root, tmp_path):
    test_dir = gtsrb_root / "Final_Test" / "Images"
    test_dir.mkdir(parents=True)
    rows = [HEADER]
    for index in range(4):
        Image.fromarray(np.full((20, 20, 3), 9, np.uint8)).save(test_dir / f"{index:05d}.ppm")
        rows.append(f"{index:05d}.ppm;20;20;2;2;18;18;{index % 3}")
    with pytest.raises(ValueError, match="GT-final_test.csv"):
        read_gtsrb_index(gtsrb_root, include_test=True)
    (test_dir / "GT-final_test.csv").write_text("\n".join(rows) + "\n")
    paths, boxes, labels = read_gtsrb_index(gtsrb_root, include_test=True)
    assert len(paths) == 28 and labels[-4:].tolist() == [0, 1, 2, 0] and boxes[-1] == (2, 2, 18, 18)
    (x, _), (xv, _) = _load(gtsrb_root, tmp_path, include_test=True)
    assert len(x) + len(xv) == 28


def test_images_without_csv_take_the_folder_class_and_no_roi(tmp_path):
    root = _make_gtsrb(tmp_path / "G", num_classes=2, per_class=4)
    extra = root / "Final_Training" / "Images" / "00001" / "extra.ppm"
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(extra)
    paths, boxes, labels = read_gtsrb_index(root)
    assert paths[-1] == str(extra) and boxes[-1] is None and labels[-1] == 1


def test_bad_folders_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        read_gtsrb_index(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="000NN"):
        read_gtsrb_index(tmp_path / "empty")
    root = _make_gtsrb(tmp_path / "bad", num_classes=2, per_class=2)
    csv_path = root / "Final_Training" / "Images" / "00000" / "GT-00000.csv"
    csv_path.write_text("Filename,Width,Height,ClassId\n00000_00000.ppm,20,24,0\n")
    with pytest.raises(ValueError, match="lacks the column"):
        read_gtsrb_index(root)
    csv_path.write_text(HEADER + "\nmissing.ppm;20;24;3;4;17;20;0\n")
    with pytest.raises(ValueError, match="missing.ppm"):
        read_gtsrb_index(root)


def test_rows_giving_one_image_two_labels_are_refused(tmp_path):
    root = _make_gtsrb(tmp_path / "G", num_classes=2, per_class=2)
    csv_path = root / "Final_Training" / "Images" / "00000" / "GT-00000.csv"
    # the same file listed twice in one CSV with two different ClassIds
    csv_path.write_text(csv_path.read_text() + "00000_00001.ppm;21;24;3;4;18;20;1\n")
    with pytest.raises(ValueError, match=r"00000_00001.ppm is given two different labels \(0 and 1\).*GT-00000.csv"):
        read_gtsrb_index(root)
    # a second CSV in the same folder that relabels an image
    csv_path.write_text(HEADER + "\n00000_00000.ppm;20;24;3;4;17;20;0\n00000_00001.ppm;21;24;3;4;18;20;0\n")
    (csv_path.parent / "GT-extra.csv").write_text(HEADER + "\n00000_00000.ppm;20;24;3;4;17;20;1\n")
    with pytest.raises(ValueError, match=r"two different labels \(0 and 1\) in .*GT-00000.csv and .*GT-extra.csv"):
        read_gtsrb_index(root)


def test_a_repeated_row_with_the_same_label_is_read_once(tmp_path):
    root = _make_gtsrb(tmp_path / "G", num_classes=2, per_class=2)
    csv_path = root / "Final_Training" / "Images" / "00000" / "GT-00000.csv"
    csv_path.write_text(csv_path.read_text() + "00000_00001.ppm;21;24;3;4;18;20;0\n")
    paths, boxes, labels = read_gtsrb_index(root)
    assert len(paths) == 4 and len(set(paths)) == 4 and labels.tolist() == [0, 0, 1, 1]
