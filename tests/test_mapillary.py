"""Mapillary: cropping MTSD annotations into class folders, and loading class folders 7:3."""

import json

import numpy as np
import pytest
from PIL import Image

from is_keras.data import load_dataset
from is_keras.data.mapillary import crop_mapillary_signs, crop_sign, index_class_folders, load_mapillary

RED, BLUE, GREEN, WHITE = (220, 20, 20), (20, 20, 220), (20, 200, 20), (250, 250, 250)


def _bbox(x1, y1, x2, y2, **extra):
    return dict(xmin=x1, ymin=y1, xmax=x2, ymax=y2, **extra)


def _make_mtsd(root):
    """Two street images with coloured sign boxes, annotated like MTSD (one a wrapping panorama)."""
    (root / "images" / "train").mkdir(parents=True)
    (root / "annotations").mkdir()
    (root / "splits").mkdir()
    street = np.full((60, 100, 3), 128, np.uint8)
    street[10:30, 10:40] = RED  # regulatory--stop--g1, 30 x 20
    street[35:55, 60:80] = BLUE  # mandatory--turn-right--g1, 20 x 20
    street[5:9, 80:84] = GREEN  # a 4 x 4 sign, below any min_size
    street[40:58, 5:25] = WHITE  # other-sign
    Image.fromarray(street).save(root / "images" / "train" / "streetA.jpg", quality=98)
    objects = [
        dict(key="o1", label="regulatory--stop--g1", bbox=_bbox(10, 10, 40, 30), properties={"occluded": False}),
        dict(key="o2", label="mandatory--turn-right--g1", bbox=_bbox(60, 35, 80, 55), properties={"ambiguous": True}),
        dict(key="o3", label="regulatory--stop--g1", bbox=_bbox(80.0, 5.0, 84.0, 9.0), properties={}),
        dict(key="o4", label="other-sign", bbox=_bbox(5, 40, 25, 58), properties={}),
    ]
    (root / "annotations" / "streetA.json").write_text(
        json.dumps({"width": 100, "height": 60, "ispano": False, "objects": objects})
    )
    pano = np.full((40, 120, 3), 90, np.uint8)
    pano[10:30, 110:120] = RED  # the sign's left part, at the right edge
    pano[10:30, 0:6] = BLUE  # its right part, at the left edge
    Image.fromarray(pano).save(root / "images" / "train" / "panoB.jpg", quality=98)
    wrap = _bbox(110, 10, 6, 30, cross_boundary={"left": _bbox(110, 10, 120, 30), "right": _bbox(0, 10, 6, 30)})
    (root / "annotations" / "panoB.json").write_text(
        json.dumps(
            {"width": 120, "height": 40, "ispano": True, "objects": [dict(key="p", label="warning--x", bbox=wrap)]}
        )
    )
    (root / "splits" / "train.txt").write_text("streetA\n")
    (root / "splits" / "val.txt").write_text("panoB\n")
    return root


def _mean_colour(path):
    """Mean colour away from the crop's edge (JPEG blurs colour edges)."""
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)[3:-3, 3:-3].reshape(-1, 3).mean(axis=0)


def test_crops_go_to_label_folders_with_the_box_size_and_content(tmp_path):
    src, dst = _make_mtsd(tmp_path / "mtsd"), tmp_path / "crops"
    counts = crop_mapillary_signs(src, dst, progress=False)
    assert counts == {"mandatory--turn-right--g1": 1, "regulatory--stop--g1": 2, "warning--x": 1}
    assert not (dst / "other-sign").exists()  # skipped by default
    stop = dst / "regulatory--stop--g1" / "streetA_0.png"
    assert Image.open(stop).size == (30, 20)
    np.testing.assert_allclose(_mean_colour(stop), RED, atol=6)
    np.testing.assert_allclose(_mean_colour(dst / "mandatory--turn-right--g1" / "streetA_1.png"), BLUE, atol=6)
    assert Image.open(dst / "regulatory--stop--g1" / "streetA_2.png").size == (4, 4)


def test_panorama_boxes_are_stitched_left_then_right(tmp_path):
    src, dst = _make_mtsd(tmp_path / "mtsd"), tmp_path / "crops"
    crop_mapillary_signs(src, dst, splits=["val"], progress=False)
    stitched = np.asarray(Image.open(dst / "warning--x" / "panoB_0.png").convert("RGB"), dtype=np.float64)
    assert stitched.shape == (20, 16, 3)
    np.testing.assert_allclose(stitched[3:-3, 1:7].reshape(-1, 3).mean(0), RED, atol=8)
    np.testing.assert_allclose(stitched[3:-3, 12:15].reshape(-1, 3).mean(0), BLUE, atol=8)
    # without a cross_boundary entry the two parts come from the image edges
    image = Image.open(src / "images" / "train" / "panoB.jpg")
    fallback = crop_sign(image, _bbox(110, 10, 6, 30))
    assert fallback.size == (16, 20)


