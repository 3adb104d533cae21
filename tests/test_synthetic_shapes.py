"""Synthetic shapes (COCO format), the COCO loader and box-aware augmentation."""

import json
import warnings

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from pycocotools.coco import COCO

from is_keras.data.coco import augment_detection, letterbox_params, load_coco, pad_boxes
from is_keras.data.synthetic_shapes import generate_shapes, write_synthetic_shapes


def test_deterministic_per_seed(tmp_path):
    a = write_synthetic_shapes(tmp_path / "a", 12, image_size=64, seed=3)
    b = write_synthetic_shapes(tmp_path / "b", 12, image_size=64, seed=3)
    c = write_synthetic_shapes(tmp_path / "c", 12, image_size=64, seed=4)
    assert a.read_text().replace("/a", "") == b.read_text().replace("/b", "")
    for f in sorted((tmp_path / "a" / "images").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / "images" / f.name).read_bytes()
    assert json.loads(a.read_text())["annotations"] != json.loads(c.read_text())["annotations"]


def test_objects_in_range_inside_and_not_overlapping():
    data = generate_shapes(150, image_size=96, classes=("circle", "square", "triangle", "star"), max_objects=4,
                           min_size=0.15, max_size=0.4, seed=0)
    counts = [len(b) for b in data.boxes]
    assert min(counts) == 0 and max(counts) == 4
    labels = np.concatenate(data.labels)
    assert set(labels.tolist()) == {0, 1, 2, 3}
    boxes = np.concatenate(data.boxes)
    assert boxes.min() >= 0 and boxes.max() <= 96
    longer = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    assert longer.min() >= 0.15 * 96 - 2 and longer.max() <= 0.4 * 96 + 2
    assert longer.std() > 3  # varied sizes
    for b in data.boxes:
        for i in range(len(b)):
            for j in range(i + 1, len(b)):
                overlap_w = min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0])
                overlap_h = min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1])
                assert overlap_w <= 0 or overlap_h <= 0


def test_shapes_are_drawn_inside_their_boxes():
    """Pixels inside the boxes (the shapes) differ in colour from the background around them."""
    data = generate_shapes(20, image_size=64, max_objects=3, min_objects=1, seed=1)
    for image, boxes in zip(data.images, data.boxes):
        inside = np.zeros(image.shape[:2], bool)
        for x1, y1, x2, y2 in boxes.astype(int):
            inside[y1:y2, x1:x2] = True
        assert inside.any()
        outside_mean = image[~inside].reshape(-1, 3).mean(0)
        assert np.abs(image[inside].reshape(-1, 3).mean(0) - outside_mean).max() > 10


def test_coco_json_and_loader_round_trip(tmp_path):
    ann = write_synthetic_shapes(tmp_path, 10, image_size=64, max_objects=3, seed=5)
    coco = COCO(str(ann))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["circle", "square", "triangle"]
    memory = generate_shapes(10, image_size=64, max_objects=3, seed=5)
    loaded = load_coco(ann, tmp_path / "images", image_size=64)
    np.testing.assert_array_equal(loaded.images, memory.images)
    for a, b, la, lb in zip(loaded.boxes, memory.boxes, loaded.labels, memory.labels):
        np.testing.assert_allclose(a, b, atol=1e-4)
        np.testing.assert_array_equal(la, lb)
    half = load_coco(ann, tmp_path / "images", image_size=32, max_images=4)
    assert half.images.shape == (4, 32, 32, 3)
    for a, b in zip(half.boxes, memory.boxes[:4]):
        np.testing.assert_allclose(a, b / 2, atol=1e-4)
    mm = load_coco(ann, tmp_path / "images", image_size=64, memmap_path=tmp_path / "cache.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "cache.npy"), memory.images)
    assert len(mm) == 10


def test_letterbox_of_a_wide_image(tmp_path):
    (tmp_path / "img").mkdir()
    Image.fromarray(np.full((100, 200, 3), 255, np.uint8)).save(tmp_path / "img" / "a.png")
    ann = {"images": [{"id": 7, "file_name": "a.png", "width": 200, "height": 100}],
           "annotations": [{"id": 1, "image_id": 7, "category_id": 5, "bbox": [20, 10, 40, 30], "area": 1200,
                            "iscrowd": 0},
                           {"id": 2, "image_id": 7, "category_id": 9, "bbox": [0, 0, 200, 100], "area": 2e4,
                            "iscrowd": 1}],
           "categories": [{"id": 5, "name": "a"}, {"id": 9, "name": "b"}]}
    (tmp_path / "ann.json").write_text(json.dumps(ann))
    data = load_coco(tmp_path / "ann.json", tmp_path / "img", image_size=100)
    assert letterbox_params(200, 100, 100) == (0.5, 0.5, 0, 25, 100, 50)
    np.testing.assert_allclose(data.boxes[0], [[10, 30, 30, 45]])
    assert data.labels[0].tolist() == [0] and data.class_names == ["a", "b"]
    assert data.images[0, 10, 50].tolist() == [128, 128, 128] and data.images[0, 50, 50].tolist() == [255] * 3
    stretched = load_coco(tmp_path / "ann.json", tmp_path / "img", image_size=100, letterbox=False)
    np.testing.assert_allclose(stretched.boxes[0], [[10, 10, 30, 40]])
    with pytest.raises(ValueError, match="not found"):
        load_coco(tmp_path / "missing.json", tmp_path / "img")


def _one_image_coco(tmp_path, bboxes):
    (tmp_path / "img").mkdir(exist_ok=True)
    Image.fromarray(np.full((100, 200, 3), 255, np.uint8)).save(tmp_path / "img" / "a.png")
    ann = {"images": [{"id": 7, "file_name": "a.png", "width": 200, "height": 100}],
           "annotations": [{"id": i + 1, "image_id": 7, "category_id": 5, "bbox": b, "area": 1.0, "iscrowd": 0}
                           for i, b in enumerate(bboxes)],
           "categories": [{"id": 5, "name": "a"}]}
    (tmp_path / "ann.json").write_text(json.dumps(ann))
    return tmp_path / "ann.json"


def test_boxes_reaching_outside_the_image_are_clipped_and_counted(tmp_path):
    ann = _one_image_coco(tmp_path, [[20, 10, 40, 30], [-10, -5, 30, 20], [190, 90, 30, 40], [250, 10, 20, 20]])
    with pytest.warns(UserWarning, match=r"ann.json: 2 box\(es\) .* clipped .* and 1 box\(es\) .* dropped"):
        data = load_coco(ann, tmp_path / "img", image_size=200, letterbox=False)  # scale (1, 2)
    np.testing.assert_allclose(data.boxes[0], [[20, 20, 60, 80], [0, 0, 20, 30], [190, 180, 200, 200]])
    assert data.labels[0].tolist() == [0, 0, 0]
    inside = _one_image_coco(tmp_path, [[0, 0, 200, 100]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(load_coco(inside, tmp_path / "img", image_size=100).boxes[0], [[0, 25, 100, 75]])


def test_coco_file_errors_name_the_file(tmp_path):
    ann = _one_image_coco(tmp_path, [[20, 10, 40, 30]])
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match=f"{tmp_path / 'bad.json'} is not a COCO annotation file"):
        load_coco(tmp_path / "bad.json", tmp_path / "img")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="list.json is not a COCO annotation file"):
        load_coco(tmp_path / "list.json", tmp_path / "img")
    (tmp_path / "img" / "a.png").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=f"cannot decode image file {tmp_path / 'img' / 'a.png'}"):
        load_coco(ann, tmp_path / "img")
    (tmp_path / "img" / "a.png").unlink()
    with pytest.raises(ValueError, match=r"a.png \(listed in .*ann.json\)"):
        load_coco(ann, tmp_path / "img")