def test_filters_min_size_labels_properties_splits_margin(tmp_path):
    src = _make_mtsd(tmp_path / "mtsd")
    counts = crop_mapillary_signs(src, tmp_path / "a", min_size=5, skip_properties=["ambiguous"], progress=False)
    assert counts == {"regulatory--stop--g1": 1, "warning--x": 1}
    counts = crop_mapillary_signs(src, tmp_path / "b", skip_labels=(), splits="train", progress=False)
    assert counts == {"mandatory--turn-right--g1": 1, "other-sign": 1, "regulatory--stop--g1": 2}
    crop_mapillary_signs(src, tmp_path / "c", margin=0.1, splits="train", progress=False)
    assert Image.open(tmp_path / "c" / "regulatory--stop--g1" / "streetA_0.png").size == (36, 24)


def test_rerun_keeps_existing_crops_and_counts_them(tmp_path):
    src, dst = _make_mtsd(tmp_path / "mtsd"), tmp_path / "crops"
    first = crop_mapillary_signs(src, dst, progress=False)
    stop = dst / "regulatory--stop--g1" / "streetA_0.png"
    stamp = stop.stat().st_mtime_ns
    assert crop_mapillary_signs(src, dst, progress=False) == first
    assert stop.stat().st_mtime_ns == stamp
    assert not list(dst.rglob(".*.tmp"))


def test_bad_mtsd_input_raises_value_errors(tmp_path):
    with pytest.raises(ValueError, match="annotations"):
        crop_mapillary_signs(tmp_path, tmp_path / "out", progress=False)
    src = _make_mtsd(tmp_path / "mtsd")
    with pytest.raises(ValueError, match="split file"):
        crop_mapillary_signs(src, tmp_path / "out", splits=["test"], progress=False)
    (src / "annotations" / "streetA.json").write_text(json.dumps({"objects": [{"label": "x", "bbox": {"xmin": 1}}]}))
    with pytest.raises(ValueError, match="bbox"):
        crop_mapillary_signs(src, tmp_path / "out", progress=False)
    (src / "images" / "train" / "panoB.jpg").unlink()
    with pytest.raises(ValueError, match="no image panoB"):
        crop_mapillary_signs(src, tmp_path / "out2", splits=["val"], progress=False)


def test_an_undecodable_street_image_is_named(tmp_path):
    src = _make_mtsd(tmp_path / "mtsd")
    image = src / "images" / "train" / "panoB.jpg"
    image.write_bytes(image.read_bytes()[:100])  # truncated JPEG
    with pytest.raises(ValueError, match=rf"cannot decode image file {image} \(of .*panoB.json\)"):
        crop_mapillary_signs(src, tmp_path / "out", splits=["val"], progress=False)


# --------------------------------------------------------------- the loader
def _make_class_folders(root, sizes=(10, 10, 10)):
    for class_id, count in enumerate(sizes):
        folder = root / f"sign-{'abc'[class_id]}"
        folder.mkdir(parents=True)
        for index in range(count):
            pixels = np.full((9 + index, 11, 3), (60 * class_id + 20, 12 * index, 100), np.uint8)
            Image.fromarray(pixels).save(folder / f"key{index}_0.png")
    return root


def _load(root, tmp_path, **kwargs):
    return load_mapillary(root, image_size=6, cache_dir=tmp_path / "cache", progress=False, **kwargs)


def test_loader_labels_shapes_and_seven_to_three_split(tmp_path):
    root = _make_class_folders(tmp_path / "crops")
    paths, labels, names = index_class_folders(root)
    assert names == ["sign-a", "sign-b", "sign-c"] and np.bincount(labels).tolist() == [10, 10, 10]
    (x, y), (xv, yv) = _load(root, tmp_path)
    assert x.shape == (21, 6, 6, 3) and xv.shape == (9, 6, 6, 3)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(yv).tolist() == [3, 3, 3]  # stratified: 7:3 in every class
    np.testing.assert_allclose(x[:, 2, 2, 0] * 255, 60 * y + 20, atol=1)  # each image carries its class
    # plain random split: 9 of 30 as well, not necessarily 3 per class; seeded
    (_, _), (_, yv_random) = _load(root, tmp_path, stratify=False, seed=4)
    (_, _), (_, yv_again) = _load(root, tmp_path, stratify=False, seed=4)
    assert len(yv_random) == 9
    np.testing.assert_array_equal(yv_random, yv_again)
    (_, _), (xv_other, _) = _load(root, tmp_path, seed=1)
    assert not np.array_equal(xv_other, xv)


def test_min_per_class_drops_rare_classes_and_renumbers(tmp_path):
    root = _make_class_folders(tmp_path / "crops", sizes=(10, 2, 10))
    _, labels, names = index_class_folders(root, min_per_class=3)
    assert names == ["sign-a", "sign-c"] and sorted(set(labels.tolist())) == [0, 1]
    (x, y), (_, yv) = load_dataset(
        "mapillary", seed=0, root=root, image_size=6, min_per_class=3, cache_dir=tmp_path / "c", progress=False
    )
    assert len(y) + len(yv) == 20 and set(y.tolist()) == {0, 1}
    np.testing.assert_allclose(x[y == 1][:, 2, 2, 0] * 255, 140, atol=1)  # sign-c is now label 1
    with pytest.raises(ValueError, match="min_per_class"):
        index_class_folders(root, min_per_class=0)
    with pytest.raises(ValueError, match="no class folders"):
        index_class_folders(root, min_per_class=50)