def white_box_image(boxes, size=64):
    image = np.zeros((size, size, 3), np.float32)
    for x1, y1, x2, y2 in boxes.astype(int):
        image[y1:y2, x1:x2] = 1.0
    return image


def extent(mask):
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)


def test_flip_is_exact():
    boxes = np.array([[4, 6, 20, 30], [40, 10, 60, 20]], np.float32)
    image = white_box_image(boxes)
    out, out_boxes, out_labels = augment_detection(image, boxes, np.array([0, 1]), seed=tf.constant([0, 0]),
                                                   flip_probability=1.0, scale_range=(1.0, 1.0))
    np.testing.assert_array_equal(out.numpy(), image[:, ::-1])
    np.testing.assert_allclose(out_boxes.numpy(), [[44, 6, 60, 30], [4, 10, 24, 20]])
    assert out_labels.numpy().tolist() == [0, 1]


@pytest.mark.parametrize("seed", range(6))
def test_scale_jitter_moves_boxes_with_the_pixels(seed):
    boxes = np.array([[10, 12, 30, 40], [36, 6, 56, 22], [0, 0, 0, 0]], np.float32)
    labels = np.array([2, 1, -1])
    image = white_box_image(boxes[:2])
    out, out_boxes, out_labels = augment_detection(image, boxes, labels, seed=tf.constant([seed, 7]),
                                                   scale_range=(0.6, 1.4))
    again = augment_detection(image, boxes, labels, seed=tf.constant([seed, 7]), scale_range=(0.6, 1.4))
    np.testing.assert_array_equal(again[1].numpy(), out_boxes.numpy())  # stateless: same seed, same result
    out, out_boxes, out_labels = out.numpy(), out_boxes.numpy(), out_labels.numpy()
    assert out.shape == image.shape and out_labels[2] == -1
    for box, label in zip(out_boxes[:2], out_labels[:2]):
        if label < 0:
            continue
        x1, y1, x2, y2 = np.round(box).astype(int)
        region = out[max(y1 - 1, 0):y2 + 1, max(x1 - 1, 0):x2 + 1, 0] > 0.5
        found = extent(region) + [max(x1 - 1, 0), max(y1 - 1, 0)] * 2
        np.testing.assert_allclose(found, box, atol=1.6)


def test_pad_boxes():
    b, lab = pad_boxes([np.ones((2, 4)), np.zeros((0, 4))], [np.array([3, 4]), np.array([])], max_boxes=3)
    assert b.shape == (2, 3, 4) and lab.tolist() == [[3, 4, -1], [-1, -1, -1]]
    with pytest.raises(ValueError, match="max_boxes"):
        pad_boxes([np.ones((4, 4))], [np.arange(4)], max_boxes=3)
